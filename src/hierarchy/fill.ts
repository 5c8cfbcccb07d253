/**
 * Filling NDArray regions with a scalar of their data type.
 * @module
 */
import type { Scalar } from "../format/dtype.js";
import { type NDArray, shapeSize } from "../format/ndarray.js";

/** The TypedArray entries (`dtype.lanes` of them) that encode one scalar of the array's dtype. */
export function scalarLanes(a: Pick<NDArray, "dtype">, value: Scalar): (number | bigint)[] {
  const dt = a.dtype;
  if (dt.name === "bytes") {
    const out = new Array<number>(dt.lanes).fill(0);
    if (value instanceof Uint8Array)
      for (let i = 0; i < Math.min(value.length, dt.lanes); i++) out[i] = value[i]!;
    return out;
  }
  if (dt.lanes === 2) {
    const [re, im] = Array.isArray(value)
      ? (value as readonly [number, number])
      : [Number(value), 0];
    return [re, im];
  }
  if (dt.name === "int64" || dt.name === "uint64") {
    return [typeof value === "bigint" ? value : BigInt(Math.trunc(Number(value)))];
  }
  if (typeof value === "boolean") return [value ? 1 : 0];
  return [Number(value)];
}

/** Sets every element of `a` (honouring strides and offset) to `value`. */
export function fillRegion(a: NDArray, value: Scalar): void {
  const lanes = scalarLanes(a, value);
  const n = shapeSize(a.shape);
  if (n === 0) return;
  const data = a.data as unknown as { [i: number]: number | bigint; fill?: (v: never) => void };
  const L = a.dtype.lanes;
  const nd = a.shape.length;
  const idx = new Array<number>(nd).fill(0);
  let pos = a.offset ?? 0;
  for (let count = 0; count < n; count++) {
    for (let l = 0; l < L; l++) data[pos * L + l] = lanes[l]!;
    let k = nd - 1;
    for (; k >= 0; k--) {
      idx[k]!++;
      pos += a.strides[k]!;
      if (idx[k]! < a.shape[k]!) break;
      pos -= a.strides[k]! * a.shape[k]!;
      idx[k] = 0;
    }
  }
}
