/**
 * An opened Zarr array: metadata, chunk IO (read, write, delete) and region writes.
 * Follows the Zarr v3 core specification ("Array metadata", "Chunk grids", "Chunk key encoding")
 * and the Zarr v2 specification for v2 arrays.
 * @module
 */

import type { DataType, DataTypeName, Scalar } from "../core/dtype.js";
import { ZarrPlanError } from "../core/errors.js";
import { type NDArray, ndarrayProblem, shapeSize } from "../core/ndarray.js";
import { assignedLanes } from "../core/scalar.js";
import { type Context, defaultContext } from "../exec/context.js";
import { gridShape } from "../format/chunk-grid.js";
import type { CodecPipeline, ShardAccess } from "../format/codecs/index.js";
import { dimensionNamesOf } from "../format/metadata/dimension-names.js";
import type { ArrayMetadata } from "../format/model.js";
import type { RectilinearChunkGrid } from "../format/rectilinear-grid.js";
import { type LazyArray, lazy } from "../index-space/lazy.js";
import { slice } from "../index-space/selection.js";
import type { ArraySource, ArrayStorage, ReadOptions } from "../index-space/source.js";
import {
  type AnyStore,
  isWritable,
  type ReadableStore,
  type WritableStore,
} from "../store/types.js";
import { type UpdateAttributesOptions, updateNodeAttributes } from "./attributes.js";
import {
  arrayMetadataKey,
  arrayPipeline,
  chunkKeyOf,
  chunkPipeline,
  deleteChunkOf,
  readChunkOf,
  writeChunkOf,
} from "./crud/chunks.js";
import { appendedShape, type ResizeOptions, resizeArrayMetadata } from "./resize.js";

/** Options of a write. */
export interface WriteOptions {
  signal?: AbortSignal;
}

/**
 * An opened array. Implements {@link ArraySource}, so `array.lazy()` selections can be planned over it.
 * Values are C-order NDArrays whose dtype is {@link ZarrArray.dtype}.
 *
 * `D` is the data type name when known: `createArray(…, { dtype: "float32" })` and
 * `openArray(store, path, { dtype: "float32" })` give a `ZarrArray<"float32">`, whose `read()`
 * has `Float32Array` data. An array opened without a data type is a `ZarrArray` (any data type);
 * {@link ZarrArray.is} narrows it.
 */
export class ZarrArray<D extends DataTypeName = DataTypeName> implements ArraySource<D> {
  /**
   * The codec pipeline of one chunk (shard, when sharded), from the Context's pipeline cache:
   * arrays with equal codecs, chunk shape, data type and fill value share it.
   */
  readonly pipeline: CodecPipeline;
  readonly store: AnyStore;
  /** Node path inside the store (`""` = the store root). */
  readonly path: string;
  /**
   * One name per dimension (`null`: unnamed) from v3 `dimension_names`, else the
   * `_ARRAY_DIMENSIONS` attribute (xarray's convention); `null` when the array has none.
   */
  readonly dimensionNames: readonly (string | null)[] | null;
  readonly metadata: ArrayMetadata;
  /** The Context its reads run in (request limits, retries, caches, decode workers). */
  readonly context: Context;

  /**
   * Usually obtained from `open`/`openArray`/`createArray`.
   * @param context runs its reads (default: the default Context).
   * @throws UnknownCodecError / MetadataError when the codec pipeline cannot be built.
   */
  constructor(
    store: AnyStore,
    path: string,
    metadata: ArrayMetadata,
    context: Context = defaultContext(),
  ) {
    this.store = store;
    this.path = path;
    this.metadata = metadata;
    this.context = context;
    this.dimensionNames = dimensionNamesOf(metadata);
    this.pipeline = arrayPipeline(context, metadata, this.metadataKey);
  }

  /** `"array"`. */
  get kind(): "array" {
    return "array";
  }
  /** Store key of the metadata document (`zarr.json` or `.zarray`). */
  get metadataKey(): string {
    return arrayMetadataKey(this.path, this.metadata);
  }
  /** Array shape in elements. */
  get shape(): readonly number[] {
    return this.metadata.shape;
  }
  /**
   * The chunk grid's cell shape (elements): the shard shape when sharded, else the chunk shape.
   * What {@link readChunk}, {@link chunkKey} and {@link chunkGridShape} count in. For the shape of
   * the chunks as zarr-python 3 names them see {@link chunks} and {@link shards}.
   */
  get chunkShape(): readonly number[] {
    return this.metadata.chunkShape;
  }
  /**
   * The chunk shape (elements), as zarr-python 3's `Array.chunks`: the inner chunk shape of the
   * sharding codec when the array is sharded (see {@link shards}), else the chunk grid's
   * {@link chunkShape}. With nested sharding this is the outer codec's inner chunk shape (itself a
   * shard of the nested codec).
   */
  get chunks(): readonly number[] {
    return this.shardAccess()?.innerChunkShape ?? this.metadata.chunkShape;
  }
  /**
   * The shard shape (elements), as zarr-python 3's `Array.shards`: the chunk grid's
   * {@link chunkShape} when the codec pipeline is exactly one `sharding_indexed` codec, else `null`.
   */
  get shards(): readonly number[] | null {
    return this.shardAccess() ? this.metadata.chunkShape : null;
  }
  /** Number of chunks (shards) along each dimension. */
  get chunkGridShape(): number[] {
    const g = this.metadata.chunkGrid;
    return g ? [...g.gridShape] : gridShape(this.metadata.shape, this.metadata.chunkShape);
  }
  /**
   * The rectilinear chunk grid (zarr-extensions `chunk-grids/rectilinear`) when the array has
   * one, else `undefined` (a regular grid of {@link chunkShape}). With one, {@link chunkShape}
   * is its largest chunk and each chunk is read and written at its own edge lengths
   * (`chunkGrid.chunkShapeAt(coords)`).
   */
  get chunkGrid(): RectilinearChunkGrid | undefined {
    return this.metadata.chunkGrid;
  }

  /**
   * The codec pipeline of the chunk at `coords`: {@link pipeline}, or with a rectilinear grid one
   * bound to that chunk's own shape.
   * @throws RangeError when `coords` is outside a rectilinear grid.
   */
  pipelineAt(coords: readonly number[]): CodecPipeline {
    return chunkPipeline(this, coords);
  }

  /** Data type of the elements (`dtype.name` is `D`). */
  get dtype(): DataType<D> {
    // D is the metadata's data type by construction (createArray, openArray's dtype check, is()).
    return this.metadata.dataType as DataType<D>;
  }
  get fillValue(): Scalar {
    return this.metadata.fillValue;
  }
  get ndim(): number {
    return this.metadata.shape.length;
  }
  /** Number of elements. */
  get size(): number {
    return shapeSize(this.metadata.shape);
  }
  get attributes(): Readonly<Record<string, unknown>> {
    return this.metadata.attributes;
  }
  get zarrFormat(): 2 | 3 {
    return this.metadata.zarrFormat;
  }

  /**
   * True when the array's data type is `dtype`; narrows an array of unknown data type:
   * `if (arr.is("float32")) (await arr.read()).data` is a `Float32Array`. No IO.
   */
  is<N extends DataTypeName>(dtype: N): this is ZarrArray<N> {
    const name: DataTypeName = this.metadata.dataType.name;
    return name === dtype;
  }

  /**
   * The sharding capability when the array is sharded as zarr-python 3 sees it: the pipeline is
   * exactly one `sharding_indexed` codec (no codec before or after it).
   */
  private shardAccess(): ShardAccess | undefined {
    const p = this.pipeline;
    return p.arrayToArray.length === 0 && p.bytesToBytes.length === 0 ? p.sharding : undefined;
  }

  /**
   * The store, key encoding and codec pipeline, for the plan executor (byte-range reads of shards,
   * requests shared across arrays and plans). See {@link ArrayStorage}.
   */
  get storage(): ArrayStorage {
    return {
      store: this.store,
      chunkKey: (c) => this.chunkKey(c),
      pipeline: this.pipeline,
      ...(this.metadata.chunkGrid ? { pipelineAt: (c) => this.pipelineAt(c) } : {}),
    };
  }

  /** The store key of the chunk at grid coordinates `coords` (chunk key encoding applied). */
  chunkKey(coords: readonly number[]): string {
    return chunkKeyOf(this.path, this.metadata, coords);
  }

  /**
   * Reads and decodes one chunk (a whole shard when sharded): a C-order NDArray of the full
   * {@link chunkShape} (with a rectilinear {@link chunkGrid}: the chunk's own edge lengths) and
   * data type `D`, or `undefined` when the key is missing (the chunk reads as `fill_value`).
   * @throws IndexError (`ERR_INDEX`) for coordinates outside the chunk grid; CodecError /
   * ChecksumError naming the key when the bytes are corrupt; StoreError; AbortError.
   */
  async readChunk(
    coords: readonly number[],
    options: ReadOptions = {},
  ): Promise<NDArray<D> | undefined> {
    // The pipeline decodes to the array's data type.
    return (await readChunkOf(this, coords, options.signal)) as NDArray<D> | undefined;
  }

  /**
   * Encodes and stores one whole chunk (`chunk` has the chunk shape — with a rectilinear
   * {@link chunkGrid}, the chunk's own edge lengths — any strides). A chunk whose elements
   * all equal `fill_value` is deleted instead of stored, as zarr-python does by default.
   * `chunk` must be of the array's data type (`NDArray<D>`).
   * @throws IndexError (`ERR_INDEX`) for coordinates outside the chunk grid; CodecError;
   * StoreError; ZarrPlanError `ERR_READ_ONLY` when the store is read-only, `ERR_WRITE` for an
   * invalid NDArray.
   */
  async writeChunk(
    coords: readonly number[],
    chunk: NDArray<D>,
    options: WriteOptions = {},
  ): Promise<void> {
    await writeChunkOf(this, coords, chunk, options.signal);
  }

  /**
   * Deletes the chunk at `coords` (it then reads as `fill_value`).
   * @throws IndexError (`ERR_INDEX`); ZarrPlanError `ERR_READ_ONLY`; StoreError.
   */
  async deleteChunk(coords: readonly number[], options: WriteOptions = {}): Promise<void> {
    await deleteChunkOf(this, coords, options.signal);
  }

  /**
   * A lazy view of the whole array: compose `get` / `oindex` / `vindex` / `mask`, then `read()`.
   * Keeps the data type: a `ZarrArray<"float32">` gives a `LazyArray<"float32">`.
   */
  lazy(): LazyArray<D> {
    return lazy(this, this.context);
  }

  /**
   * Reads the whole array as a C-order NDArray of shape {@link shape} and data type
   * {@link dtype} (`data` is a `TypedArrayOf<D>`).
   * @throws CodecError / ChecksumError; StoreError; AbortError (as {@link LazyArray.read}).
   */
  read(options?: ReadOptions): Promise<NDArray<D>> {
    return this.lazy().read(options);
  }

  /**
   * Writes `value` into the box `[start, start + value.shape)` (default start: all zeros), or fills
   * the box `[start, stop)` with a scalar. Partially covered chunks are read, modified and written back
   * (read-modify-write). Every chunk is encoded before the first one is stored, so a codec failure
   * writes nothing; each chunk write is atomic where the store's `set` is (FileSystemStore: temp file
   * + rename). Chunks equal to the fill value are deleted.
   *
   * Concurrent writers: when the store has conditional writes (`isConditional`: `MemoryStore`,
   * `FileSystemStore`, also across processes), each partially covered chunk (shard, when sharded) is
   * read with its version and stored with `setIf` / `deleteIf`, so it is stored only if nobody
   * changed it since; otherwise that chunk is read again and this write's part merged into the new
   * content (up to 16 tries, with a short random backoff). Writers of different parts of one chunk
   * then never lose each other's values. Fully covered chunks are stored unconditionally (the last
   * writer wins, as for any overlapping writes). Other stores keep plain read-modify-write.
   * An NDArray `value` must be of the array's data type (`NDArray<D>`; checked at run time too).
   * @throws IndexError-like RangeError when the box is outside the array; TypeError when `value` is an
   * NDArray of another data type; ZarrPlanError `ERR_FILL_VALUE` for a scalar that is not one of the
   * data type, `ERR_READ_ONLY` when the store is read-only; WriteConflictError
   * (`ERR_WRITE_CONFLICT`) naming the array and the chunk key when another writer changed a chunk
   * each of the 16 times; CodecError; StoreError.
   */
  async write(
    value: NDArray<D> | Scalar,
    region: { start?: readonly number[]; stop?: readonly number[] } = {},
    options: WriteOptions = {},
  ): Promise<void> {
    this.writableStore();
    const nd = this.ndim;
    const where = `array "${this.path}"`;
    const fail = (message: string): never => {
      throw new ZarrPlanError("ERR_WRITE", `${where}: ${message}`);
    };
    const start = region.start ? [...region.start] : new Array<number>(nd).fill(0);
    const isArray =
      typeof value === "object" && value !== null && "shape" in value && "data" in value;
    if (isArray) {
      const problem = ndarrayProblem(value as NDArray);
      if (problem) fail(`the value to write is not a valid NDArray: ${problem}`);
      if ((value as NDArray).shape.length !== nd) {
        fail(`the value has ${(value as NDArray).shape.length} dimensions, the array ${nd}`);
      }
    }
    const stop = isArray
      ? start.map((s, i) => s + (value as NDArray).shape[i]!)
      : region.stop
        ? [...region.stop]
        : [...this.shape];
    if (start.length !== nd || stop.length !== nd) {
      fail(`write region has ${start.length} dimensions, the array ${nd}`);
    }
    for (const [name, box] of [
      ["start", start],
      ["stop", stop],
    ] as const) {
      if (box.some((x) => !Number.isInteger(x))) fail(`write ${name} [${box}] is not integers`);
    }
    for (let d = 0; d < nd; d++) {
      if (start[d]! < 0 || stop[d]! > this.shape[d]! || start[d]! > stop[d]!) {
        fail(
          `write region [${start}]..[${stop}] is outside the array shape [${this.shape}] in dimension ${d}`,
        );
      }
    }
    if (isArray && (value as NDArray).dtype.name !== this.dtype.name) {
      fail(`cannot write ${(value as NDArray).dtype.name} values into a ${this.dtype.name} array`);
    }
    // A scalar is checked (NumPy's assignment rules) before anything is read or written.
    if (!isArray) assignedLanes(this.dtype, value as Scalar, where);
    if (start.some((s, d) => s >= stop[d]!)) return;
    const view = this.lazy().get(...start.map((s, d) => slice(s, stop[d]!)));
    await this.context.write(view, isArray ? (value as NDArray) : (value as Scalar), {
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /**
   * The store, written through the Context (limit, retries, request log); with the conditional
   * writes when the store has them.
   */
  private writableStore(): ReadableStore & WritableStore {
    if (!isWritable(this.store)) {
      throw new ZarrPlanError("ERR_READ_ONLY", `array "${this.path}": the store is read-only`);
    }
    return this.context.through(this.store) as ReadableStore & WritableStore;
  }

  // -- resize, append, attributes (src/hierarchy/resize.ts, attributes.ts) --------------------

  /**
   * Resizes the array to `shape` (elements; same rank, each a non-negative integer; any dimension
   * may grow or shrink) and returns a new handle of the resized array (this one keeps its
   * metadata). As zarr-python 3's `Array.resize`, chunks (shards, when sharded) wholly outside the
   * new shape are deleted, their keys computed from the old chunk grid (one delete request each,
   * missing keys included). Unlike zarr-python 3, the part of the chunks straddling a shrunk edge
   * that the shrink cuts off is overwritten with `fill_value` first (a read-modify-write of those
   * chunks), so a later grow shows `fill_value` there, as NumPy's `resize` would. A grow does no
   * chunk IO: the grown region reads as `fill_value` because chunks hold `fill_value` past the
   * array's edge, as every zarr-plan write and shrink leaves them (an array shrunk by zarr-python
   * 3 may hold its old values there, which a grow then shows, as in zarr-python). Then only
   * `shape` is changed in the stored metadata document
   * (v3 `zarr.json`, v2 `.zarray`; every other field kept as stored), with a conditional write
   * when the store has them (a concurrent `updateAttributes` is not lost). Consolidated metadata
   * of a parent group is not updated: call `consolidateMetadata` again.
   *
   * Rectilinear chunk grids: the new shape must stay within the chunk edges `chunk_shapes`
   * declares (shrinking always does; a regular step `m` covers any length).
   * @throws OptionsError (`ERR_OPTIONS`, naming the array and the value) for a shape that is not
   * a list of non-negative integers of the array's rank; ZarrPlanError `ERR_UNSUPPORTED` for a
   * rectilinear grid that does not reach the new shape, `ERR_READ_ONLY`; NodeNotFoundError when
   * the array's metadata is gone; WriteConflictError (`ERR_WRITE_CONFLICT`) after 16 conflicting
   * tries; CodecError; StoreError; AbortError.
   */
  async resize(shape: readonly number[], options: ResizeOptions = {}): Promise<ZarrArray<D>> {
    const { metadata } = await resizeArrayMetadata(
      this,
      () => shape,
      options,
      (meta, box, o) =>
        new ZarrArray(this.store, this.path, meta, this.context).write(meta.fillValue, box, o),
    );
    return new ZarrArray<D>(this.store, this.path, metadata, this.context);
  }

  /**
   * Appends `values` along `axis` (default 0; negative counts from the end), as zarr-python 3's
   * `Array.append`: grows the array by `values.shape[axis]` along `axis` ({@link resize}), then
   * writes `values` at the old end ({@link write}). The stored shape is used, not this handle's,
   * so concurrent appends on a store with conditional writes each get their own slot. Returns the
   * new handle. Not atomic: readers may see the grown array before the values are written (the
   * slot reads as `fill_value`), and when the write fails the array stays grown.
   * @throws OptionsError (`ERR_OPTIONS`) for an `axis` outside `[-ndim, ndim)`; ZarrPlanError
   * `ERR_WRITE` naming the array when `values` is not a valid NDArray of the array's data type and
   * rank or differs from the array's shape along another dimension (nothing is written); the
   * errors of {@link resize} and {@link write}.
   */
  async append(values: NDArray<D>, axis = 0, options: ResizeOptions = {}): Promise<ZarrArray<D>> {
    let ax = 0;
    const { metadata, previousShape } = await resizeArrayMetadata(
      this,
      (stored) => {
        const r = appendedShape(this.path, this.dtype.name, stored, values, axis);
        ax = r.axis;
        return r.shape;
      },
      options,
      (meta, box, o) =>
        new ZarrArray(this.store, this.path, meta, this.context).write(meta.fillValue, box, o),
    );
    const grown = new ZarrArray<D>(this.store, this.path, metadata, this.context);
    const start = previousShape.map((_, k) => (k === ax ? previousShape[k]! : 0));
    await grown.write(values, { start }, options);
    return grown;
  }

  /**
   * Merges `attributes` into the array's user attributes (or replaces them with `replace: true`)
   * and returns a new handle; see `updateAttributes` (src/hierarchy/attributes.ts).
   * @throws OptionsError; NodeNotFoundError; WriteConflictError; ZarrPlanError `ERR_READ_ONLY`;
   * StoreError; AbortError.
   */
  async updateAttributes(
    attributes: Record<string, unknown>,
    options: UpdateAttributesOptions = {},
  ): Promise<ZarrArray<D>> {
    const meta = await updateNodeAttributes(this, attributes, options);
    // The update checked that the node is still an array.
    return new ZarrArray<D>(this.store, this.path, meta as ArrayMetadata, this.context);
  }
}
