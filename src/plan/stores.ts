/**
 * Per-store settings shared by every plan that reads a store (concurrency limit, coalescing
 * policy), and how plans name stores (`explain()`, JSON). No IO.
 * @module
 */
import type { ReadableStore } from "../store/types.js";
import { type CoalescePolicy, checkPolicy, DEFAULT_MAX_GAP, DEFAULT_MAX_SIZE } from "./coalesce.js";

/**
 * Default limit of requests in flight per store, shared by all plans reading it: 32.
 *
 * Measured by `bench/plan-defaults.ts` (loopback HTTP server, 20 ms before the first byte of every
 * request, 100 MB/s per connection, FetchStore, 512 GETs of 16 KiB, median of 5, 2 cores):
 * 4 in flight → 3.12 s, 8 → 1.81 s, 16 → 1.04 s, 32 → 0.66 s, 64 → 0.52 s, 128 → 0.59 s. Time
 * halves with each doubling up to 32 (latency-bound); beyond, client and server CPU dominate.
 * 32 is also TensorStore's S3/GCS default, far below S3's 5,500 GET/s per prefix, and keeps the
 * executor's priorities (shard indexes first) meaningful in browsers, which queue requests beyond
 * their per-host connection cap themselves (6 for HTTP/1.1; HTTP/2 multiplexes ~100 streams).
 * Change it per store with {@link configureStore}.
 */
export const DEFAULT_STORE_CONCURRENCY = 32;

/** Settings of one store. */
export interface StoreSettings {
  /** Requests in flight on this store, across all plans (default {@link DEFAULT_STORE_CONCURRENCY}). */
  readonly concurrency: number;
  /** Coalescing gap, bytes (default `DEFAULT_MAX_GAP`). */
  readonly maxGap: number;
  /** Coalescing cap, bytes (default `DEFAULT_MAX_SIZE`). */
  readonly maxSize: number;
}

const settings = new WeakMap<object, StoreSettings>();

/**
 * Sets the concurrency limit and coalescing policy of `store` for every plan built (coalescing) or
 * run (concurrency) afterwards. Fields left out keep their current value.
 * @throws RangeError for a concurrency below 1 or a negative size.
 */
export function configureStore(
  store: ReadableStore,
  options: Partial<StoreSettings>,
): StoreSettings {
  const current = storeSettings(store);
  const next: StoreSettings = Object.freeze({
    concurrency: options.concurrency ?? current.concurrency,
    maxGap: options.maxGap ?? current.maxGap,
    maxSize: options.maxSize ?? current.maxSize,
  });
  if (!(Number.isInteger(next.concurrency) && next.concurrency >= 1)) {
    throw new RangeError(`store concurrency must be an integer >= 1, got ${next.concurrency}`);
  }
  checkPolicy(next);
  settings.set(store, next);
  return next;
}

/** The settings of `store` (defaults unless {@link configureStore} changed them). */
export function storeSettings(store: ReadableStore): StoreSettings {
  return (
    settings.get(store) ?? {
      concurrency: DEFAULT_STORE_CONCURRENCY,
      maxGap: DEFAULT_MAX_GAP,
      maxSize: DEFAULT_MAX_SIZE,
    }
  );
}

/** The coalescing policy of `store`, with `override` fields taking precedence. */
export function storePolicy(
  store: ReadableStore | undefined,
  override?: Partial<CoalescePolicy>,
): CoalescePolicy {
  const s = store ? storeSettings(store) : { maxGap: DEFAULT_MAX_GAP, maxSize: DEFAULT_MAX_SIZE };
  return checkPolicy({
    maxGap: override?.maxGap ?? s.maxGap,
    maxSize: override?.maxSize ?? s.maxSize,
  });
}

/**
 * Where a store points, as plan files spell it: a `FileSystemStore`'s `root` path, a
 * `FetchStore`'s `url`, or that of the store a wrapper (e.g. `CountingStore`) holds in `inner`;
 * `undefined` for stores that have no address (`MemoryStore`, custom stores).
 */
export function storeLocation(store: unknown): string | undefined {
  for (let s = store, depth = 0; s !== null && typeof s === "object" && depth < 8; depth++) {
    const o = s as { root?: unknown; url?: unknown; inner?: unknown };
    if (typeof o.root === "string") return o.root;
    if (o.url instanceof URL) return o.url.href;
    if (typeof o.url === "string") return o.url;
    s = o.inner;
  }
  return undefined;
}

/**
 * A short human name of a store for `explain()`: its location, else its class name (with the
 * stores it wraps, e.g. `CountingStore(MemoryStore)`).
 */
export function storeLabel(store: unknown): string {
  const loc = storeLocation(store);
  if (loc !== undefined) return loc;
  const names: string[] = [];
  for (let s = store, depth = 0; s !== null && typeof s === "object" && depth < 8; depth++) {
    const name = (s as { constructor?: { name?: string } }).constructor?.name;
    names.push(name && name !== "Object" ? name : "store");
    s = (s as { inner?: unknown }).inner;
  }
  return names.length === 0 ? "store" : names.join("(") + ")".repeat(names.length - 1);
}
