/**
 * NumPy's `ndarray.astype` between real numeric types (bool, integers, float16/32/64), as the
 * numcodecs filters use it, on flat TypedArrays:
 * - to bool: `v != 0`;
 * - to a float: the nearest value (float32 and float16 round once, to nearest even);
 * - float to integer: truncation toward zero; NaN, ±Infinity and values outside the 64-bit range
 *   give the bit pattern C on x86-64 gives (`0x8000…`, then wrapped to the width, as NumPy on
 *   x86-64 does); other values outside the target range wrap modulo 2^bits (C casts; NumPy leaves
 *   them implementation-defined);
 * - integer to integer: wraps modulo 2^bits.
 * @module
 */
import { allocate, type DataType, type TypedArray } from "../../core/dtype.js";
import type { Entries } from "./util.js";

const is64 = (dt: DataType): boolean => dt.name === "int64" || dt.name === "uint64";
const isFloat = (dt: DataType): boolean =>
  dt.name === "float16" || dt.name === "float32" || dt.name === "float64";

const MIN_I64 = -(2n ** 63n);
const TWO_63 = 2 ** 63;

/** A float truncated toward zero as a bigint, or −2^63 when NaN, infinite or out of int64 range. */
function truncBig(v: number): bigint {
  if (!Number.isFinite(v) || v >= TWO_63 * 2 || v < -TWO_63) return MIN_I64;
  return BigInt(Math.trunc(v));
}

/** One element of `to` from a number or bigint value of type `from` (see the module doc). */
export function castValue(v: number | bigint, from: DataType, to: DataType): number | bigint {
  if (to.name === "bool") return v !== 0 && v !== 0n ? 1 : 0;
  if (isFloat(to)) return Number(v);
  if (is64(to)) {
    const b = typeof v === "bigint" ? v : isFloat(from) ? truncBig(v) : BigInt(v);
    return to.name === "int64" ? BigInt.asIntN(64, b) : BigInt.asUintN(64, b);
  }
  if (typeof v === "bigint") return Number(BigInt.asIntN(32, v));
  if (!isFloat(from)) return v;
  if (!Number.isFinite(v) || Math.abs(v) >= 2 ** 63) return to.itemSize === 4 ? -(2 ** 31) : 0;
  const t = Math.trunc(v);
  // Typed-array stores of numbers wrap modulo 2^bits (ToInt32 / ToUint8 …), after this reduction.
  return Math.abs(t) < 2 ** 53 ? t : Number(BigInt.asIntN(32, BigInt(t)));
}

/** `src` (of type `from`) converted to a new TypedArray of type `to`, element by element. */
export function castArray(src: TypedArray, from: DataType, to: DataType): TypedArray {
  const n = src.length;
  const out = allocate(to, n);
  const s = src as unknown as Entries;
  const d = out as unknown as Entries;
  for (let i = 0; i < n; i++) d[i] = castValue(s[i]!, from, to);
  return out;
}
