/**
 * The numcodecs `fletcher32` checksum codec (`numcodecs.Fletcher32`; v3 name
 * `numcodecs.fletcher32`): HDF5's Fletcher-32 of the data (big-endian 16-bit words, a trailing
 * odd byte as the high byte of a last word, sums folded every 360 words), appended as 4
 * little-endian bytes; decoding verifies and strips it. No configuration.
 * @module
 */
import { ChecksumError, CodecError } from "../../core/errors.js";
import type { CodecSpec } from "../model.js";
import type { BytesToBytesCodec, CodecContext } from "./types.js";
import { readU32LE, writeU32LE } from "./util.js";

const NAME = "numcodecs.fletcher32";

/** HDF5's Fletcher-32 (`H5_checksum_fletcher32`) of `data`, as an unsigned 32-bit number. */
export function fletcher32(data: Uint8Array): number {
  let sum1 = 0;
  let sum2 = 0;
  let words = data.length >>> 1;
  let pos = 0;
  while (words > 0) {
    let t = words > 360 ? 360 : words;
    words -= t;
    do {
      sum1 += (data[pos]! << 8) | data[pos + 1]!;
      pos += 2;
      sum2 += sum1;
    } while (--t > 0);
    sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
  }
  if (data.length % 2 === 1) {
    sum1 += data[pos]! << 8;
    sum2 += sum1;
    sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
  }
  sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
  sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
  return ((sum2 << 16) | sum1) >>> 0;
}

class Fletcher32Codec implements BytesToBytesCodec {
  readonly kind = "bytes_to_bytes" as const;
  readonly name = NAME;

  /** Encoded size: `decodedSize + 4` bytes. */
  encodedSize(decodedSize: number): number {
    return decodedSize + 4;
  }

  async encode(bytes: Uint8Array, _ctx: CodecContext): Promise<Uint8Array> {
    const out = new Uint8Array(bytes.length + 4);
    out.set(bytes);
    writeU32LE(out, bytes.length, fletcher32(bytes));
    return out;
  }

  /**
   * The data without its checksum (a view of `bytes`).
   * @throws CodecError when shorter than 4 bytes; ChecksumError (naming the chunk key) on a
   *   mismatch.
   */
  async decode(bytes: Uint8Array, ctx: CodecContext): Promise<Uint8Array> {
    if (bytes.length < 4) {
      throw new CodecError(
        `${bytes.length} bytes is shorter than the 4-byte checksum (truncated)`,
        {
          key: ctx.key,
          codec: NAME,
        },
      );
    }
    const payload = bytes.subarray(0, bytes.length - 4);
    const expected = readU32LE(bytes, bytes.length - 4);
    const actual = fletcher32(payload);
    if (expected !== actual)
      throw new ChecksumError({ key: ctx.key, codec: NAME, expected, actual });
    return payload;
  }

  toJSON(): CodecSpec {
    return { name: NAME };
  }
}

/** Factory of `numcodecs.fletcher32` (no configuration). */
export function createFletcher32Codec(): Fletcher32Codec {
  return new Fletcher32Codec();
}
