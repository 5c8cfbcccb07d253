/**
 * What the planner needs to know of an array, and how a lazy selection gets executed,
 * without `src/plan` doing any IO itself.
 * @module
 */

import type { DataType, DataTypeName, Scalar } from "../core/dtype.js";
import type { NDArray } from "../core/ndarray.js";
import type { CodecPipeline } from "../format/codecs/pipeline.js";
import type { RectilinearChunkGrid } from "../format/rectilinear-grid.js";
import type { ReadableStore } from "../store/types.js";

/** Options of one read. */
export interface ReadOptions {
  /** Aborting it stops issuing requests and aborts those in flight (`AbortError`). */
  signal?: AbortSignal;
  /** Maximum number of chunk reads in flight for this read. */
  concurrency?: number;
}

/** Options of one execution of a write plan (`LazyArray.write`, `WritePlan.write`). */
export interface WritePlanOptions {
  /** Aborting stops before the next object is prepared or stored (objects already stored stay). */
  signal?: AbortSignal;
  /** Objects prepared (read, merged, encoded) and stored at once (default 8). */
  concurrency?: number;
  /**
   * Decoded bytes held at once (default 256 MiB): objects are prepared and stored in batches of
   * at most this many decoded bytes (at least one object per batch). Within a batch every object
   * is read, merged and encoded before the first is stored, so a failure there stores nothing of
   * the batch; a plan that fits one batch is all-or-nothing for everything but store failures.
   */
  maxBytesInMemory?: number;
}

/** What a write plan did (`LazyArray.write`, `WritePlan.write`). */
export interface WriteResult {
  /** Objects stored (`set`), chunks or shards. */
  readonly stored: number;
  /** Objects deleted because they came out equal to the fill value (or held no inner chunk). */
  readonly deleted: number;
  /** Objects read before writing (read-modify-write), counting reads again after a conflict. */
  readonly read: number;
  /** Conditional writes retried because another writer changed the object. */
  readonly conflicts: number;
  /** Inner chunks copied from old shards as stored (not decoded). */
  readonly innerCopied: number;
  /** Inner chunks encoded (shards). */
  readonly innerEncoded: number;
  /** Bytes stored. */
  readonly bytesStored: number;
  /** Bytes read (read-modify-write). */
  readonly bytesRead: number;
}

/**
 * Where an array's chunks live, for executors that read bytes themselves (byte ranges of shards,
 * requests shared between arrays and plans) instead of calling {@link ArraySource.readChunk}.
 */
export interface ArrayStorage {
  /** The store holding the chunks; its object identity identifies it in plans. */
  readonly store: ReadableStore;
  /** Store key of the chunk (shard, when sharded) at grid coordinates `coords`. */
  chunkKey(coords: readonly number[]): string;
  /** Codec pipeline of one chunk (shard); `pipeline.sharding` is set for sharded arrays. */
  readonly pipeline: CodecPipeline;
  /**
   * Optional, for a rectilinear {@link ArraySource.chunkGrid}: the codec pipeline of the chunk at
   * `coords`, bound to that chunk's own shape (its edge lengths).
   */
  pipelineAt?(coords: readonly number[]): CodecPipeline;
}

/**
 * An opened array as the planner sees it: metadata known, chunks readable.
 * Implemented by opened Zarr arrays (`src/hierarchy`) and by in-memory test sources.
 * `D` is the data type name when known (`ArraySource` alone: any data type).
 */
export interface ArraySource<D extends DataTypeName = DataTypeName> {
  /** Node path of the array inside its store (`""` for the root), used in error messages. */
  readonly path: string;
  /** Array shape (elements). */
  readonly shape: readonly number[];
  /**
   * The chunk grid's cell shape (elements): the unit `readChunk` reads and chunk keys name, i.e.
   * the shard shape for sharded arrays.
   */
  readonly chunkShape: readonly number[];
  /**
   * Optional: a rectilinear chunk grid (zarr-extensions `chunk-grids/rectilinear`). Then
   * {@link chunkShape} is the grid's `maxChunkShape` and `readChunk` returns each chunk at its own
   * shape (`chunkGrid.chunkShapeAt(coords)`).
   */
  readonly chunkGrid?: RectilinearChunkGrid | undefined;
  /** Data type of the elements (`dtype.name` is `D`). */
  readonly dtype: DataType<D>;
  /** Value of the elements of chunks that are not stored. */
  readonly fillValue: Scalar;
  /**
   * Optional: one name per dimension (`null`: unnamed), as v3 `dimension_names` or v2
   * `_ARRAY_DIMENSIONS` give them; selections by name (`LazyArray.isel`) need it.
   */
  readonly dimensionNames?: readonly (string | null)[] | null;
  /**
   * Reads and decodes the chunk at grid coordinates `coords`: a C-order NDArray of the full
   * chunk shape (edge chunks included), or `undefined` when the chunk is not stored (reads as `fillValue`).
   */
  readChunk(coords: readonly number[], options?: ReadOptions): Promise<NDArray<D> | undefined>;
  /**
   * Optional: the store, key encoding and codecs behind `readChunk`. When present, the plan
   * executor reads bytes itself (shard indexes, coalesced byte ranges, deduplicated requests);
   * without it, it falls back to `readChunk`.
   */
  readonly storage?: ArrayStorage;
}
