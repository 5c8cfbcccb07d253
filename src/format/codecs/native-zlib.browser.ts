/**
 * Browsers have no `node:zlib`: `inflate.ts` then decodes with fflate's streaming decoder.
 * @module
 */
import type { nativeInflateRaw as Native } from "./native-zlib.js";

/** Not available in browsers. */
export const nativeInflateRaw: typeof Native | undefined = undefined;
