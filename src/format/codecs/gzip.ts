/**
 * The `gzip` bytes→bytes codec (RFC 1952 gzip member holding one DEFLATE stream), as v3 `gzip`
 * (Zarr v3 core specification, "Codecs" → "gzip") and v2 `numcodecs.gzip` (numcodecs `GZip`).
 * Decoding verifies the trailer's CRC-32 and size, and never inflates past the size the
 * trailer declares, nor past the decode ceiling.
 * @module
 */
import { gzipSync } from "fflate";
import { CodecError } from "../../core/errors.js";
import type { CodecSpec } from "../model.js";
import { ceilingMessage, ceilingOf, compressedBound } from "./ceiling.js";
import { crc32 } from "./checksums.js";
import { InflateLimitError, inflateBounded } from "./inflate.js";
import type { BytesToBytesCodec, CodecContext } from "./types.js";
import { ConfigReader, readU32LE } from "./util.js";

type Level = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

/** gzip with compression `level` 0–9. Encoded members carry MTIME 0 (reproducible output). */
class GzipCodec implements BytesToBytesCodec {
  readonly kind = "bytes_to_bytes" as const;
  readonly name: string;
  readonly level: number;

  constructor(level: number, name = "gzip") {
    this.level = level;
    this.name = name;
  }

  /** Deflates `bytes` into one gzip member (RFC 1952) at `level`; MTIME is 0. */
  async encode(bytes: Uint8Array, _ctx: CodecContext): Promise<Uint8Array> {
    const out = gzipSync(bytes, { level: this.level as Level });
    out[4] = out[5] = out[6] = out[7] = 0; // MTIME 0, as zarr-python writes
    return out;
  }

  /**
   * Inflates one gzip member (RFC 1952) into a buffer of the size its trailer declares (ISIZE),
   * stopping at the first byte past it (RFC 1951 DEFLATE data, {@link inflateBounded}).
   * @throws CodecError when the header, the DEFLATE data, the CRC-32 or the size is wrong; when
   *   the trailer declares more than `ctx.maxDecodedBytes` (`decodes to more than the expected N
   *   bytes (trailer declares M)`, before inflating); when the data inflates past the declared
   *   size.
   */
  async decode(bytes: Uint8Array, ctx: CodecContext): Promise<Uint8Array> {
    const fail = (m: string): never => {
      throw new CodecError(m, { key: ctx.key, codec: this.name });
    };
    const n = bytes.length;
    if (n < 18) fail(`${n} bytes is too short for a gzip member (truncated)`);
    if (bytes[0] !== 0x1f || bytes[1] !== 0x8b || bytes[2] !== 8)
      fail("not a gzip member (bad magic)");
    const flags = bytes[3]!;
    let pos = 10;
    if (flags & 4) pos += 2 + (bytes[10]! | (bytes[11]! << 8));
    if (flags & 8) while (pos < n && bytes[pos++] !== 0);
    if (flags & 16) while (pos < n && bytes[pos++] !== 0);
    if (flags & 2) pos += 2;
    if (pos > n - 8) fail("truncated gzip header");
    const size = readU32LE(bytes, n - 4);
    const ceiling = ceilingOf(ctx);
    if (ceiling !== undefined && size > ceiling)
      fail(ceilingMessage(ceiling, `trailer declares ${size}`));
    const body = bytes.subarray(pos, n - 8);
    // DEFLATE expands at most ~1032:1; a larger claimed size means a corrupt trailer.
    if (size > body.length * 1032 + 64) fail(`corrupt gzip trailer (claims ${size} bytes)`);
    let out: Uint8Array;
    try {
      out = inflateBounded(body, { size });
    } catch (e) {
      const message =
        e instanceof InflateLimitError
          ? `DEFLATE data inflates past the ${size} bytes the trailer declares (corrupt)`
          : `corrupt DEFLATE data: ${(e as Error).message}`;
      throw new CodecError(message, { key: ctx.key, codec: this.name, cause: e });
    }
    if (out.length !== size) fail(`inflated to ${out.length} bytes, the trailer says ${size}`);
    const expected = readU32LE(bytes, n - 8);
    const actual = await crc32(out);
    if (expected !== actual) {
      fail(
        `CRC-32 mismatch (stored 0x${expected.toString(16)}, computed 0x${actual.toString(16)})`,
      );
    }
    return out;
  }

  /** `undefined`: the encoded size depends on the data. */
  encodedSize(): undefined {
    return undefined;
  }

  /** Upper bound of the encoded size of `decodedSize` bytes: `compressedBound` (bytes). */
  maxEncodedSize(decodedSize: number): number {
    return compressedBound(decodedSize);
  }

  /** The codec in v3 metadata form: `{ name, configuration }`. */
  toJSON(): CodecSpec {
    return { name: this.name, configuration: { level: this.level } };
  }
}

/**
 * Factory of v3 `gzip`: `level` 0–9 (default 5 when absent).
 * @throws MetadataError naming `configuration.level`.
 */
export function createGzipCodec(
  configuration: Readonly<Record<string, unknown>>,
  _spec: unknown,
  metadataKey: string,
): GzipCodec {
  const r = new ConfigReader(configuration, metadataKey, "gzip");
  return new GzipCodec(r.int("level", 0, 9, 5), "gzip");
}

/**
 * Factory of v2 `numcodecs.gzip`: `level` 0–9 (numcodecs default 1).
 * @throws MetadataError naming `configuration.level`.
 */
export function createNumcodecsGzipCodec(
  configuration: Readonly<Record<string, unknown>>,
  _spec: unknown,
  metadataKey: string,
): GzipCodec {
  const r = new ConfigReader(configuration, metadataKey, "numcodecs.gzip");
  return new GzipCodec(r.int("level", 0, 9, 1), "numcodecs.gzip");
}
