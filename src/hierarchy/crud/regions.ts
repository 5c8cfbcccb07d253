/**
 * Region reads and writes by store, path and metadata: a NumPy selection of an array read or
 * assigned with no opened array, through the same lazy view, plan executor and write planner as
 * `array.lazy().get(…).read()` / `.write(value)`.
 * @module
 */
import type { Scalar } from "../../core/dtype.js";
import type { NDArray } from "../../core/ndarray.js";
import type { Context } from "../../exec/context.js";
import type { ArrayMetadata } from "../../format/model.js";
import type { LazyArray } from "../../index-space/lazy.js";
import type { SelectionItem } from "../../index-space/selection.js";
import type { ReadOptions, WritePlanOptions, WriteResult } from "../../index-space/source.js";
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
  return selectionOf(store, path, metadata, selection, indexing, context).read(read);
}

/** The lazy view `selection` of the array at `path`, indexed as `indexing` says. */
function selectionOf(
  store: unknown,
  path: string,
  metadata: ArrayMetadata,
  selection: readonly SelectionItem[],
  indexing: "get" | "oindex" | "vindex",
  context: Context | undefined,
): LazyArray {
  const view = new ZarrArray(asStore(store), normalizePath(path), metadata, context).lazy();
  return indexing === "oindex"
    ? view.oindex(...selection)
    : indexing === "vindex"
      ? view.vindex(...selection)
      : view.get(...selection);
}

/** Options of {@link writeRegion}. */
export interface WriteRegionOptions extends WritePlanOptions {
  /** The Context the write runs in (limits, retries, encode workers, pipeline cache). Default: the default Context. */
  context?: Context;
  /** How `selection` indexes, as in {@link ReadRegionOptions.indexing}. */
  indexing?: "get" | "oindex" | "vindex";
}

/**
 * Assigns `value` to the region `selection` of the array at `path` of `store` whose metadata is
 * `metadata`, without opening it: exactly
 * `new ZarrArray(store, path, metadata, context).lazy().get(...selection).write(value)` — a write
 * plan (each chunk or shard written once; fully covered ones without reading; conditional
 * read-modify-write where the store can). NumPy assignment semantics (`a[selection] = value`): an
 * NDArray of the array's data type broadcast to the selection's shape, or a scalar.
 * @returns counts of objects stored, deleted and read, and bytes (see `WriteResult`).
 * @throws IndexError for a selection out of bounds, before any IO; ZarrPlanError `ERR_WRITE`
 *   (value of another data type or not broadcastable), `ERR_VALUE` (scalar the data type cannot
 *   hold), `ERR_READ_ONLY`; WriteConflictError; CodecError; StoreError; AbortError.
 */
export async function writeRegion(
  store: unknown,
  path: string,
  metadata: ArrayMetadata,
  selection: readonly SelectionItem[],
  value: NDArray | Scalar,
  options: WriteRegionOptions = {},
): Promise<WriteResult> {
  const { context, indexing = "get", ...write } = options;
  return selectionOf(store, path, metadata, selection, indexing, context).write(value, write);
}
