/**
 * The optimizer: the reads of a plan → the stored objects they need → requests. Pure: no IO,
 * no timers; the executor (`src/exec`) runs what it returns.
 *
 * Phase 1 ({@link optimize}, before any IO): each read's transform is partitioned over its array's
 * chunk grid (for sharded arrays, over the *inner* chunk grid: inner chunk coordinates are global,
 * the shard holding inner chunk `c` is `floor(c / chunksPerShard)`). Tasks are grouped by stored
 * object, keyed by (store identity, key), so each chunk, shard and shard index is read once however
 * many reads and arrays need it. A shard whose every inner chunk inside the array bounds is needed
 * is read whole (one request, its index comes with it); any other shard needs its index first.
 *
 * Phase 2 ({@link shardReads}, once a shard's index is known): one byte range per needed non-empty
 * inner chunk, coalesced under the store's {@link CoalescePolicy}; empty inner chunks read as the
 * fill value with no request.
 *
 * Sharded arrays whose pipeline has codecs around `sharding_indexed` (array→array before it, or
 * bytes→bytes after it) cannot be read by byte range; they are planned as unsharded arrays whose
 * chunk is the shard. Sources without `storage` are read through `readChunk`.
 *
 * The types are in `optimize-types.ts`, re-exported here.
 * @module
 */
import type { ReadableStore } from "../store/types.js";
import { type CoalescePolicy, coalesce } from "./coalesce.js";
import type {
  ArrayEntry,
  Fetch,
  FetchKind,
  FetchPart,
  FetchRange,
  Layout,
  ObjectKind,
  ObjectNeed,
  Optimized,
  ReadInput,
  ShardIndexLike,
  ShardReads,
  TaskUse,
} from "./optimize-types.js";
import { partition } from "./partition.js";
import type { ArraySource } from "./source.js";

export type {
  ArrayEntry,
  Fetch,
  FetchKind,
  FetchPart,
  FetchRange,
  InnerChunkNeed,
  Layout,
  ObjectKind,
  ObjectNeed,
  Optimized,
  ReadInput,
  ShardIndexLike,
  ShardReads,
  TaskUse,
} from "./optimize-types.js";

const EMPTY: readonly never[] = Object.freeze([]);

function layoutOf(source: ArraySource): Layout {
  const st = source.storage;
  if (!st) return "source";
  const p = st.pipeline;
  return p.sharding && p.arrayToArray.length === 0 && p.bytesToBytes.length === 0
    ? "shards"
    : "chunks";
}

function product(s: readonly number[]): number {
  let n = 1;
  for (const x of s) n *= x;
  return n;
}

interface Builder {
  id: number;
  kind: ObjectKind;
  array: number;
  store: number;
  key: string;
  coords: readonly number[];
  uses: TaskUse[];
  inner: Map<number, { index: number; coords: readonly number[]; uses: TaskUse[] }>;
  innerInBounds: number;
  reads: Set<number>;
  taskCount: number;
}

/**
 * Phase 1: partitions every read and groups the tasks by stored object. Pure.
 *
 * A shard is read whole when every inner chunk inside the array bounds is needed, or when reading
 * it whole is cheap by the store's coalescing policy: what it may read in excess (the inner chunks
 * not needed, at most `cellBytes` each) is at most `maxGap` and the whole shard at most `maxSize`.
 * That saves the index round trip at the price of bytes the policy already deems cheaper than a
 * request (a shard index read is a request *and* a round trip). `policyOf` defaults to
 * `{ maxGap: 0 }`: whole only when fully needed.
 * @throws RangeError from `partition` when a transform does not fit its source.
 */
export function optimize(
  reads: readonly ReadInput[],
  policyOf: (store: ReadableStore) => CoalescePolicy = () => ({ maxGap: 0, maxSize: 0 }),
): Optimized {
  const stores: ReadableStore[] = [];
  const storeIds = new Map<object, number>();
  const arrays: ArrayEntry[] = [];
  const arrayIds = new Map<ArraySource, number>();
  const builders: Builder[] = [];
  const byKey = new Map<string, Builder>();
  const readArrays: number[] = [];
  const readTasks: number[] = [];

  const arrayOf = (source: ArraySource): ArrayEntry => {
    const known = arrayIds.get(source);
    if (known !== undefined) return arrays[known]!;
    const layout = layoutOf(source);
    let store = -1;
    const st = source.storage;
    if (st) {
      store = storeIds.get(st.store) ?? -1;
      if (store < 0) {
        store = stores.length;
        stores.push(st.store);
        storeIds.set(st.store, store);
      }
    }
    const sharding = layout === "shards" ? st!.pipeline.sharding : undefined;
    const gridChunkShape = sharding ? [...sharding.innerChunkShape] : [...source.chunkShape];
    const cellPipeline = sharding ? sharding.innerPipeline : st?.pipeline;
    const decoded = product(gridChunkShape) * source.dtype.itemSize;
    const entry: ArrayEntry = Object.freeze({
      id: arrays.length,
      source,
      layout,
      store,
      gridChunkShape: Object.freeze(gridChunkShape),
      gridShape: Object.freeze(
        source.shape.map((s, d) => (s === 0 ? 0 : Math.ceil(s / gridChunkShape[d]!))),
      ),
      pipeline: st?.pipeline,
      sharding,
      cellBytes: cellPipeline?.encodedSize() ?? decoded,
    });
    arrays.push(entry);
    arrayIds.set(source, entry.id);
    return entry;
  };

  // Per array: object builders by linear grid index (numbers: no key string per task).
  const local = new Map<number, Map<number, Builder>>();
  const builderOf = (
    a: ArrayEntry,
    linear: number,
    coords: () => number[],
    kind: ObjectKind,
    st: ArraySource["storage"],
  ): Builder => {
    let m = local.get(a.id);
    if (!m) {
      m = new Map();
      local.set(a.id, m);
    }
    const known = m.get(linear);
    if (known) return known;
    const c = Object.freeze(coords());
    const key = st ? st.chunkKey(c) : `chunk [${c.join(", ")}]`;
    // Across arrays (the same array opened twice, or two arrays sharing a store): store + key.
    const mapKey = st ? `${kind}${a.store}\u0000${key}` : `a${a.id}\u0000${key}`;
    let b = byKey.get(mapKey);
    if (!b) {
      let inBounds = 0;
      if (kind === "shard") {
        const cps = a.sharding!.chunksPerShard;
        inBounds = 1;
        for (let d = 0; d < cps.length; d++) {
          inBounds *= Math.min(cps[d]!, a.gridShape[d]! - c[d]! * cps[d]!);
        }
      }
      b = {
        id: builders.length,
        kind,
        array: a.id,
        store: a.store,
        key,
        coords: c,
        uses: [],
        inner: new Map(),
        innerInBounds: inBounds,
        reads: new Set(),
        taskCount: 0,
      };
      builders.push(b);
      byKey.set(mapKey, b);
    }
    m.set(linear, b);
    return b;
  };

  reads.forEach((r, ri) => {
    const a = arrayOf(r.source);
    readArrays.push(a.id);
    const part = partition(r.transform, a.gridChunkShape, r.source.shape);
    readTasks.push(part.tasks.length);
    const st = r.source.storage;
    const grid = a.gridShape;
    const nd = grid.length;
    if (a.layout === "shards") {
      const cps = a.sharding!.chunksPerShard;
      const shardGrid = grid.map((g, d) => Math.ceil(g / cps[d]!));
      for (const task of part.tasks) {
        const c = task.coords;
        let linear = 0;
        let index = 0;
        for (let d = 0; d < nd; d++) {
          const q = Math.floor(c[d]! / cps[d]!);
          linear = linear * shardGrid[d]! + q;
          index = index * cps[d]! + (c[d]! - q * cps[d]!);
        }
        const b = builderOf(a, linear, () => c.map((x, d) => Math.floor(x / cps[d]!)), "shard", st);
        let need = b.inner.get(index);
        if (!need) {
          need = { index, coords: c, uses: [] };
          b.inner.set(index, need);
        }
        need.uses.push({ read: ri, task });
        b.reads.add(ri);
        b.taskCount++;
      }
      return;
    }
    for (const task of part.tasks) {
      const c = task.coords;
      let linear = 0;
      for (let d = 0; d < nd; d++) linear = linear * grid[d]! + c[d]!;
      const b = builderOf(a, linear, () => [...c], st ? "chunk" : "source", st);
      b.uses.push({ read: ri, task });
      b.reads.add(ri);
      b.taskCount++;
    }
  });

  const objects: ObjectNeed[] = [];
  const fetches: Fetch[] = [];
  const partialShards: number[] = [];
  for (const b of builders) {
    const a = arrays[b.array]!;
    const inner =
      b.kind === "shard"
        ? [...b.inner.values()]
            .sort((x, y) => x.index - y.index)
            .map((n) =>
              Object.freeze({ index: n.index, coords: n.coords, uses: Object.freeze(n.uses) }),
            )
        : EMPTY;
    let whole = b.kind === "shard" && inner.length === b.innerInBounds;
    if (b.kind === "shard" && !whole) {
      const sh = a.sharding!;
      const policy = policyOf(stores[b.store]!);
      const excess = (sh.innerChunkCount - inner.length) * a.cellBytes;
      const size = sh.indexByteLength + sh.innerChunkCount * a.cellBytes;
      whole = excess <= policy.maxGap && size <= policy.maxSize;
    }
    const obj: ObjectNeed = Object.freeze({
      id: b.id,
      kind: b.kind,
      array: b.array,
      store: b.store,
      key: b.key,
      coords: b.coords,
      uses: b.kind === "shard" ? EMPTY : Object.freeze(b.uses),
      inner: Object.freeze(inner),
      innerInBounds: b.innerInBounds,
      whole,
      reads: Object.freeze([...b.reads].sort((x, y) => x - y)),
      taskCount: b.taskCount,
    });
    objects.push(obj);
    if (b.kind === "shard") {
      const sh = a.sharding!;
      if (whole) {
        fetches.push(fetchOf("shard", obj, undefined, undefined));
      } else {
        const r = sh.indexByteRange();
        fetches.push(fetchOf("index", obj, r, sh.indexByteLength));
        partialShards.push(obj.id);
      }
    } else {
      const fixed = b.kind === "chunk" ? a.pipeline?.encodedSize() : undefined;
      fetches.push(fetchOf(b.kind, obj, undefined, fixed));
    }
  }
  return Object.freeze({
    stores: Object.freeze(stores),
    arrays: Object.freeze(arrays),
    readArrays: Object.freeze(readArrays),
    readTasks: Object.freeze(readTasks),
    objects: Object.freeze(objects),
    fetches: Object.freeze(fetches),
    partialShards: Object.freeze(partialShards),
  });
}

function fetchOf(
  kind: FetchKind,
  obj: ObjectNeed,
  range: FetchRange | undefined,
  bytes: number | undefined,
): Fetch {
  return Object.freeze({
    kind,
    object: obj.id,
    store: obj.store,
    key: obj.key,
    range,
    parts: EMPTY,
    bytes,
    wanted: bytes ?? 0,
  });
}

/**
 * Phase 2: the data requests of a partially needed shard once its index is known: one byte range
 * per needed non-empty inner chunk, coalesced under `policy`. `index === null` means the shard is
 * not stored: every needed inner chunk is empty. Pure.
 * @throws RangeError when the index has fewer entries than the shard's inner chunks.
 */
export function shardReads(
  obj: ObjectNeed,
  index: ShardIndexLike | null,
  policy: CoalescePolicy,
): ShardReads {
  const inner = obj.inner;
  if (index === null) {
    return {
      fetches: EMPTY,
      empty: inner.map((_, i) => i),
      rangesBefore: 0,
      wanted: 0,
      fetched: 0,
    };
  }
  const empty: number[] = [];
  const pos: number[] = [];
  const offs: number[] = [];
  const lens: number[] = [];
  for (let i = 0; i < inner.length; i++) {
    const k = inner[i]!.index;
    if (k >= index.offsets.length) {
      throw new RangeError(
        `shard "${obj.key}": index has ${index.offsets.length} entries, inner chunk ${k} needed`,
      );
    }
    const o = index.offsets[k]!;
    if (o < 0) {
      empty.push(i);
      continue;
    }
    pos.push(i);
    offs.push(o);
    lens.push(index.lengths[k]!);
  }
  const merged = coalesce(offs, lens, policy);
  let wanted = 0;
  let fetched = 0;
  const fetches = merged.map((m): Fetch => {
    wanted += m.wanted;
    fetched += m.length;
    const parts: FetchPart[] = new Array(m.parts.length);
    for (let j = 0; j < m.parts.length; j++) {
      const p = m.parts[j]!;
      parts[j] = { inner: pos[p]!, offset: offs[p]!, length: lens[p]! };
    }
    return Object.freeze({
      kind: "range" as const,
      object: obj.id,
      store: obj.store,
      key: obj.key,
      range: Object.freeze({ offset: m.offset, length: m.length }),
      parts: Object.freeze(parts),
      bytes: m.length,
      wanted: m.wanted,
    });
  });
  return { fetches, empty, rangesBefore: pos.length, wanted, fetched };
}

/**
 * Upper bound of the bytes an object's requests return, before IO, assuming no stored (inner)
 * chunk is larger than its uncompressed size (exact for fixed-size codecs): a chunk; a whole
 * shard (every inner chunk + index); a partial shard: its index, the needed inner chunks and what
 * coalescing under `policy` may bridge between them (at most `maxGap` per merge, at most the
 * other inner chunks of the shard).
 */
export function worstCaseBytes(opt: Optimized, obj: ObjectNeed, policy?: CoalescePolicy): number {
  const a = opt.arrays[obj.array]!;
  if (obj.kind !== "shard") return a.cellBytes;
  const sh = a.sharding!;
  if (obj.whole) return sh.indexByteLength + sh.innerChunkCount * a.cellBytes;
  const n = obj.inner.length;
  const gaps = Math.min(
    (sh.innerChunkCount - n) * a.cellBytes,
    Math.max(0, n - 1) * (policy?.maxGap ?? Number.POSITIVE_INFINITY),
  );
  return sh.indexByteLength + n * a.cellBytes + gaps;
}
