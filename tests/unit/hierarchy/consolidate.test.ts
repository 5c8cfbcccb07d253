/**
 * `consolidateMetadata` writes v2 `.zmetadata` and v3 inline `consolidated_metadata` (zarr-python
 * 3's form) through the Context; a group with one member zarr-plan cannot open (unsupported
 * data type, unknown codec) still opens, lists its other members, and reports that member with
 * its typed error — with and without consolidated metadata.
 */
import { describe, expect, it } from "vitest";
import { NUMERIC_DATA_TYPES } from "../../../src/core/dtype.js";
import {
  MetadataError,
  UnknownCodecError,
  UnsupportedDataTypeError,
  ZarrPlanError,
} from "../../../src/core/errors.js";
import { Context } from "../../../src/exec/context.js";
import {
  consolidateMetadata,
  createArray,
  createGroup,
  openGroup,
} from "../../../src/hierarchy/index.js";
import { MemoryStore } from "../../../src/store/memory.js";
import { diffArrays } from "../../helpers/compare.js";
import { sampleValues } from "../../helpers/write-suite.js";

const json = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
const read = async (s: MemoryStore, key: string) =>
  JSON.parse(new TextDecoder().decode((await s.get(key))!));

async function hierarchy(zarrFormat: 2 | 3): Promise<MemoryStore> {
  const store = new MemoryStore();
  await createGroup(store, "", { zarrFormat, attributes: { title: "root" } });
  const a = await createArray(store, "a", { zarrFormat, shape: [5], chunks: [2], dtype: "int16" });
  await a.write(sampleValues("int16", [5]) as never);
  const b = await createArray(store, "g/h/b", {
    zarrFormat,
    shape: [3, 4],
    chunks: [2, 2],
    dtype: "float64",
    attributes: { units: "m" },
  });
  await b.write(sampleValues("float64", [3, 4]) as never);
  return store;
}

/** v3 metadata of an array whose data type no Zarr implementation knows. */
const unsupportedV3 = {
  zarr_format: 3,
  node_type: "array",
  shape: [2],
  data_type: "made.up.type",
  chunk_grid: { name: "regular", configuration: { chunk_shape: [2] } },
  chunk_key_encoding: { name: "default" },
  fill_value: 0,
  codecs: [{ name: "bytes" }],
};
const unknownCodecV3 = {
  ...unsupportedV3,
  data_type: "uint8",
  codecs: [{ name: "bytes" }, { name: "made.up.codec", configuration: {} }],
};

describe("consolidateMetadata", () => {
  it("v3: writes zarr-python 3's inline form; opens need no further request", async () => {
    const store = await hierarchy(3);
    const context = new Context();
    const log: string[] = [];
    context.onRequest((e) => log.push(e.key));
    const g = await consolidateMetadata(store, "", { context });
    expect(g.isConsolidated).toBe(true);
    expect(log).toContain("zarr.json");
    const doc = await read(store, "zarr.json");
    expect(doc.attributes).toEqual({ title: "root" });
    expect(doc.consolidated_metadata.kind).toBe("inline");
    expect(doc.consolidated_metadata.must_understand).toBe(false);
    const m = doc.consolidated_metadata.metadata;
    expect(Object.keys(m)).toEqual(["a", "g", "g/h", "g/h/b"]);
    expect(m.a).toEqual(await read(store, "a/zarr.json"));
    expect(m["g/h"].consolidated_metadata).toEqual({
      kind: "inline",
      must_understand: false,
      metadata: {},
    });
    const fresh = new Context();
    let requests = 0;
    fresh.onRequest(() => requests++);
    const opened = await openGroup(store, "", { context: fresh });
    const before = requests;
    const b = await opened.openArray("g/h/b", { dtype: "float64" });
    expect(requests).toBe(before);
    expect(b.attributes).toEqual({ units: "m" });
    expect(diffArrays(await b.read(), sampleValues("float64", [3, 4]))).toBeUndefined();
  });

  it("v2: writes .zmetadata with every .zarray/.zgroup/.zattrs", async () => {
    const store = await hierarchy(2);
    const g = await consolidateMetadata(store);
    expect(g.isConsolidated).toBe(true);
    const doc = await read(store, ".zmetadata");
    expect(doc.zarr_consolidated_format).toBe(1);
    expect(Object.keys(doc.metadata)).toEqual([
      ".zattrs",
      ".zgroup",
      "a/.zarray",
      "g/.zgroup",
      "g/h/.zgroup",
      "g/h/b/.zarray",
      "g/h/b/.zattrs",
    ]);
    expect(doc.metadata["g/h/b/.zarray"]).toEqual(await read(store, "g/h/b/.zarray"));
    const b = await (await openGroup(store)).openArray("g/h/b");
    expect(diffArrays(await b.read(), sampleValues("float64", [3, 4]))).toBeUndefined();
  });

  it("consolidates a subgroup only, keyed relative to it", async () => {
    const store = await hierarchy(3);
    await consolidateMetadata(store, "g");
    const doc = await read(store, "g/zarr.json");
    expect(Object.keys(doc.consolidated_metadata.metadata)).toEqual(["h", "h/b"]);
    expect((await read(store, "zarr.json")).consolidated_metadata).toBeUndefined();
  });

  it("refuses an array, a missing node and a bad maxDepth; stops past maxDepth", async () => {
    const store = await hierarchy(3);
    await expect(consolidateMetadata(store, "a")).rejects.toMatchObject({
      code: "ERR_NODE_NOT_FOUND",
    });
    await expect(consolidateMetadata(store, "nope")).rejects.toMatchObject({
      code: "ERR_NODE_NOT_FOUND",
    });
    await expect(consolidateMetadata(store, "", { maxDepth: -1 })).rejects.toMatchObject({
      code: "ERR_OPTIONS",
    });
    await expect(consolidateMetadata(store, "", { maxDepth: 2 })).rejects.toMatchObject({
      code: "ERR_TREE_DEPTH",
    });
  });
});

describe("one unsupported member does not break its group", () => {
  for (const consolidated of [false, true]) {
    const label = consolidated ? "with consolidated metadata" : "without consolidated metadata";
    it(`v3 ${label}: members, tree and open`, async () => {
      const store = await hierarchy(3);
      await store.set("odd/zarr.json", json(unsupportedV3));
      await store.set("g/codec/zarr.json", json(unknownCodecV3));
      if (consolidated) await consolidateMetadata(store);
      const g = await openGroup(store);
      expect(g.isConsolidated).toBe(consolidated);
      const { members, invalid } = await g.inspectMembers();
      expect([...members.keys()]).toEqual(["a", "g"]);
      expect([...invalid.keys()]).toEqual(["odd"]);
      expect(invalid.get("odd")).toBeInstanceOf(UnsupportedDataTypeError);
      expect(invalid.get("odd")!.message).toMatch(/made\.up\.type/);
      expect([...(await g.members()).keys()]).toEqual(["a", "g"]);
      await expect(g.open("odd")).rejects.toBeInstanceOf(UnsupportedDataTypeError);
      await expect(g.open("g/codec")).rejects.toBeInstanceOf(UnknownCodecError);
      const tree = await g.tree();
      expect(tree.invalid?.map((m) => [m.path, m.error.code])).toEqual([
        ["odd", "ERR_UNSUPPORTED_DATA_TYPE"],
      ]);
      const sub = tree.children!.find((c) => c.name === "g")!;
      expect(sub.invalid?.map((m) => [m.path, m.error.code])).toEqual([
        ["g/codec", "ERR_UNKNOWN_CODEC"],
      ]);
      expect(sub.children!.map((c) => c.name)).toEqual(["h"]);
    });
  }

  it("v2 with .zmetadata: an unsupported dtype and an invalid .zarray are reported", async () => {
    const store = await hierarchy(2);
    const zarray = await read(store, "a/.zarray");
    await store.set("odd/.zarray", json({ ...zarray, dtype: "|V8" }));
    await store.set("broken/.zarray", json({ ...zarray, shape: "nope" }));
    await consolidateMetadata(store);
    const g = await openGroup(store);
    const { members, invalid } = await g.inspectMembers();
    expect([...members.keys()]).toEqual(["a", "g"]);
    expect([...invalid.keys()]).toEqual(["broken", "odd"]);
    expect(invalid.get("odd")).toBeInstanceOf(UnsupportedDataTypeError);
    expect(invalid.get("broken")).toBeInstanceOf(MetadataError);
    await expect(g.open("odd")).rejects.toBeInstanceOf(UnsupportedDataTypeError);
    await expect(g.openArray("a")).resolves.toBeDefined();
  });

  it("store errors still propagate (only a member's own metadata is contained)", async () => {
    const store = await hierarchy(3);
    class FailingStore extends MemoryStore {
      override async get(key: string, o?: { signal?: AbortSignal }) {
        if (key === "g/zarr.json") throw new Error("disk on fire");
        return super.get(key, o);
      }
    }
    const failing = new FailingStore();
    for (const k of await store.list("")) await failing.set(k, (await store.get(k))!);
    const g = await openGroup(failing);
    const err = await g.members().catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/disk on fire/);
    expect(err).not.toBeInstanceOf(ZarrPlanError);
  });

  it("every core data type array next to the unsupported one still opens", async () => {
    const store = new MemoryStore();
    await createGroup(store);
    for (const dt of NUMERIC_DATA_TYPES) await createArray(store, dt, { shape: [1], dtype: dt });
    await store.set("zz/zarr.json", json(unsupportedV3));
    const g = await consolidateMetadata(store);
    expect([...(await g.members()).keys()]).toEqual([...NUMERIC_DATA_TYPES].sort());
  });
});
