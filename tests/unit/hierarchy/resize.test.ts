/**
 * `ZarrArray.resize` / `resizeArray` and `append` / `appendArray`: grow, shrink, shrink then grow
 * (the cut region reads as fill_value), chunks outside the new shape deleted (keys counted in a
 * MemoryStore), sharded arrays, v2 and v3, rectilinear grids, bad input. Expected values are
 * computed here from plain JavaScript arrays, independently of the library.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import { isZarrPlanError, OptionsError } from "../../../src/core/errors.js";
import { Context } from "../../../src/exec/context.js";
import {
  appendArray,
  createArray,
  openArray,
  resizeArray,
  updateAttributes,
  type ZarrArray,
} from "../../../src/hierarchy/index.js";
import { MemoryStore } from "../../../src/store/memory.js";

const int32 = dataType("int32");

/** A C-order int32 NDArray of `shape` whose element at flat index i is `f(i)`. */
function nd(shape: number[], f: (i: number) => number) {
  const n = shape.reduce((a, b) => a * b, 1);
  const strides = shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
  return { data: Int32Array.from({ length: n }, (_, i) => f(i)), shape, strides, dtype: int32 };
}

async function values(a: ZarrArray): Promise<number[]> {
  return Array.from((await a.read()).data as Int32Array);
}

/** Chunk keys of array `path` in `store` (metadata documents left out), sorted. */
async function chunkKeys(store: MemoryStore, path: string): Promise<string[]> {
  const keys = await store.list(`${path}/`);
  return keys.filter((k) => !/(zarr\.json|\.zarray|\.zattrs|\.zgroup)$/.test(k)).sort();
}

/** Row-major 2-D contents as nested arrays (for readable expectations). */
function rows(flat: number[], cols: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < flat.length; i += cols) out.push(flat.slice(i, i + cols));
  return out;
}

describe.each([2, 3] as const)("resize, zarr v%i", (zarrFormat) => {
  it("grows: old values stay, the new region reads as fill_value, no chunk is written", async () => {
    const store = new MemoryStore();
    const a = await createArray(store, "a", {
      shape: [3, 4],
      chunks: [2, 3],
      dtype: "int32",
      fillValue: -1,
      zarrFormat,
    });
    await a.write(nd([3, 4], (i) => i));
    const before = await chunkKeys(store, "a");
    const b = await a.resize([5, 5]);
    expect(b.shape).toEqual([5, 5]);
    expect(a.shape).toEqual([3, 4]); // the old handle keeps its metadata
    expect(await chunkKeys(store, "a")).toEqual(before);
    expect(rows(await values(b), 5)).toEqual([
      [0, 1, 2, 3, -1],
      [4, 5, 6, 7, -1],
      [8, 9, 10, 11, -1],
      [-1, -1, -1, -1, -1],
      [-1, -1, -1, -1, -1],
    ]);
    const reopened = await openArray(store, "a");
    expect(reopened.shape).toEqual([5, 5]);
  });

  it("shrinks: chunks wholly outside are deleted; shrink then grow reads fill in the cut region", async () => {
    const store = new MemoryStore();
    const a = await createArray(store, "a", {
      shape: [6, 6],
      chunks: [4, 4],
      dtype: "int32",
      fillValue: 0,
      zarrFormat,
    });
    await a.write(nd([6, 6], (i) => i + 1));
    expect(await chunkKeys(store, "a")).toHaveLength(4);
    const small = await a.resize([3, 2]);
    // Only chunk (0, 0) is left: the grid over [3, 2] with chunks [4, 4] has one chunk.
    expect(await chunkKeys(store, "a")).toHaveLength(1);
    expect(rows(await values(small), 2)).toEqual([
      [1, 2],
      [7, 8],
      [13, 14],
    ]);
    const big = await small.resize([6, 6]);
    const expected = Array.from({ length: 36 }, (_, i) => {
      const [r, c] = [Math.floor(i / 6), i % 6];
      return r < 3 && c < 2 ? i + 1 : 0;
    });
    expect(await values(big)).toEqual(expected);
  });

  it("append along axis 0 and axis 1 (and a negative axis)", async () => {
    const store = new MemoryStore();
    let a = await createArray(store, "a", {
      shape: [2, 3],
      chunks: [2, 2],
      dtype: "int32",
      zarrFormat,
    });
    await a.write(nd([2, 3], (i) => i));
    a = await a.append(nd([1, 3], (i) => 10 + i)); // axis 0
    expect(a.shape).toEqual([3, 3]);
    a = await appendArray(
      a,
      nd([3, 2], (i) => 20 + i),
      1,
    );
    expect(a.shape).toEqual([3, 5]);
    a = await a.append(
      nd([3, 1], (i) => 30 + i),
      -1,
    );
    expect(rows(await values(a), 6)).toEqual([
      [0, 1, 2, 20, 21, 30],
      [3, 4, 5, 22, 23, 31],
      [10, 11, 12, 24, 25, 32],
    ]);
  });
});

describe("concurrent appends on a conditional store", () => {
  it("10 appends at once each get their own slot", async () => {
    const store = new MemoryStore();
    const a = await createArray(store, "log", { shape: [0], chunks: [4], dtype: "int32" });
    await Promise.all(
      Array.from({ length: 10 }, (_, k) => a.append(nd([3], (i) => 100 * (k + 1) + i))),
    );
    const b = await openArray(store, "log");
    expect(b.shape).toEqual([30]);
    const got = await values(b);
    // Each append's three values are contiguous, in some order of the appends.
    const blocks = Array.from({ length: 10 }, (_, j) => got.slice(3 * j, 3 * j + 3));
    const expected = Array.from({ length: 10 }, (_, k) => [0, 1, 2].map((i) => 100 * (k + 1) + i));
    expect([...blocks].sort((x, y) => x[0]! - y[0]!)).toEqual(expected);
  });
});

describe("resize of a sharded array", () => {
  it("deletes shards outside, clears the cut part of a straddling shard", async () => {
    const store = new MemoryStore();
    const a = await createArray(store, "s", {
      shape: [16],
      chunks: [2],
      shards: [8],
      dtype: "int32",
      fillValue: 0,
    });
    await a.write(nd([16], (i) => i + 1));
    expect(await chunkKeys(store, "s")).toEqual(["s/c/0", "s/c/1"]);
    const small = await resizeArray(a, [5]);
    expect(await chunkKeys(store, "s")).toEqual(["s/c/0"]);
    expect(await values(small)).toEqual([1, 2, 3, 4, 5]);
    const big = await small.resize([12]);
    expect(await values(big)).toEqual([1, 2, 3, 4, 5, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe("resize against a model (property)", () => {
  it("any sequence of resizes reads like the same edits of a plain array", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 })), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.integer({ min: 1, max: 4 }),
        async (shapes, chunk) => {
          const store = new MemoryStore();
          let a = await createArray(store, "p", {
            shape: [5, 5],
            chunks: [chunk, chunk],
            dtype: "int32",
            fillValue: 7,
          });
          await a.write(nd([5, 5], (i) => i));
          // The model: a map of (row, col) → value for the cells that still hold data.
          let model = new Map<string, number>();
          for (let i = 0; i < 25; i++) model.set(`${Math.floor(i / 5)},${i % 5}`, i);
          for (const [r, c] of shapes) {
            a = await a.resize([r, c]);
            model = new Map(
              [...model].filter(([k]) => {
                const [x, y] = k.split(",").map(Number);
                return x! < r && y! < c;
              }),
            );
            const got = await values(a);
            const want = Array.from(
              { length: r * c },
              (_, i) => model.get(`${Math.floor(i / c)},${i % c}`) ?? 7,
            );
            expect(got).toEqual(want);
          }
          // Nothing outside the final grid is left behind.
          const [r, c] = shapes[shapes.length - 1]!;
          const grid = [Math.ceil(r / chunk), Math.ceil(c / chunk)];
          for (const k of await chunkKeys(store, "p")) {
            const [, , i, j] = k.split("/").map(Number);
            expect(i! < grid[0]! && j! < grid[1]!).toBe(true);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("resize keeps the rest of the metadata document", () => {
  it("only shape changes; attributes updated concurrently on a conditional store are kept", async () => {
    const store = new MemoryStore();
    const a = await createArray(store, "a", {
      shape: [4],
      dtype: "int32",
      attributes: { units: "m" },
      dimensionNames: ["x"],
    });
    const before = JSON.parse(new TextDecoder().decode(await store.get("a/zarr.json")));
    await Promise.all([a.resize([10]), updateAttributes(a, { long_name: "depth" })]);
    const after = JSON.parse(new TextDecoder().decode(await store.get("a/zarr.json")));
    expect(after).toEqual({
      ...before,
      shape: [10],
      attributes: { units: "m", long_name: "depth" },
    });
    expect(Object.keys(after)).toEqual(Object.keys(before));
  });

  it("goes through the Context: every request is in its log", async () => {
    const store = new MemoryStore();
    const ops: string[] = [];
    const context = new Context({ onRequest: (e) => ops.push(`${e.op} ${e.key}`) });
    const a = await createArray(store, "a", { shape: [4], chunks: [2], dtype: "int32", context });
    await a.write(nd([4], (i) => i + 1));
    ops.length = 0;
    await a.resize([1]);
    expect(ops).toEqual([
      "getVersioned a/zarr.json",
      "getVersioned a/c/0",
      "setIf a/c/0",
      "delete a/c/1",
      "setIf a/zarr.json",
    ]);
  });
});

describe("resize of a rectilinear grid", () => {
  it("shrinks and grows within the declared chunk edges; refuses past them", async () => {
    const store = new MemoryStore();
    const a = await createArray(store, "r", {
      shape: [10],
      chunkShapes: [[3, 3, 4, 5]],
      dtype: "int32",
    });
    await a.write(nd([10], (i) => i + 1));
    const small = await a.resize([4]);
    expect(await chunkKeys(store, "r")).toEqual(["r/c/0", "r/c/1"]);
    const grown = await small.resize([15]);
    expect(await values(grown)).toEqual([1, 2, 3, 4, ...new Array(11).fill(0)]);
    const err = await grown.resize([16]).catch((e: unknown) => e);
    expect(isZarrPlanError(err, "ERR_UNSUPPORTED")).toBe(true);
    expect((err as Error).message).toContain('array "r"');
    expect((await openArray(store, "r")).shape).toEqual([15]);
  });
});

describe("bad input is a typed error and changes nothing", () => {
  it.each([
    [[4, 4], "rank"],
    [[-1], "negative"],
    [[1.5], "fraction"],
    [[Number.NaN], "NaN"],
    [["3"], "string"],
  ] as const)("resize to %j (%s)", async (shape, _why) => {
    const store = new MemoryStore();
    const a = await createArray(store, "bad", { shape: [4], chunks: [2], dtype: "int32" });
    await a.write(nd([4], (i) => i + 1));
    const snapshot = await store.list("");
    const err = await a.resize(shape as unknown as number[]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OptionsError);
    expect((err as Error).message).toContain('array "bad"');
    expect(await store.list("")).toEqual(snapshot);
    expect(await values(await openArray(store, "bad"))).toEqual([1, 2, 3, 4]);
  });

  it("append with a mismatching shape, data type or axis", async () => {
    const store = new MemoryStore();
    const a = await createArray(store, "x", { shape: [2, 3], dtype: "int32" });
    const snapshot = await store.list("");
    const wrongShape = await a.append(nd([1, 2], () => 1)).catch((e: unknown) => e);
    expect(isZarrPlanError(wrongShape, "ERR_WRITE")).toBe(true);
    expect((wrongShape as Error).message).toContain('array "x"');
    const f = dataType("float32");
    const wrongType = await a
      .append({ data: new Float32Array(3), shape: [1, 3], strides: [3, 1], dtype: f } as never)
      .catch((e: unknown) => e);
    expect(isZarrPlanError(wrongType, "ERR_WRITE")).toBe(true);
    const wrongAxis = await a
      .append(
        nd([1, 3], () => 1),
        2,
      )
      .catch((e: unknown) => e);
    expect(wrongAxis).toBeInstanceOf(OptionsError);
    expect(await store.list("")).toEqual(snapshot);
  });

  it("resize of an array whose metadata is gone", async () => {
    const store = new MemoryStore();
    const a = await createArray(store, "gone", { shape: [4], dtype: "int32" });
    await store.delete("gone/zarr.json");
    const err = await a.resize([8]).catch((e: unknown) => e);
    expect(isZarrPlanError(err, "ERR_NODE_NOT_FOUND")).toBe(true);
  });
});
