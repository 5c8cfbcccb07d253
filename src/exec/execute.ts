/**
 * The plan executor: runs a {@link Plan}'s requests concurrently, decodes and scatters each chunk
 * (or inner chunk) as its bytes arrive, and reports {@link ChunkEvent}s. Importing this module
 * registers it as the runtime of plans (`read`, `stream`, `resolve`, `fromJSON`).
 *
 * Waves: every request known before IO (chunks, whole shards, shard indexes) is issued at once,
 * shard indexes first (priority 0); each partial shard's data ranges are computed (optimizer
 * phase 2) and issued as soon as *its* index arrives, without waiting for the other indexes. So a
 * plan takes at most two sequential round trips (one when no shard is read partially or the plan
 * is resolved), plus one for metadata when its arrays are opened cold.
 *
 * Limits: requests go through the store's shared scheduler (`scheduler.ts`: one limit per store
 * for all plans, identical requests shared, retries); `concurrency` additionally caps one
 * execution; decoding runs under a separate limit (`DEFAULT_DECODE_CONCURRENCY`).
 * @module
 */
import { Observable } from "rxjs";
import { allocate } from "../core/dtype.js";
import { AbortError, CodecError, ZarrPlanError } from "../core/errors.js";
import { cStrides, type NDArray, shapeSize, toCOrder } from "../core/ndarray.js";
import { type Executor, type LazyArray, setDefaultExecutor } from "../index-space/lazy.js";
import type { ChunkTask } from "../index-space/partition.js";
import type { ArraySource, ReadOptions } from "../index-space/source.js";
import type { ChunkEvent, OutputRegion, PlanProgress } from "../plan/events.js";
import {
  type ArrayEntry,
  type Fetch,
  type FetchRange,
  type ObjectNeed,
  type ShardIndexLike,
  shardReads,
  type TaskUse,
} from "../plan/optimize.js";
import { Plan, type PlanReadOptions, setPlanRuntime } from "../plan/plan.js";
import type { AnyStore } from "../store/types.js";
import { decodePool } from "./decode-pool.js";
import { FetchError } from "./errors.js";
import { AbortScope, abortErrorOf, Limiter, linkedController, raceAbort } from "./limiter.js";
import {
  type Entries,
  fillEntries,
  fillTask,
  gatherTask,
  scatterTask,
  taskOutputOffsets,
  taskRegion,
} from "./scatter.js";
import { RequestFailure, type RetryPolicy, retryPolicy, schedulerOf } from "./scheduler.js";

/**
 * Default limit of decodes in progress across all executions: twice the number of logical CPUs
 * (`navigator.hardwareConcurrency`, 4 when unknown), at least 4. Decompression runs on the decode
 * workers (`decode-pool.ts`), so two chunks per worker keep each busy while the other's result
 * is scattered; the limit also bounds the decoded chunks held at once.
 */
export const DEFAULT_DECODE_CONCURRENCY = Math.max(
  4,
  2 *
    ((globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
      ?.hardwareConcurrency ?? 4),
);

const decodeLimiter = new Limiter(DEFAULT_DECODE_CONCURRENCY);

/** Sets the global decode limit (default {@link DEFAULT_DECODE_CONCURRENCY}). */
export function setDecodeConcurrency(n: number): void {
  if (!(Number.isInteger(n) && n >= 1)) {
    throw new RangeError(`decode concurrency must be an integer >= 1, got ${n}`);
  }
  decodeLimiter.limit = n;
}

const sourceLimiters = new WeakMap<object, Limiter>();

function sourceLimiter(source: ArraySource, limit: number): Limiter {
  let l = sourceLimiters.get(source);
  if (!l) {
    l = new Limiter(limit);
    sourceLimiters.set(source, l);
  }
  return l;
}

/** Default `readChunk` calls in flight per source (sources without a store). */
export const DEFAULT_SOURCE_CONCURRENCY = 16;

class Event implements ChunkEvent {
  readonly type = "chunk" as const;
  readonly read: string;
  readonly array: string;
  readonly key: string;
  readonly chunk: readonly number[];
  readonly filled: boolean;
  readonly task: ChunkTask;
  readonly output: NDArray;
  readonly progress: PlanProgress;
  readonly readComplete: boolean;
  #region: OutputRegion | undefined | null = null;
  #values: NDArray | undefined;

  constructor(
    read: string,
    array: string,
    key: string,
    chunk: readonly number[],
    filled: boolean,
    task: ChunkTask,
    output: NDArray,
    progress: PlanProgress,
    readComplete: boolean,
  ) {
    this.read = read;
    this.array = array;
    this.key = key;
    this.chunk = chunk;
    this.filled = filled;
    this.task = task;
    this.output = output;
    this.progress = progress;
    this.readComplete = readComplete;
  }

  get count(): number {
    return this.task.count;
  }

  get region(): OutputRegion | undefined {
    if (this.#region === null) this.#region = taskRegion(this.task, this.output.shape);
    return this.#region;
  }

  get values(): NDArray {
    if (!this.#values) {
      const dt = this.output.dtype;
      const shape = this.region?.shape ?? [this.task.count];
      const data = allocate(dt, this.task.count);
      gatherTask(
        this.task,
        this.output.data as unknown as Entries,
        data as unknown as Entries,
        dt.lanes,
      );
      this.#values = { data, shape: [...shape], strides: cStrides(shape), dtype: dt };
    }
    return this.#values;
  }

  outputOffsets(): Float64Array {
    return taskOutputOffsets(this.task);
  }
}

interface Counters {
  tasksDone: number;
  tasksTotal: number;
  requestsDone: number;
  requestsTotal: number;
  bytesDone: number;
  bytesTotal: number;
  pendingIndexes: number;
  readsDone: number;
  readsTotal: number;
}

/** One execution of a plan. */
class Run {
  readonly plan: Plan;
  readonly signal: AbortScope;
  readonly retry: RetryPolicy;
  readonly local: Limiter | undefined;
  readonly decoder: Limiter;
  readonly emit: ((e: ChunkEvent) => void) | undefined;
  readonly outputs: NDArray[] = [];
  readonly fills: ((number | bigint)[] | undefined)[] = [];
  readonly remaining: number[] = [];
  readonly c: Counters;
  readonly indexes = new Map<number, ShardIndexLike | null>();

  constructor(
    plan: Plan,
    options: PlanReadOptions,
    signal: AbortScope,
    emit: ((e: ChunkEvent) => void) | undefined,
    allocateOutputs: boolean,
  ) {
    this.plan = plan;
    this.signal = signal;
    const o = { ...plan.options, ...definedOf(options) };
    this.retry = retryPolicy(o.retry, o.timeoutMs);
    this.local =
      o.concurrency !== undefined
        ? new Limiter(checkCount(o.concurrency, "concurrency"))
        : undefined;
    this.decoder =
      o.decodeConcurrency !== undefined
        ? new Limiter(checkCount(o.decodeConcurrency, "decodeConcurrency"))
        : decodeLimiter;
    this.emit = emit;
    const opt = plan.optimized;
    if (allocateOutputs) {
      plan.views.forEach((v, i) => {
        const shape = [...v.shape];
        this.outputs.push({
          data: allocate(v.dtype, shapeSize(shape)),
          shape,
          strides: cStrides(shape),
          dtype: v.dtype,
        });
        this.remaining.push(opt.readTasks[i]!);
      });
    }
    let tasks = 0;
    for (const n of opt.readTasks) tasks += n;
    this.c = {
      tasksDone: 0,
      tasksTotal: tasks,
      requestsDone: 0,
      requestsTotal: 0,
      bytesDone: 0,
      bytesTotal: 0,
      pendingIndexes: 0,
      readsDone: opt.readTasks.filter((n) => n === 0).length,
      readsTotal: plan.names.length,
    };
  }

  progress(): PlanProgress {
    const c = this.c;
    return {
      tasksDone: c.tasksDone,
      tasksTotal: c.tasksTotal,
      requestsDone: c.requestsDone,
      requestsTotal: c.requestsTotal,
      bytesDone: c.bytesDone,
      bytesTotal: c.bytesTotal,
      totalsFinal: c.pendingIndexes === 0,
      readsDone: c.readsDone,
      readsTotal: c.readsTotal,
    };
  }

  array(obj: ObjectNeed): ArrayEntry {
    return this.plan.optimized.arrays[obj.array]!;
  }

  /** One store request of `obj`, through the execution's and the store's limits. */
  async request(
    obj: ObjectNeed,
    range: FetchRange | undefined,
    priority: number,
  ): Promise<Uint8Array | undefined> {
    const store = this.plan.optimized.stores[obj.store]!;
    const release = this.local ? await this.local.acquire(priority, this.signal) : undefined;
    try {
      const bytes = await schedulerOf(store).fetch(obj.key, range, {
        signal: this.signal,
        priority,
        retry: this.retry,
      });
      const n = bytes?.length ?? 0;
      this.c.requestsDone++;
      this.c.bytesDone += n;
      // Ranges were counted in the total when known; whole objects count as they arrive.
      if (!range) this.c.bytesTotal += n;
      else this.c.bytesTotal += n - ("length" in range ? range.length : range.suffixLength);
      return bytes;
    } catch (e) {
      if (this.signal.aborted) throw abortErrorOf(this.signal, obj.key);
      if (e instanceof RequestFailure) {
        throw new FetchError({
          array: this.array(obj).source.path,
          reads: obj.reads.map((r) => this.plan.names[r]!),
          key: obj.key,
          range,
          attempts: e.attempts,
          cause: e.cause,
        });
      }
      throw e;
    } finally {
      release?.();
    }
  }

  decode<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.decoder.run(fn, 1, this.signal);
  }

  done(use: TaskUse, obj: ObjectNeed, chunk: readonly number[], filled: boolean): void {
    this.c.tasksDone++;
    const complete = this.remaining.length > 0 && --this.remaining[use.read]! === 0;
    if (complete) this.c.readsDone++;
    if (this.emit) {
      this.emit(
        new Event(
          this.plan.names[use.read]!,
          this.plan.views[use.read]!.source.path,
          obj.key,
          chunk,
          filled,
          use.task,
          this.outputs[use.read]!,
          this.progress(),
          complete,
        ),
      );
    }
  }

  fill(use: TaskUse, obj: ObjectNeed, chunk: readonly number[]): void {
    if (this.signal.aborted) throw abortErrorOf(this.signal, obj.key);
    const r = use.read;
    let f = this.fills[r];
    if (!f) {
      const src = this.plan.views[r]!.source;
      f = fillEntries(src.dtype, src.fillValue);
      this.fills[r] = f;
    }
    fillTask(use.task, f, this.outputs[r]!.data as unknown as Entries);
    this.done(use, obj, chunk, true);
  }

  scatter(use: TaskUse, obj: ObjectNeed, chunk: readonly number[], data: NDArray["data"]): void {
    if (this.signal.aborted) throw abortErrorOf(this.signal, obj.key);
    const out = this.outputs[use.read]!;
    scatterTask(
      use.task,
      data as unknown as Entries,
      out.data as unknown as Entries,
      out.dtype.lanes,
    );
    this.done(use, obj, chunk, false);
  }

  // -- objects ---------------------------------------------------------------------------------

  async chunk(obj: ObjectNeed): Promise<void> {
    const a = this.array(obj);
    const bytes = await this.request(obj, undefined, 2);
    if (bytes === undefined) {
      for (const u of obj.uses) this.fill(u, obj, obj.coords);
      return;
    }
    await this.decode(() =>
      decodePool.decodeWith(a.pipeline!, bytes, obj.key, (chunk) => {
        for (const u of obj.uses) this.scatter(u, obj, obj.coords, chunk.data);
      }),
    );
  }

  async source(obj: ObjectNeed): Promise<void> {
    const a = this.array(obj);
    const src = a.source;
    const localRelease = this.local ? await this.local.acquire(1, this.signal) : undefined;
    let chunk: NDArray | undefined;
    try {
      const release = await sourceLimiter(src, DEFAULT_SOURCE_CONCURRENCY).acquire(1, this.signal);
      try {
        chunk = await raceAbort(
          src.readChunk(obj.coords, { signal: this.signal.signal }),
          this.signal,
          obj.key,
        );
      } finally {
        release();
      }
      this.c.requestsDone++;
    } finally {
      localRelease?.();
    }
    if (chunk === undefined) {
      for (const u of obj.uses) this.fill(u, obj, obj.coords);
      return;
    }
    const cs = src.chunkShape;
    if (chunk.shape.length !== cs.length || chunk.shape.some((s, i) => s !== cs[i])) {
      throw new ZarrPlanError(
        "ERR_CHUNK_SHAPE",
        `array "${src.path}": chunk [${obj.coords}] has shape [${chunk.shape}], expected [${cs}]`,
      );
    }
    const c = toCOrder(chunk);
    const need = shapeSize(cs) * src.dtype.lanes;
    if (c.data.length < need) {
      throw new ZarrPlanError(
        "ERR_CHUNK_SHAPE",
        `array "${src.path}": chunk [${obj.coords}] holds ${c.data.length} entries, expected ${need}`,
      );
    }
    for (const u of obj.uses) this.scatter(u, obj, obj.coords, c.data);
  }

  async wholeShard(obj: ObjectNeed): Promise<void> {
    const a = this.array(obj);
    const sh = a.sharding!;
    const bytes = await this.request(obj, undefined, 2);
    if (bytes === undefined) {
      this.fillShard(
        obj,
        obj.inner.map((_, i) => i),
      );
      return;
    }
    const L = sh.indexByteLength;
    if (bytes.length < L) {
      throw new CodecError(
        `shard is ${bytes.length} bytes, shorter than its ${L}-byte index (truncated shard)`,
        { key: obj.key, codec: sh.name },
      );
    }
    const ib =
      sh.indexLocation === "start" ? bytes.subarray(0, L) : bytes.subarray(bytes.length - L);
    const index = await sh.decodeIndex(ib, { key: obj.key }, bytes.length);
    const empty: number[] = [];
    const jobs: Promise<void>[] = [];
    obj.inner.forEach((need, i) => {
      if (index.isEmpty(need.index)) {
        empty.push(i);
        return;
      }
      const off = index.offset(need.index);
      jobs.push(this.innerChunk(obj, i, bytes.subarray(off, off + index.nbytes(need.index))));
    });
    this.fillShard(obj, empty);
    await Promise.all(jobs);
  }

  fillShard(obj: ObjectNeed, positions: readonly number[]): void {
    for (const i of positions) {
      const need = obj.inner[i]!;
      for (const u of need.uses) this.fill(u, obj, need.coords);
    }
  }

  innerChunk(obj: ObjectNeed, i: number, bytes: Uint8Array): Promise<void> {
    const sh = this.array(obj).sharding!;
    const need = obj.inner[i]!;
    return this.decode(() =>
      decodePool.decodeWith(sh.innerPipeline, bytes, obj.key, (chunk) => {
        for (const u of need.uses) this.scatter(u, obj, need.coords, chunk.data);
      }),
    );
  }

  /** The index of a partial shard (known, or fetched now); `null` when the shard is missing. */
  async index(obj: ObjectNeed): Promise<ShardIndexLike | null> {
    if (this.plan.indexes.has(obj.id)) return this.plan.indexes.get(obj.id)!;
    if (this.indexes.has(obj.id)) return this.indexes.get(obj.id)!;
    const sh = this.array(obj).sharding!;
    const bytes = await this.request(obj, sh.indexByteRange(), 0);
    const index = bytes === undefined ? null : await sh.decodeIndex(bytes, { key: obj.key });
    this.indexes.set(obj.id, index);
    return index;
  }

  async partialShard(obj: ObjectNeed): Promise<void> {
    const wasKnown = this.plan.indexes.has(obj.id);
    const index = await this.index(obj);
    const sr = shardReads(obj, index, this.plan.policies[obj.store]!);
    if (!wasKnown) {
      this.c.requestsTotal += sr.fetches.length;
      this.c.bytesTotal += sr.fetched;
      this.c.pendingIndexes--;
    }
    this.fillShard(obj, sr.empty);
    await Promise.all(sr.fetches.map((f) => this.rangeFetch(obj, f)));
  }

  async rangeFetch(obj: ObjectNeed, f: Fetch): Promise<void> {
    const range = f.range as { offset: number; length: number };
    const bytes = await this.request(obj, range, 1);
    if (bytes === undefined || bytes.length < range.length) {
      const what =
        bytes === undefined
          ? "the shard disappeared after its index was read"
          : `got ${bytes.length} of ${range.length} bytes (shard truncated or rewritten after its index was read)`;
      throw new FetchError({
        array: this.array(obj).source.path,
        reads: obj.reads.map((r) => this.plan.names[r]!),
        key: obj.key,
        range,
        attempts: 1,
        cause: new CodecError(what, { key: obj.key, codec: "sharding_indexed" }),
        message: what,
      });
    }
    await Promise.all(
      f.parts.map((p) =>
        this.innerChunk(
          obj,
          p.inner,
          bytes.subarray(p.offset - range.offset, p.offset - range.offset + p.length),
        ),
      ),
    );
  }

  /** Starts every object; resolves when all are done, rejects with the first failure. */
  all(): Promise<void> {
    const opt = this.plan.optimized;
    const c = this.c;
    for (const f of opt.fetches) {
      if (f.kind === "index" && this.plan.indexes.has(f.object)) {
        const obj = opt.objects[f.object]!;
        const sr = shardReads(
          obj,
          this.plan.indexes.get(f.object)!,
          this.plan.policies[obj.store]!,
        );
        c.requestsTotal += sr.fetches.length;
        c.bytesTotal += sr.fetched;
        continue;
      }
      c.requestsTotal++;
      if (f.range && f.bytes !== undefined) c.bytesTotal += f.bytes;
      if (f.kind === "index") c.pendingIndexes++;
    }
    // Critical path first: partial shards (index, then data) before single-request objects.
    const ordered = [
      ...opt.partialShards.map((id) => opt.objects[id]!),
      ...opt.objects.filter((o) => o.kind !== "shard" || o.whole),
    ];
    const jobs = ordered.map((obj) => () => {
      switch (obj.kind) {
        case "chunk":
          return this.chunk(obj);
        case "source":
          return this.source(obj);
        case "shard":
          return obj.whole ? this.wholeShard(obj) : this.partialShard(obj);
      }
    });
    return settleAll(jobs, this.signal);
  }
}

/** Runs every job; resolves when all resolve, rejects with the first rejection. */
function settleAll(jobs: (() => Promise<void>)[], signal: AbortScope): Promise<void> {
  if (jobs.length === 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    let pending = jobs.length;
    let failed = false;
    const fail = (e: unknown) => {
      if (failed) return;
      failed = true;
      reject(e);
    };
    for (const job of jobs) {
      if (failed || signal.aborted) {
        if (!failed) fail(abortErrorOf(signal));
        return;
      }
      let p: Promise<void>;
      try {
        p = job();
      } catch (e) {
        fail(e);
        return;
      }
      p.then(() => {
        if (--pending === 0 && !failed) resolve();
      }, fail);
    }
  });
}

/** A limit as given (below 1 counts as 1, fractions are floored, as `readLazy` always did). */
function checkCount(n: number, what: string): number {
  if (typeof n !== "number" || Number.isNaN(n)) {
    throw new RangeError(`${what} must be a number >= 1, got ${String(n)}`);
  }
  return Math.max(1, Math.floor(n));
}

function definedOf<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o))
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** An `AbortError` naming the arrays of `plan` (the signal's reason as `cause`). */
function abortOfPlan(plan: Plan, scope: AbortScope): AbortError {
  const reason: unknown = scope.reason;
  const arrays = [...new Set(plan.views.map((v) => `"${v.source.path}"`))];
  const what = arrays.length === 1 ? `array ${arrays[0]}` : `arrays ${arrays.join(", ")}`;
  return new AbortError(`Aborted while reading ${what}`, undefined, { cause: reason });
}

/**
 * Runs `plan` once: every read's output, C order. `emit` receives a {@link ChunkEvent} per task as
 * it completes. The first failure aborts everything this execution started (requests shared with
 * other executions go on for them) and rejects; no partial result is returned.
 * @throws AbortError when `options.signal` aborts; FetchError; CodecError; errors of `readChunk`.
 */
export async function execute(
  plan: Plan,
  options: PlanReadOptions = {},
  emit?: (e: ChunkEvent) => void,
): Promise<Record<string, NDArray>> {
  const { controller, dispose } = linkedController(options.signal);
  const scope = new AbortScope(controller.signal);
  try {
    if (scope.aborted) throw abortOfPlan(plan, scope);
    const run = new Run(plan, options, scope, emit, true);
    await raceAbort(run.all(), scope).catch((e: unknown) => {
      throw e instanceof AbortError && e.key === undefined ? abortOfPlan(plan, scope) : e;
    });
    const out: Record<string, NDArray> = {};
    plan.names.forEach((n, i) => {
      out[n] = run.outputs[i]!;
    });
    return out;
  } finally {
    // Stops whatever is still queued or in flight for this execution (after a failure).
    controller.abort(new ZarrPlanError("ERR_PLAN_DONE", "plan execution finished"));
    scope.dispose();
    dispose();
  }
}

/**
 * {@link execute} as a cold Observable of chunk events; unsubscribing aborts the execution.
 */
export function stream(plan: Plan, options: PlanReadOptions = {}): Observable<ChunkEvent> {
  return new Observable<ChunkEvent>((subscriber) => {
    const { controller, dispose } = linkedController(options.signal);
    execute(plan, { ...options, signal: controller.signal }, (e) => subscriber.next(e)).then(
      () => subscriber.complete(),
      (e: unknown) => subscriber.error(e),
    );
    return () => {
      controller.abort(new AbortError("Unsubscribed from the plan's stream"));
      dispose();
    };
  });
}

/**
 * Fetches the shard indexes `plan` still needs (all at once, shared with concurrent executions)
 * and returns the plan with them. @throws as {@link execute}.
 */
export async function resolvePlan(plan: Plan, options: PlanReadOptions = {}): Promise<Plan> {
  const { controller, dispose } = linkedController(options.signal);
  const scope = new AbortScope(controller.signal);
  try {
    if (scope.aborted) throw abortErrorOf(scope);
    const run = new Run(plan, options, scope, undefined, false);
    const opt = plan.optimized;
    const todo = opt.partialShards.filter((id) => !plan.indexes.has(id));
    await settleAll(
      todo.map((id) => () => run.index(opt.objects[id]!).then(() => undefined)),
      scope,
    );
    return plan.withIndexes(run.indexes);
  } finally {
    controller.abort(new ZarrPlanError("ERR_PLAN_DONE", "plan resolution finished"));
    scope.dispose();
    dispose();
  }
}

async function openStore(location: string): Promise<AnyStore> {
  if (/^https?:\/\//i.test(location)) {
    const { FetchStore } = await import("../store/fetch.js");
    return new FetchStore(location);
  }
  const { FileSystemStore } = await import("../store/fs.js");
  return new FileSystemStore(location);
}

async function openArray(
  store: AnyStore,
  path: string,
  options: { signal?: AbortSignal },
): Promise<ArraySource> {
  // Loaded lazily: the hierarchy imports the executor, not the other way round.
  const { openArray: open } = await import("../hierarchy/group.js");
  return open(store, path, options.signal ? { signal: options.signal } : {});
}

/**
 * The executor of `LazyArray.read()`: a one-read plan, so single reads and plans share one code
 * path (request dedup, shard byte ranges, retries, cancellation).
 */
export const planExecutor: Executor = Object.freeze({
  async read(view: LazyArray, options: ReadOptions = {}): Promise<NDArray> {
    const out = await execute(new Plan([["value", view]]), options);
    return out.value!;
  },
});

setDefaultExecutor(planExecutor);
setPlanRuntime({
  read: (plan, options) => execute(plan, options),
  stream,
  resolve: resolvePlan,
  openStore,
  openArray,
});
