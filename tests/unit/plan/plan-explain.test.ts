/** explain(): the structured object and the text table, before IO and once shard indexes are known. */
import { describe, expect, it } from "vitest";
import { DEFAULT_STORE_CONCURRENCY } from "../../../src/plan/store-settings.js";
import "../../../src/exec/execute.js";
import { dataType } from "../../../src/core/dtype.js";
import { lazy, plan } from "../../../src/exec/api.js";
import { createArray, openArray } from "../../../src/hierarchy/index.js";
import { slice } from "../../../src/index-space/selection.js";
import { formatBytes, formatCount } from "../../../src/plan/explain.js";
import { CountingStore } from "../../../src/store/counting.js";
import { MemoryStore } from "../../../src/store/memory.js";
import { iota, MemorySource } from "../../helpers/memory-source.js";
import { iotaArray } from "../../helpers/plan-arrays.js";

async function setup() {
  const mem = new MemoryStore();
  // s: 64 × 64 int32, shards 32 × 32 of 8 × 8 inner chunks (256 B each, uncompressed).
  await iotaArray(mem, "s", { shape: [64, 64], chunks: [8, 8], shards: [32, 32] });
  await iotaArray(mem, "c", { shape: [10], chunks: [5] });
  const store = new CountingStore(mem);
  const [s, c] = await Promise.all([openArray(store, "s"), openArray(store, "c")]);
  store.reset();
  const p = plan(
    {
      whole: s.lazy().get(slice(0, 32), slice(0, 32)),
      pts: s.lazy().vindex([1, 40, 41, 63], [2, 3, 12, 63]),
      c: c.lazy().get(slice(3, 7)),
    },
    { maxGap: 0 },
  );
  return { store, p };
}

describe("explain()", () => {
  it("before IO: objects, known requests, bounds", async () => {
    const { store, p } = await setup();
    const e = p.explain();
    expect(store.requests).toBe(0);
    expect(e.resolved).toBe(false);
    expect(e.roundTrips).toBe(2);
    expect(e.reads.map((r) => [r.name, r.layout, r.shape, r.tasks, r.objects])).toEqual([
      ["whole", "shards", [32, 32], 16, 1],
      ["pts", "shards", [4], 4, 3],
      ["c", "chunks", [4], 2, 2],
    ]);
    expect(e.reads[0]!.outputBytes).toBe(32 * 32 * 4);
    expect(e.objects).toEqual({
      chunks: 2,
      wholeShards: 1,
      partialShards: 2,
      innerChunks: 16 + 3,
      emptyInnerChunks: 0,
      sourceChunks: 0,
      shared: 1,
    });
    expect(e.requests.map((r) => [r.kind, r.key, r.reads])).toEqual([
      ["shard", "s/c/0/0", ["whole", "pts"]],
      ["index", "s/c/1/0", ["pts"]],
      ["index", "s/c/1/1", ["pts"]],
      ["chunk", "c/c/0", ["c"]],
      ["chunk", "c/c/1", ["c"]],
    ]);
    expect(e.totals.requests).toBe(5);
    expect(e.totals.pendingShards).toBe(2);
    expect(e.totals.requestsAtMost).toBe(5 + 3);
    // whole shard 16·256 + 260; two partial shards: index + needed inner chunks; two 20 B chunks.
    expect(e.totals.worstCaseBytes).toBe(16 * 256 + 260 + (260 + 2 * 256) + (260 + 256) + 2 * 20);
    expect(e.stores).toEqual([
      {
        id: 0,
        label: "CountingStore(MemoryStore)",
        concurrency: DEFAULT_STORE_CONCURRENCY,
        maxGap: 0,
        maxSize: 8 * 1024 * 1024,
        gapFrom: "set",
        latencyMs: 20,
        bandwidthMBps: 200,
        requests: 5,
      },
    ]);
  });

  it("after resolve(): exact requests, ranges before/after coalescing, over-read", async () => {
    const { store, p } = await setup();
    const r = await p.resolve();
    expect(store.requests).toBe(2);
    const e = r.explain();
    expect(e.resolved).toBe(true);
    expect(e.roundTrips).toBe(1);
    expect(e.requests.map((q) => [q.kind, q.key, q.range, q.parts])).toEqual([
      ["shard", "s/c/0/0", undefined, 0],
      ["chunk", "c/c/0", undefined, 0],
      ["chunk", "c/c/1", undefined, 0],
      // (40, 3) and (41, 12): inner chunks 4 and 5 of shard (1, 0), stored back to back.
      ["range", "s/c/1/0", { offset: 4 * 256, length: 512 }, 2],
      ["range", "s/c/1/1", { offset: 15 * 256, length: 256 }, 1],
    ]);
    expect(e.totals.rangesBefore).toBe(3);
    expect(e.totals.rangesAfter).toBe(2);
    expect(e.totals.bytesWanted).toBe(768);
    expect(e.totals.bytesFetched).toBe(768);
    expect(e.totals.overRead).toBe(0);
    store.reset();
    await r.read();
    expect(store.requests).toBe(e.totals.requests);
    // With a gap of 600 B, inner chunks 4 and 7 come in one request that over-reads 5 and 6
    // (and the shard is not read whole: 14 unneeded inner chunks are more than 600 B).
    const sArr = lazy(r.views[0]!.source);
    const loose = (
      await plan({ pts: sArr.vindex([40, 40], [3, 25]) }, { maxGap: 600 }).resolve()
    ).explain();
    expect(loose.requests.map((q) => [q.range, q.bytes, q.wanted])).toEqual([
      [{ offset: 4 * 256, length: 4 * 256 }, 1024, 512],
    ]);
    expect(loose.totals.overRead).toBe(512);
  });

  it("text table", async () => {
    const { p } = await setup();
    const before = p.explainText();
    expect(before).toMatch(
      /^Plan: 3 reads, 1 store, 2 round trips \(shard indexes, then data\); requests known before IO \(2 shard indexes pending: their byte ranges are known once read\)/,
    );
    expect(before).toMatch(/whole\s+s\s+0\s+shards\s+\[32, 32\]\s+int32\s+1,024\s+4 KiB\s+16\s+1/);
    expect(before).toMatch(
      /objects: 2 chunks, 1 whole shard, 2 partial shards, 19 inner chunks needed, 1 object shared by several reads \(read once\)/,
    );
    expect(before).toMatch(/requests: 5 known, at most 8 once shard indexes arrive/);
    expect(before).toMatch(/index\s+260 B\s+last 260 B/);
    const after = (await p.resolve()).explainText({ maxRows: 2 });
    // The whole shard is sized once read (its length follows from its own index); an upper bound shows.
    expect(after).toMatch(
      /^Plan: 3 reads, 1 store, 1 round trip; every request known, 1 whole-object size known once read \(≤: upper bound\)/,
    );
    expect(before).not.toMatch(/\s\?\s/);
    expect(after).toMatch(/… 3 more requests/);
    expect(after).toMatch(
      /coalescing: 3 byte ranges → 2 requests; wanted 768 B, fetched 768 B, over-read 0 B \(0\.0 %\)/,
    );
    expect(String(p)).toBe(before);
  });

  it("sources without a store, empty plans", () => {
    const src = new MemorySource(iota([6], dataType("float64")), [4], { path: "mem" });
    const e = plan({ m: lazy(src).get(slice(1, 5)) }).explain();
    expect(e.objects.sourceChunks).toBe(2);
    expect(e.requests.map((r) => [r.kind, r.store, r.key])).toEqual([
      ["source", -1, "chunk [0]"],
      ["source", -1, "chunk [1]"],
    ]);
    expect(e.stores).toEqual([]);
    expect(e.roundTrips).toBe(1);
    const empty = plan({ m: lazy(src).get(slice(0, 0)) });
    expect(empty.explain().roundTrips).toBe(0);
    expect(empty.explainText()).toMatch(/objects: none/);
  });

  it("number and byte formats", () => {
    expect(formatCount(1234567)).toBe("1,234,567");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(8 * 1024 * 1024)).toBe("8 MiB");
    expect(formatBytes(200 * 1024 * 1024)).toBe("200 MiB");
  });
});

describe("explain of compressed whole objects", () => {
  it("shows an upper bound where the size is known only once read", async () => {
    const mem = new MemoryStore();
    const a = await createArray(mem, "z", {
      shape: [10],
      chunks: [5],
      dtype: "int32",
      codecs: [{ name: "bytes" }, { name: "gzip", configuration: { level: 1 } }],
    });
    const p = plan({ z: a.lazy() });
    const e = p.explain();
    expect(e.requests.map((r) => [r.key, r.bytes, r.bytesAtMost])).toEqual([
      ["z/c/0", undefined, 20],
      ["z/c/1", undefined, 20],
    ]);
    const text = p.explainText();
    expect(text).toMatch(
      /^Plan: 1 read, 1 store, 1 round trip; every request known, 2 whole-object sizes known once read \(≤: upper bound\)/,
    );
    expect(text).toMatch(/z\/c\/0\s+chunk\s+≤ 20 B\s+whole/);
    expect(text).not.toMatch(/\s\?\s/);
  });
});
