/**
 * Filling NDArray regions with a scalar of their data type.
 * @module
 */

import type { Lane } from "../core/dtype.js";
import { longRowsLast, RowCursor } from "../core/nd-iter.js";
import type { NDArray } from "../core/ndarray.js";

/**
 * Sets every element of `a` (honouring strides and offset) to the element `lanes` (its TypedArray
 * entries, e.g. from `assignedLanes`).
 */
export function fillRegion(a: NDArray, lanes: readonly Lane[]): void {
  const data = a.data as unknown as { [i: number]: Lane };
  const L = a.dtype.lanes;
  const { shape, strides } = longRowsLast(a.shape, [a.strides]);
  const last = shape.length - 1;
  const len = shape[last] ?? 1;
  const step = (strides[0]![last] ?? 0) * L;
  const rows = new RowCursor(shape, strides, [a.offset ?? 0]);
  while (rows.next()) {
    for (let i = 0, pos = rows.offsets[0]! * L; i < len; i++, pos += step) {
      for (let l = 0; l < L; l++) data[pos + l] = lanes[l]!;
    }
  }
}
