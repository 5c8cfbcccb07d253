/**
 * The pure optimizer: reads → objects (chunks, shards, inner chunks) → requests; dedup across reads
 * and arrays; whole-shard reads; phase 2 (shard index → coalesced inner-chunk ranges). No IO here:
 * arrays are created in a MemoryStore for their metadata and codecs only.
 */
import { describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import { lazy, plan } from "../../../src/exec/api.js";
import { createArray, openArray } from "../../../src/hierarchy/index.js";
import { slice } from "../../../src/index-space/selection.js";
import { optimize, shardReads, worstCaseBytes } from "../../../src/plan/optimize.js";
import { MemoryStore } from "../../../src/store/memory.js";
import { metadataSource } from "../../helpers/memory-source.js";

describe("optimize: chunked arrays", () => {
  it("one GET per touched chunk, in storage order", async () => {
    const s = new MemoryStore();
    const a = await createArray(s, "a", {
      shape: [10, 10],
      chunks: [5, 5],
      dtype: "int32",
      compressor: null,
    });
    const p = plan({ x: a.lazy().get(slice(3, 7), slice(0, 2)) });
    const o = p.optimized;
    expect(o.stores).toEqual([s]);
    expect(o.arrays[0]!.layout).toBe("chunks");
    expect(o.objects.map((b) => b.key)).toEqual(["a/c/0/0", "a/c/1/0"]);
    expect(o.fetches.map((f) => [f.kind, f.key, f.bytes])).toEqual([
      ["chunk", "a/c/0/0", 100],
      ["chunk", "a/c/1/0", 100],
    ]);
    expect(o.partialShards).toEqual([]);
  });

  it("reads each chunk once for overlapping reads of the same and of another opened array", async () => {
    const s = new MemoryStore();
    const a = await createArray(s, "a", { shape: [10], chunks: [4], dtype: "int32" });
    const again = await openArray(s, "a");
    const p = plan({
      x: a.lazy().get(slice(0, 6)),
      y: a.lazy().get(slice(2, 10)),
      z: again.lazy().get([1, 9]),
    });
    const o = p.optimized;
    expect(o.arrays.length).toBe(2);
    expect(o.objects.map((b) => [b.key, b.reads])).toEqual([
      ["a/c/0", [0, 1, 2]],
      ["a/c/1", [0, 1]],
      ["a/c/2", [1, 2]],
    ]);
    expect(o.fetches.length).toBe(3);
    expect(o.objects[0]!.taskCount).toBe(3);
  });

  it("separate stores are separate objects even for equal keys", async () => {
    const s1 = new MemoryStore();
    const s2 = new MemoryStore();
    const a = await createArray(s1, "a", { shape: [4], chunks: [4], dtype: "uint8" });
    const b = await createArray(s2, "a", { shape: [4], chunks: [4], dtype: "uint8" });
    const p = plan({ a: a.lazy(), b: b.lazy() });
    expect(p.optimized.stores.length).toBe(2);
    expect(p.optimized.objects.map((o) => [o.store, o.key])).toEqual([
      [0, "a/c/0"],
      [1, "a/c/0"],
    ]);
  });

  it("sources without storage are read through readChunk", () => {
    const src = metadataSource([6], [4], dataType("float64"));
    const o = optimize([{ name: "m", source: src, transform: lazy(src).transform }]);
    expect(o.arrays[0]!.layout).toBe("source");
    expect(o.objects.map((b) => [b.kind, b.store, b.coords])).toEqual([
      ["source", -1, [0]],
      ["source", -1, [1]],
    ]);
  });

  it("empty selections need nothing", async () => {
    const s = new MemoryStore();
    const a = await createArray(s, "a", { shape: [8], chunks: [4], dtype: "uint8" });
    const p = plan({ e: a.lazy().get(slice(3, 3)) });
    expect(p.optimized.objects).toEqual([]);
    expect(p.explain().roundTrips).toBe(0);
  });
});

describe("optimize: sharded arrays", () => {
  async function sharded(
    shape: number[],
    chunks: number[],
    shards: number[],
    loc: "start" | "end" = "end",
  ) {
    const s = new MemoryStore();
    return createArray(s, "s", {
      shape,
      chunks,
      shards,
      dtype: "uint16",
      compressor: null,
      indexLocation: loc,
    });
  }

  it("a fully needed shard is one whole GET, no index read", async () => {
    const a = await sharded([16], [4], [8]);
    const p = plan({ x: a.lazy().get(slice(0, 8)) });
    const o = p.optimized;
    expect(o.arrays[0]!.layout).toBe("shards");
    expect(o.objects.length).toBe(1);
    expect(o.objects[0]!.whole).toBe(true);
    expect(o.objects[0]!.inner.map((n) => n.index)).toEqual([0, 1]);
    expect(o.fetches.map((f) => f.kind)).toEqual(["shard"]);
  });

  it("a partially needed shard needs its index (suffix or prefix range)", async () => {
    const end = await sharded([16], [4], [8]);
    const pe = plan({ x: end.lazy().get(slice(9, 11)) }, { maxGap: 0 });
    expect(pe.optimized.fetches.map((f) => [f.kind, f.key, f.range])).toEqual([
      ["index", "s/c/1", { suffixLength: 2 * 16 + 4 }],
    ]);
    const start = await sharded([16], [4], [8], "start");
    const ps = plan({ x: start.lazy().get(slice(9, 11)) }, { maxGap: 0 });
    expect(ps.optimized.fetches[0]!.range).toEqual({ offset: 0, length: 36 });
    expect(ps.optimized.partialShards).toEqual([0]);
  });

  it("edge shards: whole when every inner chunk inside the array is needed", async () => {
    const a = await sharded([10], [2], [8]); // shard 1 holds inner chunk 4 only (elements 8, 9)
    const p = plan({ x: a.lazy().get(slice(8, 10)) });
    const obj = p.optimized.objects[0]!;
    expect(obj.innerInBounds).toBe(1);
    expect(obj.whole).toBe(true);
    const q = plan({ x: a.lazy().get(slice(0, 7)) }); // inner chunks 0..3 of 4 → whole
    expect(q.optimized.objects[0]!.whole).toBe(true);
    const r = plan({ x: a.lazy().get(slice(0, 5)) }, { maxGap: 0 }); // inner chunks 0..2 of 4
    expect(r.optimized.objects[0]!.whole).toBe(false);
  });

  it("inner chunks are global coordinates, grouped by shard and shared by reads", async () => {
    const a = await sharded([8, 8], [2, 2], [4, 4]);
    const p = plan(
      {
        pts: a.lazy().vindex([0, 5, 7, 1], [0, 5, 0, 1]),
        box: a.lazy().get(slice(0, 2), slice(0, 2)),
      },
      { maxGap: 0 },
    );
    const o = p.optimized;
    expect(o.objects.map((b) => b.key)).toEqual(["s/c/0/0", "s/c/1/1", "s/c/1/0"]);
    const s00 = o.objects[0]!;
    expect(s00.inner.map((n) => [n.index, n.coords, n.uses.map((u) => u.read)])).toEqual([
      [0, [0, 0], [0, 1]],
    ]);
    expect(s00.taskCount).toBe(2);
    const s11 = o.objects[1]!;
    expect(s11.inner.map((n) => [n.index, n.coords])).toEqual([[0, [2, 2]]]);
    expect(o.objects[2]!.inner.map((n) => [n.index, n.coords])).toEqual([[2, [3, 0]]]);
    expect(o.fetches.every((f) => f.kind === "index")).toBe(true);
  });

  it("a partial shard is read whole when its over-read is within maxGap and its size within maxSize", async () => {
    const a = await sharded([64], [4], [32]); // shards: 8 inner chunks of 8 B + 132 B index
    const one = (o: object) => plan({ x: a.lazy().get(5) }, o).optimized.objects[0]!.whole;
    expect(one({})).toBe(true); // 7 × 8 B over-read ≤ 512 KiB
    expect(one({ maxGap: 55 })).toBe(false);
    expect(one({ maxGap: 56 })).toBe(true);
    expect(one({ maxGap: 56, maxSize: 195 })).toBe(false); // 132 + 64 B
    expect(one({ maxGap: 56, maxSize: 196 })).toBe(true);
  });

  it("sharding inside other codecs is read as whole chunks", async () => {
    const s = new MemoryStore();
    const a = await createArray(s, "g", {
      shape: [8],
      dtype: "uint8",
      codecs: [
        {
          name: "sharding_indexed",
          configuration: {
            chunk_shape: [2],
            codecs: [{ name: "bytes" }],
            index_codecs: [{ name: "bytes", configuration: { endian: "little" } }],
          },
        },
        { name: "gzip", configuration: { level: 1 } },
      ],
      chunks: [4],
    });
    const p = plan({ x: a.lazy().get(slice(0, 1)) });
    expect(p.optimized.arrays[0]!.layout).toBe("chunks");
    expect(p.optimized.fetches.map((f) => f.kind)).toEqual(["chunk"]);
  });

  it("phase 2: one range per needed non-empty inner chunk, coalesced by policy", async () => {
    const a = await sharded([32], [2], [16]);
    const p = plan({ x: a.lazy().get([0, 1, 4, 6, 12]) }); // inner chunks 0, 2, 3, 6 of shard 0
    const obj = p.optimized.objects[0]!;
    expect(obj.inner.map((n) => n.index)).toEqual([0, 2, 3, 6]);
    // Inner chunk i stored at 4·i (4 bytes each), inner chunk 3 empty.
    const offsets = Float64Array.from({ length: 8 }, (_, i) => (i === 3 ? -1 : 4 * i));
    const lengths = Float64Array.from({ length: 8 }, (_, i) => (i === 3 ? 0 : 4));
    const index = { offsets, lengths };
    const tight = shardReads(obj, index, { maxGap: 0, maxSize: 1 << 20 });
    expect(tight.empty).toEqual([2]);
    expect(tight.rangesBefore).toBe(3);
    expect(tight.fetches.map((f) => f.range)).toEqual([
      { offset: 0, length: 4 },
      { offset: 8, length: 4 },
      { offset: 24, length: 4 },
    ]);
    const loose = shardReads(obj, index, { maxGap: 16, maxSize: 1 << 20 });
    expect(loose.fetches.map((f) => [f.range, f.parts.map((q) => q.inner)])).toEqual([
      [{ offset: 0, length: 28 }, [0, 1, 3]],
    ]);
    expect(loose.wanted).toBe(12);
    expect(loose.fetched).toBe(28);
    const capped = shardReads(obj, index, { maxGap: 16, maxSize: 12 });
    expect(capped.fetches.length).toBe(2);
    const missing = shardReads(obj, null, { maxGap: 0, maxSize: 0 });
    expect(missing.fetches).toEqual([]);
    expect(missing.empty).toEqual([0, 1, 2, 3]);
  });

  it("worst-case bytes: exact for fixed-size codecs, bounding coalescing over-read", async () => {
    const a = await sharded([32], [4], [16]);
    const sparse = plan({ x: a.lazy().get([0, 15]) }, { maxGap: 0 });
    const s0 = sparse.optimized.objects[0]!;
    expect(worstCaseBytes(sparse.optimized, s0, { maxGap: 0, maxSize: 0 })).toBe(68 + 2 * 8);
    expect(worstCaseBytes(sparse.optimized, s0, { maxGap: 4, maxSize: 0 })).toBe(68 + 2 * 8 + 4);
    expect(worstCaseBytes(sparse.optimized, s0, { maxGap: 1e9, maxSize: 0 })).toBe(68 + 4 * 8);
    const p = plan(
      { whole: a.lazy().get(slice(0, 16)), part: a.lazy().get(slice(16, 17)) },
      { maxGap: 0 },
    );
    const o = p.optimized;
    expect(worstCaseBytes(o, o.objects[0]!)).toBe(68 + 4 * 8);
    expect(worstCaseBytes(o, o.objects[1]!, { maxGap: 0, maxSize: 0 })).toBe(68 + 8);
  });
});

describe("plan()", () => {
  it("rejects bad reads", async () => {
    const s = new MemoryStore();
    const a = await createArray(s, "a", { shape: [4], dtype: "uint8" });
    expect(() => plan({ "": a.lazy() })).toThrow(/non-empty/);
    expect(() => plan({ x: a as never })).toThrow(/not a LazyArray/);
    expect(() =>
      plan([
        ["x", a.lazy()],
        ["x", a.lazy()],
      ]),
    ).toThrow(/twice/);
    expect(() => plan({ x: a.lazy() }, { maxGap: -1 })).toThrow(/maxGap/);
  });

  it("accepts records, maps and pairs; is frozen", async () => {
    const s = new MemoryStore();
    const a = await createArray(s, "a", { shape: [4], dtype: "uint8" });
    const v = a.lazy();
    expect(plan(new Map([["m", v]])).names).toEqual(["m"]);
    const p = plan([["p", v]]);
    expect(p.names).toEqual(["p"]);
    expect(Object.isFrozen(p)).toBe(true);
    expect(p.reads.p).toBe(v);
  });
});
