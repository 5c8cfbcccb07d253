/**
 * The `vlen-utf8` and `vlen-bytes` array→bytes codecs: variable-length strings and byte strings.
 * zarr-extensions `codecs/vlen-utf8` and `codecs/vlen-bytes`, whose format is numcodecs'
 * `VLenUTF8` / `VLenBytes`: a little-endian uint32 item count, then per item (C order) a
 * little-endian uint32 byte length and that many bytes (UTF-8 for strings). In Zarr v2 they are
 * the object codec of a `|O` array (its first filter).
 * @module
 */

import { type DataType, type DataTypeName, isVariableLength } from "../../core/dtype.js";
import { CodecError, MetadataError } from "../../core/errors.js";
import { cStrides, type NDArray, shapeSize } from "../../core/ndarray.js";
import type { CodecSpec } from "../model.js";
import { MAX_VARIABLE_LENGTH_CHUNK_BYTES } from "./ceiling.js";
import type { ArrayToBytesCodec, ChunkSpec, CodecContext } from "./types.js";
import { cOrderData } from "./util.js";

/** What an item becomes: a string (`vlen-utf8`) or bytes (`vlen-bytes`). */
type Item = string | Uint8Array;

/** The data type each codec serialises. */
const DATA_TYPE: Readonly<Record<"vlen-utf8" | "vlen-bytes", DataTypeName>> = {
  "vlen-utf8": "string",
  "vlen-bytes": "variable_length_bytes",
};

/**
 * A variable-length codec. Decoding checks every size against the remaining bytes before it
 * reads or allocates: the item count must be the chunk's element count, each length must fit in
 * what is left, and nothing may follow the last item; UTF-8 must be valid.
 */
class VLenCodec implements ArrayToBytesCodec {
  readonly kind = "array_to_bytes" as const;
  readonly name: string;
  readonly #utf8: boolean;

  constructor(name: string, utf8: boolean) {
    this.name = name;
    this.#utf8 = utf8;
  }

  /** Serialises `a` (any strides): count, then length + bytes of each element in C order. */
  async encode(a: NDArray, _spec: ChunkSpec, ctx: CodecContext): Promise<Uint8Array> {
    const data = cOrderData(a) as unknown as readonly unknown[];
    const n = data.length;
    const parts: Uint8Array[] = new Array(n);
    const enc = new TextEncoder();
    let total = 4 + 4 * n;
    for (let i = 0; i < n; i++) {
      const v = data[i];
      let b: Uint8Array;
      if (this.#utf8 && typeof v === "string") b = enc.encode(v);
      else if (!this.#utf8 && v instanceof Uint8Array) b = v;
      else {
        throw new CodecError(
          `element ${i} is ${typeof v === "object" ? String(v) : typeof v}, expected ${this.#utf8 ? "a string" : "a Uint8Array"}`,
          { key: ctx.key, codec: this.name },
        );
      }
      if (b.length > 0xffffffff) {
        throw new CodecError(`element ${i} is ${b.length} bytes, more than 2^32 - 1`, {
          key: ctx.key,
          codec: this.name,
        });
      }
      parts[i] = b;
      total += b.length;
    }
    const out = new Uint8Array(total);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, n, true);
    let pos = 4;
    for (const b of parts) {
      dv.setUint32(pos, b.length, true);
      out.set(b, pos + 4);
      pos += 4 + b.length;
    }
    return out;
  }

  /**
   * Deserialises a chunk of `spec.shape`.
   * @throws CodecError naming the key when the count is not the chunk's element count, a length
   *   runs past the end, bytes follow the last item, or a string is not valid UTF-8.
   */
  async decode(bytes: Uint8Array, spec: ChunkSpec, ctx: CodecContext): Promise<NDArray> {
    const fail = (message: string): never => {
      throw new CodecError(message, { key: ctx.key, codec: this.name });
    };
    const n = shapeSize(spec.shape);
    const size = bytes.byteLength;
    if (size < 4) fail(`chunk is ${size} bytes, too short for the item count`);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, size);
    const count = dv.getUint32(0, true);
    if (count !== n) fail(`chunk holds ${count} items, expected ${n} (chunk shape)`);
    if (4 + 4 * n > size) fail(`chunk is ${size} bytes, too short for ${n} item lengths`);
    const dec = this.#utf8 ? new TextDecoder("utf-8", { fatal: true }) : undefined;
    const out: Item[] = new Array(n);
    let pos = 4;
    for (let i = 0; i < n; i++) {
      if (pos + 4 > size) fail(`item ${i}: length runs past the end of the chunk (${size} bytes)`);
      const len = dv.getUint32(pos, true);
      pos += 4;
      if (len > size - pos) {
        fail(`item ${i}: length ${len} runs past the end of the chunk (${size - pos} bytes left)`);
      }
      const item = bytes.subarray(pos, pos + len);
      pos += len;
      if (dec) {
        try {
          out[i] = dec.decode(item);
        } catch (e) {
          throw new CodecError(`item ${i} is not valid UTF-8`, {
            key: ctx.key,
            codec: this.name,
            cause: e,
          });
        }
      } else out[i] = item.slice();
    }
    if (pos !== size) fail(`${size - pos} bytes follow the last item`);
    return {
      data: out as unknown as NDArray["data"],
      shape: [...spec.shape],
      strides: cStrides(spec.shape),
      dtype: spec.dataType,
    };
  }

  /** The codec in v3 metadata form (no configuration). */
  /**
   * The decode ceiling of the codecs after this one: {@link MAX_VARIABLE_LENGTH_CHUNK_BYTES}
   * (variable-length chunks state no size).
   */
  maxEncodedSize(_spec: ChunkSpec): number {
    return MAX_VARIABLE_LENGTH_CHUNK_BYTES;
  }

  toJSON(): CodecSpec {
    return { name: this.name };
  }
}

/** Checks that `dt` is the data type the codec `name` serialises. */
function checkDataType(name: string, dt: DataType, metadataKey: string): void {
  const want = DATA_TYPE[name.replace(/^numcodecs\./, "") as "vlen-utf8" | "vlen-bytes"];
  if (dt.name !== want || !isVariableLength(dt)) {
    throw new MetadataError(metadataKey, [
      {
        field: "name",
        message: `the ${name} codec serialises the variable-length ${want} data type, not ${dt.name}${dt.itemSize > 0 ? ` of ${dt.itemSize} bytes` : ""}`,
      },
    ]);
  }
}

/**
 * Factory of `vlen-utf8` (and its alias `numcodecs.vlen-utf8`); the data type must be the
 * variable-length `string`. The configuration is ignored (the codec has none).
 * @throws MetadataError for another data type.
 */
export function vlenUtf8Factory(name: string) {
  return (_c: Readonly<Record<string, unknown>>, spec: ChunkSpec, metadataKey: string) => {
    checkDataType(name, spec.dataType, metadataKey);
    return new VLenCodec(name, true);
  };
}

/**
 * Factory of `vlen-bytes` (and its alias `numcodecs.vlen-bytes`); the data type must be
 * `variable_length_bytes`.
 * @throws MetadataError for another data type.
 */
export function vlenBytesFactory(name: string) {
  return (_c: Readonly<Record<string, unknown>>, spec: ChunkSpec, metadataKey: string) => {
    checkDataType(name, spec.dataType, metadataKey);
    return new VLenCodec(name, false);
  };
}
