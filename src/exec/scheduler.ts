/**
 * Store schedulers: one per store (by object identity), shared by every plan execution running on
 * it. A scheduler owns the store's concurrency limit, shares identical requests in flight
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
import { storeSettings } from "../plan/stores.js";
import type { ReadableStore } from "../store/types.js";
import { abortErrorOf, type Cancel, Limiter, linkedController, scopeOf, sleep } from "./limiter.js";

/** Default retries after the first attempt. */
export const DEFAULT_RETRIES = 3;
/** Default first backoff ceiling, ms. */
export const DEFAULT_RETRY_BASE_MS = 100;
/** Default largest backoff, ms. */
export const DEFAULT_RETRY_MAX_MS = 2000;

/** Resolved retry settings. */
export interface RetryPolicy {
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Per-attempt timeout, ms (0 or undefined: none). */
  readonly timeoutMs: number | undefined;
}

/** Fills defaults of {@link RetryOptions}. */
export function retryPolicy(retry: RetryOptions | undefined, timeoutMs?: number): RetryPolicy {
  return {
    retries: Math.max(0, Math.floor(retry?.retries ?? DEFAULT_RETRIES)),
    baseDelayMs: Math.max(0, retry?.baseDelayMs ?? DEFAULT_RETRY_BASE_MS),
    maxDelayMs: Math.max(0, retry?.maxDelayMs ?? DEFAULT_RETRY_MAX_MS),
    timeoutMs: timeoutMs && timeoutMs > 0 ? timeoutMs : undefined,
  };
}

/** Backoff before retry `attempt` (0-based): uniform in [0, min(max, base · 2^attempt)] ("full jitter"). */
export function backoffMs(policy: RetryPolicy, attempt: number, random = Math.random): number {
  return random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
}

/** True for failures worth retrying: `StoreError` with `transient` (HTTP 5xx/429, network errors, timeouts). */
export function isTransient(e: unknown): boolean {
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
  readonly controller: AbortController;
  refs: number;
}

/** Counters of a scheduler (for tests and benchmarks). */
export interface SchedulerStats {
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

/** The scheduler of one store. Get it with {@link schedulerOf}. */
export class StoreScheduler {
  readonly store: ReadableStore;
  /** The store's request limit, shared by all executions. */
  readonly limiter: Limiter;
  readonly stats: SchedulerStats = { calls: 0, joined: 0, retries: 0 };
  readonly #inflight = new Map<string, Shared>();

  constructor(store: ReadableStore) {
    this.store = store;
    this.limiter = new Limiter(storeSettings(store).concurrency);
  }

  /** Requests in flight or queued (distinct key + range). */
  get inflight(): number {
    return this.#inflight.size;
  }

  /**
   * Fetches `key` (whole when `range` is undefined), sharing an identical request in flight.
   * Resolves with the bytes, or `undefined` when the key is missing.
   * @param priority 0 (shard indexes) … 2; applies when this call starts the request.
   * @throws AbortError when `signal` aborts (the store request goes on while others wait for it);
   * RequestFailure (cause: the store's error) for a permanent failure or when retries are exhausted.
   */
  fetch(
    key: string,
    range: FetchRange | undefined,
    options: { signal?: Cancel; priority?: number; retry: RetryPolicy },
  ): Promise<Uint8Array | undefined> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortErrorOf(signal, key));
    const id = `${key}\u0000${rangeId(range)}`;
    let shared = this.#inflight.get(id);
    if (shared) this.stats.joined++;
    else {
      const controller = new AbortController();
      const promise = this.#run(
        key,
        range,
        options.priority ?? 1,
        options.retry,
        controller.signal,
      );
      const s: Shared = { promise, controller, refs: 0 };
      shared = s;
      this.#inflight.set(id, s);
      const done = () => {
        if (this.#inflight.get(id) === s) this.#inflight.delete(id);
      };
      promise.then(done, done);
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
          s.controller.abort(new AbortError("Aborted: no caller wants this request any more", key));
        }
      });
      s.promise.then(
        (v) => {
          if (settled) return;
          settled = true;
          s.refs--;
          unregister?.();
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

  async #run(
    key: string,
    range: FetchRange | undefined,
    priority: number,
    retry: RetryPolicy,
    signal: AbortSignal,
  ): Promise<Uint8Array | undefined> {
    const cancel = scopeOf(signal);
    for (let attempt = 0; ; attempt++) {
      this.limiter.limit = storeSettings(this.store).concurrency;
      const release = await this.limiter.acquire(priority, cancel);
      let error: unknown;
      try {
        this.stats.calls++;
        return await this.#call(key, range, signal, retry.timeoutMs);
      } catch (e) {
        error = e;
      } finally {
        release();
      }
      if (signal.aborted) throw abortErrorOf(signal, key);
      if (!isTransient(error) || attempt >= retry.retries) {
        throw new RequestFailure(error, attempt + 1);
      }
      this.stats.retries++;
      await sleep(backoffMs(retry, attempt), cancel);
    }
  }

  /** One store call; settles when the store does, or at once on abort or timeout (stores that ignore signals cannot hold a slot). */
  #call(
    key: string,
    range: FetchRange | undefined,
    signal: AbortSignal,
    timeoutMs: number | undefined,
  ): Promise<Uint8Array | undefined> {
    const { controller, dispose } = linkedController(signal);
    const s = controller.signal;
    return new Promise<Uint8Array | undefined>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let settled = false;
      const finish = () => {
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        s.removeEventListener("abort", onAbort);
        dispose();
      };
      const onAbort = () => {
        if (settled) return;
        finish();
        reject(abortErrorOf(s, key));
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          if (settled) return;
          finish();
          controller.abort(new AbortError(`timed out after ${timeoutMs} ms`, key));
          reject(
            new StoreError(`Request for "${key}" timed out after ${timeoutMs} ms`, {
              key,
              transient: true,
            }),
          );
        }, timeoutMs);
      }
      s.addEventListener("abort", onAbort, { once: true });
      let p: Promise<Uint8Array | undefined>;
      try {
        p = range
          ? this.store.getRange(key, range, { signal: s })
          : this.store.get(key, { signal: s });
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

const schedulers = new WeakMap<object, StoreScheduler>();

/** The scheduler of `store` (created on first use; one per store object). */
export function schedulerOf(store: ReadableStore): StoreScheduler {
  let s = schedulers.get(store);
  if (!s) {
    s = new StoreScheduler(store);
    schedulers.set(store, s);
  }
  return s;
}
