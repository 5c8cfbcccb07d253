/** Partitioning a transform over a chunk grid into per-chunk tasks. */
import { describe, expect, it } from "vitest";
import { lazy } from "../../../src/exec/api.js";
import {
  type ChunkTask,
  lastChunkElement,
  type Partition,
  partition,
  resolve,
} from "../../../src/index-space/partition.js";
import { newaxis, type SelectionItem, slice } from "../../../src/index-space/selection.js";
import {
  applyTransform,
  compose,
  constantMap,
  type IndexTransform,
  identity,
  makeTransform,
  singleMap,
} from "../../../src/index-space/transform.js";
import { metadataSource } from "../../helpers/memory-source.js";

const get = (t: IndexTransform, ...items: SelectionItem[]) => compose(t, { kind: "get", items });
const oindex = (t: IndexTransform, ...items: SelectionItem[]) =>
  compose(t, { kind: "oindex", items });
const vindex = (t: IndexTransform, ...items: SelectionItem[]) =>
  compose(t, { kind: "vindex", items });

/** Every (chunk offset, out offset) a task copies, enumerated naively. */
function elements(task: ChunkTask): [number, number][] {
  let acc: [number, number][] = [[task.chunkOffset, task.outOffset]];
  for (const f of task.factors) {
    const next: [number, number][] = [];
    for (const [c, o] of acc) {
      for (let k = 0; k < f.count; k++) {
        next.push(
          f.kind === "range"
            ? [c + k * f.chunkStride, o + k * f.outStride]
            : [c + f.chunk[k]!, o + f.out[k]!],
        );
      }
    }
    acc = next;
  }
  return acc;
}

/**
 * The oracle: every output element is written exactly once, from the source coordinate the
 * transform gives it; tasks are distinct chunks in storage order; no task is empty; each task's
 * `lastChunkElement` is the largest chunk offset it reads.
 */
function checkPartition(t: IndexTransform, chunks: readonly number[]): Partition {
  const p = partition(t, chunks);
  const n = t.inputShape.reduce((a, b) => a * b, 1);
  const seen = new Array<number>(n).fill(0);
  const cStr = [...chunks].map((_, i) => chunks.slice(i + 1).reduce((a, b) => a * b, 1));
  const keys = p.tasks.map((task) => task.coords.join(","));
  expect(new Set(keys).size).toBe(keys.length);
  for (const task of p.tasks) {
    expect(task.count).toBeGreaterThan(0);
    const els = elements(task);
    // The last chunk element read (what a prefix decode needs) is the largest one enumerated.
    expect(lastChunkElement(task)).toBe(els.reduce((m, [c]) => Math.max(m, c), -1));
    expect(els.length).toBe(task.count);
    for (const [c, o] of els) {
      seen[o]!++;
      // Source coordinate from chunk coords + chunk-local C offset.
      let r = c;
      const local = cStr.map((s) => {
        const l = Math.floor(r / s);
        r -= l * s;
        return l;
      });
      local.forEach((l, j) => {
        expect(l).toBeLessThan(chunks[j]!);
      });
      const source = task.coords.map((g, j) => g * chunks[j]! + local[j]!);
      // Output position → view point → expected source coordinate.
      let q = o;
      const point = new Array<number>(t.inputShape.length);
      for (let d = t.inputShape.length - 1; d >= 0; d--) {
        point[d] = q % t.inputShape[d]!;
        q = Math.floor(q / t.inputShape[d]!);
      }
      expect(source).toEqual(applyTransform(t, point));
    }
  }
  expect(seen.every((x) => x === 1)).toBe(true);
  const order = p.tasks.map((task) =>
    task.coords.reduce((acc, c, j) => acc * p.gridShape[j]! + c, 0),
  );
  expect(order).toEqual([...order].sort((a, b) => a - b));
  expect(p.elements).toBe(n);
  return p;
}

describe("partition: boxes (strided runs, no per-element data)", () => {
  it("one strided run per chunk hit", () => {
    const t = get(identity([20]), slice(2, 13, 3)); // 2 5 8 11
    const p = checkPartition(t, [5]);
    expect(p.gridShape).toEqual([4]);
    expect(p.tasks).toEqual([
      { coords: [0], chunkOffset: 2, outOffset: 0, factors: [], count: 1 },
      {
        coords: [1],
        chunkOffset: 0,
        outOffset: 1,
        factors: [{ kind: "range", count: 2, chunkStride: 3, outStride: 1 }],
        count: 2,
      },
      { coords: [2], chunkOffset: 1, outOffset: 3, factors: [], count: 1 },
    ]);
  });

  it("negative steps: storage order of chunks, reversed placement", () => {
    const p = checkPartition(get(identity([20]), slice(17, 2, -3)), [5]);
    expect(p.tasks.map((t) => [t.coords[0], t.outOffset, t.count])).toEqual([
      [1, 3, 2],
      [2, 1, 2],
      [3, 0, 1],
    ]);
  });

  it("steps larger than the chunk skip chunks without hits", () => {
    const p = checkPartition(get(identity([100]), slice(3, null, 12)), [5]);
    expect(p.tasks.map((t) => t.coords[0])).toEqual([0, 3, 5, 7, 10, 12, 15, 17, 19]);
  });

  it("n-d boxes are the product of per-dimension runs; constants fix a chunk", () => {
    const t = get(identity([9, 10, 11]), slice(1, 8), 7, slice(null, null, -4));
    const p = checkPartition(t, [4, 3, 5]);
    expect(p.tasks).toHaveLength(2 * 3);
    expect(p.tasks.every((task) => task.coords[1] === 2)).toBe(true);
    expect(p.tasks.every((task) => task.factors.every((f) => f.kind === "range"))).toBe(true);
  });

  it("newaxis and unread dimensions; 0-d views", () => {
    checkPartition(get(identity([5, 4]), newaxis, slice(), newaxis, slice(1, 3)), [2, 3]);
    const z = checkPartition(identity([]), []);
    expect(z.tasks).toEqual([{ coords: [], chunkOffset: 0, outOffset: 0, factors: [], count: 1 }]);
    expect(checkPartition(get(identity([]), newaxis, newaxis), []).tasks).toHaveLength(1);
  });

  it("empty views have no task", () => {
    expect(partition(get(identity([10, 10]), slice(5, 5)), [3, 3]).tasks).toEqual([]);
    expect(partition(identity([0, 7]), [1, 3]).tasks).toEqual([]);
    expect(partition(identity([0, 7]), [1, 3]).gridShape).toEqual([0, 3]);
  });
});

describe("partition: index arrays (points grouped by chunk)", () => {
  it("vindex points: one task per chunk, output order kept inside each", () => {
    const t = vindex(identity([10, 10]), [9, 0, 5, 9, 1], [9, 0, 5, 8, 2]);
    const p = checkPartition(t, [5, 5]);
    expect(p.tasks.map((x) => x.coords)).toEqual([
      [0, 0],
      [1, 1],
    ]);
    const f = p.tasks[1]!.factors[0]!;
    expect(f.kind).toBe("points");
    if (f.kind === "points") expect(Array.from(f.out)).toEqual([0, 2, 3]);
  });

  it("duplicates fetch their chunk once", () => {
    const p = checkPartition(oindex(identity([10]), [3, 3, 1]), [4]);
    expect(p.tasks).toHaveLength(1);
    expect(p.tasks[0]!.count).toBe(3);
  });

  it("oindex arrays on different dims are independent sets (outer product of groups)", () => {
    const t = oindex(identity([12, 12]), [11, 0, 6], [1, 7, 2, 7]);
    const p = checkPartition(t, [4, 4]);
    expect(p.tasks).toHaveLength(3 * 2);
    expect(p.tasks.every((x) => x.factors.length === 2)).toBe(true);
  });

  it("mixes of arrays, slices, constants, newaxis", () => {
    const base = identity([7, 8, 9]);
    const ts = [
      vindex(base, slice(null, null, -2), [1, 7, 7], [0, 8, 3]),
      get(base, [[0], [6]], 3, slice(1, null, 3)),
      get(oindex(base, [6, 1], slice(), [8, 0, 4]), slice(), slice(null, null, -3), newaxis),
      compose(get(base, slice(1, 6), newaxis), {
        kind: "mask",
        items: [
          Array.from({ length: 5 }, (_, i) => [
            Array.from({ length: 8 }, (_, j) =>
              Array.from({ length: 9 }, (_, k) => (i + j * k) % 3 === 0),
            ),
          ]),
        ],
      }),
      vindex(vindex(base, [1, 2, 3, 4], slice(), [0, 0, 8, 8]), [3, 0], 5),
    ];
    for (const t of ts)
      for (const ch of [
        [1, 1, 1],
        [2, 3, 4],
        [7, 8, 9],
        [4, 1, 9],
      ])
        checkPartition(t, ch);
  });

  it("huge sparse grids group through sorted unique keys", () => {
    const t = vindex(
      identity([1_000_000, 1_000_000]),
      [999_999, 5, 5, 0],
      [7, 999_998, 999_998, 0],
    );
    const p = partition(t, [1, 1]);
    expect(p.tasks.map((x) => x.coords)).toEqual([
      [0, 0],
      [5, 999_998],
      [999_999, 7],
    ]);
    expect(p.tasks.map((x) => x.count)).toEqual([1, 2, 1]);
  });

  it("groups 200 000 points correctly", () => {
    const n = 200_000;
    const i = Int32Array.from({ length: n }, (_, k) => (k * 7919) % 1000);
    const j = Int32Array.from({ length: n }, (_, k) => (k * 104729) % 997);
    const p = partition(vindex(identity([1000, 997]), i, j), [64, 64]);
    expect(p.tasks.reduce((a, x) => a + x.count, 0)).toBe(n);
    for (const task of p.tasks.slice(0, 20)) {
      for (const [c, o] of elements(task)) {
        const li = Math.floor(c / 64);
        expect(task.coords[0]! * 64 + li).toBe(i[o]);
        expect(task.coords[1]! * 64 + (c - li * 64)).toBe(j[o]);
      }
    }
  });
});

describe("partition: validation and resolve()", () => {
  it("rejects rank or shape mismatches and transforms that leave the source", () => {
    expect(() => partition(identity([4]), [2, 2])).toThrow(RangeError);
    expect(() => partition(identity([4]), [2], [5])).toThrow(RangeError);
    expect(() => partition(identity([4]), [0])).toThrow(RangeError);
    const bad = makeTransform([3], [4], [singleMap(2, 1, 0)]);
    expect(() => partition(bad, [2])).toThrow(/outside \[0, 4\)/);
    expect(() => partition(makeTransform([], [4], [constantMap(-1)]), [2])).toThrow(RangeError);
  });

  it("resolve(lazy) partitions against the source's grid", () => {
    const v = lazy(metadataSource([10, 10], [3, 4])).get(slice(2, 9), [1, 9]);
    expect(resolve(v)).toEqual(partition(v.transform, [3, 4]));
  });

  it("results are frozen", () => {
    const p = partition(get(identity([10]), slice(1, 9)), [4]);
    expect(Object.isFrozen(p)).toBe(true);
    expect(Object.isFrozen(p.tasks)).toBe(true);
    expect(Object.isFrozen(p.tasks[0])).toBe(true);
  });
});
