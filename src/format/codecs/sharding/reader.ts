/**
 * Reading a shard through any byte source, the way zarrs' partial decoders do (Zarr v3 sharding
 * codec specification, "Decoding"): the index first (one request), then one request per inner
 * chunk wanted. A whole shard in memory is one such source ({@link memoryByteSource}); the
 * codec's whole-shard decode ({@link decodeShard}) and the executor's whole-shard read
 * ({@link openShard}) both go through {@link ShardReader} over it, so the index is sliced and
 * checked in one place (`indexBytesOf`).
 * @module
 */

import { allocate } from "../../../core/dtype.js";
import { CodecError } from "../../../core/errors.js";
import { copyStrided, cStrides, type NDArray, shapeSize } from "../../../core/ndarray.js";
import { fillLanes, scalarLanes } from "../../../core/scalar.js";
import type { CodecContext, ShardByteRange, ShardLayout } from "../types.js";
import { innerChunkView, sliceByteRange } from "./layout.js";
import { awaitAll } from "./settle.js";
import { decodeShardIndex, indexBytesOf, innerByteRange, type ShardIndex } from "./shard-index.js";

/** Where a {@link ShardReader} gets the bytes of one shard. */
export interface ShardByteSource {
  /**
   * The bytes of `range` of the shard (units: bytes), or `undefined` when the shard does not
   * exist. May return fewer bytes than asked for when the shard is shorter.
   */
  get(range: ShardByteRange): Promise<Uint8Array | undefined>;
  /**
   * The whole shard, when the source holds it in memory: the index is then sliced from it
   * (`indexBytesOf`, with the whole-shard truncation check, no `get` call) and every index
   * entry is checked to lie within it.
   */
  readonly whole?: Uint8Array;
}

/** A byte source over a whole shard in memory; `get` returns views of `bytes`. */
export function memoryByteSource(bytes: Uint8Array): ShardByteSource {
  return { whole: bytes, get: (range) => Promise.resolve(sliceByteRange(bytes, range)) };
}

/**
 * Reads one shard of `layout` from `source`: {@link readIndex} (one `get` of the index range,
 * done once and shared), then {@link readInner} / {@link decodeInner} (one `get` per stored
 * inner chunk), or {@link readShard} for all of them. Errors name `ctx.key` and `layout.name`.
 */
export class ShardReader {
  /** The layout of the shard. */
  readonly layout: ShardLayout;
  /** Where its bytes come from. */
  readonly source: ShardByteSource;
  /** The shard's store key (named by errors), given to the inner and index codecs. */
  readonly ctx: CodecContext;
  private index: Promise<ShardIndex | null> | undefined;

  /** A reader of one shard; nothing is fetched until {@link readIndex} or a read of an inner chunk. */
  constructor(layout: ShardLayout, source: ShardByteSource, ctx: CodecContext) {
    this.layout = layout;
    this.source = source;
    this.ctx = ctx;
  }

  /**
   * The shard's index, or `null` when the shard does not exist (every inner chunk reads as the
   * fill value). Fetched on the first call only.
   * @throws CodecError as `indexBytesOf` (whole shard shorter than its index) and
   *   `decodeShardIndex`; ChecksumError from a `crc32c` index codec.
   */
  readIndex(): Promise<ShardIndex | null> {
    this.index ??= this.loadIndex();
    return this.index;
  }

  private async loadIndex(): Promise<ShardIndex | null> {
    const { layout, source, ctx } = this;
    const whole = source.whole;
    const bytes = whole
      ? indexBytesOf(layout, whole, ctx.key)
      : await source.get(layout.indexByteRange());
    if (bytes === undefined) return null;
    return decodeShardIndex(layout, bytes, ctx, whole?.length);
  }

  /**
   * The stored (encoded) bytes of inner chunk `i` (linear index in C order of the inner grid),
   * or `undefined` when it is empty or the shard does not exist.
   * @throws RangeError when `i` is not an inner chunk of the layout; CodecError when the source
   *   returns fewer bytes than the index says (the shard was truncated or rewritten after its
   *   index was read) or nothing at all; errors of {@link readIndex}.
   */
  async readInner(i: number): Promise<Uint8Array | undefined> {
    const index = await this.readIndex();
    if (index === null) return undefined;
    const range = innerByteRange(index, i);
    if (range === undefined) return undefined;
    const bytes = await this.source.get(range);
    if (bytes === undefined || bytes.length < range.length) {
      const what =
        bytes === undefined
          ? "the shard disappeared after its index was read"
          : `got ${bytes.length} of ${range.length} bytes (shard truncated or rewritten after its index was read)`;
      throw new CodecError(what, { key: this.ctx.key, codec: this.layout.name });
    }
    return bytes.length === range.length ? bytes : bytes.subarray(0, range.length);
  }

  /**
   * Inner chunk `i` decoded with the inner pipeline (a C-order array of the inner chunk shape),
   * or `undefined` when it is empty or the shard does not exist (it reads as the fill value).
   * @throws errors of {@link readInner}; CodecError / ChecksumError of the inner codecs.
   */
  async decodeInner(i: number): Promise<NDArray | undefined> {
    const bytes = await this.readInner(i);
    return bytes === undefined ? undefined : this.layout.innerPipeline.decode(bytes, this.ctx);
  }

  /**
   * The whole shard as a C-order array of the shard shape (data type and fill value of the
   * inner pipeline's spec; empty inner chunks hold the fill value), or `undefined` when the
   * shard does not exist. Inner chunks are decoded concurrently; on failure it rejects with the
   * first error once every decode has settled (no unobserved rejection).
   * @throws errors of {@link decodeInner}.
   */
  async readShard(): Promise<NDArray | undefined> {
    const index = await this.readIndex();
    if (index === null) return undefined;
    const layout = this.layout;
    const { dataType: dt, fillValue } = layout.innerPipeline.spec;
    const shape = layout.shardShape;
    const data = allocate(dt, shapeSize(shape));
    const out: NDArray = { data, shape: [...shape], strides: cStrides(shape), dtype: dt };
    const stored: number[] = [];
    const empty: number[] = [];
    for (let i = 0; i < layout.innerChunkCount; i++) (index.isEmpty(i) ? empty : stored).push(i);
    // Synchronous work first: nothing may throw once the decodes have started.
    if (stored.length === 0) fillLanes(data, dt, scalarLanes(dt, fillValue));
    else if (empty.length > 0) {
      const template = layout.innerPipeline.fillChunk();
      for (const i of empty) copyStrided(template, innerChunkView(layout, out, i));
    }
    await awaitAll(stored.map((i) => this.decodeInto(out, i)));
    return out;
  }

  private async decodeInto(out: NDArray, i: number): Promise<void> {
    const inner = await this.decodeInner(i);
    if (inner !== undefined) copyStrided(inner, innerChunkView(this.layout, out, i));
  }
}

/** A whole shard held in memory, opened by {@link openShard}. */
interface OpenShard {
  /** The shard's decoded index (entries checked against the shard's length). */
  readonly index: ShardIndex;
  /**
   * The stored bytes of inner chunk `i` (a view of the shard's bytes), or `undefined` when it is
   * empty. @throws RangeError when `i` is not an inner chunk of the layout.
   */
  innerBytes(i: number): Uint8Array | undefined;
}

/**
 * Opens a whole shard fetched into memory: decodes its index through a {@link ShardReader} over
 * `bytes` and gives views of its inner chunks' bytes (for callers that decode inner chunks
 * themselves, such as the executor's decode pool).
 * @param key store key of the shard, named by errors.
 * @throws CodecError "shard is N bytes, shorter than its L-byte index (truncated shard)" and
 *   the errors of `decodeShardIndex`; ChecksumError from a `crc32c` index codec.
 */
export async function openShard(
  layout: ShardLayout,
  bytes: Uint8Array,
  key: string,
): Promise<OpenShard> {
  const found = await new ShardReader(layout, memoryByteSource(bytes), { key }).readIndex();
  const index = found!; // a memory source always holds its shard
  return {
    index,
    innerBytes(i: number): Uint8Array | undefined {
      const range = innerByteRange(index, i);
      return range === undefined ? undefined : sliceByteRange(bytes, range);
    },
  };
}

/**
 * Decodes a whole shard in memory into a C-order array of the shard shape (empty inner chunks
 * hold the fill value): {@link ShardReader.readShard} over `bytes`.
 * @throws CodecError naming `ctx.key` and `layout.name` when the shard is shorter than its index
 *   or the index is corrupt; errors of the inner and index codecs.
 */
export async function decodeShard(
  layout: ShardLayout,
  bytes: Uint8Array,
  ctx: CodecContext,
): Promise<NDArray> {
  const shard = await new ShardReader(layout, memoryByteSource(bytes), ctx).readShard();
  return shard!; // a memory source always holds its shard
}
