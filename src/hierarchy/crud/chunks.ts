/**
 * Chunk IO by store, path and metadata: read, write and delete one chunk (a whole shard when
 * sharded) with no opened array. The chunk's store key follows the Zarr v3 core specification
 * ("Chunk key encoding") and Zarr v2 (`dimension_separator`); its bytes are encoded and decoded
 * by the array's codec pipeline ("Codecs"), taken from the Context's pipeline cache, so repeated
 * calls with the same metadata build it once. `ZarrArray.readChunk` / `writeChunk` /
 * `deleteChunk` run the same code.
 * @module
 */
import { IndexError, MetadataError, ZarrPlanError } from "../../core/errors.js";
import { type NDArray, ndarrayProblem } from "../../core/ndarray.js";
import { type Context, defaultContext } from "../../exec/context.js";
import { chunkKey } from "../../format/chunk-key.js";
import type { CodecPipeline } from "../../format/codecs/index.js";
import type { ArrayMetadata } from "../../format/model.js";
import {
  type AnyStore,
  isWritable,
  type ReadableStore,
  type WritableStore,
} from "../../store/types.js";
import { asStore } from "../../store/zarrita.js";
import { keyOf, normalizePath } from "../paths.js";

/** Options of the functional chunk IO ({@link readChunk}, {@link writeChunk}, {@link deleteChunk}). */
export interface ChunkIOOptions {
  /** The Context the requests go through (limits, retries, request log, pipeline cache). Default: the default Context. */
  context?: Context;
  /** Aborting it aborts the request (`AbortError`). */
  signal?: AbortSignal;
}

/**
 * What chunk IO needs of an array: where it is, its metadata and the pipeline of a whole chunk.
 * A `ZarrArray` is one.
 */
export interface ChunkTarget {
  readonly context: Context;
  readonly store: AnyStore;
  /** Normalised node path. */
  readonly path: string;
  readonly metadata: ArrayMetadata;
  /** Store key of the metadata document (named by errors). */
  readonly metadataKey: string;
  /** The codec pipeline of a chunk of the full chunk shape. */
  readonly pipeline: CodecPipeline;
}

/** Store key of the metadata document of the array at normalised `path`. */
export function arrayMetadataKey(path: string, metadata: ArrayMetadata): string {
  return keyOf(path, metadata.zarrFormat === 3 ? "zarr.json" : ".zarray");
}

/**
 * The codec pipeline of a chunk of `metadata.chunkShape` (the shard shape when sharded), from
 * the Context's pipeline cache.
 * @throws UnknownCodecError / MetadataError naming `metadataKey` when it cannot be built.
 */
export function arrayPipeline(
  context: Context,
  metadata: ArrayMetadata,
  metadataKey: string,
): CodecPipeline {
  return context.pipelines.get(
    metadata.codecs,
    { shape: metadata.chunkShape, dataType: metadata.dataType, fillValue: metadata.fillValue },
    metadataKey,
  );
}

/**
 * The codec pipeline of the chunk at `coords` of `t`: `t.pipeline`, or with a rectilinear grid
 * one bound to that chunk's own edge lengths (from the Context's pipeline cache).
 * @throws RangeError when `coords` is outside a rectilinear grid.
 */
export function chunkPipeline(t: ChunkTarget, coords: readonly number[]): CodecPipeline {
  const { metadata } = t;
  const g = metadata.chunkGrid;
  if (!g) return t.pipeline;
  coords.forEach((c, k) => {
    if (!(Number.isInteger(c) && c >= 0 && c < g.gridShape[k]!)) {
      throw new RangeError(
        `array "${t.path}": chunk coordinate ${c} is outside the grid [0, ${g.gridShape[k]}) along dimension ${k}`,
      );
    }
  });
  const shape = g.chunkShapeAt(coords);
  if (shape.every((s, k) => s === metadata.chunkShape[k])) return t.pipeline;
  return t.context.pipelines.get(
    metadata.codecs,
    { shape, dataType: metadata.dataType, fillValue: metadata.fillValue },
    t.metadataKey,
  );
}

/** The store key of the chunk at grid coordinates `coords` of the array at normalised `path`. */
export function chunkKeyOf(
  path: string,
  metadata: ArrayMetadata,
  coords: readonly number[],
): string {
  return keyOf(path, chunkKey(metadata.chunkKeyEncoding, coords));
}

/**
 * Checks chunk grid coordinates: one non-negative integer per dimension, inside the grid.
 * @throws IndexError (`ERR_INDEX`) naming the array, the dimension and the value.
 */
export function checkChunkCoords(
  path: string,
  metadata: ArrayMetadata,
  coords: readonly number[],
): void {
  const shape = metadata.shape;
  if (!Array.isArray(coords) || coords.length !== shape.length) {
    throw new IndexError(
      `chunk coordinates must be ${shape.length} integers (one per dimension), got ${JSON.stringify(coords)}`,
      { path, value: coords },
    );
  }
  const grid = metadata.chunkGrid?.gridShape;
  coords.forEach((c, d) => {
    const n = grid ? grid[d]! : Math.ceil(shape[d]! / metadata.chunkShape[d]!);
    if (!(Number.isSafeInteger(c) && c >= 0 && c < Math.max(1, n))) {
      throw new IndexError(
        `chunk coordinate ${String(c)} is outside the chunk grid [0, ${Math.max(1, n)}) along dimension ${d}`,
        { path, dimension: d, value: c },
      );
    }
  });
}

/**
 * Reads and decodes the chunk at `coords` of `t`, or `undefined` when its key is missing.
 * The size read is bounded by the pipeline's largest encoded chunk, when it has one.
 */
export async function readChunkOf(
  t: ChunkTarget,
  coords: readonly number[],
  signal: AbortSignal | undefined,
): Promise<NDArray | undefined> {
  checkChunkCoords(t.path, t.metadata, coords);
  const key = chunkKeyOf(t.path, t.metadata, coords);
  const pipeline = chunkPipeline(t, coords);
  const bound = pipeline.maxEncodedSize();
  const max = bound !== undefined && Number.isSafeInteger(bound) ? bound : undefined;
  const bytes = await t.context.fetch(t.store, key, undefined, {
    ...(signal ? { signal } : {}),
    ...(max === undefined ? {} : { maxBytes: max }),
  });
  if (bytes === undefined) return undefined;
  return pipeline.decode(bytes, { key });
}

/** The store of `t`, written through its Context. @throws ZarrPlanError `ERR_READ_ONLY`. */
function writableStore(t: ChunkTarget): ReadableStore & WritableStore {
  if (!isWritable(t.store)) {
    throw new ZarrPlanError("ERR_READ_ONLY", `array "${t.path}": the store is read-only`);
  }
  return t.context.through(t.store) as ReadableStore & WritableStore;
}

/** Encodes and stores `chunk` at `coords` of `t`; a chunk all `fill_value` is deleted instead. */
export async function writeChunkOf(
  t: ChunkTarget,
  coords: readonly number[],
  chunk: NDArray,
  signal: AbortSignal | undefined,
): Promise<void> {
  const store = writableStore(t);
  checkChunkCoords(t.path, t.metadata, coords);
  const key = chunkKeyOf(t.path, t.metadata, coords);
  const problem = ndarrayProblem(chunk);
  if (problem) {
    throw new ZarrPlanError(
      "ERR_WRITE",
      `array "${t.path}": the chunk to write at "${key}" is not a valid NDArray: ${problem}`,
    );
  }
  const pipeline = chunkPipeline(t, coords);
  const options = signal ? { signal } : {};
  if (pipeline.isFill(chunk)) {
    await store.delete(key, options);
    return;
  }
  await store.set(key, await pipeline.encode(chunk, { key }), options);
}

/** Deletes the chunk at `coords` of `t`. */
export async function deleteChunkOf(
  t: ChunkTarget,
  coords: readonly number[],
  signal: AbortSignal | undefined,
): Promise<void> {
  const store = writableStore(t);
  checkChunkCoords(t.path, t.metadata, coords);
  await store.delete(chunkKeyOf(t.path, t.metadata, coords), signal ? { signal } : {});
}

/**
 * The chunk target of the array at `path` of `store` with `metadata`.
 * @throws MetadataError when `metadata` is not an array's; InvalidPathError (`ERR_PATH`).
 */
function targetOf(
  store: unknown,
  path: string,
  metadata: ArrayMetadata,
  options: ChunkIOOptions,
): ChunkTarget {
  const p = normalizePath(path);
  if (metadata?.nodeType !== "array") {
    throw new MetadataError(keyOf(p, "zarr.json"), [
      {
        field: "node_type",
        message: `expected an array's metadata (ArrayMetadata, e.g. from readMetadata), got ${metadata?.nodeType === "group" ? "a group's" : String(metadata)}`,
      },
    ]);
  }
  const context = options.context ?? defaultContext();
  const metadataKey = arrayMetadataKey(p, metadata);
  return {
    context,
    store: asStore(store),
    path: p,
    metadata,
    metadataKey,
    pipeline: arrayPipeline(context, metadata, metadataKey),
  };
}

/**
 * Reads and decodes one chunk (a whole shard when sharded) of the array at `path` whose metadata
 * is `metadata` (e.g. from `readMetadata`), without opening it. The codec pipeline comes from
 * the Context's pipeline cache (built once per distinct metadata).
 * @param coords chunk grid coordinates, one non-negative integer per dimension (counted in
 *   chunks of `metadata.chunkShape`, i.e. shards when sharded).
 * @returns a C-order NDArray of the chunk shape (a rectilinear grid: the chunk's own edge
 *   lengths) and the array's data type, or `undefined` when the chunk's key is missing (the
 *   chunk reads as `fill_value`).
 * @throws IndexError (`ERR_INDEX`) for coordinates outside the chunk grid; MetadataError when
 *   `metadata` is not an array's; UnknownCodecError / MetadataError when its codec pipeline
 *   cannot be built; InvalidPathError (`ERR_PATH`); CodecError / ChecksumError naming the key
 *   when the bytes are corrupt; StoreError; AbortError.
 */
export async function readChunk(
  store: unknown,
  path: string,
  metadata: ArrayMetadata,
  coords: readonly number[],
  options: ChunkIOOptions = {},
): Promise<NDArray | undefined> {
  return readChunkOf(targetOf(store, path, metadata, options), coords, options.signal);
}

/**
 * Encodes and stores one whole chunk (a whole shard when sharded) of the array at `path` whose
 * metadata is `metadata`. A chunk whose elements all equal `fill_value` is deleted instead of
 * stored (as zarr-python does by default). The store's `set` makes the write atomic where it
 * can (FileSystemStore: temp file + rename); no read-modify-write is done.
 * @param coords chunk grid coordinates (see {@link readChunk}).
 * @param chunk an NDArray of the chunk shape (a rectilinear grid: the chunk's own edge
 *   lengths), any strides, of the array's data type.
 * @throws IndexError (`ERR_INDEX`) for coordinates outside the chunk grid; ZarrPlanError
 *   `ERR_READ_ONLY` for a read-only store, `ERR_WRITE` for an invalid NDArray; RangeError when
 *   its shape or data type is not the chunk's; MetadataError / UnknownCodecError; CodecError;
 *   StoreError; AbortError.
 */
export async function writeChunk(
  store: unknown,
  path: string,
  metadata: ArrayMetadata,
  coords: readonly number[],
  chunk: NDArray,
  options: ChunkIOOptions = {},
): Promise<void> {
  await writeChunkOf(targetOf(store, path, metadata, options), coords, chunk, options.signal);
}

/**
 * Deletes one chunk (a whole shard when sharded) of the array at `path`: it then reads as
 * `fill_value` (Zarr v3 core specification: a missing chunk is the fill value). Deleting a
 * missing chunk is not an error.
 * @param coords chunk grid coordinates (see {@link readChunk}).
 * @throws IndexError (`ERR_INDEX`) for coordinates outside the chunk grid; ZarrPlanError
 *   `ERR_READ_ONLY` for a read-only store; MetadataError; StoreError; AbortError.
 */
export async function deleteChunk(
  store: unknown,
  path: string,
  metadata: ArrayMetadata,
  coords: readonly number[],
  options: ChunkIOOptions = {},
): Promise<void> {
  await deleteChunkOf(targetOf(store, path, metadata, options), coords, options.signal);
}
