/** The two transports of FetchStore, for tests that run every case on both with a real server. */
import { FetchStore, type FetchStoreOptions } from "../../src/index.js";

/** Both transports of FetchStore. */
export const TRANSPORTS = ["fetch", "node"] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** A FetchStore on `transport`, unless the options inject a `fetch` (then the fetch transport). */
export const opener =
  (transport: Transport) =>
  (url: string, options: FetchStoreOptions = {}): FetchStore =>
    new FetchStore(url, options.fetch === undefined ? { transport, ...options } : options);
