/**
 * Browsers have no Node-API: `zstd.ts` then decodes with the WebAssembly builds of libzstd.
 * @module
 */
import type { NativeZstd } from "./native-zstd.js";

/** Not available in browsers. */
export const nativeZstd: NativeZstd | undefined = undefined;
