/**
 * The table of built-in codec factories, keyed by metadata name. Loaded by the registry; imports
 * no module that imports the registry (nested pipelines reach `sharding_indexed` through the
 * factory context), so the codec modules form no import cycle.
 * @module
 */
import { createAsTypeCodec } from "./astype.js";
import { createBitRoundCodec } from "./bitround.js";
import { createBloscCodec, createNumcodecsBloscCodec } from "./blosc.js";
import { createBytesCodec } from "./bytes.js";
import { bz2Factory } from "./bz2.js";
import { createCastValueCodec } from "./cast-value.js";
import { createAdler32Codec, createCrc32Codec } from "./checksum32.js";
import { createCrc32cCodec } from "./crc32c.js";
import { createDeltaCodec } from "./delta.js";
import { createFixedScaleOffsetCodec } from "./fixedscaleoffset.js";
import { createFletcher32Codec } from "./fletcher32.js";
import { createGzipCodec, createNumcodecsGzipCodec } from "./gzip.js";
import { json2Factory } from "./json2.js";
import { createLz4Codec } from "./lz4.js";
import { createNumcodecsShuffleCodec } from "./numcodecs-shuffle.js";
import { createPackBitsCodec } from "./packbits.js";
import { createQuantizeCodec } from "./quantize.js";
import { createReshapeCodec } from "./reshape.js";
import { createScaleOffsetCodec } from "./scale-offset.js";
import { createShardingCodec } from "./sharding/codec.js";
import { createTransposeCodec } from "./transpose.js";
import type { CodecFactory } from "./types.js";
import { vlenBytesFactory, vlenUtf8Factory } from "./vlen.js";
import { zlibFactory } from "./zlib.js";
import { zstdFactory } from "./zstd.js";

/** Built-in codec factories by name. */
export const BUILTIN_CODECS: Readonly<Record<string, CodecFactory>> = {
  bytes: createBytesCodec,
  transpose: createTransposeCodec,
  gzip: createGzipCodec,
  zlib: zlibFactory("zlib"),
  zstd: zstdFactory("zstd"),
  blosc: createBloscCodec,
  crc32c: createCrc32cCodec,
  sharding_indexed: createShardingCodec,
  cast_value: createCastValueCodec,
  scale_offset: createScaleOffsetCodec,
  reshape: createReshapeCodec,
  "vlen-utf8": vlenUtf8Factory("vlen-utf8"),
  "vlen-bytes": vlenBytesFactory("vlen-bytes"),
  "numcodecs.vlen-utf8": vlenUtf8Factory("numcodecs.vlen-utf8"),
  "numcodecs.vlen-bytes": vlenBytesFactory("numcodecs.vlen-bytes"),
  "numcodecs.json2": json2Factory("numcodecs.json2"),
  "numcodecs.zlib": zlibFactory("numcodecs.zlib"),
  "numcodecs.gzip": createNumcodecsGzipCodec,
  "numcodecs.zstd": zstdFactory("numcodecs.zstd"),
  "numcodecs.blosc": createNumcodecsBloscCodec,
  "numcodecs.lz4": createLz4Codec,
  "numcodecs.delta": createDeltaCodec,
  "numcodecs.shuffle": createNumcodecsShuffleCodec,
  "numcodecs.adler32": createAdler32Codec,
  "numcodecs.crc32": createCrc32Codec,
  "numcodecs.fletcher32": createFletcher32Codec,
  "numcodecs.bitround": createBitRoundCodec,
  "numcodecs.fixedscaleoffset": createFixedScaleOffsetCodec,
  "numcodecs.quantize": createQuantizeCodec,
  "numcodecs.astype": createAsTypeCodec,
  "numcodecs.packbits": createPackBitsCodec,
  "numcodecs.bz2": bz2Factory("numcodecs.bz2"),
};
