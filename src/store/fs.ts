/**
 * A store backed by a directory of the local file system (Node only).
 * @module
 */

import type { Dirent } from "node:fs";
import { mkdir, open, readdir, rename, rm, rmdir, unlink, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve, sep } from "node:path";
import { StoreError, throwIfAborted } from "../core/errors.js";
import { STORE_BRAND } from "./brand.js";
import { entryKind, errorCode, isMissing, isTempName, tempName, toStoreError } from "./fs-util.js";
import { assertKey, assertPrefix, dirPrefix } from "./keys.js";
import { assertByteLimit, tooLargeError } from "./limits.js";
import { assertRange, resolveRange } from "./range.js";
import type { DirListing, RangeQuery, Store, StoreRequestOptions } from "./types.js";
import { valueBytes } from "./value.js";

/** Deepest directory nesting `list` walks (guards against symbolic link cycles). */
const MAX_DEPTH = 256;
/** How often `set` retries when a concurrent `delete` pruned the directory it just created. */
const MKDIR_RETRIES = 3;

/**
 * A {@link Store} over the files below a root directory: key `"a/c/0"` is the file
 * `<root>/a/c/0`. Follows the abstract store interface of the Zarr v3 core specification
 * ("Storage") and the file system store layout of zarr-python.
 *
 * - `get`/`getRange` return `undefined` when the file is missing (ENOENT, ENOTDIR, EISDIR);
 *   `getRange` reads only the requested bytes.
 * - `set` is atomic: it writes a temp file `.<name>.<16 hex>.tmp` next to the target (creating
 *   parent directories), then renames it over the target, so readers and a crashed process never
 *   see a torn value. (It does not fsync: after a power loss the last writes may be missing.)
 * - `delete` removes the file and prunes parent directories left empty, up to the root.
 * - `list`/`listDir` hide temp files and follow symbolic links.
 *
 * Errors: an invalid key (see `assertKey`; on Windows also `\` and `:`) → `StoreError`; any
 * other fs failure → `StoreError` naming the key, with the Node error as `cause` (`transient`
 * for EAGAIN, EBUSY, EMFILE, ENFILE, ...); an aborted `options.signal` → `AbortError`.
 */
export class FileSystemStore implements Store {
  /** Marks zarr-plan stores (see `STORE_BRAND`). */
  readonly [STORE_BRAND] = true as const;
  /** Absolute path of the root directory. It need not exist until the first `set`. */
  readonly root: string;

  /** @param root the root directory (resolved against the current working directory). */
  constructor(root: string) {
    this.root = resolve(root);
  }

  /**
   * The whole file of `key` (bytes), or `undefined` when missing. With `options.maxBytes`, the
   * file's size is checked (`fstat`) before anything is read.
   * @throws StoreError (not transient) naming key, size and limit for a file larger than
   * `options.maxBytes`; RangeError for an invalid `maxBytes`.
   */
  async get(key: string, options?: StoreRequestOptions): Promise<Uint8Array | undefined> {
    const signal = options?.signal;
    const path = this.#path(key);
    const maxBytes = options?.maxBytes;
    assertByteLimit(maxBytes, "maxBytes");
    throwIfAborted(signal, key);
    let bytes: Uint8Array | undefined;
    try {
      bytes = await readWhole(path, key, maxBytes, signal);
    } catch (error) {
      if (isMissing(error) && !signal?.aborted) return undefined;
      throw toStoreError(error, key, "read", signal);
    }
    throwIfAborted(signal, key);
    return bytes;
  }

  /**
   * The bytes of `key` selected by `range` (clamped to the file size; a suffix uses `fstat`),
   * or `undefined` when missing. Reads only those bytes, through one file handle.
   */
  async getRange(
    key: string,
    range: RangeQuery,
    options?: StoreRequestOptions,
  ): Promise<Uint8Array | undefined> {
    const signal = options?.signal;
    const path = this.#path(key);
    assertRange(range, key);
    throwIfAborted(signal, key);
    let bytes: Uint8Array | undefined;
    try {
      bytes = await readRange(path, range, key, signal);
    } catch (error) {
      if (isMissing(error) && !signal?.aborted) return undefined;
      throw toStoreError(error, key, "read", signal);
    }
    throwIfAborted(signal, key);
    return bytes;
  }

  /**
   * Atomically stores the bytes of `value` at `key` (temp file + rename; parent directories are
   * created): a `Uint8Array`, or any other TypedArray or a `DataView` by its bytes.
   * @throws ZarrPlanError `ERR_STORE_VALUE` naming the key and the value's type for anything else.
   */
  async set(key: string, value: ArrayBufferView, options?: StoreRequestOptions): Promise<void> {
    const signal = options?.signal;
    const path = this.#path(key);
    const bytes = valueBytes(key, value);
    throwIfAborted(signal, key);
    const dir = dirname(path);
    const temp = join(dir, tempName(basename(path)));
    try {
      await writeTemp(dir, temp, bytes, signal);
      throwIfAborted(signal, key);
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw toStoreError(error, key, "write", signal);
    }
  }

  /** Deletes the file of `key` (a missing file is fine) and prunes emptied parent directories. */
  async delete(key: string, options?: StoreRequestOptions): Promise<void> {
    const signal = options?.signal;
    const path = this.#path(key);
    throwIfAborted(signal, key);
    try {
      await unlink(path);
    } catch (error) {
      if (isMissing(error)) return;
      throw toStoreError(error, key, "delete", signal);
    }
    await this.#prune(dirname(path));
  }

  /** Every key starting with `prefix` (a plain string prefix), sorted, with `/` separators. */
  async list(prefix = "", options?: StoreRequestOptions): Promise<string[]> {
    const signal = options?.signal;
    throwIfAborted(signal, prefix);
    assertPrefix(prefix);
    const cut = prefix.lastIndexOf("/") + 1;
    const keys: string[] = [];
    await this.#walk(prefix.slice(0, cut), prefix.slice(cut), keys, signal, 0);
    return keys.sort();
  }

  /**
   * The direct children of `prefix` (`""` or ending in `/`; a missing trailing `/` is added),
   * sorted: files directly in that directory and its subdirectories.
   */
  async listDir(prefix = "", options?: StoreRequestOptions): Promise<DirListing> {
    const signal = options?.signal;
    throwIfAborted(signal, prefix);
    const dir = dirPrefix(prefix);
    assertPrefix(dir);
    const keys: string[] = [];
    const prefixes: string[] = [];
    const dirPath = this.#dirPath(dir);
    for (const entry of await this.#readDir(dir, signal)) {
      const kind = await entryKind(entry, join(dirPath, entry.name));
      if (kind === "directory") prefixes.push(entry.name);
      else if (kind === "file" && !isTempName(entry.name)) keys.push(entry.name);
    }
    throwIfAborted(signal, prefix);
    return { keys: keys.sort(), prefixes: prefixes.sort() };
  }

  /** Appends to `out` the keys below directory prefix `dir` whose name there starts with `start`. */
  async #walk(
    dir: string,
    start: string,
    out: string[],
    signal: AbortSignal | undefined,
    depth: number,
  ): Promise<void> {
    if (depth > MAX_DEPTH) {
      throw new StoreError(`Cannot list "${dir}": nested deeper than ${MAX_DEPTH} directories`, {
        key: dir,
      });
    }
    const dirPath = this.#dirPath(dir);
    for (const entry of await this.#readDir(dir, signal)) {
      if (!entry.name.startsWith(start)) continue;
      const kind = await entryKind(entry, join(dirPath, entry.name));
      if (kind === "directory") {
        await this.#walk(`${dir}${entry.name}/`, "", out, signal, depth + 1);
      } else if (kind === "file" && !isTempName(entry.name)) {
        out.push(`${dir}${entry.name}`);
      }
    }
  }

  /** Entries of directory prefix `dir`; none when the directory is missing. */
  async #readDir(dir: string, signal: AbortSignal | undefined): Promise<Dirent[]> {
    throwIfAborted(signal, dir);
    try {
      return await readdir(this.#dirPath(dir), { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return [];
      throw toStoreError(error, dir, "list", signal);
    }
  }

  /** Removes empty directories from `dir` up to (excluding) the root. */
  async #prune(dir: string): Promise<void> {
    while (dir.startsWith(this.root + sep) && dir !== this.root) {
      try {
        await rmdir(dir);
      } catch {
        return;
      }
      dir = dirname(dir);
    }
  }

  /** The file path of `key`; throws a `StoreError` for an invalid key. */
  #path(key: string): string {
    assertKey(key);
    if (process.platform === "win32" && /[\\:]/.test(key)) {
      throw new StoreError(`Invalid store key ${JSON.stringify(key)}: contains "\\" or ":"`, {
        key,
      });
    }
    return join(this.root, ...key.split("/"));
  }

  /** The directory path of directory prefix `dir` (`""` or ending in `/`, already validated). */
  #dirPath(dir: string): string {
    return dir === "" ? this.root : join(this.root, ...dir.slice(0, -1).split("/"));
  }
}

/**
 * Reads the whole file at `path`; `undefined` for a directory. A file larger than `maxBytes`
 * (by `fstat`, or by what was read if it grew meanwhile) is a `StoreError`; no byte is read
 * when the size is known to be too large.
 */
async function readWhole(
  path: string,
  key: string,
  maxBytes: number | undefined,
  signal: AbortSignal | undefined,
): Promise<Uint8Array | undefined> {
  const handle = await open(path, "r");
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return undefined;
    if (maxBytes !== undefined && stats.size > maxBytes) {
      throw tooLargeError(key, path, stats.size, maxBytes, "maxBytes");
    }
    const buffer = await handle.readFile({ signal });
    if (maxBytes !== undefined && buffer.byteLength > maxBytes) {
      throw tooLargeError(key, path, buffer.byteLength, maxBytes, "maxBytes");
    }
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } finally {
    await handle.close();
  }
}

/** Reads the bytes `range` selects from the file at `path`; `undefined` for a directory. */
async function readRange(
  path: string,
  range: RangeQuery,
  key: string,
  signal: AbortSignal | undefined,
): Promise<Uint8Array | undefined> {
  const handle = await open(path, "r");
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return undefined;
    const { start, end } = resolveRange(range, stats.size);
    const out = new Uint8Array(end - start);
    let filled = 0;
    while (filled < out.length) {
      throwIfAborted(signal, key);
      const { bytesRead } = await handle.read(out, filled, out.length - filled, start + filled);
      if (bytesRead === 0) break; // the file shrank since fstat
      filled += bytesRead;
    }
    return filled === out.length ? out : out.slice(0, filled);
  } finally {
    await handle.close();
  }
}

/** Writes `value` to the new file `temp` in `dir`, creating `dir` first (mkdir -p). */
async function writeTemp(
  dir: string,
  temp: string,
  value: Uint8Array,
  signal: AbortSignal | undefined,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    await mkdir(dir, { recursive: true });
    try {
      await writeFile(temp, value, { flag: "wx", signal });
      return;
    } catch (error) {
      // A concurrent delete may prune `dir` between mkdir and writeFile: create it again.
      if (attempt < MKDIR_RETRIES && errorCode(error) === "ENOENT" && !signal?.aborted) continue;
      throw error;
    }
  }
}
