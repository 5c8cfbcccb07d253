/**
 * NumPy data type spellings as numcodecs filters write them in their configurations (`dtype`,
 * `astype`, `encode_dtype`, `decode_dtype`): array-interface typestrs (`"<f8"`, `">i4"`, `"|u1"`,
 * `"=f4"`, `"f8"`), type names (`"float64"`, `"int32"`, `"uint8"`, `"bool"`) and one-character
 * codes (`"d"`, `"f"`, `"i"`, `"?"`), for the real numeric types zarr-plan supports.
 * Follows NumPy's `numpy.dtype` constructor (a missing or `=` byte order is the native one,
 * little-endian on every host zarr-plan runs on).
 * @module
 */
import { type DataType, type DataTypeName, dataType, REAL_DATA_TYPES } from "../../core/dtype.js";
import { parseV2DType, toV2DType } from "../metadata/v2-dtype.js";

/** A parsed NumPy dtype: the data type, its byte order and the spelling it was written as. */
export interface NumpyType {
  /** The spelling as written in the configuration (kept for `toJSON`). */
  readonly typestr: string;
  readonly dataType: DataType;
  /** True for `>` typestrs of multi-byte types. */
  readonly bigEndian: boolean;
}

/** NumPy's names and one-character codes (`numpy.sctypeDict`) of the types above. */
const NAMES: Readonly<Record<string, DataTypeName>> = {
  bool: "bool",
  bool_: "bool",
  "?": "bool",
  int8: "int8",
  b: "int8",
  byte: "int8",
  int16: "int16",
  h: "int16",
  short: "int16",
  int32: "int32",
  i: "int32",
  intc: "int32",
  int64: "int64",
  l: "int64",
  q: "int64",
  int: "int64",
  uint8: "uint8",
  B: "uint8",
  ubyte: "uint8",
  uint16: "uint16",
  H: "uint16",
  ushort: "uint16",
  uint32: "uint32",
  I: "uint32",
  uintc: "uint32",
  uint64: "uint64",
  L: "uint64",
  Q: "uint64",
  uint: "uint64",
  float16: "float16",
  e: "float16",
  half: "float16",
  float32: "float32",
  f: "float32",
  single: "float32",
  float64: "float64",
  d: "float64",
  double: "float64",
  float: "float64",
};

/**
 * Parses a NumPy dtype spelling of a real numeric type (bool, 8–64-bit integers, float16/32/64).
 * @returns `undefined` for anything else (complex, strings, datetimes, structured, malformed).
 */
export function parseNumpyType(typestr: unknown): NumpyType | undefined {
  if (typeof typestr !== "string") return undefined;
  const named = NAMES[typestr];
  if (named !== undefined) return { typestr, dataType: dataType(named), bigEndian: false };
  // A typestr: Zarr v2's form (`<i4`, `>u2`, `|b1`), or NumPy's with `=` or no byte order
  // (native: little-endian). One-byte types take any byte-order character.
  const m = /^([<>|=]?)([biuf]\d+)$/.exec(typestr);
  if (!m) return undefined;
  const big = m[1] === ">";
  const parsed = parseV2DType(`${big ? ">" : "<"}${m[2]}`) ?? parseV2DType(`|${m[2]}`);
  if (!parsed || !REAL_DATA_TYPES.has(parsed.dataType.name)) return undefined;
  return { typestr, dataType: parsed.dataType, bigEndian: big && parsed.dataType.itemSize > 1 };
}

/** The little-endian typestr of a real numeric data type (`"<f8"`, `"|u1"`, `"|b1"`). */
export function littleEndianTypestr(dt: DataType): string {
  if (!REAL_DATA_TYPES.has(dt.name)) throw new RangeError(`no NumPy typestr for ${dt.name}`);
  return toV2DType(dt, "little");
}
