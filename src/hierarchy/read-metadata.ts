/**
 * Finding and parsing a node's metadata document(s) in a store, for Zarr v3 (`zarr.json`)
 * and Zarr v2 (`.zarray` / `.zgroup` + `.zattrs`, consolidated `.zmetadata`).
 * @module
 */
import { NodeNotFoundError } from "../core/errors.js";
import {
  parseV2Array,
  parseV2Attrs,
  parseV2Consolidated,
  parseV2Group,
  parseV3,
} from "../format/metadata/index.js";
import type { NodeMetadata } from "../format/model.js";
import type { ReadableStore, StoreRequestOptions } from "../store/types.js";
import { keyOf } from "./paths.js";

/** Which Zarr format to look for; `undefined` tries v3 first, then v2. */
export type ZarrFormat = 2 | 3;

/** Options for opening a node. */
export interface OpenOptions extends StoreRequestOptions {
  /** The Zarr format, when known: saves a request (v3: one `zarr.json`; v2: `.zarray`+`.zattrs` at once). */
  zarrFormat?: ZarrFormat;
  /** v2 groups: also look for consolidated `.zmetadata` (default true). */
  consolidated?: boolean;
}

/**
 * Reads the metadata of the node at `path`.
 * Requests: v3 known → 1; v2 known → 2 concurrent (3 for a group with `consolidated`);
 * unknown → `zarr.json`, then, when missing, the v2 documents concurrently.
 * @throws NodeNotFoundError when no metadata document exists; MetadataError when one is invalid;
 *   StoreError / AbortError from the store.
 */
export async function readNodeMetadata(
  store: ReadableStore,
  path: string,
  options: OpenOptions = {},
): Promise<NodeMetadata> {
  const req = { signal: options.signal };
  if (options.zarrFormat !== 2) {
    const key = keyOf(path, "zarr.json");
    const bytes = await store.get(key, req);
    if (bytes) return parseV3(bytes, key);
    if (options.zarrFormat === 3) throw new NodeNotFoundError(path);
  }
  return readV2(store, path, options);
}

async function readV2(
  store: ReadableStore,
  path: string,
  options: OpenOptions,
): Promise<NodeMetadata> {
  const req = { signal: options.signal };
  const keys = {
    zarray: keyOf(path, ".zarray"),
    zgroup: keyOf(path, ".zgroup"),
    zattrs: keyOf(path, ".zattrs"),
    zmeta: keyOf(path, ".zmetadata"),
  };
  const [zarray, zgroup, zattrs, zmeta] = await Promise.all([
    store.get(keys.zarray, req),
    store.get(keys.zgroup, req),
    store.get(keys.zattrs, req),
    options.consolidated === false ? undefined : store.get(keys.zmeta, req),
  ]);
  const attrs = zattrs ? parseV2Attrs(zattrs, keys.zattrs) : {};
  if (zarray) return parseV2Array(zarray, keys.zarray, attrs);
  if (zmeta) return parseV2Consolidated(zmeta, keys.zmeta);
  if (zgroup) return parseV2Group(zgroup, keys.zgroup, attrs);
  throw new NodeNotFoundError(path);
}
