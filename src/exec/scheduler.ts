/**
 * Store schedulers: one per store (by object identity) and {@link Context}, shared by every request
 * the Context makes to that store (plans, metadata, chunk reads). A scheduler owns the store's concurrency limit, shares identical requests in flight
 * (same key and byte range) between executions with reference counts, and retries transient
 * failures with exponential backoff and full jitter.
 *
 * Cancellation is by reference count, not `AbortSignal.any`: a caller that aborts leaves at once
 * (its promise rejects with `AbortError`), and the underlying store request is aborted only when
 * its last caller has left.
 * @module
 */
import { AbortError, StoreError } from "../core/errors.js";
import type { FetchRange } from "../plan/optimize.js";
import type { RetryOptions } from "../plan/plan-json.js";
import type { StoreSettings } from "../plan/store-settings.js";
import type { HttpConnections } from "../store/http-connections.js";
import type { ReadableStore, StoreRequestOptions } from "../store/types.js";
import type { BodyBuffers } from "./body-buffers.js";
import { abortErrorOf, type Cancel, Cancellation, Limiter, scopeOf, sleep } from "./limiter.js";

/** Default retries after the first attempt. */
export const DEFAULT_RETRIES = 3;
/** Default first backoff ceiling, ms. */
export const DEFAULT_RETRY_BASE_MS = 100;
/** Default largest backoff, ms. */
export const DEFAULT_RETRY_MAX_MS = 2000;

/** Default most time one request may take over all attempts and waits, ms: 5 minutes. */
export const DEFAULT_RETRY_TOTAL_MS = 300_000;

/** Resolved retry settings. */
export interface RetryPolicy {
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Per-attempt timeout, ms (undefined: none). */
  readonly timeoutMs: number | undefined;
  /** Most time over all attempts and waits, ms. */
  readonly maxTotalMs: number;
}

/** Fills defaults of {@link RetryOptions}. */
export function retryPolicy(retry: RetryOptions | undefined, timeoutMs?: number): RetryPolicy {
  return {
    retries: Math.max(0, Math.floor(retry?.retries ?? DEFAULT_RETRIES)),
    baseDelayMs: Math.max(0, retry?.baseDelayMs ?? DEFAULT_RETRY_BASE_MS),
    maxDelayMs: Math.max(0, retry?.maxDelayMs ?? DEFAULT_RETRY_MAX_MS),
    timeoutMs: timeoutMs && timeoutMs > 0 ? timeoutMs : undefined,
    maxTotalMs: Math.max(0, retry?.maxTotalMs ?? DEFAULT_RETRY_TOTAL_MS),
  };
}

/** Backoff before retry `attempt` (0-based): uniform in [0, min(max, base · 2^attempt)] ("full jitter"). */
export function backoffMs(policy: RetryPolicy, attempt: number, random = Math.random): number {
  return random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
}

/** True for failures worth retrying: `StoreError` with `transient` (HTTP 5xx/429, network errors, timeouts). */
function isTransient(e: unknown): boolean {
  return e instanceof StoreError && e.transient;
}

/** A request that failed for good: the last error and the number of attempts made. */
export class RequestFailure extends Error {
  readonly attempts: number;
  constructor(cause: unknown, attempts: number) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.attempts = attempts;
  }
}

interface Shared {
  readonly promise: Promise<Uint8Array | undefined>;
  /** Aborts the request (when its last caller left). */
  readonly cancel: Cancellation;
  refs: number;
}

/** Counters of a scheduler (for tests and benchmarks). */
interface SchedulerStats {
  /** Store calls made (attempts included). */
  calls: number;
  /** Calls that joined a request already in flight. */
  joined: number;
  /** Retries made. */
  retries: number;
}

function rangeId(range: FetchRange | undefined): string {
  if (!range) return "*";
  return "suffixLength" in range ? `-${range.suffixLength}` : `${range.offset}+${range.length}`;
}

/** The store operation of a request. */
export type RequestOp =
  | "get"
  | "getRange"
  | "getVersioned"
  | "set"
  | "delete"
  | "setIf"
  | "deleteIf"
  | "list"
  | "listDir";

/** One attempt of a store request, as the request log reports it (`Context.onRequest`). */
export interface RequestLogEntry {
  /** The store asked. */
  readonly store: ReadableStore;
  /**
   * The operation: a read (`get`, `getRange`, `getVersioned`), a write (`set`, `delete`), a
   * conditional write (`setIf`, `deleteIf`) or a listing.
   */
  readonly op: RequestOp;
  /** The key (for listings: the prefix). */
  readonly key: string;
  /** The byte range asked for; `undefined` for the whole object. */
  readonly range: FetchRange | undefined;
  /** 1 for the first attempt, 2 for the first retry, … */
  readonly attempt: number;
  /**
   * `ok` (bytes returned, or the write or listing done), `missing` (a read of a key that does not
   * exist), `conflict` (a conditional write found another version of the key: nothing written),
   * `error` (the store failed; see `error`), `aborted` (every caller left or the Context closed).
   */
  readonly outcome: "ok" | "missing" | "conflict" | "error" | "aborted";
  /** Bytes received (0 unless `ok`). */
  readonly bytes: number;
  /** Wall time of the attempt in ms (queueing for a slot excluded). */
  readonly durationMs: number;
  /** The store's error, for `error`. */
  readonly error?: unknown;
  /**
   * The names of the plan's reads the request serves, when a plan's run made it (for a request
   * shared in flight by several runs: those of the run that started it); absent for opens,
   * `readChunk` and writes.
   */
  readonly reads?: readonly string[];
}

/** What a scheduler is given by its {@link Context}. */
interface SchedulerHooks {
  /** The store's current settings (its request limit is read before every attempt). */
  settings(): StoreSettings;
  /** Called after every attempt. */
  log?(entry: RequestLogEntry): void;
  /** Keep-alive connections shared with the Context's other stores, passed with every read. */
  connections?: HttpConnections;
}

/** The scheduler of one store in one Context (`Context.scheduler(store)`). */
export class StoreScheduler {
  readonly store: ReadableStore;
  /** The store's request limit, shared by all executions of the Context. */
  readonly limiter: Limiter;
  readonly stats: SchedulerStats = { calls: 0, joined: 0, retries: 0 };
  readonly #inflight = new Map<string, Shared>();
  readonly #hooks: SchedulerHooks;

  constructor(store: ReadableStore, hooks: SchedulerHooks) {
    this.store = store;
    this.#hooks = hooks;
    this.limiter = new Limiter(hooks.settings().concurrency);
  }

  /** Requests in flight or queued (distinct key + range). */
  get inflight(): number {
    return this.#inflight.size;
  }

  /**
   * Fetches `key` (whole when `range` is undefined), sharing an identical request in flight.
   * Resolves with the bytes, or `undefined` when the key is missing.
   * @param priority 0 (shard indexes) … 2; applies when this call starts the request.
   * With `options.buffers`, a body of known length is read into memory of that budget
   * ({@link BodyBuffers}), and the caller holds a lease on the bytes it gets: it must give them
   * back (`buffers.give(bytes, reusable)`) when done with them. Such requests are shared only
   * with callers that also pass `buffers`.
   * @throws AbortError when `signal` aborts (the store request goes on while others wait for it);
   * RequestFailure (cause: the store's error) for a permanent failure or when retries are exhausted.
   */
  fetch(
    key: string,
    range: FetchRange | undefined,
    options: {
      signal?: Cancel;
      priority?: number;
      retry: RetryPolicy;
      /** Largest whole value accepted, bytes (passed to the store as `maxBytes`). */
      maxBytes?: number;
      /** Body memory budget to read into; the caller then gives the bytes back. */
      buffers?: BodyBuffers;
      /** The reads it serves, for the request log. */
      reads?: readonly string[];
    },
  ): Promise<Uint8Array | undefined> {
    const { signal, buffers } = options;
    if (signal?.aborted) return Promise.reject(abortErrorOf(signal, key));
    const id = `${key}\u0000${rangeId(range)}${buffers ? "\u0000leased" : ""}`;
    let shared = this.#inflight.get(id);
    if (shared) this.stats.joined++;
    else {
      const cancel = new Cancellation();
      const store = this.store;
      const max = options.maxBytes;
      const connections = this.#hooks.connections;
      const call = (o: StoreRequestOptions) => {
        if (connections) o.connections = connections;
        if (range) return store.getRange(key, range, o);
        if (max !== undefined) o.maxBytes = max;
        return store.get(key, o);
      };
      const promise = this.#run<Uint8Array | undefined>(
        {
          key,
          range,
          op: range ? "getRange" : "get",
          ...(options.reads ? { reads: options.reads } : {}),
        },
        (signal) => {
          if (!buffers) return call({ signal });
          return leasedCall(buffers, signal, (allocate) => call({ signal, allocate }));
        },
        options.priority ?? 1,
        options.retry,
        cancel,
      );
      const s: Shared = { promise, cancel, refs: 0 };
      shared = s;
      this.#inflight.set(id, s);
      const done = () => {
        if (this.#inflight.get(id) === s) this.#inflight.delete(id);
      };
      promise.then(done, done);
      if (buffers) {
        // The request's own hold, dropped after every caller waiting now has taken its own.
        promise.then(
          (v) => void promise.then(() => v && buffers.give(v, true)),
          () => undefined,
        );
      }
    }
    const s = shared;
    s.refs++;
    return new Promise<Uint8Array | undefined>((resolve, reject) => {
      let settled = false;
      const unregister = signal?.onAbort(() => {
        if (settled) return;
        settled = true;
        reject(abortErrorOf(signal, key));
        if (--s.refs === 0) {
          if (this.#inflight.get(id) === s) this.#inflight.delete(id);
          s.cancel.abort(new AbortError("Aborted: no caller wants this request any more", key));
        }
      });
      s.promise.then(
        (v) => {
          if (settled) return;
          settled = true;
          s.refs--;
          unregister?.();
          if (v && buffers) buffers.hold(v);
          resolve(v);
        },
        (e: unknown) => {
          if (settled) return;
          settled = true;
          s.refs--;
          unregister?.();
          reject(e);
        },
      );
    });
  }

  /**
   * Runs one store operation other than a read (`set`, `delete`, `list`, `listDir`) under the same
   * limit, retry policy, time budget and request log as reads; not shared with other callers.
   * @throws AbortError when `signal` aborts; RequestFailure (cause: the store's error) for a
   * permanent failure or when retries or the budget are exhausted.
   */
  perform<T>(
    what: { readonly key: string; readonly op: RequestOp },
    call: (signal: AbortSignal) => Promise<T>,
    options: { signal?: Cancel; priority?: number; retry: RetryPolicy },
  ): Promise<T> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortErrorOf(signal, what.key));
    const cancel = new Cancellation();
    const unregister = signal?.onAbort(() => cancel.abort(signal.reason));
    const done = this.#run(
      { key: what.key, range: undefined, op: what.op },
      call,
      options.priority ?? 1,
      options.retry,
      cancel,
    );
    return done.finally(() => unregister?.());
  }

  async #run<T>(
    what: {
      readonly key: string;
      readonly range: FetchRange | undefined;
      readonly op: RequestOp;
      readonly reads?: readonly string[];
    },
    call: (signal: AbortSignal) => Promise<T>,
    priority: number,
    retry: RetryPolicy,
    cancel: Cancel,
  ): Promise<T> {
    const { key } = what;
    const deadline = performance.now() + retry.maxTotalMs;
    const budgetError = () =>
      new StoreError(`Request for "${key}" ran out of its ${retry.maxTotalMs} ms retry budget`, {
        key,
        transient: true,
      });
    /** The budget's own error, so a store failure seen before it is what gets reported. */
    let budgetHit: StoreError | undefined;
    let lastStoreError: unknown;
    const budget = () => {
      budgetHit = budgetError();
      return budgetHit;
    };
    for (let attempt = 0; ; attempt++) {
      this.limiter.limit = this.#hooks.settings().concurrency;
      const release = await this.limiter.acquire(priority, cancel);
      let error: unknown;
      const started = performance.now();
      // The attempt may not outlast the request's budget.
      const left = deadline - started;
      const byBudget = retry.timeoutMs === undefined || left < retry.timeoutMs;
      try {
        if (left <= 0) throw budget();
        this.stats.calls++;
        const value = await this.#call(
          key,
          call,
          cancel,
          byBudget ? left : retry.timeoutMs,
          byBudget ? budget : undefined,
        );
        this.#log(what, attempt, started, value);
        return value;
      } catch (e) {
        error = e;
        this.#log(what, attempt, started, undefined, cancel.aborted ? "aborted" : "error", e);
      } finally {
        release();
      }
      if (cancel.aborted) throw abortErrorOf(cancel, key);
      // Out of budget after earlier failures: report the store's last failure, not the clock.
      if (error === budgetHit && lastStoreError !== undefined) {
        throw new RequestFailure(lastStoreError, attempt + 1);
      }
      if (error !== budgetHit) lastStoreError = error;
      if (!isTransient(error) || attempt >= retry.retries) {
        throw new RequestFailure(error, attempt + 1);
      }
      // Full-jitter backoff, or longer when the server said so (Retry-After), within the budget.
      const asked = error instanceof StoreError ? (error.retryAfterMs ?? 0) : 0;
      const wait = Math.max(backoffMs(retry, attempt), asked);
      if (performance.now() + wait >= deadline) throw new RequestFailure(error, attempt + 1);
      this.stats.retries++;
      await sleep(wait, cancel);
    }
  }

  #log(
    what: {
      readonly key: string;
      readonly range: FetchRange | undefined;
      readonly op: RequestOp;
      readonly reads?: readonly string[];
    },
    attempt: number,
    started: number,
    value: unknown,
    failure?: "error" | "aborted",
    error?: unknown,
  ): void {
    const log = this.#hooks.log;
    if (!log) return;
    const op = what.op;
    // getVersioned answers { value, version }: the value is what was read.
    const got = op === "getVersioned" ? (value as { value?: unknown } | undefined)?.value : value;
    const read = op === "get" || op === "getRange" || op === "getVersioned";
    const conditional = op === "setIf" || op === "deleteIf";
    const outcome: RequestLogEntry["outcome"] =
      failure ??
      (read && got === undefined ? "missing" : conditional && value === false ? "conflict" : "ok");
    const entry: RequestLogEntry = {
      store: this.store,
      op: what.op,
      key: what.key,
      range: what.range,
      attempt: attempt + 1,
      outcome,
      bytes: got instanceof Uint8Array ? got.length : 0,
      durationMs: performance.now() - started,
      ...(error === undefined ? {} : { error }),
      ...(what.reads ? { reads: what.reads } : {}),
    };
    log(entry);
  }

  /**
   * One store call; settles when the store does, or at once on abort or timeout (stores that
   * ignore signals cannot hold a slot). The store gets an `AbortSignal` of its own, aborted by
   * `cancel` or by the timeout.
   */
  #call<T>(
    key: string,
    call: (signal: AbortSignal) => Promise<T>,
    cancel: Cancel,
    timeoutMs: number | undefined,
    timeoutError?: () => StoreError,
  ): Promise<T> {
    const controller = new AbortController();
    if (cancel.aborted) {
      controller.abort(cancel.reason);
      return Promise.reject(abortErrorOf(cancel, key));
    }
    return new Promise<T>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let settled = false;
      const finish = () => {
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        unregister();
      };
      const unregister = cancel.onAbort(() => {
        if (settled) return;
        finish();
        controller.abort(cancel.reason);
        reject(abortErrorOf(cancel, key));
      });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          if (settled) return;
          finish();
          controller.abort(new AbortError(`timed out after ${timeoutMs} ms`, key));
          reject(
            timeoutError?.() ??
              new StoreError(`Request for "${key}" timed out after ${timeoutMs} ms`, {
                key,
                transient: true,
              }),
          );
        }, timeoutMs);
      }
      let p: Promise<T>;
      try {
        p = call(controller.signal);
      } catch (e) {
        p = Promise.reject(e);
      }
      p.then(
        (v) => {
          if (settled) return;
          finish();
          resolve(v);
        },
        (e: unknown) => {
          if (settled) return;
          finish();
          reject(e);
        },
      );
    });
  }
}

/**
 * One attempt of a store read into leased body memory: what the store took through `allocate`
 * and did not return (a body that ended early, a failed attempt) goes back at once, not reusable.
 */
async function leasedCall(
  buffers: BodyBuffers,
  signal: AbortSignal,
  call: (allocate: (length: number) => Promise<Uint8Array>) => Promise<Uint8Array | undefined>,
): Promise<Uint8Array | undefined> {
  const taken: Uint8Array[] = [];
  const cancel = scopeOf(signal);
  const allocate = async (length: number) => {
    const b = await buffers.take(length, cancel);
    taken.push(b);
    return b;
  };
  let value: Uint8Array | undefined;
  try {
    value = await call(allocate);
    return value;
  } finally {
    for (const b of taken) if (b.buffer !== value?.buffer) buffers.give(b, false);
  }
}
