/**
 * NDArray: the in-memory value zarr-plan returns: a TypedArray plus shape and strides.
 * @module
 */
import { allocate, type DataType, type DataTypeName, type TypedArrayOf } from "./dtype.js";

/**
 * An n-dimensional array in memory. `D` is the data type name when known: an `NDArray<"float32">`
 * has `Float32Array` data and a `DataType<"float32">` dtype; `NDArray` alone is any data type.
 *
 * - `data` holds `size * dtype.lanes` entries (complex: interleaved re/im; `|S<n>`: n bytes per element),
 *   a {@link TypedArrayOf} `D`.
 * - `shape`: extent of each dimension (elements); `[]` for 0-d (one element).
 * - `strides`: step between neighbours along each dimension, in **elements** (not bytes, not entries);
 *   C order has `strides[last] = 1`.
 * - `offset`: index (in elements) of element `[0, …, 0]` in `data`; 0 for arrays zarr-plan returns.
 */
export interface NDArray<D extends DataTypeName = DataTypeName> {
  /** The entries (see above); its TypedArray type follows `D` ({@link TypedArrayOf}). */
  readonly data: TypedArrayOf<D>;
  /** Extent of each dimension in elements; `[]` for 0-d. */
  readonly shape: readonly number[];
  /** Step between neighbours along each dimension, in elements. */
  readonly strides: readonly number[];
  /** The data type; `dtype.name` is `D`. */
  readonly dtype: DataType<D>;
  /** Index in elements of element `[0, …, 0]` in `data` (default 0). */
  readonly offset?: number;
}

/** Number of elements of a shape (1 for `[]`). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** C-order (row-major) strides in elements. */
export function cStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** Fortran-order (column-major) strides in elements. */
export function fStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = 0; i < shape.length; i++) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** A new zero-filled C-order NDArray of `dtype` and `shape` (elements). */
export function zeros<D extends DataTypeName>(
  dtype: DataType<D>,
  shape: readonly number[],
): NDArray<D> {
  return {
    data: allocate(dtype, shapeSize(shape)),
    shape: [...shape],
    strides: cStrides(shape),
    dtype,
  };
}

/** True when `a` is laid out contiguously in C order starting at offset 0. */
export function isCContiguous(a: NDArray): boolean {
  if ((a.offset ?? 0) !== 0) return false;
  const c = cStrides(a.shape);
  for (let i = 0; i < a.shape.length; i++) {
    if (a.shape[i]! > 1 && a.strides[i] !== c[i]) return false;
  }
  return true;
}

/** A C-order contiguous copy of `a` (returns `a` itself when it already is). */
export function toCOrder<D extends DataTypeName>(a: NDArray<D>): NDArray<D> {
  if (isCContiguous(a) && a.data.length === shapeSize(a.shape) * a.dtype.lanes) return a;
  const out = zeros(a.dtype, a.shape);
  copyStrided(a, out);
  return out;
}

/**
 * Copies every element of `src` into `dst` (same shape), honouring both arrays' strides and offsets.
 * @throws RangeError when the shapes differ.
 */
export function copyStrided(src: NDArray, dst: NDArray): void {
  const shape = src.shape;
  if (shape.length !== dst.shape.length || shape.some((s, i) => s !== dst.shape[i])) {
    throw new RangeError(`shape mismatch: [${shape}] vs [${dst.shape}]`);
  }
  const n = shapeSize(shape);
  if (n === 0) return;
  const lanes = src.dtype.lanes;
  const sd = src.data as unknown as { [i: number]: number | bigint };
  const dd = dst.data as unknown as { [i: number]: number | bigint };
  const nd = shape.length;
  if (nd === 0) {
    const so = (src.offset ?? 0) * lanes;
    const d0 = (dst.offset ?? 0) * lanes;
    for (let l = 0; l < lanes; l++) dd[d0 + l] = sd[so + l]!;
    return;
  }
  const idx = new Array<number>(nd).fill(0);
  const last = nd - 1;
  const len = shape[last]!;
  const ss = src.strides[last]! * lanes;
  const ds = dst.strides[last]! * lanes;
  let so = (src.offset ?? 0) * lanes;
  let doff = (dst.offset ?? 0) * lanes;
  for (;;) {
    let s = so;
    let d = doff;
    if (lanes === 1) {
      for (let i = 0; i < len; i++, s += ss, d += ds) dd[d] = sd[s]!;
    } else {
      for (let i = 0; i < len; i++, s += ss, d += ds) {
        for (let l = 0; l < lanes; l++) dd[d + l] = sd[s + l]!;
      }
    }
    let k = last - 1;
    for (; k >= 0; k--) {
      idx[k]!++;
      so += src.strides[k]! * lanes;
      doff += dst.strides[k]! * lanes;
      if (idx[k]! < shape[k]!) break;
      so -= src.strides[k]! * lanes * shape[k]!;
      doff -= dst.strides[k]! * lanes * shape[k]!;
      idx[k] = 0;
    }
    if (k < 0) return;
  }
}
