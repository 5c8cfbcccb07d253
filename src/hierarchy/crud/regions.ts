/**
 * Region reads by store, path and metadata: a NumPy selection of an array read with no opened
 * array, through the same lazy view and plan executor as `array.lazy().get(…).read()`.
 * @module
 */
import type { NDArray } from "../../core/ndarray.js";
import type { Context } from "../../exec/context.js";
import type { ArrayMetadata } from "../../format/model.js";
import type { SelectionItem } from "../../index-space/selection.js";
import type { ReadOptions } from "../../index-space/source.js";
import { asStore } from "../../store/zarrita.js";
import { ZarrArray } from "../array.js";
import { normalizePath } from "../paths.js";

/** Options of {@link readRegion}. */
export interface ReadRegionOptions extends ReadOptions {
  /** The Context the read runs in (limits, retries, caches, decode workers, pipeline cache). Default: the default Context. */
  context?: Context;
  /**
   * How `selection` indexes (NEP 21): `"get"` (default) NumPy basic indexing as
   * `LazyArray.get`, `"oindex"` orthogonal indexing as `LazyArray.oindex`, `"vindex"`
   * vectorized indexing as `LazyArray.vindex`.
   */
  indexing?: "get" | "oindex" | "vindex";
}

/**
 * Reads the region `selection` of the array at `path` of `store` whose metadata is `metadata`
 * (e.g. from `readMetadata`), without opening it: exactly
 * `new ZarrArray(store, path, metadata, context).lazy().get(...selection).read()` (planned,
 * coalesced, partial shard reads; missing chunks read as `fill_value`). `selection` is the list
 * of items `LazyArray.get` takes — integers (drop the dimension), `slice(start, stop, step)`,
 * `ellipsis`, `newaxis`, with NumPy's semantics (negative indices count from the end) — or,
 * with `indexing: "oindex"` / `"vindex"`, the items of `oindex` / `vindex` (integer and boolean
 * arrays too). `[]` reads the whole array.
 * @returns a C-order NDArray of the selection's shape (NumPy's) and the array's data type.
 * @throws IndexError (`ERR_INDEX`) for a selection out of bounds or malformed, before any IO;
 *   MetadataError / UnknownCodecError when the codec pipeline cannot be built; InvalidPathError
 *   (`ERR_PATH`); ZarrPlanError `ERR_TOO_LARGE` over the Context's plan limits; CodecError /
 *   ChecksumError; StoreError; AbortError.
 */
export async function readRegion(
  store: unknown,
  path: string,
  metadata: ArrayMetadata,
  selection: readonly SelectionItem[],
  options: ReadRegionOptions = {},
): Promise<NDArray> {
  const { context, indexing = "get", ...read } = options;
  const array = new ZarrArray(asStore(store), normalizePath(path), metadata, context);
  const view = array.lazy();
  const selected =
    indexing === "oindex"
      ? view.oindex(...selection)
      : indexing === "vindex"
        ? view.vindex(...selection)
        : view.get(...selection);
  return selected.read(read);
}
