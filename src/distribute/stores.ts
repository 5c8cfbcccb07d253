/**
 * The stores a worker opens for the locations of a partition's plan file, counted.
 * @module
 */
import { fileURLToPath } from "node:url";
import { type AnyStore, CountingStore, FetchStore, FileSystemStore } from "../index.js";

/**
 * The store a plan-file location names on a worker: `http(s)://` → `FetchStore`, `file://` or a
 * path → `FileSystemStore` (relative paths from the worker's current directory: submit plan
 * files with absolute locations, as `runOnQueue` callers and `zarr-plan run --queue` do).
 */
export function storeAtLocation(location: string): AnyStore {
  if (/^https?:\/\//i.test(location)) return new FetchStore(location);
  const path = /^file:\/\//i.test(location) ? fileURLToPath(location) : location;
  return new FileSystemStore(path);
}

/** An opener that wraps each store in a `CountingStore` and keeps them for the job's figures. */
export function countingOpener(open: (location: string) => AnyStore | Promise<AnyStore>): {
  open: (location: string) => Promise<AnyStore>;
  counted: () => { bytes: number; requests: number };
} {
  const stores: CountingStore[] = [];
  return {
    open: async (location) => {
      const s = new CountingStore(await open(location));
      stores.push(s);
      return s;
    },
    counted: () => ({
      bytes: stores.reduce((a, s) => a + s.bytes, 0),
      requests: stores.reduce((a, s) => a + s.requests, 0),
    }),
  };
}
