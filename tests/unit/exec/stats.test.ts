/**
 * Mergeable statistics: `mergeStats` of the statistics of the parts of an array, in any order and
 * grouping, equals the statistics of the whole (whole-array and per-axis, the axis cut or the
 * other dimensions cut); JSON round trips lose nothing; NaN and infinities follow the
 * `runningStats` conventions. Values are small integers (and NaN / ±Infinity) so that float64
 * sums are exact in every order.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import { cStrides, type NDArray } from "../../../src/core/ndarray.js";
import {
  type AxisStatsState,
  emptyAxisStats,
  mergeStats,
  type StatsState,
  statsOf,
  summarizeStats,
} from "../../../src/exec/stats.js";

const f64 = dataType("float64");
const value = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -1000, max: 1000 }) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity) },
);

function arr(data: number[], shape: number[]): NDArray<"float64"> {
  return { data: Float64Array.from(data), shape, strides: cStrides(shape), dtype: f64 };
}

/** Rows [a, b) along dim 0 of a C-order array. */
function rows(a: NDArray<"float64">, start: number, stop: number): NDArray<"float64"> {
  const inner = a.shape.slice(1).reduce((x, y) => x * y, 1);
  return arr(Array.from(a.data.subarray(start * inner, stop * inner)), [
    stop - start,
    ...a.shape.slice(1),
  ]);
}

/** A random 1-3 d array and cut points along dim 0. */
const arrayAndCuts = fc
  .tuple(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }), fc.nat())
  .chain(([shape]) =>
    fc.tuple(
      fc.constant(shape),
      fc.array(value, {
        minLength: shape.reduce((a, b) => a * b, 1),
        maxLength: shape.reduce((a, b) => a * b, 1),
      }),
      fc.uniqueArray(fc.integer({ min: 0, max: shape[0]! }), { maxLength: 3 }),
    ),
  );

/** Merges a list in a random tree shape and order. */
function mergeShuffled<S>(items: S[], merge: (a: S, b: S) => S, seed: number): S {
  const list = [...items];
  let s = seed;
  const rnd = (n: number) => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s % n;
  };
  while (list.length > 1) {
    const i = rnd(list.length);
    const a = list.splice(i, 1)[0]!;
    const j = rnd(list.length);
    const b = list.splice(j, 1)[0]!;
    list.push(rnd(2) === 0 ? merge(a, b) : merge(b, a));
  }
  return list[0]!;
}

describe("mergeStats", () => {
  it("merging the statistics of parts in any order and grouping equals those of the whole", () => {
    fc.assert(
      fc.property(arrayAndCuts, fc.nat(), ([shape, data, cuts], seed) => {
        const a = arr(data, shape);
        const bounds = [0, ...[...cuts].sort((x, y) => x - y), shape[0]!];
        const parts = bounds.slice(1).map((b, i) => rows(a, bounds[i]!, b));
        const whole = statsOf(a);
        const merged = mergeShuffled(
          parts.map((p) => statsOf(p)),
          mergeStats,
          seed,
        );
        expect(merged).toEqual(whole);
        // JSON-serialisable: a round trip changes nothing.
        expect(JSON.parse(JSON.stringify(merged))).toEqual(whole);
        // Per axis, the axis cut: each part covers every position.
        if (shape.length > 1) {
          const axisWhole = statsOf(a, { axis: 0 });
          const axisMerged = mergeShuffled(
            parts.map((p) => statsOf(p, { axis: 0 })),
            (x: AxisStatsState, y: AxisStatsState) => mergeStats(x, y),
            seed,
          );
          expect(axisMerged).toEqual(axisWhole);
          expect(JSON.parse(JSON.stringify(axisMerged))).toEqual(axisWhole);
          // Over the last axis, dim 0 cut: each part lands at its rows.
          const last = shape.length - 1;
          let acc = emptyAxisStats(last, shape.slice(0, -1));
          parts.forEach((part, i) => {
            const start = [bounds[i]!, ...shape.slice(1, -1).map(() => 0)];
            acc = mergeStats(acc, statsOf(part, { axis: last }), start);
          });
          expect(acc).toEqual(statsOf(a, { axis: last }));
        }
      }),
    );
  });

  it("summaries follow NumPy's nan* functions and runningStats", () => {
    const s = statsOf(arr([1, Number.NaN, 5, -2], [4]));
    expect(s).toEqual({
      count: 3,
      nanCount: 1,
      posInfCount: 0,
      negInfCount: 0,
      sum: 4,
      min: -2,
      max: 5,
    });
    expect(summarizeStats(s).mean).toBeCloseTo(4 / 3);
    const inf = summarizeStats(statsOf(arr([1, Infinity, Number.NaN], [3])));
    expect(inf).toEqual({
      count: 2,
      nanCount: 1,
      sum: Infinity,
      min: 1,
      max: Infinity,
      mean: Infinity,
    });
    const both = summarizeStats(statsOf(arr([Infinity, -Infinity], [2])));
    expect(both.sum).toBeNaN();
    expect(both.min).toBe(-Infinity);
    const empty = summarizeStats(statsOf(arr([Number.NaN], [1])));
    expect(empty).toEqual({
      count: 0,
      nanCount: 1,
      sum: 0,
      min: Infinity,
      max: -Infinity,
      mean: Number.NaN,
    });
  });

  it("per-axis means over time (axis 0) of a [time, y, x] cube", () => {
    // t=0: [[0, 1], [2, 3]], t=1: [[4, NaN], [6, 7]], t=2: [[8, 9], [10, 11]]
    const cube = arr([0, 1, 2, 3, 4, Number.NaN, 6, 7, 8, 9, 10, 11], [3, 2, 2]);
    const m = summarizeStats(statsOf(cube, { axis: 0 }));
    expect(m.mean.shape).toEqual([2, 2]);
    expect(Array.from(m.mean.data)).toEqual([4, 5, 6, 7]);
    expect(Array.from(m.count.data)).toEqual([3, 2, 3, 3]);
    expect(Array.from(m.max.data)).toEqual([8, 9, 10, 11]);
  });

  it("refuses mixed states, boxes that do not fit and non-real data", () => {
    const a = arr([1, 2, 3, 4], [2, 2]);
    const whole: StatsState = statsOf(a);
    const along = statsOf(a, { axis: 0 });
    expect(() => mergeStats(whole, along as unknown as StatsState)).toThrow(RangeError);
    expect(() => mergeStats(along, along, [1])).toThrow(/do not fit/);
    expect(() => statsOf(a, { axis: 2 })).toThrow(/axis 2/);
    const c = { ...a, dtype: dataType("complex64"), data: new Float32Array(8) };
    expect(() => statsOf(c as unknown as NDArray)).toThrow(/real numbers/);
  });
});
