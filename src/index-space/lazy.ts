/**
 * Lazy arrays: chains of selections that read nothing until `read()`.
 *
 * ```ts
 * const v = lazy(source).get(slice(0, 100), ellipsis).vindex([3, 1, 4], [1, 5, 9]);
 * v.shape;               // known without IO
 * const out = await v.read({ concurrency: 8 });
 * ```
 *
 * Every call returns a new frozen {@link LazyArray}; the receiver is unchanged and reusable.
 * A chain of any length is one {@link IndexTransform}, never a list of pending steps.
 * @module
 */

import type { DataType, DataTypeName, Scalar } from "../core/dtype.js";
import { DimensionError, NdselError, ZarrPlanError } from "../core/errors.js";
import { type NDArray, shapeSize } from "../core/ndarray.js";
import type { SelectionKind } from "./indexing.js";
import { ndselToTransform, transformToNdsel } from "./ndsel/apply.js";
import { normalizeNdsel } from "./ndsel/normalize.js";
import type { NdselTransform, NdselTransformDocument } from "./ndsel/types.js";
import { isNDArray, type MaskLike, type SelectionItem, type Slice, slice } from "./selection.js";
import type { ArraySource, ReadOptions, WritePlanOptions, WriteResult } from "./source.js";
import { compose, composeTransforms, type IndexTransform, identity } from "./transform.js";

/**
 * Executes lazy arrays: turns a view into data. A `Context` (`src/exec/context.ts`) is one: it reads
 * a view as a one-read plan. An executor must honour `lazy.transform` exactly (C-order output of
 * `lazy.shape` and `lazy.dtype`): {@link LazyArray.read} relies on it to type its result
 * `NDArray<D>`.
 */
export interface Executor {
  read(lazy: LazyArray, options?: ReadOptions): Promise<NDArray>;
  /**
   * Optional: assigns `value` to the elements of `lazy` as a one-write plan (see
   * {@link LazyArray.write}).
   */
  write?(
    lazy: LazyArray,
    value: NDArray | Scalar,
    options?: WritePlanOptions,
  ): Promise<WriteResult>;
}

/**
 * One recorded selection step of a lazy array (`get`, `oindex`, `vindex` or `mask` and its items,
 * copied when the selection was made; or `ndsel` with `selection` `[]` and the normalised
 * document in `ndsel`), so a view can be written to a plan file and replayed.
 */
export interface LazyOp {
  readonly kind: SelectionKind | "ndsel";
  readonly selection: readonly SelectionItem[];
  /** The normalised ndsel body of an `ndsel` op. */
  readonly ndsel?: NdselTransform;
}

/** A copy of a selection item that later changes to the caller's arrays cannot affect. */
function snapshotItem(item: unknown): SelectionItem {
  if (ArrayBuffer.isView(item)) return (item as unknown as { slice(): SelectionItem }).slice();
  if (Array.isArray(item)) return item.map(snapshotItem) as unknown as SelectionItem;
  if (isNDArray(item)) {
    return Object.freeze({
      ...item,
      data: item.data.slice(),
      shape: [...item.shape],
      strides: [...item.strides],
    }) as SelectionItem;
  }
  return item as SelectionItem;
}

/**
 * A view of an {@link ArraySource}: the source plus an {@link IndexTransform} from the view's
 * positions to the source's. Immutable (frozen); every selection returns a new LazyArray.
 * `D` is the data type name when known: selections keep it and `read()` of a
 * `LazyArray<"float32">` resolves to an `NDArray<"float32">` (`Float32Array` data).
 *
 * Positions are NumPy's (positional dialect): every view starts at 0, negative integers count
 * from the end, slices clamp. All selection errors are {@link IndexError}s raised by the call that
 * makes the selection, before any IO, naming the array path, the view dimension, the value and
 * the valid range.
 */
export class LazyArray<D extends DataTypeName = DataTypeName> {
  /** The array read from. */
  readonly source: ArraySource<D>;
  /** View positions → source positions. */
  readonly transform: IndexTransform;
  /** Runs `read()`. */
  readonly executor: Executor;
  /**
   * The selections that made this view from the whole array (`[]` for {@link lazy}); `undefined`
   * for a view built from an arbitrary transform, which then cannot be saved in a plan file.
   */
  readonly ops: readonly LazyOp[] | undefined;

  /**
   * @param ops the recorded selections that produce `transform` from the identity (see {@link ops}).
   * @throws RangeError when `transform.outputShape` is not `source.shape`.
   */
  constructor(
    source: ArraySource<D>,
    transform: IndexTransform,
    executor: Executor,
    ops?: readonly LazyOp[],
  ) {
    const s = source.shape;
    if (
      transform.outputShape.length !== s.length ||
      transform.outputShape.some((x, i) => x !== s[i])
    ) {
      throw new RangeError(
        `transform output shape [${transform.outputShape}] differs from the source shape [${s}]`,
      );
    }
    this.source = source;
    this.transform = transform;
    this.executor = executor;
    this.ops = ops === undefined ? undefined : Object.freeze([...ops]);
    Object.freeze(this);
  }

  /** Shape of the view (elements per dimension); `[]` for 0-d. No IO. */
  get shape(): readonly number[] {
    return this.transform.inputShape;
  }

  /** Data type (the source's). */
  get dtype(): DataType<D> {
    return this.source.dtype;
  }

  /**
   * True when the view's data type is `dtype`; narrows a view of unknown data type:
   * `if (v.is("float32")) (await v.read()).data` is a `Float32Array`. No IO.
   */
  is<N extends DataTypeName>(dtype: N): this is LazyArray<N> {
    const name: DataTypeName = this.source.dtype.name;
    return name === dtype;
  }

  /** Number of dimensions of the view. */
  get ndim(): number {
    return this.transform.inputShape.length;
  }

  /** Number of elements of the view (1 for 0-d). */
  get size(): number {
    return shapeSize(this.transform.inputShape);
  }

  private with(kind: SelectionKind, items: readonly SelectionItem[]): LazyArray<D> {
    const transform = compose(this.transform, { kind, items }, this.source.path);
    const op =
      this.ops && Object.freeze({ kind, selection: Object.freeze(items.map(snapshotItem)) });
    return new LazyArray(this.source, transform, this.executor, op && [...this.ops!, op]);
  }

  /**
   * NumPy indexing `a[i0, i1, …]` → `get(i0, i1, …)` (the tuple's items are the arguments;
   * `get()` is `a[()]`). Follows the NumPy user guide, "Indexing on ndarrays", exactly:
   * - integers drop a dimension (negative counts from the end); `slice(start, stop, step)` with any
   *   non-zero step clamps like Python; one `ellipsis` (or `"..."`) expands to full slices;
   *   `newaxis` (or `null`) inserts a length-1 dimension; missing trailing items are full slices;
   * - advanced indexing: integer index arrays (any shape) and boolean arrays (consuming as many
   *   dimensions as they have, acting as their `nonzero()`) broadcast together; once an array is
   *   present integers count as advanced indices too; the broadcast dimensions replace the
   *   advanced indices in place when these are adjacent, else they go first. Example on shape
   *   (5, 6, 7): `get(0, slice(), [0, 1])` has shape (2, 6) (the integer and the array are
   *   separated by the slice) while `get(slice(), 0, [0, 1])` has shape (5, 2).
   *
   * Like NumPy, index arrays are bounds-checked only when the broadcast selection is non-empty
   * (integers always are). Not supported: 0-d boolean indices (`a[True]`).
   * @throws IndexError for out-of-bounds or non-integer indices, step 0, too many indices, more than
   * one ellipsis, a boolean array whose shape does not match the dimensions it indexes, index
   * arrays that do not broadcast, or an item of unsupported type.
   */
  get(...items: SelectionItem[]): LazyArray<D> {
    return this.with("get", items);
  }

  /**
   * Orthogonal (outer) indexing, NEP 21 `oindex` (zarr-python `Array.oindex`): each item applies
   * to its own dimension independently: integers drop the dimension, slices, `ellipsis` and
   * `newaxis` as in {@link get}, a 1-D integer array (unsorted, duplicated, negative values allowed)
   * or a 1-D boolean mask (of the dimension's length) selects along that dimension in place.
   * `oindex([0, 2], [1, 3])` on shape (4, 4) has shape (2, 2) (NumPy `a[np.ix_([0,2],[1,3])]`).
   * Every index value is bounds-checked.
   * @throws IndexError as {@link get}, and for index arrays or masks that are not 1-D.
   */
  oindex(...items: SelectionItem[]): LazyArray<D> {
    return this.with("oindex", items);
  }

  /**
   * Vectorized indexing, NEP 21 `vindex`: integer arrays (and the `nonzero()` arrays of boolean
   * arrays, which consume as many dimensions as they have) broadcast together; the broadcast
   * dimensions always come **first**, followed by the dimensions of the slices and `newaxis`
   * items in order; integers drop their dimension. `vindex([0, 1], slice(), [2, 3])` on shape
   * (5, 6, 7) has shape (2, 6), and so does `vindex(slice(), [0, 1], [2, 3])` (NumPy would give
   * (5, 2) for `a[:, [0,1], [2,3]]`). Bounds checks as in {@link get}.
   * @throws IndexError as {@link get}.
   */
  vindex(...items: SelectionItem[]): LazyArray<D> {
    return this.with("vindex", items);
  }

  /**
   * Boolean mask selection, NumPy `a[mask]` with `mask.shape == a.shape`: the elements where
   * `mask` is true, as a 1-D view in C order. `mask` is a (nested) `boolean[]` or an NDArray of
   * dtype `bool` (a `Uint8Array` is not a mask); on a 0-d view a plain `true`/`false` is accepted.
   * @throws IndexError when `mask` is not boolean or its shape is not the view's shape.
   */
  mask(mask: MaskLike | boolean): LazyArray<D> {
    return this.with("mask", [mask as SelectionItem]);
  }

  /**
   * Applies an ndsel selection (zarr-python `zarr-indexing`'s wire format, ndsel 1.0-draft.2,
   * derived from TensorStore's `IndexTransform` JSON): `doc` is JSON text (integers exact) or a
   * parsed document of any kind (`point`, `box`, `slice`, `points`, `transform`). Its output
   * dimensions are this view's dimensions, in this view's positions (for `lazy()` of an array: the
   * array's index space); coordinates are literal (no negative counting, no clamping). The result's
   * dimensions are the document's input domain shifted to start at 0: `{"kind": "slice", "start":
   * [4], "stop": [10], "step": [2]}` has shape [3] and reads positions 4, 6, 8. Infinite bounds
   * resolve against the view for a dimension read by one map of stride ±1 (a `box` with implicit
   * `+inf` reads to the end). Recorded as an `ndsel` op (plan files replay it).
   * @throws NdselError (`ERR_NDSEL`) with the spec's `reason` for an invalid document,
   * `rank_mismatch` when its output rank is not {@link ndim}, `not_applicable` for what cannot be
   * mapped here (an unresolvable infinite bound, an index array not shaped like the domain, a value
   * beyond 2^53). IndexError when it reads outside the view.
   */
  ndsel(doc: unknown): LazyArray<D> {
    let body: NdselTransform;
    try {
      body = normalizeNdsel(doc);
    } catch (e) {
      throw e instanceof NdselError && this.source.path ? e.at(this.source.path) : e;
    }
    const t = ndselToTransform(body, this.shape, this.source.path);
    const transform = composeTransforms(t, this.transform);
    const op = this.ops && Object.freeze({ kind: "ndsel" as const, selection: [], ndsel: body });
    return new LazyArray(this.source, transform, this.executor, op && [...this.ops!, op]);
  }

  /**
   * This view as an ndsel `transform` document (canonical form, exact `bigint` integers; write it
   * with `ndselToJSON`): input domain `[0, shape)` labelled with {@link dims} (`""` when unnamed),
   * one output map per array dimension (constant, strided, or an index array nested over every
   * view dimension, extent 1 where it broadcasts). `array.lazy().ndsel(v.toNdsel())` reads the same
   * elements as `v`. No IO.
   */
  toNdsel(): NdselTransformDocument {
    return transformToNdsel(this.transform, this.dims);
  }

  /**
   * The view's dimension names (`null`: unnamed), carried from the source's
   * {@link ArraySource.dimensionNames} through the selections: a dimension kept by a slice or an
   * orthogonal index array keeps its name; dimensions made by `newaxis`, by broadcast index arrays
   * (`vindex`, `get` with arrays) or by a mask are unnamed. No IO.
   */
  get dims(): readonly (string | null)[] {
    return viewDims(this.transform, this.source.dimensionNames);
  }

  /**
   * Selection by dimension name, xarray `isel`: `isel({ lat: slice(10, 20), time: 5 })`. Each
   * named dimension takes a slice, an integer (drops the dimension) or a 1-D integer array
   * (orthogonal: selects along that dimension only); dimensions not named are kept whole.
   * Recorded as one `oindex` (see {@link oindex} for the index rules).
   * @throws DimensionError (`ERR_DIMENSION`) naming the dimension when the view has no dimension of
   * that name (or the name is not unique); IndexError as {@link oindex}.
   */
  isel(selection: Readonly<Record<string, IselItem>>): LazyArray<D> {
    const dims = this.dims;
    const items: SelectionItem[] = dims.map(() => slice());
    for (const [name, item] of Object.entries(selection)) {
      const at = dims.indexOf(name);
      if (at < 0 || dims.indexOf(name, at + 1) >= 0) {
        throw new DimensionError(
          at < 0
            ? `no dimension "${name}" (dimensions: ${dims.map((d) => d ?? "(unnamed)").join(", ") || "none"})`
            : `dimension name "${name}" is not unique (dimensions: ${dims.join(", ")})`,
          { path: this.source.path, dimension: name, dims },
        );
      }
      items[at] = singleIndex(item, this.shape[at]!) ?? (item as SelectionItem);
    }
    return this.with("oindex", items);
  }

  /**
   * Reads the view: a new C-order NDArray (`data`, `shape` = {@link shape}, C `strides`,
   * `dtype`) through {@link executor}. Chunks that are not stored read as the fill value.
   * `data` is a `TypedArrayOf<D>` (`Float32Array` for float32, `BigInt64Array` for int64…).
   * @throws AbortError when `options.signal` aborts; errors of the source's `readChunk`.
   */
  read(options?: ReadOptions): Promise<NDArray<D>> {
    // An executor returns data of the view's dtype (see Executor).
    return this.executor.read(this, options) as Promise<NDArray<D>>;
  }

  /**
   * Assigns `value` to the elements of this view, as NumPy's `a[selection] = value` ("Assigning
   * values to indexed arrays", NumPy indexing guide): an NDArray of the array's data type is
   * broadcast to {@link shape} (trailing dimensions aligned, each equal or 1), a scalar fills the
   * selection, repeated `vindex` points take the last value. Planned like a read (see the
   * Context's `WritePlan`): each chunk or shard written once, chunks fully covered written without
   * reading them, partly covered ones read, merged and written (conditionally, when the store
   * can, so concurrent writers of different elements of one chunk both land), chunks that come out
   * as the fill value deleted.
   * @returns counts of objects stored, deleted and read, conflicts retried, bytes.
   * @throws ZarrPlanError `ERR_WRITE` (value of another data type, shape not broadcastable,
   *   executor that cannot write), `ERR_READ_ONLY`, `ERR_VALUE`; WriteConflictError; CodecError;
   *   StoreError; AbortError.
   */
  write(value: NDArray<D> | Scalar, options?: WritePlanOptions): Promise<WriteResult> {
    const w = this.executor.write;
    if (!w) {
      throw new ZarrPlanError(
        "ERR_WRITE",
        `array "${this.source.path}": this view's executor cannot write (use a Context)`,
      );
    }
    return w.call(this.executor, this as LazyArray, value, options);
  }

  /** `LazyArray<float64>[10, 20] of "path"`. */
  toString(): string {
    return `LazyArray<${this.dtype.name}>[${this.shape.join(", ")}] of "${this.source.path}"`;
  }
}

/**
 * One in-bounds position given as a 1-element array, as a length-1 slice (an index array of
 * extent 1 would leave its dimension without a map, so without a name); otherwise `undefined`.
 */
function singleIndex(item: IselItem, n: number): SelectionItem | undefined {
  if (typeof item !== "object" || item === null || !("length" in item) || item.length !== 1) {
    return undefined;
  }
  const v = Number((item as ArrayLike<number | bigint>)[0]);
  if (!Number.isInteger(v)) return undefined;
  const i = v < 0 ? v + n : v;
  return i >= 0 && i < n ? slice(i, i + 1) : undefined;
}

/** What {@link LazyArray.isel} takes for one dimension: a slice, an integer or integer positions. */
export type IselItem = Slice | number | bigint | readonly (number | bigint)[] | ArrayLike<number>;

/**
 * The dimension names of a view through `transform` of a source named `names`: an input dimension
 * read by exactly one output map, a `single` map or an `array` map over that dimension alone,
 * has that output dimension's name.
 */
export function viewDims(
  transform: IndexTransform,
  names: readonly (string | null)[] | null | undefined,
): (string | null)[] {
  const out: (string | null)[] = transform.inputShape.map(() => null);
  const uses = transform.inputShape.map(() => 0);
  const from = transform.inputShape.map(() => -1);
  transform.maps.forEach((m, j) => {
    if (m.kind === "single") {
      uses[m.inputDim]!++;
      from[m.inputDim] = j;
    } else if (m.kind === "array") {
      for (const d of m.inputDims) {
        uses[d]!++;
        from[d] = m.inputDims.length === 1 ? j : -2;
      }
    }
  });
  for (let d = 0; d < out.length; d++) {
    if (uses[d] === 1 && from[d]! >= 0) out[d] = names?.[from[d]!] ?? null;
  }
  return out;
}

/**
 * A lazy view of the whole `source` (identity transform) that `executor` reads. `shape`, `dtype`,
 * `ndim` and `size` are known without IO. (The package entry point's `lazy(source, context?)`
 * supplies the default `Context`.)
 */
export function lazy<D extends DataTypeName>(
  source: ArraySource<D>,
  executor: Executor,
): LazyArray<D> {
  return new LazyArray(source, identity(source.shape), executor, []);
}
