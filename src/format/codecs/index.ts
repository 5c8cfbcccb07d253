/**
 * The codec layer: codec kinds, the registry, pipelines and the built-in codecs
 * (Zarr v3 core specification "Codecs", the sharding codec specification, numcodecs for v2).
 * @module
 */

export {
  type BloscCname,
  type BloscShuffle,
  bloscCompress,
  bloscDecompress,
} from "./blosc-frame.js";
export { type CodecPipeline, createCodecPipeline } from "./pipeline.js";
export {
  codecRegistryVersion,
  createCodec,
  getCodecFactory,
  registerCodec,
  registeredCodecs,
} from "./registry.js";
export { assembleShard, emptyShard } from "./sharding/assemble.js";
export { createShardingCodec, ShardingCodec } from "./sharding/codec.js";
export { createShardLayout, type ShardByteRange, type ShardLayout } from "./sharding/layout.js";
export {
  decodeShard,
  memoryByteSource,
  openShard,
  type ShardByteSource,
  ShardReader,
} from "./sharding/reader.js";
export { awaitAll } from "./sharding/settle.js";
export { indexBytesOf } from "./sharding/shard-index.js";
export type {
  ArrayToArrayCodec,
  ArrayToBytesCodec,
  BytesToBytesCodec,
  ChunkSpec,
  Codec,
  CodecContext,
  CodecFactory,
  ShardAccess,
} from "./types.js";
