/**
 * The `zstd` bytes→bytes codec (one Zstandard frame, RFC 8878), as v3 `zstd` (zarr-extensions
 * "zstd" codec: `level`, `checksum`) and v2 `numcodecs.zstd` (numcodecs `Zstd`).
 * Compression and decompression use the numcodecs.js WebAssembly build of libzstd.
 * @module
 */
import { CodecError } from "../../errors.js";
import type { CodecSpec } from "../model.js";
import { xxh64Low32 } from "./checksums.js";
import type { BytesToBytesCodec, CodecContext } from "./types.js";
import { ConfigReader, toCodecError, writeU32LE } from "./util.js";
import { zstdWasm } from "./wasm.js";

/**
 * Compresses `bytes` into one zstd frame at `level` (0 → libzstd's default 3; negative levels
 * are clamped to 1 because the WebAssembly build does not expose them). With `checksum`, the
 * frame carries the XXH64 content checksum (Content_Checksum_flag set, 4 bytes appended).
 */
export async function zstdCompress(
  bytes: Uint8Array,
  level: number,
  checksum: boolean,
): Promise<Uint8Array> {
  const codec = await zstdWasm(level === 0 ? 3 : Math.max(1, Math.min(22, level)));
  const frame = await codec.encode(bytes);
  if (!checksum) return frame;
  // ZSTD_compress writes one frame without a checksum: set the flag in the frame header
  // descriptor (byte 4) and append the low 32 bits of XXH64 of the content.
  if (
    frame.length < 6 ||
    frame[0] !== 0x28 ||
    frame[1] !== 0xb5 ||
    frame[2] !== 0x2f ||
    frame[3] !== 0xfd
  ) {
    throw new Error("unexpected zstd frame from the compressor");
  }
  const out = new Uint8Array(frame.length + 4);
  out.set(frame);
  out[4] = out[4]! | 0x04;
  writeU32LE(out, frame.length, await xxh64Low32(bytes));
  return out;
}

/** Decompresses zstd frames (content checksums are verified when present). */
export async function zstdDecompress(bytes: Uint8Array): Promise<Uint8Array> {
  if (bytes.length < 4)
    throw new Error(`${bytes.length} bytes is too short for a zstd frame (truncated)`);
  const codec = await zstdWasm(1);
  return codec.decode(bytes);
}

/** zstd at `level`, optionally with a content checksum. */
export class ZstdCodec implements BytesToBytesCodec {
  readonly kind = "bytes_to_bytes" as const;
  readonly name: string;
  readonly level: number;
  readonly checksum: boolean;

  constructor(level: number, checksum: boolean, name = "zstd") {
    this.level = level;
    this.checksum = checksum;
    this.name = name;
  }

  /**
   * Compresses `bytes` into one zstd frame (RFC 8878), with the content checksum if configured.
   * @throws CodecError when the WebAssembly compressor fails.
   */
  async encode(bytes: Uint8Array, ctx: CodecContext): Promise<Uint8Array> {
    try {
      return await zstdCompress(bytes, this.level, this.checksum);
    } catch (e) {
      throw toCodecError(e, ctx.key, this.name);
    }
  }

  /** @throws CodecError when the frame is corrupt, truncated or fails its checksum. */
  async decode(bytes: Uint8Array, ctx: CodecContext): Promise<Uint8Array> {
    try {
      return await zstdDecompress(bytes);
    } catch (e) {
      throw new CodecError(`corrupt zstd data: ${e instanceof Error ? e.message : String(e)}`, {
        key: ctx.key,
        codec: this.name,
        cause: e,
      });
    }
  }

  /** `undefined`: the encoded size depends on the data. */
  encodedSize(): undefined {
    return undefined;
  }

  /** The codec in v3 metadata form: `{ name, configuration }`. */
  toJSON(): CodecSpec {
    return { name: this.name, configuration: { level: this.level, checksum: this.checksum } };
  }
}

/**
 * Factory of `zstd` / `numcodecs.zstd`: `level` −131072…22 (default 0), `checksum` (default false).
 * @throws MetadataError naming the bad field.
 */
export function zstdFactory(name: string) {
  return (
    configuration: Readonly<Record<string, unknown>>,
    _spec: unknown,
    metadataKey: string,
  ): ZstdCodec => {
    const r = new ConfigReader(configuration, metadataKey, name);
    return new ZstdCodec(r.int("level", -131072, 22, 0), r.bool("checksum", false), name);
  };
}
