/**
 * The byte-budgeted caches of a Context (least recently used first out, `lru-cache`): metadata
 * documents, decoded shard indexes and decoded chunks, each off unless given a budget.
 * @module
 */
import { LRUCache } from "lru-cache";
import type { NDArray } from "../core/ndarray.js";
import type { ShardIndexLike } from "../plan/optimize.js";
import type { ReadableStore } from "../store/types.js";

/** Byte budgets of a Context's caches; 0 (the default) turns a cache off. */
export interface CacheOptions {
  /**
   * Metadata documents (`zarr.json`, `.zarray`, `.zattrs`, `.zgroup`, `.zmetadata`) read by opens,
   * bytes. A cached document is served without a request until evicted, so later changes to it
   * are not seen: use it for data that does not change while the Context lives.
   */
  readonly metadataBytes?: number;
  /** Decoded shard indexes (16 bytes per inner chunk), bytes. Same staleness caveat. */
  readonly shardIndexBytes?: number;
  /**
   * Decoded chunks, and decoded inner chunks of shards (their decoded size), bytes. Same
   * staleness caveat. While it is on, a chunk being decoded for one read is awaited by the
   * others that need it (decoded once however many concurrent plans ask for it).
   */
  readonly chunkBytes?: number;
}

/** A budget in bytes (0: off). @throws RangeError naming the option. */
function budget(value: number | undefined, what: string): number {
  if (value === undefined) return 0;
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new RangeError(`${what} must be a number of bytes >= 0, got ${String(value)}`);
  }
  return Math.floor(value);
}

function byteCache<V extends {}>(
  maxSize: number,
  size: (v: V) => number,
): LRUCache<string, V> | undefined {
  if (maxSize <= 0) return undefined;
  return new LRUCache<string, V>({ maxSize, sizeCalculation: (v) => Math.max(1, size(v)) });
}

/** A cached shard index (`null`: the shard is not stored). */
interface CachedIndex {
  readonly index: ShardIndexLike | null;
}

/** Lookups of one cache: found, and not found (counted only while that cache is on). */
export interface CacheCounts {
  hits: number;
  misses: number;
}

/** Lookups of a Context's caches, for stats pages and benchmarks. */
export interface CacheStats {
  readonly metadata: CacheCounts;
  readonly shardIndex: CacheCounts;
  readonly chunk: CacheCounts;
}

/** Counts a lookup of a cache that is on; returns the value found. */
function counted<V>(counts: CacheCounts, value: V | undefined): V | undefined {
  if (value === undefined) counts.misses++;
  else counts.hits++;
  return value;
}

/** The caches of one Context, keyed by store identity and key. */
export class ContextCaches {
  /** Lookups so far of each cache that is on (hits and misses). */
  readonly stats: CacheStats = {
    metadata: { hits: 0, misses: 0 },
    shardIndex: { hits: 0, misses: 0 },
    chunk: { hits: 0, misses: 0 },
  };
  readonly #storeIds = new WeakMap<object, number>();
  #nextStoreId = 0;
  readonly #metadata: LRUCache<string, Uint8Array> | undefined;
  readonly #indexes: LRUCache<string, CachedIndex> | undefined;
  readonly #chunks: LRUCache<string, NDArray> | undefined;
  /** Chunks being fetched and decoded right now, by cache key (only while the chunk cache is on). */
  readonly #pending = new Map<string, Promise<NDArray | undefined>>();

  /** @throws RangeError for a negative or non-finite budget. */
  constructor(options: CacheOptions = {}) {
    this.#metadata = byteCache<Uint8Array>(
      budget(options.metadataBytes, "cache.metadataBytes"),
      (v) => v.length,
    );
    this.#indexes = byteCache<CachedIndex>(
      budget(options.shardIndexBytes, "cache.shardIndexBytes"),
      (v) => 16 * (v.index?.offsets.length ?? 0),
    );
    this.#chunks = byteCache<NDArray>(budget(options.chunkBytes, "cache.chunkBytes"), (v) =>
      chunkByteSize(v),
    );
  }

  /** A key naming `key` of `store` in these caches. */
  #key(store: ReadableStore, key: string): string {
    let id = this.#storeIds.get(store);
    if (id === undefined) {
      id = this.#nextStoreId++;
      this.#storeIds.set(store, id);
    }
    return `${id}\u0000${key}`;
  }

  /** Whether metadata documents are cached. */
  get cachesMetadata(): boolean {
    return this.#metadata !== undefined;
  }

  /** The cached metadata document `key` of `store`. */
  metadata(store: ReadableStore, key: string): Uint8Array | undefined {
    if (!this.#metadata) return undefined;
    return counted(this.stats.metadata, this.#metadata.get(this.#key(store, key)));
  }

  /** Keeps a metadata document (when that cache is on). */
  keepMetadata(store: ReadableStore, key: string, bytes: Uint8Array): void {
    this.#metadata?.set(this.#key(store, key), bytes);
  }

  /** The cached shard index of `key` (`undefined`: not cached; `null`: the shard is not stored). */
  shardIndex(store: ReadableStore, key: string): ShardIndexLike | null | undefined {
    if (!this.#indexes) return undefined;
    return counted(this.stats.shardIndex, this.#indexes.get(this.#key(store, key)))?.index;
  }

  /** Keeps a decoded shard index (when that cache is on). */
  keepShardIndex(store: ReadableStore, key: string, index: ShardIndexLike | null): void {
    this.#indexes?.set(this.#key(store, key), { index });
  }

  /** Whether decoded chunks are cached. */
  get cachesChunks(): boolean {
    return this.#chunks !== undefined;
  }

  /** The cached decoded chunk of `key` (read-only: never write into it). */
  chunk(store: ReadableStore, key: string): NDArray | undefined {
    if (!this.#chunks) return undefined;
    return counted(this.stats.chunk, this.#chunks.get(this.#key(store, key)));
  }

  /** Keeps a decoded chunk (when that cache is on); the caches own `chunk` from then on. */
  keepChunk(store: ReadableStore, key: string, chunk: NDArray): void {
    this.#chunks?.set(this.#key(store, key), chunk);
  }

  /** The cached decoded inner chunk `index` of the shard `key` (read-only: never write into it). */
  innerChunk(store: ReadableStore, key: string, index: number): NDArray | undefined {
    return this.chunk(store, innerKey(key, index));
  }

  /** Keeps a decoded inner chunk (when the chunk cache is on); the caches own `chunk` from then on. */
  keepInnerChunk(store: ReadableStore, key: string, index: number, chunk: NDArray): void {
    this.keepChunk(store, innerKey(key, index), chunk);
  }

  /**
   * The decode of chunk `key` (an inner chunk: `innerKey(shard, index)`) another read has in
   * progress: resolves to the decoded chunk, `undefined` when it is not stored; rejects when that
   * read failed (the caller then reads it itself).
   */
  pending(store: ReadableStore, key: string): Promise<NDArray | undefined> | undefined {
    return this.#chunks ? this.#pending.get(this.#key(store, key)) : undefined;
  }

  /**
   * Announces that chunk `key` is being fetched and decoded (while the chunk cache is on): other
   * reads await `done` instead of decoding it again. It is forgotten when `done` settles.
   */
  track(store: ReadableStore, key: string, done: Promise<NDArray | undefined>): void {
    if (!this.#chunks) return;
    const k = this.#key(store, key);
    this.#pending.set(k, done);
    const drop = () => {
      if (this.#pending.get(k) === done) this.#pending.delete(k);
    };
    done.then(drop, drop);
  }

  /** Drops what the caches hold of `key` of `store` (it is being written), inner chunks included. */
  forget(store: ReadableStore, key: string): void {
    const k = this.#key(store, key);
    this.#metadata?.delete(k);
    this.#indexes?.delete(k);
    this.#chunks?.delete(k);
    if (this.#chunks) {
      const prefix = `${k}${INNER}`;
      for (const c of [...this.#chunks.keys()]) if (c.startsWith(prefix)) this.#chunks.delete(c);
    }
  }

  /** Empties every cache. */
  clear(): void {
    this.#metadata?.clear();
    this.#indexes?.clear();
    this.#chunks?.clear();
  }
}

/** Separates a shard key from an inner chunk index in cache keys (never in a store key). */
const INNER = "\u0001";

/** The cache key of inner chunk `index` of the shard `key`. */
export function innerKey(key: string, index: number): string {
  return `${key}${INNER}${index}`;
}

/**
 * Bytes a decoded chunk holds in memory: its TypedArray's length in bytes; for string and
 * variable-length bytes data (JS arrays), 2 bytes per UTF-16 code unit or 1 per byte plus 16 per
 * element (an estimate: engines do not expose the size of a string).
 */
function chunkByteSize(a: NDArray): number {
  const d = a.data;
  if (ArrayBuffer.isView(d)) return d.byteLength;
  let n = 0;
  for (const v of d) n += 16 + (typeof v === "string" ? 2 * v.length : v.byteLength);
  return n;
}
