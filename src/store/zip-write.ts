/**
 * {@link writeZip}: packs every key of a store (or of one prefix) into a ZIP archive, as a
 * `ZipStore` (and zarr-python's `ZipStore`) reads it. Uses fflate's `zipSync`.
 * @module
 */
import { type Zippable, zipSync } from "fflate";
import { StoreError, throwIfAborted } from "../core/errors.js";
import { assertPrefix } from "./keys.js";
import type { ListableStore, ReadableStore } from "./types.js";

/** Options of {@link writeZip}. */
export interface WriteZipOptions {
  /** Only keys below this prefix, stored without it (default `""`: every key). */
  readonly prefix?: string;
  /**
   * DEFLATE level 0–9 of the entries (default 0: stored, as zarr-python writes them; chunks are
   * usually compressed already, and stored entries can be read by byte range).
   */
  readonly level?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
  readonly signal?: AbortSignal;
}

/** Archives without ZIP64 records: under 65,535 entries and 4 GiB. */
const MAX_ENTRIES = 0xfffe;
const MAX_ARCHIVE_BYTES = 0xffffffff;

/**
 * A ZIP archive (bytes) holding every key of `source` below `options.prefix`, in sorted order,
 * with a fixed modification time (2000-01-01) so the same content gives the same bytes.
 * Everything is held in memory.
 * @throws StoreError (`ERR_STORE`) when there are more than 65,534 keys or more than 4 GiB of
 *   values (ZIP64 archives are not written); StoreError from `source`; AbortError.
 */
export async function writeZip(
  source: ReadableStore & ListableStore,
  options: WriteZipOptions = {},
): Promise<Uint8Array> {
  const prefix = options.prefix ?? "";
  assertPrefix(prefix);
  const keys = (await source.list(prefix, { signal: options.signal })).sort();
  if (keys.length > MAX_ENTRIES) {
    throw new StoreError(
      `writeZip: ${keys.length} keys, more than a ZIP archive without ZIP64 holds (${MAX_ENTRIES})`,
      {
        key: prefix,
      },
    );
  }
  const files: Zippable = {};
  let total = 0;
  for (const key of keys) {
    throwIfAborted(options.signal, key);
    const value = await source.get(key, { signal: options.signal });
    if (value === undefined) continue;
    total += value.length;
    if (total > MAX_ARCHIVE_BYTES) {
      throw new StoreError(
        `writeZip: more than ${MAX_ARCHIVE_BYTES} bytes of values (ZIP64 archives are not written)`,
        {
          key,
        },
      );
    }
    files[key.slice(prefix.length)] = [
      value,
      { level: options.level ?? 0, mtime: new Date(Date.UTC(2000, 0, 1)) },
    ];
  }
  return zipSync(files);
}
