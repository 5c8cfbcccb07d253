/**
 * One execution of a plan in a {@link Context}: its outputs, counters, limits and abort scope, and
 * the two things every object handler does — one store request through the Context's scheduler,
 * and delivering a decoded (or missing) chunk to the reads that need it.
 * @module
 */
import {
  allocate,
  type DataType,
  isObjectData,
  type Lane,
  type Scalar,
  type TypedArray,
  viewAs,
} from "../../core/dtype.js";
import { ZarrPlanError } from "../../core/errors.js";
import { cStrides, type NDArray, shapeSize } from "../../core/ndarray.js";
import { scalarLanes } from "../../core/scalar.js";
import type { ChunkEvent, PlanProgress } from "../../plan/events.js";
import type {
  ArrayEntry,
  FetchRange,
  ObjectNeed,
  ShardIndexLike,
  TaskUse,
} from "../../plan/optimize.js";
import type { Plan, PlanReadOptions } from "../../plan/plan.js";
import { checkExecutionOptions } from "../../plan/plan-json.js";
import { FetchError } from "../errors.js";
import { type AbortScope, abortErrorOf, Limiter } from "../limiter.js";
import { type Entries, fillTask, scatterTask } from "../scatter.js";
import { RequestFailure, type RetryPolicy } from "../scheduler.js";
import { TaskEvent } from "./chunk-event.js";
import type { RunResources } from "./resources.js";

/** Progress counters of one execution. */
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

function definedOf<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o))
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/**
 * A zero-filled output of `shape`. The engine's refusal (more entries than a TypedArray may
 * have, e.g. 2^32 in Node 20, or no memory for them) is a `ZarrPlanError` `ERR_PLAN` naming the
 * read, not the engine's bare `RangeError`.
 */
function allocateOutput(dtype: DataType, shape: readonly number[], read: string): TypedArray {
  const n = shapeSize(shape);
  try {
    return allocate(dtype, n);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new ZarrPlanError(
      "ERR_PLAN",
      `cannot allocate the output of plan read "${read}": [${shape.join(", ")}] ${dtype.name} is ${n} elements (${n * dtype.itemSize} bytes); read it in parts (${e.message})`,
      { cause: e },
    );
  }
}

/**
 * A read's outputs are allocated on a decode worker, which writes to every page once ({@link
 * DecodePool.allocateAll}), when those of at least {@link OUTPUT_ON_WORKER_PART_MIN_BYTES} (and
 * at most {@link OUTPUT_ON_WORKER_MAX_BYTES}) add up to at least this: 2 MiB.
 */
export const OUTPUT_ON_WORKER_MIN_BYTES = 2 * 1024 * 1024;
/** Smaller outputs of a read are allocated on the calling thread: 64 KiB. */
export const OUTPUT_ON_WORKER_PART_MIN_BYTES = 64 * 1024;
/** Larger outputs are allocated on the calling thread, which reports a refusal at once: 1 GiB. */
const OUTPUT_ON_WORKER_MAX_BYTES = 2 ** 30;

/**
 * The bytes of memory an output of `size` elements of `dt` takes, when it can be a view of one
 * ArrayBuffer with the stored layout (not JS arrays, not widened float16/bfloat16); else
 * `undefined`.
 */
function viewableBytes(dt: DataType, size: number): number | undefined {
  if (isObjectData(dt) || dt.widened) return undefined;
  return size * dt.itemSize;
}

/** One execution of a plan. */
export class Run {
  readonly context: RunResources;
  readonly plan: Plan;
  readonly signal: AbortScope;
  readonly retry: RetryPolicy;
  /** This execution's own request limit (`concurrency`), besides each store's. */
  readonly local: Limiter | undefined;
  readonly decoder: Limiter;
  readonly emit: ((e: ChunkEvent) => void) | undefined;
  readonly outputs: NDArray[] = [];
  readonly fills: (Lane[] | undefined)[] = [];
  readonly remaining: number[] = [];
  readonly c: Counters;
  /** Shard indexes fetched by this execution, by object id. */
  readonly indexes = new Map<number, ShardIndexLike | null>();
  /** Set while outputs are being allocated on a worker; settles (never rejects) when they are. */
  #allocating: Promise<void> | undefined;
  /** Why allocating the outputs failed (on the calling thread, after a worker could not). */
  #allocationError: unknown;
  /** Fills and scatters of data that stays valid, asked for before the outputs existed. */
  #deferred: (() => void)[] = [];

  constructor(
    context: RunResources,
    plan: Plan,
    options: PlanReadOptions,
    signal: AbortScope,
    emit: ((e: ChunkEvent) => void) | undefined,
    allocateOutputs: boolean,
  ) {
    this.context = context;
    this.plan = plan;
    this.signal = signal;
    // Plan.read / stream / resolve and Context.read check first; this covers direct engine calls.
    // The plan's own options were checked when it was built.
    checkExecutionOptions(options, "read");
    const o = { ...plan.options, ...definedOf(options) };
    this.retry = context.retryPolicy(o.retry, o.timeoutMs);
    this.local = o.concurrency !== undefined ? new Limiter(o.concurrency) : undefined;
    this.decoder =
      o.decodeConcurrency !== undefined ? new Limiter(o.decodeConcurrency) : context.decodeLimiter;
    this.emit = emit;
    const opt = plan.optimized;
    if (allocateOutputs) this.#allocateOutputs(context, plan);
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

  /**
   * Makes the outputs: on a decode worker together ({@link DecodePool.allocateAll}) when the
   * outputs of at least {@link OUTPUT_ON_WORKER_PART_MIN_BYTES} add up to at least
   * {@link OUTPUT_ON_WORKER_MIN_BYTES}, each of them then a placeholder until its memory arrives;
   * the others (and all of them without workers) on the calling thread at once.
   */
  #allocateOutputs(context: RunResources, plan: Plan): void {
    const pool = context.decodePool;
    const onWorker: { index: number; bytes: number }[] = [];
    let total = 0;
    plan.views.forEach((v, i) => {
      const shape = [...v.shape];
      const strides = cStrides(shape);
      const bytes = viewableBytes(v.dtype, shapeSize(shape));
      if (
        pool.workers > 0 &&
        bytes !== undefined &&
        bytes >= OUTPUT_ON_WORKER_PART_MIN_BYTES &&
        bytes <= OUTPUT_ON_WORKER_MAX_BYTES
      ) {
        onWorker.push({ index: i, bytes });
        total += bytes;
        // A placeholder until the worker's memory arrives, or replaced below when the outputs
        // stay on this thread (nothing reads it before: scatters and fills wait for #allocating).
        this.outputs.push({ data: allocate(v.dtype, 0), shape, strides, dtype: v.dtype });
      } else {
        const data = allocateOutput(v.dtype, shape, plan.names[i]!);
        this.outputs.push({ data, shape, strides, dtype: v.dtype });
      }
      this.remaining.push(plan.optimized.readTasks[i]!);
    });
    const here = (i: number) => {
      const o = this.outputs[i]!;
      const data = allocateOutput(o.dtype, o.shape, plan.names[i]!);
      this.outputs[i] = { ...o, data };
    };
    if (onWorker.length === 0) return;
    if (total < OUTPUT_ON_WORKER_MIN_BYTES) {
      for (const { index } of onWorker) here(index);
      return;
    }
    this.#allocating = pool
      .allocateAll(onWorker.map((o) => o.bytes))
      .catch(() => onWorker.map(() => undefined))
      .then((buffers) => {
        onWorker.forEach(({ index }, k) => {
          const buffer = buffers[k];
          if (buffer === undefined) here(index);
          else {
            const o = this.outputs[index]!;
            this.outputs[index] = { ...o, data: viewAs(o.dtype, new Uint8Array(buffer)) };
          }
        });
      })
      .then(
        () => this.#flushDeferred(),
        (e: unknown) => {
          this.#allocationError = e;
          this.#deferred.length = 0;
        },
      );
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

  /** The store of `obj` (objects of arrays with storage only). */
  store(obj: ObjectNeed) {
    return this.plan.optimized.stores[obj.store]!;
  }

  /** A `FetchError` naming the array, reads, key and byte range of `obj`. */
  fetchError(
    obj: ObjectNeed,
    range: FetchRange | undefined,
    attempts: number,
    cause: unknown,
    message?: string,
  ): FetchError {
    return new FetchError({
      array: this.array(obj).source.path,
      reads: obj.reads.map((r) => this.plan.names[r]!),
      key: obj.key,
      range,
      attempts,
      cause,
      ...(message === undefined ? {} : { message }),
    });
  }

  /**
   * One store request of `obj`, through the execution's and the store's limits. With `leased`,
   * the body is read into the Context's body memory ({@link RunResources.bodyBuffers}) and the
   * caller must give the bytes back ({@link withLeased}).
   */
  async request(
    obj: ObjectNeed,
    range: FetchRange | undefined,
    priority: number,
    leased = false,
  ): Promise<Uint8Array | undefined> {
    const store = this.store(obj);
    const release = this.local ? await this.local.acquire(priority, this.signal) : undefined;
    try {
      // A whole chunk or shard can be no larger than its codecs' worst case (bounded reads).
      const bound = range ? undefined : this.array(obj).pipeline?.maxEncodedSize();
      const max = bound !== undefined && Number.isSafeInteger(bound) ? bound : undefined;
      const bytes = await this.context.scheduler(store).fetch(obj.key, range, {
        signal: this.signal,
        priority,
        retry: this.retry,
        ...(max === undefined ? {} : { maxBytes: max }),
        ...(leased ? { buffers: this.context.bodyBuffers } : {}),
        reads: obj.reads.map((r) => this.plan.names[r]!),
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
      if (e instanceof RequestFailure) throw this.fetchError(obj, range, e.attempts, e.cause);
      throw e;
    } finally {
      release?.();
    }
  }

  /**
   * Resolves when every output exists (at once, unless large outputs are being allocated on a
   * worker); rejects with the allocation's error (`ERR_PLAN`) or the first error of a fill or
   * scatter that waited for them.
   */
  async outputsReady(): Promise<void> {
    if (this.#allocating) await this.#allocating;
    if (this.#allocationError !== undefined) throw this.#allocationError;
  }

  #flushDeferred(): void {
    this.#allocating = undefined;
    for (const op of this.#deferred.splice(0)) {
      try {
        op();
      } catch (e) {
        this.#allocationError = e;
        this.#deferred.length = 0;
        return;
      }
    }
  }

  /**
   * Runs `fn` under the decode limit, once the outputs exist (`fn` scatters into them: a decode
   * hands out reused memory that is valid only while it runs).
   */
  decode<T>(fn: () => Promise<T> | T): Promise<T> {
    if (this.#allocating) {
      return this.outputsReady().then(() => this.decoder.run(fn, 1, this.signal));
    }
    return this.decoder.run(fn, 1, this.signal);
  }

  #done(use: TaskUse, obj: ObjectNeed, chunk: readonly number[], filled: boolean): void {
    this.c.tasksDone++;
    const complete = this.remaining.length > 0 && --this.remaining[use.read]! === 0;
    if (complete) this.c.readsDone++;
    if (this.emit) {
      this.emit(
        new TaskEvent({
          read: this.plan.names[use.read]!,
          array: this.plan.views[use.read]!.source.path,
          key: obj.key,
          chunk,
          filled,
          task: use.task,
          output: this.outputs[use.read]!,
          progress: this.progress(),
          readComplete: complete,
        }),
      );
    }
  }

  /** Writes the fill value of its read into the output elements of task `use`. */
  fill(use: TaskUse, obj: ObjectNeed, chunk: readonly number[]): void {
    if (this.signal.aborted) throw abortErrorOf(this.signal, obj.key);
    if (this.#allocating) {
      this.#deferred.push(() => this.fill(use, obj, chunk));
      return;
    }
    const r = use.read;
    let f = this.fills[r];
    if (!f) {
      const src = this.plan.views[r]!.source;
      f = scalarLanes(src.dtype, src.fillValue as Scalar);
      this.fills[r] = f;
    }
    fillTask(use.task, f, this.outputs[r]!.data as unknown as Entries);
    this.#done(use, obj, chunk, true);
  }

  /**
   * Scatters the decoded chunk `data` (C order) into the output elements of task `use`. Before the
   * outputs exist (only outside {@link decode}, whose memory is reused), `data` must stay
   * unchanged until they do (cached chunks, a source's chunks).
   */
  scatter(use: TaskUse, obj: ObjectNeed, chunk: readonly number[], data: NDArray["data"]): void {
    if (this.signal.aborted) throw abortErrorOf(this.signal, obj.key);
    if (this.#allocating) {
      this.#deferred.push(() => this.scatter(use, obj, chunk, data));
      return;
    }
    const out = this.outputs[use.read]!;
    scatterTask(
      use.task,
      data as unknown as Entries,
      out.data as unknown as Entries,
      out.dtype.lanes,
    );
    this.#done(use, obj, chunk, false);
  }
}

/** The error a plan execution ends with once it has finished (aborts what is left of it). */
export function finishedError(what: "execution" | "resolution"): ZarrPlanError {
  return new ZarrPlanError("ERR_PLAN_DONE", `plan ${what} finished`);
}
