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
  readonly controller: AbortController;
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

/** One attempt of a store request, as the request log reports it (`Context.onRequest`). */
export interface RequestLogEntry {
  /** The store asked. */
  readonly store: ReadableStore;
  readonly key: string;
  /** The byte range asked for; `undefined` for the whole object. */
  readonly range: FetchRange | undefined;
  /** 1 for the first attempt, 2 for the first retry, … */
  readonly attempt: number;
  /**
   * `ok` (bytes returned), `missing` (the key does not exist), `error` (the store failed; see
   * `error`), `aborted` (every caller left or the Context closed).
   */
  readonly outcome: "ok" | "missing" | "error" | "aborted";
  /** Bytes received (0 unless `ok`). */
  readonly bytes: number;
  /** Wall time of the attempt in ms (queueing for a slot excluded). */
  readonly durationMs: number;
  /** The store's error, for `error`. */
  readonly error?: unknown;
}

/** What a scheduler is given by its {@link Context}. */
interface SchedulerHooks {
  /** The store's current settings (its request limit is read before every attempt). */
  settings(): StoreSettings;
  /** Called after every attempt. */
  log?(entry: RequestLogEntry): void;
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
      this.limiter.limit = this.#hooks.settings().concurrency;
      const release = await this.limiter.acquire(priority, cancel);
      let error: unknown;
      const started = performance.now();
      try {
        this.stats.calls++;
        const bytes = await this.#call(key, range, signal, retry.timeoutMs);
        this.#log(key, range, attempt, started, bytes === undefined ? "missing" : "ok", bytes);
        return bytes;
      } catch (e) {
        error = e;
        this.#log(key, range, attempt, started, signal.aborted ? "aborted" : "error", undefined, e);
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

  #log(
    key: string,
    range: FetchRange | undefined,
    attempt: number,
    started: number,
    outcome: RequestLogEntry["outcome"],
    bytes?: Uint8Array,
    error?: unknown,
  ): void {
    const log = this.#hooks.log;
    if (!log) return;
    const entry: RequestLogEntry = {
      store: this.store,
      key,
      range,
      attempt: attempt + 1,
      outcome,
      bytes: bytes?.length ?? 0,
      durationMs: performance.now() - started,
      ...(error === undefined ? {} : { error }),
    };
    log(entry);
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
