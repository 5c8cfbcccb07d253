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
 * The steps are named and tested one by one in `optimize-steps.ts`.
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
import { shapeSize } from "../core/ndarray.js";
import type { ReadableStore } from "../store/types.js";
import { type CoalescePolicy, coalesce } from "./coalesce.js";
import {
  decideWholeShards,
  finishObjects,
  groupTasksByObject,
  initialFetches,
  partitionReads,
  registerArrays,
} from "./optimize-steps.js";
import type {
  Fetch,
  FetchPart,
  ObjectNeed,
  Optimized,
  ReadInput,
  ShardIndexLike,
  ShardReads,
} from "./optimize-types.js";

export {
  arrayEntryOf,
  decideWholeShards,
  fetchOf,
  finishObjects,
  groupTasksByObject,
  type InitialFetches,
  type InnerChunkBuilder,
  initialFetches,
  innerChunksInBounds,
  layoutOf,
  type ObjectBuilder,
  partitionReads,
  type ReadTasks,
  type RegisteredArrays,
  readShardWhole,
  registerArrays,
} from "./optimize-steps.js";
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

/**
 * Phase 1: partitions every read and groups the tasks by stored object. Pure. In: the reads, and
 * the coalescing policy of a store (asked at most once per store, only for shards not fully
 * needed). Out: stores, arrays, objects and the requests known before IO. Runs the steps of
 * `optimize-steps.ts` in order: `registerArrays` → `partitionReads` → `groupTasksByObject` →
 * `decideWholeShards` → `finishObjects` → `initialFetches`.
 *
 * A shard is read whole when every inner chunk inside the array bounds is needed, or when reading
 * it whole is cheap by the store's coalescing policy (`readShardWhole`: what it may read in excess
 * is at most `maxGap` and the whole shard at most `maxSize`). That saves the index round trip at
 * the price of bytes the policy already deems cheaper than a request (a shard index read is a
 * request *and* a round trip). `policyOf` defaults to `{ maxGap: 0, maxSize: 0 }`: whole only when
 * fully needed.
 * @throws RangeError from `partition` when a transform does not fit its source.
 */
export function optimize(
  reads: readonly ReadInput[],
  policyOf: (store: ReadableStore) => CoalescePolicy = () => ({ maxGap: 0, maxSize: 0 }),
): Optimized {
  const { stores, arrays, readArrays } = registerArrays(reads);
  const tasks = partitionReads(reads, arrays, readArrays);
  const builders = groupTasksByObject(tasks, arrays);
  const whole = decideWholeShards(builders, arrays, (s) => policyOf(stores[s]!));
  const objects = finishObjects(builders, whole);
  const { fetches, partialShards } = initialFetches(objects, arrays);
  return Object.freeze({
    stores: Object.freeze(stores),
    arrays: Object.freeze(arrays),
    readArrays: Object.freeze(readArrays),
    readTasks: Object.freeze(tasks.map((t) => t.tasks.length)),
    objects: Object.freeze(objects),
    fetches: Object.freeze(fetches),
    partialShards: Object.freeze(partialShards),
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
  if (obj.kind !== "shard") {
    // A rectilinear grid: the chunk's own shape fixes its size.
    const at = a.source.chunkGrid ? a.source.storage?.pipelineAt?.(obj.coords) : undefined;
    if (!at) return a.cellBytes;
    return at.encodedSize() ?? shapeSize(at.spec.shape) * a.source.dtype.itemSize;
  }
  const sh = a.sharding!;
  if (obj.whole) return sh.indexByteLength + sh.innerChunkCount * a.cellBytes;
  const n = obj.inner.length;
  const gaps = Math.min(
    (sh.innerChunkCount - n) * a.cellBytes,
    Math.max(0, n - 1) * (policy?.maxGap ?? Number.POSITIVE_INFINITY),
  );
  return sh.indexByteLength + n * a.cellBytes + gaps;
}
