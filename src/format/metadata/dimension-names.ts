/**
 * Dimension names of an array: v3 `dimension_names`, else the v2 xarray convention, the
 * `_ARRAY_DIMENSIONS` attribute (a list of one string per dimension). Pure.
 * @module
 */
import type { ArrayMetadata } from "../model.js";

/**
 * The array's dimension names, one per dimension (`null` for an unnamed one), or `null` when it
 * has none: v3 `dimension_names` when set, else the `_ARRAY_DIMENSIONS` attribute when it is a list
 * of `shape.length` strings (xarray's convention for v2, also written by xarray into v3 attributes).
 * An `_ARRAY_DIMENSIONS` of another form is ignored.
 */
export function dimensionNamesOf(
  meta: Pick<ArrayMetadata, "dimensionNames" | "attributes" | "shape">,
): readonly (string | null)[] | null {
  if (meta.dimensionNames !== null) return meta.dimensionNames;
  const a = meta.attributes._ARRAY_DIMENSIONS;
  if (
    Array.isArray(a) &&
    a.length === meta.shape.length &&
    a.every((x) => typeof x === "string" && x.length <= 1024)
  ) {
    return Object.freeze([...(a as string[])]);
  }
  return null;
}
