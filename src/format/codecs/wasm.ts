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
