/**
 * The shard index (Zarr v3 sharding codec specification, "Shard index"): `chunks_per_shard × 2`
 * little-endian uint64 (offset, nbytes) pairs, encoded with the index codecs; the pair
 * (2^64−1, 2^64−1) marks an empty inner chunk, which reads as the fill value. This module owns the
 * index format: where the index is in a whole shard (with the truncation check), decoding with
 * its validation, encoding, and an inner chunk's byte range.
 * @module
 */

import { dataType } from "../../../core/dtype.js";
import { CodecError } from "../../../core/errors.js";
import { cStrides, type NDArray } from "../../../core/ndarray.js";
import type { CodecContext, ShardIndexView, ShardLayout } from "../types.js";
import { sliceByteRange } from "./layout.js";

const U32_MAX = 0xffffffff;
const TWO32 = 2 ** 32;
/** Entries at or above 2^53 (high word ≥ 2^21) are not exact as numbers. */
const HI_LIMIT = 0x200000;

/**
 * A decoded shard index: for inner chunk `i` (linear index in C order of the inner chunk grid),
 * its byte offset and length within the shard, or "empty".
 */
export class ShardIndex implements ShardIndexView {
  /** Byte offset of each inner chunk within the shard; −1 when empty. */
  readonly offsets: Float64Array;
  /** Byte length of each inner chunk; 0 when empty. */
  readonly lengths: Float64Array;

  constructor(offsets: Float64Array, lengths: Float64Array) {
    this.offsets = offsets;
    this.lengths = lengths;
  }

  /** Number of inner chunks. */
  get count(): number {
    return this.offsets.length;
  }

  /** True when inner chunk `i` is not stored (it reads as the fill value). */
  isEmpty(i: number): boolean {
    return this.offsets[i]! < 0;
  }

  /** Byte offset of inner chunk `i` in the shard (−1 when empty). */
  offset(i: number): number {
    return this.offsets[i]!;
  }

  /** Byte length of inner chunk `i` (0 when empty). */
  nbytes(i: number): number {
    return this.lengths[i]!;
  }

  /** True when no inner chunk is stored. */
  get allEmpty(): boolean {
    for (let i = 0; i < this.offsets.length; i++) if (this.offsets[i]! >= 0) return false;
    return true;
  }
}

/**
 * The encoded index within the bytes of a whole shard: its first or last
 * `layout.indexByteLength` bytes (a view, no copy). This is the one place a whole shard is
 * checked to be long enough to hold its index.
 * @param key store key of the shard, named by the error.
 * @throws CodecError (codec `layout.name`, message "shard is N bytes, shorter than its L-byte
 *   index (truncated shard)") when `shardBytes` is shorter than the index.
 */
export function indexBytesOf(layout: ShardLayout, shardBytes: Uint8Array, key: string): Uint8Array {
  const L = layout.indexByteLength;
  if (shardBytes.length < L) {
    throw new CodecError(
      `shard is ${shardBytes.length} bytes, shorter than its ${L}-byte index (truncated shard)`,
      { key, codec: layout.name },
    );
  }
  return sliceByteRange(shardBytes, layout.indexByteRange());
}

/**
 * Decodes the index bytes (exactly `layout.indexByteLength` bytes) of a shard with the index
 * pipeline, and validates every entry.
 * @param shardByteLength the shard's total size in bytes when known: every entry must then lie
 *   within it.
 * @throws CodecError naming `ctx.key` and `layout.name`: "shard index is N bytes, expected L
 *   (truncated shard)" when the length is wrong; "corrupt shard index: entry i is (o, n)" when
 *   an entry is half-empty or exceeds 2^53; "corrupt shard index or truncated shard: inner chunk
 *   i at bytes [a, b) lies past the end of the S-byte shard". ChecksumError from a `crc32c`
 *   index codec; errors of the other index codecs.
 */
export async function decodeShardIndex(
  layout: ShardLayout,
  bytes: Uint8Array,
  ctx: CodecContext,
  shardByteLength?: number,
): Promise<ShardIndex> {
  const fail = (m: string): never => {
    throw new CodecError(m, { key: ctx.key, codec: layout.name });
  };
  if (bytes.length !== layout.indexByteLength) {
    fail(
      `shard index is ${bytes.length} bytes, expected ${layout.indexByteLength} (truncated shard)`,
    );
  }
  const decoded = await layout.indexPipeline.decode(bytes, ctx);
  const n = layout.innerChunkCount;
  const d = decoded.data as BigUint64Array; // the index pipeline decodes uint64
  const w = new Uint32Array(d.buffer, d.byteOffset, n * 4); // (lo, hi) words, little-endian
  const offsets = new Float64Array(n);
  const lengths = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const oLo = w[4 * i]!;
    const oHi = w[4 * i + 1]!;
    const nLo = w[4 * i + 2]!;
    const nHi = w[4 * i + 3]!;
    const oMax = oLo === U32_MAX && oHi === U32_MAX;
    const nMax = nLo === U32_MAX && nHi === U32_MAX;
    if (oMax && nMax) {
      offsets[i] = -1;
      continue;
    }
    if (oMax || nMax || oHi >= HI_LIMIT || nHi >= HI_LIMIT) {
      fail(`corrupt shard index: entry ${i} is (${bigOf(oLo, oHi)}, ${bigOf(nLo, nHi)})`);
    }
    const off = oHi * TWO32 + oLo;
    const len = nHi * TWO32 + nLo;
    if (shardByteLength !== undefined && off + len > shardByteLength) {
      fail(
        `corrupt shard index or truncated shard: inner chunk ${i} at bytes [${off}, ${off + len}) lies past the end of the ${shardByteLength}-byte shard`,
      );
    }
    offsets[i] = off;
    lengths[i] = len;
  }
  return new ShardIndex(offsets, lengths);
}

/**
 * Encodes `index` (one entry per inner chunk of `layout`; offsets −1 for empty inner chunks)
 * with the index pipeline.
 * @returns exactly `layout.indexByteLength` bytes.
 * @throws CodecError ("index encoded to N bytes, expected L") when the index codecs produce
 *   another size; errors of the index codecs.
 */
export async function encodeShardIndex(
  layout: ShardLayout,
  index: ShardIndexView,
  ctx: CodecContext,
): Promise<Uint8Array> {
  const n = layout.innerChunkCount;
  const words = new Uint32Array(n * 4).fill(U32_MAX);
  for (let i = 0; i < n; i++) {
    if (index.isEmpty(i)) continue;
    const pos = index.offset(i);
    const len = index.nbytes(i);
    words[4 * i] = pos >>> 0;
    words[4 * i + 1] = Math.floor(pos / TWO32);
    words[4 * i + 2] = len >>> 0;
    words[4 * i + 3] = Math.floor(len / TWO32);
  }
  const shape = [...layout.chunksPerShard, 2];
  const array: NDArray = {
    data: new BigUint64Array(words.buffer),
    shape,
    strides: cStrides(shape),
    dtype: dataType("uint64"),
  };
  const bytes = await layout.indexPipeline.encode(array, ctx);
  const L = layout.indexByteLength;
  if (bytes.length !== L) {
    throw new CodecError(`index encoded to ${bytes.length} bytes, expected ${L}`, {
      key: ctx.key,
      codec: layout.name,
    });
  }
  return bytes;
}

/**
 * The byte range of inner chunk `i` (linear index in C order of the inner grid) within the
 * shard, or `undefined` when it is empty.
 * @throws RangeError when `i` is not an entry of the index.
 */
export function innerByteRange(
  index: ShardIndexView,
  i: number,
): { offset: number; length: number } | undefined {
  if (!Number.isInteger(i) || i < 0 || i >= index.count) {
    throw new RangeError(`inner chunk ${i} is not in the index (${index.count} entries)`);
  }
  return index.isEmpty(i) ? undefined : { offset: index.offset(i), length: index.nbytes(i) };
}

function bigOf(lo: number, hi: number): string {
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}
