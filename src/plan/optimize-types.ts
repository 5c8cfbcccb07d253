/**
 * The optimizer's data model: what goes in ({@link ReadInput}), what phase 1 returns
 * ({@link Optimized}: arrays, stored objects, requests known before IO) and what phase 2 returns
 * ({@link ShardReads}). Types only; the steps are in `optimize-steps.ts`, the entry points
 * (`optimize`, `shardReads`, `worstCaseBytes`) in `optimize.ts`, which re-exports these types.
 * @module
 */
import type { CodecPipeline } from "../format/codecs/pipeline.js";
import type { ShardAccess } from "../format/codecs/types.js";
import type { ChunkTask } from "../index-space/partition.js";
import type { ArraySource } from "../index-space/source.js";
import type { IndexTransform } from "../index-space/transform.js";
import type { ReadableStore } from "../store/types.js";

/** One read of a plan as the optimizer sees it. */
export interface ReadInput {
  readonly name: string;
  readonly source: ArraySource;
  readonly transform: IndexTransform;
}

/**
 * How an array is read: `chunks` (one GET per chunk key), `shards` (shard indexes and inner-chunk
 * byte ranges), `source` (`ArraySource.readChunk`, no store access).
 */
export type Layout = "chunks" | "shards" | "source";

/** An array read by a plan (one per distinct `ArraySource`). */
export interface ArrayEntry {
  readonly id: number;
  readonly source: ArraySource;
  readonly layout: Layout;
  /** Index into {@link Optimized.stores}; −1 for `source`. */
  readonly store: number;
  /** The grid tasks refer to: the chunk shape, or the inner chunk shape when sharded (elements). */
  readonly gridChunkShape: readonly number[];
  /** Number of grid cells along each dimension. */
  readonly gridShape: readonly number[];
  /** Codec pipeline of one stored object (chunk or shard); absent for `source`. */
  readonly pipeline: CodecPipeline | undefined;
  /** The sharding codec (layout `shards` only). */
  readonly sharding: ShardAccess | undefined;
  /** Upper bound of the stored bytes of one grid cell (chunk or inner chunk): exact for fixed-size codecs, else the decoded size. */
  readonly cellBytes: number;
}

/** One task of one read, served by a stored object. */
export interface TaskUse {
  /** Index of the read in the plan. */
  readonly read: number;
  readonly task: ChunkTask;
}

/** An inner chunk of a shard that some read needs. */
export interface InnerChunkNeed {
  /** Linear index in C order of the shard's inner grid (the shard index entry). */
  readonly index: number;
  /** Global inner-chunk grid coordinates. */
  readonly coords: readonly number[];
  readonly uses: readonly TaskUse[];
}

/** Kinds of stored objects. */
export type ObjectKind = "chunk" | "shard" | "source";

/** A stored object (chunk, shard, or source chunk) the plan needs. */
export interface ObjectNeed {
  readonly id: number;
  readonly kind: ObjectKind;
  /** The array used to decode it (the first array that needed it). */
  readonly array: number;
  /** Index into {@link Optimized.stores}; −1 for `source`. */
  readonly store: number;
  /** Store key (for `source`: a description of the chunk). */
  readonly key: string;
  /** Chunk (or shard) grid coordinates. */
  readonly coords: readonly number[];
  /** Tasks served (`chunk` and `source`). */
  readonly uses: readonly TaskUse[];
  /** Needed inner chunks, by increasing index (`shard`). */
  readonly inner: readonly InnerChunkNeed[];
  /** Inner chunks of the shard inside the array bounds (`shard`). */
  readonly innerInBounds: number;
  /** Read the whole shard in one request (every inner chunk in bounds is needed, or reading it whole is cheap; see `decideWholeShards`). */
  readonly whole: boolean;
  /** Reads served by this object (indices, increasing). */
  readonly reads: readonly number[];
  /** Number of tasks served (for progress). */
  readonly taskCount: number;
}

/** What a request fetches. */
export type FetchKind = "chunk" | "shard" | "index" | "range" | "source";

/** Byte range of a request, as stores take it. */
export type FetchRange =
  | { readonly offset: number; readonly length: number }
  | { readonly suffixLength: number };

/** One request. */
export interface Fetch {
  readonly kind: FetchKind;
  /** The object it belongs to. */
  readonly object: number;
  /** Index into {@link Optimized.stores}; −1 for `source`. */
  readonly store: number;
  readonly key: string;
  /** `index` and `range` only. */
  readonly range: FetchRange | undefined;
  /** `range` only: positions in `ObjectNeed.inner` of the inner chunks it serves, with their byte spans. */
  readonly parts: readonly FetchPart[];
  /** Bytes requested when known before the request (ranges, indexes, fixed-size chunks). */
  readonly bytes: number | undefined;
  /** `range` only: bytes of the inner chunks inside it (`bytes − wanted` is over-read). */
  readonly wanted: number;
}

/** An inner chunk served by a `range` request. */
export interface FetchPart {
  /** Position in `ObjectNeed.inner`. */
  readonly inner: number;
  /** Byte offset of the inner chunk in the shard. */
  readonly offset: number;
  /** Bytes of the inner chunk. */
  readonly length: number;
}

/** The result of `optimize` (phase 1). */
export interface Optimized {
  /** Distinct stores, in order of first use. */
  readonly stores: readonly ReadableStore[];
  readonly arrays: readonly ArrayEntry[];
  /** Array of each read. */
  readonly readArrays: readonly number[];
  /** Tasks of each read. */
  readonly readTasks: readonly number[];
  /** Objects, in order of first use (reads in plan order, tasks in storage order). */
  readonly objects: readonly ObjectNeed[];
  /** Requests known before any IO: chunk, whole-shard, shard-index and source reads. */
  readonly fetches: readonly Fetch[];
  /** Objects whose data requests depend on their shard index. */
  readonly partialShards: readonly number[];
}

/** The decoded shard index as the optimizer needs it (`ShardIndex` fits). */
export interface ShardIndexLike {
  /** Byte offset of each inner chunk (−1 when empty). */
  readonly offsets: ArrayLike<number>;
  /** Byte length of each inner chunk. */
  readonly lengths: ArrayLike<number>;
}

/** The result of `shardReads` (phase 2). */
export interface ShardReads {
  /** Coalesced range requests. */
  readonly fetches: readonly Fetch[];
  /** Positions in `ObjectNeed.inner` of needed inner chunks that are empty (fill value, no request). */
  readonly empty: readonly number[];
  /** Byte ranges before coalescing (one per needed non-empty inner chunk). */
  readonly rangesBefore: number;
  /** Bytes of the needed inner chunks. */
  readonly wanted: number;
  /** Bytes requested. */
  readonly fetched: number;
}
