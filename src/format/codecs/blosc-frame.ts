/**
 * The blosc 1.x container format (c-blosc `README_CHUNK_FORMAT.rst`), implemented in
 * TypeScript so that every field is validated (corrupt input → error, never garbage) and the
 * shuffle `typesize` is honoured on encode.
 *
 * Header (16 bytes, little-endian): version (2), compressor version, flags (bit 0 byte shuffle,
 * bit 1 stored uncompressed ("memcpyed"), bit 2 bit shuffle, bit 4 "don't split", bits 5–7
 * compressor: 0 blosclz, 1 lz4/lz4hc, 2 snappy, 3 zlib, 4 zstd), typesize, nbytes, blocksize,
 * cbytes. Then one int32 start offset per block; each block is 1 or `typesize` streams (split
 * mode), each an int32 compressed size + data (size == uncompressed size → stored raw).
 * @module
 */
import { blosclzDecode, blosclzEncode } from "./blosclz.js";
import { DecodedSizeError } from "./ceiling.js";
import { lz4DecodeBlock } from "./lz4-block.js";
import { bitShuffle, bitUnshuffle, shuffleBytes, unshuffleBytes } from "./shuffle.js";
import { snappyDecode } from "./snappy.js";
import { readU32LE, writeU32LE } from "./util.js";
import { lz4Wasm } from "./wasm.js";
import { zlibCompress, zlibDecompress } from "./zlib.js";
import { zstdCompress, zstdDecompress } from "./zstd.js";

/** Compressor names blosc knows. */
export const BLOSC_CNAMES = ["blosclz", "lz4", "lz4hc", "snappy", "zlib", "zstd"] as const;
/** A blosc compressor name. */
export type BloscCname = (typeof BLOSC_CNAMES)[number];
/** Blosc shuffle modes: 0 none, 1 byte shuffle, 2 bit shuffle. */
export type BloscShuffle = 0 | 1 | 2;

const HEADER = 16;
const FLAG_SHUFFLE = 0x1;
const FLAG_MEMCPYED = 0x2;
const FLAG_BITSHUFFLE = 0x4;
const FLAG_DONT_SPLIT = 0x10;
const MIN_BUFFERSIZE = 128;
const MAX_SPLITS = 16;
const MAX_TYPESIZE = 255;
const MAX_BUFFERSIZE = 2 ** 31 - 1 - HEADER;
const L1 = 32 * 1024;
const FORMAT_CODE: Record<BloscCname, number> = {
  blosclz: 0,
  lz4: 1,
  lz4hc: 1,
  snappy: 2,
  zlib: 3,
  zstd: 4,
};
const FORMAT_NAME = ["blosclz", "lz4", "snappy", "zlib", "zstd"];

function readI32(b: Uint8Array, pos: number): number {
  return b[pos]! | (b[pos + 1]! << 8) | (b[pos + 2]! << 16) | (b[pos + 3]! << 24);
}

/** Sizes from a blosc header, or `undefined` when `bytes` is shorter than the 16-byte header. */
function bloscHeader(
  bytes: Uint8Array,
):
  | { nbytes: number; blocksize: number; cbytes: number; typesize: number; flags: number }
  | undefined {
  if (bytes.length < HEADER) return undefined;
  return {
    flags: bytes[2]!,
    typesize: bytes[3]!,
    nbytes: readU32LE(bytes, 4),
    blocksize: readU32LE(bytes, 8),
    cbytes: readU32LE(bytes, 12),
  };
}

/**
 * Decompresses one blosc 1.x frame, which must be exactly as long as its header's cbytes says
 * (c-blosc `blosc_cbuffer_validate`, which tensorstore applies before decoding: a longer input
 * is not one frame, and decoding its first cbytes would give wrong values).
 * @param maxBytes the decode ceiling in bytes (default: none): a header declaring a larger
 *   nbytes (the decoded size) is refused before anything is allocated; the output buffer is
 *   nbytes long, and each internal stream decodes into at most its block's size.
 * @throws Error describing the problem when the frame is truncated, corrupt or longer than its
 *   header says, uses an unsupported feature (blosc2 extended header), or a stream does not
 *   decode to its size; DecodedSizeError (`decodes to more than the expected N bytes (header
 *   declares nbytes M)`) when nbytes exceeds `maxBytes`.
 */
export function bloscDecompress(src: Uint8Array, maxBytes?: number): Promise<Uint8Array> {
  return decodeFrame(src, maxBytes, undefined, undefined);
}

/**
 * {@link bloscDecompress} straight into `out`, when the frame's header declares exactly
 * `out.length` bytes (nbytes); with `prefix`, only the blocks holding its first `prefix` bytes
 * (blosc decodes block by block, `blocksize` bytes each, so the work stops after block
 * `⌈prefix / blocksize⌉ − 1`; the blocks after it are neither decoded nor checked, and the rest of
 * `out` is left as it was).
 * @returns false, having written nothing, when the header does not declare `out.length` bytes
 *   (decode with {@link bloscDecompress} then, which reports why); true when `out` (or its
 *   prefix) holds the decoded bytes.
 * @throws Error as {@link bloscDecompress} for a frame that is truncated or corrupt within the
 *   part decoded.
 */
export async function bloscDecompressInto(
  src: Uint8Array,
  out: Uint8Array,
  prefix?: number,
): Promise<boolean> {
  if (bloscHeader(src)?.nbytes !== out.length || out.length === 0) return false;
  await decodeFrame(src, out.length, out, prefix);
  return true;
}

async function decodeFrame(
  src: Uint8Array,
  maxBytes: number | undefined,
  into: Uint8Array | undefined,
  prefix: number | undefined,
): Promise<Uint8Array> {
  const h = bloscHeader(src);
  if (!h)
    throw new Error(`${src.length} bytes is shorter than the 16-byte blosc header (truncated)`);
  const version = src[0]!;
  const { flags, typesize, nbytes, blocksize, cbytes } = h;
  if (version === 0 || version > 4) throw new Error(`unsupported blosc format version ${version}`);
  if ((flags & (FLAG_SHUFFLE | FLAG_BITSHUFFLE)) === (FLAG_SHUFFLE | FLAG_BITSHUFFLE)) {
    throw new Error("blosc2 extended headers are not supported");
  }
  if (cbytes < HEADER || cbytes > src.length) {
    throw new Error(
      `blosc header says ${cbytes} compressed bytes, got ${src.length} (truncated or corrupt)`,
    );
  }
  if (cbytes < src.length) {
    throw new Error(
      `blosc header says ${cbytes} compressed bytes, got ${src.length} (${src.length - cbytes} bytes past the frame)`,
    );
  }
  if (nbytes > MAX_BUFFERSIZE) throw new Error(`corrupt blosc header (nbytes ${nbytes})`);
  if (maxBytes !== undefined && nbytes > maxBytes)
    throw new DecodedSizeError(maxBytes, `header declares nbytes ${nbytes}`);
  if (nbytes === 0) return new Uint8Array(0);
  if (flags & FLAG_MEMCPYED) {
    if (cbytes < HEADER + nbytes)
      throw new Error(`stored blosc frame holds ${cbytes - HEADER} of ${nbytes} bytes (truncated)`);
    if (!into) return src.slice(HEADER, HEADER + nbytes);
    into.set(src.subarray(HEADER, HEADER + Math.min(nbytes, prefix ?? nbytes)));
    return into;
  }
  if (typesize === 0 || blocksize === 0)
    throw new Error("corrupt blosc header (typesize or blocksize 0)");
  const format = flags >>> 5;
  if (format > 4) throw new Error(`unknown blosc compressor code ${format}`);
  // blosclz, LZ4, snappy and DEFLATE streams expand data at most ~1032x: reject absurd sizes
  // before allocating (zstd can legitimately exceed that).
  if (format !== 4 && nbytes > (cbytes - HEADER) * 1100 + 65536)
    throw new Error(`corrupt blosc header (nbytes ${nbytes} for ${cbytes} compressed bytes)`);
  const nblocks = Math.ceil(nbytes / blocksize);
  const leftover = nbytes % blocksize;
  const bstartsEnd = HEADER + 4 * nblocks;
  if (bstartsEnd > cbytes)
    throw new Error(`blosc block table needs ${bstartsEnd} bytes, frame has ${cbytes} (truncated)`);
  const out = into ?? new Uint8Array(nbytes);
  // Blocks holding the first `prefix` bytes (all of them without one).
  const needed =
    prefix === undefined ? nblocks : Math.min(nblocks, Math.max(1, Math.ceil(prefix / blocksize)));
  const doShuffle = (flags & FLAG_SHUFFLE) !== 0 && typesize > 1;
  const doBitshuffle = (flags & FLAG_BITSHUFFLE) !== 0;
  const dontSplit = (flags & FLAG_DONT_SPLIT) !== 0;
  const tmp = doShuffle || doBitshuffle ? new Uint8Array(Math.min(blocksize, nbytes)) : undefined;
  for (let j = 0; j < needed; j++) {
    const isLeftover = j === nblocks - 1 && leftover > 0;
    const bsize = isLeftover ? leftover : blocksize;
    const filter = doShuffle || (doBitshuffle && bsize >= typesize);
    const dest = filter ? tmp! : out;
    const destOff = filter ? 0 : j * blocksize;
    const nsplits =
      !dontSplit &&
      typesize <= MAX_SPLITS &&
      Math.floor(bsize / typesize) >= MIN_BUFFERSIZE &&
      !isLeftover
        ? typesize
        : 1;
    const neblock = Math.floor(bsize / nsplits);
    if (neblock * nsplits !== bsize)
      throw new Error(`corrupt blosc frame (block ${j} does not split evenly)`);
    let pos = readI32(src, HEADER + 4 * j);
    if (pos < bstartsEnd || pos > cbytes)
      throw new Error(`corrupt blosc block table (block ${j} starts at ${pos})`);
    for (let s = 0; s < nsplits; s++) {
      if (pos + 4 > cbytes)
        throw new Error(`blosc block ${j} runs past the end of the frame (truncated)`);
      const csize = readI32(src, pos);
      pos += 4;
      if (csize <= 0 || csize > cbytes - pos) {
        throw new Error(`corrupt blosc stream size ${csize} in block ${j} (truncated or corrupt)`);
      }
      const stream = src.subarray(pos, pos + csize);
      const at = destOff + s * neblock;
      if (csize === neblock) {
        dest.set(stream, at);
      } else {
        let got: number;
        switch (format) {
          case 0:
            got = blosclzDecode(stream, dest, at, at + neblock);
            break;
          case 1:
            got = lz4DecodeBlock(stream, dest, at, at + neblock);
            break;
          case 2:
            got = snappyDecode(stream, dest, at, at + neblock);
            break;
          case 3: {
            const d = innerStream(format, j, () => zlibDecompress(stream, neblock));
            got = d.length;
            if (got === neblock) dest.set(d, at);
            break;
          }
          default: {
            const d = await innerStream(format, j, () => zstdDecompress(stream, neblock));
            got = d.length;
            if (got === neblock) dest.set(d, at);
          }
        }
        if (got !== neblock) {
          throw new Error(
            `blosc ${FORMAT_NAME[format]} stream of block ${j} decoded to ${got} bytes, expected ${neblock}`,
          );
        }
      }
      pos += csize;
    }
    if (doShuffle) unshuffleBytes(tmp!, 0, out, j * blocksize, bsize, typesize);
    else if (filter) bitUnshuffle(tmp!, 0, out, j * blocksize, bsize, typesize);
  }
  return out;
}

/**
 * Runs the decoder of the zlib or zstd stream of block `j`, each bounded by its block's size: a
 * stream decoding past it is a corrupt frame (a plain Error naming the stream), not a chunk
 * larger than expected.
 */
function innerStream<T>(format: number, j: number, decode: () => T): T {
  const named = (e: unknown): never => {
    if (!(e instanceof DecodedSizeError)) throw e;
    throw new Error(`blosc ${FORMAT_NAME[format]} stream of block ${j} ${e.message}`);
  };
  try {
    const r = decode();
    return r instanceof Promise ? (r.catch(named) as T) : r;
  } catch (e) {
    return named(e);
  }
}

/** Options of {@link bloscCompress}. */
interface BloscCompressOptions {
  cname: BloscCname;
  /** Compression level 0–9 (0 stores the data uncompressed). */
  clevel: number;
  shuffle: BloscShuffle;
  /** Element size in bytes used by the shuffle filters (1–255; larger is treated as 1). */
  typesize: number;
  /** Block size in bytes; 0 = automatic (as c-blosc 1.x computes it). */
  blocksize: number;
}

function isHCR(cname: BloscCname): boolean {
  return cname === "lz4hc" || cname === "zlib" || cname === "zstd";
}

function splitBlock(cname: BloscCname, typesize: number, blocksize: number): boolean {
  // c-blosc 1.x BLOSC_FORWARD_COMPAT_SPLIT (the default split mode)
  return (
    cname !== "zstd" && typesize <= MAX_SPLITS && Math.floor(blocksize / typesize) >= MIN_BUFFERSIZE
  );
}

/** c-blosc 1.x `compute_blocksize`. */
function computeBlocksize(o: BloscCompressOptions, typesize: number, nbytes: number): number {
  if (nbytes < typesize) return 1;
  let bs = nbytes;
  if (o.blocksize > 0) {
    bs = Math.min(Math.max(o.blocksize, MIN_BUFFERSIZE), 2 ** 29);
  } else if (nbytes >= L1) {
    bs = L1;
    if (isHCR(o.cname)) bs *= 2;
    const factor = [0.25, 0.5, 1, 2, 4, 4, 8, 8, 8, 8][o.clevel] ?? 1;
    bs *= factor;
    if (o.clevel === 9 && isHCR(o.cname)) bs *= 2;
  }
  if (o.clevel > 0 && splitBlock(o.cname, typesize, bs)) {
    bs = Math.min(bs, 1 << 18) * typesize;
    bs = Math.max(bs, 1 << 16);
    bs = Math.min(bs, 1 << 20);
  }
  bs = Math.min(bs, nbytes);
  if (bs > typesize) bs = Math.floor(bs / typesize) * typesize;
  return bs;
}

async function compressStream(
  cname: BloscCname,
  clevel: number,
  stream: Uint8Array,
): Promise<Uint8Array | undefined> {
  switch (cname) {
    case "blosclz":
      return blosclzEncode(stream);
    case "lz4":
    case "lz4hc": {
      // numcodecs.js LZ4 output: 4-byte size header + one LZ4 block
      const codec = await lz4Wasm(cname === "lz4" ? Math.max(1, 10 - clevel) : 1);
      return (await codec.encode(stream)).subarray(4);
    }
    case "zlib":
      return zlibCompress(stream, clevel);
    case "zstd":
      return zstdCompress(stream, clevel, false);
    case "snappy":
      throw new Error("blosc snappy compression is not available (snappy frames can be decoded)");
  }
}

/**
 * Compresses `src` into one blosc 1.x frame with the given compressor, level, shuffle and
 * typesize (the typesize is written to the header and used by the shuffle). Follows c-blosc's
 * block size choice and split rules; falls back to a stored ("memcpyed") frame when compression
 * does not pay off.
 * @throws Error when `src` exceeds blosc's 2 GiB limit or the compressor is unavailable (snappy).
 */
export async function bloscCompress(src: Uint8Array, o: BloscCompressOptions): Promise<Uint8Array> {
  const nbytes = src.length;
  if (nbytes > MAX_BUFFERSIZE)
    throw new Error(`blosc cannot compress ${nbytes} bytes (limit ${MAX_BUFFERSIZE})`);
  const typesize = o.typesize > MAX_TYPESIZE || o.typesize < 1 ? 1 : o.typesize;
  let flags = FORMAT_CODE[o.cname] << 5;
  if (o.shuffle === 1) flags |= FLAG_SHUFFLE;
  else if (o.shuffle === 2) flags |= FLAG_BITSHUFFLE;
  const blocksize = nbytes === 0 ? 0 : computeBlocksize(o, typesize, nbytes);
  const split = o.cname !== "zstd" && blocksize > 0 && splitBlock(o.cname, typesize, blocksize);
  if (!split) flags |= FLAG_DONT_SPLIT;
  const header = (out: Uint8Array, f: number, cbytes: number): void => {
    out[0] = 2;
    out[1] = 1;
    out[2] = f;
    out[3] = typesize;
    writeU32LE(out, 4, nbytes);
    writeU32LE(out, 8, blocksize);
    writeU32LE(out, 12, cbytes);
  };
  const stored = (): Uint8Array => {
    const out = new Uint8Array(HEADER + nbytes);
    header(out, flags | FLAG_MEMCPYED, HEADER + nbytes);
    out.set(src, HEADER);
    return out;
  };
  if (o.clevel === 0 || nbytes < MIN_BUFFERSIZE) return stored();
  const nblocks = Math.ceil(nbytes / blocksize);
  const leftover = nbytes % blocksize;
  const limit = HEADER + nbytes; // larger than a stored frame → store instead
  const out = new Uint8Array(limit + 4 * nblocks + 4 * nblocks * MAX_SPLITS);
  const tmp = new Uint8Array(blocksize);
  let pos = HEADER + 4 * nblocks;
  for (let j = 0; j < nblocks; j++) {
    writeU32LE(out, HEADER + 4 * j, pos);
    const isLeftover = j === nblocks - 1 && leftover > 0;
    const bsize = isLeftover ? leftover : blocksize;
    const start = j * blocksize;
    let block: Uint8Array;
    if (o.shuffle === 1 && typesize > 1) {
      shuffleBytes(src, start, tmp, 0, bsize, typesize);
      block = tmp.subarray(0, bsize);
    } else if (o.shuffle === 2 && bsize >= typesize) {
      bitShuffle(src, start, tmp, 0, bsize, typesize);
      block = tmp.subarray(0, bsize);
    } else {
      block = src.subarray(start, start + bsize);
    }
    const nsplits = split && !isLeftover ? typesize : 1;
    const neblock = Math.floor(bsize / nsplits);
    for (let s = 0; s < nsplits; s++) {
      const stream = block.subarray(s * neblock, (s + 1) * neblock);
      const c = await compressStream(o.cname, o.clevel, stream);
      const raw = c === undefined || c.length === 0 || c.length >= neblock;
      const size = raw ? neblock : c.length;
      if (pos + 4 + size > limit) return stored();
      writeU32LE(out, pos, size);
      out.set(raw ? stream : c, pos + 4);
      pos += 4 + size;
    }
  }
  header(out, flags, pos);
  return out.slice(0, pos);
}
