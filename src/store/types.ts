/**
 * The store protocol: a store maps string keys to bytes. Keys are relative, `/`-separated and
 * never start with `/` (e.g. `"geoid/c/0/1"`, `"zarr.json"`; the root prefix is `""`).
 *
 * Follows the abstract store interface of the Zarr v3 core specification (section "Storage").
 * @module
 */

/** A byte range of a value: `length` bytes from `offset`, or the last `suffixLength` bytes. Units: bytes. */
export type RangeQuery = { offset: number; length: number } | { suffixLength: number };

/** Options every store method accepts. */
export interface StoreRequestOptions {
  /** Aborting the signal aborts the request; the method then rejects with an `AbortError`. */
  signal?: AbortSignal;
  /**
   * Largest body the caller accepts, in bytes (a non-negative integer or `Infinity`). A store
   * that can stop early does (`FileSystemStore` checks the file size before reading, `FetchStore`
   * checks `Content-Length`, then counts while streaming and cancels the body at the limit), and
   * answers a larger value with a non-transient `StoreError` (`ERR_STORE`; the message names the
   * key, the size or how far reading went, and the limit). Honoured by `get`; `getRange` answers
   * at most the range's length anyway (`FetchStore` uses it to bound a body it must read whole).
   * An invalid value is a `RangeError`. Stores that ignore it stay correct, only unbounded.
   */
  maxBytes?: number;
}

/** Result of {@link ListableStore.listDir}: direct children of a prefix. */
export interface DirListing {
  /** Keys directly below the prefix (names relative to the prefix, without `/`). */
  keys: string[];
  /** Child "directories" directly below the prefix (names relative to the prefix, without `/`). */
  prefixes: string[];
}

/** Read side of the protocol. `undefined` means the key does not exist. */
export interface ReadableStore {
  /** The whole value at `key`, or `undefined` when missing. Throws `StoreError` / `AbortError`. */
  get(key: string, options?: StoreRequestOptions): Promise<Uint8Array | undefined>;
  /**
   * Part of the value at `key`, or `undefined` when missing. A range past the end is clamped
   * to the value (as HTTP does). Throws `StoreError` / `AbortError`.
   */
  getRange(
    key: string,
    range: RangeQuery,
    options?: StoreRequestOptions,
  ): Promise<Uint8Array | undefined>;
}

/** Write side of the protocol. */
export interface WritableStore {
  /** Stores `value` at `key`, atomically where the medium allows it. */
  set(key: string, value: Uint8Array, options?: StoreRequestOptions): Promise<void>;
  /** Deletes `key`; deleting a missing key is not an error. */
  delete(key: string, options?: StoreRequestOptions): Promise<void>;
}

/** Listing side of the protocol. */
export interface ListableStore {
  /** Every key starting with `prefix` (full keys), in no particular order. */
  list(prefix: string, options?: StoreRequestOptions): Promise<string[]>;
  /** The direct children of `prefix` (`""` or ending in `/`). */
  listDir(prefix: string, options?: StoreRequestOptions): Promise<DirListing>;
}

/** A store that can do everything. */
export interface Store extends ReadableStore, WritableStore, ListableStore {}

/** Any store: at least readable; optionally writable and listable. */
export type AnyStore = ReadableStore & Partial<WritableStore> & Partial<ListableStore>;

/** True when `store` supports `set` and `delete`. */
export function isWritable(store: AnyStore): store is ReadableStore & WritableStore {
  return typeof store.set === "function" && typeof store.delete === "function";
}

/** True when `store` supports `list` and `listDir`. */
export function isListable(store: AnyStore): store is ReadableStore & ListableStore {
  return typeof store.list === "function" && typeof store.listDir === "function";
}
