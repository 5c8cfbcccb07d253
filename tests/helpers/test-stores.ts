/**
 * Instrumented store wrappers for executor tests: latency, request waves (sequential round
 * trips), scripted failures, and a log of the signals each request saw. Test helper only.
 */
import { AbortError, StoreError } from "../../src/core/errors.js";
import { STORE_BRAND } from "../../src/store/brand.js";
import type { RangeQuery, ReadableStore, StoreRequestOptions } from "../../src/store/types.js";

type Call = () => Promise<Uint8Array | undefined>;

/** One observed request. */
export interface SeenRequest {
  key: string;
  range: RangeQuery | undefined;
  signal: AbortSignal | undefined;
  /** Wave (WaveStore) or start time (ms since creation) of the request. */
  at: number;
  settled: boolean;
}

abstract class Wrapper implements ReadableStore {
  readonly [STORE_BRAND] = true as const;
  readonly inner: ReadableStore;
  readonly seen: SeenRequest[] = [];
  protected readonly t0 = performance.now();
  constructor(inner: ReadableStore) {
    this.inner = inner;
  }
  get(key: string, options?: StoreRequestOptions): Promise<Uint8Array | undefined> {
    return this.handle(key, undefined, options, () => this.inner.get(key, options));
  }
  getRange(
    key: string,
    range: RangeQuery,
    options?: StoreRequestOptions,
  ): Promise<Uint8Array | undefined> {
    return this.handle(key, range, options, () => this.inner.getRange(key, range, options));
  }
  protected record(
    key: string,
    range: RangeQuery | undefined,
    options?: StoreRequestOptions,
  ): SeenRequest {
    const r: SeenRequest = {
      key,
      range,
      signal: options?.signal,
      at: performance.now() - this.t0,
      settled: false,
    };
    this.seen.push(r);
    return r;
  }
  protected abstract handle(
    key: string,
    range: RangeQuery | undefined,
    options: StoreRequestOptions | undefined,
    call: Call,
  ): Promise<Uint8Array | undefined>;
}

function abortable(ms: number, signal: AbortSignal | undefined, key: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortError("aborted", key));
      return;
    }
    const onAbort = () => {
      clearTimeout(t);
      reject(new AbortError("aborted", key));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Adds `latencyMs` before each answer (abortable); logs requests with their start time. */
export class DelayStore extends Wrapper {
  latencyMs: number;
  constructor(inner: ReadableStore, latencyMs = 10) {
    super(inner);
    this.latencyMs = latencyMs;
  }
  protected async handle(
    key: string,
    range: RangeQuery | undefined,
    options: StoreRequestOptions | undefined,
    call: Call,
  ): Promise<Uint8Array | undefined> {
    const r = this.record(key, range, options);
    try {
      await abortable(this.latencyMs, options?.signal, key);
      return await call();
    } finally {
      r.settled = true;
    }
  }
}

/**
 * Holds requests and releases them in waves: every request made while no wave is pending joins
 * the next wave, released `gapMs` after the first one arrived. `waves` counts sequential round
 * trips; `seen[i].at` is the wave of each request (1-based).
 */
export class WaveStore extends Wrapper {
  waves = 0;
  readonly gapMs: number;
  #pending: (() => void)[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  constructor(inner: ReadableStore, gapMs = 5) {
    super(inner);
    this.gapMs = gapMs;
  }
  protected handle(
    key: string,
    range: RangeQuery | undefined,
    options: StoreRequestOptions | undefined,
    call: Call,
  ): Promise<Uint8Array | undefined> {
    const r = this.record(key, range, options);
    return new Promise((resolve, reject) => {
      this.#pending.push(() => {
        r.at = this.waves;
        call().then(resolve, reject);
      });
      this.#timer ??= setTimeout(() => this.#flush(), this.gapMs);
    });
  }
  #flush(): void {
    this.#timer = undefined;
    const batch = this.#pending.splice(0);
    if (batch.length === 0) return;
    this.waves++;
    for (const f of batch) f();
  }
}

/**
 * Fails scripted requests: `failures(key, range, attempt)` returns an error to throw for that
 * attempt (attempts count per key + range, from 1), or `undefined` to pass through. Optional
 * latency. `calls` counts attempts.
 */
export class FlakyStore extends Wrapper {
  calls = 0;
  readonly attempts = new Map<string, number>();
  constructor(
    inner: ReadableStore,
    readonly failures: (
      key: string,
      range: RangeQuery | undefined,
      attempt: number,
    ) => Error | undefined,
    readonly latencyMs = 0,
  ) {
    super(inner);
  }
  protected async handle(
    key: string,
    range: RangeQuery | undefined,
    options: StoreRequestOptions | undefined,
    call: Call,
  ): Promise<Uint8Array | undefined> {
    this.calls++;
    const r = this.record(key, range, options);
    const id = `${key} ${JSON.stringify(range ?? null)}`;
    const attempt = (this.attempts.get(id) ?? 0) + 1;
    this.attempts.set(id, attempt);
    try {
      if (this.latencyMs > 0) await abortable(this.latencyMs, options?.signal, key);
      const err = this.failures(key, range, attempt);
      if (err) throw err;
      return await call();
    } finally {
      r.settled = true;
    }
  }
}

/** A transient failure, as FetchStore reports HTTP 503. */
export function http503(key: string): StoreError {
  return new StoreError(`HTTP 503 for "${key}"`, { key, status: 503, transient: true });
}

/** A permanent failure, as FetchStore reports HTTP 401. */
export function http401(key: string): StoreError {
  return new StoreError(`HTTP 401 for "${key}"`, { key, status: 401, transient: false });
}

/** Never answers (until aborted). */
export class HangingStore extends Wrapper {
  protected handle(
    key: string,
    range: RangeQuery | undefined,
    options: StoreRequestOptions | undefined,
  ): Promise<Uint8Array | undefined> {
    const r = this.record(key, range, options);
    return new Promise((_resolve, reject) => {
      options?.signal?.addEventListener(
        "abort",
        () => {
          r.settled = true;
          reject(new AbortError("aborted", key));
        },
        { once: true },
      );
    });
  }
}
