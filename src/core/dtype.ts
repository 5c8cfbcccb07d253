/**
 * Zarr data types and their in-memory representation.
 *
 * | data type | v3 name | v2 typestr | TypedArray | entries per element |
 * |---|---|---|---|---|
 * | bool | `bool` | `|b1` | `Uint8Array` (0/1) | 1 |
 * | int8..int32 | `int8`.. | `|i1`,`<i2`,`<i4` | `Int8Array`.. | 1 |
 * | uint8..uint32 | `uint8`.. | `|u1`,`<u2`,`<u4` | `Uint8Array`.. | 1 |
 * | int64, uint64 | `int64`,`uint64` | `<i8`,`<u8` | `BigInt64Array`, `BigUint64Array` | 1 |
 * | float16 | `float16` | `<f2` | `Float16Array` where the runtime has one, else `Float32Array` (widened) | 1 |
 * | bfloat16 | `bfloat16` (zarr-extensions) | (none) | `Float32Array` (widened, exact) | 1 |
 * | float32, float64 | `float32`,`float64` | `<f4`,`<f8` | `Float32Array`,`Float64Array` | 1 |
 * | complex64, complex128 | `complex64`,`complex128` | `<c8`,`<c16` | `Float32Array`,`Float64Array` interleaved (re, im) | 2 |
 * | fixed-length bytes | (v2 only) | `|S<n>` | `Uint8Array`, n bytes per element, NUL-padded | n |
 * | datetime64 | `numpy.datetime64` (extension, `unit`, `scale_factor`) | `<M8[unit]` | `BigInt64Array` of counts of `scale_factor × unit` since 1970-01-01T00:00 UTC; NaT = -2^63 | 1 |
 * | timedelta64 | `numpy.timedelta64` (extension) | `<m8[unit]` | `BigInt64Array` of counts of `scale_factor × unit`; NaT = -2^63 | 1 |
 * | raw bits | `r8`, `r16`, … (multiples of 8) | (none) | `Uint8Array`, N/8 bytes per element in stored order | N/8 |
 * | string (variable length) | `string` (codec `vlen-utf8`) | `\|O` (object codec `vlen-utf8` or `json2`) | `string[]` | 1 |
 * | string (fixed length) | `fixed_length_utf32` | `<U<n>`, `>U<n>` | `string[]` (trailing NULs dropped) | 1 |
 * | variable-length bytes | `variable_length_bytes` (codec `vlen-bytes`) | `\|O` (object codec `vlen-bytes`) | `Uint8Array[]` | 1 |
 *
 * Follows the Zarr v3 core specification, section "Data types", and the Zarr v2 specification, "Data type encoding".
 * @module
 */

/** Names of the supported data types. */
export type DataTypeName =
  | "bool"
  | "int8"
  | "int16"
  | "int32"
  | "int64"
  | "uint8"
  | "uint16"
  | "uint32"
  | "uint64"
  | "float16"
  | "bfloat16"
  | "float32"
  | "float64"
  | "complex64"
  | "complex128"
  | "bytes"
  | "datetime64"
  | "timedelta64"
  | "raw"
  | "string"
  | "variable_length_bytes";

/**
 * NumPy's datetime units (NumPy "Datetimes and Timedeltas"; the zarr-extensions
 * `numpy.datetime64` / `numpy.timedelta64` data types take the same list): years, months,
 * weeks, days, hours, minutes, seconds, milli-, micro- (`us` or `μs`), nano-, pico-, femto-,
 * attoseconds, and `generic` (a unit-less count).
 */
export type TimeUnit =
  | "Y"
  | "M"
  | "W"
  | "D"
  | "h"
  | "m"
  | "s"
  | "ms"
  | "us"
  | "μs"
  | "ns"
  | "ps"
  | "fs"
  | "as"
  | "generic";

/** Every {@link TimeUnit}, in NumPy's order. */
export const TIME_UNITS: readonly TimeUnit[] = Object.freeze([
  "Y",
  "M",
  "W",
  "D",
  "h",
  "m",
  "s",
  "ms",
  "us",
  "μs",
  "ns",
  "ps",
  "fs",
  "as",
  "generic",
]);

/** The unit and scale factor of a datetime64 / timedelta64 data type. */
export interface TimeParams {
  readonly unit: TimeUnit;
  /** A positive integer up to 2^31 − 1 (NumPy's limit); default 1. */
  readonly scaleFactor?: number;
}

/** The value NumPy uses for "Not a Time" in datetime64 / timedelta64 data: -2^63. */
export const NAT: bigint = -(2n ** 63n);

/** The numeric data types of the Zarr v3 core spec, in its order (not bytes, raw bits or dates). */
export type NumericDataTypeName = Exclude<
  DataTypeName,
  "bytes" | "datetime64" | "timedelta64" | "raw" | "string" | "variable_length_bytes"
>;

/** Every numeric data type name of the Zarr v3 core spec, in its order. */
export const NUMERIC_DATA_TYPES: readonly NumericDataTypeName[] = Object.freeze([
  "bool",
  "int8",
  "int16",
  "int32",
  "int64",
  "uint8",
  "uint16",
  "uint32",
  "uint64",
  "float16",
  "float32",
  "float64",
  "complex64",
  "complex128",
]);

/** The real numeric data type names: {@link NUMERIC_DATA_TYPES} without the complex types. */
export const REAL_DATA_TYPES: ReadonlySet<DataTypeName> = new Set<DataTypeName>(
  NUMERIC_DATA_TYPES.filter((n) => !n.startsWith("complex")),
);

/** The integer data types (signed and unsigned, 8 to 64 bits). */
export const INTEGER_DATA_TYPES: ReadonlySet<DataTypeName> = new Set<DataTypeName>([
  "int8",
  "int16",
  "int32",
  "int64",
  "uint8",
  "uint16",
  "uint32",
  "uint64",
]);

/**
 * The members of a `Float16Array` zarr-plan relies on, for TypeScript libs that do not declare
 * `Float16Array` (before `lib: ["esnext.float16"]` / ES2025). Entries are numbers (IEEE 754
 * binary16 values, widened to `number` on read).
 */
export interface Float16ArrayLike {
  readonly [Symbol.toStringTag]: "Float16Array";
  /** 2. */
  readonly BYTES_PER_ELEMENT: number;
  readonly buffer: ArrayBufferLike;
  /** Offset in bytes of entry 0 in {@link buffer}. */
  readonly byteOffset: number;
  /** Length in bytes (2 per entry). */
  readonly byteLength: number;
  /** Number of entries. */
  readonly length: number;
  [index: number]: number;
  [Symbol.iterator](): IterableIterator<number>;
  /** A view of entries `[begin, end)` sharing the buffer. */
  subarray(begin?: number, end?: number): Float16ArrayLike;
  /** A copy of entries `[start, end)`. */
  slice(start?: number, end?: number): Float16ArrayLike;
  /** Copies `array` into this one from entry `offset`. */
  set(array: ArrayLike<number>, offset?: number): void;
  /** Sets entries `[start, end)` to `value`. */
  fill(value: number, start?: number, end?: number): this;
}

/**
 * A native `Float16Array`: the type TypeScript's lib declares when the compilation includes it
 * (`lib: ["esnext.float16"]` or later), else {@link Float16ArrayLike}.
 */
export type NativeFloat16Array = typeof globalThis extends {
  Float16Array: { prototype: infer P };
}
  ? P
  : Float16ArrayLike;

/**
 * In-memory data of a `float16` array: a native `Float16Array` on runtimes that have one
 * (Node ≥ 24, recent browsers; see {@link hasFloat16Array}), else a `Float32Array` of the values
 * widened to single precision (`DataType.widened` tells which).
 */
export type Float16Data = Float32Array | NativeFloat16Array;

/**
 * The TypedArray holding the data of each data type, as `allocate`, `viewAs` and every read
 * return it (see the table in this module's documentation).
 */
export interface TypedArrayMap {
  /** 0 / 1 per element. */
  bool: Uint8Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  int64: BigInt64Array;
  uint8: Uint8Array;
  uint16: Uint16Array;
  uint32: Uint32Array;
  uint64: BigUint64Array;
  /** `Float16Array` where the runtime has one, else `Float32Array` (widened). */
  float16: Float16Data;
  /** bfloat16 (zarr-extensions): widened to `Float32Array`, exactly (bfloat16 is float32's top half). */
  bfloat16: Float32Array;
  float32: Float32Array;
  float64: Float64Array;
  /** Interleaved (re, im) pairs: 2 entries per element. */
  complex64: Float32Array;
  /** Interleaved (re, im) pairs: 2 entries per element. */
  complex128: Float64Array;
  /** v2 `|S<n>`: n bytes per element, NUL-padded. */
  bytes: Uint8Array;
  /** Counts of `scaleFactor × unit` since the Unix epoch; NaT is -2^63 ({@link NAT}). */
  datetime64: BigInt64Array;
  /** Counts of `scaleFactor × unit`; NaT is -2^63 ({@link NAT}). */
  timedelta64: BigInt64Array;
  /** Raw bits `rN`: N/8 bytes per element, in stored order. */
  raw: Uint8Array;
  /** Strings (variable length, or fixed-length UTF-32 without its NUL padding): one JS string per element. */
  string: string[];
  /** Variable-length bytes: one `Uint8Array` per element. */
  variable_length_bytes: Uint8Array[];
}

/**
 * The TypedArray of data type `N`: `TypedArrayOf<"float32">` is `Float32Array`,
 * `TypedArrayOf<"int64">` is `BigInt64Array`, `TypedArrayOf<"float32" | "int16">` is
 * `Float32Array | Int16Array`. See {@link TypedArrayMap}.
 */
export type TypedArrayOf<N extends DataTypeName> = TypedArrayMap[N];

/**
 * Any TypedArray zarr-plan returns: the data of any data type (`TypedArrayOf<DataTypeName>`),
 * a native `Float16Array` included.
 */
export type TypedArray = TypedArrayOf<DataTypeName>;

/**
 * A scalar value of an element: number, bigint (64-bit ints, datetime64 and timedelta64 counts),
 * boolean, `[re, im]` (complex), bytes (`|S<n>`, raw bits, variable-length bytes) or a string.
 */
export type Scalar = number | bigint | boolean | readonly [number, number] | Uint8Array | string;

/**
 * One entry of the data of an element ({@link TypedArrayOf}): a number, a bigint, a string
 * (string data types) or a `Uint8Array` (variable-length bytes).
 */
export type Lane = number | bigint | string | Uint8Array;

/**
 * Whether the elements of `dt` have no fixed size on disk (`string` with `vlen-utf8`,
 * `variable_length_bytes`): their `itemSize` is 0 and their data is a JS array, not a TypedArray.
 */
export function isVariableLength(dt: DataType): boolean {
  return dt.name === "variable_length_bytes" || (dt.name === "string" && dt.itemSize === 0);
}

/** Whether the data of `dt` is a JS array (`string[]`, `Uint8Array[]`) rather than a TypedArray. */
export function isObjectData(dt: DataType): boolean {
  return dt.name === "string" || dt.name === "variable_length_bytes";
}

/**
 * Description of one data type. `N` is its name as a literal type when known
 * (`dataType("float32")` is a `DataType<"float32">`); `DataType` alone is any data type.
 */
export interface DataType<N extends DataTypeName = DataTypeName> {
  /** Data type name; `"bytes"` is v2's fixed-length `|S<n>`. */
  readonly name: N;
  /**
   * Size of one element in bytes on disk (`|S8` → 8, complex64 → 8, float16 → 2, `<U3` → 12);
   * 0 for variable-length types (`string` with `vlen-utf8`, `variable_length_bytes`).
   */
  readonly itemSize: number;
  /** Number of TypedArray entries per element: 2 for complex, n for `|S<n>`, else 1 (strings too). */
  readonly lanes: number;
  /** Size of one TypedArray entry in bytes in memory (float16 may be widened to 4). */
  readonly entrySize: number;
  /** Size of one TypedArray entry in bytes on disk (2 for float16, 4 for complex64, 1 for bytes). */
  readonly diskEntrySize: number;
  /** Whether float16 is stored in memory as float32 (the runtime has no `Float16Array`). */
  readonly widened: boolean;
  /** datetime64 / timedelta64 only: the time unit (NumPy's; `"generic"` when none was given). */
  readonly unit?: TimeUnit;
  /** datetime64 / timedelta64 only: the scale factor (1 unless given). */
  readonly scaleFactor?: number;
}

/** The runtime's `Float16Array` constructor, when it has one (Node ≥ 24, recent browsers). */
const F16:
  | (new (
      n: number | ArrayBufferLike,
      off?: number,
      len?: number,
    ) => NativeFloat16Array)
  | undefined = (
  globalThis as {
    Float16Array?: new (
      n: number | ArrayBufferLike,
      off?: number,
      len?: number,
    ) => NativeFloat16Array;
  }
).Float16Array;

/** True when the runtime has a native `Float16Array`; otherwise float16 data are widened to `Float32Array`. */
export const hasFloat16Array: boolean = F16 !== undefined;

const SIZES: Record<
  Exclude<DataTypeName, "bytes" | "raw" | "string" | "variable_length_bytes">,
  [itemSize: number, lanes: number]
> = {
  datetime64: [8, 1],
  timedelta64: [8, 1],
  bool: [1, 1],
  int8: [1, 1],
  int16: [2, 1],
  int32: [4, 1],
  int64: [8, 1],
  uint8: [1, 1],
  uint16: [2, 1],
  uint32: [4, 1],
  uint64: [8, 1],
  float16: [2, 1],
  bfloat16: [2, 1],
  float32: [4, 1],
  float64: [8, 1],
  complex64: [8, 2],
  complex128: [16, 2],
};

const cache = new Map<string, DataType>();

/**
 * The {@link DataType} for a name. `param` is the byte length for `"bytes"` (`|S<n>`) and
 * `"raw"` (raw bits `r<8n>`: n bytes), the length in code points for a fixed-length `"string"`
 * (`<U<n>`, `fixed_length_utf32`: 4n bytes per element; no `param`: variable length), and the unit and scale factor for `"datetime64"` /
 * `"timedelta64"` (default unit `"generic"`, scale factor 1).
 * The result's `name` keeps the literal type: `dataType("float32")` is a `DataType<"float32">`.
 * @throws RangeError for an unknown name, a bad length, unit or scale factor.
 */
export function dataType<N extends DataTypeName>(
  name: N,
  param?: number | TimeParams,
): DataType<N> {
  return dataTypeOf(name, param) as DataType<N>;
}

const MAX_SCALE_FACTOR = 2 ** 31 - 1;

/** Longest fixed-length string: 2^29 − 1 code points (`length_bytes` ≤ 2^31 − 4). */
const MAX_UTF32_LENGTH = 2 ** 29 - 1;

function dataTypeOf(name: DataTypeName, param?: number | TimeParams): DataType {
  const length = typeof param === "number" ? param : undefined;
  const time = typeof param === "object" && param !== null ? param : undefined;
  const isTime = name === "datetime64" || name === "timedelta64";
  const unit = time?.unit ?? "generic";
  const scaleFactor = time?.scaleFactor ?? 1;
  const cacheKey =
    name === "bytes" || name === "raw" || name === "string"
      ? `${name}${length}`
      : isTime
        ? `${name}[${scaleFactor}${unit}]`
        : name;
  const hit = cache.get(cacheKey);
  if (hit) return hit;
  let dt: DataType;
  if (name === "string" || name === "variable_length_bytes") {
    const n = name === "string" ? (length ?? 0) : 0;
    if (!Number.isSafeInteger(n) || n < 0 || n > MAX_UTF32_LENGTH) {
      throw new RangeError(
        `fixed-length string data type needs a length in code points in [0, ${MAX_UTF32_LENGTH}], got ${length}`,
      );
    }
    dt = Object.freeze({
      name,
      itemSize: 4 * n,
      lanes: 1,
      entrySize: 4 * n,
      diskEntrySize: n > 0 ? 4 : 0,
      widened: false,
    });
  } else if (name === "bytes" || name === "raw") {
    if (length === undefined || !Number.isInteger(length) || length < (name === "raw" ? 1 : 0)) {
      throw new RangeError(
        `${name} data type needs a ${name === "raw" ? "positive" : "non-negative"} integer length, got ${length}`,
      );
    }
    dt = Object.freeze({
      name,
      itemSize: length,
      lanes: length,
      entrySize: 1,
      diskEntrySize: 1,
      widened: false,
    });
  } else if (isTime) {
    if (!TIME_UNITS.includes(unit)) {
      throw new RangeError(`${name}: unknown time unit ${JSON.stringify(unit)}`);
    }
    if (!Number.isInteger(scaleFactor) || scaleFactor < 1 || scaleFactor > MAX_SCALE_FACTOR) {
      throw new RangeError(
        `${name}: scale factor must be an integer in [1, ${MAX_SCALE_FACTOR}], got ${scaleFactor}`,
      );
    }
    dt = Object.freeze({
      name,
      itemSize: 8,
      lanes: 1,
      entrySize: 8,
      diskEntrySize: 8,
      widened: false,
      unit,
      scaleFactor,
    });
  } else {
    const s = SIZES[name];
    if (!s) throw new RangeError(`unknown data type ${JSON.stringify(name)}`);
    const [itemSize, lanes] = s;
    const diskEntrySize = itemSize / lanes;
    const widened = (name === "float16" && !hasFloat16Array) || name === "bfloat16";
    dt = Object.freeze({
      name,
      itemSize,
      lanes,
      diskEntrySize,
      entrySize: widened ? 4 : diskEntrySize,
      widened,
    });
  }
  cache.set(cacheKey, dt);
  return dt;
}

/** The empty element of variable-length bytes (zero-length, so sharing it is safe). */
const EMPTY_BYTES = new Uint8Array(0);

/**
 * Creates a zero-filled TypedArray holding `size` elements of `dt` (`size * dt.lanes` entries),
 * of the type {@link TypedArrayOf} `dt.name`.
 */
export function allocate<N extends DataTypeName>(dt: DataType<N>, size: number): TypedArrayOf<N> {
  return allocateData(dt, size) as TypedArrayOf<N>;
}

function allocateData(dt: DataType, size: number): TypedArray {
  const n = size * dt.lanes;
  switch (dt.name) {
    case "string":
      return new Array<string>(n).fill("");
    case "variable_length_bytes":
      return new Array<Uint8Array>(n).fill(EMPTY_BYTES);
    case "bool":
    case "uint8":
    case "bytes":
    case "raw":
      return new Uint8Array(n);
    case "int8":
      return new Int8Array(n);
    case "int16":
      return new Int16Array(n);
    case "int32":
      return new Int32Array(n);
    case "int64":
    case "datetime64":
    case "timedelta64":
      return new BigInt64Array(n);
    case "uint16":
      return new Uint16Array(n);
    case "uint32":
      return new Uint32Array(n);
    case "uint64":
      return new BigUint64Array(n);
    case "float16":
      return F16 ? new F16(n) : new Float32Array(n);
    case "bfloat16":
    case "float32":
    case "complex64":
      return new Float32Array(n);
    case "float64":
    case "complex128":
      return new Float64Array(n);
  }
}

/**
 * Views `bytes` (little-endian, native layout) as a TypedArray of `dt` (of the type
 * {@link TypedArrayOf} `dt.name`). Copies only when the byte offset is misaligned or float16
 * must be widened.
 */
export function viewAs<N extends DataTypeName>(
  dt: DataType<N>,
  bytes: Uint8Array,
): TypedArrayOf<N> {
  return viewData(dt, bytes) as TypedArrayOf<N>;
}

function viewData(dt: DataType, bytes: Uint8Array): TypedArray {
  if (isObjectData(dt)) {
    throw new RangeError(`${dt.name} data are JS arrays, not a view of bytes`);
  }
  const n = bytes.byteLength / dt.diskEntrySize;
  if (dt.name === "bfloat16") {
    // bfloat16 is the upper 16 bits of a float32: widening is exact.
    const out = new Float32Array(n);
    const bits = new Uint32Array(out.buffer);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < n; i++) bits[i] = dv.getUint16(i * 2, true) << 16;
    return out;
  }
  if (dt.name === "float16" && dt.widened) {
    const out = new Float32Array(n);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < n; i++) out[i] = float16ToNumber(dv.getUint16(i * 2, true));
    return out;
  }
  if (bytes.byteOffset % dt.diskEntrySize !== 0) bytes = bytes.slice();
  const { buffer, byteOffset } = bytes;
  switch (dt.name) {
    case "bool":
    case "uint8":
    case "bytes":
    case "raw":
      return new Uint8Array(buffer, byteOffset, n);
    case "int8":
      return new Int8Array(buffer, byteOffset, n);
    case "int16":
      return new Int16Array(buffer, byteOffset, n);
    case "int32":
      return new Int32Array(buffer, byteOffset, n);
    case "int64":
    case "datetime64":
    case "timedelta64":
      return new BigInt64Array(buffer, byteOffset, n);
    case "uint16":
      return new Uint16Array(buffer, byteOffset, n);
    case "uint32":
      return new Uint32Array(buffer, byteOffset, n);
    case "uint64":
      return new BigUint64Array(buffer, byteOffset, n);
    case "float16":
      return new F16!(buffer, byteOffset, n);
    case "float32":
    case "complex64":
      return new Float32Array(buffer, byteOffset, n);
    case "float64":
    case "complex128":
      return new Float64Array(buffer, byteOffset, n);
    case "string":
    case "variable_length_bytes":
      throw new RangeError(`${dt.name} data are JS arrays, not a view of bytes`);
  }
}

/** The little-endian on-disk bytes of a TypedArray of `dt` (narrows widened float16 back to 2 bytes). */
export function toBytes(dt: DataType, data: TypedArray): Uint8Array {
  if (isObjectData(dt) || !ArrayBuffer.isView(data)) {
    throw new RangeError(`${dt.name} data are JS arrays; a string codec encodes them`);
  }
  if (dt.name === "bfloat16") {
    const out = new Uint8Array(data.length * 2);
    const dv = new DataView(out.buffer);
    for (let i = 0; i < data.length; i++) {
      dv.setUint16(i * 2, numberToBfloat16(Number(data[i])), true);
    }
    return out;
  }
  if (dt.name === "float16" && dt.widened) {
    const out = new Uint8Array(data.length * 2);
    const dv = new DataView(out.buffer);
    for (let i = 0; i < data.length; i++)
      dv.setUint16(i * 2, numberToFloat16(Number(data[i])), true);
    return out;
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Decodes an IEEE 754 binary16 bit pattern to a number. */
export function float16ToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 0x1f) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** `q` rounded to the nearest integer, ties to even (`q` ≥ 0, `q - floor(q)` exact). */
function roundHalfEven(q: number): number {
  const f = Math.floor(q);
  const d = q - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Encodes a number as an IEEE 754 binary16 bit pattern, rounded once to nearest, ties to even,
 * directly from the float64 value (no double rounding through float32:
 * `1.0004882812509095` → `1.0009765625`, bits `0x3c01`). Values from 65520 up overflow to
 * ±Infinity; NaN becomes the quiet NaN `0x7e00` (sign kept).
 */
export function numberToFloat16(v: number): number {
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  if (Number.isNaN(v)) return 0x7e00;
  const a = Math.abs(v);
  if (a === Number.POSITIVE_INFINITY) return sign | 0x7c00;
  if (a < 2 ** -14) {
    // Subnormal (or zero): units of 2^-24; scaling by a power of two is exact. Rounding up to
    // 1024 units gives the smallest normal, whose bit pattern is the same 0x0400.
    return sign | roundHalfEven(a * 2 ** 24);
  }
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  if (e > 15) return sign | 0x7c00;
  // a / 2^e is in [1, 2) exactly; its fraction times 2^10 is exact too.
  const bits = ((e + 15) << 10) + roundHalfEven((a / 2 ** e - 1) * 1024);
  return sign | Math.min(bits, 0x7c00);
}

/** Decodes a bfloat16 bit pattern (the upper half of a float32) to a number. */
export function bfloat16ToNumber(h: number): number {
  const f = new Float32Array(1);
  new Uint32Array(f.buffer)[0] = (h & 0xffff) << 16;
  return f[0]!;
}

/**
 * Encodes a number as a bfloat16 bit pattern (8 exponent, 7 fraction bits), rounded once to
 * nearest, ties to even, directly from the float64 (no double rounding through float32); NaN
 * becomes the quiet NaN `0x7fc0` (sign kept), values past the largest finite overflow to
 * ±Infinity.
 */
export function numberToBfloat16(v: number): number {
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  if (Number.isNaN(v)) return 0x7fc0;
  const a = Math.abs(v);
  if (a === Number.POSITIVE_INFINITY) return sign | 0x7f80;
  if (a < 2 ** -126) return sign | roundHalfEven(a * 2 ** 133);
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  if (e > 127) return sign | 0x7f80;
  const bits = ((e + 127) << 7) + roundHalfEven((a / 2 ** e - 1) * 128);
  return sign | Math.min(bits, 0x7f80);
}
