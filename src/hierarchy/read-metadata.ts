/**
 * Finding and parsing a node's metadata document(s) in a store, for Zarr v3 (`zarr.json`)
 * and Zarr v2 (`.zarray` / `.zgroup` + `.zattrs`, consolidated `.zmetadata`).
 * @module
 */
import { NodeNotFoundError } from "../core/errors.js";
import { type Context, defaultContext } from "../exec/context.js";
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
  /**
   * The Context whose request policy (limit, retries, timeout, metadata cache, request log) the
   * metadata reads go through, and which the opened node keeps for its reads. Default: the
   * default Context (for a group's children: the group's).
   */
  context?: Context;
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
  const get = getter(store, options);
  if (options.zarrFormat !== 2) {
    const key = keyOf(path, "zarr.json");
    const bytes = await get(key);
    if (bytes) return parseV3(bytes, key);
    if (options.zarrFormat === 3) throw new NodeNotFoundError(path);
  }
  return readV2(store, path, options);
}

/**
 * Largest metadata document read, bytes: 256 MiB (consolidated metadata of hundreds of thousands
 * of arrays fits; a hostile or broken server cannot make an open read gigabytes).
 */
export const MAX_METADATA_BYTES = 256 * 1024 * 1024;

/** Reads of metadata documents through the Context (retries, limit, metadata cache, log). */
function getter(
  store: ReadableStore,
  options: OpenOptions,
): (key: string) => Promise<Uint8Array | undefined> {
  const context = options.context ?? defaultContext();
  const o = {
    cache: "metadata" as const,
    maxBytes: MAX_METADATA_BYTES,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  return (key) => context.fetch(store, key, undefined, o);
}

async function readV2(
  store: ReadableStore,
  path: string,
  options: OpenOptions,
): Promise<NodeMetadata> {
  const get = getter(store, options);
  const keys = {
    zarray: keyOf(path, ".zarray"),
    zgroup: keyOf(path, ".zgroup"),
    zattrs: keyOf(path, ".zattrs"),
    zmeta: keyOf(path, ".zmetadata"),
  };
  const [zarray, zgroup, zattrs, zmeta] = await Promise.all([
    get(keys.zarray),
    get(keys.zgroup),
    get(keys.zattrs),
    options.consolidated === false ? undefined : get(keys.zmeta),
  ]);
  const attrs = zattrs ? parseV2Attrs(zattrs, keys.zattrs) : {};
  if (zarray) return parseV2Array(zarray, keys.zarray, attrs);
  if (zmeta) return parseV2Consolidated(zmeta, keys.zmeta);
  if (zgroup) return parseV2Group(zgroup, keys.zgroup, attrs);
  throw new NodeNotFoundError(path);
}
