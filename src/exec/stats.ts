/**
 * Mergeable statistics: count, NaN count, sum, min and max of an array's values, whole or along
 * one axis, as plain JSON-serialisable state that merges associatively and commutatively. What
 * partitions of a plan compute on their outputs, and their parent combines in any order.
 *
 * ```ts
 * const a = statsOf(part1);                      // { count, nanCount, sum, min, max, ... }
 * const all = mergeStats(a, statsOf(part2));     // = statsOf(part1 ++ part2)
 * summarizeStats(all).mean;
 * const t = statsOf(cube, { axis: 0 });          // per (lat, lon): over time
 * summarizeStats(t).mean;                        // NDArray<"float64"> of shape [lat, lon]
 * ```
 *
 * NaN values are skipped and counted (NumPy's `nanmean`, `nanmin`, … conventions, as
 * `runningStats`); booleans count as 0 / 1, 64-bit integers are converted to numbers. Infinities
 * are counted apart (`posInfCount`, `negInfCount`) so that every field stays a finite number or
 * `null` and `JSON.stringify` loses nothing; `sum` is the sum of the finite values (it overflows to
 * ±Infinity only past ~1.8e308, which JSON cannot carry). Sums are in float64: merged in another
 * grouping they may differ in the last bits, as any reordered floating-point sum.
 * @module
 */
import { type DataType, dataType } from "../core/dtype.js";
import { type NDArray, shapeSize, toCOrder, zeros } from "../core/ndarray.js";

/** Statistics of a set of values (JSON-serialisable). */
export interface StatsState {
  /** Values that are not NaN (infinities included). */
  readonly count: number;
  /** NaN values (skipped by the other fields). */
  readonly nanCount: number;
  /** `+Infinity` values. */
  readonly posInfCount: number;
  /** `-Infinity` values. */
  readonly negInfCount: number;
  /** Sum of the finite values. */
  readonly sum: number;
  /** Smallest finite value (`null` when there is none). */
  readonly min: number | null;
  /** Largest finite value (`null` when there is none). */
  readonly max: number | null;
}

/**
 * Statistics along one axis: for each position of the array's other dimensions (`shape`, C
 * order), the {@link StatsState} of the values along `axis` (JSON-serialisable; one entry per
 * position in each list).
 */
export interface AxisStatsState {
  /** The axis reduced, in the shape of the arrays the statistics are of. */
  readonly axis: number;
  /** The shape of the result: the arrays' shape without `axis`. */
  readonly shape: readonly number[];
  readonly count: readonly number[];
  readonly nanCount: readonly number[];
  readonly posInfCount: readonly number[];
  readonly negInfCount: readonly number[];
  readonly sum: readonly number[];
  readonly min: readonly (number | null)[];
  readonly max: readonly (number | null)[];
}

/** Count, sum, min, max and mean with infinities folded back in (what `runningStats` reports). */
export interface StatsSummary {
  readonly count: number;
  readonly nanCount: number;
  /** Sum of the non-NaN values (±Infinity / NaN when infinities are among them). */
  readonly sum: number;
  /** `Infinity` while `count` is 0. */
  readonly min: number;
  /** `-Infinity` while `count` is 0. */
  readonly max: number;
  /** `sum / count` (NaN while `count` is 0). */
  readonly mean: number;
}

/** {@link StatsSummary} along an axis: one float64 array of the state's `shape` per field. */
export interface AxisStatsSummary {
  readonly count: NDArray<"float64">;
  readonly nanCount: NDArray<"float64">;
  readonly sum: NDArray<"float64">;
  readonly min: NDArray<"float64">;
  readonly max: NDArray<"float64">;
  readonly mean: NDArray<"float64">;
}

/** A mutable accumulator of {@link StatsState} fields (what folds run on). */
export interface StatsAccumulator {
  count: number;
  nanCount: number;
  posInfCount: number;
  negInfCount: number;
  sum: number;
  min: number;
  max: number;
}

/** A new empty accumulator (`min` `Infinity`, `max` `-Infinity` until a finite value). */
export function emptyAccumulator(): StatsAccumulator {
  return {
    count: 0,
    nanCount: 0,
    posInfCount: 0,
    negInfCount: 0,
    sum: 0,
    min: Number.POSITIVE_INFINITY,
    max: Number.NEGATIVE_INFINITY,
  };
}

/** Folds value `x`, `times` times (≥ 1), into `acc`. */
export function foldValue(acc: StatsAccumulator, x: number, times = 1): void {
  if (Number.isNaN(x)) {
    acc.nanCount += times;
    return;
  }
  acc.count += times;
  if (x === Number.POSITIVE_INFINITY) acc.posInfCount += times;
  else if (x === Number.NEGATIVE_INFINITY) acc.negInfCount += times;
  else {
    acc.sum += times === 1 ? x : x * times;
    if (x < acc.min) acc.min = x;
    if (x > acc.max) acc.max = x;
  }
}

/**
 * The entries of `values` as numbers-or-bigints, checking the data type is real.
 * @throws TypeError naming `what` for complex, bytes, string and raw data types.
 */
export function realValues(
  values: { readonly dtype: DataType; readonly data: unknown },
  what: string,
): ArrayLike<number | bigint> {
  const dt = values.dtype;
  if (
    dt.lanes !== 1 ||
    dt.name === "bytes" ||
    dt.name === "raw" ||
    dt.name === "string" ||
    dt.name === "variable_length_bytes"
  ) {
    throw new TypeError(`statistics need real numbers; ${what} has dtype ${dt.name}`);
  }
  return values.data as ArrayLike<number | bigint>;
}

/** The state of an accumulator. */
export function stateOf(acc: StatsAccumulator): StatsState {
  const some = acc.count - acc.posInfCount - acc.negInfCount > 0;
  return {
    count: acc.count,
    nanCount: acc.nanCount,
    posInfCount: acc.posInfCount,
    negInfCount: acc.negInfCount,
    sum: acc.sum,
    min: some ? acc.min : null,
    max: some ? acc.max : null,
  };
}

function summarizeOne(s: StatsState): StatsSummary {
  const sum =
    s.posInfCount > 0 && s.negInfCount > 0
      ? Number.NaN
      : s.posInfCount > 0
        ? Number.POSITIVE_INFINITY
        : s.negInfCount > 0
          ? Number.NEGATIVE_INFINITY
          : s.sum;
  const min = s.negInfCount > 0 ? Number.NEGATIVE_INFINITY : (s.min ?? Number.POSITIVE_INFINITY);
  const max = s.posInfCount > 0 ? Number.POSITIVE_INFINITY : (s.max ?? Number.NEGATIVE_INFINITY);
  return {
    count: s.count,
    nanCount: s.nanCount,
    sum,
    min,
    max,
    mean: s.count === 0 ? Number.NaN : sum / s.count,
  };
}

function mergeOne(a: StatsState, b: StatsState): StatsState {
  return {
    count: a.count + b.count,
    nanCount: a.nanCount + b.nanCount,
    posInfCount: a.posInfCount + b.posInfCount,
    negInfCount: a.negInfCount + b.negInfCount,
    sum: a.sum + b.sum,
    min: a.min === null ? b.min : b.min === null ? a.min : Math.min(a.min, b.min),
    max: a.max === null ? b.max : b.max === null ? a.max : Math.max(a.max, b.max),
  };
}

function checkAxis(shape: readonly number[], axis: number): void {
  if (!Number.isInteger(axis) || axis < 0 || axis >= shape.length) {
    throw new RangeError(
      `statistics axis ${String(axis)} is not a dimension of an array of shape [${shape}]`,
    );
  }
}

/**
 * Statistics of every value of `array`, or with `{ axis }` of the values along that axis for
 * each position of the other dimensions (NumPy's `nanmean(a, axis=k)` and friends, as
 * {@link summarizeStats} reads them).
 * @throws TypeError for complex, bytes, string or raw data types; RangeError for an axis that is
 * not an integer in `[0, ndim)`.
 */
export function statsOf(array: NDArray): StatsState;
export function statsOf(array: NDArray, options: { readonly axis: number }): AxisStatsState;
export function statsOf(
  array: NDArray,
  options?: { readonly axis?: number },
): StatsState | AxisStatsState;
export function statsOf(
  array: NDArray,
  options: { readonly axis?: number } = {},
): StatsState | AxisStatsState {
  const axis = options.axis;
  const c = toCOrder(array);
  const v = realValues(c, `an array of shape [${array.shape}]`);
  const off = c.offset ?? 0;
  const size = shapeSize(c.shape);
  if (axis === undefined) {
    const acc = emptyAccumulator();
    for (let i = 0; i < size; i++) foldValue(acc, Number(v[off + i]!));
    return stateOf(acc);
  }
  checkAxis(c.shape, axis);
  const shape = c.shape.filter((_, d) => d !== axis);
  const n = c.shape[axis]!;
  let inner = 1;
  for (let d = axis + 1; d < c.shape.length; d++) inner *= c.shape[d]!;
  let outer = 1;
  for (let d = 0; d < axis; d++) outer *= c.shape[d]!;
  const accs: StatsAccumulator[] = Array.from({ length: shapeSize(shape) }, emptyAccumulator);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < n; i++) {
      const row = off + (o * n + i) * inner;
      for (let j = 0; j < inner; j++) foldValue(accs[o * inner + j]!, Number(v[row + j]!));
    }
  }
  return axisStateOf(axis, shape, accs.map(stateOf));
}

function axisStateOf(
  axis: number,
  shape: readonly number[],
  states: readonly StatsState[],
): AxisStatsState {
  return {
    axis,
    shape: [...shape],
    count: states.map((s) => s.count),
    nanCount: states.map((s) => s.nanCount),
    posInfCount: states.map((s) => s.posInfCount),
    negInfCount: states.map((s) => s.negInfCount),
    sum: states.map((s) => s.sum),
    min: states.map((s) => s.min),
    max: states.map((s) => s.max),
  };
}

function stateAt(s: AxisStatsState, i: number): StatsState {
  return {
    count: s.count[i]!,
    nanCount: s.nanCount[i]!,
    posInfCount: s.posInfCount[i]!,
    negInfCount: s.negInfCount[i]!,
    sum: s.sum[i]!,
    min: s.min[i]!,
    max: s.max[i]!,
  };
}

/** Empty statistics along `axis` for a result of `shape` (the identity of {@link mergeStats}). */
export function emptyAxisStats(axis: number, shape: readonly number[]): AxisStatsState {
  const empty = stateOf(emptyAccumulator());
  return axisStateOf(
    axis,
    shape,
    Array.from({ length: shapeSize(shape) }, () => empty),
  );
}

function isAxisState(s: StatsState | AxisStatsState): s is AxisStatsState {
  return Array.isArray((s as AxisStatsState).count);
}

/**
 * The statistics of the union of the values of `a` and `b`: associative and commutative (up to
 * float64 rounding of `sum`), with the empty state as identity. Along an axis, `b` may cover a
 * box of `a`'s positions: `start` (default all 0) is where `b`'s first position is in `a`'s
 * `shape`, so a partition's statistics land where its output region is.
 * @throws RangeError when `a` and `b` are not both whole or both along the same axis, or `b`'s
 * box does not fit in `a`'s shape.
 */
export function mergeStats(a: StatsState, b: StatsState): StatsState;
export function mergeStats(
  a: AxisStatsState,
  b: AxisStatsState,
  start?: readonly number[],
): AxisStatsState;
export function mergeStats(
  a: StatsState | AxisStatsState,
  b: StatsState | AxisStatsState,
  start?: readonly number[],
): StatsState | AxisStatsState;
export function mergeStats(
  a: StatsState | AxisStatsState,
  b: StatsState | AxisStatsState,
  start?: readonly number[],
): StatsState | AxisStatsState {
  const ax = isAxisState(a);
  if (ax !== isAxisState(b)) {
    throw new RangeError("mergeStats: one state is along an axis and the other is not");
  }
  if (!ax) return mergeOne(a, b as StatsState);
  const bb = b as AxisStatsState;
  const at = start ?? a.shape.map(() => 0);
  if (
    a.axis !== bb.axis ||
    a.shape.length !== bb.shape.length ||
    at.length !== a.shape.length ||
    bb.shape.some((n, d) => at[d]! < 0 || at[d]! + n > a.shape[d]!)
  ) {
    throw new RangeError(
      `mergeStats: statistics along axis ${bb.axis} of shape [${bb.shape}] at [${at}] do not fit those along axis ${a.axis} of shape [${a.shape}]`,
    );
  }
  // Field by field on copies of a's lists (no object per position).
  const count = [...a.count];
  const nanCount = [...a.nanCount];
  const posInfCount = [...a.posInfCount];
  const negInfCount = [...a.negInfCount];
  const sum = [...a.sum];
  const min = [...a.min];
  const max = [...a.max];
  const nd = a.shape.length;
  const idx = new Array<number>(nd).fill(0);
  const m = shapeSize(bb.shape);
  for (let k = 0; k < m; k++) {
    let rem = k;
    for (let d = nd - 1; d >= 0; d--) {
      idx[d] = rem % bb.shape[d]!;
      rem = Math.floor(rem / bb.shape[d]!);
    }
    let f = 0;
    for (let d = 0; d < nd; d++) f = f * a.shape[d]! + at[d]! + idx[d]!;
    count[f]! += bb.count[k]!;
    nanCount[f]! += bb.nanCount[k]!;
    posInfCount[f]! += bb.posInfCount[k]!;
    negInfCount[f]! += bb.negInfCount[k]!;
    sum[f]! += bb.sum[k]!;
    const lo = bb.min[k]!;
    const hi = bb.max[k]!;
    if (lo !== null && (min[f] === null || lo < min[f]!)) min[f] = lo;
    if (hi !== null && (max[f] === null || hi > max[f]!)) max[f] = hi;
  }
  return {
    axis: a.axis,
    shape: [...a.shape],
    count,
    nanCount,
    posInfCount,
    negInfCount,
    sum,
    min,
    max,
  };
}

/**
 * Count, sum, min, max and mean of statistics, infinities folded back in: numbers for
 * {@link StatsState}, float64 arrays of the state's `shape` along an axis.
 */
export function summarizeStats(s: StatsState): StatsSummary;
export function summarizeStats(s: AxisStatsState): AxisStatsSummary;
export function summarizeStats(s: StatsState | AxisStatsState): StatsSummary | AxisStatsSummary;
export function summarizeStats(s: StatsState | AxisStatsState): StatsSummary | AxisStatsSummary {
  if (!isAxisState(s)) return summarizeOne(s);
  const fields = ["count", "nanCount", "sum", "min", "max", "mean"] as const;
  const f64 = dataType("float64");
  const out = Object.fromEntries(fields.map((f) => [f, zeros(f64, s.shape)])) as Record<
    (typeof fields)[number],
    NDArray<"float64">
  >;
  for (let i = 0; i < s.count.length; i++) {
    const one = summarizeOne(stateAt(s, i));
    for (const f of fields) out[f].data[i] = one[f];
  }
  return out;
}
