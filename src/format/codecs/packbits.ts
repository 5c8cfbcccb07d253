/**
 * The numcodecs `packbits` filter (`numcodecs.PackBits`; v3 name `numcodecs.packbits`) for bool
 * arrays: encoding stores one byte holding the number of padding bits (0–7) of the last byte,
 * then the elements packed 8 to a byte, the first element in the most significant bit (NumPy
 * `packbits`); decoding unpacks them and drops the padding. No configuration.
 * @module
 */
import { dataType } from "../../core/dtype.js";
import { CodecError, MetadataError } from "../../core/errors.js";
import { cStrides, type NDArray, shapeSize } from "../../core/ndarray.js";
import type { CodecSpec } from "../model.js";
import { ceilingMessage, ceilingOf } from "./ceiling.js";
import type { ArrayToArrayCodec, BytesToBytesCodec, ChunkSpec, CodecContext } from "./types.js";
import { cOrderData } from "./util.js";

const NAME = "numcodecs.packbits";

/** Packs `n` bool bytes (nonzero is true) into `1 + ceil(n / 8)` bytes. */
export function packBits(bools: Uint8Array): Uint8Array {
  const n = bools.length;
  const packed = Math.ceil(n / 8);
  const out = new Uint8Array(packed + 1);
  out[0] = (8 - (n % 8)) % 8;
  for (let i = 0; i < n; i++) if (bools[i]) out[1 + (i >> 3)]! |= 0x80 >> (i & 7);
  return out;
}

/** The number of bools {@link packBits} output decodes to, or an error message. */
function unpackedLength(bytes: Uint8Array): number | string {
  if (bytes.length === 0) return "0 bytes: missing the padding byte (truncated)";
  const pad = bytes[0]!;
  const bits = (bytes.length - 1) * 8;
  if (pad > 7 || pad > bits) return `padding byte ${pad} is not in [0, ${Math.min(7, bits)}]`;
  return bits - pad;
}

/** Unpacks {@link packBits} output into `n` bools (0 or 1). */
function unpack(bytes: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (bytes[1 + (i >> 3)]! >> (7 - (i & 7))) & 1;
  return out;
}

class PackBitsCodec implements BytesToBytesCodec {
  readonly kind = "bytes_to_bytes" as const;
  readonly name = NAME;

  /** Encoded size: `1 + ceil(decodedSize / 8)` bytes. */
  encodedSize(decodedSize: number): number {
    return 1 + Math.ceil(decodedSize / 8);
  }

  async encode(bytes: Uint8Array, _ctx: CodecContext): Promise<Uint8Array> {
    return packBits(bytes);
  }

  /**
   * @throws CodecError when the padding byte is missing or above 7, or the bools would exceed
   *   `ctx.maxDecodedBytes` (checked before allocating).
   */
  async decode(bytes: Uint8Array, ctx: CodecContext): Promise<Uint8Array> {
    const n = unpackedLength(bytes);
    if (typeof n === "string") throw new CodecError(n, { key: ctx.key, codec: NAME });
    const ceiling = ceilingOf(ctx);
    if (ceiling !== undefined && n > ceiling) {
      throw new CodecError(ceilingMessage(ceiling, `${n} bools`), { key: ctx.key, codec: NAME });
    }
    return unpack(bytes, n);
  }

  /**
   * The filter before the array→bytes codec: a bool chunk becomes a 1-d uint8 chunk of
   * `1 + ceil(n / 8)` elements.
   * @throws MetadataError when the chunks are not bool.
   */
  asArrayToArray(spec: ChunkSpec, metadataKey: string): ArrayToArrayCodec {
    if (spec.dataType.name !== "bool") {
      throw new MetadataError(metadataKey, [
        { field: "configuration", message: `${NAME} packs bool arrays, not ${spec.dataType.name}` },
      ]);
    }
    return new PackBitsArrayCodec();
  }

  toJSON(): CodecSpec {
    return { name: NAME };
  }
}

const UINT8 = dataType("uint8");

class PackBitsArrayCodec implements ArrayToArrayCodec {
  readonly kind = "array_to_array" as const;
  readonly name = NAME;

  resolveSpec(spec: ChunkSpec): ChunkSpec {
    return {
      shape: [1 + Math.ceil(shapeSize(spec.shape) / 8)],
      dataType: UINT8,
      fillValue: 0,
    };
  }

  encode(a: NDArray, _spec: ChunkSpec, _ctx: CodecContext): NDArray {
    const data = packBits(cOrderData(a) as Uint8Array);
    return { data, shape: [data.length], strides: [1], dtype: UINT8 };
  }

  decode(a: NDArray, spec: ChunkSpec, ctx: CodecContext): NDArray {
    const bytes = cOrderData(a) as Uint8Array;
    const n = unpackedLength(bytes);
    const want = shapeSize(spec.shape);
    if (n !== want) {
      throw new CodecError(typeof n === "string" ? n : `unpacks to ${n} bools, expected ${want}`, {
        key: ctx.key,
        codec: NAME,
      });
    }
    return {
      data: unpack(bytes, n),
      shape: [...spec.shape],
      strides: cStrides(spec.shape),
      dtype: spec.dataType,
    };
  }

  toJSON(): CodecSpec {
    return { name: NAME };
  }
}

/** Factory of `numcodecs.packbits` (no configuration). */
export function createPackBitsCodec(): PackBitsCodec {
  return new PackBitsCodec();
}
