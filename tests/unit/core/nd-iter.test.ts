/** The n-d odometer: nextIndex, forEachIndex, RowCursor, longRowsLast. */
import { describe, expect, it } from "vitest";
import { forEachIndex, longRowsLast, nextIndex, RowCursor } from "../../../src/core/nd-iter.js";

describe("nextIndex / forEachIndex", () => {
  it("visits C order, last dimension fastest", () => {
    const seen: number[][] = [];
    forEachIndex([2, 3], (i) => seen.push([...i]));
    expect(seen).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
      [1, 2],
    ]);
  });

  it("returns the dimension that stepped, -1 after the last index", () => {
    const idx = [0, 2];
    expect(nextIndex(idx, [2, 3])).toBe(0);
    expect(idx).toEqual([1, 0]);
    idx[1] = 2;
    expect(nextIndex(idx, [2, 3])).toBe(-1);
    expect(idx).toEqual([0, 0]);
  });

  it("0-d: one visit; an empty extent: none", () => {
    const calls: number[][] = [];
    forEachIndex([], (i) => calls.push([...i]));
    expect(calls).toEqual([[]]);
    forEachIndex([3, 0], () => calls.push([]));
    expect(calls).toHaveLength(1);
  });
});

/** Every row start of a cursor, per operand. */
function starts(cursor: RowCursor): number[][] {
  const out: number[][] = [];
  while (cursor.next()) out.push([...cursor.offsets]);
  return out;
}

describe("RowCursor", () => {
  it("gives each operand's offset of every row start, in C order", () => {
    // shape [2, 3, 4]: rows over dims 0 and 1; operand 0 C strides, operand 1 reversed dim 0
    const rows = new RowCursor(
      [2, 3, 4],
      [
        [12, 4, 1],
        [-12, 4, 1],
      ],
      [0, 12],
    );
    expect(starts(rows)).toEqual([
      [0, 12],
      [4, 16],
      [8, 20],
      [12, 0],
      [16, 4],
      [20, 8],
    ]);
    expect(rows.next()).toBe(false);
  });

  it("one row for 0-d and 1-d shapes, none with an empty extent", () => {
    expect(starts(new RowCursor([], [[]], [5]))).toEqual([[5]]);
    expect(starts(new RowCursor([7], [[2]], [1]))).toEqual([[1]]);
    expect(starts(new RowCursor([0, 7], [[7, 1]], [0]))).toEqual([]);
    expect(starts(new RowCursor([3, 0], [[0, 1]], [0]))).toEqual([]);
  });
});

describe("longRowsLast", () => {
  it("swaps a short last dimension for a longer one with smaller strides", () => {
    // F-order [100, 3] copied to C order: rows of 100 elements 1 apart (source) and 3 apart
    expect(
      longRowsLast(
        [100, 3],
        [
          [1, 100],
          [3, 1],
        ],
      ),
    ).toEqual({
      shape: [3, 100],
      strides: [
        [100, 1],
        [1, 3],
      ],
    });
  });

  it("keeps long rows, rows with the smallest strides, and 0-d / 1-d shapes", () => {
    const cases: [number[], number[][]][] = [
      [[3, 100], [[100, 1]]],
      [[100, 3], [[3, 1]]],
      [[], [[]]],
      [[5], [[1]]],
    ];
    for (const [shape, strides] of cases) {
      const r = longRowsLast(shape, strides);
      expect(r.shape).toBe(shape);
      expect(r.strides).toBe(strides);
    }
  });
});
