/**
 * `createPartitionWorker`: a BullMQ `Worker` that runs partition jobs (a partition's plan file,
 * read on this process, its outputs or statistics returned as the job's result) and the parent
 * jobs of runs.
 * @module
 */
import { hostname } from "node:os";
import { type ConnectionOptions, type Job, UnrecoverableError, Worker } from "bullmq";
import {
  type AnyStore,
  type AxisStatsState,
  Context,
  type NDArray,
  openArray,
  type PlanProgress,
  planFromJSON,
  planWrite,
  type StatsState,
  slice,
  statsOf,
  type ZarrArray,
} from "../index.js";
import { reusingUrlStores } from "../store/location.js";
import { failureText, isPermanent, QueueError } from "./errors.js";
import {
  checkJobData,
  checkStatsSize,
  DEFAULT_MAX_RESULT_BYTES,
  encodeArrays,
  type PartitionJobData,
  type PartitionJobResult,
  type RunJobData,
} from "./job.js";
import { quitAll, type RedisAddress, redisClient } from "./redis.js";
import { countingOpener, storeAtLocation } from "./stores.js";

/** Result of a run's parent job. */
export interface RunJobResult {
  readonly partitions: number;
}

/** The BullMQ worker {@link createPartitionWorker} returns. */
export type PartitionWorker = Worker<
  PartitionJobData | RunJobData,
  PartitionJobResult | RunJobResult
>;

/** Which partition a worker is about to read (for {@link PartitionWorkerOptions.beforePartition}). */
export interface PartitionStart {
  readonly jobId: string;
  readonly partition: number;
  /** Times the job was started, this one included (BullMQ `attemptsStarted`, stalled restarts included). */
  readonly attempt: number;
}

/** Options of {@link createPartitionWorker}. */
export interface PartitionWorkerOptions {
  /** Where Redis listens (`parseQueueUrl(url).connection`). */
  readonly connection: RedisAddress;
  /** BullMQ queue name. */
  readonly queue: string;
  /** Jobs run at once by this worker (default 1: one partition per process uses its cores). */
  readonly concurrency?: number;
  /** Context the partitions are read in (default: one of the worker's own, closed with it). */
  readonly context?: Context;
  /** Opens a store named by a partition's plan file (default {@link storeAtLocation}, one store per URL for the worker's life). */
  readonly openStore?: (location: string) => AnyStore | Promise<AnyStore>;
  /** Worker name in jobs' `processedBy` and results (default `HOST:PID`). */
  readonly name?: string;
  /**
   * How long a job's lock lasts without renewal, in ms (default 30000, BullMQ's). A worker that
   * dies (SIGKILL, lost machine) stops renewing; after this its job counts as stalled.
   */
  readonly lockDurationMs?: number;
  /**
   * How often this worker looks for stalled jobs (of any worker) and puts them back to wait, in ms
   * (default 30000, BullMQ's). A killed worker's job is retried within about
   * `lockDurationMs + stalledIntervalMs`.
   */
  readonly stalledIntervalMs?: number;
  /** Stalls a job may survive before it fails (default 2). */
  readonly maxStalledCount?: number;
  /**
   * Ceiling of a job's result in bytes, whatever the job asks (job data is written by anyone who
   * can write to the queue): default 4 × 64 MiB.
   */
  readonly maxResultBytes?: number;
  /** Called before each partition is read (logging; tests slow a worker down here). */
  readonly beforePartition?: (start: PartitionStart) => void | Promise<void>;
}

/** Least interval between two progress updates of a job, in ms. */
const PROGRESS_INTERVAL_MS = 200;

/**
 * Reads the partition's plan file: the outputs (or their statistics states) and the job's figures.
 * Progress (`{ tasksDone, tasksTotal }`) goes to the job as the plan's chunk events arrive.
 */
async function runPartition(
  job: Job<PartitionJobData>,
  data: PartitionJobData,
  worker: string,
  context: Context,
  openStore: (location: string) => AnyStore | Promise<AnyStore>,
  signal: AbortSignal | undefined,
  ceiling: number,
): Promise<PartitionJobResult> {
  const t0 = performance.now();
  const stores = countingOpener(openStore);
  const plan = await planFromJSON(data.file, {
    context,
    openStore: stores.open,
    ...(signal ? { signal } : {}),
  });
  const tRead = performance.now();
  const outputs: Record<string, NDArray> = {};
  let last: PlanProgress | undefined;
  let lastSent = 0;
  let updates: Promise<unknown> = Promise.resolve();
  const report = (p: PlanProgress, force: boolean) => {
    const now = performance.now();
    if (!force && now - lastSent < PROGRESS_INTERVAL_MS) return;
    lastSent = now;
    const progress = { tasksDone: p.tasksDone, tasksTotal: p.tasksTotal };
    // Progress is best effort: a lost update must not fail the partition.
    updates = updates.then(() => job.updateProgress(progress).catch(() => undefined));
  };
  await new Promise<void>((resolve, reject) => {
    plan.stream(signal ? { signal } : {}).subscribe({
      next: (e) => {
        outputs[e.read] = e.output;
        last = e.progress;
        report(e.progress, false);
      },
      error: reject,
      complete: resolve,
    });
  });
  if (last) report(last, true);
  await updates;
  // Reads without elements emit no event: read them the plain way (nothing is fetched).
  if (plan.names.some((n) => !(n in outputs))) {
    const all = await plan.read(signal ? { signal } : {});
    for (const n of plan.names) outputs[n] ??= all[n]!;
  }
  const readMs = performance.now() - tRead;
  const maxResultBytes = Math.min(data.maxResultBytes, ceiling);
  const counted = stores.counted();
  const base = {
    partition: data.partition,
    worker,
    readMs,
    tasks: last?.tasksDone ?? 0,
    bytes: counted.bytes,
    requests: counted.requests,
  };
  if (data.mode === "stats") {
    const stats: Record<string, StatsState | AxisStatsState> = {};
    for (const [name, a] of Object.entries(outputs)) {
      stats[name] = statsOf(a, data.statsAxis === undefined ? {} : { axis: data.statsAxis });
    }
    checkStatsSize(stats, maxResultBytes, data.partition);
    return { ...base, stats, jobMs: performance.now() - t0 };
  }
  if (data.mode === "store") {
    const stored = await storeOutputs(data, outputs, context, openStore, signal);
    return { ...base, stored, jobMs: performance.now() - t0 };
  }
  const arrays = encodeArrays(outputs, maxResultBytes, data.partition);
  return { ...base, arrays, jobMs: performance.now() - t0 };
}

/**
 * Store mode: writes each sub-read's output at its region of its destination array, as one write
 * plan (conditional read-modify-writes where a destination object is shared with another partition).
 * @returns objects stored or deleted.
 */
async function storeOutputs(
  data: PartitionJobData,
  outputs: Readonly<Record<string, NDArray>>,
  context: Context,
  openStore: (location: string) => AnyStore | Promise<AnyStore>,
  signal: AbortSignal | undefined,
): Promise<number> {
  const target = data.target!;
  const store = await openStore(target.store);
  const opened = new Map<string, Promise<ZarrArray>>();
  const entries = await Promise.all(
    target.regions.map(async (r) => {
      const path = target.arrays[r.read];
      if (path === undefined) {
        throw new QueueError(
          `partition ${data.partition}: no destination array for read "${r.read}"`,
        );
      }
      let a = opened.get(path);
      if (!a) {
        a = openArray(store, path, { context, ...(signal ? { signal } : {}) });
        opened.set(path, a);
      }
      const dst = await a;
      const box = r.start.map((s, d) => slice(s, s + r.shape[d]!));
      return { target: dst.lazy().get(...box), value: outputs[r.name]! };
    }),
  );
  const w = planWrite(entries, { context });
  const r = await w.write(signal ? { signal } : {});
  return r.stored + r.deleted;
}

/**
 * A BullMQ worker that takes partition jobs of `queue` (submitted by `runOnQueue` or
 * `zarr-plan run --queue`): each job's plan file is opened (`planFromJSON`, stores by location) and
 * read on this process; the job returns its outputs as base64 `.npy` (arrays mode, at most the
 * job's `maxResultBytes`) or `statsOf` states (stats mode), with its figures (worker, ms, bytes
 * fetched). Errors that no retry can fix (corrupt data, a missing array: any zarr-plan error but a
 * transient store failure or an abort) fail the job at once with BullMQ's `UnrecoverableError`;
 * others are retried by BullMQ up to the job's `attempts`. Failures carry the zarr-plan code in the
 * job's `failedReason` (`"ERR_CODEC: …"`). A worker that dies mid-job loses its lock: another
 * worker's stalled-job check puts the job back to wait (`lockDurationMs`, `stalledIntervalMs`).
 * `await worker.close()` stops taking jobs and waits for the current ones (the CLI does it on
 * SIGTERM / SIGINT). Node only.
 * @throws RangeError for a concurrency or duration that is not a positive integer; QueueError
 * (`ERR_QUEUE`) when the Redis client (ioredis) is not installed.
 */
export function createPartitionWorker(options: PartitionWorkerOptions): PartitionWorker {
  const positive = (name: string, v: number | undefined) => {
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 1)) {
      throw new RangeError(`createPartitionWorker: ${name} must be a positive integer, got ${v}`);
    }
  };
  positive("concurrency", options.concurrency);
  positive("lockDurationMs", options.lockDurationMs);
  positive("stalledIntervalMs", options.stalledIntervalMs);
  positive("maxStalledCount", options.maxStalledCount);
  positive("maxResultBytes", options.maxResultBytes);
  const ceiling = options.maxResultBytes ?? 4 * DEFAULT_MAX_RESULT_BYTES;
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const context = options.context ?? new Context();
  // One FetchStore per URL for the worker's life: its keep-alive connections serve every job.
  const openStore = options.openStore ?? reusingUrlStores(storeAtLocation);
  const processor = async (
    job: Job<PartitionJobData | RunJobData>,
    _token?: string,
    signal?: AbortSignal,
  ): Promise<PartitionJobResult | RunJobResult> => {
    try {
      const data = checkJobData(job.data, String(job.id));
      if (data.kind === "run") return { partitions: data.partitions };
      await options.beforePartition?.({
        jobId: String(job.id),
        partition: data.partition,
        attempt: job.attemptsStarted,
      });
      return await runPartition(
        job as Job<PartitionJobData>,
        data,
        name,
        context,
        openStore,
        signal,
        ceiling,
      );
    } catch (e) {
      const text = failureText(e);
      throw isPermanent(e) ? new UnrecoverableError(text) : new Error(text, { cause: e });
    }
  };
  const client = redisClient(options.connection);
  const worker: PartitionWorker = new Worker(options.queue, processor, {
    connection: client as unknown as ConnectionOptions,
    concurrency: options.concurrency ?? 1,
    name,
    maxStalledCount: options.maxStalledCount ?? 2,
    ...(options.lockDurationMs === undefined ? {} : { lockDuration: options.lockDurationMs }),
    ...(options.stalledIntervalMs === undefined
      ? {}
      : { stalledInterval: options.stalledIntervalMs }),
  });
  worker.on("closed", () => {
    if (options.context === undefined) context.close();
    void quitAll([client]);
  });
  return worker;
}
