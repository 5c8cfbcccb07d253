/**
 * `updateAttributes` (function and methods) on arrays and groups, v2 (`.zattrs`) and v3
 * (`attributes` of `zarr.json`): merge and replace, every other metadata member kept, concurrent
 * updates on a conditional store all land, conflicts give up with a typed error after 16 tries.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isZarrPlanError, OptionsError, WriteConflictError } from "../../../src/core/errors.js";
import {
  createArray,
  createGroup,
  openArray,
  openGroup,
  updateAttributes,
  ZarrGroup,
} from "../../../src/hierarchy/index.js";
import { FileSystemStore } from "../../../src/store/fs.js";
import { MemoryStore } from "../../../src/store/memory.js";
import type { StoreRequestOptions, StoreVersion } from "../../../src/store/types.js";

const json = async (store: MemoryStore, key: string) => {
  const bytes = await store.get(key);
  return bytes === undefined ? undefined : JSON.parse(new TextDecoder().decode(bytes));
};

describe.each([2, 3] as const)("updateAttributes, zarr v%i", (zarrFormat) => {
  it("merges into an array's attributes by default, replaces with replace: true", async () => {
    const store = new MemoryStore();
    const a = await createArray(store, "a", {
      shape: [4],
      dtype: "int32",
      attributes: { units: "m", scale: 2 },
      zarrFormat,
    });
    const b = await a.updateAttributes({ scale: 3, long_name: "depth" });
    expect(b.attributes).toEqual({ units: "m", scale: 3, long_name: "depth" });
    expect(a.attributes).toEqual({ units: "m", scale: 2 }); // the old handle is unchanged
    expect((await openArray(store, "a")).attributes).toEqual(b.attributes);
    const c = await updateAttributes(b, { only: true }, { replace: true });
    expect(c.attributes).toEqual({ only: true });
    expect((await openArray(store, "a")).attributes).toEqual({ only: true });
  });

  it("updates a group's attributes (also when it had none)", async () => {
    const store = new MemoryStore();
    const g = await createGroup(store, "g", { zarrFormat });
    const h = await g.updateAttributes({ title: "t", nested: { a: [1, 2] } });
    expect(h.kind).toBe("group");
    expect((await openGroup(store, "g")).attributes).toEqual({ title: "t", nested: { a: [1, 2] } });
  });

  it("keeps every other member of the metadata document as stored", async () => {
    const store = new MemoryStore();
    await createArray(store, "a", {
      shape: [3, 2],
      chunks: [2, 2],
      dtype: "int64",
      fillValue: 9007199254740993n, // not a safe integer: must stay exact
      zarrFormat,
      ...(zarrFormat === 3 ? { dimensionNames: ["y", "x"] } : {}),
    });
    const key = zarrFormat === 3 ? "a/zarr.json" : "a/.zarray";
    const before = new TextDecoder().decode(await store.get(key));
    const a = await openArray(store, "a");
    await a.updateAttributes({ k: 1 });
    const after = new TextDecoder().decode(await store.get(key));
    expect(after).toContain("9007199254740993");
    const strip = (t: string) => {
      const o = JSON.parse(t);
      delete o.attributes;
      return o;
    };
    if (zarrFormat === 3) expect(strip(after)).toEqual(strip(before));
    else expect(after).toBe(before); // v2: .zarray untouched, .zattrs written
    expect(await json(store, zarrFormat === 3 ? "a/zarr.json" : "a/.zattrs")).toMatchObject(
      zarrFormat === 3 ? { attributes: { k: 1 } } : { k: 1 },
    );
    expect((await openArray(store, "a")).fillValue).toBe(9007199254740993n);
  });

  it("20 concurrent updates of different keys on a conditional store all land", async () => {
    const store = new MemoryStore();
    const g = await createGroup(store, "", { zarrFormat, attributes: { base: 0 } });
    await Promise.all(Array.from({ length: 20 }, (_, i) => g.updateAttributes({ [`k${i}`]: i })));
    const expected: Record<string, number> = { base: 0 };
    for (let i = 0; i < 20; i++) expected[`k${i}`] = i;
    expect((await openGroup(store, "")).attributes).toEqual(expected);
  });
});

describe("updateAttributes on a FileSystemStore", () => {
  it("concurrent updates of different keys all land (lock file per key)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zarr-plan-attrs-"));
    try {
      const store = new FileSystemStore(dir);
      const a = await createArray(store, "a", { shape: [2], dtype: "uint8" });
      await Promise.all(Array.from({ length: 8 }, (_, i) => a.updateAttributes({ [`k${i}`]: i })));
      const got = (await openArray(new FileSystemStore(dir), "a")).attributes;
      expect(got).toEqual(Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`k${i}`, i])));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A MemoryStore whose metadata document another writer changes before every conditional write. */
class AlwaysRacedStore extends MemoryStore {
  override async setIf(
    key: string,
    value: ArrayBufferView,
    expected: StoreVersion,
    options?: StoreRequestOptions,
  ): Promise<boolean> {
    if (key.endsWith("zarr.json")) await super.set(key, (await super.get(key))!);
    return super.setIf(key, value, expected, options);
  }
}

describe("updateAttributes errors", () => {
  it("gives up with WriteConflictError naming the node and key after 16 conflicting tries", async () => {
    const store = new AlwaysRacedStore();
    const g = await createGroup(store, "g");
    const err = await g.updateAttributes({ a: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WriteConflictError);
    expect(err).toMatchObject({
      path: "g",
      key: "g/zarr.json",
      attempts: 16,
      what: "metadata document",
    });
    expect((await openGroup(store, "g")).attributes).toEqual({});
  }, 20_000);

  it.each([
    ["an array", [1, 2]],
    ["null", null],
    ["a string", "x"],
    ["bytes", new Uint8Array(2)],
  ])("attributes that are %s are an OptionsError naming the node", async (_what, attrs) => {
    const store = new MemoryStore();
    const g = await createGroup(store, "g", { attributes: { keep: 1 } });
    const err = await g.updateAttributes(attrs as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OptionsError);
    expect((err as Error).message).toContain('node "g"');
    expect((await openGroup(store, "g")).attributes).toEqual({ keep: 1 });
  });

  it("an unknown option or a non-boolean replace is an OptionsError", async () => {
    const store = new MemoryStore();
    const g = await createGroup(store, "g");
    await expect(g.updateAttributes({}, { merge: true } as never)).rejects.toBeInstanceOf(
      OptionsError,
    );
    await expect(g.updateAttributes({}, { replace: "yes" } as never)).rejects.toBeInstanceOf(
      OptionsError,
    );
  });

  it("a node that is gone, or now of the other kind, is NodeNotFoundError and nothing is written", async () => {
    const store = new MemoryStore();
    const a = await createArray(store, "n", { shape: [2], dtype: "uint8" });
    await store.delete("n/zarr.json");
    await createGroup(store, "n");
    const err = await a.updateAttributes({ x: 1 }).catch((e: unknown) => e);
    expect(isZarrPlanError(err, "ERR_NODE_NOT_FOUND")).toBe(true);
    expect((await openGroup(store, "n")).attributes).toEqual({});
    const v2 = await createArray(store, "m", { shape: [2], dtype: "uint8", zarrFormat: 2 });
    await store.delete("m/.zarray");
    await expect(v2.updateAttributes({ x: 1 })).rejects.toMatchObject({
      code: "ERR_NODE_NOT_FOUND",
    });
    expect(await store.get("m/.zattrs")).toBeUndefined();
  });

  it("a read-only store is ERR_READ_ONLY", async () => {
    const store = new MemoryStore();
    await createGroup(store, "g");
    const readOnly = { get: store.get.bind(store), getRange: store.getRange.bind(store) };
    const opened = await openGroup(store, "g");
    const g = new ZarrGroup(readOnly as never, "g", opened.metadata);
    const err = await g.updateAttributes({ a: 1 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "ERR_READ_ONLY" });
    expect((err as Error).message).toContain('"g"');
  });

  it("a store without conditional writes: read, merge, set", async () => {
    const store = new MemoryStore();
    await createGroup(store, "g", { attributes: { a: 1 } });
    const plain = {
      get: store.get.bind(store),
      getRange: store.getRange.bind(store),
      set: store.set.bind(store),
      delete: store.delete.bind(store),
    };
    const opened = await openGroup(store, "g");
    const g = new ZarrGroup(plain as never, "g", opened.metadata);
    await g.updateAttributes({ b: 2 });
    expect((await openGroup(store, "g")).attributes).toEqual({ a: 1, b: 2 });
  });
});
