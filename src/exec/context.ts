/**
 * The `Context`: one object that owns every resource shared by the reads it runs — the role
 * TensorStore's `Context` plays. Per store: a request scheduler (request limit, retries, timeouts,
 * the in-flight table that lets concurrent plans share one request for the same key and byte
 * range) and its settings (request limit, coalescing policy) — see {@link StoreRequests}, which
 * this extends. Shared by all stores: the decode worker pool, the decode limit, optional
 * byte-budgeted caches (metadata documents, shard indexes, decoded chunks), the keep-alive HTTP
 * connections of `FetchStore`s in Node ({@link StoreRequests.connections}), the plan limits and the
 * request log.
 *
 * A default Context is made on first use ({@link defaultContext}); a service, a worker or a test
 * makes its own with `new Context({...})` and passes it to `openArray(store, path, { context })`,
 * `openGroup`, `createArray`, `plan(reads, { context })` or `lazy(source, context)`. Two Contexts
 * share nothing: separate limits, caches, codec pipelines, workers and connections. `close()` ends
 * a Context's workers and aborts its requests. Writes encode chunks through
 * {@link Context.encode}, on the same workers.
 * @module
 */
import type { Observable } from "rxjs";
import type { Scalar } from "../core/dtype.js";
import type { NDArray } from "../core/ndarray.js";
import type { CodecPipeline } from "../format/codecs/pipeline.js";
import type { Executor, LazyArray } from "../index-space/lazy.js";
import type { ArraySource, ReadOptions } from "../index-space/source.js";
import type { ChunkEvent } from "../plan/events.js";
import { DEFAULT_PLAN_LIMITS, type PlanLimits } from "../plan/limits.js";
import { Plan, type PlanEngine, type PlanReadOptions } from "../plan/plan.js";
import { checkExecutionOptions } from "../plan/plan-json.js";
import {
  type WriteEngine,
  WritePlan,
  type WritePlanOptions,
  type WriteResult,
} from "../plan/write-plan.js";
import {
  type BodyBufferOptions,
  BodyBuffers,
  DEFAULT_BODY_BYTES_IN_FLIGHT,
} from "./body-buffers.js";
import type { CacheOptions } from "./caches.js";
import { DecodePool, type DecodeWorkerOptions } from "./decode-pool.js";
import { execute, resolvePlan, streamPlan } from "./execute.js";
import { Limiter } from "./limiter.js";
import { DEFAULT_PIPELINE_CACHE_ENTRIES, PipelineCache } from "./pipelines.js";
import type { RunResources } from "./run/resources.js";
import { type RequestOptions, StoreRequests } from "./store-requests.js";
import { runWritePlan } from "./write/run.js";

export type { CacheCounts, CacheOptions, CacheStats } from "./caches.js";
export {
  DEFAULT_PIPELINE_CACHE_ENTRIES,
  PipelineCache,
  type PipelineCacheStats,
} from "./pipelines.js";
export type { ContextFetchOptions } from "./store-requests.js";

/**
 * Default limit of decodes in progress in one Context: four times the number of logical CPUs
 * (`navigator.hardwareConcurrency`, 2 when unknown, as in Node 20), at least 8. Decompression runs
 * on the decode workers (one per CPU); a few chunks per worker let each one's next chunks travel
 * with its current ones (`DecodePool` batches them into one message) while its results are
 * scattered. The limit also bounds the decoded chunks held at once.
 */
export const DEFAULT_DECODE_CONCURRENCY = Math.max(
  8,
  4 *
    ((globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
      ?.hardwareConcurrency ?? 2),
);

/** Default `readChunk` calls in flight per source (array sources without a store). */
export const DEFAULT_SOURCE_CONCURRENCY = 16;

/** Options of a {@link Context}. */
export interface ContextOptions extends RequestOptions {
  /** The decode worker pool (`workers: 0` decodes on the calling thread). */
  readonly decodeWorkers?: DecodeWorkerOptions;
  /** Decodes in progress at once (default {@link DEFAULT_DECODE_CONCURRENCY}). */
  readonly decodeConcurrency?: number;
  /** `readChunk` calls in flight per array source without a store (default 16). */
  readonly sourceConcurrency?: number;
  /** Caches (all off by default). */
  readonly cache?: CacheOptions;
  /** The budget and reuse of response body memory ({@link BodyBuffers}). */
  readonly bodyBuffers?: BodyBufferOptions;
  /**
   * Limits every plan of this Context is checked against before any IO: output bytes (default
   * 4 GiB) and chunk tasks (default 2^17). A plan over them fails with `ERR_TOO_LARGE`.
   */
  readonly limits?: Partial<PlanLimits>;
  /**
   * Codec pipelines kept (least recently used first out; default 256): arrays opened or created
   * with equal codecs, chunk shape, data type and fill value, and the functional chunk IO
   * (`readChunk(store, path, metadata, …)`), share one built pipeline. An integer ≥ 1.
   */
  readonly pipelineCacheEntries?: number;
}

/** A positive integer option, or the default. @throws RangeError naming the option. */
function count(value: number | undefined, fallback: number, what: string, min = 1): number {
  if (value === undefined) return fallback;
  if (!(Number.isInteger(value) && value >= min)) {
    throw new RangeError(`${what} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

/** A number ≥ 0 (Infinity allowed), or the default. @throws RangeError naming the option. */
function positive(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw new RangeError(`${what} must be a number >= 0, got ${String(value)}`);
  }
  return value;
}

/**
 * Owns the shared resources of the reads it runs: per-store schedulers and settings, the decode
 * worker pool and decode limit, caches, in-flight requests, limits and the request log. Implements
 * `Executor` (a lazy array's `read()`) and `PlanEngine` (a plan's `read`/`stream`/`resolve`).
 */
export class Context
  extends StoreRequests
  implements Executor, PlanEngine, WriteEngine, RunResources
{
  /** The decode worker pool of this Context. */
  readonly decodePool: DecodePool;
  /** The budget of response bodies held by this Context's reads, and their reused memory. */
  readonly bodyBuffers: BodyBuffers;
  /** The limit of decodes in progress (all executions of this Context). */
  readonly decodeLimiter: Limiter;
  /** The limits plans of this Context are checked against (output bytes, chunk tasks). */
  readonly limits: PlanLimits;
  /**
   * The codec pipelines built in this Context, one per distinct codecs + chunk shape + data type
   * + fill value (bounded, {@link ContextOptions.pipelineCacheEntries}); `pipelines.stats`
   * counts builds and hits.
   */
  readonly pipelines: PipelineCache;
  readonly #sourceLimiters = new WeakMap<object, Limiter>();
  readonly #sourceConcurrency: number;

  /**
   * @throws RangeError for a store setting, limit or cache budget out of range.
   */
  constructor(options: ContextOptions = {}) {
    super(options);
    this.limits = Object.freeze({
      maxOutputBytes: positive(
        options.limits?.maxOutputBytes,
        DEFAULT_PLAN_LIMITS.maxOutputBytes,
        "limits.maxOutputBytes",
      ),
      maxTasks: positive(options.limits?.maxTasks, DEFAULT_PLAN_LIMITS.maxTasks, "limits.maxTasks"),
    });
    this.decodePool = new DecodePool(options.decodeWorkers);
    const bb = options.bodyBuffers;
    this.bodyBuffers = new BodyBuffers({
      maxBytesInFlight: positive(
        bb?.maxBytesInFlight,
        DEFAULT_BODY_BYTES_IN_FLIGHT,
        "bodyBuffers.maxBytesInFlight",
      ),
      ...(bb?.maxIdleBytes === undefined
        ? {}
        : { maxIdleBytes: positive(bb.maxIdleBytes, 0, "bodyBuffers.maxIdleBytes") }),
    });
    this.decodeLimiter = new Limiter(
      count(options.decodeConcurrency, DEFAULT_DECODE_CONCURRENCY, "decodeConcurrency"),
    );
    this.#sourceConcurrency = count(
      options.sourceConcurrency,
      DEFAULT_SOURCE_CONCURRENCY,
      "sourceConcurrency",
    );
    this.pipelines = new PipelineCache(
      count(options.pipelineCacheEntries, DEFAULT_PIPELINE_CACHE_ENTRIES, "pipelineCacheEntries"),
    );
  }

  /** The `readChunk` limit of an array source without a store. */
  sourceLimiter(source: ArraySource): Limiter {
    let l = this.#sourceLimiters.get(source);
    if (!l) {
      l = new Limiter(this.#sourceConcurrency);
      this.#sourceLimiters.set(source, l);
    }
    return l;
  }

  // -- execution -------------------------------------------------------------------------------

  /** Options of an execution with the Context's close signal linked in. */
  #withSignal<T extends { signal?: AbortSignal }>(options: T): { options: T; dispose: () => void } {
    const { signal, dispose } = this.link(options.signal);
    return { options: { ...options, signal }, dispose };
  }

  /**
   * `Executor`: reads a lazy array as a one-read plan (see `Plan.read`).
   * @throws OptionsError (`ERR_OPTIONS`) for invalid options, as `Plan.read`.
   */
  async read(view: LazyArray, options: ReadOptions = {}): Promise<NDArray> {
    checkExecutionOptions(options, "read");
    const out = await this.readPlan(new Plan([["value", view]], {}, this), options);
    return out.value!;
  }

  /** `PlanEngine`: runs `plan` once in this Context. */
  async readPlan(plan: Plan, options: PlanReadOptions = {}): Promise<Record<string, NDArray>> {
    if (plan.tooLarge) throw plan.tooLarge;
    const { options: o, dispose } = this.#withSignal(options);
    try {
      return await execute(this, plan, o);
    } finally {
      dispose();
    }
  }

  /** `PlanEngine`: runs `plan` as a cold Observable of chunk events in this Context. */
  streamPlan(plan: Plan, options: PlanReadOptions = {}): Observable<ChunkEvent> {
    return streamPlan(this, plan, options);
  }

  /** `PlanEngine`: fetches the shard indexes `plan` needs, in this Context. */
  async resolvePlan(plan: Plan, options: PlanReadOptions = {}): Promise<Plan> {
    if (plan.tooLarge) throw plan.tooLarge;
    const { options: o, dispose } = this.#withSignal(options);
    try {
      return await resolvePlan(this, plan, o);
    } finally {
      dispose();
    }
  }

  // -- encoding --------------------------------------------------------------------------------

  /**
   * Encodes one chunk (shape `pipeline.spec.shape`, any strides) into the bytes to store, on this
   * Context's worker pool: the same bytes and errors as `pipeline.encode(chunk, { key })`, with
   * the bytes→bytes codecs (compression, checksums) on a worker when the unencoded chunk is at
   * least `decodeWorkers.minBytes` bytes, and a sharded pipeline's inner chunks each the same way
   * (see {@link DecodePool.encode}). `chunk` is neither changed nor transferred.
   * @param key store key of the chunk (or shard), named by errors.
   * @param options.signal aborts the encode (as does closing the Context).
   * @throws ZarrPlanError `ERR_CONTEXT_CLOSED` when the Context is closed; `AbortError` when
   *   `signal` aborts or the Context closes during the encode; RangeError when the chunk's shape
   *   or data type differs from the pipeline's spec; CodecError naming `key` and the codec.
   */
  async encode(
    pipeline: CodecPipeline,
    chunk: NDArray,
    key: string,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<Uint8Array> {
    const { signal, dispose } = this.link(options.signal);
    try {
      return await this.decodePool.encode(pipeline, chunk, key, signal);
    } finally {
      dispose();
    }
  }

  /**
   * `Executor`: assigns `value` to the selection `view` as a one-write plan (see `WritePlan`).
   * @throws as `WritePlan`'s constructor and `WritePlan.write`.
   */
  write(
    view: LazyArray,
    value: NDArray | Scalar,
    options: WritePlanOptions = {},
  ): Promise<WriteResult> {
    return new WritePlan([{ target: view, value }], this).write(options);
  }

  /** `WriteEngine`: runs the write plan `plan` in this Context. */
  async writePlan(plan: WritePlan, options: WritePlanOptions = {}): Promise<WriteResult> {
    const { options: o, dispose } = this.#withSignal(options);
    try {
      return await runWritePlan(this, plan, o);
    } finally {
      dispose();
    }
  }

  /**
   * Closes the Context: aborts every request and execution in progress (they reject with
   * `AbortError`), stops the decode workers, empties the caches and closes the keep-alive
   * connections (idle ones at once, others as their answers end). Later reads through it fail
   * with `ZarrPlanError` `ERR_CONTEXT_CLOSED`. Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.closeRequests();
    this.decodePool.close();
    this.bodyBuffers.clear();
    this.pipelines.clear();
  }
}

/**
 * The Context used when none is given: made on first call, then the same one for the life of the
 * process (or page). Settings changed on it apply to every read that does not name a Context.
 */
export function defaultContext(): Context {
  if (!holder.context) holder.context = new Context();
  return holder.context;
}

/** The default Context's slot (the one mutable module binding; see {@link defaultContext}). */
const holder: { context: Context | undefined } = { context: undefined };
