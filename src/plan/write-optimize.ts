/**
 * The write optimizer: writes (a lazy view of an array each) → the stored objects to write, each
 * once, and for each what must be read first. Pure: no IO.
 *
 * Each write's transform is partitioned over its array's grid (the inner chunk grid when the array
 * is sharded with `sharding_indexed` alone) as a read would be; tasks are grouped by stored object
 * (chunk or shard), so a shard touched by many writes is written once. Then:
 * - a chunk whose elements inside the array bounds are all written is **fully covered**: encoded
 *   and stored without reading it;
 * - any other chunk is **read-modify-written**: read, decoded, merged, encoded, stored;
 * - in a shard, each touched inner chunk is fully covered or read-modify-written the same way, and
 *   the inner chunks no write touches are copied from the old shard as they are stored (never
 *   decoded); a shard whose inner chunks inside the bounds are all fully covered is written without
 *   reading it (not even its index).
 * A chunk (or an inner chunk) that ends up equal to the fill value is deleted (left out of the shard
 * index), as zarr-python does; a shard left with no inner chunk is deleted.
 * @module
 */
import { shapeSize } from "../core/ndarray.js";
import type { ChunkTask } from "../index-space/partition.js";
import { coversChunk } from "../index-space/task-ops.js";
import type { ReadableStore } from "../store/types.js";
import { groupTasksByObject, partitionReads, registerArrays } from "./optimize-steps.js";
import type { ArrayEntry, ReadInput } from "./optimize-types.js";

/** One write of a write plan as the optimizer sees it (its view; the value is the executor's). */
export type WriteInput = ReadInput;

/** A task of one write on one chunk (or inner chunk). */
export interface WriteUse {
  /** Index of the write in the plan (writes are applied in this order: the last one wins). */
  readonly write: number;
  readonly task: ChunkTask;
}

/** A touched inner chunk of a shard. */
export interface WriteInnerChunk {
  /** Linear index in C order of the shard's inner grid (the shard index entry). */
  readonly index: number;
  /** Global inner-chunk grid coordinates. */
  readonly coords: readonly number[];
  readonly uses: readonly WriteUse[];
  /** Every element of the inner chunk inside the array bounds is written (no read needed). */
  readonly full: boolean;
}

/** A stored object a write plan writes. */
export interface WriteObject {
  readonly id: number;
  /** `chunk`: one stored chunk (a whole shard when codecs wrap `sharding_indexed`); `shard`: a shard assembled from inner chunks. */
  readonly kind: "chunk" | "shard";
  /** The array whose codecs encode it (the first that wrote it). */
  readonly array: number;
  /** Index into {@link WriteOptimized.stores}. */
  readonly store: number;
  readonly key: string;
  /** Chunk (or shard) grid coordinates. */
  readonly coords: readonly number[];
  /** Tasks of a `chunk`, in write order. */
  readonly uses: readonly WriteUse[];
  /** Touched inner chunks of a `shard`, by increasing index. */
  readonly inner: readonly WriteInnerChunk[];
  /** Inner chunks of the shard inside the array bounds (`shard`; 0 otherwise). */
  readonly innerInBounds: number;
  /** Written without reading it first (every element in bounds is written). */
  readonly full: boolean;
  /** Writes that touch it (indices, increasing). */
  readonly writes: readonly number[];
  /** Decoded bytes this object holds in memory while it is written (chunk, or touched inner chunks). */
  readonly decodedBytes: number;
}

/** The result of {@link optimizeWrites}. */
export interface WriteOptimized {
  readonly stores: readonly ReadableStore[];
  readonly arrays: readonly ArrayEntry[];
  /** Array of each write. */
  readonly writeArrays: readonly number[];
  /** Elements written by each write (its view's size). */
  readonly writeElements: readonly number[];
  readonly objects: readonly WriteObject[];
}

/** The extent of the grid cell at `coords` inside the array bounds. */
function inBoundsShape(a: ArrayEntry, coords: readonly number[]): number[] {
  const cs = a.gridChunkShape;
  const g = a.sharding ? undefined : a.source.chunkGrid;
  return coords.map((c, d) => {
    if (g) return g.chunkEdge(d, c);
    return Math.min(cs[d]!, a.source.shape[d]! - c * cs[d]!);
  });
}

/**
 * Plans `writes`: the objects to store, each once, with what must be read first (see the module
 * doc). Objects come in order of first use (writes in plan order, tasks in storage order).
 * @throws RangeError from partitioning when a transform does not fit its array.
 */
export function optimizeWrites(writes: readonly WriteInput[]): WriteOptimized {
  const { stores, arrays, readArrays } = registerArrays(writes);
  const tasks = partitionReads(writes, arrays, readArrays);
  const builders = groupTasksByObject(tasks, arrays);
  const objects: WriteObject[] = builders.map((b) => {
    const a = arrays[b.array]!;
    const cellBytes = shapeSize(a.gridChunkShape) * a.source.dtype.itemSize;
    if (b.kind === "shard") {
      const inner = [...b.inner!.values()]
        .sort((x, y) => x.index - y.index)
        .map((n) => {
          const uses = n.uses.map((u) => Object.freeze({ write: u.read, task: u.task }));
          return Object.freeze({
            index: n.index,
            coords: n.coords,
            uses: Object.freeze(uses),
            full: coversChunk(
              uses.map((u) => u.task),
              a.gridChunkShape,
              inBoundsShape(a, n.coords),
            ),
          });
        });
      const fullInner = inner.filter((n) => n.full).length;
      return Object.freeze({
        id: b.id,
        kind: "shard" as const,
        array: b.array,
        store: b.store,
        key: b.key,
        coords: b.coords,
        uses: Object.freeze([]),
        inner: Object.freeze(inner),
        innerInBounds: b.innerInBounds,
        full: fullInner === b.innerInBounds,
        writes: Object.freeze([...b.reads]),
        decodedBytes: inner.length * cellBytes,
      });
    }
    const uses = b.uses.map((u) => Object.freeze({ write: u.read, task: u.task }));
    return Object.freeze({
      id: b.id,
      kind: "chunk" as const,
      array: b.array,
      store: b.store,
      key: b.key,
      coords: b.coords,
      uses: Object.freeze(uses),
      inner: Object.freeze([]),
      innerInBounds: 0,
      full: coversChunk(
        uses.map((u) => u.task),
        a.gridChunkShape,
        inBoundsShape(a, b.coords),
      ),
      writes: Object.freeze([...b.reads]),
      decodedBytes: cellBytes,
    });
  });
  return Object.freeze({
    stores,
    arrays,
    writeArrays: readArrays,
    writeElements: Object.freeze(writes.map((w) => shapeSize(w.transform.inputShape))),
    objects: Object.freeze(objects),
  });
}
