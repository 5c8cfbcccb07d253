/**
 * The v2 `numcodecs.delta` filter (numcodecs `Delta`), as a bytes→bytes codec that knows its
 * element types: encoding stores the first element and then the differences of consecutive
 * elements (`dtype` arithmetic, cast to `astype`); decoding takes the running sum. Elements are
 * taken in storage order (C, or F when a `transpose` precedes the `bytes` codec).
 * @module
 */

import { allocate, type DataType, type TypedArray, toBytes, viewAs } from "../../core/dtype.js";
import { CodecError, MetadataError } from "../../core/errors.js";
import type { CodecSpec } from "../model.js";
import { ceilingMessage, ceilingOf } from "./ceiling.js";
import { type NumpyType, parseNumpyType } from "./numpy-type.js";
import type { ArrayToArrayCodec, BytesToBytesCodec, ChunkSpec, CodecContext } from "./types.js";
import { byteSwap, ConfigReader, type Entries } from "./util.js";
import { ValueFilterArrayCodec } from "./value-filter.js";

/** A numeric NumPy type the delta filter takes (`"<i4"`, `">u2"`, `"int32"`, `"d"`, …). */
type DeltaType = NumpyType;

/**
 * Parses a NumPy type string for the delta filter, or returns `undefined` if unsupported: every
 * spelling `numpy.dtype` accepts for an integer, float32 or float64 type ({@link parseNumpyType}:
 * typestrs with or without a byte-order mark, NumPy names, one-character codes). bool and float16
 * are not taken (float16 arithmetic would be widened).
 */
export function parseDeltaType(typestr: string): DeltaType | undefined {
  const t = parseNumpyType(typestr);
  if (!t || t.dataType.name === "bool" || t.dataType.name === "float16") return undefined;
  return t;
}

function view(t: DeltaType, bytes: Uint8Array): TypedArray {
  const dt = t.dataType;
  return viewAs(dt, t.bigEndian && dt.itemSize > 1 ? byteSwap(bytes, dt.itemSize) : bytes);
}

function serialise(t: DeltaType, data: TypedArray): Uint8Array {
  const le = toBytes(t.dataType, data);
  return t.bigEndian && t.dataType.itemSize > 1 ? byteSwap(le, t.dataType.itemSize) : le;
}

const is64 = (dt: DataType): boolean => dt.name === "int64" || dt.name === "uint64";

/** Converts an element read from one TypedArray into a value storable in a TypedArray of `to`. */
function cast(v: number | bigint, to: DataType): number | bigint {
  if (is64(to)) return typeof v === "bigint" ? v : BigInt(Math.trunc(v));
  return typeof v === "bigint" ? Number(v) : v;
}

/** numcodecs Delta between element types `dtype` (decoded) and `astype` (encoded). */
class DeltaCodec implements BytesToBytesCodec {
  readonly kind = "bytes_to_bytes" as const;
  readonly name = "numcodecs.delta";
  readonly dtype: DeltaType;
  readonly astype: DeltaType;
  /** The encoded element type (`astype`), as {@link ValueFilterArrayCodec} reads it. */
  get encoded(): DeltaType {
    return this.astype;
  }

  constructor(dtype: DeltaType, astype: DeltaType) {
    this.dtype = dtype;
    this.astype = astype;
  }

  /** Encoded size in bytes: elements × `astype` item size. */
  encodedSize(decodedSize: number): number {
    return (decodedSize / this.dtype.dataType.itemSize) * this.astype.dataType.itemSize;
  }

  /** @throws CodecError when the byte length is not a multiple of the `dtype` item size. */
  async encode(bytes: Uint8Array, ctx: CodecContext): Promise<Uint8Array> {
    const dsize = this.dtype.dataType.itemSize;
    if (bytes.length % dsize !== 0) {
      throw new CodecError(
        `${bytes.length} bytes is not a whole number of ${this.dtype.typestr} elements`,
        {
          key: ctx.key,
          codec: this.name,
        },
      );
    }
    return serialise(this.astype, this.encodeValues(view(this.dtype, bytes)));
  }

  /** The differences of `values` (elements of `dtype`), as elements of `astype`. */
  encodeValues(values: TypedArray): TypedArray {
    const n = values.length;
    const arr = values as unknown as Entries;
    const outT = allocate(this.astype.dataType, n);
    const enc = outT as unknown as Entries;
    if (n > 0) {
      const sameType = this.dtype.dataType === this.astype.dataType;
      const to = this.astype.dataType;
      enc[0] = cast(arr[0]!, to);
      if (sameType && is64(to)) {
        for (let i = 1; i < n; i++) enc[i] = (arr[i] as bigint) - (arr[i - 1] as bigint);
      } else if (sameType) {
        for (let i = 1; i < n; i++) enc[i] = (arr[i] as number) - (arr[i - 1] as number);
      } else {
        const tmp = allocate(this.dtype.dataType, 1) as unknown as Entries;
        const big = is64(this.dtype.dataType);
        for (let i = 1; i < n; i++) {
          tmp[0] = big
            ? (arr[i] as bigint) - (arr[i - 1] as bigint)
            : (arr[i] as number) - (arr[i - 1] as number);
          enc[i] = cast(tmp[0]!, to);
        }
      }
    }
    return outT;
  }

  /**
   * Takes the running sum (elements × `dtype` item size bytes).
   * @throws CodecError when the byte length is not a multiple of the `astype` item size, or the
   *   output would exceed `ctx.maxDecodedBytes` (checked before allocating).
   */
  async decode(bytes: Uint8Array, ctx: CodecContext): Promise<Uint8Array> {
    const asize = this.astype.dataType.itemSize;
    if (bytes.length % asize !== 0) {
      throw new CodecError(
        `${bytes.length} bytes is not a whole number of ${this.astype.typestr} elements`,
        {
          key: ctx.key,
          codec: this.name,
        },
      );
    }
    const n = bytes.length / asize;
    const ceiling = ceilingOf(ctx);
    if (ceiling !== undefined && n * this.dtype.dataType.itemSize > ceiling) {
      throw new CodecError(
        ceilingMessage(
          ceiling,
          `${n} ${this.dtype.typestr} elements are ${n * this.dtype.dataType.itemSize}`,
        ),
        { key: ctx.key, codec: this.name },
      );
    }
    return serialise(this.dtype, this.decodeValues(view(this.astype, bytes)));
  }

  /** The running sum of `values` (elements of `astype`), as elements of `dtype`. */
  decodeValues(values: TypedArray): TypedArray {
    const n = values.length;
    const enc = values as unknown as Entries;
    const outT = allocate(this.dtype.dataType, n);
    const out = outT as unknown as Entries;
    const to = this.dtype.dataType;
    const sameType = to === this.astype.dataType;
    if (sameType && is64(to)) {
      let prev = 0n;
      for (let i = 0; i < n; i++) {
        out[i] = prev + (enc[i] as bigint);
        prev = out[i] as bigint;
      }
    } else if (sameType) {
      let prev = 0;
      for (let i = 0; i < n; i++) {
        out[i] = prev + (enc[i] as number);
        prev = out[i] as number;
      }
    } else if (is64(to)) {
      let prev = 0n;
      for (let i = 0; i < n; i++) {
        out[i] = prev + (cast(enc[i]!, to) as bigint);
        prev = out[i] as bigint;
      }
    } else {
      let prev = 0;
      for (let i = 0; i < n; i++) {
        out[i] = prev + (cast(enc[i]!, to) as number);
        prev = out[i] as number;
      }
    }
    return outT;
  }

  /** The codec in v3 metadata form: `{ name, configuration }`. */
  toJSON(): CodecSpec {
    return {
      name: this.name,
      configuration: { dtype: this.dtype.typestr, astype: this.astype.typestr },
    };
  }

  /**
   * Delta as an array→array codec for chunks of `spec`: where zarr-python 3 (`numcodecs.zarr3`)
   * writes it, before the array→bytes codec. The chunk's data type must be `dtype`; the encoded
   * chunk has the same shape and `astype`. Differences run over the chunk in C order, as numcodecs
   * does over a chunk's flattened buffer; a fill value encodes to itself (the first difference).
   * @throws MetadataError naming `configuration.dtype` when the chunk's data type is another one.
   */
  asArrayToArray(spec: ChunkSpec, metadataKey: string): ArrayToArrayCodec {
    if (spec.dataType.name !== this.dtype.dataType.name) {
      throw new MetadataError(metadataKey, [
        {
          field: "configuration.dtype",
          message: `numcodecs.delta works on ${this.dtype.typestr} (${this.dtype.dataType.name}) but the chunks are ${spec.dataType.name}`,
        },
      ]);
    }
    return new ValueFilterArrayCodec(this);
  }
}

/**
 * Factory of `numcodecs.delta`: `dtype` (required, e.g. `"<i4"`), `astype` (default `dtype`);
 * integer and float32/float64 types.
 * @throws MetadataError naming `configuration.dtype` / `configuration.astype`.
 */
export function createDeltaCodec(
  configuration: Readonly<Record<string, unknown>>,
  _spec: unknown,
  metadataKey: string,
): DeltaCodec {
  const r: ConfigReader = new ConfigReader(configuration, metadataKey, "numcodecs.delta");
  const dtypeStr = r.string("dtype");
  const dtype = parseDeltaType(dtypeStr);
  if (!dtype)
    r.fail(
      "dtype",
      `unsupported delta dtype ${JSON.stringify(dtypeStr)} (an integer, float32 or float64 NumPy type)`,
    );
  const astypeStr = r.string("astype", dtypeStr);
  const astype = parseDeltaType(astypeStr);
  if (!astype)
    r.fail(
      "astype",
      `unsupported delta astype ${JSON.stringify(astypeStr)} (an integer, float32 or float64 NumPy type)`,
    );
  return new DeltaCodec(dtype, astype);
}
