/**
 * The shard layout of `sharding_indexed` (Zarr v3 sharding codec specification, "Binary shard
 * format"): where the inner chunks and the index are in a shard. Pure, frozen data the planner
 * uses without IO, plus the two byte-level helpers that follow from it (slicing a byte range,
 * viewing one inner chunk of a shard-shaped array).
 * @module
 */
import { type NDArray, shapeSize } from "../../../core/ndarray.js";
import type { CodecPipeline, IndexLocation, ShardByteRange, ShardLayout } from "../types.js";
import { fmtShape } from "../util.js";

export type { ShardByteRange, ShardLayout } from "../types.js";

/** What {@link createShardLayout} needs; everything else is derived. */
type ShardLayoutInit = Pick<
  ShardLayout,
  | "shardShape"
  | "innerChunkShape"
  | "innerPipeline"
  | "indexPipeline"
  | "indexLocation"
  | "indexByteLength"
> & {
  /** Name of the codec, named by errors (default `"sharding_indexed"`). */
  readonly name?: string;
};

class FrozenShardLayout implements ShardLayout {
  readonly name: string;
  readonly shardShape: readonly number[];
  readonly innerChunkShape: readonly number[];
  readonly chunksPerShard: readonly number[];
  readonly innerChunkCount: number;
  readonly indexLocation: IndexLocation;
  readonly indexByteLength: number;
  readonly innerPipeline: CodecPipeline;
  readonly indexPipeline: CodecPipeline;

  constructor(init: ShardLayoutInit) {
    this.name = init.name ?? "sharding_indexed";
    this.shardShape = Object.freeze([...init.shardShape]);
    this.innerChunkShape = Object.freeze([...init.innerChunkShape]);
    this.chunksPerShard = Object.freeze(
      this.shardShape.map((s, d) => s / this.innerChunkShape[d]!),
    );
    this.innerChunkCount = shapeSize(this.chunksPerShard);
    this.indexLocation = init.indexLocation;
    this.indexByteLength = init.indexByteLength;
    this.innerPipeline = init.innerPipeline;
    this.indexPipeline = init.indexPipeline;
    Object.freeze(this);
  }

  indexByteRange(): ShardByteRange {
    return this.indexLocation === "start"
      ? { offset: 0, length: this.indexByteLength }
      : { suffixLength: this.indexByteLength };
  }

  innerChunkIndex(coords: readonly number[]): number {
    let i = 0;
    for (let d = 0; d < coords.length; d++) i = i * this.chunksPerShard[d]! + coords[d]!;
    return i;
  }

  innerChunkCoords(i: number): number[] {
    const nd = this.chunksPerShard.length;
    const out = new Array<number>(nd);
    for (let d = nd - 1; d >= 0; d--) {
      const n = this.chunksPerShard[d]!;
      out[d] = i % n;
      i = Math.floor(i / n);
    }
    return out;
  }
}

/**
 * The frozen layout of shards of `init.shardShape` elements.
 * @throws RangeError when the inner chunk shape does not have the shard's rank or does not
 *   divide it, or `indexByteLength` is not a non-negative integer (the codec factory reports
 *   these as MetadataErrors before building a layout).
 */
export function createShardLayout(init: ShardLayoutInit): ShardLayout {
  const { shardShape, innerChunkShape, indexByteLength } = init;
  if (
    innerChunkShape.length !== shardShape.length ||
    innerChunkShape.some((c, d) => !(c > 0) || shardShape[d]! % c !== 0)
  ) {
    throw new RangeError(
      `inner chunk shape ${fmtShape(innerChunkShape)} must have ${shardShape.length} dimensions and divide the shard shape ${fmtShape(shardShape)}`,
    );
  }
  if (!Number.isSafeInteger(indexByteLength) || indexByteLength < 0) {
    throw new RangeError(`index byte length ${indexByteLength} is not a byte count`);
  }
  return new FrozenShardLayout(init);
}

/**
 * The bytes of `range` within `bytes` (a view, no copy). A suffix longer than `bytes` yields all
 * of `bytes`, an offset range past the end yields what there is: callers check the length.
 */
export function sliceByteRange(bytes: Uint8Array, range: ShardByteRange): Uint8Array {
  return "suffixLength" in range
    ? bytes.subarray(Math.max(0, bytes.length - range.suffixLength))
    : bytes.subarray(range.offset, range.offset + range.length);
}

/**
 * A view of inner chunk `i` of `a`, an array of the layout's shard shape (any strides and
 * offset): shape {@link ShardLayout.innerChunkShape}, sharing memory with `a`.
 */
export function innerChunkView(layout: ShardLayout, a: NDArray, i: number): NDArray {
  const coords = layout.innerChunkCoords(i);
  let offset = a.offset ?? 0;
  for (let d = 0; d < coords.length; d++)
    offset += coords[d]! * layout.innerChunkShape[d]! * a.strides[d]!;
  return {
    data: a.data,
    dtype: a.dtype,
    shape: layout.innerChunkShape,
    strides: a.strides,
    offset,
  };
}
