/**
 * Decoded-size ceilings: the most bytes each bytes→bytes codec of a pipeline may decode to, so
 * that no chunk (a decompression bomb: a few KB of gzip or zstd declaring or inflating to
 * gigabytes) makes a decoder allocate or work past what the chunk must decode to.
 *
 * Where the bounds come from (computed once per pipeline, see `createCodecPipeline`), going from
 * the array→bytes codec outwards through the bytes→bytes codecs in encoding order:
 * - the innermost bytes→bytes codec decodes to what the array→bytes codec encodes: exactly
 *   `ArrayToBytesCodec.encodedSize` when fixed (`bytes`: elements × item size), else at
 *   most `ArrayToBytesCodec.maxEncodedSize` (`sharding_indexed`: the index size + inner
 *   chunk count × the inner pipeline's own `maxEncodedSize`);
 * - each further codec decodes to what the previous one encodes to: exactly its
 *   {@link BytesToBytesCodec.encodedSize} when fixed (`crc32c`: +4, `numcodecs.delta`), else at
 *   most its {@link BytesToBytesCodec.maxEncodedSize} (compressors: {@link compressedBound});
 * - a codec without either (codecs registered by users may have neither) leaves every codec
 *   outside it without a ceiling.
 *
 * The pipeline passes each codec its ceiling as {@link CodecContext.maxDecodedBytes}; built-in
 * decoders stop at the first byte past it (or reject a declared size above it before
 * decoding), and the pipeline checks every codec's output against it afterwards (user codecs
 * may ignore it).
 * @module
 */
import { CodecError } from "../../core/errors.js";
import type { BytesToBytesCodec, CodecContext } from "./types.js";
import { toCodecError } from "./util.js";

/**
 * The most bytes one chunk of a variable-length data type (strings, variable-length bytes) may
 * decode to: 256 MiB. Such chunks do not state their size, so this is the decode ceiling of the
 * codecs in front of their array→bytes codec: a compressed stream claiming more is refused before
 * anything is allocated, instead of allocating what a small hostile chunk claims.
 */
export const MAX_VARIABLE_LENGTH_CHUNK_BYTES = 256 * 1024 * 1024;

/**
 * An upper bound (bytes) of the encoded size of `n` bytes under any built-in compressor, as any
 * conforming encoder may write it: `n + ⌈n/4⌉ + 64 KiB`. It covers DEFLATE's worst case (RFC
 * 1951: fixed-Huffman literals take 9 bits, stored blocks 5 bytes per block; zlib's
 * `deflateBound` is below n + n/8 + n/64 + 18), zstd's `ZSTD_COMPRESSBOUND` (n + n/256 + 64),
 * LZ4's `LZ4_COMPRESSBOUND` (n + n/255 + 16, + 4 for numcodecs' size prefix) and blosc 1.x's
 * 16-byte overhead, with room for optional headers (gzip FEXTRA/FNAME, zstd skippable frames).
 * Only ceilings of codecs *outside* a compressor use it (e.g. a compressor after a compressor).
 */
export function compressedBound(n: number): number {
  return n + Math.ceil(n / 4) + 65536;
}

/**
 * The message of a decode refused by its ceiling, e.g. `decodes to more than the expected 65536
 * bytes (frame declares 1073741824)`.
 * @param ceiling the expected decoded size (or its upper bound), in bytes.
 * @param detail what was declared or found (`frame declares N`, `got N`).
 */
export function ceilingMessage(ceiling: number, detail: string): string {
  return `decodes to more than the expected ${ceiling} bytes (${detail})`;
}

/**
 * A decode refused by its ceiling ({@link ceilingMessage}), thrown by the format-level decoders
 * (`zlibDecompress`, `zstdDecompress`, `bloscDecompress`) so that codecs pass the message on as
 * it is rather than as "corrupt data".
 */
export class DecodedSizeError extends Error {
  /** The ceiling in bytes. */
  readonly ceiling: number;
  /** @param detail what was declared or found, e.g. `frame declares 1073741824`. */
  constructor(ceiling: number, detail: string) {
    super(ceilingMessage(ceiling, detail));
    this.name = "DecodedSizeError";
    this.ceiling = ceiling;
  }
}

/** `ctx.maxDecodedBytes` when it is a usable ceiling (a number ≥ 0), else `undefined`. */
export function ceilingOf(ctx: CodecContext): number | undefined {
  const c = ctx.maxDecodedBytes;
  return typeof c === "number" && c >= 0 ? c : undefined;
}

/**
 * The ceilings of bytes→bytes codecs (one per codec, in encoding order: `result[i]` is the most
 * bytes codec `i` may decode to, `undefined` when unknown) and the bound of their encoded output.
 * @param decodedBound what the innermost codec decodes to (bytes): the array→bytes codec's fixed
 *   encoded size, else its upper bound, else `undefined`.
 */
export function bytesCeilings(
  codecs: readonly BytesToBytesCodec[],
  decodedBound: number | undefined,
): { ceilings: (number | undefined)[]; encodedBound: number | undefined } {
  const ceilings: (number | undefined)[] = [];
  let n = decodedBound;
  for (const c of codecs) {
    ceilings.push(n);
    n = n === undefined ? undefined : (c.encodedSize?.(n) ?? c.maxEncodedSize?.(n));
  }
  return { ceilings, encodedBound: n };
}

/**
 * Runs the decoders of `codecs` (encoding order; they run in reverse) on `bytes`, giving codec
 * `i` the ceiling `ceilings[i]` as `ctx.maxDecodedBytes` and checking its output against it.
 * What a pipeline's `decodeBytes` does, and what a decode worker does with the stage it is sent.
 * @param out when given, the outermost decode writes straight into it if its codec has
 *   {@link BytesToBytesCodec.decodeInto} and the result is exactly `out.length` bytes (the
 *   result is then `out` itself); otherwise it is ignored.
 * @throws CodecError naming `ctx.key` and the failing codec (any error a codec throws is turned
 *   into one; `ChecksumError` stays itself), including `decodes to more than the expected N
 *   bytes (got M)` when a codec ignored its ceiling.
 */
export async function decodeBytesStage(
  codecs: readonly BytesToBytesCodec[],
  ceilings: readonly (number | undefined)[],
  bytes: Uint8Array,
  ctx: CodecContext,
  out?: Uint8Array,
): Promise<Uint8Array> {
  let b = bytes;
  for (let i = codecs.length - 1; i >= 0; i--) {
    const c = codecs[i]!;
    const ceiling = ceilings[i];
    if (i === 0 && out && c.decodeInto && (ceiling === undefined || out.length <= ceiling)) {
      try {
        if (await c.decodeInto(b, out, { ...ctx, maxDecodedBytes: ceiling })) return out;
      } catch (e) {
        throw toCodecError(e, ctx.key, c.name);
      }
    }
    try {
      b = await c.decode(b, { ...ctx, maxDecodedBytes: ceiling });
    } catch (e) {
      throw toCodecError(e, ctx.key, c.name);
    }
    if (ceiling !== undefined && b.length > ceiling) {
      throw new CodecError(ceilingMessage(ceiling, `got ${b.length}`), {
        key: ctx.key,
        codec: c.name,
      });
    }
  }
  return b;
}
