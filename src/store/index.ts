/**
 * Stores: the store protocol (Zarr v3 core, "Storage") and its implementations.
 *
 * `FileSystemStore` needs Node (`node:fs`); the other stores (`ZipStore` included) run in Node and
 * browsers.
 * @module
 */

export { isZarrPlanStore, STORE_BRAND } from "./brand.js";
export { CountingStore, type RequestRecord } from "./counting.js";
export { FetchStore, type FetchStoreOptions, type FetchStoreTransport } from "./fetch.js";
export { FileSystemStore, type FileSystemStoreOptions } from "./fs.js";
export { HttpConnections } from "./http-connections.js";
export type { CrossOriginRedirectPolicy } from "./http-redirect.js";
export { assertKey } from "./keys.js";
export { MemoryStore, type MemoryStoreInit } from "./memory.js";
export { assertRange, type ByteSpan, resolveRange, sliceRange } from "./range.js";
export {
  ABSENT_VERSION,
  type AnyStore,
  type ConditionalStore,
  type DirListing,
  isConditional,
  isListable,
  isWritable,
  type ListableStore,
  type RangeQuery,
  type ReadableStore,
  type Store,
  type StoreRequestOptions,
  type StoreVersion,
  type VersionedValue,
  type WritableStore,
} from "./types.js";
export {
  type AbsolutePath,
  asStore,
  fromZarritaStore,
  isZarritaStore,
  type ZarritaStoreLike,
} from "./zarrita.js";
export { ZipStore, type ZipStoreOptions } from "./zip.js";
export { type WriteZipOptions, writeZip } from "./zip-write.js";
