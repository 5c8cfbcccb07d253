/**
 * The two hash-wasm functions zarr-plan uses (CRC-32 and CRC-32C for checksum codecs and zip
 * entries, XXH64 for zstd content checksums), re-exported so that their users can load them on
 * demand (`import("…/hash-wasm-fns.js")`, not a static import: most reads never need them) while
 * bundlers keep only these two (a dynamic import of "hash-wasm" itself would bundle every hash it
 * has).
 * @module
 */
export { crc32, xxhash64 } from "hash-wasm";
