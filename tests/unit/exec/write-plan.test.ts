/**
 * Write plans on sharded and chunked arrays: exact object and request counts (a fully covered
 * shard is written without any read, a shard touched by many writes is written once with its
 * untouched inner chunks copied as stored), fill-valued chunks deleted, NumPy assignment rules
 * (broadcasting, last write wins, dtype and shape errors), and explain() before IO.
 */
import { describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import { isZarrPlanError } from "../../../src/core/errors.js";
import { cStrides, type NDArray } from "../../../src/core/ndarray.js";
import { planWrite } from "../../../src/exec/api.js";
import { Context } from "../../../src/exec/context.js";
import type { RequestLogEntry } from "../../../src/exec/scheduler.js";
import { createArray } from "../../../src/hierarchy/index.js";
import { slice } from "../../../src/index-space/selection.js";
import { MemoryStore } from "../../../src/store/memory.js";

const f32 = dataType("float32");
const nd = (shape: number[], f: (i: number) => number): NDArray<"float32"> => {
  const n = shape.reduce((p, s) => p * s, 1);
  return {
    data: Float32Array.from({ length: n }, (_, i) => f(i)),
    shape,
    strides: cStrides(shape),
    dtype: f32,
  };
};

/** A sharded 16×16 float32 array (shards 8×8 of 4×4 inner chunks) with a request log. */
async function sharded() {
  const log: RequestLogEntry[] = [];
  const context = new Context({ decodeWorkers: { workers: 0 }, onRequest: (e) => log.push(e) });
  const store = new MemoryStore();
  const a = await createArray(store, "s", {
    shape: [16, 16],
    chunks: [4, 4],
    shards: [8, 8],
    dtype: "float32",
    context,
  });
  log.length = 0;
  return { a, log, store, context };
}

const ops = (log: readonly RequestLogEntry[]) => log.map((e) => `${e.op} ${e.key}`);

describe("write plans on sharded arrays", () => {
  it("a fully covered shard is written with one set and no read (not even its index)", async () => {
    const { a, log } = await sharded();
    const r = await a
      .lazy()
      .get(slice(0, 8), slice(8, 16))
      .write(nd([8, 8], (i) => i + 1));
    expect(ops(log)).toEqual(["set s/c/0/1"]);
    expect(r).toMatchObject({ stored: 1, deleted: 0, read: 0, innerEncoded: 4, innerCopied: 0 });
    const back = await a.lazy().get(slice(0, 8), slice(8, 16)).read();
    expect(Array.from(back.data)).toEqual(Array.from({ length: 64 }, (_, i) => i + 1));
  });

  it("a shard touched by many writes is read once and written once; untouched inner chunks are copied as stored", async () => {
    const { a, log, store } = await sharded();
    await a
      .lazy()
      .get(slice(0, 8), slice(0, 8))
      .write(nd([8, 8], (i) => 1000 + i));
    const before = (await store.get("s/c/0/0"))!;
    log.length = 0;
    const w = planWrite([
      { target: a.lazy().get(0, slice(0, 2)), value: 1 },
      { target: a.lazy().vindex([1, 2, 1], [1, 2, 1]), value: nd([3], (i) => -i - 1) },
      { target: a.lazy().oindex([0, 1], [0, 1]), value: 5 },
    ]);
    expect(w.optimized.objects).toHaveLength(1);
    expect(w.optimized.objects[0]!.inner.map((n) => n.index)).toEqual([0]);
    const r = await w.write();
    // One read (the whole shard, versioned: MemoryStore has conditional writes), one store.
    expect(ops(log)).toEqual(["getVersioned s/c/0/0", "setIf s/c/0/0"]);
    expect(r).toMatchObject({ stored: 1, read: 1, innerEncoded: 1, innerCopied: 3 });
    // The three untouched inner chunks keep their stored bytes exactly.
    const after = (await store.get("s/c/0/0"))!;
    const ctx = { key: "s/c/0/0" };
    const sh = a.pipeline.sharding!;
    const { indexBytesOf } = await import("../../../src/format/codecs/index.js");
    const iBefore = await sh.decodeIndex(indexBytesOf(sh, before, ctx.key), ctx, before.length);
    const iAfter = await sh.decodeIndex(indexBytesOf(sh, after, ctx.key), ctx, after.length);
    for (const i of [1, 2, 3]) {
      const b = before.subarray(iBefore.offset(i), iBefore.offset(i) + iBefore.nbytes(i));
      const c = after.subarray(iAfter.offset(i), iAfter.offset(i) + iAfter.nbytes(i));
      expect(Buffer.from(c).equals(Buffer.from(b))).toBe(true);
    }
    // NumPy: the oindex write (last) wins on [0..1]×[0..1]; vindex point (2,2) keeps -2.
    const got = await a.lazy().get(slice(0, 3), slice(0, 3)).read();
    expect(Array.from(got.data)).toEqual([5, 5, 1002, 5, 5, 1000 + 8 + 2, 1016, 1017, -2]);
  });

  it("repeated vindex points: the last value wins", async () => {
    const { a } = await sharded();
    await a
      .lazy()
      .vindex([3, 3, 3], [4, 4, 4])
      .write(nd([3], (i) => i + 10));
    expect(Array.from((await a.lazy().get(3, 4).read()).data)).toEqual([12]);
  });

  it("writing the fill value everywhere in a shard deletes it; inner chunks of fill are left out", async () => {
    const { a, log, store } = await sharded();
    await a
      .lazy()
      .get(slice(0, 8), slice(0, 8))
      .write(nd([8, 8], (i) => (i < 4 ? 1 : 0)));
    // Only inner chunk 0 holds non-fill values: the shard holds one inner chunk.
    const shard = (await store.get("s/c/0/0"))!;
    const sh = a.pipeline.sharding!;
    const { indexBytesOf } = await import("../../../src/format/codecs/index.js");
    const idx = await sh.decodeIndex(indexBytesOf(sh, shard, "k"), { key: "k" }, shard.length);
    expect([0, 1, 2, 3].map((i) => idx.isEmpty(i))).toEqual([false, true, true, true]);
    log.length = 0;
    const r = await a.lazy().get(slice(0, 4), slice(0, 4)).write(0);
    expect(r).toMatchObject({ deleted: 1, stored: 0 });
    expect(ops(log)).toEqual(["getVersioned s/c/0/0", "deleteIf s/c/0/0"]);
    expect(await store.get("s/c/0/0")).toBeUndefined();
  });

  it("explain() before IO: objects, reads, inner chunks", async () => {
    const { a, log } = await sharded();
    const w = planWrite([
      { target: a.lazy().get(slice(0, 8), slice(0, 8)), value: 1 },
      { target: a.lazy().get(slice(8, 10), slice(0, 16)), value: 2 },
    ]);
    const e = w.explain();
    expect(log).toHaveLength(0);
    expect(e).toMatchObject({ writes: 2, objects: 3, reads: 2 });
    expect(e.arrays[0]).toMatchObject({
      kind: "shards",
      objects: 3,
      full: 1,
      readModifyWrite: 2,
      innerEncoded: 4 + 2 + 2,
      innerMerged: 4,
      innerCopiedAtMost: 4,
      elements: 64 + 32,
    });
    expect(w.explainText()).toContain("requests before writing: 2 whole-object reads");
  });

  it('explain() names a store without a location by its class (regression: was "undefined s")', async () => {
    const { a } = await sharded();
    const e = planWrite([{ target: a.lazy().get(0, 0), value: 1 }]).explain();
    expect(e.arrays[0]!.array).toBe("MemoryStore s");
  });
});

describe("NumPy assignment rules", () => {
  it("broadcasts lower-rank and length-1 values; refuses shapes that do not broadcast", async () => {
    const { a } = await sharded();
    await a
      .lazy()
      .get(slice(0, 3), slice(0, 4))
      .write(nd([4], (i) => i));
    await a
      .lazy()
      .get(slice(3, 5), slice(0, 4))
      .write(nd([2, 1], (i) => 9 + i));
    const got = await a.lazy().get(slice(0, 5), slice(0, 4)).read();
    expect(Array.from(got.data)).toEqual([
      0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 9, 9, 9, 9, 10, 10, 10, 10,
    ]);
    expect(() =>
      planWrite([{ target: a.lazy().get(slice(0, 3), slice(0, 4)), value: nd([3], (i) => i) }]),
    ).toThrow(/could not broadcast shape \[3\] into the selection's shape \[3,4\]/);
  });

  it("refuses another data type and unrepresentable scalars before any IO", async () => {
    const { a, log } = await sharded();
    const f64 = { data: new Float64Array(4), shape: [4], strides: [1], dtype: dataType("float64") };
    const err = (() => {
      try {
        planWrite([{ target: a.lazy().get(0, slice(0, 4)), value: f64 }]);
      } catch (e) {
        return e;
      }
    })();
    expect(isZarrPlanError(err) && err.code).toBe("ERR_WRITE");
    expect(String(err)).toMatch(/array "s".*float64.*float32/);
    const i8 = await createArray(new MemoryStore(), "i", {
      shape: [4],
      chunks: [2],
      dtype: "int8",
    });
    await expect(async () => i8.lazy().write(300)).rejects.toMatchObject({ code: "ERR_VALUE" });
    expect(log).toHaveLength(0);
  });

  it("a number written into a bool array is its truth value, NaN included (NumPy: a[0] = nan is True)", async () => {
    const b = await createArray(new MemoryStore(), "b", { shape: [4], chunks: [4], dtype: "bool" });
    await b.lazy().get(0).write(Number.NaN);
    await b.lazy().get(1).write(0.5);
    await b.lazy().get(2).write(-0);
    expect(Array.from((await b.read()).data as Uint8Array)).toEqual([1, 1, 0, 0]);
  });

  it("writes several arrays in one plan", async () => {
    const { a, context } = await sharded();
    const b = await createArray(new MemoryStore(), "b", {
      shape: [6],
      chunks: [4],
      dtype: "float32",
      context,
    });
    const r = await planWrite([
      { target: a.lazy().get(15, 15), value: 3 },
      { target: b.lazy().get(slice(1, 6)), value: nd([5], (i) => i) },
    ]).write();
    expect(r.stored).toBe(3);
    expect(Array.from((await b.read()).data)).toEqual([0, 0, 1, 2, 3, 4]);
    expect(Array.from((await a.lazy().get(15, 15).read()).data)).toEqual([3]);
  });

  it("bounded memory: batches of objects when maxBytesInMemory is small, same result", async () => {
    const { a, log } = await sharded();
    const r = await a.lazy().write(
      nd([16, 16], (i) => i),
      { maxBytesInMemory: 1, concurrency: 2 },
    );
    expect(r.stored).toBe(4);
    expect(log.filter((e) => e.op === "set")).toHaveLength(4);
    expect(Array.from((await a.read()).data)).toEqual(Array.from({ length: 256 }, (_, i) => i));
  });

  it("a stored object larger than its codecs can produce is refused before it is merged (read-modify-write)", async () => {
    const { FileSystemStore } = await import("../../../src/store/fs.js");
    const { mkdir, mkdtemp, writeFile, rm } = await import("node:fs/promises");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const root = await mkdtemp(join(tmpdir(), "zp-write-"));
    try {
      const store = new FileSystemStore(root);
      const a = await createArray(store, "u", {
        shape: [8],
        chunks: [4],
        dtype: "float32",
        compressor: null,
      });
      // A 16-byte chunk can only be 16 bytes: a 1 MiB file at its key is hostile.
      await mkdir(join(root, "u/c"), { recursive: true });
      await writeFile(join(root, "u/c/0"), new Uint8Array(1 << 20));
      const err = await a
        .lazy()
        .get(slice(0, 2))
        .write(1)
        .catch((e: unknown) => e);
      expect(isZarrPlanError(err)).toBe(true);
      expect(String(err)).toMatch(/u\/c\/0.*1048576 bytes, more than the limit of 16 bytes/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
