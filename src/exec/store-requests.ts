/**
 * Every store request of a Context, made one way: through the store's scheduler (its request
 * limit, the retry policy and time budget, requests in flight shared, the request log), with the
 * Context's caches and its closing. Reads (`fetch`), writes (`set`, `delete`, conditional
 * writes), listings, and `through(store)`, a view of a store that routes every call here. The
 * `Context` is this plus workers, limits and plan execution.
 * @module
 */
import { ZarrPlanError } from "../core/errors.js";
import type { FetchRange } from "../plan/optimize.js";
import type { RetryOptions } from "../plan/plan-json.js";
import {
  DEFAULT_STORE_SETTINGS,
  mergeStoreSettings,
  type StoreSettings,
} from "../plan/store-settings.js";
import { STORE_BRAND } from "../store/brand.js";
import { HttpConnections } from "../store/http-connections.js";
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
import { type CacheOptions, ContextCaches } from "./caches.js";
import { AbortScope } from "./limiter.js";
import {
  RequestFailure,
  type RequestLogEntry,
  type RequestOp,
  type RetryPolicy,
  retryPolicy,
  StoreScheduler,
} from "./scheduler.js";

/** Options of {@link StoreRequests} (a Context's request policy). */
export interface RequestOptions {
  /** Settings of every store until `configureStore` changes one. */
  readonly store?: Partial<StoreSettings>;
  /** Retries of transient store failures (plans may override per execution). */
  readonly retry?: RetryOptions;
  /** Per-attempt request timeout in ms (default none). */
  readonly timeoutMs?: number;
  /** Caches (all off by default). */
  readonly cache?: CacheOptions;
  /** Called after every store request attempt (see {@link StoreRequests.onRequest}). */
  readonly onRequest?: (entry: RequestLogEntry) => void;
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

/** The store requests of a Context (the `Context` extends it). */
export class StoreRequests {
  /** The caches (metadata documents, shard indexes, decoded chunks; off unless given budgets). */
  readonly caches: ContextCaches;
  /**
   * Keep-alive HTTP connections shared by every store read through this Context (passed with each
   * read as `StoreRequestOptions.connections`): a new `FetchStore` for a server the Context has
   * read from reuses its open connections. Closed with the Context.
   */
  readonly connections = new HttpConnections();
  readonly #defaults: StoreSettings;
  readonly #settings = new WeakMap<object, StoreSettings>();
  readonly #schedulers = new WeakMap<object, StoreScheduler>();
  readonly #retry: RetryOptions | undefined;
  readonly #timeoutMs: number | undefined;
  readonly #listeners = new Set<(entry: RequestLogEntry) => void>();
  readonly #closer = new AbortController();
  /** Stores seen through this Context ({@link through}): raw store → view, view → raw store. */
  readonly #views = new WeakMap<object, AnyStore>();
  readonly #rawOf = new WeakMap<object, AnyStore>();
  /** One listener on the close signal, however many requests and executions wait on it. */
  readonly #closing = new AbortScope(this.#closer.signal);
  /** The callers' signals linked to ({@link link}): one listener on each, and the links using it. */
  readonly #parents = new WeakMap<AbortSignal, { scope: AbortScope; links: number }>();

  /** @throws RangeError for a store setting, timeout or cache budget out of range. */
  constructor(options: RequestOptions = {}) {
    this.#defaults = mergeStoreSettings(DEFAULT_STORE_SETTINGS, options.store ?? {});
    this.#retry = options.retry;
    if (
      options.timeoutMs !== undefined &&
      !(Number.isFinite(options.timeoutMs) && options.timeoutMs >= 0)
    ) {
      throw new RangeError(`timeoutMs must be a number of ms >= 0, got ${options.timeoutMs}`);
    }
    this.#timeoutMs = options.timeoutMs;
    this.caches = new ContextCaches(options.cache);
    if (options.onRequest) this.#listeners.add(options.onRequest);
  }

  /** True once the Context was closed. */
  get closed(): boolean {
    return this.#closer.signal.aborted;
  }

  /** Aborted when the Context closes; every execution and request of the Context follows it. */
  get signal(): AbortSignal {
    return this.#closer.signal;
  }

  /**
   * Aborts every request in progress and refuses new ones; empties the caches; closes the
   * connections.
   */
  protected closeRequests(): void {
    if (this.closed) return;
    this.#closer.abort(closedError());
    this.caches.clear();
    this.connections.close();
    this.#listeners.clear();
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
        connections: this.connections,
      });
      this.#schedulers.set(store, s);
    }
    return s;
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
    const cached =
      options.cache === "metadata" && range === undefined && this.caches.cachesMetadata;
    if (cached) {
      const hit = this.caches.metadata(store, key);
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
    if (cached && bytes !== undefined) this.caches.keepMetadata(store, key, bytes);
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
    const linked = signal ? this.link(signal) : undefined;
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
      (signal) =>
        c.getVersioned(key, {
          signal,
          ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
        }),
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
    this.caches.forget(store, key);
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

  // -- cancellation --------------------------------------------------------------------------

  /**
   * An AbortSignal that aborts with `parent` or when this Context closes. Links to one `parent`
   * share a single listener on it while any is in use, so an operation making many requests
   * under one caller's signal does not add one listener per request to it (Node warns from 11).
   */
  link(parent: AbortSignal | undefined): { signal: AbortSignal; dispose: () => void } {
    const closer = this.#closer.signal;
    if (closer.aborted) throw closedError();
    const c = new AbortController();
    const unregister = this.#closing.onAbort(() => c.abort(closer.reason));
    if (!parent) return { signal: c.signal, dispose: unregister };
    if (parent.aborted) {
      c.abort(parent.reason);
      return { signal: c.signal, dispose: unregister };
    }
    let shared = this.#parents.get(parent);
    if (!shared) {
      shared = { scope: new AbortScope(parent), links: 0 };
      this.#parents.set(parent, shared);
    }
    const s = shared;
    s.links++;
    const off = s.scope.onAbort(() => c.abort(parent.reason));
    let disposed = false;
    return {
      signal: c.signal,
      dispose: () => {
        if (disposed) return;
        disposed = true;
        off();
        unregister();
        if (--s.links === 0) {
          s.scope.dispose();
          if (this.#parents.get(parent) === s) this.#parents.delete(parent);
        }
      },
    };
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

/** The error of a request or read on a closed Context. */
export function closedError(): ZarrPlanError {
  return new ZarrPlanError("ERR_CONTEXT_CLOSED", "the Context was closed");
}
