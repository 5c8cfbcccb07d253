/**
 * The `crc32c` bytes→bytes codec: appends the 4-byte little-endian CRC-32C of the data.
 * Zarr v3 core specification, "Codecs" → "crc32c".
 * @module
 */
import { ChecksumError, CodecError } from "../../core/errors.js";
import type { CodecSpec } from "../model.js";
import { crc32c } from "./checksums.js";
import type { BytesToBytesCodec, CodecContext } from "./types.js";
import { readU32LE, writeU32LE } from "./util.js";

/** `crc32c`: 4 checksum bytes appended on encode, verified and stripped on decode. */
class Crc32cCodec implements BytesToBytesCodec {
  readonly kind = "bytes_to_bytes" as const;
  readonly name = "crc32c";

  /** Encoded size: `decodedSize + 4` bytes. */
  encodedSize(decodedSize: number): number {
    return decodedSize + 4;
  }

  /** A copy of `bytes` with the CRC-32C appended (little-endian, 4 bytes). */
  async encode(bytes: Uint8Array, _ctx: CodecContext): Promise<Uint8Array> {
    const out = new Uint8Array(bytes.length + 4);
    out.set(bytes);
    writeU32LE(out, bytes.length, await crc32c(bytes));
    return out;
  }

  /**
   * The data without its checksum (a view of `bytes`, no copy).
   * @throws CodecError when `bytes` is shorter than 4 bytes; ChecksumError when the stored
   *   checksum differs from the computed one.
   */
  async decode(bytes: Uint8Array, ctx: CodecContext): Promise<Uint8Array> {
    if (bytes.length < 4) {
      throw new CodecError(
        `${bytes.length} bytes is shorter than the 4-byte checksum (truncated)`,
        {
          key: ctx.key,
          codec: this.name,
        },
      );
    }
    const payload = bytes.subarray(0, bytes.length - 4);
    const expected = readU32LE(bytes, bytes.length - 4);
    const actual = await crc32c(payload);
    if (expected !== actual)
      throw new ChecksumError({ key: ctx.key, codec: this.name, expected, actual });
    return payload;
  }

  /** The codec in v3 metadata form: `{ name, configuration }`. */
  toJSON(): CodecSpec {
    return { name: this.name };
  }
}

/** Factory of `crc32c` (no configuration). */
export function createCrc32cCodec(): Crc32cCodec {
  return new Crc32cCodec();
}
