/**
 * Lazily created instances of the WebAssembly codecs used by several codecs: the numcodecs.js
 * builds of libzstd and LZ4 (encoding, and decoding zstd frames of unknown size) and the
 * `@thewtex/zstddec` build of libzstd's decoder (decoding zstd frames that state their size,
 * 2.4× faster than numcodecs.js: `bench/zstd-decoders.ts`). The modules are loaded on first use,
 * so importing the codec layer costs nothing.
 * @module
 */

/** The part of a numcodecs.js codec zarr-plan uses. */
interface WasmCodec {
  encode(data: Uint8Array): Uint8Array | Promise<Uint8Array>;
  decode(data: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

const zstdCache = new Map<number, Promise<WasmCodec>>();
const lz4Cache = new Map<number, Promise<WasmCodec>>();

/** The numcodecs.js Zstd codec compressing at `level` (1–22; ≤ 0 means 1 there). */
export function zstdWasm(level: number): Promise<WasmCodec> {
  let p = zstdCache.get(level);
  if (!p) {
    p = import("numcodecs/zstd").then((m) => m.default.fromConfig({ id: "zstd", level }));
    zstdCache.set(level, p);
  }
  return p;
}

/**
 * The numcodecs.js LZ4 codec with `acceleration` (≥ 1). Its encoding is numcodecs' framing:
 * a 4-byte little-endian uncompressed size, then one LZ4 block.
 */
export function lz4Wasm(acceleration: number): Promise<WasmCodec> {
  let p = lz4Cache.get(acceleration);
  if (!p) {
    p = import("numcodecs/lz4").then((m) => m.default.fromConfig({ id: "lz4", acceleration }));
    lz4Cache.set(acceleration, p);
  }
  return p;
}

/** A decoder of one zstd frame into exactly the size it states (`@thewtex/zstddec`). */
interface ZstdSizedDecoder {
  /** Decodes into `size` bytes; any other outcome (error, other length) gives a shorter array. */
  decode(data: Uint8Array, size: number): Uint8Array;
}

let zstdDecoder: Promise<ZstdSizedDecoder> | undefined;

/** The `@thewtex/zstddec` decoder, instantiated once per thread. */
export function zstdSizedDecoder(): Promise<ZstdSizedDecoder> {
  if (!zstdDecoder) {
    zstdDecoder = import("@thewtex/zstddec").then(async (m) => {
      const d = new m.ZSTDDecoder();
      await d.init();
      return d;
    });
  }
  return zstdDecoder;
}

/** The part of `@foxglove/wasm-bz2` zarr-plan uses. */
interface Bzip2Decoder {
  decompress(src: Uint8Array, destSize: number): Uint8Array;
}

/** The package's default export (CommonJS `export =`). */
interface Bzip2Module {
  init(): Promise<Bzip2Decoder>;
}

const bzip2Cache: Promise<Bzip2Decoder>[] = [];

/**
 * The `@foxglove/wasm-bz2` build of libbzip2's decoder (decompression only; the output size is
 * given, and a larger output fails with `BZ_OUTBUFF_FULL` instead of growing). Imported by a
 * name bundlers do not follow (its Emscripten loader requires `fs` and `path`, which browser
 * bundles cannot resolve), so in bundled browser code it is unavailable unless the page maps
 * the package (an import map) and serves its `module.wasm`.
 * @throws Error (rejected promise) when the package cannot be loaded.
 */
export function bzip2Wasm(): Promise<Bzip2Decoder> {
  if (bzip2Cache.length === 0) {
    const name = "@foxglove/wasm-bz2";
    bzip2Cache.push(
      (import(/* @vite-ignore */ name) as Promise<{ default: Bzip2Module }>).then((m) =>
        m.default.init(),
      ),
    );
  }
  return bzip2Cache[0]!;
}
