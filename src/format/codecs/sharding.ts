/**
 * The `sharding_indexed` array→bytes codec (Zarr v3 "Sharding codec" specification): a shard
 * holds a grid of inner chunks, each encoded with the inner codecs, plus an index of
 * `chunks_per_shard × 2` uint64 (offset, nbytes) pairs encoded with the index codecs, at the
 * start or the end of the shard. An entry of (2^64−1, 2^64−1) marks an empty inner chunk, which
 * reads as the fill value. Inner pipelines may themselves be sharded (nested sharding).
 * @module
 */

import { allocate, dataType } from "../../core/dtype.js";
import { CodecError, MetadataError } from "../../core/errors.js";
import { cStrides, type NDArray, shapeSize } from "../../core/ndarray.js";
import type { CodecSpec } from "../model.js";
import { type CodecPipeline, createCodecPipeline } from "./pipeline.js";
import type { ArrayToBytesCodec, ChunkSpec, CodecContext } from "./types.js";
import {
  ConfigReader,
  copyRegion,
  fillEntries,
  fmtShape,
  sameShape,
  scalarEntries,
} from "./util.js";

/** Where the index sits in a shard. */
export type IndexLocation = "start" | "end";

const U32_MAX = 0xffffffff;
const TWO32 = 2 ** 32;

/**
 * A decoded shard index: for inner chunk `i` (linear index in C order of the inner chunk grid),
 * its byte offset and length within the shard, or "empty".
 */
export class ShardIndex {
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

/** The `sharding_indexed` codec bound to a shard spec. */
export class ShardingCodec implements ArrayToBytesCodec {
  readonly kind = "array_to_bytes" as const;
  readonly name = "sharding_indexed";
  /** The shard spec (shape = the shard shape, elements). */
  readonly spec: ChunkSpec;
  /** Inner chunk shape in elements. */
  readonly innerChunkShape: readonly number[];
  /** Inner chunks along each dimension of a shard. */
  readonly chunksPerShard: readonly number[];
  /** Inner chunks per shard. */
  readonly innerChunkCount: number;
  readonly indexLocation: IndexLocation;
  /** Size of the encoded index in bytes (16 per inner chunk + the index codecs' overhead). */
  readonly indexByteLength: number;
  /** Pipeline of the inner chunks (spec shape = `innerChunkShape`). */
  readonly innerPipeline: CodecPipeline;
  /** Pipeline of the index (uint64 array of shape `[...chunksPerShard, 2]`). */
  readonly indexPipeline: CodecPipeline;

  constructor(
    spec: ChunkSpec,
    innerChunkShape: readonly number[],
    innerPipeline: CodecPipeline,
    indexPipeline: CodecPipeline,
    indexLocation: IndexLocation,
    indexByteLength: number,
  ) {
    this.spec = spec;
    this.innerChunkShape = [...innerChunkShape];
    this.chunksPerShard = spec.shape.map((s, d) => s / innerChunkShape[d]!);
    this.innerChunkCount = shapeSize(this.chunksPerShard);
    this.innerPipeline = innerPipeline;
    this.indexPipeline = indexPipeline;
    this.indexLocation = indexLocation;
    this.indexByteLength = indexByteLength;
  }

  /** Linear index (C order of the inner grid) of the inner chunk at grid coordinates `coords`. */
  innerChunkIndex(coords: readonly number[]): number {
    let i = 0;
    for (let d = 0; d < coords.length; d++) i = i * this.chunksPerShard[d]! + coords[d]!;
    return i;
  }

  /** Grid coordinates of inner chunk `i` (inverse of {@link innerChunkIndex}). */
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

  /**
   * The byte range of the index within a shard, as a store range query: the first
   * `indexByteLength` bytes (`start`) or the last ones (`end`, a suffix request).
   */
  indexByteRange(): { offset: number; length: number } | { suffixLength: number } {
    return this.indexLocation === "start"
      ? { offset: 0, length: this.indexByteLength }
      : { suffixLength: this.indexByteLength };
  }

  /**
   * Decodes the index bytes (exactly `indexByteLength` bytes) of a shard.
   * @param shardByteLength the shard's total size in bytes when known: every entry must then lie
   *   within it.
   * @throws CodecError ("truncated", "corrupt shard index") when the length is wrong, an entry
   *   is half-empty, exceeds 2^53 or points past the end of the shard; ChecksumError from a
   *   `crc32c` index codec.
   */
  async decodeIndex(
    bytes: Uint8Array,
    ctx: CodecContext,
    shardByteLength?: number,
  ): Promise<ShardIndex> {
    const fail = (m: string): never => {
      throw new CodecError(m, { key: ctx.key, codec: this.name });
    };
    if (bytes.length !== this.indexByteLength) {
      fail(
        `shard index is ${bytes.length} bytes, expected ${this.indexByteLength} (truncated shard)`,
      );
    }
    const decoded = await this.indexPipeline.decode(bytes, ctx);
    const n = this.innerChunkCount;
    const d = decoded.data;
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
      if (oMax || nMax || oHi >= 0x200000 || nHi >= 0x200000) {
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
   * Decodes a whole shard into a C-order array of the shard shape; empty inner chunks hold the
   * fill value.
   * @throws CodecError naming the key and `sharding_indexed` when the shard is shorter than its
   *   index or the index is corrupt; errors of the inner and index codecs.
   */
  async decode(bytes: Uint8Array, _spec: ChunkSpec, ctx: CodecContext): Promise<NDArray> {
    const L = this.indexByteLength;
    if (bytes.length < L) {
      throw new CodecError(
        `shard is ${bytes.length} bytes, shorter than its ${L}-byte index (truncated shard)`,
        {
          key: ctx.key,
          codec: this.name,
        },
      );
    }
    const indexBytes =
      this.indexLocation === "start" ? bytes.subarray(0, L) : bytes.subarray(bytes.length - L);
    const index = await this.decodeIndex(indexBytes, ctx, bytes.length);
    const { shape, dataType: dt } = this.spec;
    const strides = cStrides(shape);
    const data = allocate(dt, shapeSize(shape));
    const out: NDArray = { data, shape: [...shape], strides, dtype: dt };
    let anyEmpty = false;
    const tasks: Promise<void>[] = [];
    for (let i = 0; i < this.innerChunkCount; i++) {
      if (index.isEmpty(i)) {
        anyEmpty = true;
        continue;
      }
      const off = index.offset(i);
      const region = this.regionOf(out, i);
      tasks.push(
        this.innerPipeline
          .decode(bytes.subarray(off, off + index.nbytes(i)), ctx)
          .then((inner) => copyRegion(inner, region)),
      );
    }
    if (anyEmpty) {
      const fill = scalarEntries(dt, this.spec.fillValue);
      if (tasks.length === 0) fillEntries(data, dt, fill);
      else {
        const template = this.innerPipeline.fillChunk();
        for (let i = 0; i < this.innerChunkCount; i++)
          if (index.isEmpty(i)) copyRegion(template, this.regionOf(out, i));
      }
    }
    await Promise.all(tasks);
    return out;
  }

  /**
   * Encodes a shard (shape = the shard shape, any strides): inner chunks in C order of the inner
   * grid, inner chunks equal to the fill value left out (marked empty), the index at the start
   * or end as configured.
   */
  async encode(a: NDArray, _spec: ChunkSpec, ctx: CodecContext): Promise<Uint8Array> {
    if (!sameShape(a.shape, this.spec.shape)) {
      throw new RangeError(
        `shard "${ctx.key}": shape ${fmtShape(a.shape)} differs from ${fmtShape(this.spec.shape)}`,
      );
    }
    const n = this.innerChunkCount;
    const parts = await Promise.all(
      Array.from({ length: n }, (_, i) => {
        const view = this.regionOf(a, i);
        return this.innerPipeline.isFill(view) ? undefined : this.innerPipeline.encode(view, ctx);
      }),
    );
    const L = this.indexByteLength;
    const words = new Uint32Array(n * 4).fill(U32_MAX);
    let pos = this.indexLocation === "start" ? L : 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const p = parts[i];
      if (!p) continue;
      words[4 * i] = pos >>> 0;
      words[4 * i + 1] = Math.floor(pos / TWO32);
      words[4 * i + 2] = p.length >>> 0;
      words[4 * i + 3] = Math.floor(p.length / TWO32);
      pos += p.length;
      total += p.length;
    }
    const indexShape = [...this.chunksPerShard, 2];
    const indexArray: NDArray = {
      data: new BigUint64Array(words.buffer),
      shape: indexShape,
      strides: cStrides(indexShape),
      dtype: dataType("uint64"),
    };
    const indexBytes = await this.indexPipeline.encode(indexArray, ctx);
    if (indexBytes.length !== L) {
      throw new CodecError(`index encoded to ${indexBytes.length} bytes, expected ${L}`, {
        key: ctx.key,
        codec: this.name,
      });
    }
    const out = new Uint8Array(total + L);
    let at = 0;
    if (this.indexLocation === "start") {
      out.set(indexBytes, 0);
      at = L;
    }
    for (const p of parts) {
      if (!p) continue;
      out.set(p, at);
      at += p.length;
    }
    if (this.indexLocation === "end") out.set(indexBytes, at);
    return out;
  }

  /** A view of inner chunk `i` of the shard-shaped array `a` (shares memory with `a`). */
  regionOf(a: NDArray, i: number): NDArray {
    const coords = this.innerChunkCoords(i);
    let offset = a.offset ?? 0;
    for (let d = 0; d < coords.length; d++)
      offset += coords[d]! * this.innerChunkShape[d]! * a.strides[d]!;
    return {
      data: a.data,
      dtype: a.dtype,
      shape: this.innerChunkShape,
      strides: a.strides,
      offset,
    };
  }

  /** `undefined`: a shard's size depends on which inner chunks are stored and their sizes. */
  encodedSize(): undefined {
    return undefined;
  }

  /** The codec in v3 metadata form: `{ name, configuration }`. */
  toJSON(): CodecSpec {
    return {
      name: this.name,
      configuration: {
        chunk_shape: [...this.innerChunkShape],
        codecs: this.innerPipeline.toJSON(),
        index_codecs: this.indexPipeline.toJSON(),
        index_location: this.indexLocation,
      },
    };
  }
}

function bigOf(lo: number, hi: number): string {
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/**
 * Factory of `sharding_indexed`: `chunk_shape` (inner chunk shape, must divide the shard shape),
 * `codecs` (inner pipeline), `index_codecs` (must have a fixed encoded size, e.g. `bytes` +
 * `crc32c`), `index_location` `"start"`/`"end"` (default `"end"`).
 * @throws MetadataError naming the bad field; UnknownCodecError for unknown inner codecs.
 */
export function createShardingCodec(
  configuration: Readonly<Record<string, unknown>>,
  spec: ChunkSpec,
  metadataKey: string,
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
  const innerPipeline = createCodecPipeline(
    codecs as CodecSpec[],
    { shape: inner, dataType: spec.dataType, fillValue: spec.fillValue },
    metadataKey,
    "configuration.codecs",
  );
  const cps = spec.shape.map((s, d) => s / inner[d]!);
  const indexPipeline = createCodecPipeline(
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
  return new ShardingCodec(spec, inner, innerPipeline, indexPipeline, location, indexByteLength);
}
