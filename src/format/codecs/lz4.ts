/**
 * The v2 `numcodecs.lz4` bytes→bytes codec (numcodecs `LZ4`): a 4-byte little-endian
 * uncompressed size followed by one LZ4 block. Encoding uses the numcodecs.js WebAssembly build
 * of liblz4; decoding uses a bounds-checked TypeScript decoder.
 * @module
 */
import { CodecError } from "../../core/errors.js";
import type { CodecSpec } from "../model.js";
import { ceilingMessage, ceilingOf, compressedBound } from "./ceiling.js";
import { lz4DecodeBlock } from "./lz4-block.js";
import type { BytesToBytesCodec, CodecContext } from "./types.js";
import { ConfigReader, readU32LE, toCodecError } from "./util.js";
import { lz4Wasm } from "./wasm.js";

/** numcodecs LZ4 with `acceleration` (≥ 1; ≤ 0 means 1, as numcodecs does). */
class Lz4Codec implements BytesToBytesCodec {
  readonly kind = "bytes_to_bytes" as const;
  readonly name = "numcodecs.lz4";
  readonly acceleration: number;

  constructor(acceleration: number) {
    this.acceleration = acceleration;
  }

  /**
   * Compresses `bytes` into numcodecs LZ4 framing (4-byte little-endian size + one LZ4 block).
   * @throws CodecError when the WebAssembly compressor fails.
   */
  async encode(bytes: Uint8Array, ctx: CodecContext): Promise<Uint8Array> {
    try {
      return await (await lz4Wasm(Math.max(1, this.acceleration))).encode(bytes);
    } catch (e) {
      throw toCodecError(e, ctx.key, this.name);
    }
  }

  /**
   * Decodes the LZ4 block into a buffer of the size its 4-byte prefix declares; the block
   * decoder never writes past it.
   * @throws CodecError when the size header or the LZ4 block is corrupt or truncated, or the
   *   prefix declares more than `ctx.maxDecodedBytes` (checked before allocating).
   */
  async decode(bytes: Uint8Array, ctx: CodecContext): Promise<Uint8Array> {
    const fail = (m: string, cause?: unknown): never => {
      throw new CodecError(m, { key: ctx.key, codec: this.name, cause });
    };
    if (bytes.length < 4) fail(`${bytes.length} bytes is too short for an LZ4 chunk (truncated)`);
    const size = readU32LE(bytes, 0);
    const ceiling = ceilingOf(ctx);
    if (ceiling !== undefined && size > ceiling)
      fail(ceilingMessage(ceiling, `size prefix declares ${size}`));
    if (size === 0) return new Uint8Array(0);
    const block = bytes.subarray(4);
    // an LZ4 block expands at most ~255x
    if (size > block.length * 256 + 64)
      fail(`corrupt LZ4 size header (${size} bytes from ${block.length})`);
    const out = new Uint8Array(size);
    let got = 0;
    try {
      got = lz4DecodeBlock(block, out);
    } catch (e) {
      fail(`corrupt LZ4 data: ${(e as Error).message}`, e);
    }
    if (got !== size) fail(`LZ4 block decoded to ${got} bytes, the header says ${size}`);
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
    return { name: this.name, configuration: { acceleration: this.acceleration } };
  }
}

/**
 * Factory of `numcodecs.lz4`: `acceleration` integer (default 1).
 * @throws MetadataError naming `configuration.acceleration`.
 */
export function createLz4Codec(
  configuration: Readonly<Record<string, unknown>>,
  _spec: unknown,
  metadataKey: string,
): Lz4Codec {
  const r = new ConfigReader(configuration, metadataKey, "numcodecs.lz4");
  return new Lz4Codec(r.int("acceleration", -(2 ** 31), 2 ** 31 - 1, 1));
}
