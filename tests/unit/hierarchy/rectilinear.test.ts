/**
 * Arrays on a rectilinear chunk grid (zarr-extensions chunk-grids/rectilinear): writes, reads of
 * random NumPy selections against a one-chunk reference array, chunk shapes as stored, explain().
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import "../../../src/exec/execute.js";
import { dataType } from "../../../src/core/dtype.js";
import { OptionsError } from "../../../src/core/errors.js";
import type { NDArray } from "../../../src/core/ndarray.js";
import { lazy, plan } from "../../../src/exec/api.js";
import { createArray, openArray, type ZarrArray } from "../../../src/hierarchy/index.js";
import { chunkTaskBound } from "../../../src/index-space/estimate.js";
import type { LazyArray } from "../../../src/index-space/lazy.js";
import { resolve } from "../../../src/index-space/partition.js";
import { slice } from "../../../src/index-space/selection.js";
import type { ArraySource } from "../../../src/index-space/source.js";
import { MemoryStore } from "../../../src/store/memory.js";
import { iota } from "../../helpers/memory-source.js";

const SHAPE = [17, 11];
// Dimension 0: 3, 3, 5, 1, 1, 1, 4 (overflows 17 by 1); dimension 1: a regular step of 4.
const CHUNK_SHAPES = [[[3, 2], 5, [1, 3], 4], 4] as const;

async function setup() {
  const store = new MemoryStore();
  const value = iota(SHAPE, dataType("int32"));
  const rect = await createArray(store, "rect", {
    shape: SHAPE,
    dtype: "int32",
    chunkShapes: CHUNK_SHAPES as never,
    compressor: null,
    fillValue: -1,
  });
  await rect.write(value);
  const ref = await createArray(store, "ref", { shape: SHAPE, dtype: "int32", compressor: null });
  await ref.write(value);
  return { store, rect: await openArray(store, "rect"), ref };
}

const values = (a: NDArray) => Array.from(a.data as Int32Array);

/** One random selection step applied to both views. */
type Step = (v: LazyArray) => LazyArray;

const sliceArb = (n: number) =>
  fc
    .tuple(
      fc.integer({ min: -n - 2, max: n + 2 }),
      fc.integer({ min: -n - 2, max: n + 2 }),
      fc.constantFrom(1, 2, 3, -1, -2, 5),
    )
    .map(([a, b, s]) => slice(a, b, s));
const indexArb = (n: number) =>
  fc.array(fc.integer({ min: 0, max: n - 1 }), { minLength: 1, maxLength: 6 });
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.tuple(sliceArb(SHAPE[0]!), sliceArb(SHAPE[1]!)).map(
    ([a, b]) =>
      (v: LazyArray) =>
        v.get(a, b),
  ),
  fc.tuple(indexArb(SHAPE[0]!), sliceArb(SHAPE[1]!)).map(
    ([a, b]) =>
      (v: LazyArray) =>
        v.get(a, b),
  ),
  fc.tuple(indexArb(SHAPE[0]!), indexArb(SHAPE[1]!)).map(
    ([a, b]) =>
      (v: LazyArray) =>
        v.oindex(a, b),
  ),
  fc.tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 1000 })).map(([n, seed]) => {
    const i = Array.from({ length: n }, (_, k) => (seed * 7 + k * 13) % SHAPE[0]!);
    const j = Array.from({ length: n }, (_, k) => (seed * 3 + k * 5) % SHAPE[1]!);
    return (v: LazyArray) => v.vindex(i, j);
  }),
  fc
    .integer({ min: 0, max: SHAPE[0]! - 1 })
    .map((i) => (v: LazyArray) => v.get(i, slice(null, null, -1))),
);

describe("rectilinear arrays", () => {
  it("writes metadata and stores each chunk at its own edge lengths", async () => {
    const { store, rect } = await setup();
    const doc = JSON.parse(new TextDecoder().decode(await store.get("rect/zarr.json")));
    expect(doc.chunk_grid).toEqual({
      name: "rectilinear",
      configuration: { kind: "inline", chunk_shapes: CHUNK_SHAPES },
    });
    expect(rect.chunkGridShape).toEqual([7, 3]);
    expect(rect.chunkShape).toEqual([5, 4]);
    // Chunk (2, 2): rows 6..10, columns 8..11 of 11 (stored 5 × 4, the last column past the end).
    expect((await store.get("rect/c/2/2"))!.length).toBe(5 * 4 * 4);
    expect((await store.get("rect/c/3/0"))!.length).toBe(1 * 4 * 4);
    const c = (await rect.readChunk([2, 2]))!;
    expect(c.shape).toEqual([5, 4]);
    expect(values(c).slice(0, 4)).toEqual([6 * 11 + 8, 6 * 11 + 9, 6 * 11 + 10, -1]);
    // The last chunk along dimension 0 (4 rows from 16, the array ends at 17).
    expect((await rect.readChunk([6, 0]))!.shape).toEqual([4, 4]);
  });

  it("random selections read as over a one-chunk array (property)", async () => {
    const { rect, ref } = await setup();
    let nonEmpty = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 2 }), async (steps) => {
        let a: LazyArray = rect.lazy();
        let b: LazyArray = ref.lazy();
        try {
          for (const s of steps) b = s(b);
        } catch {
          return; // a selection NumPy refuses too (e.g. an index past a shortened view)
        }
        for (const s of steps) a = s(a);
        const [x, y] = await Promise.all([a.read(), b.read()]);
        expect(x.shape).toEqual(y.shape);
        expect(values(x)).toEqual(values(y));
        if (x.data.length > 0) nonEmpty++;
      }),
      { numRuns: 100 },
    );
    // Random slices are often empty (about 6 runs in 10); enough of them must read something.
    expect(nonEmpty).toBeGreaterThan(10);
  });

  it("random grids: strided and point reads match a one-chunk array (property)", async () => {
    const edgeList = fc.array(
      fc.oneof(
        fc.integer({ min: 1, max: 6 }),
        fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 })),
      ),
      { minLength: 1, maxLength: 6 },
    );
    const entry = fc.oneof(fc.integer({ min: 1, max: 6 }), edgeList);
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(entry, entry),
        fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 })),
        fc.tuple(sliceArb(20), fc.constantFrom(1, 2, -1, -3)),
        fc.array(fc.nat(), { minLength: 1, maxLength: 7 }),
        async (entries, want, [s0, step1], pts) => {
          const sum = (e: (typeof entries)[0], n: number) =>
            typeof e === "number"
              ? n
              : e.reduce<number>((a, x) => a + (typeof x === "number" ? x : x[0] * x[1]), 0);
          const shape = entries.map((e, k) => Math.min(want[k]!, sum(e, want[k]!)));
          const store = new MemoryStore();
          const value = iota(shape, dataType("int32"));
          const rect = await createArray(store, "r", {
            shape,
            dtype: "int32",
            chunkShapes: entries as never,
            compressor: null,
          });
          await rect.write(value);
          const ref = await createArray(store, "f", { shape, dtype: "int32", compressor: null });
          await ref.write(value);
          const i = pts.map((p) => p % shape[0]!);
          const j = pts.map((p) => (p * 7) % shape[1]!);
          const sels: Step[] = [
            (v) => v.get(s0, slice(null, null, step1)),
            (v) => v.vindex(i, j),
            (v) => v.oindex(i, j),
          ];
          for (const [k, sel] of sels.entries()) {
            // The task bound (limits) holds over the grid, and is exact for a box of unit steps.
            const view = sel(rect.lazy());
            const tasks = resolve(view).tasks.length;
            const bound = chunkTaskBound(view.transform, rect.chunkShape, rect.chunkGrid);
            const unit = Math.abs(Number(s0.step)) === 1 && Math.abs(step1) === 1;
            if (k === 0 && unit) expect(bound).toBe(tasks);
            else expect(bound).toBeGreaterThanOrEqual(tasks);
            const [x, y] = await Promise.all([view.read(), sel(ref.lazy()).read()]);
            expect(x.shape).toEqual(y.shape);
            expect(values(x)).toEqual(values(y));
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("partial writes over chunks of different shapes", async () => {
    const { rect, ref } = await setup();
    const patch = iota([9, 5], dataType("int32"));
    for (const a of [rect, ref] as ZarrArray[]) {
      await a.write(patch as never, { start: [5, 3] });
      await a.write(-7, { start: [12, 0], stop: [14, 11] });
    }
    expect(values(await rect.read())).toEqual(values(await ref.read()));
  });

  it("a source without storage (readChunk) reads the same", async () => {
    const { rect, ref } = await setup();
    const source: ArraySource = {
      path: rect.path,
      shape: rect.shape,
      chunkShape: rect.chunkShape,
      chunkGrid: rect.chunkGrid,
      dtype: rect.dtype,
      fillValue: rect.fillValue,
      readChunk: (c, o) => rect.readChunk(c, o),
    };
    const sel = (v: LazyArray) => v.get(slice(2, 16, 3), slice(null, null, -2));
    const [x, y] = await Promise.all([sel(lazy(source)).read(), sel(ref.lazy()).read()]);
    expect(values(x)).toEqual(values(y));
  });

  it("explain() lists the rectilinear chunks a read touches", async () => {
    const { rect } = await setup();
    // Rows 5..8 touch chunks 1 (3..6), 2 (6..11); columns 3..5 touch chunks 0 and 1.
    const p = plan({ r: rect.lazy().get(slice(5, 9), slice(3, 6)) });
    const e = p.explain();
    expect(e.reads.map((r) => [r.layout, r.shape, r.tasks, r.objects])).toEqual([
      ["chunks", [4, 3], 4, 4],
    ]);
    expect(e.requests.map((q) => q.key)).toEqual([
      "rect/c/1/0",
      "rect/c/1/1",
      "rect/c/2/0",
      "rect/c/2/1",
    ]);
    // Each request's size is its chunk's own: 3 × 4 and 5 × 4 int32 elements, uncompressed.
    expect(e.requests.map((q) => q.bytes)).toEqual([48, 48, 80, 80]);
    const out = (await p.read()).r;
    const want: number[] = [];
    for (let r = 5; r < 9; r++) for (let c = 3; c < 6; c++) want.push(r * 11 + c);
    expect(values(out)).toEqual(want);
  });

  it("refuses chunkShapes that do not cover the shape, or with shards", async () => {
    const store = new MemoryStore();
    await expect(
      createArray(store, "x", { shape: [10], dtype: "uint8", chunkShapes: [[3, 3]] }),
    ).rejects.toThrow(OptionsError);
    await expect(
      createArray(store, "x", {
        shape: [10],
        dtype: "uint8",
        chunkShapes: [[[1, 20]]],
        shards: [5],
      }),
    ).rejects.toThrow(/chunkShapes/);
    await expect(
      createArray(store, "x", { shape: [10], dtype: "uint8", chunkShapes: [[[0, 20]]] }),
    ).rejects.toThrow(/chunkShapes\[0\]\[0\]\[0\]/);
  });
});
