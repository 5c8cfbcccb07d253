/**
 * The benchmarked clients. Each run gets a fresh client (new store objects, so no cache survives
 * from one repetition to the next) over the benchmark server's base URL.
 *
 * - `zarr-plan`: this library's {@link FetchStore} and public API (`openArray`, `openGroup`,
 *   `lazy()` selections, `plan` when the public API exports it).
 * - `zarrita`: zarrita.js 0.7.5 as shipped: `new zarr.FetchStore(url)` (shard indexes are then read
 *   by a `HEAD` plus a range request) and `zarr.open` (format auto-detection, v2 keys first on a
 *   fresh store).
 * - `zarrita-tuned`: `new zarr.FetchStore(url, { useSuffixRequest: true })` wrapped in
 *   `zarr.withRangeCoalescing`, and `zarr.open.v3`.
 * @module
 */

import * as zarr from "zarrita";
import * as zp from "../src/index.js";

export type ClientName = "zarr-plan" | "zarrita" | "zarrita-tuned";

export const CLIENT_NAMES: readonly ClientName[] = ["zarr-plan", "zarrita", "zarrita-tuned"];

/** What a zarrita store must offer for these benchmarks (sharding needs `getRange`). */
export type ZarritaStore = Required<zarr.AsyncReadable>;
/** An opened zarrita array. */
export type ZarritaArray = zarr.Array<zarr.DataType, ZarritaStore>;
/** An opened zarrita group. */
export type ZarritaGroup = zarr.Group<ZarritaStore>;

/** A zarr-plan client. */
export interface ZarrPlanClient {
  readonly kind: "zarr-plan";
  readonly name: "zarr-plan";
  /** A fresh store rooted at `url` (ending in `/`). */
  store(url: string): zp.FetchStore;
}

/** A zarrita.js client (as shipped or tuned). */
export interface ZarritaClient {
  readonly kind: "zarrita";
  readonly name: "zarrita" | "zarrita-tuned";
  /** A fresh store rooted at `url` (ending in `/`). */
  store(url: string): ZarritaStore;
  /** Opens the array at `path` (no leading slash; `""` = the store root). */
  openArray(store: ZarritaStore, path: string, signal?: AbortSignal): Promise<ZarritaArray>;
  /** Opens the group at `path`. */
  openGroup(store: ZarritaStore, path: string, signal?: AbortSignal): Promise<ZarritaGroup>;
  /** The store wrapped with the consolidated metadata found at its root. */
  withConsolidated(store: ZarritaStore): Promise<ZarritaStore>;
}

export type Client = ZarrPlanClient | ZarritaClient;

function location(store: ZarritaStore, path: string): zarr.Location<ZarritaStore> {
  const root = zarr.root(store);
  return path === "" ? root : root.resolve(path);
}

const zarrPlan: ZarrPlanClient = {
  kind: "zarr-plan",
  name: "zarr-plan",
  store: (url) => new zp.FetchStore(url),
};

const zarritaShipped: ZarritaClient = {
  kind: "zarrita",
  name: "zarrita",
  store: (url) => new zarr.FetchStore(url) as ZarritaStore,
  openArray: (store, path, signal) => zarr.open(location(store, path), { kind: "array", signal }),
  openGroup: (store, path, signal) => zarr.open(location(store, path), { kind: "group", signal }),
  withConsolidated: async (store) => (await zarr.withConsolidatedMetadata(store)) as ZarritaStore,
};

const zarritaTuned: ZarritaClient = {
  kind: "zarrita",
  name: "zarrita-tuned",
  store: (url) =>
    zarr.withRangeCoalescing(
      new zarr.FetchStore(url, { useSuffixRequest: true }) as ZarritaStore,
    ) as ZarritaStore,
  openArray: (store, path, signal) =>
    zarr.open.v3(location(store, path), { kind: "array", signal }),
  openGroup: (store, path, signal) =>
    zarr.open.v3(location(store, path), { kind: "group", signal }),
  withConsolidated: async (store) =>
    (await zarr.withConsolidatedMetadata(store, { format: "v3" })) as ZarritaStore,
};

/** The client called `name`. */
export function client(name: ClientName): Client {
  switch (name) {
    case "zarr-plan":
      return zarrPlan;
    case "zarrita":
      return zarritaShipped;
    case "zarrita-tuned":
      return zarritaTuned;
  }
}

/** A plan over several lazy reads, as `plan({ name: lazyArray })` returns it. */
export interface PlanLike {
  read(options?: zp.ReadOptions): Promise<Record<string, zp.NDArray> | Map<string, zp.NDArray>>;
}

/**
 * zarr-plan's multi-array `plan` when `src/index.ts` exports it (looked up at run time: the planner
 * is being built), else `undefined`.
 */
export function zarrPlanPlan(): ((reads: Record<string, zp.LazyArray>) => PlanLike) | undefined {
  const fn = (zp as unknown as Record<string, unknown>).plan;
  if (typeof fn !== "function") return undefined;
  return (reads) => (fn as (r: Record<string, zp.LazyArray>) => PlanLike)(reads);
}
