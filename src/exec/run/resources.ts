/**
 * What one execution uses of the {@link Context} that runs it (the Context implements this), so
 * the run modules do not depend on the Context module that starts them.
 * @module
 */
import type { ArraySource } from "../../index-space/source.js";
import type { RetryOptions } from "../../plan/plan-json.js";
import type { ReadableStore } from "../../store/types.js";
import type { BodyBuffers } from "../body-buffers.js";
import type { ContextCaches } from "../caches.js";
import type { DecodePool } from "../decode-pool.js";
import type { Limiter } from "../limiter.js";
import type { RetryPolicy, StoreScheduler } from "../scheduler.js";

/** The shared resources a plan execution draws on. */
export interface RunResources {
  /** The request scheduler of `store` (limit, retries, shared in-flight requests, log). */
  scheduler(store: ReadableStore): StoreScheduler;
  /** The decode worker pool. */
  readonly decodePool: DecodePool;
  /** The budget and reused memory of response bodies. */
  readonly bodyBuffers: BodyBuffers;
  /** The limit of decodes in progress. */
  readonly decodeLimiter: Limiter;
  /** The `readChunk` limit of an array source without a store. */
  sourceLimiter(source: ArraySource): Limiter;
  /** The retry policy of an execution (its options, else the Context's). */
  retryPolicy(retry?: RetryOptions, timeoutMs?: number): RetryPolicy;
  /** The caches (shard indexes, decoded chunks; off unless given budgets). */
  readonly caches: ContextCaches;
  /** A signal that aborts with `signal` or when the Context closes. */
  link(signal: AbortSignal | undefined): { signal: AbortSignal; dispose: () => void };
}
