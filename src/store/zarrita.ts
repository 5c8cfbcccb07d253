/**
 * Interop with zarrita.js (`zarrita`, `@zarrita/storage`) stores, whose keys are absolute paths
 * (`"/a/c/0"`), and {@link asStore}, which accepts either kind of store.
 * @module
 */

import { AbortError, StoreError, throwIfAborted, ZarrPlanError } from "../core/errors.js";
import { isAbortLike } from "./abort.js";
import { isZarrPlanStore, STORE_BRAND } from "./brand.js";
import { assertKey } from "./keys.js";
import { assertRange, sliceRange } from "./range.js";
import type { AnyStore, RangeQuery, ReadableStore, StoreRequestOptions } from "./types.js";

/** A zarrita.js store key: an absolute path such as `"/a/c/0"`. */
export type AbsolutePath = `/${string}`;

/**
 * The shape of a zarrita.js readable store (`AsyncReadable` / `Readable` of `@zarrita/storage`):
 * `get` and optional `getRange`, keys starting with `/`, results possibly synchronous. A
 * `Map<string, Uint8Array>` whose keys start with `/` also fits.
 */
export interface ZarritaStoreLike {
  get(
    key: AbsolutePath,
    options?: RequestInit,
  ): Uint8Array | undefined | Promise<Uint8Array | undefined>;
  getRange?(
    key: AbsolutePath,
    range: RangeQuery,
    options?: RequestInit,
  ): Uint8Array | undefined | Promise<Uint8Array | undefined>;
}

/**
 * True when `value` looks like a zarrita.js store: an object with a `get` method, an optional
 * `getRange` method, and no zarr-plan brand (`STORE_BRAND`). Key style cannot be checked at run
 * time, so a custom zarr-plan-protocol store should carry the brand.
 */
export function isZarritaStore(value: unknown): value is ZarritaStoreLike {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return false;
  if (isZarrPlanStore(value)) return false;
  const candidate = value as { get?: unknown; getRange?: unknown };
  return (
    typeof candidate.get === "function" &&
    (candidate.getRange === undefined || typeof candidate.getRange === "function")
  );
}

/**
 * Wraps a zarrita.js store as a read-only zarr-plan {@link ReadableStore} (Zarr v3 core,
 * "Storage"): key `"a/c/0"` becomes `"/a/c/0"` and `{ signal }` is passed as the request options.
 * Without `getRange` on the wrapped store, ranges are served by `get` and slicing (bytes). A
 * `getRange` answer longer than the requested length is taken as the whole value (zarrita's
 * `FetchStore` returns the full body when a server ignores `Range`) and sliced.
 *
 * Errors: an invalid key → `StoreError`; an invalid range → `RangeError`; an aborted signal →
 * `AbortError`; anything the wrapped store throws → `StoreError` naming the key, with `cause`.
 */
export function fromZarritaStore(store: ZarritaStoreLike): ReadableStore {
  return new ZarritaStoreAdapter(store);
}

/**
 * `store` as a zarr-plan store: zarr-plan stores (branded with `STORE_BRAND`) are returned
 * unchanged, zarrita.js stores are wrapped with {@link fromZarritaStore}.
 * @throws TypeError when `store` is neither.
 */
export function asStore(store: unknown): AnyStore {
  if (isZarrPlanStore(store)) return store;
  if (isZarritaStore(store)) return fromZarritaStore(store);
  const hint =
    typeof store === "string"
      ? " (for a URL or a path use new FetchStore(url) or new FileSystemStore(path))"
      : "";
  throw new TypeError(
    `Expected a zarr-plan store (MemoryStore, FileSystemStore, FetchStore, ...) or a zarrita.js store with get(key) and an optional getRange(key, range); got ${describe(store)}${hint}`,
  );
}

class ZarritaStoreAdapter implements ReadableStore {
  readonly [STORE_BRAND] = true as const;
  readonly #inner: ZarritaStoreLike;

  constructor(inner: ZarritaStoreLike) {
    this.#inner = inner;
  }

  async get(key: string, options?: StoreRequestOptions): Promise<Uint8Array | undefined> {
    const signal = options?.signal;
    const path = toPath(key);
    throwIfAborted(signal, key);
    const value = await this.#call(key, signal, () => this.#inner.get(path, requestInit(signal)));
    throwIfAborted(signal, key);
    return value;
  }

  async getRange(
    key: string,
    range: RangeQuery,
    options?: StoreRequestOptions,
  ): Promise<Uint8Array | undefined> {
    assertRange(range, key);
    const inner = this.#inner;
    if (inner.getRange === undefined) {
      const whole = await this.get(key, options);
      return whole === undefined ? undefined : sliceRange(whole, range);
    }
    const signal = options?.signal;
    const path = toPath(key);
    throwIfAborted(signal, key);
    const value = await this.#call(key, signal, () =>
      inner.getRange?.(path, range, requestInit(signal)),
    );
    throwIfAborted(signal, key);
    if (value === undefined) return undefined;
    const limit = "suffixLength" in range ? range.suffixLength : range.length;
    return value.length > limit ? sliceRange(value, range) : value;
  }

  async #call(
    key: string,
    signal: AbortSignal | undefined,
    read: () => Uint8Array | undefined | Promise<Uint8Array | undefined>,
  ): Promise<Uint8Array | undefined> {
    try {
      return await read();
    } catch (error) {
      if (error instanceof ZarrPlanError) throw error;
      if (signal?.aborted || isAbortLike(error)) {
        throw new AbortError(`Aborted while reading "${key}"`, key, { cause: error });
      }
      const detail = error instanceof Error ? error.message : String(error);
      throw new StoreError(`zarrita store failed to read "${key}": ${detail}`, {
        key,
        cause: error,
      });
    }
  }
}

function toPath(key: string): AbsolutePath {
  assertKey(key);
  return `/${key}`;
}

function requestInit(signal: AbortSignal | undefined): RequestInit | undefined {
  return signal === undefined ? undefined : { signal };
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object")
    return `an object without a get method (${Object.prototype.toString.call(value)})`;
  return typeof value === "function"
    ? "a function without a get method"
    : `${typeof value} ${JSON.stringify(value)}`;
}
