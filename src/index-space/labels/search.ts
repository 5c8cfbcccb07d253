/**
 * Searching monotonic coordinates: the position arithmetic behind label selections (`sel`).
 *
 * A coordinate is a 1-D array of labels (numbers, or `bigint` for int64 / datetime64 values),
 * monotonic ascending or descending (repeated values allowed). Semantics follow pandas' `Index`
 * as xarray's `sel` uses it: label slices include both ends (`slice_indexer`), `nearest` picks the
 * closest value and, on a tie, the larger one (`get_indexer(method="nearest")`), `tolerance` bounds
 * the distance. Pure: no IO.
 * @module
 */

/** A coordinate's values: numbers (any numeric dtype) or 64-bit integers. */
export type CoordinateValues = ArrayLike<number> | ArrayLike<bigint>;

/** One label value: a number, or a `bigint` for a `bigint` coordinate. */
export type LabelValue = number | bigint;

/** How a coordinate is ordered: `1` ascending, `-1` descending (both non-strict). */
export type Direction = 1 | -1;

function lt(a: LabelValue, b: LabelValue): boolean {
  return a < b;
}

/** `a - b` as a number (bigints subtracted exactly first). */
export function difference(a: LabelValue, b: LabelValue): number {
  if (typeof a === "bigint" && typeof b === "bigint") return Number(a - b);
  return Number(a) - Number(b);
}

/**
 * The direction of `values`, or `undefined` when they are not monotonic or hold NaN. Length 0 and 1
 * are ascending; all-equal values are ascending.
 */
export function direction(values: CoordinateValues): Direction | undefined {
  const n = values.length;
  let up = true;
  let down = true;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (typeof v === "number" && Number.isNaN(v)) return undefined;
    if (i === 0) continue;
    const p = values[i - 1]!;
    if (lt(v, p)) up = false;
    if (lt(p, v)) down = false;
    if (!up && !down) return undefined;
  }
  return up ? 1 : -1;
}

/**
 * NumPy `searchsorted` generalized to both directions: on an ascending coordinate, the first
 * position `i` with `values[i] >= label` (`side: "left"`) or `> label` (`"right"`); on a descending
 * one, the first position with `values[i] <= label` (`"left"`) or `< label` (`"right"`). O(log n).
 */
export function searchSorted(
  values: CoordinateValues,
  label: LabelValue,
  side: "left" | "right",
  dir: Direction,
): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = values[mid]!;
    // "before": the label goes after values[mid].
    const before =
      dir === 1
        ? side === "left"
          ? lt(v, label)
          : !lt(label, v)
        : side === "left"
          ? lt(label, v)
          : !lt(v, label);
    if (before) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Positions `[start, stop)` of the values between two labels, both included (xarray `sel` with
 * `slice(start, stop)`): on an ascending coordinate the values `start <= v <= stop`, on a
 * descending one `start >= v >= stop`. A missing bound is open. Labels in the wrong order give an
 * empty range (`stop <= start`), as in pandas.
 */
export function labelRange(
  values: CoordinateValues,
  start: LabelValue | null,
  stop: LabelValue | null,
  dir: Direction,
): { start: number; stop: number } {
  const i0 = start === null ? 0 : searchSorted(values, start, "left", dir);
  const i1 = stop === null ? values.length : searchSorted(values, stop, "right", dir);
  return { start: i0, stop: Math.max(i0, i1) };
}

/** The position of a value equal to `label` (the first such), or `-1`. O(log n). */
export function exactPosition(values: CoordinateValues, label: LabelValue, dir: Direction): number {
  const i = searchSorted(values, label, "left", dir);
  if (i < values.length) {
    const v = values[i]!;
    if (!lt(v, label) && !lt(label, v)) return i;
  }
  return -1;
}

/**
 * The position of the value nearest to `label`; on a tie, the larger value's (pandas
 * `get_indexer(method="nearest")`). `-1` when the coordinate is empty or the distance is more than
 * `tolerance` (distances and tolerance in label units). O(log n).
 */
export function nearestPosition(
  values: CoordinateValues,
  label: LabelValue,
  dir: Direction,
  tolerance = Number.POSITIVE_INFINITY,
): number {
  const n = values.length;
  if (n === 0) return -1;
  const i = searchSorted(values, label, "left", dir);
  // Candidates: i - 1 and i (clamped).
  let best = -1;
  let bestDist = Number.POSITIVE_INFINITY;
  for (const j of [i - 1, i]) {
    if (j < 0 || j >= n) continue;
    const v = values[j]!;
    const d = Math.abs(difference(v, label));
    if (
      best === -1 ||
      d < bestDist ||
      (d === bestDist && lt(values[best]!, v)) // tie: the larger value
    ) {
      best = j;
      bestDist = d;
    }
  }
  return bestDist <= tolerance ? best : -1;
}
