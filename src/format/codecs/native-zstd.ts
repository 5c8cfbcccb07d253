/**
 * libzstd through the `zstd-napi` Node-API binding, when it is installed and loads (it is an
 * optional dependency, built from source by node-gyp at install time). It decodes about 2.5–5×
 * faster than the WebAssembly builds and writes straight into a caller's buffer. Browsers get
 * `native-zstd.browser.ts` through the package's `"browser"` field, and Node without the binding
 * gets `undefined`: `zstd.ts` then decodes with WebAssembly (same bytes out, same errors).
 * @module
 */
import { createRequire } from "node:module";

/** The two libzstd calls `zstd.ts` uses. */
export interface NativeZstd {
  /**
   * `ZSTD_decompress` into `dst`: decodes every frame of `src` (skippable frames skipped, content
   * checksums verified) and returns the number of bytes written.
   * @throws Error with libzstd's message for corrupt or truncated data, or when the output does
   *   not fit in `dst` ("Destination buffer is too small").
   */
  decompress(dst: Uint8Array, src: Uint8Array): number;
  /**
   * `ZSTD_compress` of `src` at `level` into `dst` (at least `compressBound(src.length)` bytes);
   * returns the frame's length.
   */
  compress(dst: Uint8Array, src: Uint8Array, level: number): number;
}

function load(): NativeZstd | undefined {
  try {
    const binding = createRequire(import.meta.url)("zstd-napi/binding") as {
      decompress(dst: Uint8Array, src: Uint8Array): number;
      compress(dst: Uint8Array, src: Uint8Array, level: number): number;
    };
    if (typeof binding.decompress !== "function" || typeof binding.compress !== "function") return;
    return { decompress: binding.decompress, compress: binding.compress };
  } catch {
    return undefined;
  }
}

/** libzstd through Node-API, or `undefined` when the optional binding is not installed. */
export const nativeZstd: NativeZstd | undefined = load();
