/**
 * `ZipStore`: a Zarr hierarchy inside a ZIP archive (`.zarr.zip`, as zarr-python's `ZipStore`
 * writes it), read through another store by byte ranges, and {@link writeZip}, which packs a
 * store into one.
 *
 * The archive is one value (`archiveKey`) of an inner store: a file of a `FileSystemStore`, a URL
 * of a `FetchStore`, bytes in a `MemoryStore`. Opening reads the end of the archive once (one
 * suffix request of at most 65,557 bytes; the central directory comes with it when it fits, else
 * one more request, two with a ZIP64 record outside the tail); each `get` then reads one entry by
 * one byte range (its local header and data; a second request only when the local header's
 * extra field is longer than guessed). Stored (method 0) and deflate (method 8) entries are read,
 * their CRC-32 checked; ZIP64 archives and entries are read. Encrypted entries, other
 * compression methods and multi-disk archives are refused (`StoreError`).
 *
 * Every size the archive declares is bounded before anything is allocated or requested: the
 * central directory (`maxDirectoryBytes`), the number of entries (46 bytes each at least), each
 * entry's size (`maxEntryBytes`, and the caller's `maxBytes`); deflate output is never larger
 * than the declared size. Follows PKWARE's APPNOTE.TXT (6.3).
 * @module
 */

import { Inflate } from "fflate";
import { StoreError, throwIfAborted } from "../core/errors.js";
import { STORE_BRAND } from "./brand.js";
import { assertKey, assertPrefix, dirPrefix } from "./keys.js";
import { assertByteLimit, tooLargeError } from "./limits.js";
import { assertRange, sliceRange } from "./range.js";
import type {
  DirListing,
  ListableStore,
  RangeQuery,
  ReadableStore,
  StoreRequestOptions,
} from "./types.js";
import {
  localDataOffset,
  MAX_TAIL_BYTES,
  parseCentralDirectory,
  parseZip64Record,
  parseZipEnd,
  type ZipEntry,
  ZipFormatError,
} from "./zip-directory.js";

/** Options of {@link ZipStore}. */
export interface ZipStoreOptions {
  /** Largest central directory accepted, bytes (default 64 MiB). */
  readonly maxDirectoryBytes?: number;
  /** Largest entry accepted (uncompressed and compressed), bytes (default 2^31 − 1). */
  readonly maxEntryBytes?: number;
}

/** Bytes read past an entry's expected local header, so that a longer extra field rarely costs a request. */
const HEADER_SLACK = 64;

/** The archive's directory, read once. */
interface Directory {
  readonly entries: Map<string, ZipEntry>;
}

/**
 * A read-only store over a ZIP archive held by another store (see the module doc). Keys are the
 * archive's entry names (`"zarr.json"`, `"a/c/0/0"`); directory entries are not keys.
 *
 * @example
 * ```ts
 * const zip = new ZipStore(new FetchStore("https://example.org/"), "data.zarr.zip");
 * const arr = await openArray(zip, "temperature");
 * ```
 */
export class ZipStore implements ReadableStore, ListableStore {
  readonly [STORE_BRAND] = true;
  readonly #inner: ReadableStore;
  readonly #archiveKey: string;
  readonly #maxDirectory: number;
  readonly #maxEntry: number;
  #directory: Promise<Directory> | undefined;

  /**
   * @param inner the store holding the archive.
   * @param archiveKey the archive's key in `inner` (e.g. `"data.zarr.zip"`).
   * @throws RangeError for an invalid limit; StoreError for an invalid key.
   */
  constructor(inner: ReadableStore, archiveKey: string, options: ZipStoreOptions = {}) {
    assertKey(archiveKey);
    assertByteLimit(options.maxDirectoryBytes, "maxDirectoryBytes");
    assertByteLimit(options.maxEntryBytes, "maxEntryBytes");
    this.#inner = inner;
    this.#archiveKey = archiveKey;
    this.#maxDirectory = options.maxDirectoryBytes ?? 64 * 1024 * 1024;
    this.#maxEntry = options.maxEntryBytes ?? 2 ** 31 - 1;
  }

  /** A `ZipStore` over archive bytes in memory. */
  static fromBytes(bytes: Uint8Array, options?: ZipStoreOptions): ZipStore {
    const inner: ReadableStore = {
      get: async (key) => (key === "archive.zip" ? bytes : undefined),
      getRange: async (key, range) =>
        key === "archive.zip" ? sliceRange(bytes, range) : undefined,
    };
    return new ZipStore(inner, "archive.zip", options);
  }

  #fail(message: string, cause?: unknown): StoreError {
    return new StoreError(`ZIP archive "${this.#archiveKey}": ${message}`, {
      key: this.#archiveKey,
      transient: false,
      cause,
    });
  }

  async #range(range: RangeQuery, options?: StoreRequestOptions): Promise<Uint8Array> {
    const b = await this.#inner.getRange(this.#archiveKey, range, { signal: options?.signal });
    if (b === undefined)
      throw new StoreError(`ZIP archive "${this.#archiveKey}" not found`, {
        key: this.#archiveKey,
      });
    return b;
  }

  /** The directory, read on first use (a failed read is retried by the next call). */
  #load(options?: StoreRequestOptions): Promise<Directory> {
    if (!this.#directory) {
      const p = this.#readDirectory(options);
      this.#directory = p;
      p.catch(() => {
        if (this.#directory === p) this.#directory = undefined;
      });
    }
    return this.#directory;
  }

  async #readDirectory(options?: StoreRequestOptions): Promise<Directory> {
    const tail = await this.#range({ suffixLength: MAX_TAIL_BYTES }, options);
    try {
      let end = parseZipEnd(tail);
      if (end.zip64RecordOffset !== undefined) {
        end = {
          ...parseZip64Record(
            await this.#range({ offset: end.zip64RecordOffset, length: 56 }, options),
          ),
          tailOffset: undefined,
        };
      }
      if (end.cdSize > this.#maxDirectory) {
        throw this.#fail(
          `central directory of ${end.cdSize} bytes is larger than maxDirectoryBytes (${this.#maxDirectory})`,
        );
      }
      if (end.entries * 46 > end.cdSize) {
        throw this.#fail(
          `${end.entries} entries cannot fit a ${end.cdSize}-byte central directory`,
        );
      }
      let cd: Uint8Array;
      const inTail = end.tailOffset === undefined ? -1 : end.cdOffset - end.tailOffset;
      if (inTail >= 0 && inTail + end.cdSize <= tail.length)
        cd = tail.subarray(inTail, inTail + end.cdSize);
      else cd = await this.#range({ offset: end.cdOffset, length: end.cdSize }, options);
      if (cd.length !== end.cdSize)
        throw this.#fail(`central directory truncated (${cd.length} of ${end.cdSize} bytes)`);
      return { entries: parseCentralDirectory(cd, end.entries) };
    } catch (e) {
      if (e instanceof ZipFormatError) throw this.#fail(e.message, e);
      throw e;
    }
  }

  /**
   * The stored bytes of `entry` (compressed form), reading its local header in the same request
   * when the header is as long as the central directory suggests.
   */
  async #rawEntry(entry: ZipEntry, options?: StoreRequestOptions): Promise<Uint8Array> {
    const guess = 30 + entry.headerHint + HEADER_SLACK;
    const first = await this.#range(
      { offset: entry.localHeaderOffset, length: guess + entry.compressedSize },
      options,
    );
    let start: number;
    try {
      start = localDataOffset(first, entry.name);
    } catch (e) {
      throw this.#fail(`entry "${entry.name}": ${(e as Error).message}`, e);
    }
    if (start + entry.compressedSize <= first.length)
      return first.subarray(start, start + entry.compressedSize);
    const data = await this.#range(
      { offset: entry.localHeaderOffset + start, length: entry.compressedSize },
      options,
    );
    if (data.length !== entry.compressedSize)
      throw this.#fail(`entry "${entry.name}" is truncated`);
    return data;
  }

  #check(entry: ZipEntry, key: string, options?: StoreRequestOptions): void {
    if (entry.flags & 1) throw this.#fail(`entry "${key}" is encrypted`);
    if (entry.method !== 0 && entry.method !== 8) {
      throw this.#fail(
        `entry "${key}" uses compression method ${entry.method} (only stored and deflate are read)`,
      );
    }
    for (const size of [entry.size, entry.compressedSize]) {
      if (size > this.#maxEntry)
        throw tooLargeError(key, this.#archiveKey, size, this.#maxEntry, "maxEntryBytes");
    }
    const max = options?.maxBytes;
    if (max !== undefined && entry.size > max)
      throw tooLargeError(key, this.#archiveKey, entry.size, max, "maxBytes");
  }

  /**
   * The entry `key`, decompressed and CRC-checked, or `undefined` when the archive has no such
   * entry. Honours `options.maxBytes` (checked against the declared size before reading).
   * @throws StoreError for a missing archive, a malformed archive or entry, a CRC mismatch, an
   *   encrypted entry or an unsupported compression method, or an entry over a limit; AbortError.
   */
  async get(key: string, options?: StoreRequestOptions): Promise<Uint8Array | undefined> {
    throwIfAborted(options?.signal, key);
    assertKey(key);
    assertByteLimit(options?.maxBytes, "maxBytes");
    const entry = (await this.#load(options)).entries.get(key);
    if (!entry) return undefined;
    this.#check(entry, key, options);
    const raw = await this.#rawEntry(entry, options);
    let data: Uint8Array;
    if (entry.method === 0) {
      if (raw.length !== entry.size)
        throw this.#fail(`stored entry "${key}" has ${raw.length} bytes, not ${entry.size}`);
      data = new Uint8Array(raw);
    } else data = this.#inflate(raw, entry.size, key);
    const { crc32 } = await import("../core/hash-wasm-fns.js");
    const crc = Number.parseInt(await crc32(data), 16);
    if (crc !== entry.crc32) throw this.#fail(`entry "${key}" fails its CRC-32 check (corrupt)`);
    return data;
  }

  /** Inflates raw DEFLATE into exactly `size` bytes, never allocating or keeping more. */
  #inflate(raw: Uint8Array, size: number, key: string): Uint8Array {
    const out = new Uint8Array(size);
    let n = 0;
    let over = false;
    const inflater = new Inflate((chunk) => {
      if (n + chunk.length > size) over = true;
      else out.set(chunk, n);
      n += chunk.length;
    });
    try {
      for (let i = 0; i < raw.length && !over; i += 16384) {
        inflater.push(raw.subarray(i, Math.min(raw.length, i + 16384)), i + 16384 >= raw.length);
      }
    } catch (e) {
      throw this.#fail(`entry "${key}": corrupt deflate data (${(e as Error).message})`, e);
    }
    if (over || n !== size)
      throw this.#fail(`entry "${key}" inflates to ${over ? "more" : n} bytes, not ${size}`);
    return out;
  }

  /**
   * Part of the entry `key` (clamped as HTTP ranges are), or `undefined` when missing. Stored
   * entries are read by one byte range of the archive; deflate entries are read whole.
   * @throws as {@link get}; RangeError for an invalid range.
   */
  async getRange(
    key: string,
    range: RangeQuery,
    options?: StoreRequestOptions,
  ): Promise<Uint8Array | undefined> {
    throwIfAborted(options?.signal, key);
    assertKey(key);
    assertRange(range, key);
    const entry = (await this.#load(options)).entries.get(key);
    if (!entry) return undefined;
    if (entry.method !== 0 || entry.flags & 1) {
      const whole = await this.get(key, options);
      return whole === undefined ? undefined : sliceRange(whole, range);
    }
    this.#check(entry, key);
    const raw = await this.#rawEntry(entry, options);
    return sliceRange(raw, range);
  }

  /** Every entry name starting with `prefix`, sorted. */
  async list(prefix = "", options?: StoreRequestOptions): Promise<string[]> {
    throwIfAborted(options?.signal, prefix);
    assertPrefix(prefix);
    const { entries } = await this.#load(options);
    return [...entries.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  /** The direct children of `prefix` (`""` or ending in `/`), sorted. */
  async listDir(prefix = "", options?: StoreRequestOptions): Promise<DirListing> {
    throwIfAborted(options?.signal, prefix);
    const dir = dirPrefix(prefix);
    assertPrefix(dir);
    const { entries } = await this.#load(options);
    const keys: string[] = [];
    const prefixes = new Set<string>();
    for (const key of entries.keys()) {
      if (!key.startsWith(dir)) continue;
      const rest = key.slice(dir.length);
      const slash = rest.indexOf("/");
      if (slash === -1) keys.push(rest);
      else prefixes.add(rest.slice(0, slash));
    }
    return { keys: keys.sort(), prefixes: [...prefixes].sort() };
  }
}
