/**
 * An in-memory store, for tests, caches and arrays built in memory.
 * @module
 */

import { throwIfAborted } from "../core/errors.js";
import { STORE_BRAND } from "./brand.js";
import { assertKey, assertPrefix, dirPrefix } from "./keys.js";
import { assertByteLimit, tooLargeError } from "./limits.js";
import { assertRange, sliceRange } from "./range.js";
import {
  ABSENT_VERSION,
  type ConditionalStore,
  type DirListing,
  type RangeQuery,
  type Store,
  type StoreRequestOptions,
  type StoreVersion,
  type VersionedValue,
} from "./types.js";
import { valueBytes } from "./value.js";

/**
 * Initial content of a {@link MemoryStore}: a map or a record from keys to values (bytes: a
 * `Uint8Array`, another TypedArray or a `DataView`, see {@link MemoryStore.set}).
 */
export type MemoryStoreInit =
  | ReadonlyMap<string, ArrayBufferView>
  | Iterable<readonly [string, ArrayBufferView]>
  | Readonly<Record<string, ArrayBufferView>>;

/**
 * A {@link Store} that keeps every value in a `Map<string, Uint8Array>`.
 * Follows the abstract store interface of the Zarr v3 core specification ("Storage").
 *
 * Values are copied on the way in (`set`, constructor) and on the way out (`get`, `getRange`),
 * so callers can never mutate what is stored. `set` is atomic. Every method rejects with an
 * `AbortError` when `options.signal` is already aborted, with a `StoreError` for an invalid key
 * (see `assertKey`), with a `RangeError` for an invalid range, and `set` with a `ZarrPlanError`
 * `ERR_STORE_VALUE` for a value that is not bytes.
 *
 * Conditional writes ({@link ConditionalStore}): every key carries a generation, a number the
 * store takes from one counter at each `set` (or `setIf`) of it, so a version is never reused, not
 * even after a delete; versions are `"g<number>"`.
 */
export class MemoryStore implements Store, ConditionalStore {
  /** Marks zarr-plan stores (see `STORE_BRAND`). */
  readonly [STORE_BRAND] = true as const;
  readonly #values = new Map<string, Uint8Array>();
  /** The generation of each stored key (same keys as `#values`). */
  readonly #generations = new Map<string, number>();
  #nextGeneration = 1;

  /**
   * @param init initial keys and values (copied); a `Map`, an iterable of entries or a record.
   * @throws StoreError for an invalid key; ZarrPlanError `ERR_STORE_VALUE` for a value that is not bytes.
   */
  constructor(init?: MemoryStoreInit) {
    if (init === undefined) return;
    const entries =
      Symbol.iterator in init
        ? (init as Iterable<readonly [string, ArrayBufferView]>)
        : Object.entries(init as Readonly<Record<string, ArrayBufferView>>);
    for (const [key, value] of entries) {
      assertKey(key);
      this.#store(key, new Uint8Array(valueBytes(key, value)));
    }
  }

  /** Number of stored keys. */
  get size(): number {
    return this.#values.size;
  }

  /**
   * A copy of the whole value at `key` (bytes), or `undefined` when missing.
   * @throws StoreError (not transient) when the value is longer than `options.maxBytes`;
   * RangeError for an invalid `maxBytes`.
   */
  async get(key: string, options?: StoreRequestOptions): Promise<Uint8Array | undefined> {
    throwIfAborted(options?.signal, key);
    assertKey(key);
    const maxBytes = options?.maxBytes;
    assertByteLimit(maxBytes, "maxBytes");
    const value = this.#values.get(key);
    if (value === undefined) return undefined;
    if (maxBytes !== undefined && value.length > maxBytes) {
      throw tooLargeError(key, undefined, value.length, maxBytes, "maxBytes");
    }
    return new Uint8Array(value);
  }

  /** A copy of the bytes of `key` selected by `range` (clamped to the value), or `undefined`. */
  async getRange(
    key: string,
    range: RangeQuery,
    options?: StoreRequestOptions,
  ): Promise<Uint8Array | undefined> {
    throwIfAborted(options?.signal, key);
    assertKey(key);
    assertRange(range, key);
    const value = this.#values.get(key);
    return value === undefined ? undefined : sliceRange(value, range);
  }

  /**
   * Stores a copy of the bytes of `value` at `key`: a `Uint8Array`, or any other TypedArray or a
   * `DataView` by its bytes (`byteLength` bytes in platform byte order), so later changes by the
   * caller do not alter the stored value.
   * @throws ZarrPlanError `ERR_STORE_VALUE` naming the key and the value's type for anything else.
   */
  async set(key: string, value: ArrayBufferView, options?: StoreRequestOptions): Promise<void> {
    throwIfAborted(options?.signal, key);
    assertKey(key);
    this.#store(key, new Uint8Array(valueBytes(key, value)));
  }

  /** Deletes `key`; a missing key is not an error. */
  async delete(key: string, options?: StoreRequestOptions): Promise<void> {
    throwIfAborted(options?.signal, key);
    assertKey(key);
    this.#values.delete(key);
    this.#generations.delete(key);
  }

  /**
   * A copy of the value at `key` and its generation (`ABSENT_VERSION` when missing); see
   * {@link ConditionalStore.getVersioned}.
   * @throws StoreError (not transient) when the value is longer than `options.maxBytes`.
   */
  async getVersioned(key: string, options?: StoreRequestOptions): Promise<VersionedValue> {
    const value = await this.get(key, options);
    return { value, version: this.#version(key) };
  }

  /**
   * Stores a copy of `value` at `key` if the key's version is `expected`; see
   * {@link ConditionalStore.setIf}.
   * @returns false (nothing stored) when the key has another version.
   */
  async setIf(
    key: string,
    value: ArrayBufferView,
    expected: StoreVersion,
    options?: StoreRequestOptions,
  ): Promise<boolean> {
    throwIfAborted(options?.signal, key);
    assertKey(key);
    const bytes = new Uint8Array(valueBytes(key, value));
    if (this.#version(key) !== expected) return false;
    this.#store(key, bytes);
    return true;
  }

  /**
   * Deletes `key` if its version is `expected`; see {@link ConditionalStore.deleteIf}.
   * @returns true when the key is gone; false (nothing deleted) when it has another version.
   */
  async deleteIf(
    key: string,
    expected: StoreVersion,
    options?: StoreRequestOptions,
  ): Promise<boolean> {
    throwIfAborted(options?.signal, key);
    assertKey(key);
    if (this.#version(key) !== expected) return false;
    this.#values.delete(key);
    this.#generations.delete(key);
    return true;
  }

  /** Stores `bytes` (owned) at `key` under a fresh generation. */
  #store(key: string, bytes: Uint8Array): void {
    this.#values.set(key, bytes);
    this.#generations.set(key, this.#nextGeneration++);
  }

  /** The current version of `key`. */
  #version(key: string): StoreVersion {
    const generation = this.#generations.get(key);
    return generation === undefined ? ABSENT_VERSION : `g${generation}`;
  }

  /** Every key starting with `prefix` (a plain string prefix), sorted. */
  async list(prefix = "", options?: StoreRequestOptions): Promise<string[]> {
    throwIfAborted(options?.signal, prefix);
    assertPrefix(prefix);
    return [...this.#values.keys()].filter((key) => key.startsWith(prefix)).sort();
  }

  /**
   * The direct children of `prefix` (`""` or a prefix ending in `/`; a missing trailing `/` is
   * added), sorted: keys directly below it and the names of deeper "directories".
   */
  async listDir(prefix = "", options?: StoreRequestOptions): Promise<DirListing> {
    throwIfAborted(options?.signal, prefix);
    const dir = dirPrefix(prefix);
    assertPrefix(dir);
    const keys: string[] = [];
    const prefixes = new Set<string>();
    for (const key of this.#values.keys()) {
      if (!key.startsWith(dir)) continue;
      const rest = key.slice(dir.length);
      const slash = rest.indexOf("/");
      if (slash === -1) keys.push(rest);
      else prefixes.add(rest.slice(0, slash));
    }
    return { keys: keys.sort(), prefixes: [...prefixes].sort() };
  }
}
