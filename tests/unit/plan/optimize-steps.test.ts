/**
 * The optimizer's phase-1 steps one by one (`optimize-steps.ts`): array entries, registration,
 * partitioning, grouping tasks by stored object (dedup by store + key across arrays), the
 * whole-vs-partial shard rule on hand-made builders, freezing objects, the requests known before
 * IO, and `optimize` as their composition. No IO: arrays are created in a MemoryStore for their
 * metadata and codecs only.
 */
import { describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import { lazy } from "../../../src/exec/api.js";
import { createArray, openArray, type ZarrArray } from "../../../src/hierarchy/index.js";
import type { ChunkTask } from "../../../src/index-space/partition.js";
import { slice } from "../../../src/index-space/selection.js";
import type { CoalescePolicy } from "../../../src/plan/coalesce.js";
import {
  type ArrayEntry,
  arrayEntryOf,
  decideWholeShards,
  finishObjects,
  groupTasksByObject,
  type InnerChunkBuilder,
  initialFetches,
  innerChunksInBounds,
  layoutOf,
  type ObjectBuilder,
  optimize,
  partitionReads,
  type ReadInput,
  readShardWhole,
  registerArrays,
} from "../../../src/plan/optimize.js";
import { MemoryStore } from "../../../src/store/memory.js";
import { metadataSource } from "../../helpers/memory-source.js";

function readOf(name: string, view: ReturnType<ZarrArray["lazy"]>): ReadInput {
  return { name, source: view.source, transform: view.transform };
}

/** Runs steps 1–3. */
function grouped(reads: readonly ReadInput[]) {
  const reg = registerArrays(reads);
  const tasks = partitionReads(reads, reg.arrays, reg.readArrays);
  return { ...reg, tasks, builders: groupTasksByObject(tasks, reg.arrays) };
}

/** 16 uint16 in shards of 8 (2 inner chunks of 4 elements, 8 B each; index 2 × 16 + 4 B). */
async function sharded(store = new MemoryStore(), path = "s", shape = [16]) {
  return createArray(store, path, {
    shape,
    chunks: [4],
    shards: [8],
    dtype: "uint16",
    compressor: null,
  });
}

describe("arrayEntryOf / layoutOf", () => {
  it("chunked, sharded, sharding wrapped in codecs, and a source without storage", async () => {
    const s = new MemoryStore();
    const c = await createArray(s, "c", {
      shape: [10, 7],
      chunks: [4, 5],
      dtype: "int32",
      compressor: null,
    });
    const e = arrayEntryOf(c.lazy().source, 3, 1);
    expect([e.id, e.layout, e.store, e.gridChunkShape, e.gridShape, e.cellBytes]).toEqual([
      3,
      "chunks",
      1,
      [4, 5],
      [3, 2],
      80,
    ]);
    expect(e.sharding).toBeUndefined();
    expect(Object.isFrozen(e) && Object.isFrozen(e.gridShape)).toBe(true);

    const zipped = await createArray(s, "z", { shape: [10], chunks: [4], dtype: "int32" });
    // Compressed: the stored size is unknown, the bound is the decoded size.
    expect(arrayEntryOf(zipped.lazy().source, 0, 0).cellBytes).toBe(16);

    const sh = await sharded(s);
    const se = arrayEntryOf(sh.lazy().source, 0, 0);
    expect([layoutOf(sh.lazy().source), se.gridChunkShape, se.gridShape, se.cellBytes]).toEqual([
      "shards",
      [4],
      [4],
      8,
    ]);
    expect(se.sharding!.chunksPerShard).toEqual([2]);

    const wrapped = await createArray(s, "w", {
      shape: [20],
      chunks: [10],
      dtype: "int16",
      codecs: [
        {
          name: "sharding_indexed",
          configuration: {
            chunk_shape: [5],
            codecs: [{ name: "bytes", configuration: { endian: "little" } }],
            index_codecs: [{ name: "bytes", configuration: { endian: "little" } }],
          },
        },
        { name: "gzip", configuration: { level: 1 } },
      ],
    });
    const we = arrayEntryOf(wrapped.lazy().source, 0, 0);
    expect([we.layout, we.gridChunkShape, we.sharding]).toEqual(["chunks", [10], undefined]);

    const m = metadataSource([6], [4], dataType("float64"));
    const me = arrayEntryOf(m, 0, -1);
    expect([me.layout, me.store, me.pipeline, me.cellBytes]).toEqual(["source", -1, undefined, 32]);
  });
});

describe("registerArrays", () => {
  it("numbers arrays (by source) and stores (by identity) in order of first use", async () => {
    const s1 = new MemoryStore();
    const s2 = new MemoryStore();
    const a = await createArray(s1, "a", { shape: [4], dtype: "uint8" });
    const b = await createArray(s2, "b", { shape: [4], dtype: "uint8" });
    const again = await openArray(s1, "a");
    const av = a.lazy();
    const src = metadataSource([3], [3]);
    const r = registerArrays([
      readOf("0", b.lazy()),
      readOf("1", av),
      readOf("2", av.get(slice(1, 3))),
      { name: "3", source: src, transform: lazy(src).transform },
      readOf("4", again.lazy()),
    ]);
    expect(r.stores).toEqual([s2, s1]);
    expect(r.readArrays).toEqual([0, 1, 1, 2, 3]);
    expect(r.arrays.map((e) => [e.id, e.source.path, e.store, e.layout])).toEqual([
      [0, "b", 0, "chunks"],
      [1, "a", 1, "chunks"],
      [2, "meta", -1, "source"],
      [3, "a", 1, "chunks"],
    ]);
  });
});

describe("partitionReads", () => {
  it("partitions each read over its array's grid (inner chunks when sharded)", async () => {
    const sh = await sharded();
    const reads = [readOf("x", sh.lazy().get(slice(3, 13))), readOf("y", sh.lazy().get(15))];
    const reg = registerArrays(reads);
    const t = partitionReads(reads, reg.arrays, reg.readArrays);
    expect(t.map((r) => [r.array, r.tasks.map((k) => k.coords)])).toEqual([
      [0, [[0], [1], [2], [3]]],
      [0, [[3]]],
    ]);
  });
});

describe("groupTasksByObject", () => {
  it("dedups the same key across two arrays sharing a store; the first array decodes it", async () => {
    const s = new MemoryStore();
    const a = await createArray(s, "a", { shape: [10], chunks: [4], dtype: "int32" });
    const again = await openArray(s, "a");
    const { arrays, builders } = grouped([
      readOf("x", a.lazy().get(slice(0, 6))),
      readOf("y", again.lazy().get([9, 1, 2])),
      readOf("z", a.lazy().get(slice(5, 7))),
    ]);
    expect(arrays.length).toBe(2);
    expect(
      builders.map((b) => [b.id, b.kind, b.key, b.array, b.coords, b.reads, b.taskCount]),
    ).toEqual([
      [0, "chunk", "a/c/0", 0, [0], [0, 1], 2],
      [1, "chunk", "a/c/1", 0, [1], [0, 2], 2],
      [2, "chunk", "a/c/2", 1, [2], [1], 1],
    ]);
    expect(builders[0]!.uses.map((u) => [u.read, u.task.count])).toEqual([
      [0, 4],
      [1, 2],
    ]);
  });

  it("keeps equal keys of different stores, and equal coordinates of different sources, apart", async () => {
    const a = await createArray(new MemoryStore(), "a", { shape: [4], dtype: "uint8" });
    const b = await createArray(new MemoryStore(), "a", { shape: [4], dtype: "uint8" });
    const m1 = metadataSource([4], [4]);
    const m2 = metadataSource([4], [4]);
    const { builders } = grouped([
      readOf("a", a.lazy()),
      readOf("b", b.lazy()),
      { name: "m1", source: m1, transform: lazy(m1).transform },
      { name: "m2", source: m2, transform: lazy(m2).transform },
    ]);
    expect(builders.map((o) => [o.kind, o.store, o.key, o.array])).toEqual([
      ["chunk", 0, "a/c/0", 0],
      ["chunk", 1, "a/c/0", 1],
      ["source", -1, "chunk [0]", 2],
      ["source", -1, "chunk [0]", 3],
    ]);
  });

  it("groups shard tasks by shard, with their inner chunks, across reads and opened arrays", async () => {
    const s = new MemoryStore();
    const a = await sharded(s, "s", [14]); // shard 1 holds inner chunks 2 and 3 (elements 8..13)
    const again = await openArray(s, "s");
    const { builders } = grouped([
      readOf("x", a.lazy().vindex([13, 1, 9])),
      readOf("y", again.lazy().get(slice(0, 3))),
    ]);
    expect(
      builders.map((b) => [b.kind, b.key, b.coords, b.innerInBounds, b.reads, b.taskCount]),
    ).toEqual([
      ["shard", "s/c/0", [0], 2, [0, 1], 2],
      ["shard", "s/c/1", [1], 2, [0], 2],
    ]);
    const inner = (b: ObjectBuilder) =>
      [...b.inner!.values()].map((n) => [n.index, n.coords, n.uses.map((u) => u.read)]);
    expect(inner(builders[0]!)).toEqual([[0, [0], [0, 1]]]);
    // In order of first need (tasks in storage order: inner chunk 2, then 3).
    expect(inner(builders[1]!)).toEqual([
      [0, [2], [0]],
      [1, [3], [0]],
    ]);
    expect(builders[0]!.uses).toEqual([]);
  });

  it("counts the inner chunks of edge shards inside the array bounds", async () => {
    const a = await createArray(new MemoryStore(), "e", {
      shape: [10, 7],
      chunks: [2, 2],
      shards: [8, 4],
      dtype: "uint8",
      compressor: null,
    });
    const e = arrayEntryOf(a.lazy().source, 0, 0); // inner grid [5, 4], 4 × 2 per shard
    expect(innerChunksInBounds(e, [0, 0])).toBe(8);
    expect(innerChunksInBounds(e, [1, 0])).toBe(2);
    expect(innerChunksInBounds(e, [1, 1])).toBe(2);
    expect(innerChunksInBounds(e, [0, 1])).toBe(8);
  });
});

/** A hand-made shard builder of array `array` needing inner chunks `needed`. */
function shardBuilder(
  id: number,
  array: number,
  store: number,
  needed: readonly number[],
  inBounds: number,
): ObjectBuilder {
  const inner = new Map<number, InnerChunkBuilder>();
  for (const index of needed) inner.set(index, { index, coords: [index], uses: [] });
  return {
    id,
    kind: "shard",
    array,
    store,
    key: `s/c/${id}`,
    coords: [id],
    uses: [],
    inner,
    innerInBounds: inBounds,
    reads: [0],
    taskCount: needed.length,
  };
}

function chunkBuilder(id: number, array: number, store: number): ObjectBuilder {
  return {
    id,
    kind: "chunk",
    array,
    store,
    key: `c/c/${id}`,
    coords: [id],
    uses: [],
    inner: undefined,
    innerInBounds: 0,
    reads: [0],
    taskCount: 1,
  };
}

describe("decideWholeShards / readShardWhole", () => {
  // 64 uint16 in shards of 32: 8 inner chunks of 8 B, index 8 × 16 + 4 = 132 B, shard 196 B.
  async function entry(store: number): Promise<ArrayEntry> {
    const a = await createArray(new MemoryStore(), "s", {
      shape: [64],
      chunks: [4],
      shards: [32],
      dtype: "uint16",
      compressor: null,
    });
    return arrayEntryOf(a.lazy().source, store, store);
  }

  it("whole when every inner chunk in bounds is needed, without asking the policy", async () => {
    const e = await entry(0);
    let asked = 0;
    const whole = decideWholeShards(
      [shardBuilder(0, 0, 0, [0, 1, 2, 3, 4, 5, 6, 7], 8)],
      [e],
      () => {
        asked++;
        return { maxGap: 0, maxSize: 0 };
      },
    );
    expect(whole).toEqual([true]);
    expect(asked).toBe(0);
    // An edge shard: 3 inner chunks in bounds, all needed.
    expect(readShardWhole(3, 3, e, () => ({ maxGap: 0, maxSize: 0 }))).toBe(true);
  });

  it("otherwise whole iff excess ≤ maxGap and size ≤ maxSize (bounds inclusive)", async () => {
    const e = await entry(0);
    const whole = (maxGap: number, maxSize: number) =>
      readShardWhole(1, 8, e, () => ({ maxGap, maxSize }));
    // 1 of 8 needed: excess 7 × 8 = 56 B; size 132 + 64 = 196 B.
    expect(whole(56, 196)).toBe(true);
    expect(whole(55, 196)).toBe(false);
    expect(whole(56, 195)).toBe(false);
    expect(whole(0, 0)).toBe(false);
    // The excess counts every inner chunk not needed, in bounds or not.
    expect(readShardWhole(2, 3, e, () => ({ maxGap: 47, maxSize: 1000 }))).toBe(false);
    expect(readShardWhole(2, 3, e, () => ({ maxGap: 48, maxSize: 1000 }))).toBe(true);
  });

  it("per builder, one policy per store, asked at most once; chunks are never whole", async () => {
    const e0 = await entry(0);
    const e1 = await entry(1);
    const asked: number[] = [];
    const policies: Record<number, CoalescePolicy> = {
      0: { maxGap: 56, maxSize: 1000 },
      1: { maxGap: 0, maxSize: 1000 },
    };
    const builders = [
      shardBuilder(0, 0, 0, [3], 8),
      chunkBuilder(1, 0, 0),
      shardBuilder(2, 1, 1, [0, 1], 8),
      shardBuilder(3, 0, 0, [0, 1], 8),
      shardBuilder(4, 1, 1, [0, 1, 2, 3, 4, 5, 6, 7], 8),
      shardBuilder(5, 1, 1, [5], 1),
    ];
    const whole = decideWholeShards(builders, [e0, e1], (s) => {
      asked.push(s);
      return policies[s]!;
    });
    expect(whole).toEqual([true, false, false, true, true, true]);
    expect(asked).toEqual([0, 1]);
  });
});

describe("finishObjects", () => {
  it("freezes builders into objects: inner chunks by index, shard uses empty, same ids", () => {
    const b = shardBuilder(0, 0, 0, [5, 1, 3], 8);
    const c = chunkBuilder(1, 0, 0);
    const task = { coords: [1], count: 1 } as unknown as ChunkTask;
    c.uses.push({ read: 0, task });
    const [s, k] = finishObjects([b, c], [false, false]);
    expect(s!.inner.map((n) => n.index)).toEqual([1, 3, 5]);
    expect([s!.id, s!.kind, s!.whole, s!.uses, s!.innerInBounds, s!.reads]).toEqual([
      0,
      "shard",
      false,
      [],
      8,
      [0],
    ]);
    expect(k!.uses).toEqual([{ read: 0, task }]);
    expect(k!.inner).toEqual([]);
    for (const x of [s!, s!.inner, s!.inner[0]!, s!.reads, k!, k!.uses]) {
      expect(Object.isFrozen(x)).toBe(true);
    }
  });
});

describe("initialFetches", () => {
  it("one request per object: chunk, whole shard, shard index, source", async () => {
    const s = new MemoryStore();
    const c = await createArray(s, "c", {
      shape: [8],
      chunks: [4],
      dtype: "int32",
      compressor: null,
    });
    const z = await createArray(s, "z", { shape: [8], chunks: [4], dtype: "int32" });
    const sh = await sharded(s);
    const start = await createArray(s, "t", {
      shape: [16],
      chunks: [4],
      shards: [8],
      dtype: "uint16",
      compressor: null,
      indexLocation: "start",
    });
    const m = metadataSource([4], [4]);
    const reads = [
      readOf("c", c.lazy().get(slice(0, 2))),
      readOf("z", z.lazy().get(7)),
      readOf("whole", sh.lazy().get(slice(0, 8))),
      readOf("part", sh.lazy().get(9)),
      readOf("start", start.lazy().get(1)),
      { name: "m", source: m, transform: lazy(m).transform },
    ];
    const { arrays, builders } = grouped(reads);
    const whole = decideWholeShards(builders, arrays, () => ({ maxGap: 0, maxSize: 0 }));
    const objects = finishObjects(builders, whole);
    const { fetches, partialShards } = initialFetches(objects, arrays);
    expect(fetches.map((f) => [f.kind, f.object, f.key, f.range, f.bytes, f.wanted])).toEqual([
      ["chunk", 0, "c/c/0", undefined, 16, 16],
      ["chunk", 1, "z/c/1", undefined, undefined, 0],
      ["shard", 2, "s/c/0", undefined, undefined, 0],
      ["index", 3, "s/c/1", { suffixLength: 36 }, 36, 36],
      ["index", 4, "t/c/0", { offset: 0, length: 36 }, 36, 36],
      ["source", 5, "chunk [0]", undefined, undefined, 0],
    ]);
    expect(partialShards).toEqual([3, 4]);
    expect(fetches.every((f) => f.parts.length === 0 && Object.isFrozen(f))).toBe(true);
  });
});

describe("optimize", () => {
  it("is the composition of the steps", async () => {
    const s = new MemoryStore();
    const sh = await sharded(s);
    const c = await createArray(s, "c", { shape: [10], chunks: [4], dtype: "int32" });
    const reads = [
      readOf("a", sh.lazy().vindex([1, 9, 15])),
      readOf("b", c.lazy().get(slice(2, 9))),
      readOf("c", sh.lazy().get(slice(0, 8))),
    ];
    const policy = { maxGap: 8, maxSize: 1000 };
    const o = optimize(reads, () => policy);
    const { stores, arrays, readArrays, tasks, builders } = grouped(reads);
    const objects = finishObjects(
      builders,
      decideWholeShards(builders, arrays, () => policy),
    );
    const { fetches, partialShards } = initialFetches(objects, arrays);
    expect(o).toEqual({
      stores,
      arrays,
      readArrays,
      readTasks: tasks.map((t) => t.tasks.length),
      objects,
      fetches,
      partialShards,
    });
    expect(o.objects.map((x) => [x.key, x.whole])).toEqual([
      ["s/c/0", true],
      ["s/c/1", true],
      ["c/c/0", false],
      ["c/c/1", false],
      ["c/c/2", false],
    ]);
  });
});
