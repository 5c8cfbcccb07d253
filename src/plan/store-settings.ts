/**
 * Per-store settings a plan is built and run with: the request limit and the coalescing policy.
 * Values only; the `Context` (`src/exec/context.ts`) holds them for each store. No IO.
 * @module
 */
import { type CoalescePolicy, checkPolicy, DEFAULT_MAX_SIZE } from "./coalesce.js";

/**
 * Default limit of requests in flight per store, shared by all plans reading it: 128.
 *
 * Measured by `bench/plan-defaults.ts` (loopback HTTP server, 20 ms before the first byte of every
 * request, 100 MB/s per connection, FetchStore on its own Node connections, 512 GETs of 16 KiB,
 * median of 5, 2 cores, 2026-12-03): 4 in flight → 2.86 s, 8 → 1.47 s, 16 → 0.78 s, 32 → 0.43 s,
 * 64 → 0.26 s, 128 → 0.18 s, 256 → 0.16 s. Time halves with each doubling up to 64
 * (latency-bound); beyond, client and server CPU dominate. In the peer benchmark, opening 100
 * arrays by name at 20 ms takes two waves of requests at 64 and one at 128 (alternating runs of
 * its client: medians 97–107 ms against 80–87 ms; TensorStore's default is 32, zarrita.js has no
 * limit). 128 is far below S3's 5,500 GET/s per prefix; browsers queue requests beyond their
 * per-host connection cap themselves (6 for HTTP/1.1; HTTP/2 multiplexes ~100 streams), the body
 * budget of the Context still bounds the bytes in flight, and the executor's priorities (shard
 * indexes first) still hold.
 */
export const DEFAULT_STORE_CONCURRENCY = 128;

/** Default time to the first byte of a request, ms, in the coalescing cost model: 20. */
export const DEFAULT_STORE_LATENCY_MS = 20;

/**
 * Default throughput of a store to this client, all requests together, MB/s (10^6 bytes per
 * second), in the coalescing cost model: 200.
 */
export const DEFAULT_STORE_BANDWIDTH_MBPS = 200;

/** Settings of one store. */
export interface StoreSettings extends CoalescePolicy {
  /** Requests in flight on this store, across all plans of one Context (default {@link DEFAULT_STORE_CONCURRENCY}). */
  readonly concurrency: number;
  /**
   * Coalescing gap, bytes. Unless set, derived from the cost model ({@link costModelGap}):
   * `bandwidthMBps × latencyMs ÷ concurrency` (31,250 bytes with the defaults).
   */
  readonly maxGap: number;
  /** Coalescing cap, bytes (default `DEFAULT_MAX_SIZE`, 8 MiB). */
  readonly maxSize: number;
  /** Time to the first byte of a request, ms (default {@link DEFAULT_STORE_LATENCY_MS}). */
  readonly latencyMs: number;
  /** Throughput of the store to this client, all requests together, MB/s (default {@link DEFAULT_STORE_BANDWIDTH_MBPS}). */
  readonly bandwidthMBps: number;
  /** `"cost"`: {@link maxGap} follows the cost model; `"set"`: it was given. */
  readonly gapFrom: "cost" | "set";
}

/**
 * The coalescing gap of the cost model, bytes: reading a gap of `g` bytes costs `g ÷ bandwidth`
 * of the store's time; a separate request costs its latency on one of `concurrency` connections,
 * `latency ÷ concurrency`. Merging pays when `g < bandwidth × latency ÷ concurrency` (the
 * bandwidth–delay rule of Arrow C++'s `CacheOptions::MakeFromNetworkMetrics`, per connection
 * slot). Small gaps keep the bytes read near what is needed, as TensorStore's are, while sparse
 * reads still merge neighbouring inner chunks.
 */
export function costModelGap(
  latencyMs: number,
  bandwidthMBps: number,
  concurrency: number,
): number {
  return Math.floor((bandwidthMBps * 1000 * latencyMs) / concurrency);
}

/** Bytes one round trip to the store is worth by its cost model: `bandwidth × latency`. */
export function roundTripBytes(
  settings: Pick<StoreSettings, "latencyMs" | "bandwidthMBps">,
): number {
  return Math.floor(settings.bandwidthMBps * 1000 * settings.latencyMs);
}

/**
 * The defaults: 128 requests in flight, 20 ms latency and 200 MB/s, so a 31,250-byte gap by the
 * cost model, and an 8 MiB cap.
 */
export const DEFAULT_STORE_SETTINGS: StoreSettings = Object.freeze({
  concurrency: DEFAULT_STORE_CONCURRENCY,
  maxGap: costModelGap(
    DEFAULT_STORE_LATENCY_MS,
    DEFAULT_STORE_BANDWIDTH_MBPS,
    DEFAULT_STORE_CONCURRENCY,
  ),
  maxSize: DEFAULT_MAX_SIZE,
  latencyMs: DEFAULT_STORE_LATENCY_MS,
  bandwidthMBps: DEFAULT_STORE_BANDWIDTH_MBPS,
  gapFrom: "cost",
});

/**
 * `base` with the fields of `change` that are set, checked.
 * @throws RangeError for a concurrency that is not an integer ≥ 1 or a negative size.
 */
export function mergeStoreSettings(
  base: StoreSettings,
  change: Partial<StoreSettings>,
): StoreSettings {
  const concurrency = change.concurrency ?? base.concurrency;
  const latencyMs = change.latencyMs ?? base.latencyMs;
  const bandwidthMBps = change.bandwidthMBps ?? base.bandwidthMBps;
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) {
    throw new RangeError(`store concurrency must be an integer >= 1, got ${concurrency}`);
  }
  for (const [name, v] of [
    ["latencyMs", latencyMs],
    ["bandwidthMBps", bandwidthMBps],
  ] as const) {
    if (!(typeof v === "number" && Number.isFinite(v) && v >= 0)) {
      throw new RangeError(`store ${name} must be a finite number >= 0, got ${String(v)}`);
    }
  }
  const gapFrom = change.maxGap !== undefined ? "set" : (change.gapFrom ?? base.gapFrom);
  const next: StoreSettings = Object.freeze({
    concurrency,
    maxGap:
      gapFrom === "cost"
        ? costModelGap(latencyMs, bandwidthMBps, concurrency)
        : (change.maxGap ?? base.maxGap),
    maxSize: change.maxSize ?? base.maxSize,
    latencyMs,
    bandwidthMBps,
    gapFrom,
  });
  checkPolicy(next);
  return next;
}

/** The coalescing policy of `settings` with the plan's `override` fields taking precedence. */
export function policyOf(
  settings: StoreSettings,
  override?: Partial<CoalescePolicy>,
): CoalescePolicy {
  const maxGap = override?.maxGap ?? settings.maxGap;
  // The cost model: a shard read whole saves a sequential round trip, worth bandwidth × latency.
  const byCost = override?.maxGap === undefined && settings.gapFrom === "cost";
  return checkPolicy({
    maxGap,
    maxSize: override?.maxSize ?? settings.maxSize,
    ...(byCost ? { maxWholeExcess: Math.max(maxGap, roundTripBytes(settings)) } : {}),
  });
}
