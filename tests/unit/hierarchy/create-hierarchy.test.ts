/**
 * `createHierarchy`: whole-tree validation before any write (the store is compared before and
 * after), implicit parents, existing nodes and `overwrite`, one Zarr format, raw documents,
 * `consolidate`, requests bounded by the Context's store limit.
 */
import { describe, expect, it } from "vitest";
import { isZarrPlanError, OptionsError } from "../../../src/core/errors.js";
import { Context } from "../../../src/exec/context.js";
import {
  createArray,
  createGroup,
  createHierarchy,
  isArray,
  openArray,
  openGroup,
} from "../../../src/hierarchy/index.js";
import { MemoryStore } from "../../../src/store/memory.js";
import type { StoreRequestOptions } from "../../../src/store/types.js";

/** Every key and value of a store, for before/after comparisons. */
async function snapshot(store: MemoryStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const k of await store.list(""))
    out.set(k, Buffer.from((await store.get(k))!).toString("hex"));
  return out;
}

const doc = async (store: MemoryStore, key: string) => {
  const b = await store.get(key);
  return b === undefined ? undefined : JSON.parse(new TextDecoder().decode(b));
};

describe("createHierarchy", () => {
  it("creates every node, implicit parents as explicit groups", async () => {
    const store = new MemoryStore();
    const { root, nodes } = await createHierarchy(store, {
      "": { kind: "group", attributes: { title: "t" } },
      a: { kind: "group", attributes: { level: 1 } },
      "a/b": { kind: "array", shape: [4, 6], dtype: "float32", chunks: [2, 3] },
      "x/y/s": { kind: "array", shape: [16], dtype: "int16", chunks: [2], shards: [8] },
    });
    expect(root.kind).toBe("group");
    expect([...nodes.keys()]).toEqual(["", "a", "a/b", "x", "x/y", "x/y/s"]);
    expect(await doc(store, "x/zarr.json")).toEqual({
      zarr_format: 3,
      node_type: "group",
      attributes: {},
    });
    expect((await openGroup(store, "")).attributes).toEqual({ title: "t" });
    expect((await openGroup(store, "a")).attributes).toEqual({ level: 1 });
    const b = await openArray(store, "a/b", { dtype: "float32" });
    expect([b.shape, b.chunks]).toEqual([
      [4, 6],
      [2, 3],
    ]);
    const sharded = await openArray(store, "x/y/s");
    expect([sharded.chunks, sharded.shards]).toEqual([[2], [8]]);
    // The handles are usable as returned.
    const handle = nodes.get("a/b")!;
    expect(isArray(handle) && (await handle.read()).shape).toEqual([4, 6]);
  });

  it("writes what createArray / createGroup write, byte for byte", async () => {
    const spec = { shape: [5], dtype: "uint8" as const, chunks: [2], attributes: { u: 1 } };
    for (const zarrFormat of [2, 3] as const) {
      const viaHierarchy = new MemoryStore();
      await createHierarchy(viaHierarchy, { "g/a": { kind: "array", ...spec } }, { zarrFormat });
      const viaCalls = new MemoryStore();
      await createGroup(viaCalls, "", { zarrFormat });
      await createGroup(viaCalls, "g", { zarrFormat });
      await createArray(viaCalls, "g/a", { ...spec, zarrFormat });
      expect(await snapshot(viaHierarchy)).toEqual(await snapshot(viaCalls));
    }
  });

  it("validates the whole tree before writing anything: every problem in one error, store unchanged", async () => {
    const store = new MemoryStore();
    await createGroup(store, "", { attributes: { keep: true } });
    const before = await snapshot(store);
    const err = await createHierarchy(store, {
      ok: { kind: "array", shape: [2], dtype: "int8", zarrFormat: 3 },
      bad: { kind: "array", shape: [-1], dtype: "int8" },
      arr: { kind: "array", shape: [2], dtype: "int8" },
      "arr/child": { kind: "group" },
      v2: { kind: "group", zarrFormat: 2 },
      what: { kind: "table" } as never,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OptionsError);
    const options = (err as OptionsError).issues.map((i) => i.option).sort();
    expect(options).toEqual([
      'nodes["arr/child"]',
      'nodes["bad"].shape[0]',
      'nodes["v2"].zarrFormat',
      'nodes["what"].kind',
    ]);
    expect(await snapshot(store)).toEqual(before);
  });

  it("refuses two spellings of one path and invalid paths", async () => {
    const store = new MemoryStore();
    await expect(
      createHierarchy(store, { a: { kind: "group" }, "/a/": { kind: "group" } }),
    ).rejects.toBeInstanceOf(OptionsError);
    await expect(createHierarchy(store, { "a/../b": { kind: "group" } })).rejects.toMatchObject({
      code: "ERR_PATH",
    });
    await expect(createHierarchy(store, {})).rejects.toBeInstanceOf(OptionsError);
    expect(await store.list("")).toEqual([]);
  });

  it("an existing node is in the way unless overwrite; an array where a parent is needed always", async () => {
    const store = new MemoryStore();
    const old = await createArray(store, "a", { shape: [4], chunks: [2], dtype: "int32" });
    await old.write(5);
    await createArray(store, "p", { shape: [1], dtype: "int8" });
    const before = await snapshot(store);
    const exists = await createHierarchy(store, {
      a: { kind: "group" },
      b: { kind: "group" },
    }).catch((e: unknown) => e);
    expect(isZarrPlanError(exists, "ERR_NODE_EXISTS")).toBe(true);
    expect((exists as Error).message).toContain('"a"');
    expect(await snapshot(store)).toEqual(before);
    const parent = await createHierarchy(
      store,
      { "p/q": { kind: "group" } },
      { overwrite: true },
    ).catch((e: unknown) => e);
    expect(isZarrPlanError(parent, "ERR_NODE_EXISTS")).toBe(true);
    expect((parent as Error).message).toContain('"p" (an array is where a parent group is needed)');
    expect(await snapshot(store)).toEqual(before);
    // overwrite: the array "a" and its chunks are replaced by a group.
    await createHierarchy(
      store,
      { a: { kind: "group" }, "a/c": { kind: "group" } },
      { overwrite: true },
    );
    expect((await store.list("a/")).sort()).toEqual(["a/c/zarr.json", "a/zarr.json"]);
    // The existing root group is kept as it is (not rewritten).
    expect((await snapshot(store)).get("zarr.json")).toBe(before.get("zarr.json"));
  });

  it("a group of another Zarr format where a parent is needed is in the way", async () => {
    const store = new MemoryStore();
    await createGroup(store, "", { zarrFormat: 2 });
    const err = await createHierarchy(store, { a: { kind: "group" } }).catch((e: unknown) => e);
    expect(isZarrPlanError(err, "ERR_NODE_EXISTS")).toBe(true);
    expect((err as Error).message).toContain("Zarr v2 group");
  });

  it("v2: .zgroup, .zattrs and .zarray", async () => {
    const store = new MemoryStore();
    await createHierarchy(
      store,
      {
        g: { kind: "group", attributes: { a: 1 } },
        "g/x": { kind: "array", shape: [3], dtype: "float64", fillValue: "NaN" },
      },
      { zarrFormat: 2 },
    );
    expect((await store.list("")).sort()).toEqual([
      ".zgroup",
      "g/.zattrs",
      "g/.zgroup",
      "g/x/.zarray",
    ]);
    const x = await openArray(store, "g/x", { dtype: "float64" });
    expect(Number.isNaN(x.fillValue)).toBe(true);
  });

  it("raw metadata documents are written as given", async () => {
    const store = new MemoryStore();
    const zarrJson = {
      zarr_format: 3,
      node_type: "array",
      shape: [2, 2],
      data_type: "uint16",
      chunk_grid: { name: "regular", configuration: { chunk_shape: [1, 2] } },
      chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
      fill_value: 7,
      codecs: [{ name: "bytes", configuration: { endian: "little" } }],
      attributes: { raw: true },
    } as const;
    await createHierarchy(store, { "d/r": zarrJson });
    expect(await doc(store, "d/r/zarr.json")).toEqual(zarrJson);
    const r = await openArray(store, "d/r");
    expect(Array.from((await r.read()).data as Uint16Array)).toEqual([7, 7, 7, 7]);
    const bad = await createHierarchy(store, { q: { ...zarrJson, shape: "x" } as never }).catch(
      (e: unknown) => e,
    );
    expect(isZarrPlanError(bad, "ERR_METADATA")).toBe(true);
  });

  it("consolidate: the root is opened with consolidated metadata, children need no request", async () => {
    const store = new MemoryStore();
    const { root } = await createHierarchy(
      store,
      {
        a: { kind: "group" },
        "a/b": { kind: "array", shape: [2], dtype: "int8" },
      },
      { consolidate: true },
    );
    expect(root.kind === "group" && root.isConsolidated).toBe(true);
    const requests: string[] = [];
    const context = new Context({ onRequest: (e) => requests.push(e.key) });
    const g = await openGroup(store, "", { context });
    expect(g.isConsolidated).toBe(true);
    const b = await g.openArray("a/b");
    expect(b.shape).toEqual([2]);
    expect(requests).toEqual(["zarr.json"]);
  });

  it("writes concurrently, never more at once than the Context's store limit", async () => {
    let inFlight = 0;
    let most = 0;
    class SlowStore extends MemoryStore {
      override async set(key: string, value: Uint8Array, o?: StoreRequestOptions): Promise<void> {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return super.set(key, value, o);
      }
    }
    const store = new SlowStore();
    const context = new Context({ store: { concurrency: 3 } });
    const nodes = Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [`n${i}`, { kind: "group" as const }]),
    );
    await createHierarchy(store, nodes, { context });
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(3);
    expect((await store.list("")).length).toBe(13);
  });
});
