/**
 * Chunk key encodings (Zarr v3 core specification, "Chunk key encoding": `default` and `v2`;
 * the Zarr v2 specification's chunk keys with `dimension_separator`).
 * @module
 */
import type { ChunkKeyEncoding } from "./model.js";

/**
 * The store key of a chunk relative to its array's prefix (Zarr v3 core, "Chunk key encoding").
 *
 * `default`: `"c"` followed by the separator and the coordinates joined by it (`c/1/0`, `c.1.0`;
 * 0-d → `"c"`). `v2`: the coordinates joined by the separator (`1.0`, `1/0`; 0-d → `"0"`).
 *
 * @param coords - chunk grid coordinates (non-negative integers, one per dimension; not checked).
 */
export function chunkKey(encoding: ChunkKeyEncoding, coords: readonly number[]): string {
  const sep = encoding.separator;
  if (encoding.name === "default") {
    return coords.length === 0 ? "c" : `c${sep}${coords.join(sep)}`;
  }
  return coords.length === 0 ? "0" : coords.join(sep);
}

const COORD = /^(?:0|[1-9]\d*)$/;

/**
 * Inverse of {@link chunkKey}: the chunk grid coordinates encoded by `key`, or `undefined` when
 * `key` is not a chunk key of this encoding (wrong prefix or separator, non-canonical or
 * non-integer coordinates, or — when `ndim` is given — the wrong number of coordinates).
 *
 * The `v2` key `"0"` is ambiguous between a 0-d array and chunk `[0]` of a 1-d array: it yields
 * `[]` when `ndim` is 0 and `[0]` otherwise.
 *
 * @param key - key relative to the array's prefix (e.g. `"c/1/0"`).
 * @param ndim - the array's number of dimensions, when known.
 */
export function parseChunkKey(
  encoding: ChunkKeyEncoding,
  key: string,
  ndim?: number,
): number[] | undefined {
  const sep = encoding.separator;
  let body: string;
  if (encoding.name === "default") {
    if (key === "c") return ndim === undefined || ndim === 0 ? [] : undefined;
    if (!key.startsWith(`c${sep}`)) return undefined;
    body = key.slice(2);
  } else {
    if (ndim === 0) return key === "0" ? [] : undefined;
    body = key;
  }
  const parts = body.split(sep);
  if (ndim !== undefined && parts.length !== ndim) return undefined;
  const coords: number[] = [];
  for (const p of parts) {
    if (!COORD.test(p)) return undefined;
    const n = Number(p);
    if (!Number.isSafeInteger(n)) return undefined;
    coords.push(n);
  }
  return coords;
}
