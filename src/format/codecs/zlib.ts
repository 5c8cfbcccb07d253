/**
 * The `zlib` bytes→bytes codec (RFC 1950 zlib stream): v2 `numcodecs.zlib` (numcodecs `Zlib`),
 * also registered as `zlib`. Decoding verifies the Adler-32 trailer and never inflates past the
 * decode ceiling.
 * @module
 */
import { zlibSync } from "fflate";
import { CodecError } from "../../core/errors.js";
import type { CodecSpec } from "../model.js";
import { ceilingOf, compressedBound, DecodedSizeError } from "./ceiling.js";
import { adler32 } from "./checksums.js";
import { InflateLimitError, inflateBounded } from "./inflate.js";
import type { BytesToBytesCodec, CodecContext } from "./types.js";
import { ConfigReader } from "./util.js";

type Level = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

/**
 * Inflates a zlib stream (RFC 1950 around RFC 1951 DEFLATE data) and checks its Adler-32.
 * @param maxBytes the ceiling in bytes: inflating stops at the first byte past it (a zlib
 *   stream does not declare its size). Default: none.
 * @throws Error with a message when the stream is corrupt or truncated, or inflates to more
 *   than `maxBytes` (DecodedSizeError: `decodes to more than the expected N bytes (…)`).
 */
export function zlibDecompress(bytes: Uint8Array, maxBytes?: number): Uint8Array {
  const n = bytes.length;
  if (n < 6) throw new Error(`${n} bytes is too short for a zlib stream (truncated)`);
  const cmf = bytes[0]!;
  const flg = bytes[1]!;
  if ((cmf & 15) !== 8 || (cmf * 256 + flg) % 31 !== 0)
    throw new Error("not a zlib stream (bad header)");
  if (flg & 32) throw new Error("zlib streams with a preset dictionary are not supported");
  let out: Uint8Array;
  try {
    out = inflateBounded(bytes.subarray(2, n - 4), maxBytes === undefined ? {} : { maxBytes });
  } catch (e) {
    if (e instanceof InflateLimitError)
      throw new DecodedSizeError(e.limit, "DEFLATE data inflates past it");
    throw new Error(`corrupt DEFLATE data: ${(e as Error).message}`);
  }
  const expected =
    ((bytes[n - 4]! << 24) | (bytes[n - 3]! << 16) | (bytes[n - 2]! << 8) | bytes[n - 1]!) >>> 0;
  const actual = adler32(out);
  if (expected !== actual) {
    throw new Error(
      `Adler-32 mismatch (stored 0x${expected.toString(16)}, computed 0x${actual.toString(16)})`,
    );
  }
  return out;
}

/** Deflates `bytes` into a zlib stream at `level` 0–9. */
export function zlibCompress(bytes: Uint8Array, level: number): Uint8Array {
  return zlibSync(bytes, { level: level as Level });
}

/** zlib with compression `level` 0–9. */
class ZlibCodec implements BytesToBytesCodec {
  readonly kind = "bytes_to_bytes" as const;
  readonly name: string;
  readonly level: number;

  constructor(level: number, name = "numcodecs.zlib") {
    this.level = level;
    this.name = name;
  }

  /** Deflates `bytes` into one zlib stream (RFC 1950) at `level`. */
  async encode(bytes: Uint8Array, _ctx: CodecContext): Promise<Uint8Array> {
    return zlibCompress(bytes, this.level);
  }

  /**
   * Inflates one zlib stream, stopping at the first byte past `ctx.maxDecodedBytes`.
   * @throws CodecError when the header, the DEFLATE data or the Adler-32 is wrong, or the data
   *   inflates to more than `ctx.maxDecodedBytes`.
   */
  async decode(bytes: Uint8Array, ctx: CodecContext): Promise<Uint8Array> {
    try {
      return zlibDecompress(bytes, ceilingOf(ctx));
    } catch (e) {
      throw new CodecError((e as Error).message, { key: ctx.key, codec: this.name, cause: e });
    }
  }

  /** `undefined`: the encoded size depends on the data. */
  encodedSize(): undefined {
    return undefined;
  }

  /** Upper bound of the encoded size of `decodedSize` bytes: `compressedBound` (bytes). */
  maxEncodedSize(decodedSize: number): number {
    return compressedBound(decodedSize);
  }

  /** The codec in v3 metadata form: `{ name, configuration }`; the `zlib` alias as `numcodecs.zlib`. */
  toJSON(): CodecSpec {
    return { name: "numcodecs.zlib", configuration: { level: this.level } };
  }
}

/**
 * Factory of `numcodecs.zlib` / `zlib`: `level` 0–9 (numcodecs default 1). `zlib` is read as an
 * alias of `numcodecs.zlib` (the name zarr-extensions and zarr-python register) and written back
 * as `numcodecs.zlib`: no registry knows a v3 `zlib`, and tensorstore rejects it.
 * @throws MetadataError naming `configuration.level`.
 */
export function zlibFactory(name: string) {
  return (
    configuration: Readonly<Record<string, unknown>>,
    _spec: unknown,
    metadataKey: string,
  ): ZlibCodec => {
    const r = new ConfigReader(configuration, metadataKey, name);
    return new ZlibCodec(r.int("level", 0, 9, 1), name);
  };
}
