/**
 * Exact request and byte counts of plans, through an instrumented store (CountingStore over a
 * MemoryStore), and the number of sequential round trips (WaveStore).
 */
import { beforeAll, describe, expect, it } from "vitest";
import "../../../src/exec/execute.js";
import { configureStore, plan } from "../../../src/exec/api.js";
import { openArray, type ZarrArray } from "../../../src/hierarchy/index.js";
import { planFromJSON } from "../../../src/hierarchy/plan-file.js";
import { slice } from "../../../src/index-space/selection.js";
import { CountingStore } from "../../../src/store/counting.js";
import { MemoryStore } from "../../../src/store/memory.js";
import { iotaArray } from "../../helpers/plan-arrays.js";
import { DelayStore, WaveStore } from "../../helpers/test-stores.js";

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

async function counted(mem: MemoryStore, path: string): Promise<[CountingStore, ZarrArray]> {
  const c = new CountingStore(mem);
  const a = await openArray(c, path);
  c.reset();
  return [c, a];
}

describe("request counts", () => {
  it("one fully needed shard = 1 request (no index read)", async () => {
    const mem = new MemoryStore();
    await iotaArray(mem, "s", { shape: [64, 64], chunks: [8, 8], shards: [32, 32] });
    const [c, a] = await counted(mem, "s");
    const { x } = await plan({ x: a.lazy().get(slice(32, 64), slice(0, 32)) }).read();
    expect(c.requests).toBe(1);
    expect(c.rangeRequests).toBe(0);
    expect(c.log[0]!.key).toBe("s/c/1/0");
    expect(x!.data[0]).toBe(32 * 64);
    expect(x!.data[32 * 32 - 1]).toBe(63 * 64 + 31);
  });

  describe("10,000 random points over a sharded array", () => {
    // 2000 × 2000 uint32, inner chunks 20 × 20 (1,600 B), shards 1000 × 1000 (2,500 inner chunks,
    // 4 MB): 10,000 inner chunks in 4 shards; 10,000 random points touch ~63 % of the inner chunks,
    // so reading a shard whole would over-read ~1.5 MB (> maxGap): index + ranges.
    const N = 2000;
    const I = 20;
    const S = 1000;
    let mem: MemoryStore;
    let rows: Int32Array;
    let cols: Int32Array;
    let perShard: Map<string, Set<number>>;
    beforeAll(async () => {
      mem = new MemoryStore();
      await iotaArray(mem, "p", { shape: [N, N], chunks: [I, I], shards: [S, S], dtype: "uint32" });
      const r = rng(42);
      rows = Int32Array.from({ length: 10_000 }, () => Math.floor(r() * N));
      cols = Int32Array.from({ length: 10_000 }, () => Math.floor(r() * N));
      perShard = new Map();
      for (let k = 0; k < rows.length; k++) {
        const key = `p/c/${Math.floor(rows[k]! / S)}/${Math.floor(cols[k]! / S)}`;
        const inner = Math.floor((rows[k]! % S) / I) * (S / I) + Math.floor((cols[k]! % S) / I);
        // (inner chunk index in C order of the shard's 50 × 50 inner grid)
        const s = perShard.get(key) ?? new Set<number>();
        perShard.set(key, s);
        s.add(inner);
      }
    });

    /** Runs of consecutive inner chunk indexes (stored back to back: uncompressed, none empty). */
    const runs = (s: Set<number>) => {
      const v = [...s].sort((a, b) => a - b);
      return v.filter((x, i) => i === 0 || v[i - 1] !== x - 1).length;
    };

    it("default policy (cost model): shards cheaper to read whole than to index are read whole", async () => {
      const [c, a] = await counted(mem, "p");
      const p = plan({ pts: a.lazy().vindex(rows, cols) });
      const { pts } = await p.read();
      for (let k = 0; k < rows.length; k += 997) expect(pts!.data[k]).toBe(rows[k]! * N + cols[k]!);
      // Each 4 MB shard reads under 1.6 MB in vain, less than one round trip's worth
      // (200 MB/s × 20 ms = 4 MB): one request per shard, one round trip.
      expect(p.optimized.objects.every((o) => o.whole)).toBe(true);
      expect(c.requests).toBe(perShard.size);
      expect(p.explain().roundTrips).toBe(1);
    });

    it("maxGap 512 KiB: shard indexes + one coalesced range per shard", async () => {
      const [c, a] = await counted(mem, "p");
      const p = plan({ pts: a.lazy().vindex(rows, cols) }, { maxGap: 512 * 1024 });
      const { pts } = await p.read();
      for (let k = 0; k < rows.length; k += 997) expect(pts!.data[k]).toBe(rows[k]! * N + cols[k]!);
      const shards = perShard.size;
      const inner = [...perShard.values()].reduce((n, s) => n + s.size, 0);
      expect(shards).toBe(4);
      expect(inner).toBeGreaterThan(6000);
      expect(p.optimized.objects.every((o) => !o.whole)).toBe(true);
      // Every gap between needed inner chunks is below 512 KiB: one range per shard.
      expect(c.requests).toBe(shards + shards);
      expect(c.log.filter((l) => l.range && "suffixLength" in l.range).length).toBe(shards);
      const resolved = await p.resolve();
      c.reset();
      await resolved.read();
      expect(c.requests).toBe(shards);
      const e = resolved.explain();
      expect(e.totals.requests).toBe(shards);
      expect(e.totals.rangesBefore).toBe([...perShard.values()].reduce((n, s) => n + s.size, 0));
      expect(e.totals.rangesAfter).toBe(shards);
    });

    it("maxGap 0: shard indexes + one range per run of adjacent inner chunks", async () => {
      const [c, a] = await counted(mem, "p");
      const p = plan({ pts: a.lazy().vindex(rows, cols) }, { maxGap: 0 });
      await p.read();
      const expected = [...perShard.values()].reduce((n, s) => n + runs(s), 0);
      expect(c.requests).toBe(perShard.size + expected);
      // Bytes: indexes + exactly the needed inner chunks, nothing over-read.
      const inner = [...perShard.values()].reduce((n, s) => n + s.size, 0);
      expect(c.bytes).toBe(perShard.size * (2500 * 16 + 4) + inner * I * I * 4);
    });

    it("never more than one request per inner chunk (maxSize 0)", async () => {
      const [c, a] = await counted(mem, "p");
      await plan({ pts: a.lazy().vindex(rows, cols) }, { maxGap: 0, maxSize: 0 }).read();
      const inner = [...perShard.values()].reduce((n, s) => n + s.size, 0);
      expect(c.requests).toBe(perShard.size + inner);
      const keys = new Set(c.log.map((l) => `${l.key} ${JSON.stringify(l.range)}`));
      expect(keys.size).toBe(c.requests);
    });
  });

  it("two selections needing the same chunks fetch them once", async () => {
    const mem = new MemoryStore();
    await iotaArray(mem, "a", { shape: [100, 100], chunks: [10, 10] });
    await iotaArray(mem, "s", { shape: [100, 100], chunks: [10, 10], shards: [50, 50] });
    const c = new CountingStore(mem);
    const [a, s] = await Promise.all([openArray(c, "a"), openArray(c, "s")]);
    c.reset();
    const p = plan({
      a1: a.lazy().get(slice(5, 25), slice(5, 25)),
      a2: a.lazy().oindex([6, 19, 24], [7, 8, 24]),
      s1: s.lazy().get(slice(0, 15), slice(0, 15)),
      s2: s.lazy().vindex([3, 12, 14], [4, 2, 11]),
    });
    const r = await p.read();
    expect(r.a2!.data[0]).toBe(6 * 100 + 7);
    expect(r.s2!.data[1]).toBe(12 * 100 + 2);
    // a: 9 chunks; s: shard (0, 0), read whole: its 21 unneeded inner chunks (8.4 KB) cost less
    // than the index round trip (maxGap).
    expect(c.requests).toBe(9 + 1);
    const keys = c.log.map((l) => `${l.key} ${JSON.stringify(l.range)}`);
    expect(new Set(keys).size).toBe(keys.length);
    const e = p.explain();
    expect(e.objects.shared).toBe(7);
  });

  it("an array of lazy reads names them 0, 1, …; anything else is a typed error", async () => {
    const mem = new MemoryStore();
    await iotaArray(mem, "a", { shape: [20, 20], chunks: [10, 10] });
    const a = await openArray(mem, "a");
    const p = plan([a.lazy().get(3, slice(0, 4)), a.lazy().vindex([1, 2], [3, 4])]);
    expect(p.names).toEqual(["0", "1"]);
    const r = await p.read();
    expect(Array.from(r["0"]!.data as Float64Array)).toEqual([60, 61, 62, 63]);
    expect(Array.from(r["1"]!.data as Float64Array)).toEqual([23, 44]);
    expect(() => plan([1, 2] as never)).toThrow(/plan reads must be LazyArrays/);
  });

  it("the same region from 8 arrays: the requests of 8 separate reads, in one concurrent wave", async () => {
    const mem = new MemoryStore();
    for (let i = 0; i < 8; i++) {
      await iotaArray(mem, `v${i}`, { shape: [40, 40], chunks: [10, 10], shards: [20, 20] });
    }
    const region = (a: ZarrArray) => a.lazy().get(slice(5, 25), slice(12, 18));
    // Separate reads.
    const c1 = new CountingStore(mem);
    const sep = await Promise.all(Array.from({ length: 8 }, (_, i) => openArray(c1, `v${i}`)));
    c1.reset();
    for (const a of sep) await plan({ r: region(a) }).read();
    const separate = c1.log.map((l) => `${l.key} ${JSON.stringify(l.range)}`).sort();
    // One plan, over a store with latency so that overlap is visible.
    const delayed = new DelayStore(mem, 20);
    const c2 = new CountingStore(delayed);
    const arrays = await Promise.all(Array.from({ length: 8 }, (_, i) => openArray(c2, `v${i}`)));
    c2.reset();
    const p = plan(Object.fromEntries(arrays.map((a, i) => [`v${i}`, region(a)])));
    const t0 = performance.now();
    const out = await p.read();
    const ms = performance.now() - t0;
    expect(c2.log.map((l) => `${l.key} ${JSON.stringify(l.range)}`).sort()).toEqual(separate);
    // Each array: 2 shards, read whole (small): 16 requests, all in flight at once.
    expect(c2.requests).toBe(16);
    expect(c2.maxInFlight).toBe(16);
    expect(ms).toBeLessThan(4 * 20);
    expect(out.v7!.data[0]).toBe(5 * 40 + 12);
  });

  it("missing chunks and shards read as the fill value with one request each", async () => {
    const mem = new MemoryStore();
    const a = await iotaArray(mem, "m", { shape: [8], chunks: [2], fillValue: -1 });
    await a.deleteChunk([1]);
    await iotaArray(mem, "n", { shape: [16], chunks: [2], shards: [8], fillValue: -1 });
    await mem.delete("n/c/1");
    const c = new CountingStore(mem);
    const [am, sn] = await Promise.all([openArray(c, "m"), openArray(c, "n")]);
    c.reset();
    const r = await plan({ a: am.lazy(), s: sn.lazy().get([0, 9, 12]) }).read();
    expect(Array.from(r.a!.data as ArrayLike<number>)).toEqual([0, 1, -1, -1, 4, 5, 6, 7]);
    expect(Array.from(r.s!.data as ArrayLike<number>)).toEqual([0, -1, -1]);
    // 4 chunks of m; shards 0 and 1 of n read whole (small), shard 1 missing.
    expect(c.requests).toBe(4 + 2);
    c.reset();
    const tight = await plan({ s: sn.lazy().get([0, 9, 12]) }, { maxGap: 0 }).read();
    expect(Array.from(tight.s!.data as ArrayLike<number>)).toEqual([0, -1, -1]);
    // shard 0: index + range; shard 1: index (missing).
    expect(c.requests).toBe(3);
  });
});

describe("round trips", () => {
  it("2 when metadata is open (shard indexes, then data), 1 when resolved or whole", async () => {
    const mem = new MemoryStore();
    await iotaArray(mem, "s", { shape: [64, 64], chunks: [8, 8], shards: [32, 32] });
    await iotaArray(mem, "c", { shape: [64, 64], chunks: [16, 16] });
    const w = new WaveStore(mem);
    const [s, c] = await Promise.all([openArray(w, "s"), openArray(w, "c")]);
    // Small shards are read whole by default (cheaper than the index round trip): one round trip.
    const cheap = plan({ pts: s.lazy().vindex([1, 40, 63, 20], [2, 50, 0, 33]) });
    expect(cheap.explain().roundTrips).toBe(1);
    w.waves = 0;
    await cheap.read();
    expect(w.waves).toBe(1);
    configureStore(w, { maxGap: 0 });
    const p = plan({
      pts: s.lazy().vindex([1, 40, 63, 20], [2, 50, 0, 33]),
      whole: s.lazy().get(slice(0, 32), slice(32, 64)),
      box: c.lazy().get(slice(10, 40), slice(10, 40)),
    });
    expect(p.explain().roundTrips).toBe(2);
    w.waves = 0;
    await p.read();
    expect(w.waves).toBe(2);
    w.waves = 0;
    const resolved = await p.resolve();
    expect(w.waves).toBe(1);
    expect(resolved.explain().roundTrips).toBe(1);
    w.waves = 0;
    await resolved.read();
    expect(w.waves).toBe(1);
  });

  it("3 for a cold plan: metadata, shard indexes, data", async () => {
    const mem = new MemoryStore();
    await iotaArray(mem, "s", { shape: [64], chunks: [4], shards: [32] });
    await iotaArray(mem, "t", { shape: [64], chunks: [4], shards: [32] });
    const w = new WaveStore(mem);
    const json = {
      store: "mem://x",
      reads: {
        a: { array: "s", ops: [{ get: ["3:9"] }] },
        b: { array: "t", ops: [{ vindex: [[1, 40, 62]] }] },
      },
      options: { maxGap: 0 },
    };
    const p = await planFromJSON(json, { openStore: () => w });
    const r = await p.read();
    expect(Array.from(r.b!.data as ArrayLike<number>)).toEqual([1, 40, 62]);
    expect(w.waves).toBe(3);
  });

  it("index reads go first when the store limit is saturated", async () => {
    const mem = new MemoryStore();
    await iotaArray(mem, "c", { shape: [64], chunks: [1] });
    await iotaArray(mem, "s", { shape: [64], chunks: [2], shards: [16] });
    const w = new WaveStore(mem);
    configureStore(w, { concurrency: 4, maxGap: 0 });
    const [c, s] = await Promise.all([openArray(w, "c"), openArray(w, "s")]);
    w.seen.length = 0;
    await plan({ many: c.lazy(), few: s.lazy().get([0, 20]) }).read();
    // The two shard indexes are in the first wave although 64 chunk reads were queued before them.
    const first = w.seen.filter((r) => r.at === w.seen[0]!.at);
    expect(first.filter((r) => r.range !== undefined).length).toBe(2);
  });
});
