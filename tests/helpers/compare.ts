/** Exact comparison of NDArrays for tests: same shape, same dtype, bitwise-equal values (NaN equals NaN). */

import { toBytes } from "../../src/core/dtype.js";
import { type NDArray, toCOrder } from "../../src/core/ndarray.js";

/** Returns undefined when equal, else a description of the first difference. */
export function diffArrays(actual: NDArray, expected: NDArray): string | undefined {
  if (
    actual.shape.length !== expected.shape.length ||
    actual.shape.some((s, i) => s !== expected.shape[i])
  ) {
    return `shape [${actual.shape}] != [${expected.shape}]`;
  }
  if (
    actual.dtype.name !== expected.dtype.name ||
    actual.dtype.itemSize !== expected.dtype.itemSize
  ) {
    return `dtype ${actual.dtype.name}/${actual.dtype.itemSize} != ${expected.dtype.name}/${expected.dtype.itemSize}`;
  }
  const a = toCOrder(actual);
  const e = toCOrder(expected);
  const isFloat = /float|complex/.test(a.dtype.name);
  const ad = a.data as unknown as ArrayLike<number | bigint>;
  const ed = e.data as unknown as ArrayLike<number | bigint>;
  if (ad.length !== ed.length) return `data length ${ad.length} != ${ed.length}`;
  if (!isFloat) {
    const ab = toBytes(a.dtype, a.data);
    const eb = toBytes(e.dtype, e.data);
    for (let i = 0; i < ab.length; i++)
      if (ab[i] !== eb[i]) return `byte ${i}: ${ab[i]} != ${eb[i]}`;
    return undefined;
  }
  for (let i = 0; i < ad.length; i++) {
    const x = ad[i] as number;
    const y = ed[i] as number;
    if (Number.isNaN(x) && Number.isNaN(y)) continue;
    if (!Object.is(x, y) && !(x === 0 && y === 0 && 1 / x === 1 / y))
      return `entry ${i}: ${x} != ${y}`;
  }
  return undefined;
}
