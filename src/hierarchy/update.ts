/**
 * The functional forms of the node updates: `resizeArray`, `appendArray`, `updateAttributes`
 * (the same as the methods `ZarrArray.resize` / `append` / `updateAttributes` and
 * `ZarrGroup.updateAttributes`, which do the work in `resize.ts` and `attributes.ts`).
 * @module
 */
import type { DataTypeName } from "../core/dtype.js";
import type { NDArray } from "../core/ndarray.js";
import type { ZarrArray } from "./array.js";
import type { UpdateAttributesOptions } from "./attributes.js";
import type { ZarrGroup } from "./group.js";
import type { ResizeOptions } from "./resize.js";

/**
 * Resizes `array` to `shape` (elements, same rank; dimensions may grow or shrink) and returns the
 * new handle: `array.resize(shape, options)` (see {@link ZarrArray.resize}: zarr-python 3's
 * `Array.resize`, with the region a shrink cuts off reading as `fill_value` after a later grow).
 * @throws as {@link ZarrArray.resize}.
 */
export function resizeArray<D extends DataTypeName>(
  array: ZarrArray<D>,
  shape: readonly number[],
  options: ResizeOptions = {},
): Promise<ZarrArray<D>> {
  return array.resize(shape, options);
}

/**
 * Appends `values` to `array` along `axis` (default 0) and returns the new handle:
 * `array.append(values, axis, options)` (see {@link ZarrArray.append}: zarr-python 3's
 * `Array.append`).
 * @throws as {@link ZarrArray.append}.
 */
export function appendArray<D extends DataTypeName>(
  array: ZarrArray<D>,
  values: NDArray<D>,
  axis = 0,
  options: ResizeOptions = {},
): Promise<ZarrArray<D>> {
  return array.append(values, axis, options);
}

/**
 * Merges `attributes` into the user attributes of an array or group (zarr-python 3's
 * `update_attributes`, a shallow merge), or replaces them all with `{ replace: true }`
 * (zarr-python's `attrs.put`), and returns a new handle of the node.
 *
 * v3: only the `attributes` member of the node's `zarr.json` changes, every other member is
 * written back as stored (64-bit integer fill values exactly); v2: `.zattrs` is rewritten, the
 * `.zarray` / `.zgroup` document stays (written back with zarr-plan's JSON writer: the same values,
 * 2-space indentation; numbers in attributes are JavaScript numbers, as when reading them, so
 * integers beyond 2^53 round). The document is read and stored conditionally when the
 * store has conditional writes (`isConditional`: `MemoryStore`, `FileSystemStore`), so concurrent
 * updates (of different keys, or a concurrent resize) all land; after 16 tries that each found the
 * document changed it gives up with a `WriteConflictError`. Other stores: read, merge, `set` (the
 * last writer wins). Consolidated metadata of a parent group (and a v2 group's own `.zmetadata`)
 * is not updated: call `consolidateMetadata` again.
 * @throws OptionsError (`ERR_OPTIONS`, naming the node) for attributes that are not a JSON object
 * or an unknown option; NodeNotFoundError when the node's metadata is gone or now of the other
 * kind; WriteConflictError (`ERR_WRITE_CONFLICT`); ZarrPlanError `ERR_READ_ONLY` for a read-only
 * store; MetadataError; StoreError; AbortError.
 */
export function updateAttributes<N extends ZarrArray | ZarrGroup>(
  node: N,
  attributes: Record<string, unknown>,
  options: UpdateAttributesOptions = {},
): Promise<N> {
  // Each method returns a handle of its own class (a ZarrArray keeps its data type).
  return node.updateAttributes(attributes, options) as Promise<N>;
}
