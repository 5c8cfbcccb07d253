/**
 * Label search on random monotonic coordinates (ascending and descending, repeated values, numbers
 * and bigints) against a reference model: NumPy `searchsorted` by linear scan, xarray's inclusive
 * label slices as a filter, nearest as an argmin with ties to the larger value.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { labelSlice, resolveLabels } from "../../src/index-space/labels/resolve.js";
import {
  type Direction,
  direction,
  exactPosition,
  labelRange,
  nearestPosition,
  searchSorted,
} from "../../src/index-space/labels/search.js";

/** Reference `searchsorted` on ascending values, by linear scan. */
function modelSearch(asc: number[], x: number, side: "left" | "right"): number {
  return asc.filter((v) => (side === "left" ? v < x : v <= x)).length;
}

const coordinate = fc
  .tuple(fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 40 }), fc.boolean())
  .map(([xs, desc]) => {
    const asc = [...xs].sort((a, b) => a - b).map((v) => v / 2);
    return { values: desc ? [...asc].reverse() : asc, dir: (desc ? -1 : 1) as Direction };
  });
const label = fc.integer({ min: -60, max: 60 }).map((v) => v / 2 + (v % 3 === 0 ? 0.25 : 0));

describe("label search (property)", () => {
  it("direction() finds the order", () => {
    fc.assert(
      fc.property(coordinate, ({ values, dir }) => {
        const d = direction(values);
        if (new Set(values).size > 1) expect(d).toBe(dir);
        else expect(d).toBe(1);
      }),
    );
  });

  it("searchSorted equals the linear model (ascending; descending mirrored)", () => {
    fc.assert(
      fc.property(
        coordinate,
        label,
        fc.constantFrom("left" as const, "right" as const),
        ({ values, dir }, x, side) => {
          if (dir === 1)
            expect(searchSorted(values, x, side, 1)).toBe(modelSearch(values, x, side));
          else {
            // Descending, left: first v <= x, i.e. the count of v > x.
            const n = values.filter((v) => (side === "left" ? v > x : v >= x)).length;
            expect(searchSorted(values, x, side, -1)).toBe(n);
          }
          expect(searchSorted(Float64Array.from(values), x, side, dir)).toBe(
            searchSorted(values, x, side, dir),
          );
          expect(
            searchSorted(
              values.map((v) => BigInt(v * 4)),
              BigInt(x * 4),
              side,
              dir,
            ),
          ).toBe(searchSorted(values, x, side, dir));
        },
      ),
    );
  });

  it("labelRange selects exactly the values between the labels, both included", () => {
    fc.assert(
      fc.property(coordinate, label, label, ({ values, dir }, a, b) => {
        const r = labelRange(values, a, b, dir);
        const inside = (v: number) => (dir === 1 ? a <= v && v <= b : a >= v && v >= b);
        const expected = values
          .map((v, i) => [v, i] as const)
          .filter(([v]) => inside(v))
          .map(([, i]) => i);
        const got = Array.from({ length: r.stop - r.start }, (_, k) => r.start + k);
        expect(got).toEqual(expected);
        const s = resolveLabels({ dimension: "x", path: "x", values }, labelSlice(a, b)) as {
          start: number;
          stop: number;
        };
        // A constant coordinate is ascending for pandas (and for resolveLabels).
        const d = direction(values)!;
        const inD = (v: number) => (d === 1 ? a <= v && v <= b : a >= v && v >= b);
        const expectedD = values.flatMap((v, i) => (inD(v) ? [i] : []));
        expect(Array.from({ length: s.stop - s.start }, (_, k) => s.start + k)).toEqual(expectedD);
      }),
    );
  });

  it("nearestPosition is the argmin distance, ties to the larger value, within tolerance", () => {
    fc.assert(
      fc.property(
        coordinate,
        label,
        fc.option(fc.integer({ min: 0, max: 8 }).map((t) => t / 4)),
        ({ values, dir }, x, tol) => {
          const i = nearestPosition(values, x, dir, tol ?? Number.POSITIVE_INFINITY);
          const best = Math.min(...values.map((v) => Math.abs(v - x)));
          if (values.length === 0 || (tol !== null && best > tol)) {
            expect(i).toBe(-1);
          } else {
            const chosen = Math.max(...values.filter((v) => Math.abs(v - x) === best));
            expect(values[i]).toBe(chosen);
          }
        },
      ),
    );
  });

  it("exactPosition finds the first equal value or -1", () => {
    fc.assert(
      fc.property(coordinate, label, ({ values, dir }, x) => {
        expect(exactPosition(values, x, dir)).toBe(values.indexOf(x));
      }),
    );
  });
});
