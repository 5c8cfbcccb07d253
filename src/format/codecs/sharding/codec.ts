/**
 * The `sharding_indexed` array→bytes codec (Zarr v3 sharding codec specification): a shard holds
 * a grid of inner chunks, each encoded with the inner codecs, plus an index of
 * `chunks_per_shard × 2` uint64 (offset, nbytes) pairs encoded with the index codecs, at the
 * start or the end of the shard. An entry of (2^64−1, 2^64−1) marks an empty inner chunk, which
 * reads as the fill value. Inner pipelines may themselves be sharded (nested sharding).
 *
 * The codec has the sharding capability ({@link ShardingCodec.sharding}): the planner and the
 * executor read its layout and decode its index to fetch inner chunks by byte range.
 * @module
 */

import { dataType } from "../../../core/dtype.js";
import { MetadataError } from "../../../core/errors.js";
import type { NDArray } from "../../../core/ndarray.js";
import type { CodecSpec } from "../../model.js";
import type {
  ArrayToBytesCodec,
  ChunkSpec,
  CodecContext,
  CodecFactoryContext,
  CodecPipeline,
  IndexLocation,
  ShardAccess,
  ShardByteRange,
  ShardLayout,
} from "../types.js";
import { ConfigReader, fmtShape, sameShape } from "../util.js";
import { assembleShard, emptyShard } from "./assemble.js";
import { createShardLayout, innerChunkView } from "./layout.js";
import { decodeShard } from "./reader.js";
import { awaitAll } from "./settle.js";
import { decodeShardIndex, type ShardIndex } from "./shard-index.js";

/**
 * The `sharding_indexed` codec bound to a shard spec. It is its own sharding capability: the
 * layout's members are available on the codec, delegating to {@link layout}.
 */
export class ShardingCodec implements ArrayToBytesCodec, ShardAccess {
  /** An array→bytes codec. */
  readonly kind = "array_to_bytes" as const;
  /** The metadata name, also named by its errors. */
  readonly name = "sharding_indexed";
  /** The shard spec (shape = the shard shape, elements). */
  readonly spec: ChunkSpec;
  /** Where everything is in a shard (frozen data). */
  readonly layout: ShardLayout;

  /** @param layout the layout of shards of `spec.shape` (see `createShardLayout`). */
  constructor(spec: ChunkSpec, layout: ShardLayout) {
    this.spec = spec;
    this.layout = layout;
  }

  /** The sharding capability: the codec itself. */
  get sharding(): ShardAccess {
    return this;
  }

  /** Shard shape in elements. */
  get shardShape(): readonly number[] {
    return this.layout.shardShape;
  }

  /** Inner chunk shape in elements. */
  get innerChunkShape(): readonly number[] {
    return this.layout.innerChunkShape;
  }

  /** Inner chunks along each dimension of a shard. */
  get chunksPerShard(): readonly number[] {
    return this.layout.chunksPerShard;
  }

  /** Inner chunks per shard. */
  get innerChunkCount(): number {
    return this.layout.innerChunkCount;
  }

  /** Where the index is in a shard. */
  get indexLocation(): IndexLocation {
    return this.layout.indexLocation;
  }

  /** Size of the encoded index in bytes (16 per inner chunk + the index codecs' overhead). */
  get indexByteLength(): number {
    return this.layout.indexByteLength;
  }

  /** Pipeline of the inner chunks (spec shape = `innerChunkShape`). */
  get innerPipeline(): CodecPipeline {
    return this.layout.innerPipeline;
  }

  /** Pipeline of the index (uint64 array of shape `[...chunksPerShard, 2]`). */
  get indexPipeline(): CodecPipeline {
    return this.layout.indexPipeline;
  }

  /** The index's byte range in a shard as a store range request (see `ShardLayout`). */
  indexByteRange(): ShardByteRange {
    return this.layout.indexByteRange();
  }

  /** Linear index (C order of the inner grid) of the inner chunk at grid coordinates `coords`. */
  innerChunkIndex(coords: readonly number[]): number {
    return this.layout.innerChunkIndex(coords);
  }

  /** Grid coordinates of inner chunk `i` (inverse of {@link innerChunkIndex}). */
  innerChunkCoords(i: number): number[] {
    return this.layout.innerChunkCoords(i);
  }

  /**
   * Decodes the index bytes (exactly `indexByteLength` bytes) of a shard: `decodeShardIndex`.
   * @param shardByteLength the shard's total size in bytes when known: every entry must then lie
   *   within it.
   * @throws CodecError ("truncated", "corrupt shard index") when the length is wrong, an entry
   *   is half-empty, exceeds 2^53 or points past the end of the shard; ChecksumError from a
   *   `crc32c` index codec.
   */
  decodeIndex(bytes: Uint8Array, ctx: CodecContext, shardByteLength?: number): Promise<ShardIndex> {
    return decodeShardIndex(this.layout, bytes, ctx, shardByteLength);
  }

  /**
   * Decodes a whole shard into a C-order array of the shard shape; empty inner chunks hold the
   * fill value (`decodeShard`: a shard reader over `bytes`).
   * @throws CodecError naming the key and `sharding_indexed` when the shard is shorter than its
   *   index or the index is corrupt; errors of the inner and index codecs.
   */
  decode(bytes: Uint8Array, _spec: ChunkSpec, ctx: CodecContext): Promise<NDArray> {
    return decodeShard(this.layout, bytes, ctx);
  }

  /**
   * Encodes a shard (shape = the shard shape, any strides): inner chunks in C order of the inner
   * grid, inner chunks equal to the fill value left out (marked empty), the index at the start
   * or end as configured. Stored inner chunks are encoded by `ctx.encodeInner` when it is set
   * (`CodecContext.encodeInner`), else by the inner pipeline here.
   * @throws RangeError when `a` does not have the shard shape; CodecError when the index
   *   codecs do not produce `indexByteLength` bytes; errors of the inner and index codecs.
   */
  async encode(a: NDArray, _spec: ChunkSpec, ctx: CodecContext): Promise<Uint8Array> {
    const layout = this.layout;
    if (!sameShape(a.shape, this.spec.shape)) {
      throw new RangeError(
        `shard "${ctx.key}": shape ${fmtShape(a.shape)} differs from ${fmtShape(this.spec.shape)}`,
      );
    }
    const n = layout.innerChunkCount;
    const parts = await awaitAll(Array.from({ length: n }, (_, i) => this.encodeInner(a, i, ctx)));
    // A shard of fill values only is still a valid shard (every entry empty) when encoded alone.
    return (await assembleShard(layout, parts, ctx)) ?? (await emptyShard(layout, ctx));
  }

  /**
   * Inner chunk `i` of `a` encoded (by `ctx.encodeInner` when set), or `undefined` when it holds
   * only the fill value.
   */
  private async encodeInner(
    a: NDArray,
    i: number,
    ctx: CodecContext,
  ): Promise<Uint8Array | undefined> {
    const view = innerChunkView(this.layout, a, i);
    const inner = this.layout.innerPipeline;
    if (inner.isFill(view)) return undefined;
    return ctx.encodeInner ? ctx.encodeInner(inner, view, ctx.key) : inner.encode(view, ctx);
  }

  /** A view of inner chunk `i` of the shard-shaped array `a` (shares memory with `a`). */
  regionOf(a: NDArray, i: number): NDArray {
    return innerChunkView(this.layout, a, i);
  }

  /** `undefined`: a shard's size depends on which inner chunks are stored and their sizes. */
  encodedSize(): undefined {
    return undefined;
  }

  /**
   * An upper bound of a shard's size in bytes: the index size + inner chunk count × the inner
   * pipeline's `maxEncodedSize()` (every inner chunk stored, each at its largest, no gaps), or
   * `undefined` when the inner pipeline gives no bound. The decode ceiling of bytes→bytes codecs
   * applied to whole shards.
   */
  maxEncodedSize(): number | undefined {
    const inner = this.layout.innerPipeline.maxEncodedSize();
    return inner === undefined
      ? undefined
      : this.layout.indexByteLength + this.layout.innerChunkCount * inner;
  }

  /** The codec in v3 metadata form: `{ name, configuration }`. */
  toJSON(): CodecSpec {
    return {
      name: this.name,
      configuration: {
        chunk_shape: [...this.layout.innerChunkShape],
        codecs: this.layout.innerPipeline.toJSON(),
        index_codecs: this.layout.indexPipeline.toJSON(),
        index_location: this.layout.indexLocation,
      },
    };
  }
}

/**
 * Factory of `sharding_indexed`: `chunk_shape` (inner chunk shape, must divide the shard shape),
 * `codecs` (inner pipeline), `index_codecs` (must have a fixed encoded size, e.g. `bytes` +
 * `crc32c`), `index_location` `"start"`/`"end"` (default `"end"`). The nested pipelines are
 * built with `context.buildPipeline`.
 * @throws MetadataError naming the bad field; UnknownCodecError for unknown inner codecs.
 */
export function createShardingCodec(
  configuration: Readonly<Record<string, unknown>>,
  spec: ChunkSpec,
  metadataKey: string,
  context: CodecFactoryContext,
): ShardingCodec {
  const r = new ConfigReader(configuration, metadataKey, "sharding_indexed");
  const inner = r.intArray("chunk_shape", 1);
  if (inner.length !== spec.shape.length || inner.some((c, d) => spec.shape[d]! % c !== 0)) {
    r.fail(
      "chunk_shape",
      `inner chunk shape ${fmtShape(inner)} must have ${spec.shape.length} dimensions and divide the shard shape ${fmtShape(spec.shape)}`,
    );
  }
  const location = r.oneOf<IndexLocation>("index_location", ["start", "end"], "end");
  const codecs = configuration.codecs;
  if (!Array.isArray(codecs)) r.fail("codecs", "expected an array of codecs");
  const indexCodecs = configuration.index_codecs;
  if (!Array.isArray(indexCodecs)) r.fail("index_codecs", "expected an array of codecs");
  const innerPipeline = context.buildPipeline(
    codecs as CodecSpec[],
    { shape: inner, dataType: spec.dataType, fillValue: spec.fillValue },
    metadataKey,
    "configuration.codecs",
  );
  const cps = spec.shape.map((s, d) => s / inner[d]!);
  const indexPipeline = context.buildPipeline(
    indexCodecs as CodecSpec[],
    { shape: [...cps, 2], dataType: dataType("uint64"), fillValue: 2n ** 64n - 1n },
    metadataKey,
    "configuration.index_codecs",
  );
  const indexByteLength = indexPipeline.encodedSize();
  if (indexByteLength === undefined) {
    throw new MetadataError(metadataKey, [
      {
        field: "configuration.index_codecs",
        message:
          "index codecs must have a fixed encoded size (e.g. bytes + crc32c, no compression)",
      },
    ]);
  }
  if (!Number.isSafeInteger(indexByteLength)) {
    r.fail(
      "chunk_shape",
      `a shard of ${fmtShape(spec.shape)} holds ${cps.reduce((p, n) => p * n, 1)} inner chunks of ${fmtShape(inner)}: its index would be ${indexByteLength} bytes, more than 2^53 - 1`,
    );
  }
  const layout = createShardLayout({
    shardShape: spec.shape,
    innerChunkShape: inner,
    innerPipeline,
    indexPipeline,
    indexLocation: location,
    indexByteLength,
  });
  return new ShardingCodec(spec, layout);
}
