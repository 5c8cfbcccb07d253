/**
 * The `zstd` bytes→bytes codec (one Zstandard frame, RFC 8878), as v3 `zstd` (zarr-extensions
 * "zstd" codec: `level`, `checksum`) and v2 `numcodecs.zstd` (numcodecs `Zstd`).
 * In Node with the optional `zstd-napi` binding installed, libzstd runs natively
 * (`native-zstd.ts`), 2.5–5× faster than WebAssembly, and decodes straight into a caller's buffer
 * ({@link zstdDecompressInto}). Otherwise compression uses the numcodecs.js WebAssembly build of
 * libzstd, and decompression of a frame that states its content size (what `ZSTD_compress`
 * writes, so every zarr-python, tensorstore and zarr-plan chunk) the faster `@thewtex/zstddec`
 * build. Anything else (no size, several frames, corrupt data) goes through numcodecs.js, which
 * gives the exact error.
 *
 * With a decode ceiling ({@link zstdDecompress} `maxBytes`): a declared content size above it is
 * refused before anything is allocated; frames without a declared size are decoded in one call
 * into a buffer of at most the ceiling (libzstd fails, rather than grows, when the output does
 * not fit), never through numcodecs.js, whose decoder grows its output without limit for them.
 * @module
 */
import { CodecError } from "../../core/errors.js";
import type { CodecSpec } from "../model.js";
import { ceilingOf, compressedBound, DecodedSizeError } from "./ceiling.js";
import { xxh64Low32 } from "./checksums.js";
import { type NativeZstd, nativeZstd } from "./native-zstd.js";
import type { BytesToBytesCodec, CodecContext } from "./types.js";
import { ConfigReader, readU32LE, toCodecError, writeU32LE } from "./util.js";
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
  const frame = nativeZstd
    ? nativeCompress(bytes, level === 0 ? 3 : level)
    : await (await zstdWasm(level === 0 ? 3 : Math.max(1, Math.min(22, level)))).encode(bytes);
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

/** `ZSTD_compress` through the native binding (negative levels are libzstd's fast levels). */
function nativeCompress(bytes: Uint8Array, level: number): Uint8Array {
  const dst = new Uint8Array(compressedBound(bytes.length));
  const n = nativeZstd!.compress(dst, bytes, level);
  return dst.slice(0, n);
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

/** Block_Maximum_Size's largest value (RFC 8878 §3.1.1.2.4): 128 KiB. */
const BLOCK_SIZE_MAX = 128 * 1024;

/** What {@link zstdFrames} finds in a sequence of frames. */
export interface ZstdFrames {
  /** Number of zstd frames (skippable frames not counted). */
  readonly frames: number;
  /**
   * Upper bound of the decoded size in bytes: the sum over frames of the declared
   * Frame_Content_Size, or for a frame without one, of its blocks' sizes (Raw and RLE blocks:
   * Block_Size; Compressed blocks: Block_Maximum_Size, 128 KiB).
   */
  readonly bound: number;
  /**
   * True when {@link bound} is the exact decoded size of valid frames: every frame declares its
   * content size or holds only Raw and RLE blocks.
   */
  readonly exact: boolean;
}

/**
 * Walks the frames of `bytes` without decoding them (RFC 8878 §3.1: zstd frames — magic
 * 0xFD2FB528, frame header §3.1.1.1, blocks §3.1.1.2 — and skippable frames, magic
 * 0x184D2A5?, §3.1.2), reading only frame and block headers.
 * @returns the frames' decoded-size bound, or `undefined` when `bytes` is not a sequence of
 *   complete frames (truncated, reserved bits or block type set, trailing bytes).
 */
export function zstdFrames(bytes: Uint8Array): ZstdFrames | undefined {
  const n = bytes.length;
  let pos = 0;
  let frames = 0;
  let bound = 0;
  let exact = true;
  while (pos < n) {
    if (pos + 8 > n) return undefined;
    const magic = readU32LE(bytes, pos);
    if ((magic & 0xfffffff0) >>> 0 === 0x184d2a50) {
      pos += 8 + readU32LE(bytes, pos + 4);
      if (pos > n) return undefined;
      continue;
    }
    if (magic !== 0xfd2fb528) return undefined;
    const fhd = bytes[pos + 4]!;
    if (fhd & 0x08) return undefined; // reserved bit
    const fcsFlag = fhd >> 6;
    const single = (fhd >> 5) & 1;
    const fcsSize = fcsFlag === 0 ? single : 1 << fcsFlag;
    const didSize = [0, 1, 2, 4][fhd & 3]!;
    const fcsAt = pos + 5 + (single ? 0 : 1) + didSize;
    pos = fcsAt + fcsSize;
    if (pos > n) return undefined;
    let declared: number | undefined;
    if (fcsSize > 0) {
      let v = 0;
      for (let i = fcsSize - 1; i >= 0; i--) v = v * 256 + bytes[fcsAt + i]!;
      declared = fcsSize === 2 ? v + 256 : v;
    }
    let blocks = 0;
    let rawOnly = true;
    for (;;) {
      if (pos + 3 > n) return undefined;
      const bh = bytes[pos]! | (bytes[pos + 1]! << 8) | (bytes[pos + 2]! << 16);
      pos += 3;
      const type = (bh >> 1) & 3;
      const size = bh >>> 3;
      if (type === 3) return undefined;
      pos += type === 1 ? 1 : size;
      if (pos > n) return undefined;
      if (type === 2) rawOnly = false;
      blocks += type === 2 ? BLOCK_SIZE_MAX : size;
      if (bh & 1) break;
    }
    if (fhd & 0x04) pos += 4; // Content_Checksum
    if (pos > n) return undefined;
    frames++;
    bound += declared ?? blocks;
    if (declared === undefined && !rawOnly) exact = false;
  }
  return frames === 0 ? undefined : { frames, bound, exact };
}

/**
 * Decompresses zstd frames (content checksums are verified when present).
 * @param maxBytes the decode ceiling in bytes (default: none). A first frame declaring a
 *   Frame_Content_Size above it (RFC 8878 §3.1.1.1.4), or frames whose declared sizes add up to
 *   more, are refused before anything is allocated; anything else is decoded into a buffer of
 *   at most `maxBytes` (and of at most the frames' {@link zstdFrames} bound), so decoding stops
 *   where the output would pass it.
 * @throws Error describing the problem when the data is corrupt or truncated, or (with
 *   `maxBytes`) is not a sequence of complete frames or, without a declared size, does not
 *   decode within `maxBytes`; DecodedSizeError (`decodes to more than the expected N bytes
 *   (frame declares M)`, `(2 frames hold M)`) when the declared sizes exceed `maxBytes`.
 */
export async function zstdDecompress(bytes: Uint8Array, maxBytes?: number): Promise<Uint8Array> {
  if (bytes.length < 4)
    throw new Error(`${bytes.length} bytes is too short for a zstd frame (truncated)`);
  const size = zstdFrameContentSize(bytes);
  if (maxBytes !== undefined && size !== undefined && size > maxBytes)
    throw new DecodedSizeError(maxBytes, `frame declares ${size}`);
  if (size !== undefined && size > 0 && size <= SIZED_DECODE_LIMIT) {
    if (nativeZstd) {
      const out = new Uint8Array(size);
      if (nativeDecodeInto(bytes, out)) return out;
    }
    const out = (await zstdSizedDecoder()).decode(bytes, size);
    // A corrupt frame, or more than one frame, gives another length: numcodecs says why.
    if (out.length === size) return out;
  }
  if (maxBytes === undefined) return (await zstdWasm(1)).decode(bytes);
  return zstdDecompressBounded(bytes, maxBytes);
}

/**
 * `ZSTD_decompress` of `bytes` into `out` through the native binding: true when the frames
 * decode to exactly `out.length` bytes. False when they do not (corrupt, several frames, another
 * size): the caller then decodes the slow way, which reports the exact error.
 */
function nativeDecodeInto(bytes: Uint8Array, out: Uint8Array): boolean {
  try {
    return nativeZstd!.decompress(out, bytes) === out.length;
  } catch {
    return false;
  }
}

/**
 * Decodes one zstd frame that declares exactly `out.length` bytes of content straight into
 * `out` (no allocation), with the native binding.
 * @returns true when `out` now holds the decoded bytes; false when this path does not apply (no
 *   native binding, a frame declaring another or no size, several frames, corrupt data): decode
 *   with {@link zstdDecompress} then, which reports the exact error.
 */
export function zstdDecompressInto(bytes: Uint8Array, out: Uint8Array): boolean {
  if (!nativeZstd || out.length === 0) return false;
  if (zstdFrameContentSize(bytes) !== out.length) return false;
  return nativeDecodeInto(bytes, out);
}

/**
 * Decodes the first `prefix` bytes of one zstd frame that declares exactly `out.length` bytes of
 * content into `out` (the rest of `out` is left as it was), with a native prefix decoder
 * ({@link NativeZstd.prefixDecoder}): libzstd stops after the block that completes the prefix.
 * A frame with a content checksum is not decoded in part (the checksum covers all of it).
 * @returns true when `out`'s first `prefix` bytes now hold the decoded bytes; false when this
 *   path does not apply (no prefix decoder, `prefix` not below `out.length`, a frame declaring
 *   another or no size or carrying a checksum, data ending or corrupt within the prefix): decode
 *   the whole frame then ({@link zstdDecompressInto} or {@link zstdDecompress}), which reports any
 *   error.
 */
export function zstdDecompressPrefixInto(
  bytes: Uint8Array,
  out: Uint8Array,
  prefix: number,
  decode: ((dst: Uint8Array, src: Uint8Array) => number) | undefined,
): boolean {
  if (!decode || !(prefix > 0 && prefix < out.length)) return false;
  // Content_Checksum_flag: bit 2 of the Frame_Header_Descriptor (RFC 8878 §3.1.1.1.1).
  if (bytes.length < 5 || (bytes[4]! & 0x04) !== 0) return false;
  if (zstdFrameContentSize(bytes) !== out.length) return false;
  try {
    return decode(out.subarray(0, prefix), bytes) === prefix;
  } catch {
    return false;
  }
}

/**
 * {@link zstdDecompress} of anything but one frame declaring its size, under the ceiling
 * `maxBytes`: one libzstd call (`ZSTD_decompress`, which handles frames without a content size,
 * several frames and skippable frames) into a buffer of at most the ceiling. numcodecs.js is
 * asked only when its output is bounded by the ceiling (every frame declares its size, or holds
 * only Raw/RLE blocks), to report the exact error.
 */
async function zstdDecompressBounded(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array> {
  const frames = zstdFrames(bytes);
  if (frames?.exact && frames.bound > maxBytes) {
    const what = frames.frames === 1 ? "frame holds" : `${frames.frames} frames hold`;
    throw new DecodedSizeError(maxBytes, `${what} ${frames.bound}`);
  }
  const capacity = Math.min(maxBytes, frames?.bound ?? maxBytes);
  if (nativeZstd && capacity > 0 && capacity <= SIZED_DECODE_LIMIT) {
    const out = new Uint8Array(capacity);
    try {
      const n = nativeZstd.decompress(out, bytes);
      return n === capacity ? out : out.slice(0, n);
    } catch {
      // corrupt, or more than `capacity`: the paths below say which
    }
  }
  if (capacity > 0 && capacity <= SIZED_DECODE_LIMIT) {
    const out = (await zstdSizedDecoder()).decode(bytes, capacity);
    // zstddec gives an empty array when libzstd fails (corrupt data, or more than `capacity`).
    if (out.length > 0) return out;
  }
  // libzstd checks every frame against its declared size, and Raw/RLE blocks decode to exactly
  // their Block_Size: numcodecs.js cannot produce more than `frames.bound` ≤ `maxBytes`.
  if (frames?.exact) return (await zstdWasm(1)).decode(bytes);
  if (frames === undefined) throw new Error("not a sequence of complete zstd frames");
  if (capacity > SIZED_DECODE_LIMIT) {
    throw new Error(
      `frames without a declared content size are decoded into at most ${SIZED_DECODE_LIMIT} bytes; these may decode to ${capacity}`,
    );
  }
  throw new Error(
    `frames without a declared content size do not decode within the expected ${maxBytes} bytes (corrupt, or larger)`,
  );
}

/** zstd at `level`, optionally with a content checksum. */
class ZstdCodec implements BytesToBytesCodec {
  readonly kind = "bytes_to_bytes" as const;
  readonly name: string;
  readonly level: number;
  readonly checksum: boolean;
  /** This codec's native prefix decoder (its own `ZSTD_DCtx`), made on first use. */
  #prefixDecoder: ReturnType<NonNullable<NativeZstd["prefixDecoder"]>> | undefined;

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

  /**
   * Decodes zstd frames under the ceiling `ctx.maxDecodedBytes` ({@link zstdDecompress}).
   * @throws CodecError when the frame is corrupt, truncated or fails its checksum, or declares
   *   or decodes to more than `ctx.maxDecodedBytes`.
   */
  async decode(bytes: Uint8Array, ctx: CodecContext): Promise<Uint8Array> {
    try {
      return await zstdDecompress(bytes, ceilingOf(ctx));
    } catch (e) {
      const m = e instanceof Error ? e.message : String(e);
      throw new CodecError(e instanceof DecodedSizeError ? m : `corrupt zstd data: ${m}`, {
        key: ctx.key,
        codec: this.name,
        cause: e,
      });
    }
  }

  /**
   * Decodes a frame declaring exactly `out.length` bytes straight into `out`
   * ({@link zstdDecompressInto}); false when that path does not apply (then use {@link decode}).
   * With `ctx.decodedPrefix` below `out.length`, only that many bytes when the frame allows
   * ({@link zstdDecompressPrefixInto}, through this codec's own native prefix decoder).
   */
  async decodeInto(bytes: Uint8Array, out: Uint8Array, ctx: CodecContext): Promise<boolean> {
    const prefix = ctx.decodedPrefix;
    if (prefix !== undefined && prefix < out.length && nativeZstd?.prefixDecoder) {
      this.#prefixDecoder ??= nativeZstd.prefixDecoder();
      if (zstdDecompressPrefixInto(bytes, out, prefix, this.#prefixDecoder)) return true;
    }
    return zstdDecompressInto(bytes, out);
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
