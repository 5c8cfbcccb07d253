/**
 * The `bytes` array→bytes codec: an array's elements in C order, each in little- or big-endian
 * byte order. Zarr v3 core specification, "Codecs" → "bytes".
 * @module
 */

import { isVariableLength, toBytes, viewAs } from "../../core/dtype.js";
import { CodecError, MetadataError } from "../../core/errors.js";
import { cStrides, type NDArray, shapeSize } from "../../core/ndarray.js";
import type { CodecSpec } from "../model.js";
import type { ArrayToBytesCodec, ChunkSpec, CodecContext } from "./types.js";
import { decodeUtf32, encodeUtf32 } from "./utf32.js";
import { byteSwap, ConfigReader, cOrderData } from "./util.js";

/** Byte order of the `bytes` codec. */
type Endian = "little" | "big";

/**
 * The `bytes` codec. Little-endian is zero-copy both ways (except float16 on runtimes without
 * `Float16Array`, and misaligned input); big-endian copies and swaps every entry (each component
 * of a complex number separately). `|S<n>` fixed-length bytes are never swapped. Fixed-length
 * strings (`<U<n>`, `fixed_length_utf32`) are n UTF-32 code units per element in that byte order.
 */
class BytesCodec implements ArrayToBytesCodec {
  readonly kind = "array_to_bytes" as const;
  readonly name = "bytes";
  /** Byte order; `undefined` when the configuration omits it (then little-endian). */
  readonly endian: Endian | undefined;

  constructor(endian?: Endian) {
    this.endian = endian;
  }

  /** Encoded size in bytes: elements × item size. */
  encodedSize(spec: ChunkSpec): number {
    return shapeSize(spec.shape) * spec.dataType.itemSize;
  }

  /**
   * Serialises `a` (any strides): a view of its memory when it is C-contiguous and little-endian.
   */
  async encode(a: NDArray, _spec: ChunkSpec, ctx: CodecContext): Promise<Uint8Array> {
    const dt = a.dtype;
    if (dt.name === "string") {
      const out = encodeUtf32(cOrderData(a), dt.itemSize / 4, this.endian !== "big");
      if (out instanceof Uint8Array) return out;
      throw new CodecError(
        `element ${out.bad} is not a string of at most ${dt.itemSize / 4} code points`,
        { key: ctx.key, codec: this.name },
      );
    }
    const le = toBytes(dt, cOrderData(a));
    return this.endian === "big" && dt.diskEntrySize > 1 ? byteSwap(le, dt.diskEntrySize) : le;
  }

  /**
   * Deserialises `bytes` (exactly elements × item size bytes) to a C-order array of `spec.shape`.
   * The result shares memory with `bytes` when little-endian and aligned.
   * @throws CodecError when the byte length is wrong.
   */
  async decode(bytes: Uint8Array, spec: ChunkSpec, ctx: CodecContext): Promise<NDArray> {
    const dt = spec.dataType;
    const n = shapeSize(spec.shape);
    const expected = n * dt.itemSize;
    if (bytes.byteLength !== expected) {
      throw new CodecError(
        `expected ${expected} bytes (${n} elements of ${dt.name}), got ${bytes.byteLength}`,
        { key: ctx.key, codec: this.name },
      );
    }
    if (dt.name === "string") {
      const out = decodeUtf32(bytes, n, dt.itemSize / 4, this.endian !== "big");
      if (!Array.isArray(out)) {
        throw new CodecError(`element ${out.bad} holds a code point above U+10FFFF`, {
          key: ctx.key,
          codec: this.name,
        });
      }
      return {
        data: out as unknown as NDArray["data"],
        shape: [...spec.shape],
        strides: cStrides(spec.shape),
        dtype: dt,
      };
    }
    const src =
      this.endian === "big" && dt.diskEntrySize > 1 ? byteSwap(bytes, dt.diskEntrySize) : bytes;
    return {
      data: viewAs(dt, src),
      shape: [...spec.shape],
      strides: cStrides(spec.shape),
      dtype: dt,
    };
  }

  /** The codec in v3 metadata form: `{ name, configuration }`. */
  toJSON(): CodecSpec {
    return this.endian === undefined
      ? { name: this.name }
      : { name: this.name, configuration: { endian: this.endian } };
  }
}

/**
 * Factory of the `bytes` codec. `endian` is optional (little-endian when absent, as zarr-python
 * reads it); for one-byte data types it is dropped on output.
 * @throws MetadataError when `configuration.endian` is not `"little"`/`"big"`.
 */
export function createBytesCodec(
  configuration: Readonly<Record<string, unknown>>,
  spec: ChunkSpec,
  metadataKey: string,
): BytesCodec {
  const r = new ConfigReader(configuration, metadataKey, "bytes");
  if (isVariableLength(spec.dataType)) {
    throw new MetadataError(metadataKey, [
      {
        field: "name",
        message: `the bytes codec cannot serialise variable-length ${spec.dataType.name} data; use ${spec.dataType.name === "string" ? "vlen-utf8" : "vlen-bytes"}`,
      },
    ]);
  }
  const endian = r.has("endian") ? r.oneOf<Endian>("endian", ["little", "big"]) : undefined;
  const multiByte = spec.dataType.diskEntrySize > 1;
  return new BytesCodec(multiByte ? (endian ?? "little") : endian);
}
