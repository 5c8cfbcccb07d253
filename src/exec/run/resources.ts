/**
 * What one execution uses of the {@link Context} that runs it (the Context implements this), so
 * the run modules do not depend on the Context module that starts them.
 * @module
 */
import type { NDArray } from "../../core/ndarray.js";
import type { ArraySource } from "../../index-space/source.js";
import type { ShardIndexLike } from "../../plan/optimize.js";
import type { RetryOptions } from "../../plan/plan-json.js";
import type { ReadableStore } from "../../store/types.js";
import type { DecodePool } from "../decode-pool.js";
import type { Limiter } from "../limiter.js";
import type { RetryPolicy, StoreScheduler } from "../scheduler.js";

/** The shared resources a plan execution draws on. */
export interface RunResources {
  /** The request scheduler of `store` (limit, retries, shared in-flight requests, log). */
  scheduler(store: ReadableStore): StoreScheduler;
  /** The decode worker pool. */
  readonly decodePool: DecodePool;
  /** The limit of decodes in progress. */
  readonly decodeLimiter: Limiter;
  /** The `readChunk` limit of an array source without a store. */
  sourceLimiter(source: ArraySource): Limiter;
  /** The retry policy of an execution (its options, else the Context's). */
  retryPolicy(retry?: RetryOptions, timeoutMs?: number): RetryPolicy;
  /** A cached shard index (`undefined`: not cached; `null`: the shard is not stored). */
  cachedShardIndex(store: ReadableStore, key: string): ShardIndexLike | null | undefined;
  /** Keeps a decoded shard index (when that cache is on). */
  cacheShardIndex(store: ReadableStore, key: string, index: ShardIndexLike | null): void;
  /** Whether decoded chunks are cached. */
  readonly cachesChunks: boolean;
  /** A cached decoded chunk (read-only). */
  cachedChunk(store: ReadableStore, key: string): NDArray | undefined;
  /** Keeps a decoded chunk (when that cache is on). */
  cacheChunk(store: ReadableStore, key: string, chunk: NDArray): void;
  /** A signal that aborts with `signal` or when the Context closes. */
  link(signal: AbortSignal | undefined): { signal: AbortSignal; dispose: () => void };
}
