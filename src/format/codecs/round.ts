/**
 * Float helpers of the numcodecs filters: NumPy's `around` (round half to even) and the
 * arithmetic precision NumPy 2 uses for an array of one float type with a Python scalar
 * (NEP 50: the scalar is "weak", the operation is computed in the array's type).
 * @module
 */
import type { DataType } from "../../core/dtype.js";

/** `numpy.around(x)` with 0 decimals: the nearest integer, halves to even. */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Math.round(x);
  // Math.round rounds halves up; NumPy rounds them to the even neighbour.
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The rounding of one arithmetic result in data type `dt`: float32 results are rounded to
 * float32 (each operation of two float32 values computed in float64 then rounded once is the
 * exact IEEE float32 result); everything else is computed in float64.
 */
export function precisionOf(dt: DataType): (x: number) => number {
  return dt.name === "float32" ? Math.fround : (x: number) => x;
}
