/**
 * `ZarrArray.write` on a store with conditional writes: partially covered chunks are stored with
 * `setIf` / `deleteIf` at the version they were read at, and a conflict re-reads and merges again.
 * (The two-process test is `concurrent-writes.test.ts`.)
 */
import { describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import { isZarrPlanError, WriteConflictError } from "../../../src/core/errors.js";
import { Context } from "../../../src/exec/context.js";
import type { RequestLogEntry } from "../../../src/exec/scheduler.js";
import { createArray } from "../../../src/hierarchy/index.js";
import { MemoryStore } from "../../../src/store/memory.js";
import type { StoreRequestOptions, StoreVersion } from "../../../src/store/types.js";

const int32 = dataType("int32");
const nd = (values: number[]) => ({
  data: Int32Array.from(values),
  shape: [values.length],
  strides: [1],
  dtype: int32,
});
const values = async (a: { read(): Promise<{ data: unknown }> }) =>
  Array.from((await a.read()).data as Int32Array);

/**
 * A MemoryStore where another writer gets in first: before each of the first `times` conditional
 * writes of a chunk key, `interfere(key)` runs (it changes the chunk).
 */
class RacedStore extends MemoryStore {
  conditionalWrites = 0;
  constructor(
    private readonly times: number,
    private readonly interfere: (store: MemoryStore, key: string) => Promise<void>,
  ) {
    super();
  }
  override async setIf(
    key: string,
    value: ArrayBufferView,
    expected: StoreVersion,
    options?: StoreRequestOptions,
  ): Promise<boolean> {
    await this.#race(key);
    return super.setIf(key, value, expected, options);
  }
  override async deleteIf(
    key: string,
    expected: StoreVersion,
    options?: StoreRequestOptions,
  ): Promise<boolean> {
    await this.#race(key);
    return super.deleteIf(key, expected, options);
  }
  async #race(key: string): Promise<void> {
    if (!key.includes("/c/")) return;
    if (this.conditionalWrites++ < this.times) await this.interfere(this, key);
  }
}

/** A Context keeping its request log. */
function logged() {
  const log: RequestLogEntry[] = [];
  return { context: new Context({ onRequest: (e) => log.push(e) }), log };
}

describe("ZarrArray.write on a conditional store", () => {
  it("stores partial chunks with setIf at the version read, full chunks with set", async () => {
    const store = new MemoryStore();
    const { context, log } = logged();
    const a = await createArray(store, "a", { shape: [8], chunks: [4], dtype: "int32", context });
    log.length = 0;
    // [1, 7): chunk 0 ([0, 4)) and chunk 1 ([4, 8)) are both partly covered
    await a.write(nd([1, 2, 3, 4, 5, 6]), { start: [1] });
    expect(log.map((e) => `${e.op} ${e.key} ${e.outcome}`)).toEqual([
      "getVersioned a/c/0 missing",
      "getVersioned a/c/1 missing",
      "setIf a/c/0 ok",
      "setIf a/c/1 ok",
    ]);
    expect(await values(a)).toEqual([0, 1, 2, 3, 4, 5, 6, 0]);
    log.length = 0;
    await a.write(nd([9, 9, 9, 9]), { start: [4] }); // chunk 1 fully covered
    expect(log.map((e) => `${e.op} ${e.key}`)).toEqual(["set a/c/1"]);
    log.length = 0;
    await a.write(0, { start: [1], stop: [4] }); // chunk 0 becomes all fill: deleteIf
    expect(log.map((e) => `${e.op} ${e.key} ${e.outcome}`)).toEqual([
      "getVersioned a/c/0 ok",
      "deleteIf a/c/0 ok",
    ]);
    expect(await store.get("a/c/0")).toBeUndefined();
    expect(await values(a)).toEqual([0, 0, 0, 0, 9, 9, 9, 9]);
  });

  it("a conflict re-reads the chunk and merges again: the other writer's values stay", async () => {
    // Before each of our first 3 tries, another writer stores its own half of the chunk.
    let round = 0;
    const store = new RacedStore(3, async (s, key) => {
      round++;
      const { value } = await s.getVersioned(key);
      const chunk = value ? new Int32Array(value.slice().buffer) : new Int32Array(8);
      chunk.fill(100 + round, 4, 8); // the other writer's half, as raw int32 (codec: none)
      await s.set(key, new Uint8Array(chunk.buffer));
    });
    const { context, log } = logged();
    const a = await createArray(store, "a", {
      shape: [8],
      chunks: [8],
      dtype: "int32",
      compressor: null,
      context,
    });
    log.length = 0;
    await a.write(nd([1, 2, 3, 4]), { start: [0] });
    expect(log.filter((e) => e.op === "setIf").map((e) => e.outcome)).toEqual([
      "conflict",
      "conflict",
      "conflict",
      "ok",
    ]);
    expect(log.filter((e) => e.op === "getVersioned")).toHaveLength(4);
    expect(await values(a)).toEqual([1, 2, 3, 4, 103, 103, 103, 103]);
  });

  it("gives up after 16 tries with WriteConflictError naming array and key; the chunk keeps the other writer's value", async () => {
    const store = new RacedStore(Number.POSITIVE_INFINITY, async (s, key) => {
      await s.set(key, new Uint8Array(new Int32Array(8).fill(7).buffer));
    });
    const a = await createArray(store, "g/a", {
      shape: [8],
      chunks: [8],
      dtype: "int32",
      compressor: null,
      context: new Context(),
    });
    const error = await a.write(5, { start: [0], stop: [2] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteConflictError);
    expect(isZarrPlanError(error, "ERR_WRITE_CONFLICT")).toBe(true);
    expect(error).toMatchObject({ path: "g/a", key: "g/a/c/0", attempts: 16 });
    expect((error as Error).message).toContain('array "g/a"');
    expect((error as Error).message).toContain('"g/a/c/0"');
    expect(store.conditionalWrites).toBe(16);
    expect(await values(a)).toEqual([7, 7, 7, 7, 7, 7, 7, 7]);
  });

  it("concurrent writes of different parts of one chunk, in one process, lose nothing", async () => {
    for (const sharded of [false, true]) {
      const store = new MemoryStore();
      const { context, log } = logged();
      const a = await createArray(store, "a", {
        shape: [8, 8],
        chunks: sharded ? [2, 2] : [8, 8],
        ...(sharded ? { shards: [8, 8] } : {}),
        dtype: "int32",
        context,
      });
      await Promise.all(
        Array.from({ length: 8 }, (_, row) =>
          a.write(row + 1, { start: [row, 0], stop: [row + 1, 8] }),
        ),
      );
      const got = await values(a);
      expect(got, sharded ? "sharded" : "plain").toEqual(
        Array.from({ length: 64 }, (_, i) => Math.floor(i / 8) + 1),
      );
      expect(await store.list("a/c")).toEqual(["a/c/0/0"]);
      // the writers did race: some conditional writes found the chunk changed
      expect(log.some((e) => e.outcome === "conflict")).toBe(true);
    }
  });

  it("a codec failure still stores nothing (every chunk is encoded first)", async () => {
    const store = new MemoryStore();
    const a = await createArray(store, "a", { shape: [8], chunks: [4], dtype: "int32" });
    await a.write(nd([1, 2, 3, 4, 5, 6, 7, 8]));
    const before = await values(a);
    // Every encode (on the calling thread or through the decode workers) starts with encodeArray.
    const encodeArray = a.pipeline.encodeArray.bind(a.pipeline);
    let calls = 0;
    a.pipeline.encodeArray = async (chunk, ctx) => {
      if (++calls === 2) throw new Error("boom");
      return encodeArray(chunk, ctx);
    };
    await expect(a.write(nd([9, 9, 9, 9, 9, 9]), { start: [1] })).rejects.toThrow("boom");
    expect(await values(a)).toEqual(before);
  });
});
