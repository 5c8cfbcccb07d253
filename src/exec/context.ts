/**
 * The `Context`: one object that owns every resource shared by the reads it runs — the role
 * TensorStore's `Context` plays. Per store: a request scheduler (request limit, retries, timeouts,
 * the in-flight table that lets concurrent plans share one request for the same key and byte
 * range) and its settings (request limit, coalescing policy). Shared by all stores: the decode
 * worker pool, the decode limit, optional byte-budgeted caches (metadata documents, shard indexes,
 * decoded chunks), and the request log.
 *
 * A default Context is made on first use ({@link defaultContext}); a service, a worker or a test
 * makes its own with `new Context({...})` and passes it to `openArray(store, path, { context })`,
 * `openGroup`, `createArray`, `plan(reads, { context })` or `lazy(source, context)`. Two Contexts
 * share nothing: separate limits, caches and workers. `close()` ends a Context's workers and aborts
 * its requests.
 * @module
 */
import { LRUCache } from "lru-cache";
import type { Observable } from "rxjs";
import { ZarrPlanError } from "../core/errors.js";
import type { NDArray } from "../core/ndarray.js";
import type { Executor, LazyArray } from "../index-space/lazy.js";
import type { ArraySource, ReadOptions } from "../index-space/source.js";
import type { ChunkEvent } from "../plan/events.js";
import { DEFAULT_PLAN_LIMITS, type PlanLimits } from "../plan/limits.js";
import type { FetchRange, ShardIndexLike } from "../plan/optimize.js";
import { Plan, type PlanEngine, type PlanReadOptions } from "../plan/plan.js";
import { checkExecutionOptions, type RetryOptions } from "../plan/plan-json.js";
import {
  DEFAULT_STORE_SETTINGS,
  mergeStoreSettings,
  type StoreSettings,
} from "../plan/store-settings.js";
import { STORE_BRAND } from "../store/brand.js";
import {
  type AnyStore,
  type ConditionalStore,
  type DirListing,
  isConditional,
  isListable,
  isWritable,
  type ReadableStore,
  type StoreRequestOptions,
  type StoreVersion,
  type VersionedValue,
} from "../store/types.js";
import { DecodePool, type DecodeWorkerOptions } from "./decode-pool.js";
import { execute, resolvePlan, streamPlan } from "./execute.js";
import { AbortScope, Limiter } from "./limiter.js";
import type { RunResources } from "./run/resources.js";
import {
  RequestFailure,
  type RequestLogEntry,
  type RequestOp,
  type RetryPolicy,
  retryPolicy,
  StoreScheduler,
} from "./scheduler.js";

/**
 * Default limit of decodes in progress in one Context: twice the number of logical CPUs
 * (`navigator.hardwareConcurrency`, 4 when unknown), at least 4. Decompression runs on the decode
 * workers, so two chunks per worker keep each busy while the other's result is scattered; the
 * limit also bounds the decoded chunks held at once.
 */
export const DEFAULT_DECODE_CONCURRENCY = Math.max(
  4,
  2 *
    ((globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
      ?.hardwareConcurrency ?? 4),
);

/** Default `readChunk` calls in flight per source (array sources without a store). */
export const DEFAULT_SOURCE_CONCURRENCY = 16;

/** Byte budgets of a Context's caches; 0 (the default) turns a cache off. */
export interface CacheOptions {
  /**
   * Metadata documents (`zarr.json`, `.zarray`, `.zattrs`, `.zgroup`, `.zmetadata`) read by opens,
   * bytes. A cached document is served without a request until evicted, so later changes to it
   * are not seen: use it for data that does not change while the Context lives.
   */
  readonly metadataBytes?: number;
  /** Decoded shard indexes (16 bytes per inner chunk), bytes. Same staleness caveat. */
  readonly shardIndexBytes?: number;
  /** Decoded chunks of unsharded arrays (their decoded size), bytes. Same staleness caveat. */
  readonly chunkBytes?: number;
}

/** Options of a {@link Context}. */
export interface ContextOptions {
  /** Settings of every store until {@link Context.configureStore} changes one. */
  readonly store?: Partial<StoreSettings>;
  /** The decode worker pool (`workers: 0` decodes on the calling thread). */
  readonly decodeWorkers?: DecodeWorkerOptions;
  /** Decodes in progress at once (default {@link DEFAULT_DECODE_CONCURRENCY}). */
  readonly decodeConcurrency?: number;
  /** `readChunk` calls in flight per array source without a store (default 16). */
  readonly sourceConcurrency?: number;
  /** Retries of transient store failures (plans may override per execution). */
  readonly retry?: RetryOptions;
  /** Per-attempt request timeout in ms (default none). */
  readonly timeoutMs?: number;
  /** Caches (all off by default). */
  readonly cache?: CacheOptions;
  /** Called after every store request attempt (see {@link Context.onRequest}). */
  readonly onRequest?: (entry: RequestLogEntry) => void;
  /**
   * Limits every plan of this Context is checked against before any IO: output bytes (default
   * 4 GiB) and chunk tasks (default 2^22). A plan over them fails with `ERR_TOO_LARGE`.
   */
  readonly limits?: Partial<PlanLimits>;
}

/** Options of {@link Context.fetch}. */
export interface ContextFetchOptions {
  readonly signal?: AbortSignal;
  /** 0 (first) … 2; default 1. */
  readonly priority?: number;
  /** Serve and keep the bytes in the metadata cache (when it is on). */
  readonly cache?: "metadata";
  /** Largest whole value accepted, bytes (the store stops reading past it; see `StoreRequestOptions.maxBytes`). */
  readonly maxBytes?: number;
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

function budget(value: number | undefined, what: string): number {
  if (value === undefined) return 0;
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new RangeError(`${what} must be a number of bytes >= 0, got ${String(value)}`);
  }
  return Math.floor(value);
}

function byteCache<V extends {}>(
  maxSize: number,
  size: (v: V) => number,
): LRUCache<string, V> | undefined {
  if (maxSize <= 0) return undefined;
  return new LRUCache<string, V>({ maxSize, sizeCalculation: (v) => Math.max(1, size(v)) });
}

/** A cached shard index (`null`: the shard is not stored). */
interface CachedIndex {
  readonly index: ShardIndexLike | null;
}

/**
 * Owns the shared resources of the reads it runs: per-store schedulers and settings, the decode
 * worker pool and decode limit, caches, in-flight requests and the request log. Implements
 * `Executor` (a lazy array's `read()`) and `PlanEngine` (a plan's `read`/`stream`/`resolve`).
 */
export class Context implements Executor, PlanEngine, RunResources {
  /** The decode worker pool of this Context. */
  readonly decodePool: DecodePool;
  /** The limit of decodes in progress (all executions of this Context). */
  readonly decodeLimiter: Limiter;
  /** The limits plans of this Context are checked against (output bytes, chunk tasks). */
  readonly limits: PlanLimits;
  readonly #defaults: StoreSettings;
  readonly #settings = new WeakMap<object, StoreSettings>();
  readonly #schedulers = new WeakMap<object, StoreScheduler>();
  readonly #sourceLimiters = new WeakMap<object, Limiter>();
  readonly #sourceConcurrency: number;
  readonly #storeIds = new WeakMap<object, number>();
  #nextStoreId = 0;
  readonly #retry: RetryOptions | undefined;
  readonly #timeoutMs: number | undefined;
  readonly #metadata: LRUCache<string, Uint8Array> | undefined;
  readonly #indexes: LRUCache<string, CachedIndex> | undefined;
  readonly #chunks: LRUCache<string, NDArray> | undefined;
  readonly #listeners = new Set<(entry: RequestLogEntry) => void>();
  readonly #closer = new AbortController();
  /** Stores seen through this Context ({@link through}): raw store → view, view → raw store. */
  readonly #views = new WeakMap<object, AnyStore>();
  readonly #rawOf = new WeakMap<object, AnyStore>();
  /** One listener on the close signal, however many requests and executions wait on it. */
  readonly #closing = new AbortScope(this.#closer.signal);

  /**
   * @throws RangeError for a store setting, limit or cache budget out of range.
   */
  constructor(options: ContextOptions = {}) {
    this.#defaults = mergeStoreSettings(DEFAULT_STORE_SETTINGS, options.store ?? {});
    this.limits = Object.freeze({
      maxOutputBytes: positive(
        options.limits?.maxOutputBytes,
        DEFAULT_PLAN_LIMITS.maxOutputBytes,
        "limits.maxOutputBytes",
      ),
      maxTasks: positive(options.limits?.maxTasks, DEFAULT_PLAN_LIMITS.maxTasks, "limits.maxTasks"),
    });
    this.decodePool = new DecodePool(options.decodeWorkers);
    this.decodeLimiter = new Limiter(
      count(options.decodeConcurrency, DEFAULT_DECODE_CONCURRENCY, "decodeConcurrency"),
    );
    this.#sourceConcurrency = count(
      options.sourceConcurrency,
      DEFAULT_SOURCE_CONCURRENCY,
      "sourceConcurrency",
    );
    this.#retry = options.retry;
    if (
      options.timeoutMs !== undefined &&
      !(Number.isFinite(options.timeoutMs) && options.timeoutMs >= 0)
    ) {
      throw new RangeError(`timeoutMs must be a number of ms >= 0, got ${options.timeoutMs}`);
    }
    this.#timeoutMs = options.timeoutMs;
    const c = options.cache ?? {};
    this.#metadata = byteCache<Uint8Array>(
      budget(c.metadataBytes, "cache.metadataBytes"),
      (v) => v.length,
    );
    this.#indexes = byteCache<CachedIndex>(
      budget(c.shardIndexBytes, "cache.shardIndexBytes"),
      (v) => 16 * (v.index?.offsets.length ?? 0),
    );
    this.#chunks = byteCache<NDArray>(
      budget(c.chunkBytes, "cache.chunkBytes"),
      (v) => v.data.byteLength,
    );
    if (options.onRequest) this.#listeners.add(options.onRequest);
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.#closer.signal.aborted;
  }

  /** Aborted when the Context closes; every execution and request of the Context follows it. */
  get signal(): AbortSignal {
    return this.#closer.signal;
  }

  // -- stores ----------------------------------------------------------------------------------

  /**
   * Sets the request limit and coalescing policy of `store` for every plan built (coalescing) or
   * run (limit) by this Context afterwards. Fields left out keep their current value.
   * @throws RangeError for a concurrency that is not an integer ≥ 1 or a negative size.
   */
  configureStore(store: ReadableStore, settings: Partial<StoreSettings>): StoreSettings {
    const next = mergeStoreSettings(this.storeSettings(store), settings);
    this.#settings.set(store, next);
    return next;
  }

  /** The settings of `store` in this Context (the Context's defaults unless configured). */
  storeSettings(store: ReadableStore): StoreSettings {
    return this.#settings.get(store) ?? this.#defaults;
  }

  /** The request scheduler of `store` in this Context (made on first use). */
  scheduler(store: ReadableStore): StoreScheduler {
    const raw = this.#rawOf.get(store);
    if (raw) return this.scheduler(raw);
    let s = this.#schedulers.get(store);
    if (!s) {
      s = new StoreScheduler(store, {
        settings: () => this.storeSettings(store),
        log: (entry) => this.#log(entry),
      });
      this.#schedulers.set(store, s);
    }
    return s;
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

  /**
   * The retry policy of an execution: `retry`/`timeoutMs` given there, else the Context's.
   */
  retryPolicy(retry?: RetryOptions, timeoutMs?: number): RetryPolicy {
    return retryPolicy(retry ?? this.#retry, timeoutMs ?? this.#timeoutMs);
  }

  /**
   * Reads `key` of `store` (a byte `range` of it, when given) through the store's scheduler: the
   * store's request limit, the Context's retry policy and timeout, a request in flight for the
   * same key and range shared, the request log. Opening nodes and `ZarrArray.readChunk` use it.
   * @returns the bytes, or `undefined` when the key does not exist.
   * @throws the store's last error (e.g. `StoreError`) once retries are exhausted or for a
   * permanent failure; `AbortError` when `signal` aborts or the Context closes.
   */
  async fetch(
    store: ReadableStore,
    key: string,
    range?: FetchRange,
    options: ContextFetchOptions = {},
  ): Promise<Uint8Array | undefined> {
    const cacheKey = options.cache && this.#metadata ? this.cacheKey(store, key) : undefined;
    if (cacheKey !== undefined && range === undefined) {
      const hit = this.#metadata!.get(cacheKey);
      if (hit) return hit;
    }
    const bytes = await this.#scoped(options.signal, (scope) =>
      this.scheduler(store).fetch(key, range, {
        signal: scope,
        priority: options.priority ?? 1,
        retry: this.retryPolicy(),
        ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
      }),
    );
    if (cacheKey !== undefined && range === undefined && bytes !== undefined) {
      this.#metadata!.set(cacheKey, bytes);
    }
    return bytes;
  }

  /**
   * Runs `request` under a cancel scope that follows `signal` and this Context's closing; a
   * failed request rejects with the store's own error (not the scheduler's wrapper).
   */
  async #scoped<T>(
    signal: AbortSignal | undefined,
    request: (scope: AbortScope) => Promise<T>,
  ): Promise<T> {
    if (this.closed) throw closedError();
    const linked = signal ? this.#link(signal) : undefined;
    const scope = linked ? new AbortScope(linked.signal) : this.#closing;
    try {
      return await request(scope);
    } catch (e) {
      throw e instanceof RequestFailure ? e.cause : e;
    } finally {
      if (linked) {
        scope.dispose();
        linked.dispose();
      }
    }
  }

  /**
   * Stores `value` at `key` of `store` under the Context's request policy (limit, retries,
   * budget, request log). @throws the store's error; `AbortError`; `ZarrPlanError` `ERR_READ_ONLY`
   * when the store cannot be written.
   */
  async set(
    store: AnyStore,
    key: string,
    value: Uint8Array,
    options: StoreRequestOptions = {},
  ): Promise<void> {
    const w = writableOf(this.#unwrap(store), key);
    this.#forget(w, key);
    return this.#perform(w, key, "set", (signal) => w.set(key, value, { signal }), options);
  }

  /** Deletes `key` of `store` under the Context's request policy. @throws as {@link set}. */
  async delete(store: AnyStore, key: string, options: StoreRequestOptions = {}): Promise<void> {
    const w = writableOf(this.#unwrap(store), key);
    this.#forget(w, key);
    return this.#perform(w, key, "delete", (signal) => w.delete(key, { signal }), options);
  }

  /**
   * Reads `key` of `store` with its version ({@link ConditionalStore.getVersioned}) under the
   * Context's request policy (limit, retries, budget, request log), never from a cache and never
   * shared with another caller's request (the version must be as fresh as the read).
   * @throws the store's error; `AbortError`; `ZarrPlanError` `ERR_READ_ONLY` when the store cannot
   * be written, `ERR_UNSUPPORTED` when it has no conditional writes (see `isConditional`).
   */
  async getVersioned(
    store: AnyStore,
    key: string,
    options: StoreRequestOptions = {},
  ): Promise<VersionedValue> {
    const c = conditionalOf(this.#unwrap(store), key);
    return this.#perform(
      c,
      key,
      "getVersioned",
      (signal) => c.getVersioned(key, { signal }),
      options,
    );
  }

  /**
   * Stores `value` at `key` of `store` if the key still has version `expected`
   * ({@link ConditionalStore.setIf}), under the Context's request policy; drops the key from the
   * caches. A retried attempt may find the version its own earlier attempt wrote and answer false:
   * callers re-read and redo their change, which is then a no-op.
   * @returns false when the key has another version (nothing written).
   * @throws as {@link getVersioned}.
   */
  async setIf(
    store: AnyStore,
    key: string,
    value: Uint8Array,
    expected: StoreVersion,
    options: StoreRequestOptions = {},
  ): Promise<boolean> {
    const c = conditionalOf(this.#unwrap(store), key);
    this.#forget(c, key);
    return this.#perform(
      c,
      key,
      "setIf",
      (signal) => c.setIf(key, value, expected, { signal }),
      options,
    );
  }

  /**
   * Deletes `key` of `store` if it still has version `expected` ({@link ConditionalStore.deleteIf}),
   * under the Context's request policy; drops the key from the caches.
   * @returns false when the key has another version (nothing deleted). @throws as {@link getVersioned}.
   */
  async deleteIf(
    store: AnyStore,
    key: string,
    expected: StoreVersion,
    options: StoreRequestOptions = {},
  ): Promise<boolean> {
    const c = conditionalOf(this.#unwrap(store), key);
    this.#forget(c, key);
    return this.#perform(
      c,
      key,
      "deleteIf",
      (signal) => c.deleteIf(key, expected, { signal }),
      options,
    );
  }

  /**
   * Every key of `store` under `prefix`, under the Context's request policy.
   * @throws `ZarrPlanError` `ERR_NOT_LISTABLE` when the store cannot list; the store's error.
   */
  async list(
    store: AnyStore,
    prefix: string,
    options: StoreRequestOptions = {},
  ): Promise<string[]> {
    const l = listableOf(this.#unwrap(store), prefix);
    return this.#perform(l, prefix, "list", (signal) => l.list(prefix, { signal }), options);
  }

  /** The direct children of `prefix` in `store`, under the Context's request policy. @throws as {@link list}. */
  async listDir(
    store: AnyStore,
    prefix: string,
    options: StoreRequestOptions = {},
  ): Promise<DirListing> {
    const l = listableOf(this.#unwrap(store), prefix);
    return this.#perform(l, prefix, "listDir", (signal) => l.listDir(prefix, { signal }), options);
  }

  /**
   * `store` seen through this Context: the same protocol, every call made under the Context's
   * request policy (what hierarchy operations use for their reads, writes and listings). The view
   * has the conditional writes (`getVersioned`, `setIf`, `deleteIf`) when `store` has them.
   */
  through(store: AnyStore): AnyStore {
    if (this.#rawOf.has(store)) return store;
    const known = this.#views.get(store);
    if (known) return known;
    const get: AnyStore["get"] = (key, o) => this.fetch(store, key, undefined, signalOf(o));
    const getRange: AnyStore["getRange"] = (key, range, o) =>
      this.fetch(store, key, range, signalOf(o));
    const out: AnyStore & { [STORE_BRAND]: true } = { [STORE_BRAND]: true, get, getRange };
    if (isWritable(store)) {
      out.set = (key, value, o) => this.set(store, key, value, signalOf(o));
      out.delete = (key, o) => this.delete(store, key, signalOf(o));
    }
    if (isConditional(store)) {
      const conditional: ConditionalStore = {
        getVersioned: (key, o) => this.getVersioned(store, key, signalOf(o)),
        setIf: (key, value, expected, o) => this.setIf(store, key, value, expected, signalOf(o)),
        deleteIf: (key, expected, o) => this.deleteIf(store, key, expected, signalOf(o)),
      };
      Object.assign(out, conditional);
    }
    if (isListable(store)) {
      out.list = (prefix, o) => this.list(store, prefix, signalOf(o));
      out.listDir = (prefix, o) => this.listDir(store, prefix, signalOf(o));
    }
    this.#views.set(store, out);
    this.#rawOf.set(out, store);
    return out;
  }

  /** Drops what the caches hold of `key` (it is being written through this Context). */
  #forget(store: ReadableStore, key: string): void {
    const k = this.cacheKey(store, key);
    this.#metadata?.delete(k);
    this.#indexes?.delete(k);
    this.#chunks?.delete(k);
  }

  /** The store a view made by {@link through} stands for (else `store`). */
  #unwrap(store: AnyStore): AnyStore {
    return this.#rawOf.get(store) ?? store;
  }

  #perform<T>(
    store: ReadableStore,
    key: string,
    op: RequestOp,
    call: (signal: AbortSignal) => Promise<T>,
    options: StoreRequestOptions,
  ): Promise<T> {
    return this.#scoped(options.signal, (scope) =>
      this.scheduler(store).perform({ key, op }, call, {
        signal: scope,
        retry: this.retryPolicy(),
      }),
    );
  }

  // -- caches ----------------------------------------------------------------------------------

  /** A key naming `key` of `store` in this Context's caches. */
  cacheKey(store: ReadableStore, key: string): string {
    let id = this.#storeIds.get(store);
    if (id === undefined) {
      id = this.#nextStoreId++;
      this.#storeIds.set(store, id);
    }
    return `${id}\u0000${key}`;
  }

  /** The cached shard index of `key` (`undefined`: not cached; `null`: the shard is not stored). */
  cachedShardIndex(store: ReadableStore, key: string): ShardIndexLike | null | undefined {
    return this.#indexes?.get(this.cacheKey(store, key))?.index;
  }

  /** Keeps a decoded shard index (when the shard-index cache is on). */
  cacheShardIndex(store: ReadableStore, key: string, index: ShardIndexLike | null): void {
    this.#indexes?.set(this.cacheKey(store, key), { index });
  }

  /** Whether decoded chunks are cached. */
  get cachesChunks(): boolean {
    return this.#chunks !== undefined;
  }

  /** The cached decoded chunk of `key` (read-only: never write into it). */
  cachedChunk(store: ReadableStore, key: string): NDArray | undefined {
    return this.#chunks?.get(this.cacheKey(store, key));
  }

  /** Keeps a decoded chunk (when the chunk cache is on); the Context owns `chunk` from then on. */
  cacheChunk(store: ReadableStore, key: string, chunk: NDArray): void {
    this.#chunks?.set(this.cacheKey(store, key), chunk);
  }

  // -- request log -----------------------------------------------------------------------------

  /**
   * Calls `listener` after every store request attempt this Context makes (plans, opens, chunk
   * reads), with key, byte range, attempt number, outcome, bytes and duration (ms). A listener
   * that throws is ignored (it cannot break a read).
   * @returns a function that removes the listener.
   */
  onRequest(listener: (entry: RequestLogEntry) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #log(entry: RequestLogEntry): void {
    for (const l of this.#listeners) {
      try {
        l(entry);
      } catch {
        // A listener cannot break a read.
      }
    }
  }

  // -- execution -------------------------------------------------------------------------------

  /** An AbortSignal that aborts with `parent` or when this Context closes. */
  #link(parent: AbortSignal | undefined): { signal: AbortSignal; dispose: () => void } {
    const closer = this.#closer.signal;
    if (closer.aborted) throw closedError();
    const c = new AbortController();
    const unregister = this.#closing.onAbort(() => c.abort(closer.reason));
    if (!parent) return { signal: c.signal, dispose: unregister };
    const onParent = () => c.abort(parent.reason);
    if (parent.aborted) c.abort(parent.reason);
    else parent.addEventListener("abort", onParent, { once: true });
    return {
      signal: c.signal,
      dispose: () => {
        parent.removeEventListener("abort", onParent);
        unregister();
      },
    };
  }

  /** Options of an execution with the Context's close signal linked in. */
  #withSignal<T extends { signal?: AbortSignal }>(options: T): { options: T; dispose: () => void } {
    const { signal, dispose } = this.#link(options.signal);
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
    const { options: o, dispose } = this.#withSignal(options);
    try {
      return await resolvePlan(this, plan, o);
    } finally {
      dispose();
    }
  }

  /** The signal of one execution: aborts with `signal` or when the Context closes (for `execute`). */
  link(signal: AbortSignal | undefined): { signal: AbortSignal; dispose: () => void } {
    return this.#link(signal);
  }

  /**
   * Closes the Context: aborts every request and execution in progress (they reject with
   * `AbortError`), stops the decode workers and empties the caches. Later reads through it fail
   * with `ZarrPlanError` `ERR_CONTEXT_CLOSED`. Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.#closer.abort(closedError());
    this.decodePool.close();
    this.#metadata?.clear();
    this.#indexes?.clear();
    this.#chunks?.clear();
    this.#listeners.clear();
  }
}

function signalOf(o: StoreRequestOptions | undefined): StoreRequestOptions {
  return o?.signal ? { signal: o.signal } : {};
}

function writableOf(store: AnyStore, key: string) {
  if (!isWritable(store)) {
    throw new ZarrPlanError("ERR_READ_ONLY", `cannot write "${key}": the store is read-only`);
  }
  return store;
}

function conditionalOf(store: AnyStore, key: string) {
  const w = writableOf(store, key);
  if (!isConditional(w)) {
    throw new ZarrPlanError(
      "ERR_UNSUPPORTED",
      `cannot write "${key}" conditionally: the store has no getVersioned/setIf/deleteIf`,
    );
  }
  return w;
}

function listableOf(store: AnyStore, prefix: string) {
  if (!isListable(store)) {
    throw new ZarrPlanError(
      "ERR_NOT_LISTABLE",
      `cannot list "${prefix}": the store cannot list keys`,
    );
  }
  return store;
}

function closedError(): ZarrPlanError {
  return new ZarrPlanError("ERR_CONTEXT_CLOSED", "the Context was closed");
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
