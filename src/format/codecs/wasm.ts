/**
 * Lazily created instances of the numcodecs.js WebAssembly codecs (zstd, LZ4) used by several
 * codecs. The modules are loaded on first use, so importing the codec layer costs nothing.
 * @module
 */

/** The part of a numcodecs.js codec zarr-plan uses. */
export interface WasmCodec {
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
