/**
 * The interfaces of the codec layer: the three kinds of codecs of a Zarr v3 codec pipeline and
 * what they are given, the pipeline itself, codec factories, and the sharding capability of an
 * array→bytes codec (what the planner and the executor need to read a shard's inner chunks by
 * byte range).
 *
 * Follows the Zarr v3 core specification, section "Codecs": a pipeline is zero or more
 * array→array codecs, exactly one array→bytes codec, then zero or more bytes→bytes codecs.
 * Encoding runs them in that order; decoding runs them in reverse. The sharding declarations
 * follow the Zarr v3 sharding codec specification.
 *
 * These declarations refer to each other (a pipeline has an array→bytes codec, whose shard
 * layout has an inner pipeline), so they live in this one module, which imports no other module
 * of the codec layer: no import cycle, not even a type-only one.
 * @module
 */
import type { DataType, Scalar } from "../../core/dtype.js";
import type { NDArray } from "../../core/ndarray.js";
import type { CodecSpec } from "../model.js";

/**
 * What a codec knows about the array it is given: the chunk shape (elements), data type and
 * fill value. Array→array codecs map the spec of their input to the spec of their output
 * ({@link ArrayToArrayCodec.resolveSpec}).
 */
export interface ChunkSpec {
  /** Chunk shape in elements; `[]` for a 0-d chunk (one element). */
  readonly shape: readonly number[];
  readonly dataType: DataType;
  readonly fillValue: Scalar;
}

/** Per-call context of an encode or decode. */
export interface CodecContext {
  /** Store key of the chunk (or shard) being encoded or decoded; named by every `CodecError`. */
  readonly key: string;
  /**
   * The ceiling of a bytes→bytes decode, in bytes: the most bytes a valid chunk can decode to
   * here (exactly the expected size when every codec toward the array has a fixed size, else an
   * upper bound; see `ceiling.ts`). Set by the pipeline on every {@link BytesToBytesCodec.decode}
   * call, `undefined` when unknown, absent elsewhere.
   *
   * A decoder given a ceiling should reject a declared decoded size above it before decoding
   * (zstd Frame_Content_Size, the blosc header's nbytes, the numcodecs LZ4 size prefix, the gzip
   * trailer's ISIZE) and stop at the first byte past it, allocating no more than the ceiling plus
   * a small constant, throwing `CodecError` (`decodes to more than the expected N bytes (…)`).
   * Codecs registered by users may ignore it: the pipeline checks their output afterwards.
   */
  readonly maxDecodedBytes?: number | undefined;
  /**
   * How many leading bytes of a decode's result the caller reads, when it reads fewer than all
   * (a sparse selection needs only the elements up to its last one in C order). Given to
   * {@link BytesToBytesCodec.decodeInto} only: a codec that can stop early may then write just
   * the first `decodedPrefix` bytes (or more) of `out`, decoding no further than the input needed
   * for them, and leave the rest of `out` as it was (`zstd` with the native binding, `blosc`).
   * Absent: the whole result. Every other call ignores it.
   */
  readonly decodedPrefix?: number | undefined;
  /**
   * Encodes one inner chunk of a shard (`chunk`: a view of the shard, shape = the inner chunk
   * shape; `key`: the shard's key) with the inner pipeline `pipeline`, in place of
   * `pipeline.encode(chunk, ctx)`; it must give the same bytes and errors. The sharding codec
   * calls it for every stored inner chunk when it is set, so the caller of an encode can run the
   * inner chunks' bytes→bytes codecs elsewhere (`src/exec/decode-pool.ts` sends them to its
   * workers). Absent: inner chunks encode with `pipeline.encode` here. Ignored by decodes.
   */
  readonly encodeInner?:
    | ((pipeline: CodecPipeline, chunk: NDArray, key: string) => Promise<Uint8Array>)
    | undefined;
}

/** The kind of a codec (Zarr v3 core, "Codecs"). */
export type CodecKind = "array_to_array" | "array_to_bytes" | "bytes_to_bytes";

/** What every codec has. */
export interface CodecBase {
  /** Discriminates the three kinds. */
  readonly kind: CodecKind;
  /** The codec name as written in metadata (`"gzip"`, `"numcodecs.blosc"`, …). */
  readonly name: string;
  /** The codec as it would be written in v3 metadata: `{ name, configuration }`. */
  toJSON(): CodecSpec;
}

/**
 * An array→array codec (e.g. `transpose`). `spec` is always the spec of the codec's *decoded*
 * side (its input when encoding, its output when decoding).
 */
export interface ArrayToArrayCodec extends CodecBase {
  readonly kind: "array_to_array";
  /** The spec of the encoded side (e.g. the permuted shape for `transpose`). */
  resolveSpec(spec: ChunkSpec): ChunkSpec;
  /** Encodes `a` (shape `spec.shape`, any strides); may return a view of `a`. */
  encode(a: NDArray, spec: ChunkSpec, ctx: CodecContext): NDArray | Promise<NDArray>;
  /** Decodes `a` (shape `resolveSpec(spec).shape`) to an array of shape `spec.shape`. */
  decode(a: NDArray, spec: ChunkSpec, ctx: CodecContext): NDArray | Promise<NDArray>;
}

/** An array→bytes codec (e.g. `bytes`, `sharding_indexed`). */
export interface ArrayToBytesCodec extends CodecBase {
  /**
   * Capability: set by codecs whose encoded form is a shard (Zarr v3 sharding codec
   * specification), i.e. a grid of inner chunks plus an index, so that inner chunks can be read
   * by byte range. The pipeline exposes it as {@link CodecPipeline.sharding}; the built-in
   * `ShardingCodec` returns itself.
   */
  readonly sharding?: ShardAccess;
  readonly kind: "array_to_bytes";
  /** Serialises `a` (shape `spec.shape`, any strides). The result may share memory with `a`. */
  encode(a: NDArray, spec: ChunkSpec, ctx: CodecContext): Promise<Uint8Array>;
  /**
   * Deserialises `bytes` to an array of shape `spec.shape`. The result may share memory with `bytes`.
   * @throws CodecError when `bytes` do not hold such an array.
   */
  decode(bytes: Uint8Array, spec: ChunkSpec, ctx: CodecContext): Promise<NDArray>;
  /** Encoded size in bytes when it depends on `spec` only (e.g. `bytes`), else `undefined`. */
  encodedSize?(spec: ChunkSpec): number | undefined;
  /**
   * An upper bound (bytes) of the encoded size of any valid chunk of `spec` when the size is not
   * fixed (`sharding_indexed`: index size + inner chunk count × the inner pipeline's
   * {@link CodecPipeline.maxEncodedSize}), else `undefined` (no bound). It is the decode ceiling
   * of the bytes→bytes codecs after this codec ({@link CodecContext.maxDecodedBytes}); not
   * needed when {@link encodedSize} is fixed.
   */
  maxEncodedSize?(spec: ChunkSpec): number | undefined;
}

/** A bytes→bytes codec (compressors, checksums, v2 filters). */
export interface BytesToBytesCodec extends CodecBase {
  readonly kind: "bytes_to_bytes";
  encode(bytes: Uint8Array, ctx: CodecContext): Promise<Uint8Array>;
  /**
   * Decodes `bytes`. `ctx.maxDecodedBytes`, when set, is the most bytes the result may hold
   * ({@link CodecContext.maxDecodedBytes}): built-in decoders stop at the first byte past it.
   * @throws CodecError (or `ChecksumError`) when `bytes` are corrupt or truncated, or decode to
   *   more than `ctx.maxDecodedBytes`.
   */
  decode(bytes: Uint8Array, ctx: CodecContext): Promise<Uint8Array>;
  /**
   * Optional fast path: decodes `bytes` straight into `out` when they decode to exactly
   * `out.length` bytes and the codec can write into a given buffer (native zstd, blosc); with
   * `ctx.decodedPrefix`, possibly only that many leading bytes. Resolves to false, having written
   * nothing that matters, when the path does not apply; the caller then calls {@link decode},
   * which reports any error. May instead throw the CodecError {@link decode} would throw.
   */
  decodeInto?(bytes: Uint8Array, out: Uint8Array, ctx: CodecContext): Promise<boolean>;
  /**
   * Encoded size in bytes of a `decodedSize`-byte input when it is fixed (e.g. `crc32c`: +4),
   * else `undefined` (compressors).
   */
  encodedSize?(decodedSize: number): number | undefined;
  /**
   * An upper bound (bytes) of the encoded size of any valid encoding of `decodedSize` bytes when
   * the size is not fixed (compressors: their worst-case expansion), else `undefined`. The
   * pipeline derives the decode ceilings of the codecs after this one from it (and from
   * {@link encodedSize}); a codec with neither leaves them without a ceiling.
   */
  maxEncodedSize?(decodedSize: number): number | undefined;
  /**
   * The same codec as an array→array codec for chunks of `spec`, for codecs that may stand
   * before the array→bytes codec too (numcodecs filters: Zarr v2 lists them after the
   * serialisation, zarr-python 3 writes them before `bytes` in v3 metadata). The pipeline uses
   * it when the codec comes before the array→bytes codec.
   * @throws MetadataError when the codec cannot work on chunks of `spec` (another data type).
   */
  asArrayToArray?(spec: ChunkSpec, metadataKey: string): ArrayToArrayCodec;
}

/** Any codec. */
export type Codec = ArrayToArrayCodec | ArrayToBytesCodec | BytesToBytesCodec;

/** The bytes→bytes codecs of a pipeline in serialisable form (see {@link CodecPipeline.bytesStage}). */
export interface BytesStage {
  /** The bytes→bytes codecs in metadata (encoding) order. */
  readonly codecs: readonly CodecSpec[];
  /** The spec they were built against (the array→bytes codec's input). */
  readonly spec: ChunkSpec;
  /** Bytes the stage decodes to when fixed (the array→bytes codec's encoded size), else undefined. */
  readonly decodedSize: number | undefined;
  /**
   * The decode ceiling of each codec in bytes, aligned with {@link codecs} (`undefined`: none):
   * what the pipeline gives each codec as {@link CodecContext.maxDecodedBytes}, so that a decode
   * worker bounds the same decodes the same way.
   */
  readonly maxDecodedBytes: readonly (number | undefined)[];
}

/** A validated codec pipeline for chunks of one {@link ChunkSpec}. */
export interface CodecPipeline {
  /** The spec of the decoded chunks. */
  readonly spec: ChunkSpec;
  /** All codecs in metadata (encoding) order. */
  readonly codecs: readonly Codec[];
  /** The array→array codecs, in encoding order. */
  readonly arrayToArray: readonly ArrayToArrayCodec[];
  /** The array→bytes codec. */
  readonly arrayToBytes: ArrayToBytesCodec;
  /** The bytes→bytes codecs, in encoding order. */
  readonly bytesToBytes: readonly BytesToBytesCodec[];
  /**
   * The array→bytes codec's sharding capability ({@link ArrayToBytesCodec.sharding}), when it
   * has one (`sharding_indexed`): the shard layout (index size and location, inner pipeline) and
   * the index decoder, for reading inner chunks by byte range.
   */
  readonly sharding?: ShardAccess;
  /**
   * Decodes the stored bytes of one chunk into a C-order contiguous NDArray of `spec.shape`
   * (offset 0, strides `cStrides(spec.shape)`). The result may share memory with `bytes`.
   * Every bytes→bytes codec decodes under its ceiling ({@link CodecContext.maxDecodedBytes},
   * which the pipeline sets itself; one given in `ctx` is ignored).
   * @throws CodecError (naming `ctx.key` and the failing codec) when any codec fails or sizes do
   *   not match, or a codec decodes to more than its ceiling (`decodes to more than the
   *   expected N bytes (…)`); ChecksumError when a checksum does not match. Never returns
   *   partial data.
   */
  decode(bytes: Uint8Array, ctx: CodecContext): Promise<NDArray>;
  /**
   * The first half of {@link decode}: the bytes→bytes codecs (decompression, checksums), in
   * reverse order, each under its ceiling. The result may share memory with `bytes`.
   * @param out memory for the result (the array→bytes codec's input, of its encoded size), which
   *   the first codec decodes straight into when it can ({@link BytesToBytesCodec.decodeInto};
   *   the result is then `out`), with `ctx.decodedPrefix` possibly only its leading bytes.
   * @throws CodecError / ChecksumError as {@link decode}.
   */
  decodeBytes(bytes: Uint8Array, ctx: CodecContext, out?: Uint8Array): Promise<Uint8Array>;
  /**
   * The second half of {@link decode}: the array→bytes and array→array codecs applied to the
   * output of {@link decodeBytes}.
   * @throws CodecError as {@link decode}.
   */
  decodeArray(bytes: Uint8Array, ctx: CodecContext): Promise<NDArray>;
  /**
   * What a decode worker needs to rebuild the bytes→bytes codecs (`src/exec/decode-pool.ts`),
   * to run {@link decodeBytes} or {@link encodeBytes} there: their metadata form and the chunk
   * spec they were built for. `undefined` when there are none.
   */
  readonly bytesStage: BytesStage | undefined;
  /**
   * Encodes one chunk (shape `spec.shape`, any strides and offset) into bytes to store:
   * `encodeBytes(await encodeArray(chunk, ctx), ctx)`.
   * The result may share memory with `chunk` (e.g. a lone little-endian `bytes` codec).
   * @throws RangeError when the chunk's shape or data type differs from `spec`; CodecError when
   *   a codec fails.
   */
  encode(chunk: NDArray, ctx: CodecContext): Promise<Uint8Array>;
  /**
   * The first half of {@link encode}: checks `chunk` against `spec`, then runs the array→array
   * codecs and the array→bytes codec (in encoding order). The result is the input of the
   * bytes→bytes codecs ({@link bytesStage}): for fixed-size codecs exactly
   * `bytesStage.decodedSize` bytes. It is either a view of `chunk`'s memory or memory of its own
   * that the built-in codecs neither keep nor share (a byte-swapped or C-ordered copy, a shard).
   * @throws RangeError when the chunk's shape or data type differs from `spec`; CodecError
   *   (naming `ctx.key` and the codec) when a codec fails.
   */
  encodeArray(chunk: NDArray, ctx: CodecContext): Promise<Uint8Array>;
  /**
   * The second half of {@link encode}: the bytes→bytes codecs (compression, checksums) in
   * encoding order applied to the output of {@link encodeArray}; returns `bytes` itself when
   * there are none. The result may share memory with `bytes`.
   * @throws CodecError naming `ctx.key` and the failing codec.
   */
  encodeBytes(bytes: Uint8Array, ctx: CodecContext): Promise<Uint8Array>;
  /** A new C-order chunk of `spec.shape` with every element set to the fill value. */
  fillChunk(): NDArray;
  /** True when every element of `chunk` (any strides) equals the fill value (NaN equals NaN). */
  isFill(chunk: NDArray): boolean;
  /** The encoded size in bytes when every codec has a fixed size (e.g. `bytes` + `crc32c`), else `undefined`. */
  encodedSize(): number | undefined;
  /**
   * An upper bound (bytes) of the encoded size of any valid chunk: {@link encodedSize} when
   * fixed; else the array→bytes codec's bound carried through each bytes→bytes codec's fixed
   * size or worst-case expansion (`ArrayToBytesCodec.maxEncodedSize`,
   * `BytesToBytesCodec.maxEncodedSize`); `undefined` when a codec gives no bound. A shard's
   * bound is built from its inner pipeline's.
   */
  maxEncodedSize(): number | undefined;
  /** The codecs in v3 metadata form. */
  toJSON(): CodecSpec[];
}

/**
 * Builds and validates a codec pipeline (`createCodecPipeline`'s signature): `codecs` in v3
 * metadata order for chunks of `spec`; `field` is the JSON path of the codec list in the
 * metadata document `metadataKey`, named by errors.
 * @throws UnknownCodecError, MetadataError as `createCodecPipeline`.
 */
export type PipelineBuilder = (
  codecs: readonly CodecSpec[],
  spec: ChunkSpec,
  metadataKey: string,
  field?: string,
) => CodecPipeline;

/**
 * What a codec factory is given besides the codec's own configuration: the means to build
 * nested pipelines (the inner and index codecs of `sharding_indexed`). Passing it in keeps the
 * codecs from importing the pipeline module, which imports the registry, which imports them.
 */
export interface CodecFactoryContext {
  /** Builds a nested pipeline; `field` is relative to the codec (e.g. `"configuration.codecs"`). */
  readonly buildPipeline: PipelineBuilder;
}

/**
 * Builds a codec from its metadata `configuration` for chunks described by `spec` (for a
 * bytes→bytes codec: the spec of the array given to the pipeline's array→bytes codec).
 * Must throw `MetadataError` for a bad configuration, with `field`s relative to the codec
 * (e.g. `"configuration.level"`); the pipeline prefixes them with the codec's position.
 * `context` is for codecs that nest pipelines (sharding); other factories may ignore it.
 */
export type CodecFactory = (
  configuration: Readonly<Record<string, unknown>>,
  spec: ChunkSpec,
  metadataKey: string,
  context: CodecFactoryContext,
) => Codec;

/** Where the index sits in a shard (sharding codec specification, `index_location`). */
export type IndexLocation = "start" | "end";

/**
 * A byte range of a stored object, in store request form: `length` bytes from `offset`, or the
 * last `suffixLength` bytes. Units: bytes.
 */
export type ShardByteRange =
  | { readonly offset: number; readonly length: number }
  | { readonly suffixLength: number };

/**
 * Where everything is in one shard of a `sharding_indexed` array (Zarr v3 sharding codec
 * specification, "Binary shard format"): the shard is a C-order grid of `chunksPerShard` inner
 * chunks of `innerChunkShape` elements, each stored with `innerPipeline`, plus an index of
 * `innerChunkCount × 2` uint64 (offset, nbytes) pairs stored with `indexPipeline` in
 * `indexByteLength` bytes at the start or the end of the shard. Pure, frozen data: what the
 * planner needs, no IO. Built by `createShardLayout`.
 */
export interface ShardLayout {
  /** Name of the codec that defines the layout (`"sharding_indexed"`); errors name it. */
  readonly name: string;
  /** Shard shape in elements. */
  readonly shardShape: readonly number[];
  /** Inner chunk shape in elements (divides {@link shardShape}). */
  readonly innerChunkShape: readonly number[];
  /** Inner chunks along each dimension of a shard. */
  readonly chunksPerShard: readonly number[];
  /** Inner chunks per shard (product of {@link chunksPerShard}). */
  readonly innerChunkCount: number;
  /** Where the index is: the first or the last {@link indexByteLength} bytes. */
  readonly indexLocation: IndexLocation;
  /** Size of the encoded index in bytes (16 per inner chunk + the index codecs' overhead). */
  readonly indexByteLength: number;
  /** Pipeline of the inner chunks (spec shape = {@link innerChunkShape}). */
  readonly innerPipeline: CodecPipeline;
  /** Pipeline of the index (uint64 array of shape `[...chunksPerShard, 2]`). */
  readonly indexPipeline: CodecPipeline;
  /**
   * The byte range of the index within a shard, as a store range request: the first
   * {@link indexByteLength} bytes (`start`) or the last ones (`end`, a suffix request).
   */
  indexByteRange(): ShardByteRange;
  /** Linear index (C order of the inner grid) of the inner chunk at grid coordinates `coords`. */
  innerChunkIndex(coords: readonly number[]): number;
  /** Grid coordinates of inner chunk `i` (inverse of {@link innerChunkIndex}). */
  innerChunkCoords(i: number): number[];
}

/**
 * A decoded shard index (sharding codec specification, "Shard index"): for inner chunk `i`
 * (linear index in C order of the inner grid), its byte offset and length within the shard, or
 * "empty". Implemented by `ShardIndex`.
 */
export interface ShardIndexView {
  /** Byte offset of each inner chunk within the shard; −1 when empty. */
  readonly offsets: Float64Array;
  /** Byte length of each inner chunk; 0 when empty. */
  readonly lengths: Float64Array;
  /** Number of inner chunks. */
  readonly count: number;
  /** True when no inner chunk is stored. */
  readonly allEmpty: boolean;
  /** True when inner chunk `i` is not stored (it reads as the fill value). */
  isEmpty(i: number): boolean;
  /** Byte offset of inner chunk `i` in the shard (−1 when empty). */
  offset(i: number): number;
  /** Byte length of inner chunk `i` (0 when empty). */
  nbytes(i: number): number;
}

/**
 * The sharding capability ({@link ArrayToBytesCodec.sharding}, {@link CodecPipeline.sharding}):
 * every member of the shard layout, the layout itself as frozen data, and the index decoder.
 */
export interface ShardAccess extends ShardLayout {
  /** The layout alone, as pure frozen data (what `openShard` and `ShardReader` take). */
  readonly layout: ShardLayout;
  /**
   * Decodes the index bytes (exactly {@link ShardLayout.indexByteLength} bytes) of a shard.
   * @param shardByteLength the shard's total size in bytes when known: every entry must then lie
   *   within it.
   * @throws CodecError ("truncated", "corrupt shard index") when the length is wrong, an entry
   *   is half-empty, exceeds 2^53 or points past the end of the shard; ChecksumError from a
   *   `crc32c` index codec.
   */
  decodeIndex(
    bytes: Uint8Array,
    ctx: CodecContext,
    shardByteLength?: number,
  ): Promise<ShardIndexView>;
}
