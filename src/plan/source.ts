/**
 * What the planner needs to know of an array, and how a lazy selection gets executed,
 * without `src/plan` doing any IO itself.
 * @module
 */
import type { DataType, Scalar } from "../format/dtype.js";
import type { NDArray } from "../format/ndarray.js";

/** Options of one read. */
export interface ReadOptions {
  /** Aborting it stops issuing requests and aborts those in flight (`AbortError`). */
  signal?: AbortSignal;
  /** Maximum number of chunk reads in flight for this read. */
  concurrency?: number;
}

/**
 * An opened array as the planner sees it: metadata known, chunks readable.
 * Implemented by opened Zarr arrays (`src/hierarchy`) and by in-memory test sources.
 */
export interface ArraySource {
  /** Node path of the array inside its store (`""` for the root), used in error messages. */
  readonly path: string;
  /** Array shape (elements). */
  readonly shape: readonly number[];
  /** Regular chunk grid's chunk shape (elements); the shard shape for sharded arrays. */
  readonly chunkShape: readonly number[];
  readonly dtype: DataType;
  readonly fillValue: Scalar;
  /**
   * Reads and decodes the chunk at grid coordinates `coords`: a C-order NDArray of the full
   * chunk shape (edge chunks included), or `undefined` when the chunk is not stored (reads as `fillValue`).
   */
  readChunk(coords: readonly number[], options?: ReadOptions): Promise<NDArray | undefined>;
}
