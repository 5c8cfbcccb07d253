/**
 * Filling NDArray regions with a scalar of their data type.
 * @module
 */

import type { Scalar } from "../core/dtype.js";
import { type NDArray, shapeSize } from "../core/ndarray.js";
import { scalarLanes } from "../core/scalar.js";

/**
 * Sets every element of `a` (honouring strides and offset) to `value`.
 * @throws ZarrPlanError `ERR_FILL_VALUE` when `value` is not a scalar of `a`'s dtype.
 */
export function fillRegion(a: NDArray, value: Scalar): void {
  const lanes = scalarLanes(a.dtype, value);
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
