/**
 * Where a store points, as plan files and `explain()` name it, and the store a location names.
 * @module
 */
import type { ReadableStore } from "./types.js";

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

/** True when `location` is an `http://` or `https://` URL (else it is a filesystem path). */
function isUrl(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

/**
 * `open`, keeping the store it gives for each http(s) location for the life of the returned
 * opener (object state, not module state), so one `FetchStore`'s keep-alive connections serve
 * every plan file that names the location; any other location is opened anew each time.
 */
export function reusingUrlStores<S>(open: (location: string) => S): (location: string) => S {
  const stores = new Map<string, S>();
  return (location) => {
    if (!isUrl(location)) return open(location);
    if (!stores.has(location)) stores.set(location, open(location));
    return stores.get(location) as S;
  };
}

/**
 * The store a plan-file location names: an http(s) URL → `FetchStore`, anything else → a
 * `FileSystemStore` rooted there (Node only). Loaded on demand so browser bundles that never open
 * a path do not pull in `node:fs`.
 */
export async function openStoreAt(location: string): Promise<ReadableStore> {
  if (isUrl(location)) {
    const { FetchStore } = await import("./fetch.js");
    return new FetchStore(location);
  }
  const { FileSystemStore } = await import("./fs.js");
  return new FileSystemStore(location);
}
