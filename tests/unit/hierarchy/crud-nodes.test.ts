import { describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import {
  MetadataError,
  NodeNotFoundError,
  OptionsError,
  UnknownCodecError,
  ZarrPlanError,
} from "../../../src/core/errors.js";
import { cStrides, type NDArray } from "../../../src/core/ndarray.js";
import { Context } from "../../../src/exec/context.js";
import type { ArrayMetadata, GroupMetadata } from "../../../src/format/model.js";
import {
  createNode,
  deleteNode,
  listChildren,
  readChunk,
  readMetadata,
  writeChunk,
} from "../../../src/hierarchy/crud/index.js";
import { createArray, createGroup, openArray, openGroup } from "../../../src/hierarchy/index.js";
import { MemoryStore } from "../../../src/store/memory.js";
import { writableStores } from "../../helpers/writable-stores.js";

const STORES = writableStores("zp-crud-nodes-");

/** A float32 chunk of `shape` with values `start, start + 1, …`. */
function f32(shape: number[], start = 1): NDArray {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = start + i;
  return { data, shape, strides: cStrides(shape), dtype: dataType("float32") };
}

/** A v3 array model (no codec defaults completed: createNode completes them). */
function v3Array(shape: number[], chunks: number[]): ArrayMetadata {
  return {
    nodeType: "array",
    zarrFormat: 3,
    shape,
    dataType: dataType("float32"),
    chunkShape: chunks,
    fillValue: 0,
    codecs: [{ name: "bytes", configuration: { endian: "little" } }, { name: "gzip" }],
    chunkKeyEncoding: { name: "default", separator: "/" },
    dimensionNames: ["y", "x"],
    attributes: { units: "m" },
  };
}

const V3_DOC = {
  zarr_format: 3,
  node_type: "array",
  shape: [6, 4],
  data_type: "int16",
  chunk_grid: { name: "regular", configuration: { chunk_shape: [3, 2] } },
  chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
  fill_value: -1,
  codecs: [{ name: "bytes", configuration: { endian: "big" } }],
  attributes: { title: "raw v3" },
};

const V2_DOC = {
  zarr_format: 2,
  shape: [5, 5],
  chunks: [2, 3],
  dtype: "<u2",
  fill_value: 7,
  order: "C",
  filters: null,
  compressor: { id: "zlib", level: 1 },
  dimension_separator: ".",
};

for (const [storeName, makeStore] of STORES) {
  describe(`createNode / readMetadata round trips (${storeName})`, () => {
    for (const zarrFormat of [2, 3] as const) {
      it(`v${zarrFormat} group from a model: attributes read back, parents created`, async () => {
        const store = makeStore();
        const meta: GroupMetadata = { nodeType: "group", zarrFormat, attributes: { a: [1, 2] } };
        const made = await createNode(store, "outer/inner", meta);
        expect(made.kind).toBe("group");
        const read = await readMetadata(store, "outer/inner");
        expect(read).toEqual({ kind: "group", metadata: made.metadata });
        expect(read.metadata.attributes).toEqual({ a: [1, 2] });
        expect(read.metadata.zarrFormat).toBe(zarrFormat);
        // The parent became an explicit group of the same format.
        expect(await readMetadata(store, "outer")).toMatchObject({
          kind: "group",
          metadata: { zarrFormat },
        });
        expect((await openGroup(store, "outer/inner")).attributes).toEqual({ a: [1, 2] });
      });

      it(`v${zarrFormat} array from a model: chunks round-trip through writeChunk / readChunk`, async () => {
        const store = makeStore();
        const model: ArrayMetadata =
          zarrFormat === 3
            ? v3Array([4, 6], [2, 3])
            : {
                ...v3Array([4, 6], [2, 3]),
                zarrFormat: 2,
                codecs: [
                  { name: "bytes", configuration: { endian: "little" } },
                  { name: "numcodecs.zlib", configuration: { level: 1 } },
                ],
                chunkKeyEncoding: { name: "v2", separator: "." },
                dimensionNames: null,
              };
        const made = await createNode(store, "arr", model);
        expect(made.kind).toBe("array");
        const read = await readMetadata(store, "arr");
        expect(read.kind).toBe("array");
        const meta = read.metadata as ArrayMetadata;
        expect(meta.shape).toEqual([4, 6]);
        expect(meta.chunkShape).toEqual([2, 3]);
        expect(meta.attributes).toEqual({ units: "m" });
        expect(meta.zarrFormat).toBe(zarrFormat);
        if (zarrFormat === 3) {
          // Codec configurations completed as the codec writes them.
          expect(meta.codecs[1]).toEqual({ name: "gzip", configuration: { level: 5 } });
          expect(meta.dimensionNames).toEqual(["y", "x"]);
        }
        await writeChunk(store, "arr", meta, [1, 1], f32([2, 3], 10));
        const back = await readChunk(store, "arr", meta, [1, 1]);
        expect(Array.from(back!.data as Float32Array)).toEqual([10, 11, 12, 13, 14, 15]);
        const opened = await openArray(store, "arr", { dtype: "float32" });
        const whole = await opened.read();
        // Chunk [1, 1] holds rows 2–3, columns 3–5 of the 4×6 array.
        expect(Array.from(whole.data).slice(15, 18)).toEqual([10, 11, 12]);
        expect(Array.from(whole.data).slice(21, 24)).toEqual([13, 14, 15]);
        expect(Array.from(whole.data).slice(0, 15)).toEqual(new Array(15).fill(0));
      });
    }

    it("raw v3 zarr.json document: parsed, validated and written", async () => {
      const store = makeStore();
      const made = await createNode(store, "raw3", V3_DOC);
      expect(made.kind).toBe("array");
      const meta = made.metadata as ArrayMetadata;
      expect(meta.dataType.name).toBe("int16");
      expect(meta.fillValue).toBe(-1);
      expect(await readMetadata(store, "raw3")).toEqual(made);
      const opened = await openArray(store, "raw3");
      expect(opened.attributes).toEqual({ title: "raw v3" });
      const bytes = await store.get("raw3/zarr.json");
      expect(JSON.parse(new TextDecoder().decode(bytes)).codecs).toEqual([
        { name: "bytes", configuration: { endian: "big" } },
      ]);
    });

    it("raw v2 .zarray with attributes (.zattrs) and raw v2 .zgroup", async () => {
      const store = makeStore();
      await createNode(store, "g", { zarr_format: 2 }, { attributes: { kind: "group" } });
      const made = await createNode(store, "g/a", V2_DOC, { attributes: { long_name: "raw v2" } });
      expect(made.kind).toBe("array");
      const meta = made.metadata as ArrayMetadata;
      expect(meta.fillValue).toBe(7);
      expect(meta.chunkKeyEncoding).toEqual({ name: "v2", separator: "." });
      expect(await readMetadata(store, "g")).toEqual({
        kind: "group",
        metadata: { nodeType: "group", zarrFormat: 2, attributes: { kind: "group" } },
      });
      expect((await readMetadata(store, "g/a")).metadata.attributes).toEqual({
        long_name: "raw v2",
      });
      expect(await store.get("g/a/.zattrs")).toBeDefined();
      // A missing chunk reads as the fill value through the object API.
      const whole = await (await openArray(store, "g/a")).read();
      expect(Array.from(whole.data as Uint16Array)).toEqual(new Array(25).fill(7));
    });

    it("refuses an existing node (ERR_NODE_EXISTS) unless overwrite, which replaces it", async () => {
      const store = makeStore();
      const meta = v3Array([4, 6], [2, 3]);
      await createNode(store, "x", meta);
      await writeChunk(
        store,
        "x",
        (await readMetadata(store, "x")).metadata as ArrayMetadata,
        [0, 0],
        f32([2, 3]),
      );
      const refused = createNode(store, "x", { nodeType: "group", zarrFormat: 3, attributes: {} });
      await expect(refused).rejects.toBeInstanceOf(ZarrPlanError);
      await expect(refused).rejects.toMatchObject({ code: "ERR_NODE_EXISTS" });
      // A node of the other format at the same path is refused too.
      await expect(createNode(store, "x", V2_DOC)).rejects.toMatchObject({
        code: "ERR_NODE_EXISTS",
      });
      expect((await readMetadata(store, "x")).kind).toBe("array");
      const replaced = await createNode(
        store,
        "x",
        { nodeType: "group", zarrFormat: 3, attributes: { new: true } },
        { overwrite: true },
      );
      expect(replaced.kind).toBe("group");
      expect(await store.get("x/c/0/0")).toBeUndefined();
      expect((await readMetadata(store, "x")).metadata.attributes).toEqual({ new: true });
    });

    it("deleteNode removes the node and every key below it", async () => {
      const store = makeStore();
      await createNode(store, "d/e", v3Array([2, 3], [2, 3]));
      await deleteNode(store, "d");
      await expect(readMetadata(store, "d/e")).rejects.toBeInstanceOf(NodeNotFoundError);
      await expect(readMetadata(store, "d")).rejects.toBeInstanceOf(NodeNotFoundError);
      // Only the root group createNode made as the parent remains.
      expect(await store.list("")).toEqual(["zarr.json"]);
    });
  });

  describe(`listChildren (${storeName})`, () => {
    for (const zarrFormat of [2, 3] as const) {
      it(`v${zarrFormat}: arrays and subgroups, sorted by name, with their metadata`, async () => {
        const store = makeStore();
        await createGroup(store, "root", { zarrFormat });
        await createArray(store, "root/b_arr", {
          shape: [3],
          dtype: "int32",
          zarrFormat,
          attributes: { n: 1 },
        });
        await createGroup(store, "root/a_grp", { zarrFormat, attributes: { n: 2 } });
        await createArray(store, "root/a_grp/deeper", { shape: [2], dtype: "uint8", zarrFormat });
        await createGroup(store, "root/c_grp", { zarrFormat });
        const children = await listChildren(store, "root");
        expect(children.map((c) => [c.name, c.path, c.kind])).toEqual([
          ["a_grp", "root/a_grp", "group"],
          ["b_arr", "root/b_arr", "array"],
          ["c_grp", "root/c_grp", "group"],
        ]);
        expect(children[0]!.metadata.attributes).toEqual({ n: 2 });
        const arr = children[1]!;
        expect(arr.kind === "array" && arr.metadata.dataType.name).toBe("int32");
        expect(arr.metadata).toEqual((await readMetadata(store, "root/b_arr")).metadata);
        // The same children as the object API's members().
        const members = await (await openGroup(store, "root")).members();
        expect([...members.keys()]).toEqual(children.map((c) => c.name));
        // The store root lists the group.
        expect((await listChildren(store)).map((c) => c.path)).toEqual(["root"]);
      });
    }

    it("an array is not a group: NodeNotFoundError; a missing path too", async () => {
      const store = makeStore();
      await createArray(store, "arr", { shape: [4], chunks: [2], dtype: "float64" });
      await expect(listChildren(store, "arr")).rejects.toThrow(/is an array, not a group/);
      await expect(listChildren(store, "nothing")).rejects.toBeInstanceOf(NodeNotFoundError);
    });

    it("a child with invalid metadata is left out, or thrown with strict", async () => {
      const store = makeStore();
      await createGroup(store, "g");
      await createGroup(store, "g/ok");
      await store.set("g/bad/zarr.json", new TextEncoder().encode('{"zarr_format": 3}'));
      expect((await listChildren(store, "g")).map((c) => c.name)).toEqual(["ok"]);
      await expect(listChildren(store, "g", { strict: true })).rejects.toBeInstanceOf(
        MetadataError,
      );
    });
  });
}

describe("createNode validates before anything is written", () => {
  it("an invalid raw document: MetadataError naming the key and field, store untouched", async () => {
    const store = new MemoryStore();
    const bad = { ...V3_DOC, shape: [6, -4] };
    const err = await createNode(store, "a/b", bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetadataError);
    expect((err as MetadataError).message).toMatch(/a\/b\/zarr\.json/);
    expect((err as MetadataError).message).toMatch(/shape/);
    expect(await store.list("")).toEqual([]);
  });

  it("an unknown codec: UnknownCodecError, store untouched", async () => {
    const store = new MemoryStore();
    const model = {
      ...v3Array([4], [2]),
      dimensionNames: null,
      codecs: [{ name: "bytes" }, { name: "no-such-codec" }],
    };
    await expect(createNode(store, "u", model)).rejects.toBeInstanceOf(UnknownCodecError);
    expect(await store.list("")).toEqual([]);
  });

  it("neither a model nor a document; an unknown zarr_format; attributes with a v3 document", async () => {
    const store = new MemoryStore();
    await expect(createNode(store, "n", { shape: [1] })).rejects.toBeInstanceOf(MetadataError);
    await expect(
      createNode(store, "n", null as unknown as Record<string, unknown>),
    ).rejects.toBeInstanceOf(MetadataError);
    await expect(createNode(store, "n", { zarr_format: 4 })).rejects.toThrow(/expected 2 or 3/);
    await expect(createNode(store, "n", V3_DOC, { attributes: { a: 1 } })).rejects.toBeInstanceOf(
      OptionsError,
    );
    await expect(
      createNode(store, "n", { nodeType: "group", zarrFormat: 5, attributes: {} } as never),
    ).rejects.toBeInstanceOf(MetadataError);
    await expect(createNode(store, "../n", V3_DOC)).rejects.toMatchObject({ code: "ERR_PATH" });
    expect(await store.list("")).toEqual([]);
  });

  it("a read-only store: ERR_READ_ONLY", async () => {
    const mem = new MemoryStore();
    const readOnly = { get: (key: string) => mem.get(key.replace(/^\//, "")) };
    await expect(createNode(readOnly, "r", V3_DOC)).rejects.toMatchObject({
      code: "ERR_READ_ONLY",
    });
  });

  it("createArray writes through createNode: its metadata is what readMetadata returns", async () => {
    const store = new MemoryStore();
    const context = new Context();
    const arr = await createArray(store, "c", {
      shape: [10, 10],
      chunks: [5, 5],
      dtype: "float32",
      compressor: { name: "blosc" },
      context,
    });
    const read = await readMetadata(store, "c", { context });
    expect(read).toEqual({ kind: "array", metadata: arr.metadata });
    // Copying a node by its metadata: the copy reads the same documents.
    await createNode(store, "copy", read.metadata, { context });
    expect(await store.get("copy/zarr.json")).toEqual(await store.get("c/zarr.json"));
  });
});
