/**
 * The service's counters (`GET /v1/stats`): requests answered by status, store requests and bytes
 * (from the Context's request log), cache hits and misses, requests joined in flight, plans
 * running and waiting, event-loop delay percentiles (`perf_hooks.monitorEventLoopDelay`) and memory.
 * @module
 */
import { type IntervalHistogram, monitorEventLoopDelay } from "node:perf_hooks";
import type { CacheStats, Context, ReadableStore, RequestLogEntry } from "../index.js";
import type { Gate } from "./gate.js";

/** Store operations that read. */
const READ_OPS: ReadonlySet<string> = new Set(["get", "getRange", "getVersioned", "list"]);

/** The JSON of `GET /v1/stats`. */
export interface SliceStats {
  /** Seconds since the handler was made. */
  uptimeSeconds: number;
  /** Requests answered (every route), and by HTTP status. */
  requests: { total: number; byStatus: Record<string, number> };
  /** Requests aborted by their client before the answer was sent. */
  disconnects: number;
  /** Store read requests made (retries included; joined requests and cache hits make none). */
  storeRequests: number;
  /** Bytes received from the store. */
  storeBytes: number;
  /** Requests that joined an identical request already in flight instead of making their own. */
  inFlightJoins: number;
  /** Cache lookups, per cache (counted while that cache is on). */
  cache: CacheStats;
  /** Plans running, waiting, and refused with 503. */
  plans: { running: number; queued: number; rejected: number };
  /**
   * Delay of the event loop answering HTTP since start, ms: how late a timer due every
   * {@link LOOP_RESOLUTION_MS} ms ran (`perf_hooks.monitorEventLoopDelay`, whose samples are the
   * whole interval between two runs, so the resolution is taken off each percentile).
   */
  eventLoopDelayMs: LoopDelay;
  /**
   * With the engine on a thread of its own (`createThreadedSliceHandler`, `zarr-plan serve`): the
   * same delay of the engine thread's event loop, where store requests, planning and assembly run.
   */
  engineLoopDelayMs?: LoopDelay;
  /** Resident set size and V8 heap in use, bytes. */
  memory: { rss: number; heapUsed: number };
}

/** Percentiles of an event loop's delay, ms. */
export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

/** The interval of the event-loop delay monitors, ms. */
export const LOOP_RESOLUTION_MS = 5;

/** Starts a monitor of this thread's event-loop delay (read it with {@link loopDelayOf}). */
export function monitorLoopDelay(): IntervalHistogram {
  const h = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  h.enable();
  return h;
}

/**
 * The delay percentiles of `h`, ms (0.01 ms steps): each sample is the time between two runs of a
 * timer due every {@link LOOP_RESOLUTION_MS} ms, so the resolution is taken off (at least 0).
 */
export function loopDelayOf(h: IntervalHistogram): LoopDelay {
  if (h.count === 0) return { p50: 0, p99: 0, max: 0 };
  const ms = (ns: number) => Math.max(0, Math.round((ns / 1e6 - LOOP_RESOLUTION_MS) * 100) / 100);
  return { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) };
}

/** Counters of one handler. */
export class StatsRecorder {
  readonly #started = performance.now();
  readonly #histogram: IntervalHistogram;
  readonly #byStatus = new Map<number, number>();
  readonly #unsubscribe: () => void;
  #requests = 0;
  #storeRequests = 0;
  #storeBytes = 0;
  disconnects = 0;

  constructor(
    readonly context: Context,
    readonly store: ReadableStore,
    readonly gate: Gate,
  ) {
    this.#histogram = monitorLoopDelay();
    this.#unsubscribe = context.onRequest((e: RequestLogEntry) => {
      if (!READ_OPS.has(e.op)) return;
      this.#storeRequests++;
      this.#storeBytes += e.bytes;
    });
  }

  /** Counts an answered request. */
  answered(status: number): void {
    this.#requests++;
    this.#byStatus.set(status, (this.#byStatus.get(status) ?? 0) + 1);
  }

  /** The counters now. */
  snapshot(): SliceStats {
    const caches = this.context.caches.stats;
    const mem = process.memoryUsage();
    return {
      uptimeSeconds: Math.round(performance.now() - this.#started) / 1000,
      requests: {
        total: this.#requests,
        byStatus: Object.fromEntries([...this.#byStatus].sort((a, b) => a[0] - b[0])),
      },
      disconnects: this.disconnects,
      storeRequests: this.#storeRequests,
      storeBytes: this.#storeBytes,
      inFlightJoins: this.context.scheduler(this.store).stats.joined,
      cache: {
        metadata: { ...caches.metadata },
        shardIndex: { ...caches.shardIndex },
        chunk: { ...caches.chunk },
      },
      plans: { running: this.gate.active, queued: this.gate.queued, rejected: this.gate.rejected },
      eventLoopDelayMs: loopDelayOf(this.#histogram),
      memory: { rss: mem.rss, heapUsed: mem.heapUsed },
    };
  }

  /** Stops the event-loop monitor and the request log listener. */
  close(): void {
    this.#histogram.disable();
    this.#unsubscribe();
  }
}
