/**
 * Per-store settings a plan is built and run with: the request limit and the coalescing policy.
 * Values only; the `Context` (`src/exec/context.ts`) holds them for each store. No IO.
 * @module
 */
import { type CoalescePolicy, checkPolicy, DEFAULT_MAX_GAP, DEFAULT_MAX_SIZE } from "./coalesce.js";

/**
 * Default limit of requests in flight per store, shared by all plans reading it: 32.
 *
 * Measured by `bench/plan-defaults.ts` (loopback HTTP server, 20 ms before the first byte of every
 * request, 100 MB/s per connection, FetchStore, 512 GETs of 16 KiB, median of 5, 2 cores):
 * 4 in flight → 3.12 s, 8 → 1.81 s, 16 → 1.04 s, 32 → 0.66 s, 64 → 0.52 s, 128 → 0.59 s. Time
 * halves with each doubling up to 32 (latency-bound); beyond, client and server CPU dominate.
 * 32 is also TensorStore's S3/GCS default, far below S3's 5,500 GET/s per prefix, and keeps the
 * executor's priorities (shard indexes first) meaningful in browsers, which queue requests beyond
 * their per-host connection cap themselves (6 for HTTP/1.1; HTTP/2 multiplexes ~100 streams).
 */
export const DEFAULT_STORE_CONCURRENCY = 32;

/** Settings of one store. */
export interface StoreSettings extends CoalescePolicy {
  /** Requests in flight on this store, across all plans of one Context (default {@link DEFAULT_STORE_CONCURRENCY}). */
  readonly concurrency: number;
  /** Coalescing gap, bytes (default `DEFAULT_MAX_GAP`). */
  readonly maxGap: number;
  /** Coalescing cap, bytes (default `DEFAULT_MAX_SIZE`). */
  readonly maxSize: number;
}

/** The defaults: 32 requests in flight, 512 KiB gap, 8 MiB cap. */
export const DEFAULT_STORE_SETTINGS: StoreSettings = Object.freeze({
  concurrency: DEFAULT_STORE_CONCURRENCY,
  maxGap: DEFAULT_MAX_GAP,
  maxSize: DEFAULT_MAX_SIZE,
});

/**
 * `base` with the fields of `change` that are set, checked.
 * @throws RangeError for a concurrency that is not an integer ≥ 1 or a negative size.
 */
export function mergeStoreSettings(
  base: StoreSettings,
  change: Partial<StoreSettings>,
): StoreSettings {
  const next: StoreSettings = Object.freeze({
    concurrency: change.concurrency ?? base.concurrency,
    maxGap: change.maxGap ?? base.maxGap,
    maxSize: change.maxSize ?? base.maxSize,
  });
  if (!(Number.isInteger(next.concurrency) && next.concurrency >= 1)) {
    throw new RangeError(`store concurrency must be an integer >= 1, got ${next.concurrency}`);
  }
  checkPolicy(next);
  return next;
}

/** The coalescing policy of `settings` with the plan's `override` fields taking precedence. */
export function policyOf(
  settings: StoreSettings,
  override?: Partial<CoalescePolicy>,
): CoalescePolicy {
  return checkPolicy({
    maxGap: override?.maxGap ?? settings.maxGap,
    maxSize: override?.maxSize ?? settings.maxSize,
  });
}
