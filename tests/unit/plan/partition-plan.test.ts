/**
 * `plan.partition()` on simple cases whose cuts are known: a strided read over a chunked array
 * fetches every chunk exactly once over all partitions; shards stay whole unless `by: "chunk"`
 * or a limit forces cuts between their inner chunks (then each inner chunk is fetched once);
 * 0-d and empty reads; `count`; errors (options, views without recorded ops, MemoryStore,
 * `assemblePartitions` given too few results).
 */
import { describe, expect, it } from "vitest";
import "../../../src/exec/execute.js";
import { plan } from "../../../src/exec/api.js";
import { Context } from "../../../src/exec/context.js";
import { planFromJSON } from "../../../src/hierarchy/plan-file.js";
import { LazyArray } from "../../../src/index-space/lazy.js";
import { slice } from "../../../src/index-space/selection.js";
import { assemblePartitions, type PlanPartition } from "../../../src/plan/partition-plan.js";
import type { Plan } from "../../../src/plan/plan.js";
import { parsePlanFile } from "../../../src/plan/plan-json.js";
import { CountingStore } from "../../../src/store/counting.js";
import { MemoryStore } from "../../../src/store/memory.js";
import { iotaArray } from "../../helpers/plan-arrays.js";

async function setup() {
  const mem = new MemoryStore();
  const store = Object.assign(new CountingStore(mem), { url: new URL("mem://part/") });
  // 40 × 30 int32, chunks 8 × 10 (5 × 3 chunks of 320 bytes).
  const chunked = await iotaArray(store, "c", { shape: [40, 30], chunks: [8, 10] });
  // 40 × 30 int32, shards 16 × 30 of inner chunks 8 × 10 (3 shards, 6 inner chunks each).
  const sharded = await iotaArray(store, "s", {
    shape: [40, 30],
    chunks: [8, 10],
    shards: [16, 30],
  });
  return { store, chunked, sharded };
}

/** Runs every partition through its plan file; the keys (and byte ranges) each one fetched. */
async function runAll(p: Plan, parts: readonly PlanPartition[], store: CountingStore) {
  const results = [];
  const fetched: string[][] = [];
  for (const part of parts) {
    const sub = await planFromJSON(parsePlanFile(JSON.stringify(part.file)), {
      openStore: () => store,
    });
    store.reset();
    results.push({ partition: part, outputs: await sub.read() });
    fetched.push(
      store.log
        .filter((l) => !l.key.endsWith("zarr.json"))
        .map((l) => `${l.key}${l.range ? ` ${JSON.stringify(l.range)}` : ""}`),
    );
  }
  return { out: assemblePartitions(p, results), fetched };
}

describe("plan.partition", () => {
  it("a strided read: each chunk fetched by exactly one partition", async () => {
    const { store, chunked } = await setup();
    const p = plan({ r: chunked.lazy().get(slice(3, 37, 2), slice(1, 29, 3)) });
    const parts = p.partition({ maxBytes: 700 });
    // Rows 3..36 step 2 touch chunk rows 0-4; each chunk row (3 chunks, 960 bytes) is over
    // 700 bytes, so it is cut between its chunks too.
    expect(parts.length).toBeGreaterThan(5);
    for (const part of parts) expect(part.bytes).toBeLessThanOrEqual(700);
    const { out, fetched } = await runAll(p, parts, store);
    const all = fetched.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe(15);
    const expected = await p.read();
    expect(Array.from(out.r!.data as Int32Array)).toEqual(
      Array.from(expected.r!.data as Int32Array),
    );
    // Regions cover the output once, each partition a box of whole chunks.
    const cells = out.r!.shape[0]! * out.r!.shape[1]!;
    const sizes = parts.flatMap((x) => x.regions.map((r) => r.shape[0]! * r.shape[1]!));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(cells);
  });

  it("shards stay whole by default; by: 'chunk' splits them by inner chunks, each fetched once", async () => {
    const { store, sharded } = await setup();
    const p = plan({ r: sharded.lazy() });
    const byShard = p.partition({ count: 3 });
    expect(byShard.map((x) => x.regions.map((r) => [r.start, r.shape]))).toEqual([
      [
        [
          [0, 0],
          [16, 30],
        ],
      ],
      [
        [
          [16, 0],
          [16, 30],
        ],
      ],
      [
        [
          [32, 0],
          [8, 30],
        ],
      ],
    ]);
    const a = await runAll(p, byShard, store);
    // Each shard read by one partition only.
    const shardsOf = (f: string[]) => new Set(f.map((k) => k.split(" ")[0]));
    const seen = a.fetched.map(shardsOf);
    const flat = seen.flatMap((s) => [...s]);
    expect(new Set(flat).size).toBe(flat.length);
    // Six partitions by inner chunk rows: shards shared, inner chunk ranges never repeated.
    const byChunk = p.partition({ count: 6, by: "chunk" });
    expect(byChunk.length).toBeGreaterThan(3);
    expect(byChunk.length).toBeLessThanOrEqual(6);
    const b = await runAll(p, byChunk, store);
    const shared = b.fetched.map(shardsOf).flatMap((x) => [...x]);
    expect(new Set(shared).size).toBeLessThan(shared.length);
    const ranges = b.fetched.flat().filter((k) => k.includes("offset"));
    expect(new Set(ranges).size).toBe(ranges.length);
    const expected = await p.read();
    expect(Array.from(a.out.r!.data as Int32Array)).toEqual(
      Array.from(expected.r!.data as Int32Array),
    );
    expect(Array.from(b.out.r!.data as Int32Array)).toEqual(
      Array.from(expected.r!.data as Int32Array),
    );
  });

  it("0-d, empty and point reads; reads packed together; deterministic", async () => {
    const { store, chunked } = await setup();
    const p = plan({
      zero: chunked.lazy().get(5, 7),
      empty: chunked.lazy().get(slice(4, 4)),
      pts: chunked.lazy().vindex([0, 39, 8], [0, 29, 10]),
      row: chunked.lazy().get(slice(0, 8)),
    });
    const parts = p.partition();
    expect(parts.length).toBe(1);
    expect(parts[0]!.regions.map((r) => r.name)).toEqual(["zero@0", "empty@0", "pts@0", "row@0"]);
    expect(parts[0]!.regions[0]).toEqual({ read: "zero", name: "zero@0", start: [], shape: [] });
    expect(JSON.stringify(p.partition())).toBe(JSON.stringify(parts));
    const { out } = await runAll(p, parts, store);
    const expected = await p.read();
    for (const name of p.names) {
      expect(out[name]!.shape).toEqual(expected[name]!.shape);
      expect(Array.from(out[name]!.data as Int32Array)).toEqual(
        Array.from(expected[name]!.data as Int32Array),
      );
    }
    // At most `count` partitions, fewer when the plan has fewer chunks.
    expect(p.partition({ count: 100 }).length).toBeLessThanOrEqual(8);
  });

  it("a plan over its limits is cut into boxes that fit, then partitioned", async () => {
    const { store, chunked, sharded } = await setup();
    const small = new Context({ limits: { maxOutputBytes: 1500, maxTasks: 4 } });
    const views = {
      c: chunked.lazy().get(slice(1, 39), slice(2, 30)),
      s: sharded.lazy().get(slice(null, null, -1)),
    };
    const p = plan(views, { context: small });
    expect(p.tooLarge?.code).toBe("ERR_TOO_LARGE");
    for (const options of [{}, { count: 3 }, { maxBytes: 100, by: "chunk" as const }]) {
      const parts = p.partition(options);
      expect(parts.map((x) => x.index)).toEqual(parts.map((_, i) => i));
      const results = [];
      for (const partition of parts) {
        // Each partition fits the limits of the Context that refused the whole plan.
        const sub = await planFromJSON(JSON.stringify(partition.file), {
          openStore: () => store,
          context: small,
        });
        expect(sub.tooLarge).toBeUndefined();
        results.push({ partition, outputs: await sub.read() });
      }
      const got = assemblePartitions(p, results);
      const expected = await plan(views).read();
      for (const name of ["c", "s"] as const) {
        expect(got[name]!.shape).toEqual(expected[name]!.shape);
        expect(Array.from(got[name]!.data as Int32Array)).toEqual(
          Array.from(expected[name]!.data as Int32Array),
        );
      }
    }
    // A single element over the output limit cannot be cut.
    const tiny = plan(
      { one: chunked.lazy().get(0, 0) },
      { context: new Context({ limits: { maxOutputBytes: 1, maxTasks: 4 } }) },
    );
    expect(() => tiny.partition()).toThrow(expect.objectContaining({ code: "ERR_TOO_LARGE" }));
    small.close();
  });

  it("refuses invalid options, views without recorded ops and MemoryStore plans", async () => {
    const { chunked } = await setup();
    const p = plan({ r: chunked.lazy() });
    for (const bad of [{ maxBytes: 0 }, { maxTasks: 1.5 }, { count: 0 }, { by: "row" }, { x: 1 }]) {
      expect(() => p.partition(bad as never)).toThrow(
        expect.objectContaining({ code: "ERR_OPTIONS" }),
      );
    }
    const v = chunked.lazy();
    const raw = new LazyArray(v.source, v.transform, v.executor);
    expect(() => plan({ raw }).partition()).toThrow(/read "raw".*does not record its selections/);
    const mem = await iotaArray(new MemoryStore(), "m", { shape: [4], chunks: [2] });
    expect(() => plan({ m: mem.lazy() }).partition()).toThrow(
      expect.objectContaining({ code: "ERR_PLAN_NOT_SERIALIZABLE" }),
    );
  });

  it("assemblePartitions refuses missing or mismatched results", async () => {
    const { chunked } = await setup();
    const p = plan({ r: chunked.lazy() });
    const parts = p.partition({ count: 2 });
    expect(parts.length).toBe(2);
    const full = await p.read();
    expect(() => assemblePartitions(p, [])).toThrow(/cover 0 of its 1200 elements/);
    expect(() => assemblePartitions(p, [{ partition: parts[0]!, outputs: {} }])).toThrow(
      /no output/,
    );
    expect(() =>
      assemblePartitions(p, [{ partition: parts[0]!, outputs: { "r@0": full.r! } }]),
    ).toThrow(/output of shape \[40,30\]/);
  });
});
