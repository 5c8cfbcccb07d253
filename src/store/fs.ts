/**
 * A store backed by a directory of the local file system (Node only).
 * @module
 */

import type { Dirent } from "node:fs";
import {
  link,
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
import { setTimeout as sleep } from "node:timers/promises";
import { StoreError, throwIfAborted } from "../core/errors.js";
import { STORE_BRAND } from "./brand.js";
import {
  contentVersion,
  entryKind,
  errorCode,
  isLockName,
  isMissing,
  isTempName,
  lockName,
  tempName,
  toStoreError,
} from "./fs-util.js";
import { assertKey, assertPrefix, dirPrefix } from "./keys.js";
import { assertByteLimit, tooLargeError } from "./limits.js";
import { assertRange, resolveRange } from "./range.js";
import {
  ABSENT_VERSION,
  type ConditionalStore,
  type DirListing,
  type RangeQuery,
  type Store,
  type StoreRequestOptions,
  type StoreVersion,
  type VersionedValue,
} from "./types.js";
import { valueBytes } from "./value.js";

/** Deepest directory nesting `list` walks (guards against symbolic link cycles). */
const MAX_DEPTH = 256;
/** How often `set` retries when a concurrent `delete` pruned the directory it just created. */
const MKDIR_RETRIES = 3;
/** Default of {@link FileSystemStoreOptions.staleTempMs}: 10 minutes. */
const STALE_TEMP_MS = 10 * 60_000;
/** Default of {@link FileSystemStoreOptions.staleLockMs}: 10 seconds. */
const STALE_LOCK_MS = 10_000;
/** Longest pause between two attempts to take a held lock, ms. */
const LOCK_BACKOFF_MAX_MS = 20;

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
  /**
   * Age (ms, by modification time) after which a key's lock file (`.<name>.<16 hex>.lock`, see
   * {@link FileSystemStore}) counts as left behind by a killed writer: a writer waiting for the
   * lock breaks it, and `list`, `listDir` and `delete` remove it when they come across it. A
   * writer holds a lock only to compare and rename (never while writing its temp file), so this
   * only has to exceed the time to read and hash the largest value. Default 10 seconds; a writer
   * gives up waiting for a lock (a transient `StoreError`) after twice this time. Must be a
   * positive number (`Infinity`: never break a lock).
   */
  staleLockMs?: number;
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
 *   directory holding nothing but stale temp and lock files counts as empty (they are removed).
 * - Conditional writes ({@link ConditionalStore}), safe across processes on one machine: a
 *   version is the content's length and SHA-256 (`getVersioned` hashes what it read). Every
 *   write of a key (`set`, `delete`, `setIf`, `deleteIf`) holds the key's lock file
 *   `.<name>.<16 hex>.lock`, created next to the target with `open(…, "wx")` (exclusive create:
 *   one holder at a time, in any process), around its last step only: `setIf` writes its temp file
 *   first, then, under the lock, reads and hashes the current file, compares with `expected` and
 *   renames (or does nothing and answers `false`). The lock is removed in a `finally`; a writer
 *   finding it taken retries with a short random backoff, and breaks a lock older than
 *   `staleLockMs` (left by a killed process). Writers that bypass this store (other libraries,
 *   `cp`) take no lock: the protocol only protects writers that all use `FileSystemStore`.
 * - `list`/`listDir` hide temp and lock files and follow symbolic links. Temp files older than
 *   `staleTempMs` (left by a killed writer) and lock files older than `staleLockMs` that they come
 *   across are removed, and so is a directory that this cleanup leaves empty. Failures to remove
 *   them (read-only media) are ignored.
 *
 * Errors: an invalid key (see `assertKey`; on Windows also `\` and `:`) → `StoreError`; any
 * other fs failure → `StoreError` naming the key, with the Node error as `cause` (`transient`
 * for EAGAIN, EBUSY, EMFILE, ENFILE, ...); an aborted `options.signal` → `AbortError`.
 */
export class FileSystemStore implements Store, ConditionalStore {
  /** Marks zarr-plan stores (see `STORE_BRAND`). */
  readonly [STORE_BRAND] = true as const;
  /** Absolute path of the root directory. It need not exist until the first `set`. */
  readonly root: string;
  readonly #staleTempMs: number;
  readonly #staleLockMs: number;

  /**
   * @param root the root directory (resolved against the current working directory).
   * @throws RangeError for an invalid `staleTempMs` or `staleLockMs`.
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
    const staleLock = options.staleLockMs ?? STALE_LOCK_MS;
    if (typeof staleLock !== "number" || Number.isNaN(staleLock) || staleLock <= 0) {
      throw new RangeError(
        `FileSystemStore staleLockMs must be a positive number of ms, got ${String(staleLock)}`,
      );
    }
    this.#staleLockMs = staleLock;
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
   * Atomically stores the bytes of `value` at `key` (temp file + rename, the rename under the key's
   * lock; parent directories are created): a `Uint8Array`, or any other TypedArray or a
   * `DataView` by its bytes.
   * @throws ZarrPlanError `ERR_STORE_VALUE` naming the key and the value's type for anything else.
   */
  async set(key: string, value: ArrayBufferView, options?: StoreRequestOptions): Promise<void> {
    await this.#write(key, value, undefined, options);
  }

  /**
   * Deletes the file of `key` (a missing file is fine; under the key's lock) and prunes emptied
   * parent directories, removing stale temp and lock files that are all that is left in one.
   */
  async delete(key: string, options?: StoreRequestOptions): Promise<void> {
    await this.#remove(key, undefined, options);
  }

  /**
   * The whole file of `key` and its version (length and SHA-256 of the bytes read;
   * `ABSENT_VERSION` when missing). Honours `options.maxBytes` as {@link get} does.
   */
  async getVersioned(key: string, options?: StoreRequestOptions): Promise<VersionedValue> {
    const value = await this.get(key, options);
    return { value, version: value === undefined ? ABSENT_VERSION : contentVersion(value) };
  }

  /**
   * Stores `value` at `key` if the file's version is `expected` (see {@link ConditionalStore.setIf}):
   * writes a temp file, then under the key's lock compares the current file's version and renames.
   * @returns false (the temp file removed, the file untouched) when the version differs.
   * @throws ZarrPlanError `ERR_STORE_VALUE` for a value that is not bytes; StoreError; AbortError.
   */
  async setIf(
    key: string,
    value: ArrayBufferView,
    expected: StoreVersion,
    options?: StoreRequestOptions,
  ): Promise<boolean> {
    return this.#write(key, value, expected, options);
  }

  /**
   * Deletes `key` if the file's version is `expected`, under the key's lock (see
   * {@link ConditionalStore.deleteIf}), then prunes emptied parent directories.
   * @returns true when the file is gone; false (nothing deleted) when its version differs.
   */
  async deleteIf(
    key: string,
    expected: StoreVersion,
    options?: StoreRequestOptions,
  ): Promise<boolean> {
    return this.#remove(key, expected, options);
  }

  /**
   * `set` (no `expected`) or `setIf`: temp file, then lock, compare, rename.
   * @returns false when `expected` is given and differs from the current version.
   */
  async #write(
    key: string,
    value: ArrayBufferView,
    expected: StoreVersion | undefined,
    options: StoreRequestOptions | undefined,
  ): Promise<boolean> {
    const signal = options?.signal;
    const path = this.#path(key);
    const bytes = valueBytes(key, value);
    throwIfAborted(signal, key);
    const dir = dirname(path);
    const temp = join(dir, tempName(basename(path)));
    let renamed = false;
    try {
      await writeTemp(dir, temp, bytes, signal);
      throwIfAborted(signal, key);
      const done = await this.#locked(path, key, signal, async () => {
        if (expected !== undefined && (await versionAt(path, signal)) !== expected) return false;
        throwIfAborted(signal, key);
        await rename(temp, path);
        renamed = true;
        return true;
      });
      if (done === undefined) {
        // Only a cleanup treating our fresh temp file as stale (staleTempMs 0) can get here.
        throw new StoreError(`Cannot write "${key}": its directory was removed meanwhile`, {
          key,
          transient: true,
        });
      }
      return done;
    } catch (error) {
      throw toStoreError(error, key, "write", signal);
    } finally {
      if (!renamed) await rm(temp, { force: true }).catch(() => undefined);
    }
  }

  /**
   * `delete` (no `expected`) or `deleteIf`: lock, compare, unlink, unlock, prune.
   * @returns whether the file is gone (false only when `expected` differs from its version).
   */
  async #remove(
    key: string,
    expected: StoreVersion | undefined,
    options: StoreRequestOptions | undefined,
  ): Promise<boolean> {
    const signal = options?.signal;
    const path = this.#path(key);
    throwIfAborted(signal, key);
    let outcome: "deleted" | "missing" | "changed";
    try {
      const locked = await this.#locked(path, key, signal, async () => {
        if (expected !== undefined && (await versionAt(path, signal)) !== expected) {
          return "changed" as const;
        }
        throwIfAborted(signal, key);
        try {
          await unlink(path);
          return "deleted" as const;
        } catch (error) {
          if (isMissing(error)) return "missing" as const;
          throw error;
        }
      });
      // No directory: the key is missing.
      outcome =
        locked ?? (expected === undefined || expected === ABSENT_VERSION ? "missing" : "changed");
    } catch (error) {
      throw toStoreError(error, key, "delete", signal);
    }
    if (outcome === "deleted") await this.#prune(dirname(path));
    return outcome !== "changed";
  }

  /**
   * Runs `body` holding the lock file of the file `path` (see {@link FileSystemStore}): creates it
   * exclusively, waiting with a short random backoff while another writer holds it and breaking it
   * when older than `staleLockMs`; removes it when `body` settles.
   * @returns what `body` returns; `undefined` (`body` not run) when the directory of `path` is
   * missing (so is the key).
   * @throws a transient StoreError when the lock stays taken for twice `staleLockMs`; AbortError.
   */
  async #locked<T>(
    path: string,
    key: string,
    signal: AbortSignal | undefined,
    body: () => Promise<T>,
  ): Promise<T | undefined> {
    const lock = join(dirname(path), lockName(basename(path)));
    const started = Date.now();
    let ino: number | bigint | undefined;
    for (let attempt = 0; ino === undefined; attempt++) {
      throwIfAborted(signal, key);
      try {
        const handle = await open(lock, "wx");
        try {
          ino = (await handle.stat()).ino;
        } finally {
          await handle.close();
          if (ino === undefined) await unlink(lock).catch(() => undefined);
        }
      } catch (error) {
        if (isMissing(error)) return undefined;
        if (errorCode(error) !== "EEXIST") throw error;
        if (await this.#breakStaleLock(lock)) continue;
        if (Date.now() - started >= 2 * this.#staleLockMs) {
          throw new StoreError(
            `Cannot write "${key}": its lock file ${lock} stayed taken for ${Date.now() - started} ms`,
            { key, transient: true },
          );
        }
        const wait = 1 + Math.random() * Math.min(LOCK_BACKOFF_MAX_MS, 2 ** attempt);
        await sleep(wait, undefined, signal ? { signal } : {});
      }
    }
    try {
      return await body();
    } finally {
      // Remove our lock only: a lock broken as stale may have been taken by another writer since.
      try {
        if ((await lstat(lock)).ino === ino) await unlink(lock);
      } catch {
        // gone already (broken as stale)
      }
    }
  }

  /**
   * Removes the lock file `lock` when it is older than `staleLockMs`. Moves it aside first and
   * checks that what it moved is the stale file it saw (another writer may have broken it and
   * taken the lock in between; that lock is put back).
   * @returns true when the lock is gone (removed, or already missing): try to take it again.
   */
  async #breakStaleLock(lock: string): Promise<boolean> {
    if (this.#staleLockMs === Number.POSITIVE_INFINITY) return false;
    let seen: Awaited<ReturnType<typeof lstat>>;
    try {
      seen = await lstat(lock);
    } catch (error) {
      return isMissing(error);
    }
    if (Date.now() - seen.mtimeMs < this.#staleLockMs) return false;
    // A temp name: if this process dies right here, the temp file cleanup removes it.
    const aside = join(dirname(lock), tempName(basename(lock)));
    try {
      await rename(lock, aside);
    } catch (error) {
      return isMissing(error);
    }
    try {
      const moved = await lstat(aside);
      if (moved.ino !== seen.ino || moved.mtimeMs !== seen.mtimeMs) {
        await link(aside, lock).catch(() => undefined);
      }
    } catch {
      // gone: nothing to put back
    }
    await unlink(aside).catch(() => undefined);
    return true;
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
      else if (!isHidden(entry.name)) keys.push(entry.name);
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
      } else if (kind === "file" && !isHidden(entry.name)) {
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
   * Removes the temp file at `path` when it is a regular file older than `staleTempMs`, or the lock
   * file at `path` when older than `staleLockMs`.
   * @returns true when it was removed; false when it is fresh, gone or cannot be removed.
   */
  async #removeIfStale(path: string): Promise<boolean> {
    if (isLockName(basename(path))) return this.#breakStaleLock(path).catch(() => false);
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
   * When every entry of the directory `path` is a stale temp or lock file, removes them all (so
   * the directory can be pruned). Stops at the first other entry, so a large directory of values
   * costs one read, not a scan.
   * @returns true when the directory is now empty of them.
   */
  async #clearStaleTemps(path: string): Promise<boolean> {
    const stale: string[] = [];
    try {
      for await (const entry of await opendir(path)) {
        if (!entry.isFile() || !isHidden(entry.name)) return false;
        const limit = isLockName(entry.name) ? this.#staleLockMs : this.#staleTempMs;
        if (limit === Number.POSITIVE_INFINITY) return false;
        const file = join(path, entry.name);
        const stats = await lstat(file);
        if (Date.now() - stats.mtimeMs < limit) return false;
        stale.push(file);
      }
    } catch {
      return false;
    }
    for (const file of stale) {
      if (isLockName(basename(file))) await this.#breakStaleLock(file).catch(() => false);
      else await unlink(file).catch(() => undefined);
    }
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

/** Temp and lock files: never listed as keys. */
function isHidden(name: string): boolean {
  return isTempName(name) || isLockName(name);
}

/** The version of the file at `path` now: {@link contentVersion}, `ABSENT_VERSION` when missing. */
async function versionAt(path: string, signal: AbortSignal | undefined): Promise<StoreVersion> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readWhole(path, path, undefined, signal);
  } catch (error) {
    if (isMissing(error)) return ABSENT_VERSION;
    throw error;
  }
  return bytes === undefined ? ABSENT_VERSION : contentVersion(bytes);
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
