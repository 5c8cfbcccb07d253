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
 * | float32, float64 | `float32`,`float64` | `<f4`,`<f8` | `Float32Array`,`Float64Array` | 1 |
 * | complex64, complex128 | `complex64`,`complex128` | `<c8`,`<c16` | `Float32Array`,`Float64Array` interleaved (re, im) | 2 |
 * | fixed-length bytes | (v2 only) | `|S<n>` | `Uint8Array`, n bytes per element, NUL-padded | n |
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
  | "float32"
  | "float64"
  | "complex64"
  | "complex128"
  | "bytes";

/** Every data type name except v2's fixed-length `"bytes"`, in the order of the Zarr v3 core spec. */
export const NUMERIC_DATA_TYPES: readonly Exclude<DataTypeName, "bytes">[] = Object.freeze([
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
  float32: Float32Array;
  float64: Float64Array;
  /** Interleaved (re, im) pairs: 2 entries per element. */
  complex64: Float32Array;
  /** Interleaved (re, im) pairs: 2 entries per element. */
  complex128: Float64Array;
  /** v2 `|S<n>`: n bytes per element, NUL-padded. */
  bytes: Uint8Array;
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

/** A scalar value of an element: number, bigint (64-bit ints), boolean, `[re, im]` (complex) or bytes (`|S<n>`). */
export type Scalar = number | bigint | boolean | readonly [number, number] | Uint8Array;

/**
 * Description of one data type. `N` is its name as a literal type when known
 * (`dataType("float32")` is a `DataType<"float32">`); `DataType` alone is any data type.
 */
export interface DataType<N extends DataTypeName = DataTypeName> {
  /** Data type name; `"bytes"` is v2's fixed-length `|S<n>`. */
  readonly name: N;
  /** Size of one element in bytes on disk (`|S8` → 8, complex64 → 8, float16 → 2). */
  readonly itemSize: number;
  /** Number of TypedArray entries per element: 2 for complex, n for `|S<n>`, else 1. */
  readonly lanes: number;
  /** Size of one TypedArray entry in bytes in memory (float16 may be widened to 4). */
  readonly entrySize: number;
  /** Size of one TypedArray entry in bytes on disk (2 for float16, 4 for complex64, 1 for bytes). */
  readonly diskEntrySize: number;
  /** Whether float16 is stored in memory as float32 (the runtime has no `Float16Array`). */
  readonly widened: boolean;
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

const SIZES: Record<Exclude<DataTypeName, "bytes">, [itemSize: number, lanes: number]> = {
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
  float32: [4, 1],
  float64: [8, 1],
  complex64: [8, 2],
  complex128: [16, 2],
};

const cache = new Map<string, DataType>();

/**
 * The {@link DataType} for a name; `length` is the byte length for `"bytes"` (`|S<n>`).
 * The result's `name` keeps the literal type: `dataType("float32")` is a `DataType<"float32">`.
 * @throws RangeError for an unknown name or a bad length.
 */
export function dataType<N extends DataTypeName>(name: N, length?: number): DataType<N> {
  return dataTypeOf(name, length) as DataType<N>;
}

function dataTypeOf(name: DataTypeName, length?: number): DataType {
  const cacheKey = name === "bytes" ? `bytes${length}` : name;
  const hit = cache.get(cacheKey);
  if (hit) return hit;
  let dt: DataType;
  if (name === "bytes") {
    if (length === undefined || !Number.isInteger(length) || length < 0) {
      throw new RangeError(`bytes data type needs a non-negative integer length, got ${length}`);
    }
    dt = Object.freeze({
      name,
      itemSize: length,
      lanes: length,
      entrySize: 1,
      diskEntrySize: 1,
      widened: false,
    });
  } else {
    const s = SIZES[name];
    if (!s) throw new RangeError(`unknown data type ${JSON.stringify(name)}`);
    const [itemSize, lanes] = s;
    const diskEntrySize = itemSize / lanes;
    const widened = name === "float16" && !hasFloat16Array;
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
    case "bool":
    case "uint8":
    case "bytes":
      return new Uint8Array(n);
    case "int8":
      return new Int8Array(n);
    case "int16":
      return new Int16Array(n);
    case "int32":
      return new Int32Array(n);
    case "int64":
      return new BigInt64Array(n);
    case "uint16":
      return new Uint16Array(n);
    case "uint32":
      return new Uint32Array(n);
    case "uint64":
      return new BigUint64Array(n);
    case "float16":
      return F16 ? new F16(n) : new Float32Array(n);
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
  const n = bytes.byteLength / dt.diskEntrySize;
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
      return new Uint8Array(buffer, byteOffset, n);
    case "int8":
      return new Int8Array(buffer, byteOffset, n);
    case "int16":
      return new Int16Array(buffer, byteOffset, n);
    case "int32":
      return new Int32Array(buffer, byteOffset, n);
    case "int64":
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
  }
}

/** The little-endian on-disk bytes of a TypedArray of `dt` (narrows widened float16 back to 2 bytes). */
export function toBytes(dt: DataType, data: TypedArray): Uint8Array {
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
