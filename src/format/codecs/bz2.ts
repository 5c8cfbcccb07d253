/**
 * The `bz2` bytes→bytes codec: one bzip2 stream, as numcodecs `BZ2` (v2 id `bz2`, v3
 * `numcodecs.bz2`; configuration `level` 1–9). Decoding uses the WebAssembly build of libbzip2
 * in `@foxglove/wasm-bz2`, into a buffer of the decode ceiling (the chunk's size), so a stream
 * that decodes to more fails instead of growing. Encoding is refused: no maintained JavaScript
 * bzip2 encoder exists (arrays with bz2 read, but cannot be written).
 * @module
 */
import { CodecError } from "../../core/errors.js";
import type { CodecSpec } from "../model.js";
import { ceilingOf, compressedBound } from "./ceiling.js";
import type { BytesToBytesCodec, CodecContext } from "./types.js";
import { ConfigReader } from "./util.js";
import { bzip2Wasm } from "./wasm.js";

/** "BZh" and a block size digit 1–9: the start of every bzip2 stream. */
function isBzip2(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 &&
    bytes[0] === 0x42 &&
    bytes[1] === 0x5a &&
    bytes[2] === 0x68 &&
    bytes[3]! >= 0x31 &&
    bytes[3]! <= 0x39
  );
}

/** bzip2 at `level` (1–9, numcodecs' default 1). */
class Bz2Codec implements BytesToBytesCodec {
  readonly kind = "bytes_to_bytes" as const;
  readonly name: string;
  readonly level: number;

  constructor(level: number, name: string) {
    this.level = level;
    this.name = name;
  }

  /** @throws CodecError always: no maintained JavaScript bzip2 encoder exists. */
  async encode(_bytes: Uint8Array, ctx: CodecContext): Promise<Uint8Array> {
    throw new CodecError(
      "writing bzip2 is not supported: no maintained JavaScript bzip2 encoder exists (reading is)",
      { key: ctx.key, codec: this.name },
    );
  }

  /**
   * Decodes one bzip2 stream into at most `ctx.maxDecodedBytes` bytes.
   * @throws CodecError when the stream is corrupt or truncated, decodes to more than the
   *   ceiling, or no ceiling is known (bzip2 streams do not state their decoded size).
   */
  async decode(bytes: Uint8Array, ctx: CodecContext): Promise<Uint8Array> {
    const fail = (message: string, cause?: unknown) =>
      new CodecError(message, { key: ctx.key, codec: this.name, cause });
    if (!isBzip2(bytes)) throw fail(`corrupt bzip2 data: no "BZh1"–"BZh9" stream header`);
    const ceiling = ceilingOf(ctx);
    if (ceiling === undefined) {
      throw fail(
        "a bzip2 stream does not state its decoded size and this chunk has no size bound (put bz2 directly after the array→bytes codec)",
      );
    }
    if (ceiling === 0) return new Uint8Array(0);
    let decoder: Awaited<ReturnType<typeof bzip2Wasm>>;
    try {
      decoder = await bzip2Wasm();
    } catch (e) {
      throw fail(
        "the bzip2 decoder (@foxglove/wasm-bz2) could not be loaded here (bundled browser code does not include it: see docs/codecs-and-dtypes.md)",
        e,
      );
    }
    try {
      return decoder.decompress(bytes, ceiling);
    } catch (e) {
      const m = e instanceof Error ? e.message : String(e);
      throw fail(
        /OUTBUFF_FULL/.test(m)
          ? `decodes to more than the expected ${ceiling} bytes`
          : `corrupt bzip2 data: ${m}`,
        e,
      );
    }
  }

  /** `undefined`: the encoded size depends on the data. */
  encodedSize(): undefined {
    return undefined;
  }

  /** Upper bound of a bzip2 stream of `decodedSize` bytes (about 1 % + 600 bytes; bounded generously). */
  maxEncodedSize(decodedSize: number): number {
    return compressedBound(decodedSize);
  }

  /** The codec in v3 metadata form. */
  toJSON(): CodecSpec {
    return { name: this.name, configuration: { level: this.level } };
  }
}

/**
 * Factory of `numcodecs.bz2` / `bz2`: `level` 1–9 (default 1).
 * @throws MetadataError naming the bad field.
 */
export function bz2Factory(name: string) {
  return (
    configuration: Readonly<Record<string, unknown>>,
    _spec: unknown,
    metadataKey: string,
  ) => {
    const r = new ConfigReader(configuration, metadataKey, name);
    return new Bz2Codec(r.int("level", 1, 9, 1), name);
  };
}
