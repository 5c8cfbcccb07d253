/**
 * Behaviour every full {@link Store} must have (Zarr v3 core "Storage"); run against
 * MemoryStore and FileSystemStore.
 */

import { beforeEach, describe, expect, it } from "vitest";
import { AbortError, StoreError, ZarrPlanError } from "../../../src/core/errors.js";
import {
  ABSENT_VERSION,
  type ConditionalStore,
  isConditional,
  type Store,
} from "../../../src/store/types.js";

const bytes = (...values: number[]) => new Uint8Array(values);
const text = (s: string) => new TextEncoder().encode(s);

export function describeStoreContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`${name}: store contract`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await makeStore();
    });

    it("get returns what set stored, undefined for a missing key", async () => {
      await store.set("zarr.json", text("{}"));
      await store.set("a/c/0/1", bytes(1, 2, 3));
      expect(await store.get("zarr.json")).toEqual(text("{}"));
      expect(await store.get("a/c/0/1")).toEqual(bytes(1, 2, 3));
      expect(await store.get("missing")).toBeUndefined();
      expect(await store.get("a/c/0/1/deeper")).toBeUndefined();
      expect(await store.get("a/c")).toBeUndefined(); // a prefix, not a key
    });

    it("stores a copy: mutating the input or the output does not change the value", async () => {
      const value = bytes(1, 2, 3);
      await store.set("k", value);
      value[0] = 9;
      const out = await store.get("k");
      expect(out).toEqual(bytes(1, 2, 3));
      out?.fill(7);
      expect(await store.get("k")).toEqual(bytes(1, 2, 3));
    });

    it("set stores any TypedArray or DataView by its bytes (a copy)", async () => {
      const floats = new Float32Array([1.5, -2]);
      await store.set("f", floats as unknown as Uint8Array);
      expect(await store.get("f")).toEqual(new Uint8Array(floats.buffer));
      expect((await store.get("f"))?.length).toBe(8);
      floats[0] = 7;
      expect(new Float32Array((await store.get("f"))!.buffer)).toEqual(new Float32Array([1.5, -2]));

      const buffer = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]).buffer;
      await store.set("u16", new Uint16Array(buffer, 2, 2) as unknown as Uint8Array);
      expect(await store.get("u16")).toEqual(bytes(2, 3, 4, 5));
      await store.set("dv", new DataView(buffer, 1, 3) as unknown as Uint8Array);
      expect(await store.get("dv")).toEqual(bytes(1, 2, 3));
      await store.set("big", new BigInt64Array([1n]) as unknown as Uint8Array);
      expect((await store.get("big"))?.length).toBe(8);
      await store.set("sub", bytes(9, 8, 7, 6).subarray(1, 3));
      expect(await store.get("sub")).toEqual(bytes(8, 7));
    });

    it("set rejects values that are not bytes with ERR_STORE_VALUE naming key and type", async () => {
      const cases: Array<[unknown, string]> = [
        ["abc", "a string"],
        [[1, 2, 3], "an Array"],
        [new ArrayBuffer(4), "an ArrayBuffer"],
        [undefined, "undefined"],
        [null, "null"],
        [42, "a number"],
        [{ length: 2 }, "an Object"],
      ];
      for (const [value, type] of cases) {
        const error = await store.set("v/k", value as Uint8Array).catch((e: unknown) => e);
        expect(error, type).toBeInstanceOf(ZarrPlanError);
        expect(error, type).toMatchObject({ code: "ERR_STORE_VALUE" });
        expect((error as Error).message, type).toContain('"v/k"');
        expect((error as Error).message, type).toContain(type);
      }
      expect(await store.get("v/k")).toBeUndefined();
      expect(await store.list("")).toEqual([]);
    });

    it("stores empty values and overwrites", async () => {
      await store.set("e", bytes());
      expect(await store.get("e")).toEqual(bytes());
      await store.set("e", bytes(4, 5));
      expect(await store.get("e")).toEqual(bytes(4, 5));
      await store.set("e", bytes(6));
      expect(await store.get("e")).toEqual(bytes(6));
    });

    it("get with maxBytes: a larger value is a non-transient StoreError naming key, size, limit", async () => {
      await store.set("m/x", new Uint8Array(10));
      await store.set("m/empty", bytes());
      expect(await store.get("m/x", { maxBytes: 10 })).toEqual(new Uint8Array(10));
      expect(await store.get("m/x", { maxBytes: Number.POSITIVE_INFINITY })).toHaveLength(10);
      expect(await store.get("m/empty", { maxBytes: 0 })).toEqual(bytes());
      expect(await store.get("m/missing", { maxBytes: 0 })).toBeUndefined();
      const error = await store.get("m/x", { maxBytes: 9 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect(error).toMatchObject({ code: "ERR_STORE", key: "m/x", transient: false });
      expect((error as Error).message).toContain('"m/x"');
      expect((error as Error).message).toContain("10 bytes, more than the limit of 9 bytes");
      await expect(store.get("m/x", { maxBytes: -1 })).rejects.toThrow(RangeError);
      await expect(store.get("m/x", { maxBytes: Number.NaN })).rejects.toThrow(RangeError);
    });

    it("getRange with {offset, length}, clamped to the value", async () => {
      await store.set("r", bytes(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
      expect(await store.getRange("r", { offset: 2, length: 3 })).toEqual(bytes(2, 3, 4));
      expect(await store.getRange("r", { offset: 0, length: 10 })).toEqual(
        bytes(0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
      );
      expect(await store.getRange("r", { offset: 8, length: 5 })).toEqual(bytes(8, 9));
      expect(await store.getRange("r", { offset: 10, length: 5 })).toEqual(bytes());
      expect(await store.getRange("r", { offset: 50, length: 5 })).toEqual(bytes());
      expect(await store.getRange("r", { offset: 3, length: 0 })).toEqual(bytes());
      expect(await store.getRange("missing", { offset: 0, length: 1 })).toBeUndefined();
    });

    it("getRange with {suffixLength}, clamped to the value", async () => {
      await store.set("r", bytes(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
      expect(await store.getRange("r", { suffixLength: 3 })).toEqual(bytes(7, 8, 9));
      expect(await store.getRange("r", { suffixLength: 20 })).toEqual(
        bytes(0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
      );
      expect(await store.getRange("r", { suffixLength: 0 })).toEqual(bytes());
      expect(await store.getRange("missing", { suffixLength: 2 })).toBeUndefined();
    });

    it("getRange rejects invalid ranges with a RangeError", async () => {
      await store.set("r", bytes(1));
      await expect(store.getRange("r", { offset: -1, length: 1 })).rejects.toThrow(RangeError);
      await expect(store.getRange("r", { offset: 0, length: 1.5 })).rejects.toThrow(RangeError);
      await expect(store.getRange("r", { suffixLength: Number.NaN })).rejects.toThrow(RangeError);
    });

    it("delete removes a key; deleting a missing key is fine", async () => {
      await store.set("a/b/c", bytes(1));
      await store.set("a/d", bytes(2));
      await store.delete("a/b/c");
      expect(await store.get("a/b/c")).toBeUndefined();
      expect(await store.get("a/d")).toEqual(bytes(2));
      await store.delete("a/b/c");
      await store.delete("never/was");
      expect(await store.list("")).toEqual(["a/d"]);
    });

    it("list returns every key with the prefix (plain string prefix)", async () => {
      for (const key of ["zarr.json", "a/zarr.json", "a/c/0", "a/c/1", "ab/x", "b/c/0/0"]) {
        await store.set(key, bytes(1));
      }
      expect((await store.list("")).sort()).toEqual(
        ["a/c/0", "a/c/1", "a/zarr.json", "ab/x", "b/c/0/0", "zarr.json"].sort(),
      );
      expect((await store.list("a/")).sort()).toEqual(["a/c/0", "a/c/1", "a/zarr.json"]);
      expect((await store.list("a")).sort()).toEqual(["a/c/0", "a/c/1", "a/zarr.json", "ab/x"]);
      expect((await store.list("a/c/")).sort()).toEqual(["a/c/0", "a/c/1"]);
      expect(await store.list("a/c/1")).toEqual(["a/c/1"]);
      expect(await store.list("nothing/")).toEqual([]);
    });

    it("listDir returns direct children: keys and prefixes", async () => {
      for (const key of ["zarr.json", "a/zarr.json", "a/c/0", "a/c/1", "b/c/0/0"]) {
        await store.set(key, bytes(1));
      }
      const root = await store.listDir("");
      expect(root.keys).toEqual(["zarr.json"]);
      expect(root.prefixes.sort()).toEqual(["a", "b"]);
      const a = await store.listDir("a/");
      expect(a.keys).toEqual(["zarr.json"]);
      expect(a.prefixes).toEqual(["c"]);
      expect(await store.listDir("a/c/")).toEqual({ keys: ["0", "1"], prefixes: [] });
      expect(await store.listDir("a/c")).toEqual({ keys: ["0", "1"], prefixes: [] });
      expect(await store.listDir("missing/")).toEqual({ keys: [], prefixes: [] });
    });

    it("lists prefixes whose segments start with dots (but are not . or ..)", async () => {
      for (const key of [".x/a", "..a/b", ".zattrs", "g/.zattrs", "g/..b/c", "y"]) {
        await store.set(key, bytes(1));
      }
      expect(await store.list(".x")).toEqual([".x/a"]);
      expect(await store.list(".x/")).toEqual([".x/a"]);
      expect(await store.list("..a")).toEqual(["..a/b"]);
      expect(await store.list("..")).toEqual(["..a/b"]);
      expect((await store.list(".")).sort()).toEqual([".x/a", ".zattrs", "..a/b"].sort());
      expect(await store.list(".z")).toEqual([".zattrs"]);
      expect((await store.list("g/.")).sort()).toEqual(["g/..b/c", "g/.zattrs"]);
      expect(await store.list("g/..b/")).toEqual(["g/..b/c"]);
      expect(await store.listDir(".x")).toEqual({ keys: ["a"], prefixes: [] });
      expect(await store.listDir("..a/")).toEqual({ keys: ["b"], prefixes: [] });
      expect(await store.listDir("g")).toEqual({ keys: [".zattrs"], prefixes: ["..b"] });
      for (const prefix of ["./", "../", "./x", "../x", "g/./", "g/../x", "g/.."]) {
        const list = prefix.endsWith("..") ? store.listDir(prefix) : store.list(prefix);
        await expect(list, prefix).rejects.toBeInstanceOf(StoreError);
      }
      await expect(store.listDir(".")).rejects.toBeInstanceOf(StoreError);
      await expect(store.listDir("..")).rejects.toBeInstanceOf(StoreError);
    });

    it("rejects bad keys with a StoreError naming the key", async () => {
      for (const key of ["", "/abs", "a/../b", "..", "a/./b", "a//b", "trailing/"]) {
        const error = await store.set(key, bytes(1)).catch((e: unknown) => e);
        expect(error, key).toBeInstanceOf(StoreError);
        expect((error as StoreError).key).toBe(key);
        await expect(store.get(key), key).rejects.toBeInstanceOf(StoreError);
        await expect(store.getRange(key, { suffixLength: 1 }), key).rejects.toBeInstanceOf(
          StoreError,
        );
        await expect(store.delete(key), key).rejects.toBeInstanceOf(StoreError);
      }
      await expect(store.list("/abs")).rejects.toBeInstanceOf(StoreError);
      await expect(store.list("../x")).rejects.toBeInstanceOf(StoreError);
      await expect(store.listDir("a/../")).rejects.toBeInstanceOf(StoreError);
    });

    it("every method rejects with AbortError when the signal is already aborted", async () => {
      await store.set("k", bytes(1));
      const signal = AbortSignal.abort();
      const calls: Array<[string, () => Promise<unknown>]> = [
        ["get", () => store.get("k", { signal })],
        ["getRange", () => store.getRange("k", { offset: 0, length: 1 }, { signal })],
        ["getRange suffix", () => store.getRange("k", { suffixLength: 1 }, { signal })],
        ["set", () => store.set("k", bytes(2), { signal })],
        ["delete", () => store.delete("k", { signal })],
        ["list", () => store.list("", { signal })],
        ["listDir", () => store.listDir("", { signal })],
      ];
      for (const [method, call] of calls) {
        await expect(call(), method).rejects.toBeInstanceOf(AbortError);
      }
      expect(await store.get("k")).toEqual(bytes(1)); // neither overwritten nor deleted
    });

    it("handles keys with spaces and unicode", async () => {
      await store.set("dir with space/ä €.bin", bytes(5));
      expect(await store.get("dir with space/ä €.bin")).toEqual(bytes(5));
      expect(await store.list("dir with space/")).toEqual(["dir with space/ä €.bin"]);
    });

    it("concurrent sets of different keys all land", async () => {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.set(`c/${i % 4}/${i}`, bytes(i))),
      );
      expect((await store.list("c/")).length).toBe(20);
      expect(await store.get("c/3/7")).toEqual(bytes(7));
    });
  });
}

/**
 * Behaviour of the conditional writes of a {@link ConditionalStore} (compare-and-set on versions);
 * run against MemoryStore and FileSystemStore.
 */
export function describeConditionalContract(
  name: string,
  makeStore: () => Promise<Store & ConditionalStore>,
): void {
  describe(`${name}: conditional store contract`, () => {
    let store: Store & ConditionalStore;
    beforeEach(async () => {
      store = await makeStore();
    });

    it("is conditional; a missing key reads as undefined with ABSENT_VERSION", async () => {
      expect(isConditional(store)).toBe(true);
      expect(await store.getVersioned("a/b")).toEqual({
        value: undefined,
        version: ABSENT_VERSION,
      });
    });

    it("setIf(ABSENT_VERSION) creates a missing key only", async () => {
      expect(await store.setIf("a/k", bytes(1), ABSENT_VERSION)).toBe(true);
      expect(await store.get("a/k")).toEqual(bytes(1));
      expect(await store.setIf("a/k", bytes(2), ABSENT_VERSION)).toBe(false);
      expect(await store.get("a/k")).toEqual(bytes(1));
    });

    it("getVersioned gives the value and a stable version that setIf accepts once", async () => {
      await store.set("k", bytes(1, 2));
      const first = await store.getVersioned("k");
      expect(first.value).toEqual(bytes(1, 2));
      expect(first.version).not.toBe(ABSENT_VERSION);
      expect(typeof first.version).toBe("string");
      expect((await store.getVersioned("k")).version).toBe(first.version);
      expect(await store.setIf("k", bytes(3), first.version)).toBe(true);
      const second = await store.getVersioned("k");
      expect(second.value).toEqual(bytes(3));
      expect(second.version).not.toBe(first.version);
      // the old version no longer matches: nothing written
      expect(await store.setIf("k", bytes(4), first.version)).toBe(false);
      expect(await store.get("k")).toEqual(bytes(3));
      expect(await store.setIf("k", bytes(4), second.version)).toBe(true);
      expect(await store.get("k")).toEqual(bytes(4));
    });

    it("set and delete change the version; a stale version fails", async () => {
      await store.set("k", bytes(1));
      const { version } = await store.getVersioned("k");
      await store.set("k", bytes(2));
      expect(await store.setIf("k", bytes(3), version)).toBe(false);
      expect(await store.deleteIf("k", version)).toBe(false);
      expect(await store.get("k")).toEqual(bytes(2));
      const now = (await store.getVersioned("k")).version;
      await store.delete("k");
      expect(await store.setIf("k", bytes(3), now)).toBe(false);
      expect(await store.get("k")).toBeUndefined();
      expect(await store.setIf("k", bytes(3), ABSENT_VERSION)).toBe(true);
    });

    it("deleteIf deletes only at the expected version; ABSENT_VERSION matches a missing key", async () => {
      await store.set("d/k", bytes(1));
      const { version } = await store.getVersioned("d/k");
      expect(await store.deleteIf("d/k", ABSENT_VERSION)).toBe(false);
      expect(await store.deleteIf("d/k", `${version}x`)).toBe(false);
      expect(await store.get("d/k")).toEqual(bytes(1));
      expect(await store.deleteIf("d/k", version)).toBe(true);
      expect(await store.get("d/k")).toBeUndefined();
      expect(await store.deleteIf("d/k", ABSENT_VERSION)).toBe(true);
      expect(await store.deleteIf("d/k", version)).toBe(false);
      expect(await store.deleteIf("never/was", ABSENT_VERSION)).toBe(true);
      expect(await store.list("")).toEqual([]);
    });

    it("of concurrent setIf calls with the same expected version exactly one wins", async () => {
      await store.set("race", bytes(0));
      const { version } = await store.getVersioned("race");
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store.setIf("race", bytes(i + 1), version)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect(await store.get("race")).toEqual(bytes(winner + 1));
      expect(await store.list("")).toEqual(["race"]);
    });

    it("getVersioned honours maxBytes; setIf rejects values that are not bytes", async () => {
      await store.set("m", new Uint8Array(10));
      expect((await store.getVersioned("m", { maxBytes: 10 })).value).toHaveLength(10);
      await expect(store.getVersioned("m", { maxBytes: 9 })).rejects.toBeInstanceOf(StoreError);
      const error = await store
        .setIf("v", "abc" as unknown as Uint8Array, ABSENT_VERSION)
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "ERR_STORE_VALUE" });
      expect(await store.get("v")).toBeUndefined();
    });

    it("rejects bad keys with a StoreError and an aborted signal with AbortError", async () => {
      await expect(store.getVersioned("/abs")).rejects.toBeInstanceOf(StoreError);
      await expect(store.setIf("a/../b", bytes(1), ABSENT_VERSION)).rejects.toBeInstanceOf(
        StoreError,
      );
      await expect(store.deleteIf("a//b", ABSENT_VERSION)).rejects.toBeInstanceOf(StoreError);
      await store.set("k", bytes(1));
      const { version } = await store.getVersioned("k");
      const signal = AbortSignal.abort();
      await expect(store.getVersioned("k", { signal })).rejects.toBeInstanceOf(AbortError);
      await expect(store.setIf("k", bytes(2), version, { signal })).rejects.toBeInstanceOf(
        AbortError,
      );
      await expect(store.deleteIf("k", version, { signal })).rejects.toBeInstanceOf(AbortError);
      expect(await store.getVersioned("k")).toEqual({ value: bytes(1), version });
      expect(await store.list("")).toEqual(["k"]);
    });
  });
}
