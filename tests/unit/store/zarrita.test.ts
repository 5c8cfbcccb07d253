import { describe, expect, it } from "vitest";
import { AbortError, StoreError } from "../../../src/core/errors.js";
import { FetchStore } from "../../../src/store/fetch.js";
import { FileSystemStore } from "../../../src/store/fs.js";
import { MemoryStore } from "../../../src/store/memory.js";
import type { RangeQuery } from "../../../src/store/types.js";
import {
  type AbsolutePath,
  asStore,
  fromZarritaStore,
  isZarritaStore,
} from "../../../src/store/zarrita.js";

const DATA = new Uint8Array(20).map((_, i) => i);

/** A zarrita.js-shaped store (like @zarrita/storage's), recording its calls. */
function fakeZarrita(withRange: boolean) {
  const values = new Map<string, Uint8Array>([
    ["/zarr.json", new Uint8Array([123, 125])],
    ["/a/c/0", DATA],
  ]);
  const calls: Array<{ method: string; key: string; options: RequestInit | undefined }> = [];
  const store = {
    async get(key: AbsolutePath, options?: RequestInit) {
      calls.push({ method: "get", key, options });
      options?.signal?.throwIfAborted();
      return values.get(key);
    },
    ...(withRange && {
      async getRange(key: AbsolutePath, range: RangeQuery, options?: RequestInit) {
        calls.push({ method: "getRange", key, options });
        const value = values.get(key);
        if (value === undefined) return undefined;
        return "suffixLength" in range
          ? value.slice(Math.max(0, value.length - range.suffixLength))
          : value.slice(range.offset, range.offset + range.length);
      },
    }),
  };
  return { store, calls };
}

describe("fromZarritaStore", () => {
  it("prepends / to keys and passes the signal", async () => {
    const { store, calls } = fakeZarrita(true);
    const adapted = fromZarritaStore(store);
    const signal = new AbortController().signal;
    expect(await adapted.get("zarr.json", { signal })).toEqual(new Uint8Array([123, 125]));
    expect(await adapted.get("missing")).toBeUndefined();
    expect(calls[0]).toEqual({ method: "get", key: "/zarr.json", options: { signal } });
    expect(calls[1]).toEqual({ method: "get", key: "/missing", options: undefined });
  });

  it("uses getRange when present", async () => {
    const { store, calls } = fakeZarrita(true);
    const adapted = fromZarritaStore(store);
    expect(await adapted.getRange("a/c/0", { offset: 2, length: 3 })).toEqual(DATA.slice(2, 5));
    expect(await adapted.getRange("a/c/0", { suffixLength: 4 })).toEqual(DATA.slice(16));
    expect(await adapted.getRange("nope", { suffixLength: 4 })).toBeUndefined();
    expect(calls.map((c) => `${c.method} ${c.key}`)).toEqual([
      "getRange /a/c/0",
      "getRange /a/c/0",
      "getRange /nope",
    ]);
  });

  it("falls back to get + slice without getRange", async () => {
    const { store, calls } = fakeZarrita(false);
    const adapted = fromZarritaStore(store);
    expect(await adapted.getRange("a/c/0", { offset: 2, length: 3 })).toEqual(DATA.slice(2, 5));
    expect(await adapted.getRange("a/c/0", { suffixLength: 4 })).toEqual(DATA.slice(16));
    expect(await adapted.getRange("a/c/0", { offset: 18, length: 10 })).toEqual(DATA.slice(18));
    expect(await adapted.getRange("nope", { offset: 0, length: 1 })).toBeUndefined();
    expect(calls.every((c) => c.method === "get")).toBe(true);
  });

  it("slices a getRange answer that is the whole value", async () => {
    const adapted = fromZarritaStore({
      get: async () => DATA,
      getRange: async () => DATA, // like zarrita's FetchStore on a 200 answer
    });
    expect(await adapted.getRange("x", { offset: 5, length: 2 })).toEqual(DATA.slice(5, 7));
    expect(await adapted.getRange("x", { suffixLength: 2 })).toEqual(DATA.slice(18));
  });

  it("accepts a Map with absolute keys (synchronous get)", async () => {
    const adapted = fromZarritaStore(new Map([["/k", DATA]]));
    expect(await adapted.get("k")).toEqual(DATA);
    expect(await adapted.getRange("k", { suffixLength: 1 })).toEqual(new Uint8Array([19]));
  });

  it("maps errors: abort → AbortError, other → StoreError with cause", async () => {
    const { store } = fakeZarrita(true);
    const adapted = fromZarritaStore(store);
    await expect(adapted.get("zarr.json", { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(
      AbortError,
    );
    const cause = new Error("boom");
    const failing = fromZarritaStore({
      get: () => Promise.reject(cause),
    });
    const error = await failing.get("a/b").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ key: "a/b", cause });
    const aborting = fromZarritaStore({
      get: () => Promise.reject(new DOMException("stop", "AbortError")),
    });
    await expect(aborting.get("a/b")).rejects.toBeInstanceOf(AbortError);
  });

  it("rejects bad keys with a StoreError", async () => {
    const adapted = fromZarritaStore(fakeZarrita(true).store);
    await expect(adapted.get("/zarr.json")).rejects.toBeInstanceOf(StoreError);
    await expect(adapted.getRange("../x", { suffixLength: 1 })).rejects.toBeInstanceOf(StoreError);
  });
});

describe("asStore / isZarritaStore", () => {
  it("returns zarr-plan stores unchanged", () => {
    const memory = new MemoryStore();
    const fs = new FileSystemStore("/tmp/never-created-zarr-plan");
    const fetchStore = new FetchStore("http://127.0.0.1:1/data/");
    expect(asStore(memory)).toBe(memory);
    expect(asStore(fs)).toBe(fs);
    expect(asStore(fetchStore)).toBe(fetchStore);
    const adapted = fromZarritaStore(new Map());
    expect(asStore(adapted)).toBe(adapted);
    expect(isZarritaStore(memory)).toBe(false);
  });

  it("wraps zarrita-shaped stores", async () => {
    const { store } = fakeZarrita(false);
    expect(isZarritaStore(store)).toBe(true);
    const wrapped = asStore(store);
    expect(wrapped).not.toBe(store);
    expect(await wrapped.get("a/c/0")).toEqual(DATA);
  });

  it("throws a TypeError for anything else", () => {
    for (const value of [
      null,
      undefined,
      42,
      "http://x/",
      {},
      { get: 1 },
      { get() {}, getRange: 2 },
    ]) {
      expect(() => asStore(value)).toThrow(TypeError);
      expect(isZarritaStore(value)).toBe(false);
    }
    expect(() => asStore("data.zarr")).toThrow(/FileSystemStore/);
  });
});
