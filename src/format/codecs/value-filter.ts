/**
 * The shared shape of the numcodecs filters that map each element of one NumPy type to one
 * element of another (`fixedscaleoffset`, `quantize`, `astype`, `bitround`): a bytes→bytes codec
 * (their place in Zarr v2 `filters` and after `bytes` in v3) whose bytes are elements of the
 * configured types in the configured byte order, and the same filter as an array→array codec
 * (their place before `bytes` in v3 metadata, as zarr-python 3's `numcodecs.zarr3` writes them),
 * where the chunk's own data type must be the decoded type.
 *
 * Decoding checks the output size against the ceiling (`CodecContext.maxDecodedBytes`) before
 * allocating.
 * @module
 */

import type { Scalar } from "../../core/dtype.js";
import { type DataType, type TypedArray, toBytes, viewAs } from "../../core/dtype.js";
import { CodecError, MetadataError } from "../../core/errors.js";
import { cStrides, type NDArray, shapeSize } from "../../core/ndarray.js";
import type { CodecSpec } from "../model.js";
import { ceilingMessage, ceilingOf } from "./ceiling.js";
import type { NumpyType } from "./numpy-type.js";
import type { ArrayToArrayCodec, BytesToBytesCodec, ChunkSpec, CodecContext } from "./types.js";
import { byteSwap, cOrderData, type Entries } from "./util.js";

/** The elements of `bytes` as a TypedArray of `t` (byte-swapped first when `t` is big-endian). */
export function viewElements(t: NumpyType, bytes: Uint8Array): TypedArray {
  const dt = t.dataType;
  return viewAs(dt, t.bigEndian && dt.itemSize > 1 ? byteSwap(bytes, dt.itemSize) : bytes);
}

/** The bytes of `data` (elements of `t`) in `t`'s byte order. */
export function elementBytes(t: NumpyType, data: TypedArray): Uint8Array {
  const le = toBytes(t.dataType, data);
  return t.bigEndian && t.dataType.itemSize > 1 ? byteSwap(le, t.dataType.itemSize) : le;
}

/** A filter from elements of {@link decoded} to as many elements of {@link encoded}. */
export abstract class ValueFilter implements BytesToBytesCodec {
  readonly kind = "bytes_to_bytes" as const;
  abstract readonly name: string;
  /** The type of the decoded elements (the array's side). */
  abstract readonly decoded: NumpyType;
  /** The type of the encoded elements (the stored side). */
  abstract readonly encoded: NumpyType;

  /** Encodes elements of `decoded` into a new TypedArray of `encoded` elements (same length). */
  abstract encodeValues(values: TypedArray): TypedArray;
  /** Decodes elements of `encoded` into a new TypedArray of `decoded` elements (same length). */
  abstract decodeValues(values: TypedArray): TypedArray;
  /** The codec in v3 metadata form. */
  abstract toJSON(): CodecSpec;

  /** Encoded size in bytes: elements × the encoded item size. */
  encodedSize(decodedSize: number): number {
    return (decodedSize / this.decoded.dataType.itemSize) * this.encoded.dataType.itemSize;
  }

  private whole(bytes: Uint8Array, t: NumpyType, ctx: CodecContext): number {
    const size = t.dataType.itemSize;
    if (bytes.length % size !== 0) {
      throw new CodecError(`${bytes.length} bytes is not a whole number of ${t.typestr} elements`, {
        key: ctx.key,
        codec: this.name,
      });
    }
    return bytes.length / size;
  }

  /** @throws CodecError when the byte length is not a whole number of decoded elements. */
  async encode(bytes: Uint8Array, ctx: CodecContext): Promise<Uint8Array> {
    this.whole(bytes, this.decoded, ctx);
    return elementBytes(this.encoded, this.encodeValues(viewElements(this.decoded, bytes)));
  }

  /**
   * @throws CodecError when the byte length is not a whole number of encoded elements, or the
   *   decoded elements would exceed `ctx.maxDecodedBytes` (checked before allocating).
   */
  async decode(bytes: Uint8Array, ctx: CodecContext): Promise<Uint8Array> {
    const n = this.whole(bytes, this.encoded, ctx);
    const size = n * this.decoded.dataType.itemSize;
    const ceiling = ceilingOf(ctx);
    if (ceiling !== undefined && size > ceiling) {
      throw new CodecError(
        ceilingMessage(ceiling, `${n} ${this.decoded.typestr} elements are ${size}`),
        { key: ctx.key, codec: this.name },
      );
    }
    return elementBytes(this.decoded, this.decodeValues(viewElements(this.encoded, bytes)));
  }

  /**
   * This filter as an array→array codec for chunks of `spec` (a numcodecs filter placed before
   * the array→bytes codec in v3 metadata): the chunk's data type must be the decoded type
   * (byte order does not matter there: the array holds values, not bytes); the encoded chunk has
   * the same shape and the encoded type.
   * @throws MetadataError naming `configuration` when the chunk's data type is another one.
   */
  asArrayToArray(spec: ChunkSpec, metadataKey: string): ArrayToArrayCodec {
    if (spec.dataType.name !== this.decoded.dataType.name) {
      throw new MetadataError(metadataKey, [
        {
          field: "configuration",
          message: `${this.name} decodes to ${this.decoded.typestr} (${this.decoded.dataType.name}) but the chunks are ${spec.dataType.name}`,
        },
      ]);
    }
    return new ValueFilterArrayCodec(this);
  }
}

/**
 * What an element filter needs to stand before the array→bytes codec: its name and metadata
 * form, the encoded type, and the mapping of a chunk's values (C order) to as many encoded values
 * and back. {@link ValueFilter}s and numcodecs Delta (whose values depend on their neighbours)
 * both are.
 */
export interface ValueMapping {
  readonly name: string;
  readonly encoded: NumpyType;
  encodeValues(values: TypedArray): TypedArray;
  decodeValues(values: TypedArray): TypedArray;
  toJSON(): CodecSpec;
}

/**
 * A {@link ValueMapping} before the array→bytes codec: chunks keep their shape, their data type
 * becomes the encoded type, and the fill value is passed through the encoder.
 */
export class ValueFilterArrayCodec implements ArrayToArrayCodec {
  readonly kind = "array_to_array" as const;
  readonly name: string;
  constructor(private readonly filter: ValueMapping) {
    this.name = filter.name;
  }

  resolveSpec(spec: ChunkSpec): ChunkSpec {
    return { ...spec, dataType: this.filter.encoded.dataType, fillValue: this.encodedFill(spec) };
  }

  /** The fill value passed through the encoder (what an all-fill chunk stores). */
  private encodedFill(spec: ChunkSpec): Scalar {
    const one = viewAs(spec.dataType, new Uint8Array(spec.dataType.itemSize));
    const is64 = spec.dataType.name === "int64" || spec.dataType.name === "uint64";
    const entry = fillEntry(spec.fillValue);
    (one as unknown as Entries)[0] = is64 ? BigInt(entry) : Number(entry);
    const enc = this.filter.encodeValues(one) as unknown as Entries;
    const v = enc[0]!;
    return this.filter.encoded.dataType.name === "bool" ? v !== 0 : v;
  }

  encode(a: NDArray, _spec: ChunkSpec, _ctx: CodecContext): NDArray {
    const data = this.filter.encodeValues(cOrderData(a));
    return {
      data,
      shape: [...a.shape],
      strides: cStrides(a.shape),
      dtype: this.filter.encoded.dataType,
    };
  }

  decode(a: NDArray, spec: ChunkSpec, ctx: CodecContext): NDArray {
    const n = shapeSize(a.shape);
    if (n !== shapeSize(spec.shape)) {
      throw new CodecError(`got ${n} elements, expected ${shapeSize(spec.shape)}`, {
        key: ctx.key,
        codec: this.name,
      });
    }
    const data = this.filter.decodeValues(cOrderData(a));
    return { data, shape: [...spec.shape], strides: cStrides(spec.shape), dtype: spec.dataType };
  }

  toJSON(): CodecSpec {
    return this.filter.toJSON();
  }
}

function fillEntry(v: Scalar): number | bigint {
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number" || typeof v === "bigint") return v;
  return 0;
}

/** Float data types a filter computes on. */
export function isFloatType(dt: DataType): boolean {
  return dt.name === "float16" || dt.name === "float32" || dt.name === "float64";
}
