/**
 * One scalar of a data type as TypedArray entries ("lanes"), and filling TypedArrays with it: the
 * one conversion the codecs (fill chunks, empty-chunk checks), the executor (missing chunks) and
 * `fillRegion` share.
 * @module
 */
import {
  allocate,
  bfloat16ToNumber,
  type DataType,
  float16ToNumber,
  type Lane,
  numberToBfloat16,
  numberToFloat16,
  type Scalar,
  type TypedArray,
} from "./dtype.js";
import { ZarrPlanError } from "./errors.js";

/** Indexable entries of any TypedArray (numbers, or bigints for 64-bit integers). */
type Entries = { [i: number]: Lane };

/**
 * The TypedArray entries (`dt.lanes` of them) that store `value` as one element of `dt`, exactly
 * as a TypedArray of `dt` reads them back: bool → 0/1, 64-bit integers → bigint, complex →
 * `[re, im]` (a real number gets im 0), `|S<n>` → the bytes NUL-padded (or cut) to n; integers
 * wrap and floats round as the TypedArray stores them (float16 also when widened to float32).
 * @throws ZarrPlanError `ERR_FILL_VALUE` when `value` is not a scalar of `dt`: bytes other than a
 *   `Uint8Array`, `0` or `false`; a `Uint8Array` or pair for a real type; a `Uint8Array` for
 *   complex; a non-integer number for int64/uint64; anything but a string for `string` (a
 *   fixed-length string keeps its first `itemSize / 4` code points) or a `Uint8Array` for
 *   `variable_length_bytes`.
 */
export function scalarLanes(dt: DataType, value: Scalar): Lane[] {
  const lanes = dt.lanes;
  const tmp = allocate(dt, 1) as unknown as Entries;
  const bad = (): never => {
    throw new ZarrPlanError(
      "ERR_FILL_VALUE",
      `fill value ${String(value)} is not a valid ${dt.name} scalar`,
    );
  };
  if (dt.name === "string") {
    if (typeof value !== "string") return bad();
    // A fixed-length string (UTF-32) keeps at most its length in code points, as NumPy cuts it.
    return [dt.itemSize > 0 ? truncateCodePoints(value, dt.itemSize / 4) : value];
  }
  if (dt.name === "variable_length_bytes") {
    if (!(value instanceof Uint8Array)) return bad();
    return [value];
  }
  if (dt.name === "bytes" || dt.name === "raw") {
    if (value instanceof Uint8Array) {
      for (let i = 0; i < Math.min(lanes, value.length); i++) tmp[i] = value[i]!;
    } else if (value !== 0 && value !== false) bad();
  } else if (dt.name === "complex64" || dt.name === "complex128") {
    if (Array.isArray(value)) {
      tmp[0] = Number(value[0]);
      tmp[1] = Number(value[1]);
    } else if (
      typeof value === "number" ||
      typeof value === "bigint" ||
      typeof value === "boolean"
    ) {
      tmp[0] = Number(value);
    } else bad();
  } else {
    let v: number | bigint;
    if (typeof value === "boolean") v = value ? 1 : 0;
    else if (typeof value === "number" || typeof value === "bigint") v = value;
    else return bad();
    if (
      dt.name === "int64" ||
      dt.name === "uint64" ||
      dt.name === "datetime64" ||
      dt.name === "timedelta64"
    ) {
      if (typeof v === "number" && !Number.isInteger(v)) bad();
      tmp[0] = BigInt(v);
    } else if (dt.name === "bool") {
      // Python's truth value: only zero is False (NaN is True, as `bool(float("nan"))`).
      tmp[0] = v === 0 || v === 0n ? 0 : 1;
    } else {
      const n = Number(v);
      // widened float16 (Float32Array storage): round as a float16 element would be
      tmp[0] =
        dt.name === "float16" && dt.widened
          ? float16ToNumber(numberToFloat16(n))
          : dt.name === "bfloat16"
            ? bfloat16ToNumber(numberToBfloat16(n))
            : n;
    }
  }
  const out: Lane[] = [];
  for (let i = 0; i < lanes; i++) out.push(tmp[i]!);
  return out;
}

/** The first `n` code points of `s` (a surrogate pair is one code point). */
export function truncateCodePoints(s: string, n: number): string {
  if (s.length <= n) return s;
  let count = 0;
  let i = 0;
  while (i < s.length && count < n) {
    const c = s.codePointAt(i)!;
    i += c > 0xffff ? 2 : 1;
    count++;
  }
  return s.slice(0, i);
}

/** Inclusive value range of each integer data type. */
const INT_RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  int8: [-128n, 127n],
  uint8: [0n, 255n],
  int16: [-32768n, 32767n],
  uint16: [0n, 65535n],
  int32: [-2147483648n, 2147483647n],
  uint32: [0n, 4294967295n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  datetime64: [-(2n ** 63n), 2n ** 63n - 1n],
  timedelta64: [-(2n ** 63n), 2n ** 63n - 1n],
};

/**
 * The lanes of `value` assigned to an element of `dt` the way NumPy assigns a Python scalar
 * (`a[...] = value`): into an integer type a number is truncated toward zero (1.5 → 1, as NumPy
 * does), but NaN, ±Infinity and integers outside the type's range are errors (NumPy 2 raises
 * `ValueError` / `OverflowError` where a TypedArray would silently store 0 or wrap: 300 into int8
 * would store 44); into bool any number is its truth value; into floats values round (1e300 into
 * float32 is Infinity, as in NumPy). Other types follow {@link scalarLanes}.
 * @param where what is written, for the message (e.g. `array "a"`).
 * @throws ZarrPlanError `ERR_VALUE` naming `where`, the value and the data type.
 */
export function assignedLanes(dt: DataType, value: Scalar, where: string): Lane[] {
  const range = INT_RANGES[dt.name];
  if (range && (typeof value === "number" || typeof value === "bigint")) {
    const fail = (why: string): never => {
      throw new ZarrPlanError(
        "ERR_VALUE",
        `${where}: cannot write ${String(value)} into ${dt.name} (${why})`,
      );
    };
    if (typeof value === "number" && !Number.isFinite(value)) fail("not a finite number");
    const v = typeof value === "bigint" ? value : BigInt(Math.trunc(value));
    if (v < range[0] || v > range[1]) fail(`outside [${range[0]}, ${range[1]}]`);
    return scalarLanes(dt, typeof value === "bigint" ? value : Math.trunc(value));
  }
  try {
    return scalarLanes(dt, value);
  } catch (e) {
    throw new ZarrPlanError(
      "ERR_VALUE",
      `${where}: cannot write ${String(value)} into ${dt.name} (not a ${dt.name} scalar)`,
      { cause: e },
    );
  }
}

/**
 * Sets every element of `data` (a whole TypedArray of `dt` elements, `dt.lanes` entries each) to
 * the element `lanes` (from {@link scalarLanes}).
 */
export function fillLanes(data: TypedArray, dt: DataType, lanes: readonly Lane[]): void {
  const n = dt.lanes;
  const d = data as unknown as Entries & { fill(v: Lane): void };
  let same = true;
  for (let l = 1; l < n; l++) if (!Object.is(lanes[l], lanes[0])) same = false;
  if (same) {
    d.fill(lanes[0]!);
    return;
  }
  const size = data.length;
  for (let i = 0; i < size; i += n) for (let l = 0; l < n; l++) d[i + l] = lanes[l]!;
}
