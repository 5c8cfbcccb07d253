/**
 * The `zstd` bytes→bytes codec (one Zstandard frame, RFC 8878), as v3 `zstd` (zarr-extensions
 * "zstd" codec: `level`, `checksum`) and v2 `numcodecs.zstd` (numcodecs `Zstd`).
 * Compression uses the numcodecs.js WebAssembly build of libzstd. Decompression of a frame that
 * states its content size (what `ZSTD_compress` writes, so every zarr-python, tensorstore and
 * zarr-plan chunk) uses the faster `@thewtex/zstddec` build; anything else (no size, several
 * frames, corrupt data) goes through numcodecs.js, which gives the exact error.
 * @module
 */
import { CodecError } from "../../core/errors.js";
import type { CodecSpec } from "../model.js";
import { xxh64Low32 } from "./checksums.js";
import type { BytesToBytesCodec, CodecContext } from "./types.js";
import { ConfigReader, toCodecError, writeU32LE } from "./util.js";
import { zstdSizedDecoder, zstdWasm } from "./wasm.js";

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

/** Largest content size the sized decoder is trusted with (bytes); larger frames use numcodecs. */
const SIZED_DECODE_LIMIT = 1 << 30;

/**
 * The Frame_Content_Size of the zstd frame at the start of `bytes` (RFC 8878 §3.1.1.1), or
 * `undefined` when the frame does not state it or `bytes` does not start with a zstd frame.
 */
export function zstdFrameContentSize(bytes: Uint8Array): number | undefined {
  if (bytes.length < 6 || bytes[0] !== 0x28 || bytes[1] !== 0xb5 || bytes[2] !== 0x2f) return;
  if (bytes[3] !== 0xfd) return;
  const fhd = bytes[4]!;
  const fcsFlag = fhd >> 6;
  const single = (fhd >> 5) & 1;
  const fcsSize = fcsFlag === 0 ? single : 1 << fcsFlag;
  if (fcsSize === 0) return;
  const at = 5 + (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3]!;
  if (bytes.length < at + fcsSize) return;
  let v = 0;
  for (let i = fcsSize - 1; i >= 0; i--) v = v * 256 + bytes[at + i]!;
  return fcsSize === 2 ? v + 256 : v;
}

/** Decompresses zstd frames (content checksums are verified when present). */
export async function zstdDecompress(bytes: Uint8Array): Promise<Uint8Array> {
  if (bytes.length < 4)
    throw new Error(`${bytes.length} bytes is too short for a zstd frame (truncated)`);
  const size = zstdFrameContentSize(bytes);
  if (size !== undefined && size > 0 && size <= SIZED_DECODE_LIMIT) {
    const out = (await zstdSizedDecoder()).decode(bytes, size);
    // A corrupt frame, or more than one frame, gives another length: numcodecs says why.
    if (out.length === size) return out;
  }
  const codec = await zstdWasm(1);
  return codec.decode(bytes);
}

/** zstd at `level`, optionally with a content checksum. */
class ZstdCodec implements BytesToBytesCodec {
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
