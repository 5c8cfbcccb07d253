/**
 * The three kinds of codecs of a Zarr v3 codec pipeline and what they are given.
 *
 * Follows the Zarr v3 core specification, section "Codecs": a pipeline is zero or more
 * array→array codecs, exactly one array→bytes codec, then zero or more bytes→bytes codecs.
 * Encoding runs them in that order; decoding runs them in reverse.
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
}

/** A bytes→bytes codec (compressors, checksums, v2 filters). */
export interface BytesToBytesCodec extends CodecBase {
  readonly kind: "bytes_to_bytes";
  encode(bytes: Uint8Array, ctx: CodecContext): Promise<Uint8Array>;
  /** @throws CodecError (or `ChecksumError`) when `bytes` are corrupt or truncated. */
  decode(bytes: Uint8Array, ctx: CodecContext): Promise<Uint8Array>;
  /**
   * Encoded size in bytes of a `decodedSize`-byte input when it is fixed (e.g. `crc32c`: +4),
   * else `undefined` (compressors).
   */
  encodedSize?(decodedSize: number): number | undefined;
}

/** Any codec. */
export type Codec = ArrayToArrayCodec | ArrayToBytesCodec | BytesToBytesCodec;

/**
 * Builds a codec from its metadata `configuration` for chunks described by `spec` (for a
 * bytes→bytes codec: the spec of the array given to the pipeline's array→bytes codec).
 * Must throw `MetadataError` for a bad configuration, with `field`s relative to the codec
 * (e.g. `"configuration.level"`); the pipeline prefixes them with the codec's position.
 */
export type CodecFactory = (
  configuration: Readonly<Record<string, unknown>>,
  spec: ChunkSpec,
  metadataKey: string,
) => Codec;
