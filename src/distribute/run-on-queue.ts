/**
 * `runOnQueue`: a plan cut into partitions, submitted as one BullMQ flow (a parent job with one
 * child job per partition), followed through queue events, and put back together.
 * @module
 */
import {
  type ConnectionOptions,
  type FlowJobNode,
  FlowProducer,
  Job,
  Queue,
  QueueEvents,
} from "bullmq";
import {
  AbortError,
  type AnyStore,
  type AxisStatsState,
  assemblePartitions,
  type Context,
  createArray,
  type NDArray,
  type PartitionOptions,
  Plan,
  type PlanFile,
  type PlanPartition,
  planFromJSON,
  type StatsState,
} from "../index.js";
import { PartitionError, parseFailure, QueueError } from "./errors.js";
import {
  DEFAULT_MAX_RESULT_BYTES,
  decodeArray,
  type PartitionJobData,
  type PartitionJobResult,
  type PartitionMode,
  type RunJobData,
} from "./job.js";
import { READY_TIMEOUT_MS, readyWithin } from "./ready.js";
import { quitAll, type RedisAddress, redisClient } from "./redis.js";
import { mergePartitionStats } from "./stats.js";
import { storeAtLocation } from "./stores.js";

/** Progress of a distributed run, as its jobs report it. */
export interface QueueProgress {
  readonly partitionsDone: number;
  readonly partitionsTotal: number;
  /** Chunk tasks done (as the workers last reported) and planned. */
  readonly tasksDone: number;
  readonly tasksTotal: number;
  /** Jobs found stalled so far (a worker died or lost its lock; BullMQ put the job back to wait). */
  readonly stalls: number;
  /** Failed attempts that BullMQ retries (transient errors). */
  readonly retries: number;
}

/** Options of {@link runOnQueue}. */
export interface RunOnQueueOptions {
  /** Where Redis listens (`parseQueueUrl(url).connection`). */
  readonly connection: RedisAddress;
  /** BullMQ queue name the workers take jobs from. */
  readonly queue: string;
  /** How to cut the plan (`Plan.partition`; default its defaults). */
  readonly partition?: PartitionOptions;
  /** `"arrays"` (default): the outputs; `"stats"`: statistics states merged over partitions. */
  readonly mode?: PartitionMode;
  /**
   * Store mode (`mode: "store"`): the Zarr store (a location every worker can open: an absolute path
   * or a URL) each read's output is written to, as the array `path/<read name>` (`/` in a name
   * becomes `_`), created here first (the read's shape and data type, the source's fill value,
   * `chunks` or the source's chunk shape clipped to the output; `overwrite` replaces existing
   * arrays). Workers write their partitions with write plans; nothing but figures goes through Redis.
   */
  readonly output?: {
    readonly store: string;
    readonly path?: string;
    readonly chunks?: readonly number[];
    readonly overwrite?: boolean;
  };
  /** Stats mode: the statistics are per this axis of each read's output (`statsOf`'s `axis`). */
  readonly statsAxis?: number;
  /** Attempts per partition job (default 3), with exponential backoff from `backoffMs` (default 500). */
  readonly attempts?: number;
  readonly backoffMs?: number;
  /** Largest `.npy` bytes a partition may return (default 64 MiB); over it the run fails. */
  readonly maxResultBytes?: number;
  /** Aborting stops waiting and removes the run's jobs that have not started. */
  readonly signal?: AbortSignal;
  /** Called as job events arrive. */
  readonly onProgress?: (progress: QueueProgress) => void;
  /** When given a plan file: the Context and store opener it is opened with here (metadata). */
  readonly context?: Context;
  readonly openStore?: (location: string) => AnyStore | Promise<AnyStore>;
  /** How long to wait for Redis to answer, in ms (default 10000). */
  readonly readyTimeoutMs?: number;
}

/** What one partition's job did. */
export interface PartitionReport {
  readonly partition: number;
  readonly jobId: string;
  /** The worker that completed it (`HOST:PID` by default). */
  readonly worker: string;
  /** Estimated bytes and chunk tasks (`PlanPartition`), bytes and requests the worker's stores served. */
  readonly estimatedBytes: number;
  readonly tasks: number;
  readonly bytes: number;
  readonly requests: number;
  /** Time in the read and in the whole job on the worker (ms). */
  readonly readMs: number;
  readonly jobMs: number;
  /** Time from submission to completion (ms), queueing included. */
  readonly turnaroundMs: number;
  /** BullMQ counters: attempts that failed and were retried, starts (stalled restarts included). */
  readonly attemptsMade: number;
  readonly attemptsStarted: number;
}

/** Result of {@link runOnQueue}. */
export interface QueueRunResult {
  /** Arrays mode: every read of the plan, equal to `plan.read()`. */
  readonly outputs?: Record<string, NDArray>;
  /** Store mode: the destination array path of each read (in `output.store`). */
  readonly written?: Readonly<Record<string, string>>;
  /** Stats mode: each read's statistics state (per position of the other axes with `statsAxis`). */
  readonly stats?: Record<string, StatsState | AxisStatsState>;
  readonly partitions: readonly PartitionReport[];
  /** Stalled jobs seen (a worker died mid-job) and retried attempts. */
  readonly stalls: number;
  readonly retries: number;
  readonly wallMs: number;
}

/** Closes BullMQ objects, ignoring errors of connections already gone. */
async function closeAll(objects: readonly { close(): Promise<void> }[]): Promise<void> {
  await Promise.all(objects.map((o) => o.close().catch(() => undefined)));
}

/**
 * Runs a plan (or plan file) on BullMQ workers (`createPartitionWorker`, `zarr-plan worker`): cuts it
 * with `plan.partition(options.partition)`, submits a flow of one parent job and one child job per
 * partition to `queue` (children: `attempts` with exponential backoff; a child that fails for good
 * fails the parent), waits for the parent, and returns the outputs put back together with
 * `assemblePartitions` (equal to `plan.read()`), or the statistics merged over the partitions.
 * Progress comes from the jobs' progress events. The run's jobs are removed from Redis at the end.
 * A plan file's store locations must mean the same on every worker (absolute paths or URLs).
 * @throws PartitionError with the partition's own code (`ERR_CODEC` for a corrupt chunk…) when a
 * partition fails for good; QueueError (`ERR_QUEUE`) when Redis does not answer or jobs vanish;
 * AbortError when `signal` aborts; the plan's errors (`planFromJSON`, `Plan.partition`).
 */
export async function runOnQueue(
  input: Plan | PlanFile,
  options: RunOnQueueOptions,
): Promise<QueueRunResult> {
  const t0 = performance.now();
  const mode = options.mode ?? "arrays";
  const plan =
    input instanceof Plan
      ? input
      : await planFromJSON(input, {
          ...(options.context ? { context: options.context } : {}),
          ...(options.openStore ? { openStore: options.openStore } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        });
  const parts = plan.partition(options.partition);
  const target = mode === "store" ? await createDestination(plan, options) : undefined;
  const { connection, queue: queueName } = options;
  const clients = [redisClient(connection), redisClient(connection), redisClient(connection)];
  const [c0, c1, c2] = clients.map((c) => c as unknown as ConnectionOptions);
  const queue = new Queue(queueName, { connection: c0! });
  const events = new QueueEvents(queueName, { connection: c1! });
  const flows = new FlowProducer({ connection: c2! });
  const byJob = new Map<string, PlanPartition>();
  const tasksDone = new Map<string, number>();
  const completed = new Set<string>();
  let stalls = 0;
  let retries = 0;
  let parent: Job | undefined;
  let unlisten = () => {};
  const tasksTotal = parts.reduce((a, p) => a + p.tasks, 0);
  const report = () =>
    options.onProgress?.({
      partitionsDone: completed.size,
      partitionsTotal: parts.length,
      tasksDone: [...tasksDone.values()].reduce((a, b) => a + b, 0),
      tasksTotal,
      stalls,
      retries,
    });
  try {
    await readyWithin(events, options.readyTimeoutMs ?? READY_TIMEOUT_MS, `queue "${queueName}"`);
    const failed = new Promise<never>((_, reject) => {
      events.on("progress", ({ jobId, data }) => {
        if (!byJob.has(jobId)) return;
        const d = data as { tasksDone?: unknown };
        if (typeof d === "object" && d !== null && typeof d.tasksDone === "number") {
          tasksDone.set(jobId, d.tasksDone);
          report();
        }
      });
      events.on("completed", ({ jobId }) => {
        if (!byJob.has(jobId)) return;
        completed.add(jobId);
        report();
      });
      events.on("stalled", ({ jobId }) => {
        if (!byJob.has(jobId)) return;
        stalls++;
        report();
      });
      events.on("failed", ({ jobId, failedReason }) => {
        const p = byJob.get(jobId);
        if (!p) return;
        void partitionError(queue, jobId, p, failedReason).then(reject, reject);
      });
      // A retried attempt (the job goes back to wait or to delayed for its backoff).
      events.on("waiting", ({ jobId, prev }) => {
        if (byJob.has(jobId) && prev === "failed") {
          retries++;
          report();
        }
      });
      events.on("delayed", ({ jobId }) => {
        if (byJob.has(jobId)) {
          retries++;
          report();
        }
      });
    });
    failed.catch(() => undefined);
    const maxResultBytes = options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES;
    const children: FlowJobNode[] = parts.map((p) => {
      const data: PartitionJobData = {
        kind: "partition",
        file: p.file,
        partition: p.index,
        mode,
        ...(options.statsAxis === undefined ? {} : { statsAxis: options.statsAxis }),
        maxResultBytes,
        ...(target ? { target: { ...target, regions: p.regions } } : {}),
      };
      return {
        name: `partition-${p.index}`,
        queueName,
        data,
        opts: {
          attempts: options.attempts ?? 3,
          backoff: { type: "exponential", delay: options.backoffMs ?? 500 },
          failParentOnFailure: true,
        },
      };
    });
    const runData: RunJobData = { kind: "run", partitions: parts.length };
    let node: Awaited<ReturnType<FlowProducer["add"]>>;
    try {
      node = await flows.add({ name: "run", queueName, data: runData, children });
    } catch (e) {
      throw new QueueError(`queue "${queueName}": cannot submit the run (${String(e)})`, {
        cause: e,
      });
    }
    parent = node.job;
    const submittedAt = Date.now();
    (node.children ?? []).forEach((c, i) => {
      byJob.set(String(c.job.id), parts[i]!);
    });
    report();
    const aborted = new Promise<never>((_, reject) => {
      const signal = options.signal;
      if (!signal) return;
      const onAbort = () => reject(new AbortError("distributed run aborted"));
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener("abort", onAbort, { once: true });
        unlisten = () => signal.removeEventListener("abort", onAbort);
      }
    });
    aborted.catch(() => undefined);
    const done = parent.waitUntilFinished(events).then(
      () => undefined,
      () => findFailure(queue, byJob),
    );
    // Whichever of done / failed / aborted settles first decides; the others are observed here.
    done.catch(() => undefined);
    await Promise.race([done, failed, aborted]);
    const values = await parent.getChildrenValues<PartitionJobResult>();
    const results = new Map<string, PartitionJobResult>();
    for (const [key, value] of Object.entries(values)) {
      results.set(key.slice(key.lastIndexOf(":") + 1), value);
    }
    const reports: PartitionReport[] = [];
    for (const [jobId, p] of byJob) {
      const r = results.get(jobId);
      const job = await Job.fromId(queue, jobId);
      if (!r || !job)
        throw new QueueError(
          `queue "${queueName}": the result of job ${jobId} (partition ${p.index}) is gone`,
        );
      reports.push({
        partition: p.index,
        jobId,
        worker: r.worker,
        estimatedBytes: p.bytes,
        tasks: r.tasks,
        bytes: r.bytes,
        requests: r.requests,
        readMs: r.readMs,
        jobMs: r.jobMs,
        turnaroundMs: (job.finishedOn ?? Date.now()) - submittedAt,
        attemptsMade: job.attemptsMade,
        attemptsStarted: job.attemptsStarted,
      });
    }
    reports.sort((a, b) => a.partition - b.partition);
    const ordered = [...byJob].map(([jobId, partition]) => ({
      partition,
      result: results.get(jobId)!,
    }));
    const wallMs = () => performance.now() - t0;
    if (target)
      return { written: target.arrays, partitions: reports, stalls, retries, wallMs: wallMs() };
    if (mode === "stats") {
      const stats = mergePartitionStats(plan, ordered, options.statsAxis);
      return { stats, partitions: reports, stalls, retries, wallMs: wallMs() };
    }
    const outputs = assemblePartitions(
      plan,
      ordered.map(({ partition, result }) => {
        const arrays: Record<string, NDArray> = {};
        for (const [name, b64] of Object.entries(result.arrays ?? {})) {
          arrays[name] = decodeArray(b64);
        }
        return { partition, outputs: arrays };
      }),
    );
    return { outputs, partitions: reports, stalls, retries, wallMs: wallMs() };
  } finally {
    unlisten();
    // The run's jobs go (results included); jobs still running are locked and stay until done.
    if (parent) await parent.remove({ removeChildren: true }).catch(() => undefined);
    await closeAll([events, flows, queue]);
    await quitAll(clients);
  }
}

/**
 * Store mode: creates each read's destination array in `options.output.store` (see
 * {@link RunOnQueueOptions.output}).
 * @throws QueueError without `output`; errors of `createArray` (an existing node without `overwrite`).
 */
async function createDestination(
  plan: Plan,
  options: RunOnQueueOptions,
): Promise<{ store: string; arrays: Record<string, string> }> {
  const out = options.output;
  if (!out)
    throw new QueueError("store mode needs output: { store } (a location every worker can open)");
  const store = await (options.openStore ?? storeAtLocation)(out.store);
  const arrays: Record<string, string> = {};
  for (const [name, view] of Object.entries(plan.reads)) {
    const leaf = name.replace(/[\\/]/g, "_");
    const path = out.path ? `${out.path.replace(/\/+$/, "")}/${leaf}` : leaf;
    const src = view.source.chunkShape;
    const chunks =
      out.chunks ??
      view.shape.map((s, d) =>
        Math.max(1, Math.min(s, src.length === view.shape.length ? src[d]! : 256)),
      );
    await createArray(store, path, {
      shape: [...view.shape],
      dtype: view.dtype.name,
      chunks: [...chunks],
      fillValue: view.source.fillValue,
      ...(out.overwrite ? { overwrite: true } : {}),
      ...(options.context ? { context: options.context } : {}),
    });
    arrays[name] = path;
  }
  return { store: out.store, arrays };
}

/** The {@link PartitionError} of a child job that failed for good. */
async function partitionError(
  queue: Queue,
  jobId: string,
  p: PlanPartition,
  failedReason: string | undefined,
): Promise<PartitionError> {
  const job = await Job.fromId(queue, jobId).catch(() => undefined);
  const { code, message } = parseFailure(job?.failedReason ?? failedReason);
  const attemptsMade = job?.attemptsMade ?? 0;
  return new PartitionError(
    code,
    `partition ${p.index} (job ${jobId}) failed after ${attemptsMade} attempt(s): ${message}`,
    { partition: p.index, jobId, attemptsMade },
  );
}

/** The error of a run whose parent failed: the first child that failed, else a QueueError. */
async function findFailure(
  queue: Queue,
  byJob: ReadonlyMap<string, PlanPartition>,
): Promise<never> {
  for (const [jobId, p] of byJob) {
    const job = await Job.fromId(queue, jobId).catch(() => undefined);
    if (job && (await job.isFailed()))
      throw await partitionError(queue, jobId, p, job.failedReason);
  }
  throw new QueueError(`queue "${queue.name}": the run failed but none of its partitions did`);
}
