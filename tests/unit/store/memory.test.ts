import { describe, expect, it } from "vitest";
import { StoreError } from "../../../src/core/errors.js";
import { MemoryStore } from "../../../src/store/memory.js";
import { isListable, isWritable } from "../../../src/store/types.js";
import { describeConditionalContract, describeStoreContract } from "./contract.js";

describeStoreContract("MemoryStore", async () => new MemoryStore());
describeConditionalContract("MemoryStore", async () => new MemoryStore());

describe("MemoryStore", () => {
  it("takes an initial Map or record (copied)", async () => {
    const value = new Uint8Array([1, 2]);
    const fromMap = new MemoryStore(new Map([["a/b", value]]));
    const fromRecord = new MemoryStore({ "zarr.json": new Uint8Array([3]) });
    value[0] = 9;
    expect(await fromMap.get("a/b")).toEqual(new Uint8Array([1, 2]));
    expect(await fromRecord.get("zarr.json")).toEqual(new Uint8Array([3]));
    expect(fromMap.size).toBe(1);
  });

  it("takes initial TypedArrays and DataViews by their bytes and rejects other values", async () => {
    const store = new MemoryStore({
      f: new Float32Array([1]),
      d: new DataView(new Uint8Array([5, 6, 7]).buffer, 1),
    });
    expect(await store.get("f")).toEqual(new Uint8Array(new Float32Array([1]).buffer));
    expect(await store.get("d")).toEqual(new Uint8Array([6, 7]));
    expect(() => new MemoryStore({ s: "abc" as unknown as Uint8Array })).toThrow(
      /Cannot store a string at "s"/,
    );
  });

  it("rejects an initial bad key", () => {
    expect(() => new MemoryStore({ "/abs": new Uint8Array() })).toThrow(StoreError);
  });

  it("stores plain Uint8Array copies of Buffers", async () => {
    const store = new MemoryStore();
    await store.set("b", Buffer.from([1, 2, 3]));
    const out = await store.getRange("b", { offset: 1, length: 1 });
    expect(out).toEqual(new Uint8Array([2]));
    expect(Buffer.isBuffer(await store.get("b"))).toBe(false);
  });

  it("is writable and listable", () => {
    const store = new MemoryStore();
    expect(isWritable(store)).toBe(true);
    expect(isListable(store)).toBe(true);
  });
});
