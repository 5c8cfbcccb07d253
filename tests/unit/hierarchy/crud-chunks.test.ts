/**
 * The functional chunk and region API (`zarr-plan/crud`): readChunk / writeChunk / deleteChunk by
 * (store, path, metadata) on MemoryStore and FileSystemStore, v2 and v3, sharded; the object
 * API's chunk IO is the same code; readRegion equals `ZarrArray.lazy()` reads on bundled
 * fixtures written by zarr-python and tensorstore; listChildren on fixture hierarchies.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import { IndexError } from "../../../src/core/errors.js";
import { cStrides, type NDArray } from "../../../src/core/ndarray.js";
import { Context } from "../../../src/exec/context.js";
import type { ArrayMetadata } from "../../../src/format/model.js";
import {
  deleteChunk,
  listChildren,
  readChunk,
  readMetadata,
  readRegion,
  writeChunk,
} from "../../../src/hierarchy/crud/index.js";
import { createArray, openArray, openGroup } from "../../../src/hierarchy/index.js";
import type { SelectionItem } from "../../../src/index-space/selection.js";
import { ellipsis, newaxis, slice } from "../../../src/index-space/selection.js";
import { FileSystemStore } from "../../../src/store/fs.js";
import { MemoryStore } from "../../../src/store/memory.js";
import { diffArrays } from "../../helpers/compare.js";
import { writableStores } from "../../helpers/writable-stores.js";

const FIXTURES = join(import.meta.dirname, "../../../data/fixtures");

const STORES = writableStores("zp-crud-chunks-");

/** An int32 NDArray of `shape` with values `start, start + 1, …`. */
function i32(shape: number[], start = 1): NDArray<"int32"> {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Int32Array(n);
  for (let i = 0; i < n; i++) data[i] = start + i;
  return { data, shape, strides: cStrides(shape), dtype: dataType("int32") };
}

for (const [storeName, makeStore] of STORES) {
  describe(`readChunk / writeChunk / deleteChunk (${storeName})`, () => {
    for (const zarrFormat of [2, 3] as const) {
      it(`v${zarrFormat}: write, read back, fill chunk deleted, delete; same bytes as the object API`, async () => {
        const store = makeStore();
        const arr = await createArray(store, "a", {
          shape: [5, 7],
          chunks: [2, 3],
          dtype: "int32",
          fillValue: -1,
          zarrFormat,
        });
        const { metadata } = (await readMetadata(store, "a")) as { metadata: ArrayMetadata };
        expect(await readChunk(store, "a", metadata, [0, 0])).toBeUndefined();
        const chunk = i32([2, 3], 100);
        await writeChunk(store, "a", metadata, [2, 2], chunk);
        const back = await readChunk(store, "a", metadata, [2, 2]);
        expect(diffArrays(back!, chunk)).toBeUndefined();
        // The object API reads the chunk the functional API wrote, and vice versa.
        expect(diffArrays((await arr.readChunk([2, 2]))!, chunk)).toBeUndefined();
        await arr.writeChunk([0, 1], i32([2, 3], 7));
        expect(diffArrays((await readChunk(store, "a", metadata, [0, 1]))!, i32([2, 3], 7))).toBe(
          undefined,
        );
        // Edge chunk [2, 2] covers rows 4, columns 6 of the array.
        const whole = await arr.read();
        expect(whole.data[4 * 7 + 6]).toBe(100);
        // A chunk of fill values is deleted, not stored.
        const key = arr.chunkKey([2, 2]);
        expect(await store.get(key)).toBeDefined();
        await writeChunk(store, "a", metadata, [2, 2], {
          ...i32([2, 3]),
          data: new Int32Array(6).fill(-1),
        });
        expect(await store.get(key)).toBeUndefined();
        await deleteChunk(store, "a", metadata, [0, 1]);
        expect(await store.get(arr.chunkKey([0, 1]))).toBeUndefined();
        expect(await readChunk(store, "a", metadata, [0, 1])).toBeUndefined();
      });
    }

    it("sharded v3 array: a whole shard written and read by shard coordinates", async () => {
      const store = makeStore();
      const arr = await createArray(store, "s", {
        shape: [8, 8],
        chunks: [2, 2],
        shards: [4, 4],
        dtype: "int32",
      });
      const { metadata } = (await readMetadata(store, "s")) as { metadata: ArrayMetadata };
      expect(metadata.chunkShape).toEqual([4, 4]);
      const shard = i32([4, 4], 1);
      await writeChunk(store, "s", metadata, [1, 0], shard);
      expect(await store.get("s/c/1/0")).toBeDefined();
      expect(diffArrays((await readChunk(store, "s", metadata, [1, 0]))!, shard)).toBeUndefined();
      // Read through the planner (partial shard reads): rows 4–7, columns 0–3.
      const region = await readRegion(store, "s", metadata, [slice(4, 8), slice(0, 4)]);
      expect(diffArrays(region, shard)).toBeUndefined();
      const inner = await arr.lazy().get(5, slice(2, 4)).read();
      expect(Array.from(inner.data)).toEqual([7, 8]);
    });

    it("coordinates outside the grid: IndexError naming the array and dimension", async () => {
      const store = makeStore();
      await createArray(store, "g", { shape: [5], chunks: [2], dtype: "int32" });
      const { metadata } = (await readMetadata(store, "g")) as { metadata: ArrayMetadata };
      for (const coords of [[3], [-1], [0.5], [0, 0], []]) {
        const e = await readChunk(store, "g", metadata, coords).catch((x: unknown) => x);
        expect(e, JSON.stringify(coords)).toBeInstanceOf(IndexError);
        expect((e as IndexError).message).toMatch(/array "g"/);
      }
      await expect(writeChunk(store, "g", metadata, [3], i32([2]))).rejects.toBeInstanceOf(
        IndexError,
      );
      await expect(deleteChunk(store, "g", metadata, [9])).rejects.toBeInstanceOf(IndexError);
      await expect(
        readChunk(store, "g", { nodeType: "group" } as unknown as ArrayMetadata, [0]),
      ).rejects.toThrow(/expected an array's metadata/);
    });

    it("a chunk of the wrong shape or an invalid NDArray is refused before anything is stored", async () => {
      const store = makeStore();
      await createArray(store, "w", { shape: [4], chunks: [2], dtype: "int32" });
      const { metadata } = (await readMetadata(store, "w")) as { metadata: ArrayMetadata };
      await expect(writeChunk(store, "w", metadata, [0], i32([3]))).rejects.toThrow(/shape/);
      await expect(
        writeChunk(store, "w", metadata, [0], { ...i32([2]), data: new Int32Array(1) }),
      ).rejects.toMatchObject({ code: "ERR_WRITE" });
      expect(await store.get("w/c/0")).toBeUndefined();
    });
  });
}

describe("writeChunk on a read-only store", () => {
  it("ERR_READ_ONLY naming the array", async () => {
    const mem = new MemoryStore();
    await createArray(mem, "r", { shape: [2], dtype: "int32" });
    const { metadata } = (await readMetadata(mem, "r")) as { metadata: ArrayMetadata };
    const readOnly = { get: (key: string) => mem.get(key.replace(/^\//, "")) };
    await expect(writeChunk(readOnly, "r", metadata, [0], i32([2]))).rejects.toMatchObject({
      code: "ERR_READ_ONLY",
      message: expect.stringMatching(/array "r"/),
    });
    await expect(deleteChunk(readOnly, "r", metadata, [0])).rejects.toMatchObject({
      code: "ERR_READ_ONLY",
    });
    // Reads work through it.
    expect(await readChunk(readOnly, "r", metadata, [0])).toBeUndefined();
  });
});

interface ManifestGroup {
  store: string;
  path: string;
  groups: string[];
  arrays: string[];
  consolidated: string | null;
}
const manifest = JSON.parse(readFileSync(join(FIXTURES, "manifest.json"), "utf8")) as {
  groups: ManifestGroup[];
};

const SELECTIONS: [string, SelectionItem[]][] = [
  ["everything", []],
  ["one row", [3]],
  ["negative index and step", [-2, slice(null, null, -3)]],
  ["strided box", [slice(1, 9, 2), slice(2, 12, 3)]],
  ["ellipsis and newaxis", [ellipsis, newaxis, slice(5, 6)]],
];

const FIXTURE_ARRAYS = [
  "v3/zarr-python/sharded_index_end_int32.zarr",
  "v3/tensorstore/sharded_index_start_float32.zarr",
  "v2/zarr-python/dtype_int16.zarr",
];

describe("readRegion equals ZarrArray.lazy() reads on fixtures", () => {
  for (const fixture of FIXTURE_ARRAYS) {
    for (const [name, selection] of SELECTIONS) {
      it(`${fixture}: ${name}`, async () => {
        const store = new FileSystemStore(join(FIXTURES, fixture));
        const { kind, metadata } = await readMetadata(store, "");
        expect(kind).toBe("array");
        const region = await readRegion(store, "", metadata as ArrayMetadata, selection);
        const arr = await openArray(store, "");
        const expected = await arr
          .lazy()
          .get(...selection)
          .read();
        expect(region.shape).toEqual(expected.shape);
        expect(region.shape.length).toBeGreaterThan(0);
        expect(diffArrays(region, expected)).toBeUndefined();
      });
    }
    it(`${fixture}: oindex and vindex`, async () => {
      const store = new FileSystemStore(join(FIXTURES, fixture));
      const arr = await openArray(store, "");
      const rows = [0, 2, 7];
      const cols = [1, 4, 10];
      const o = await readRegion(store, "", arr.metadata, [rows, cols], { indexing: "oindex" });
      expect(o.shape).toEqual([3, 3]);
      expect(diffArrays(o, await arr.lazy().oindex(rows, cols).read())).toBeUndefined();
      const v = await readRegion(store, "", arr.metadata, [rows, cols], { indexing: "vindex" });
      expect(v.shape).toEqual([3]);
      expect(diffArrays(v, await arr.lazy().vindex(rows, cols).read())).toBeUndefined();
    });
  }
});

describe("listChildren on fixture hierarchies (zarr-python v2 and v3, consolidated or not)", () => {
  const groups = manifest.groups.filter((g) => /group_(hierarchy|consolidated)/.test(g.store));
  it("there are fixture groups to list", () => {
    expect(groups.length).toBeGreaterThanOrEqual(20);
  });
  for (const g of groups) {
    it(`${g.store} "${g.path}"`, async () => {
      const store = new FileSystemStore(join(FIXTURES, g.store));
      const children = await listChildren(store, g.path);
      expect(children.filter((c) => c.kind === "group").map((c) => c.name)).toEqual(
        [...g.groups].sort(),
      );
      expect(children.filter((c) => c.kind === "array").map((c) => c.name)).toEqual(
        [...g.arrays].sort(),
      );
      const members = await (await openGroup(store, g.path)).members();
      expect(children.map((c) => c.name)).toEqual([...members.keys()]);
      for (const c of children) expect(c.metadata).toEqual(members.get(c.name)!.metadata);
    });
  }

  it("a consolidated root is listed from its zarr.json alone (one request)", async () => {
    const store = new FileSystemStore(join(FIXTURES, "v3/zarr-python/group_consolidated.zarr"));
    const keys: string[] = [];
    const context = new Context({ onRequest: (e) => keys.push(e.key) });
    const children = await listChildren(store, "", { context });
    expect(children.map((c) => c.name)).toEqual(["grp_a", "grp_c", "root_int32"]);
    expect(keys).toEqual(["zarr.json"]);
    context.close();
  });
});
