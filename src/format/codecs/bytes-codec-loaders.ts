/**
 * The built-in bytes→bytes codecs, each loaded on demand: codec name → a function that imports
 * the codec's module and returns its factory (the same factory `builtins.ts` registers).
 *
 * A decode worker (`exec/decode-handler.ts`) builds the codecs it is asked to run from here, so it
 * loads the modules of those codecs only, and their dependencies, instead of the whole registry:
 * a Node worker that decodes zstd alone leaves fflate and the other codecs' modules unloaded (a W2
 * read's peak memory fell by about 7 MiB with two workers), and a browser worker fetches less.
 *
 * Every built-in codec of kind `bytes_to_bytes` has an entry (tests/unit/exec/worker-codecs.test.ts
 * checks it against `BUILTIN_CODECS`, and that each loaded codec writes and reads the same bytes).
 * @module
 */
import type { CodecFactory } from "./types.js";

/** Built-in bytes→bytes codec name → loader of its factory. */
export const BYTES_CODEC_LOADERS: Readonly<Record<string, () => Promise<CodecFactory>>> = {
  gzip: async () => (await import("./gzip.js")).createGzipCodec,
  zlib: async () => (await import("./zlib.js")).zlibFactory("zlib"),
  zstd: async () => (await import("./zstd.js")).zstdFactory("zstd"),
  blosc: async () => (await import("./blosc.js")).createBloscCodec,
  crc32c: async () => (await import("./crc32c.js")).createCrc32cCodec,
  "numcodecs.zlib": async () => (await import("./zlib.js")).zlibFactory("numcodecs.zlib"),
  "numcodecs.gzip": async () => (await import("./gzip.js")).createNumcodecsGzipCodec,
  "numcodecs.zstd": async () => (await import("./zstd.js")).zstdFactory("numcodecs.zstd"),
  "numcodecs.blosc": async () => (await import("./blosc.js")).createNumcodecsBloscCodec,
  "numcodecs.lz4": async () => (await import("./lz4.js")).createLz4Codec,
  "numcodecs.delta": async () => (await import("./delta.js")).createDeltaCodec,
  "numcodecs.shuffle": async () =>
    (await import("./numcodecs-shuffle.js")).createNumcodecsShuffleCodec,
  "numcodecs.adler32": async () => (await import("./checksum32.js")).createAdler32Codec,
  "numcodecs.crc32": async () => (await import("./checksum32.js")).createCrc32Codec,
  "numcodecs.fletcher32": async () => (await import("./fletcher32.js")).createFletcher32Codec,
  "numcodecs.bitround": async () => (await import("./bitround.js")).createBitRoundCodec,
  "numcodecs.fixedscaleoffset": async () =>
    (await import("./fixedscaleoffset.js")).createFixedScaleOffsetCodec,
  "numcodecs.quantize": async () => (await import("./quantize.js")).createQuantizeCodec,
  "numcodecs.astype": async () => (await import("./astype.js")).createAsTypeCodec,
  "numcodecs.packbits": async () => (await import("./packbits.js")).createPackBitsCodec,
  "numcodecs.bz2": async () => (await import("./bz2.js")).bz2Factory("numcodecs.bz2"),
};
