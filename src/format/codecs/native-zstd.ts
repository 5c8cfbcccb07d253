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
  /**
   * A decoder of frame prefixes with a decompression context of its own (`ZSTD_DCtx`, reused by
   * every call): `decode(dst, src)` streams the zstd frame at the start of `src`
   * (`ZSTD_decompressStream`) until `dst` is full or the frame ends, then abandons the frame
   * (`ZSTD_DCtx_reset`, session only), and returns the bytes written. libzstd decodes whole
   * blocks (at most 128 KiB each, RFC 8878 §3.1.1.2.4), so the work stops at the end of the block
   * that completes `dst`; blocks after it are neither decoded nor checked, nor is the frame's
   * content checksum.
   * Absent when the installed binding has no `DCtx`.
   * @throws Error with libzstd's message for corrupt data within the blocks decoded.
   */
  prefixDecoder?(): (dst: Uint8Array, src: Uint8Array) => number;
}

/** The part of `zstd-napi`'s `DCtx` (`binding.d.ts`) a prefix decoder uses. */
interface NativeDCtx {
  decompressStream(dst: Uint8Array, src: Uint8Array): [number, number, number];
  reset(directive: number): void;
}

function load(): NativeZstd | undefined {
  try {
    const binding = createRequire(import.meta.url)("zstd-napi/binding") as {
      decompress(dst: Uint8Array, src: Uint8Array): number;
      compress(dst: Uint8Array, src: Uint8Array, level: number): number;
      DCtx: new () => NativeDCtx;
      ResetDirective: { sessionOnly: number };
    };
    if (typeof binding.decompress !== "function" || typeof binding.compress !== "function") return;
    const { DCtx, ResetDirective } = binding;
    const base = { decompress: binding.decompress, compress: binding.compress };
    if (typeof DCtx !== "function" || typeof ResetDirective?.sessionOnly !== "number") return base;
    return {
      ...base,
      prefixDecoder: () => {
        const dctx = new DCtx();
        return (dst, src) => decodePrefix(dctx, ResetDirective.sessionOnly, dst, src);
      },
    };
  } catch {
    return undefined;
  }
}

/** See {@link NativeZstd.prefixDecoder}. */
function decodePrefix(dctx: NativeDCtx, reset: number, dst: Uint8Array, src: Uint8Array): number {
  let written = 0;
  let read = 0;
  try {
    while (written < dst.length) {
      const [left, w, r] = dctx.decompressStream(dst.subarray(written), src.subarray(read));
      written += w;
      read += r;
      // The frame ended (0), or no progress: nothing more to write.
      if (left === 0 || (w === 0 && r === 0)) break;
    }
  } finally {
    dctx.reset(reset);
  }
  return written;
}

/** libzstd through Node-API, or `undefined` when the optional binding is not installed. */
export const nativeZstd: NativeZstd | undefined = load();
