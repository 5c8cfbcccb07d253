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
  /** Event-loop delay since start, ms (`monitorEventLoopDelay`, 10 ms resolution). */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** Resident set size and V8 heap in use, bytes. */
  memory: { rss: number; heapUsed: number };
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
    this.#histogram = monitorEventLoopDelay({ resolution: 10 });
    this.#histogram.enable();
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
    const h = this.#histogram;
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
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
      eventLoopDelayMs: {
        p50: h.count === 0 ? 0 : ms(h.percentile(50)),
        p99: h.count === 0 ? 0 : ms(h.percentile(99)),
        max: h.count === 0 ? 0 : ms(h.max),
      },
      memory: { rss: mem.rss, heapUsed: mem.heapUsed },
    };
  }

  /** Stops the event-loop monitor and the request log listener. */
  close(): void {
    this.#histogram.disable();
    this.#unsubscribe();
  }
}
