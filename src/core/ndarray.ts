/**
 * NDArray: the in-memory value zarr-plan returns: a TypedArray plus shape and strides.
 * @module
 */
import {
  allocate,
  type DataType,
  type DataTypeName,
  type Lane,
  type TypedArrayOf,
} from "./dtype.js";
import { longRowsLast, RowCursor } from "./nd-iter.js";

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

/** True when the strides of `a` are the C-order strides of its shape (size-1 dimensions ignored). */
export function hasCStrides(a: NDArray): boolean {
  const c = cStrides(a.shape);
  for (let i = 0; i < a.shape.length; i++) {
    if (a.shape[i]! > 1 && a.strides[i] !== c[i]) return false;
  }
  return true;
}

/** True when `a` is laid out contiguously in C order starting at offset 0. */
export function isCContiguous(a: NDArray): boolean {
  return (a.offset ?? 0) === 0 && hasCStrides(a);
}

/** A C-order contiguous copy of `a` (returns `a` itself when it already is). */
export function toCOrder<D extends DataTypeName>(a: NDArray<D>): NDArray<D> {
  if (isCContiguous(a) && a.data.length === shapeSize(a.shape) * a.dtype.lanes) return a;
  const out = zeros(a.dtype, a.shape);
  copyStrided(a, out);
  return out;
}

/**
 * Copies every element of `src` into `dst` (same shape), honouring both arrays' strides and
 * offsets. Rows are copied with `TypedArray.set` when both last-dimension strides are 1 (and the
 * rows are not tiny), otherwise element by element.
 * @throws RangeError when the shapes differ.
 */
export function copyStrided(src: NDArray, dst: NDArray): void {
  if (src.shape.length !== dst.shape.length || src.shape.some((s, i) => s !== dst.shape[i])) {
    throw new RangeError(`shape mismatch: [${src.shape}] vs [${dst.shape}]`);
  }
  const lanes = src.dtype.lanes;
  const { shape, strides } = longRowsLast(src.shape, [src.strides, dst.strides]);
  const last = shape.length - 1;
  const len = shape[last] ?? 1;
  const ss = (strides[0]![last] ?? 0) * lanes;
  const ds = (strides[1]![last] ?? 0) * lanes;
  const set =
    len >= 4 &&
    ss === lanes &&
    ds === lanes &&
    ArrayBuffer.isView(src.data) &&
    ArrayBuffer.isView(dst.data);
  const sd = src.data as unknown as Entries;
  const dd = dst.data as unknown as Entries;
  const rows = new RowCursor(shape, strides, [src.offset ?? 0, dst.offset ?? 0]);
  const o = rows.offsets;
  while (rows.next()) {
    let s = o[0]! * lanes;
    let d = o[1]! * lanes;
    if (set) dd.set(sd.subarray(s, s + len * lanes), d);
    else if (lanes === 1) {
      for (let i = 0; i < len; i++, s += ss, d += ds) dd[d] = sd[s]!;
    } else {
      for (let i = 0; i < len; i++, s += ss, d += ds) {
        for (let l = 0; l < lanes; l++) dd[d + l] = sd[s + l]!;
      }
    }
  }
}

/** The entries of a TypedArray (numbers or bigints), with its row copy. */
interface Entries {
  [i: number]: Lane;
  subarray(begin: number, end: number): Entries;
  set(src: Entries, offset: number): void;
}

/**
 * What is wrong with `a` as an n-d array, or `undefined`: a shape entry that is not an integer
 * ≥ 0, strides that are not integers or not one per dimension, an offset that is not an integer
 * ≥ 0, or elements (at `offset + Σ index·stride`) outside `data` (`dtype.lanes` entries each).
 */
export function ndarrayProblem(a: NDArray): string | undefined {
  const { shape, strides } = a;
  if (!Array.isArray(shape) || shape.some((s) => !(Number.isInteger(s) && s >= 0))) {
    return `shape [${String(shape)}] is not a list of integers >= 0`;
  }
  if (!Array.isArray(strides) || strides.length !== shape.length) {
    return `strides [${String(strides)}] do not match the ${shape.length} dimensions`;
  }
  if (strides.some((s) => !Number.isInteger(s))) return `strides [${strides}] are not integers`;
  const offset = a.offset ?? 0;
  if (!(Number.isInteger(offset) && offset >= 0)) return `offset ${offset} is not an integer >= 0`;
  if (shapeSize(shape) === 0) return undefined;
  let lo = offset;
  let hi = offset;
  for (let d = 0; d < shape.length; d++) {
    const reach = (shape[d]! - 1) * strides[d]!;
    if (reach < 0) lo += reach;
    else hi += reach;
  }
  const elements = a.data.length / a.dtype.lanes;
  if (lo < 0 || hi >= elements) {
    return `its elements span [${lo}, ${hi}] but data holds ${elements} elements`;
  }
  return undefined;
}
