/**
 * The numcodecs 32-bit checksum codecs `adler32` and `crc32` (`numcodecs.Adler32`,
 * `numcodecs.CRC32`; v3 names `numcodecs.adler32`, `numcodecs.crc32`): encoding adds the 4-byte
 * little-endian checksum of the data (Adler-32, RFC 1950; CRC-32, ISO-HDLC) before the data
 * (`location: "start"`, the default) or after it (`"end"`); decoding verifies and strips it.
 * @module
 */
import { ChecksumError, CodecError } from "../../core/errors.js";
import type { CodecSpec } from "../model.js";
import { adler32, crc32 } from "./checksums.js";
import type { BytesToBytesCodec, CodecContext } from "./types.js";
import { ConfigReader, readU32LE, writeU32LE } from "./util.js";

/** Where the checksum is stored. */
export type ChecksumLocation = "start" | "end";

/**
 * A 4-byte little-endian checksum before or after the data: numcodecs `adler32` / `crc32`, and
 * the v3 core `crc32c` (always after, no configuration).
 */
export class Checksum32Codec implements BytesToBytesCodec {
  readonly kind = "bytes_to_bytes" as const;
  constructor(
    readonly name: string,
    readonly location: ChecksumLocation,
    private readonly checksum: (b: Uint8Array) => number | Promise<number>,
    /** Whether the metadata form carries `location` (numcodecs) or no configuration (`crc32c`). */
    private readonly configured = true,
  ) {}

  /** Encoded size: `decodedSize + 4` bytes. */
  encodedSize(decodedSize: number): number {
    return decodedSize + 4;
  }

  async encode(bytes: Uint8Array, _ctx: CodecContext): Promise<Uint8Array> {
    const out = new Uint8Array(bytes.length + 4);
    const start = this.location === "start";
    out.set(bytes, start ? 4 : 0);
    writeU32LE(out, start ? 0 : bytes.length, await this.checksum(bytes));
    return out;
  }

  /**
   * The data without its checksum (a view of `bytes`).
   * @throws CodecError when shorter than 4 bytes; ChecksumError (naming the chunk key) when the
   *   stored checksum differs from the computed one.
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
    const start = this.location === "start";
    const payload = start ? bytes.subarray(4) : bytes.subarray(0, bytes.length - 4);
    const expected = readU32LE(bytes, start ? 0 : bytes.length - 4);
    const actual = await this.checksum(payload);
    if (expected !== actual)
      throw new ChecksumError({ key: ctx.key, codec: this.name, expected, actual });
    return payload;
  }

  toJSON(): CodecSpec {
    return this.configured
      ? { name: this.name, configuration: { location: this.location } }
      : { name: this.name };
  }
}

function factory(name: string, checksum: (b: Uint8Array) => number | Promise<number>) {
  return (
    configuration: Readonly<Record<string, unknown>>,
    _spec: unknown,
    metadataKey: string,
  ): Checksum32Codec => {
    const r = new ConfigReader(configuration, metadataKey, name);
    return new Checksum32Codec(
      name,
      r.oneOf<ChecksumLocation>("location", ["start", "end"], "start"),
      checksum,
    );
  };
}

/**
 * Factory of `numcodecs.adler32`: `location` `"start"` (default) or `"end"`.
 * @throws MetadataError naming `configuration.location`.
 */
export const createAdler32Codec = factory("numcodecs.adler32", adler32);

/**
 * Factory of `numcodecs.crc32`: `location` `"start"` (default) or `"end"`.
 * @throws MetadataError naming `configuration.location`.
 */
export const createCrc32Codec = factory("numcodecs.crc32", crc32);
