/**
 * NumPy data type spellings as numcodecs filters write them in their configurations (`dtype`,
 * `astype`, `encode_dtype`, `decode_dtype`): array-interface typestrs (`"<f8"`, `">i4"`, `"|u1"`,
 * `"=f4"`, `"f8"`), type names (`"float64"`, `"int32"`, `"uint8"`, `"bool"`) and one-character
 * codes (`"d"`, `"f"`, `"i"`, `"?"`), for the real numeric types zarr-plan supports.
 * Follows NumPy's `numpy.dtype` constructor (a missing or `=` byte order is the native one,
 * little-endian on every host zarr-plan runs on).
 * @module
 */
import { type DataType, type DataTypeName, dataType } from "../../core/dtype.js";

/** A parsed NumPy dtype: the data type, its byte order and the spelling it was written as. */
export interface NumpyType {
  /** The spelling as written in the configuration (kept for `toJSON`). */
  readonly typestr: string;
  readonly dataType: DataType;
  /** True for `>` typestrs of multi-byte types. */
  readonly bigEndian: boolean;
}

const KIND_SIZE: Readonly<Record<string, DataTypeName>> = {
  b1: "bool",
  i1: "int8",
  i2: "int16",
  i4: "int32",
  i8: "int64",
  u1: "uint8",
  u2: "uint16",
  u4: "uint32",
  u8: "uint64",
  f2: "float16",
  f4: "float32",
  f8: "float64",
};

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
  const m = /^([<>|=]?)([biuf])(\d+)$/.exec(typestr);
  if (!m) return undefined;
  const name = KIND_SIZE[`${m[2]}${m[3]}`];
  if (name === undefined) return undefined;
  const dt = dataType(name);
  return { typestr, dataType: dt, bigEndian: m[1] === ">" && dt.itemSize > 1 };
}

/** The little-endian typestr of a real numeric data type (`"<f8"`, `"|u1"`, `"|b1"`). */
export function littleEndianTypestr(dt: DataType): string {
  const code = Object.entries(KIND_SIZE).find(([, n]) => n === dt.name)?.[0];
  if (code === undefined) throw new RangeError(`no NumPy typestr for ${dt.name}`);
  return `${dt.itemSize === 1 ? "|" : "<"}${code}`;
}
