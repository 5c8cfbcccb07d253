/**
 * Byte-range coalescing: the byte ranges a plan needs from one stored object (the inner chunks of
 * one shard) → fewer, larger requests. Pure.
 *
 * Policy (docs/plans.md, "Coalescing"): ranges are sorted by offset; overlapping ranges are always
 * merged; a range starting at most `maxGap` bytes after the end of the current request joins it
 * while the merged request stays within `maxSize` bytes. A single range larger than `maxSize` is
 * requested alone (never split). This is the two-knob policy of zarr-python's `coalesce_ranges`,
 * arrow-rs object_store's `coalesce_ranges` and Arrow C++'s `ReadRangeCache`.
 *
 * Defaults follow the bandwidth–delay rule of Arrow C++ `CacheOptions::MakeFromNetworkMetrics`
 * (apache/arrow#7020): a gap is worth reading when reading it costs less than a new request,
 * `maxGap ≈ TTFB × bandwidth per connection`. Object stores have TTFB of 20–100 ms and ~80–100 MB/s
 * per connection, which gives 1.6–10 MB; but a merged request also removes parallelism
 * (zarr-developers/VirtualiZarr#1033 measured gap 1 MiB 1.7× slower than gap 0 for a small read
 * spread over 25 chunks). `bench/plan-defaults.ts` measured both effects on a loopback server with
 * 20 ms latency and 100 MB/s per connection (numbers at the constants).
 * @module
 */

/** A coalescing policy: both sizes in bytes. */
export interface CoalescePolicy {
  /** Largest hole (bytes) read and discarded to merge two ranges; 0 merges only touching ranges. */
  readonly maxGap: number;
  /** Largest merged request (bytes); a lone larger range is still requested alone. */
  readonly maxSize: number;
  /**
   * Largest over-read (bytes) for which a shard not fully needed is read whole, saving its index
   * round trip (default: `maxGap`). A Context's store cost model sets it to the bytes one round
   * trip is worth, `bandwidth × latency`.
   */
  readonly maxWholeExcess?: number;
}

/**
 * Default largest gap bridged, in bytes: 31,250, what a Context's store cost model gives with
 * its defaults (`costModelGap`: 200 MB/s × 20 ms ÷ 128 requests in flight; see
 * `store-settings.ts`). Stores derive their own gap from their latency, bandwidth and concurrency
 * unless `maxGap` is set.
 *
 * History: a fixed 512 KiB gap measured best in `bench/plan-defaults.ts` (8 KiB inner chunks,
 * 100 MB/s per connection), but with 128 KiB inner chunks it read 1.6× the bytes TensorStore
 * reads for 200 random points (the peer benchmark's W3s: 40.8 vs 25.5 MB) without saving a round
 * trip. The cost model merges a gap only when reading it is cheaper than a request slot.
 */
export const DEFAULT_MAX_GAP = 31_250;

/**
 * Default largest merged request, in bytes: 8 MiB (AWS's "typical sizes for byte-range requests
 * are 8 MB or 16 MB"; zarr-python uses 16 MiB). The same benchmark at gap 512 KiB found no
 * consistent difference between caps of 2, 8 and 16 MiB (within run-to-run noise) and 1 MiB
 * slower on sparse reads (1.10× vs 0.83×). Beyond the cap one connection is bandwidth-bound and
 * parallel requests are faster.
 */
export const DEFAULT_MAX_SIZE = 8 * 1024 * 1024;

/** The default policy: {@link DEFAULT_MAX_GAP}, {@link DEFAULT_MAX_SIZE}. */
export const DEFAULT_COALESCE_POLICY: CoalescePolicy = Object.freeze({
  maxGap: DEFAULT_MAX_GAP,
  maxSize: DEFAULT_MAX_SIZE,
});

/** One coalesced request: `length` bytes from `offset`, covering the input ranges `parts`. */
export interface CoalescedRange {
  /** First byte (inclusive). */
  readonly offset: number;
  /** Bytes requested. */
  readonly length: number;
  /** Indices of the input ranges served by this request, sorted by offset. */
  readonly parts: Int32Array;
  /** Distinct bytes of the input ranges inside it (`length − wanted` is over-read). */
  readonly wanted: number;
}

/**
 * Checks a policy: both sizes finite or infinite, non-negative.
 * @throws RangeError naming the bad field.
 */
export function checkPolicy(policy: CoalescePolicy): CoalescePolicy {
  for (const k of ["maxGap", "maxSize", "maxWholeExcess"] as const) {
    const v = policy[k];
    if (k === "maxWholeExcess" && v === undefined) continue;
    if (typeof v !== "number" || Number.isNaN(v) || v < 0) {
      throw new RangeError(`coalescing ${k} must be a number of bytes >= 0, got ${String(v)}`);
    }
  }
  return policy;
}

/**
 * Coalesces byte ranges `[offsets[i], offsets[i] + lengths[i])` under `policy`.
 * O(n log n) for the sort, no per-range objects beyond the output. Zero-length ranges are kept (they
 * join whatever request covers their offset).
 * @returns the requests in offset order; every input range is inside exactly one of them.
 * @throws RangeError when the arrays differ in length or a range is negative.
 */
export function coalesce(
  offsets: ArrayLike<number>,
  lengths: ArrayLike<number>,
  policy: CoalescePolicy = DEFAULT_COALESCE_POLICY,
): CoalescedRange[] {
  const n = offsets.length;
  if (lengths.length !== n) {
    throw new RangeError(`coalesce: ${n} offsets but ${lengths.length} lengths`);
  }
  if (n === 0) return [];
  const order = new Int32Array(n);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    order[i] = i;
    const o = offsets[i]!;
    const l = lengths[i]!;
    if (!(o >= 0 && l >= 0)) {
      throw new RangeError(`coalesce: range ${i} [${o}, +${l}) is not a non-negative byte range`);
    }
    if (i > 0 && o < offsets[i - 1]!) sorted = false;
  }
  if (!sorted) order.sort((a, b) => offsets[a]! - offsets[b]! || lengths[a]! - lengths[b]!);
  const { maxGap, maxSize } = policy;
  const out: CoalescedRange[] = [];
  let first = 0;
  let start = offsets[order[0]!]!;
  let end = start + lengths[order[0]!]!;
  let wanted = end - start;
  let covered = end;
  const close = (stop: number) => {
    out.push({ offset: start, length: end - start, parts: order.subarray(first, stop), wanted });
  };
  for (let k = 1; k < n; k++) {
    const i = order[k]!;
    const s = offsets[i]!;
    const e = s + lengths[i]!;
    const newEnd = Math.max(e, end);
    const merge = s < end || (s - end <= maxGap && newEnd - start <= maxSize);
    if (merge) {
      if (s >= covered) wanted += e - s;
      else if (e > covered) wanted += e - covered;
      if (e > covered) covered = e;
      end = newEnd;
      continue;
    }
    close(k);
    first = k;
    start = s;
    end = e;
    wanted = e - s;
    covered = e;
  }
  close(n);
  return out;
}
