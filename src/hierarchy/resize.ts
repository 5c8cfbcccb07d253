/**
 * Resizing an array (zarr-python 3's `Array.resize` / `Array.append`, with NumPy-like semantics for
 * the region a shrink cuts off): the new shape is written into the array's own metadata document
 * (v3 `zarr.json`, v2 `.zarray`), every other field kept as stored; chunks wholly outside the new
 * shape are deleted; the part of the chunks straddling a shrunk edge that the shrink cuts off is
 * overwritten with `fill_value` first, so growing the array again later shows `fill_value` there
 * (zarr-python 3 leaves the old values in those chunks, and a later grow shows them again).
 *
 * This module holds the metadata and chunk work; the handles (`ZarrArray.resize`, `append`) are
 * made by the caller (`array.ts`), which keeps the import graph free of cycles.
 * @module
 */
import { NodeNotFoundError, OptionsError, ZarrPlanError } from "../core/errors.js";
import { type NDArray, ndarrayProblem } from "../core/ndarray.js";
import type { Context } from "../exec/context.js";
import { gridShape } from "../format/chunk-grid.js";
import { chunkKey } from "../format/chunk-key.js";
import {
  decodeJsonObject,
  type JsonObject,
  parseV2Array,
  parseV2Attrs,
  parseV3,
} from "../format/metadata/index.js";
import type { ArrayMetadata } from "../format/model.js";
import { rectilinearGrid } from "../format/rectilinear-grid.js";
import type { AnyStore } from "../store/types.js";
import { rewriteDocument, writableThrough } from "./metadata-rewrite.js";
import { keyOf } from "./paths.js";
import { MAX_METADATA_BYTES } from "./read-metadata.js";

/** Options of `ZarrArray.resize` / `resizeArray` and `ZarrArray.append` / `appendArray`. */
export interface ResizeOptions {
  signal?: AbortSignal;
}

/** What a resize needs of an array handle (a `ZarrArray` is one). */
export interface ResizeTarget {
  readonly store: AnyStore;
  /** Node path of the array. */
  readonly path: string;
  readonly context: Context;
  /** The handle's metadata (its Zarr format says which document to rewrite). */
  readonly metadata: ArrayMetadata;
}

/**
 * Writes `fill_value` into the box `[start, stop)` of the array as `meta` describes it (the
 * caller's `ZarrArray.write` on a handle of `meta`).
 */
export type FillBox = (
  meta: ArrayMetadata,
  region: { start: number[]; stop: number[] },
  options: ResizeOptions,
) => Promise<void>;

/** Deletes of chunks outside the new shape issued at once (the Context's limit still applies). */
const DELETE_BATCH = 64;

/** The outcome of {@link resizeArrayMetadata}. */
export interface Resized {
  /** The array's metadata as stored now. */
  readonly metadata: ArrayMetadata;
  /** The shape the stored document had before (what an append writes after). */
  readonly previousShape: readonly number[];
}

/**
 * Resizes the array `target` names to the shape `shapeOf(stored shape)` returns: reads the stored
 * metadata document (not the handle's copy, which may be stale), overwrites with `fill_value` the
 * part of the chunks straddling the new edge that lies inside the old shape and outside the new
 * one, deletes every chunk (shard, when sharded) of the old grid wholly outside the new shape
 * (their keys are computed from the old grid, not listed), then stores the document with the new
 * `shape` — conditionally on a store with conditional writes (a concurrent attribute update or
 * resize makes it read the document again and redo the work for the fresh shape).
 *
 * Rectilinear chunk grids: the new shape must lie within the edges `chunk_shapes` declares
 * (a regular step `m` covers any length); growing past them would need chunk edges the document
 * does not have and is refused.
 * @throws OptionsError (`ERR_OPTIONS`, naming the array) when the new shape is not a list of
 *   non-negative safe integers of the array's rank; ZarrPlanError `ERR_UNSUPPORTED` for a
 *   rectilinear grid whose `chunk_shapes` do not reach the new shape, `ERR_READ_ONLY`;
 *   NodeNotFoundError when the array's document is gone (or is a group's); WriteConflictError
 *   after 16 conflicting tries; what `shapeOf` throws; MetadataError; StoreError; AbortError.
 */
export async function resizeArrayMetadata(
  target: ResizeTarget,
  shapeOf: (stored: readonly number[]) => readonly number[],
  options: ResizeOptions,
  fillBox: FillBox,
): Promise<Resized> {
  const { path, context } = target;
  const v3 = target.metadata.zarrFormat === 3;
  const key = keyOf(path, v3 ? "zarr.json" : ".zarray");
  const signal = options.signal;
  const store = writableThrough(target.store, context, path);
  // v2: the attributes live in .zattrs (not rewritten; read once for the handle).
  let attrs: Record<string, unknown> | undefined;
  if (!v3) {
    const zattrsKey = keyOf(path, ".zattrs");
    const bytes = await store.get(zattrsKey, signal ? { signal } : {});
    if (bytes !== undefined && bytes.byteLength > MAX_METADATA_BYTES) {
      throw new ZarrPlanError(
        "ERR_TOO_LARGE",
        `array "${path}": metadata document "${zattrsKey}" is ${bytes.byteLength} bytes, more than ${MAX_METADATA_BYTES}`,
      );
    }
    if (bytes !== undefined) attrs = parseV2Attrs(bytes, zattrsKey);
  }
  const parse = (doc: JsonObject): ArrayMetadata => {
    if (!v3) return parseV2Array(doc, key, attrs);
    const meta = parseV3(doc, key);
    if (meta.nodeType !== "array") {
      throw new NodeNotFoundError(path, `Node "${path}" is a group, not an array`);
    }
    return meta;
  };
  let previousShape: readonly number[] = [];
  const doc = await rewriteDocument({ store, context, path, key, signal }, async (stored) => {
    if (stored === undefined) throw new NodeNotFoundError(path, `No array at "${path}" to resize`);
    const old = parse(stored);
    const shape = checkShape(path, shapeOf(old.shape), old.shape.length);
    const newGrid = checkGrid(path, old, shape);
    await clearOutside(store, path, old, shape, newGrid, options, fillBox);
    previousShape = old.shape;
    return { ...stored, shape };
  });
  return { metadata: parse(decodeJsonObject(doc, key)), previousShape };
}

/**
 * `shape` as a list of non-negative safe integers of rank `ndim`.
 * @throws OptionsError naming the array and the value otherwise.
 */
function checkShape(path: string, shape: unknown, ndim: number): number[] {
  const ok =
    Array.isArray(shape) &&
    shape.length === ndim &&
    shape.every((s) => typeof s === "number" && Number.isSafeInteger(s) && s >= 0);
  if (!ok) {
    throw new OptionsError(`resize of array "${path}"`, [
      {
        option: "shape",
        message: `expected ${ndim} non-negative integer${ndim === 1 ? "" : "s"} (the array's rank; a resize keeps it)`,
        value: shape,
      },
    ]);
  }
  return [...(shape as number[])];
}

/** The chunk grid under the new shape: chunks per dimension and the end of the last one. */
interface Grid {
  /** Chunks along each dimension that hold elements. */
  readonly chunks: readonly number[];
  /** First element past the last chunk along each dimension (0 when there is none). */
  readonly end: readonly number[];
}

/**
 * The grid of `old`'s chunking over `shape`.
 * @throws ZarrPlanError `ERR_UNSUPPORTED` when a rectilinear grid does not reach `shape`.
 */
function checkGrid(path: string, old: ArrayMetadata, shape: readonly number[]): Grid {
  const g = old.chunkGrid;
  if (!g) {
    const cs = old.chunkShape;
    const chunks = gridShape(shape, cs);
    return { chunks, end: chunks.map((n, d) => n * cs[d]!) };
  }
  const r = rectilinearGrid(g.chunkShapes, shape);
  if ("issues" in r) {
    throw new ZarrPlanError(
      "ERR_UNSUPPORTED",
      `array "${path}": cannot resize to [${shape}]: its rectilinear chunk grid's chunk_shapes do not cover that shape (${r.issues.map((i) => i.message).join("; ")}); growing past the declared chunk edges would need new edges, which zarr-plan does not invent`,
    );
  }
  const ng = r.grid;
  return {
    chunks: ng.gridShape,
    end: ng.gridShape.map((n, d) =>
      n === 0 ? 0 : ng.chunkStart(d, n - 1) + ng.chunkEdge(d, n - 1),
    ),
  };
}

/** Chunks per dimension of `meta`'s grid over its own shape. */
function oldGridOf(meta: ArrayMetadata): readonly number[] {
  return meta.chunkGrid ? meta.chunkGrid.gridShape : gridShape(meta.shape, meta.chunkShape);
}

/**
 * Makes everything of the array outside `shape` read as `fill_value` should the array grow again:
 * (1) fills the part of the old shape that lies in chunks kept by the new grid but outside
 * `shape` (disjoint boxes, one per shrunk dimension: dimensions before it limited to the new
 * shape, after it to the kept chunks); (2) deletes the chunks of the old grid outside the new one
 * (one disjoint block of grid coordinates per shrunk dimension, keys computed, deleted in batches).
 */
async function clearOutside(
  store: { delete(key: string, o?: { signal?: AbortSignal }): Promise<void> },
  path: string,
  old: ArrayMetadata,
  shape: readonly number[],
  grid: Grid,
  options: ResizeOptions,
  fillBox: FillBox,
): Promise<void> {
  const oldShape = old.shape;
  const nd = oldShape.length;
  for (let d = 0; d < nd; d++) {
    const start: number[] = [];
    const stop: number[] = [];
    for (let k = 0; k < nd; k++) {
      if (k < d) {
        start.push(0);
        stop.push(Math.min(oldShape[k]!, shape[k]!));
      } else if (k === d) {
        start.push(shape[k]!);
        stop.push(Math.min(oldShape[k]!, grid.end[k]!));
      } else {
        start.push(0);
        stop.push(Math.min(oldShape[k]!, grid.end[k]!));
      }
    }
    if (start.every((s, k) => s < stop[k]!)) await fillBox(old, { start, stop }, options);
  }
  const oldGrid = oldGridOf(old);
  const signal = options.signal;
  let batch: Promise<void>[] = [];
  const flush = async () => {
    const b = batch;
    batch = [];
    await Promise.all(b);
  };
  for (let d = 0; d < nd; d++) {
    if (grid.chunks[d]! >= oldGrid[d]!) continue;
    const lo = oldGrid.map((_, k) => (k === d ? grid.chunks[d]! : 0));
    const hi = oldGrid.map((n, k) => (k < d ? Math.min(n, grid.chunks[k]!) : n));
    if (lo.some((l, k) => l >= hi[k]!)) continue;
    for (const coords of boxCoords(lo, hi)) {
      const key = keyOf(path, chunkKey(old.chunkKeyEncoding, coords));
      batch.push(store.delete(key, signal ? { signal } : {}));
      if (batch.length >= DELETE_BATCH) await flush();
    }
    await flush();
  }
}

/**
 * Every grid coordinate of the box `[lo, hi)` in C order, one at a time (a grid may hold more
 * chunks than a list could: nothing is collected).
 */
function* boxCoords(lo: readonly number[], hi: readonly number[]): Generator<number[]> {
  const idx = [...lo];
  const nd = idx.length;
  for (;;) {
    yield [...idx];
    let k = nd - 1;
    while (k >= 0) {
      idx[k]!++;
      if (idx[k]! < hi[k]!) break;
      idx[k] = lo[k]!;
      k--;
    }
    if (k < 0) return;
  }
}

/**
 * The shape after appending `values` along `axis` to an array of shape `stored`: `stored` with
 * `values.shape[axis]` added along `axis`.
 * @throws OptionsError (`ERR_OPTIONS`) when `axis` is not an integer in `[-ndim, ndim)` (negative
 *   counts from the end, as NumPy); ZarrPlanError `ERR_WRITE` naming the array when `values` is
 *   not a valid NDArray of the array's data type and rank, or differs from `stored` along another
 *   dimension.
 */
export function appendedShape(
  path: string,
  dtypeName: string,
  stored: readonly number[],
  values: NDArray,
  axis: number,
): { shape: number[]; axis: number } {
  const nd = stored.length;
  const fail = (message: string): never => {
    throw new ZarrPlanError("ERR_WRITE", `array "${path}": cannot append: ${message}`);
  };
  if (!Number.isSafeInteger(axis) || axis < -nd || axis >= nd) {
    throw new OptionsError(`append to array "${path}"`, [
      { option: "axis", message: `expected an integer in [${-nd}, ${nd})`, value: axis },
    ]);
  }
  const ax = axis < 0 ? axis + nd : axis;
  const problem = ndarrayProblem(values);
  if (problem) fail(`the values are not a valid NDArray: ${problem}`);
  if (values.dtype.name !== dtypeName) {
    fail(`the values are ${values.dtype.name}, the array ${dtypeName}`);
  }
  if (values.shape.length !== nd) {
    fail(`the values have ${values.shape.length} dimensions, the array ${nd}`);
  }
  values.shape.forEach((n, k) => {
    if (k !== ax && n !== stored[k]) {
      fail(
        `the values have shape [${values.shape}], the array [${stored}]: they must match in every dimension but axis ${ax}`,
      );
    }
  });
  const shape = [...stored];
  shape[ax] = stored[ax]! + values.shape[ax]!;
  if (!Number.isSafeInteger(shape[ax])) fail(`the new length ${shape[ax]} is too large`);
  return { shape, axis: ax };
}
