/**
 * The brand that marks zarr-plan's own stores, so {@link asStore} can tell them apart from
 * zarrita.js stores (both have `get`/`getRange`, but zarrita keys start with `/`).
 * @module
 */

import type { AnyStore } from "./types.js";

/**
 * Brand property of zarr-plan stores (`Symbol.for("zarr-plan.store")`, shared across copies of
 * the library). A custom store implementing the zarr-plan protocol (keys without a leading `/`)
 * should set `[STORE_BRAND] = true` so `asStore` passes it through instead of wrapping it as a
 * zarrita.js store.
 */
export const STORE_BRAND: unique symbol = Symbol.for("zarr-plan.store");

/** True when `value` carries {@link STORE_BRAND} and has the read methods of the protocol. */
export function isZarrPlanStore(value: unknown): value is AnyStore {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return false;
  const candidate = value as { [STORE_BRAND]?: unknown; get?: unknown; getRange?: unknown };
  return (
    candidate[STORE_BRAND] === true &&
    typeof candidate.get === "function" &&
    typeof candidate.getRange === "function"
  );
}
