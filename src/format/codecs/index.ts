/**
 * The codec layer: codec kinds, the registry, pipelines and the built-in codecs
 * (Zarr v3 core specification "Codecs", the sharding codec specification, numcodecs for v2).
 * @module
 */

export {
  BloscCodec,
  type BloscParams,
  createBloscCodec,
  createNumcodecsBloscCodec,
} from "./blosc.js";
export {
  type BloscCname,
  type BloscCompressOptions,
  type BloscShuffle,
  bloscCompress,
  bloscDecompress,
} from "./blosc-frame.js";
export { BytesCodec, createBytesCodec, type Endian } from "./bytes.js";
export { adler32, crc32, crc32c } from "./checksums.js";
export { Crc32cCodec, createCrc32cCodec } from "./crc32c.js";
export { createDeltaCodec, DeltaCodec, type DeltaType, parseDeltaType } from "./delta.js";
export { createGzipCodec, createNumcodecsGzipCodec, GzipCodec } from "./gzip.js";
export { createLz4Codec, Lz4Codec } from "./lz4.js";
export { lz4DecodeBlock } from "./lz4-block.js";
export { type BytesStage, type CodecPipeline, createCodecPipeline } from "./pipeline.js";
export { createCodec, getCodecFactory, registerCodec, registeredCodecs } from "./registry.js";
export { createShardingCodec, ShardingCodec } from "./sharding/codec.js";
export {
  createShardLayout,
  type IndexLocation,
  innerChunkView,
  type ShardByteRange,
  type ShardLayout,
  type ShardLayoutInit,
  sliceByteRange,
} from "./sharding/layout.js";
export {
  decodeShard,
  memoryByteSource,
  type OpenShard,
  openShard,
  type ShardByteSource,
  ShardReader,
} from "./sharding/reader.js";
export { awaitAll } from "./sharding/settle.js";
export {
  decodeShardIndex,
  encodeShardIndex,
  indexBytesOf,
  innerByteRange,
  ShardIndex,
} from "./sharding/shard-index.js";
export { createTransposeCodec, TransposeCodec } from "./transpose.js";
export type {
  ArrayToArrayCodec,
  ArrayToBytesCodec,
  BytesToBytesCodec,
  ChunkSpec,
  Codec,
  CodecBase,
  CodecContext,
  CodecFactory,
  CodecFactoryContext,
  CodecKind,
  PipelineBuilder,
  ShardAccess,
  ShardIndexView,
} from "./types.js";
export { ZlibCodec, zlibFactory } from "./zlib.js";
export { ZstdCodec, zstdFactory } from "./zstd.js";
