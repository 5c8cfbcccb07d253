/**
 * The store protocol: a store maps string keys to bytes. Keys are relative, `/`-separated and
 * never start with `/` (e.g. `"geoid/c/0/1"`, `"zarr.json"`; the root prefix is `""`).
 *
 * Follows the abstract store interface of the Zarr v3 core specification (section "Storage").
 * @module
 */
import type { HttpConnections } from "./http-connections.js";

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
  /**
   * Memory for a value of known length, in bytes: a store that reads a value into memory of its
   * own (`FetchStore`, for bodies with a `Content-Length` or a `206` answer) may ask for it here
   * instead of allocating, and must then return a view of it (or of a copy). The returned array
   * holds exactly `length` bytes. Given by the Context to reuse body memory under a byte budget;
   * stores may ignore it. Rejects (e.g. `AbortError`) make the request fail.
   */
  allocate?: (length: number) => Promise<Uint8Array>;
  /**
   * Keep-alive connections to send the request on and keep (`FetchStore`'s `"node"` transport):
   * stores given the same object share connections instead of each opening its own. The Context
   * passes its own with every request it makes; stores that open no connections ignore it.
   */
  connections?: HttpConnections;
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

/**
 * The version of a stored value, as a {@link ConditionalStore} reports it: an opaque string that
 * changes whenever the value does (compare with `===`, never parse it). Plays the role of an HTTP
 * entity tag (RFC 9110 §8.8.3) or a TensorStore storage generation. Every store gives a missing
 * key the version {@link ABSENT_VERSION}.
 */
export type StoreVersion = string;

/**
 * The version of a key that does not exist, in every {@link ConditionalStore}: `setIf(key, value,
 * ABSENT_VERSION)` creates `key` only if it is missing (HTTP `If-None-Match: *`, TensorStore's
 * "no value" generation).
 */
export const ABSENT_VERSION: StoreVersion = "";

/** Result of {@link ConditionalStore.getVersioned}: a value and the version it was read at. */
export interface VersionedValue {
  /** The whole value, or `undefined` when the key is missing. */
  readonly value: Uint8Array | undefined;
  /** The version of `value`; {@link ABSENT_VERSION} when the key is missing. */
  readonly version: StoreVersion;
}

/**
 * Optional capability of a writable store: conditional writes (compare-and-set), for
 * read-modify-write cycles that must not lose a concurrent writer's update. Modelled on HTTP
 * conditional requests (`If-Match` / `If-None-Match`, RFC 9110 §13.1), as object stores offer them
 * (ETags; GCS generations), and on TensorStore's storage generations: read a value with its
 * version, compute the new value, then store it only if the key still has that version; when it
 * does not, nothing is written and the caller reads again.
 *
 * Each conditional operation is atomic with respect to every other write of the same key through
 * the same medium (`set`, `delete`, `setIf`, `deleteIf`), also from other processes where the store
 * says so (`FileSystemStore` on one machine). `ZarrArray.write` uses it for partially covered
 * chunks when the store has it (see {@link isConditional}).
 */
export interface ConditionalStore {
  /**
   * The whole value at `key` and its version (a missing key: `value` `undefined`, version
   * {@link ABSENT_VERSION}). Honours `options.maxBytes` as `get` does.
   * @throws StoreError; AbortError.
   */
  getVersioned(key: string, options?: StoreRequestOptions): Promise<VersionedValue>;
  /**
   * Stores `value` at `key` if the key's current version is `expected` (a version from
   * {@link getVersioned}, or {@link ABSENT_VERSION}: only if missing), atomically.
   * @returns true when stored; false when the key has another version (someone else changed it):
   * nothing was written.
   * @throws StoreError; AbortError (the key then has either version).
   */
  setIf(
    key: string,
    value: Uint8Array,
    expected: StoreVersion,
    options?: StoreRequestOptions,
  ): Promise<boolean>;
  /**
   * Deletes `key` if its current version is `expected`, atomically. With {@link ABSENT_VERSION}:
   * true when the key is missing.
   * @returns true when the key is now gone (deleted, or missing as expected); false when it has
   * another version: nothing was deleted.
   * @throws StoreError; AbortError.
   */
  deleteIf(key: string, expected: StoreVersion, options?: StoreRequestOptions): Promise<boolean>;
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

/** True when `store` supports conditional writes ({@link ConditionalStore}) besides `set` and `delete`. */
export function isConditional(
  store: AnyStore,
): store is ReadableStore & WritableStore & ConditionalStore {
  const s = store as AnyStore & Partial<ConditionalStore>;
  return (
    isWritable(store) &&
    typeof s.getVersioned === "function" &&
    typeof s.setIf === "function" &&
    typeof s.deleteIf === "function"
  );
}
