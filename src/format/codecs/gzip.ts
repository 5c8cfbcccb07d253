/**
 * The `gzip` bytes→bytes codec (RFC 1952 gzip member holding one DEFLATE stream), as v3 `gzip`
 * (Zarr v3 core specification, "Codecs" → "gzip") and v2 `numcodecs.gzip` (numcodecs `GZip`).
 * Decoding verifies the trailer's CRC-32 and size.
 * @module
 */
import { gzipSync, inflateSync } from "fflate";
import { CodecError } from "../../core/errors.js";
import type { CodecSpec } from "../model.js";
import { crc32 } from "./checksums.js";
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
   * Inflates one gzip member.
   * @throws CodecError when the header, the DEFLATE data, the CRC-32 or the size is wrong.
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
    const body = bytes.subarray(pos, n - 8);
    // DEFLATE expands at most ~1032:1; a larger claimed size means a corrupt trailer.
    if (size > body.length * 1032 + 64) fail(`corrupt gzip trailer (claims ${size} bytes)`);
    let out: Uint8Array;
    try {
      out = inflateSync(body, { out: new Uint8Array(size) });
    } catch (e) {
      throw new CodecError(`corrupt DEFLATE data: ${(e as Error).message}`, {
        key: ctx.key,
        codec: this.name,
        cause: e,
      });
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
