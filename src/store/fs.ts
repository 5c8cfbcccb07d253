/**
 * A store backed by a directory of the local file system (Node only).
 * @module
 */

import type { Dirent } from "node:fs";
import {
  lstat,
  mkdir,
  open,
  opendir,
  readdir,
  rename,
  rm,
  rmdir,
  unlink,
  writeFile,
} from "node:fs/promises";
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
/** Default of {@link FileSystemStoreOptions.staleTempMs}: 10 minutes. */
const STALE_TEMP_MS = 10 * 60_000;

/** Options of {@link FileSystemStore}. */
export interface FileSystemStoreOptions {
  /**
   * Age (ms, by modification time) after which a temp file of an atomic write (`.<name>.<16
   * hex>.tmp`) counts as left behind by a killed or crashed writer: `list`, `listDir` and
   * `delete` remove such stale temp files when they come across them. Younger temp files may
   * belong to a write in progress (in this or another process) and are left alone. Default 10
   * minutes; `Infinity` never removes any; `0` removes every temp file met (only when no other
   * writer can be active). Must be a non-negative number.
   */
  staleTempMs?: number;
}

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
 * - `delete` removes the file and prunes parent directories left empty, up to the root; a
 *   directory holding nothing but stale temp files counts as empty (they are removed).
 * - `list`/`listDir` hide temp files and follow symbolic links. Temp files older than
 *   `staleTempMs` (left by a killed writer) that they come across are removed, and so is a
 *   directory that this cleanup leaves empty. Failures to remove them (read-only media) are
 *   ignored.
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
  readonly #staleTempMs: number;

  /**
   * @param root the root directory (resolved against the current working directory).
   * @throws RangeError for an invalid `staleTempMs`.
   */
  constructor(root: string, options: FileSystemStoreOptions = {}) {
    this.root = resolve(root);
    const stale = options.staleTempMs ?? STALE_TEMP_MS;
    if (typeof stale !== "number" || Number.isNaN(stale) || stale < 0) {
      throw new RangeError(
        `FileSystemStore staleTempMs must be a non-negative number of ms, got ${String(stale)}`,
      );
    }
    this.#staleTempMs = stale;
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

  /**
   * Deletes the file of `key` (a missing file is fine) and prunes emptied parent directories,
   * removing stale temp files that are all that is left in one (see `staleTempMs`).
   */
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

  /**
   * Every key starting with `prefix` (a plain string prefix), sorted, with `/` separators.
   * Removes the stale temp files it comes across (see {@link FileSystemStoreOptions.staleTempMs}).
   */
  async list(prefix = "", options?: StoreRequestOptions): Promise<string[]> {
    const signal = options?.signal;
    throwIfAborted(signal, prefix);
    assertPrefix(prefix);
    const cut = prefix.lastIndexOf("/") + 1;
    const dir = prefix.slice(0, cut);
    const keys: string[] = [];
    if (await this.#walk(dir, prefix.slice(cut), keys, signal, 0)) {
      await this.#prune(dirname(this.#dirPath(dir)));
    }
    return keys.sort();
  }

  /**
   * The direct children of `prefix` (`""` or ending in `/`; a missing trailing `/` is added),
   * sorted: files directly in that directory and its subdirectories. Removes the stale temp
   * files of that directory (see {@link FileSystemStoreOptions.staleTempMs}).
   */
  async listDir(prefix = "", options?: StoreRequestOptions): Promise<DirListing> {
    const signal = options?.signal;
    throwIfAborted(signal, prefix);
    const dir = dirPrefix(prefix);
    assertPrefix(dir);
    const keys: string[] = [];
    const prefixes: string[] = [];
    const dirPath = this.#dirPath(dir);
    let others = 0;
    let cleaned = false;
    for (const entry of await this.#readDir(dir, signal)) {
      const path = join(dirPath, entry.name);
      const kind = await entryKind(entry, path);
      if (kind === "directory") prefixes.push(entry.name);
      else if (kind !== "file") others++;
      else if (!isTempName(entry.name)) keys.push(entry.name);
      else if (await this.#removeIfStale(path)) cleaned = true;
      else others++;
    }
    if (cleaned && keys.length + prefixes.length + others === 0) await this.#prune(dirPath);
    throwIfAborted(signal, prefix);
    return { keys: keys.sort(), prefixes: prefixes.sort() };
  }

  /**
   * Appends to `out` the keys below directory prefix `dir` whose name there starts with `start`,
   * removing the stale temp files met on the way.
   * @returns true when the directory held nothing but stale temp files and directories like it,
   * and was removed (never the root).
   */
  async #walk(
    dir: string,
    start: string,
    out: string[],
    signal: AbortSignal | undefined,
    depth: number,
  ): Promise<boolean> {
    if (depth > MAX_DEPTH) {
      throw new StoreError(`Cannot list "${dir}": nested deeper than ${MAX_DEPTH} directories`, {
        key: dir,
      });
    }
    const dirPath = this.#dirPath(dir);
    let kept = 0;
    let cleaned = false;
    for (const entry of await this.#readDir(dir, signal)) {
      const path = join(dirPath, entry.name);
      if (!entry.name.startsWith(start)) {
        kept++;
        continue;
      }
      const kind = await entryKind(entry, path);
      if (kind === "directory") {
        if (await this.#walk(`${dir}${entry.name}/`, "", out, signal, depth + 1)) cleaned = true;
        else kept++;
      } else if (kind === "file" && !isTempName(entry.name)) {
        out.push(`${dir}${entry.name}`);
        kept++;
      } else if (kind === "file" && (await this.#removeIfStale(path))) {
        cleaned = true;
      } else {
        kept++;
      }
    }
    if (!cleaned || kept > 0 || dir === "") return false;
    return rmdir(dirPath).then(
      () => true,
      () => false,
    );
  }

  /**
   * Removes the temp file at `path` when it is a regular file older than `staleTempMs`.
   * @returns true when it was removed; false when it is fresh, gone or cannot be removed.
   */
  async #removeIfStale(path: string): Promise<boolean> {
    if (this.#staleTempMs === Number.POSITIVE_INFINITY) return false;
    try {
      const stats = await lstat(path);
      if (!stats.isFile()) return false;
      if (this.#staleTempMs > 0 && Date.now() - stats.mtimeMs < this.#staleTempMs) return false;
      await unlink(path);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * When every entry of the directory `path` is a stale temp file, removes them all (so the
   * directory can be pruned). Stops at the first other entry, so a large directory of values
   * costs one read, not a scan.
   * @returns true when the directory is now empty of them.
   */
  async #clearStaleTemps(path: string): Promise<boolean> {
    if (this.#staleTempMs === Number.POSITIVE_INFINITY) return false;
    const stale: string[] = [];
    try {
      for await (const entry of await opendir(path)) {
        if (!entry.isFile() || !isTempName(entry.name)) return false;
        const file = join(path, entry.name);
        const stats = await lstat(file);
        if (Date.now() - stats.mtimeMs < this.#staleTempMs) return false;
        stale.push(file);
      }
    } catch {
      return false;
    }
    for (const file of stale) await unlink(file).catch(() => undefined);
    return stale.length > 0;
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

  /**
   * Removes empty directories from `dir` up to (excluding) the root; a directory holding only
   * stale temp files counts as empty (they are removed first).
   */
  async #prune(dir: string): Promise<void> {
    while (dir.startsWith(this.root + sep) && dir !== this.root) {
      try {
        await rmdir(dir);
      } catch (error) {
        const code = errorCode(error);
        if (code !== "ENOTEMPTY" && code !== "EEXIST") return;
        if (!(await this.#clearStaleTemps(dir))) return;
        try {
          await rmdir(dir);
        } catch {
          return;
        }
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
