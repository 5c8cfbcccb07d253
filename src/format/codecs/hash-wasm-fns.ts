/**
 * The two hash-wasm functions the checksums use, re-exported so that `checksums.ts` can load them
 * on demand while bundlers keep only these two (a dynamic import of "hash-wasm" itself would bundle
 * every hash it has).
 * @module
 */
export { crc32, xxhash64 } from "hash-wasm";
