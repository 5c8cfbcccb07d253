/**
 * `createThreadedSliceHandler`: the slice service with its engine on a thread of its own. This
 * thread only parses HTTP and relays: each request goes to the engine thread (engine-worker.ts),
 * which opens arrays, plans, makes the store requests, assembles and encodes the answer through
 * one shared Context, and posts the answer back (bytes transferred, not copied). So however busy
 * the engine is with bursts of store responses, the event loop answering HTTP stays free.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { IntervalHistogram } from "node:perf_hooks";
import type { Worker } from "node:worker_threads";
import { nodeWorkerStarter } from "../../exec/node-worker.js";
import { httpErrorOf, ServiceError } from "../errors.js";
import { CORS_HEADERS, sendError, sendJson } from "../http.js";
import { type SliceLimits, sliceLimits } from "../limits.js";
import { loopDelayOf, monitorLoopDelay, type SliceStats } from "../stats.js";
import {
  type EngineSpec,
  type FromEngine,
  type RelayedRequestLog,
  type ToEngine,
  transferable,
} from "./protocol.js";

/** Options of {@link createThreadedSliceHandler}: what the engine serves, and how. */
export interface ThreadedSliceHandlerOptions extends EngineSpec {
  /** Each store request of the engine as it completes (with `logRequests: true`). */
  readonly onRequest?: (entry: RelayedRequestLog) => void;
}

/** A `node:http` handler relaying to an engine thread. */
export interface ThreadedSliceHandler {
  /** Answers one request; never rejects (errors become JSON answers). */
  (req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** The limits in force. */
  readonly limits: SliceLimits;
  /** Resolves once the engine thread is ready; rejects with its start error (`ServiceError`). */
  readonly ready: Promise<void>;
  /**
   * The counters of `GET /v1/stats`: the engine's, with `eventLoopDelayMs` of this (HTTP) thread
   * and `engineLoopDelayMs` of the engine thread.
   * @throws ServiceError `ERR_WORKER` (500) when the engine thread is not running.
   */
  stats(): Promise<SliceStats>;
  /** Stops the engine thread (reads in flight abort, their clients get 500 or a reset). */
  close(): Promise<void>;
}

/** A request relayed and not yet answered. */
interface Open {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly done: () => void;
}

/** One engine thread and what waits on it. */
interface Engine {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  readonly open: Map<number, Open>;
  readonly stats: Map<number, (m: SliceStats | Error) => void>;
  stopped: boolean;
}

/** The buffers of a message to transfer. */
function transfers(m: ToEngine): ArrayBuffer[] {
  return m.type === "body" && m.chunk.buffer instanceof ArrayBuffer ? [m.chunk.buffer] : [];
}

/** `ERR_WORKER` (HTTP 500): the engine thread is not there to answer. */
function engineError(message: string): ServiceError {
  return new ServiceError("ERR_WORKER", 500, message);
}

/**
 * A `(req, res)` handler for `node:http` serving the slice service's routes (the same routes,
 * answers and errors as {@link createSliceHandler}, see docs/serve.md) with the engine on a worker
 * thread: store requests, planning, decoding hand-off, assembly and encoding never run on the
 * event loop answering HTTP. The store is named by `root` (a directory or an `http(s)://` URL
 * prefix) so the engine can open it on its own thread. With `maxConcurrentPlans + maxQueue` requests
 * already in the engine's hands, this thread answers 503 (`ERR_BUSY`, `Retry-After`) itself, so a
 * flood the engine would refuse anyway costs it nothing. If the engine thread dies, the requests it
 * held get a 500 (`ERR_WORKER`) and the next request starts a new one (with empty caches).
 *
 * ```ts
 * const handler = createThreadedSliceHandler({ root: "data/" });
 * await handler.ready;
 * createServer((req, res) => void handler(req, res)).listen(8080, "127.0.0.1");
 * ```
 * @throws OptionsError (`ERR_OPTIONS`) for invalid limits. The root is checked by the engine:
 * `ready` rejects when it cannot be opened.
 */
export function createThreadedSliceHandler(
  options: ThreadedSliceHandlerOptions,
): ThreadedSliceHandler {
  const limits = sliceLimits(options.limits);
  const { onRequest, ...spec } = options;
  const starter = nodeWorkerStarter("./engine-worker", import.meta.url);
  const loop: IntervalHistogram = monitorLoopDelay();
  // Requests this thread answered itself (statistics, an engine that was not there).
  const answeredHere = new Map<number, number>();
  let nextId = 1;
  let closed = false;
  let rejectedHere = 0;
  // Requests relayed and not answered beyond which this thread answers 503 itself: a flood of
  // requests the engine would refuse anyway must not take the engine's time from those it runs.
  const admitted = limits.maxConcurrentPlans + limits.maxQueue;
  let engine: Engine | undefined;

  const startEngine = (): Engine => {
    const open = new Map<number, Open>();
    const stats = new Map<number, (m: SliceStats | Error) => void>();
    let settle!: { resolve: () => void; reject: (e: Error) => void };
    const ready = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    ready.catch(() => undefined); // observed by the requests waiting on it
    const pending: Engine = {
      worker: undefined as unknown as Worker,
      ready,
      open,
      stats,
      stopped: false,
    };
    const stop = (why: string) => {
      if (pending.stopped) return;
      pending.stopped = true;
      const error = engineError(why);
      settle.reject(error);
      for (const o of open.values()) {
        if (o.res.headersSent) o.res.destroy(error);
        else answer(o.res, error);
        o.done();
      }
      open.clear();
      for (const s of stats.values()) s(error);
      stats.clear();
      if (engine === pending) engine = undefined;
    };
    void starter.then(
      (start) => {
        if (pending.stopped) return;
        const worker = start({ workerData: spec });
        (pending as { worker: Worker }).worker = worker;
        worker.on("message", (m: FromEngine) => {
          switch (m.type) {
            case "ready":
              settle.resolve();
              return;
            case "failed":
              stop(`the engine could not start: ${m.message}`);
              void worker.terminate();
              return;
            case "head": {
              const o = open.get(m.id);
              if (o && !o.res.headersSent && !o.res.destroyed) o.res.writeHead(m.status, m.headers);
              return;
            }
            case "data":
              open.get(m.id)?.res.write(m.chunk);
              return;
            case "end": {
              const o = open.get(m.id);
              if (!o) return;
              open.delete(m.id);
              if (m.chunk === undefined) o.res.end();
              else o.res.end(m.chunk);
              o.done();
              return;
            }
            case "destroy": {
              const o = open.get(m.id);
              if (!o) return;
              open.delete(m.id);
              o.res.destroy(m.message === undefined ? undefined : new Error(m.message));
              o.done();
              return;
            }
            case "stats":
              stats.get(m.id)?.(m.stats);
              stats.delete(m.id);
              return;
            case "log":
              onRequest?.(m.entry);
              return;
            case "closed":
              return;
          }
        });
        worker.on("error", (e) => stop(`the engine thread failed: ${e.message}`));
        worker.on("exit", (code) => stop(`the engine thread stopped (exit code ${code})`));
      },
      (e: unknown) => stop(`the engine thread could not start: ${String(e)}`),
    );
    return pending;
  };

  const answer = (res: ServerResponse, e: ServiceError) => {
    answeredHere.set(e.status, (answeredHere.get(e.status) ?? 0) + 1);
    sendError(res, httpErrorOf(e));
  };

  const post = (e: Engine, m: ToEngine) => e.worker.postMessage(m, transfers(m));

  const current = (): Engine => {
    if (closed) throw engineError("the service is closed");
    engine ??= startEngine();
    return engine;
  };

  const stats = async (): Promise<SliceStats> => {
    const e = current();
    await e.ready;
    const id = nextId++;
    const s = await new Promise<SliceStats | Error>((resolve) => {
      e.stats.set(id, resolve);
      post(e, { type: "stats", id });
    });
    if (s instanceof Error) throw s;
    const byStatus: Record<string, number> = { ...s.requests.byStatus };
    let extra = 0;
    for (const [status, n] of answeredHere) {
      byStatus[status] = (byStatus[status] ?? 0) + n;
      extra += n;
    }
    return {
      ...s,
      requests: {
        total: s.requests.total + extra,
        byStatus: Object.fromEntries(Object.entries(byStatus).sort((a, b) => +a[0] - +b[0])),
      },
      plans: { ...s.plans, rejected: s.plans.rejected + rejectedHere },
      eventLoopDelayMs: loopDelayOf(loop),
      engineLoopDelayMs: s.eventLoopDelayMs,
    };
  };

  const relay = async (e: Engine, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    await e.ready;
    if (e.stopped) throw engineError("the engine thread stopped");
    if (e.open.size >= admitted) {
      rejectedHere++;
      throw new ServiceError(
        "ERR_BUSY",
        503,
        `the service is busy: ${e.open.size} requests in hand (maxConcurrentPlans ${limits.maxConcurrentPlans} + maxQueue ${limits.maxQueue}); retry after ${limits.retryAfterSeconds} s`,
        { retryAfterSeconds: limits.retryAfterSeconds },
      );
    }
    // The client left while the engine was starting: nothing to relay.
    if (res.destroyed || res.writableEnded) return;
    const id = nextId++;
    const hasBody = req.method === "POST";
    await new Promise<void>((done) => {
      e.open.set(id, { req, res, done });
      res.on("close", () => {
        if (!e.open.has(id)) return;
        e.open.delete(id);
        post(e, { type: "abort", id });
        done();
      });
      post(e, {
        type: "request",
        id,
        method: req.method ?? "GET",
        url: req.url ?? "/",
        headers: req.headers,
        body: hasBody,
      });
      if (!hasBody) return;
      // At most one byte over the limit is relayed: the engine then answers 413.
      let n = 0;
      const onData = (chunk: Buffer) => {
        if (!e.open.has(id)) return;
        const take = Math.min(chunk.length, limits.maxBodyBytes + 1 - n);
        n += take;
        post(e, { type: "body", id, chunk: transferable(chunk.subarray(0, take)) });
        if (n > limits.maxBodyBytes) {
          req.off("data", onData);
          req.resume();
          post(e, { type: "body-end", id });
        }
      };
      req.on("data", onData);
      req.on("end", () => {
        if (n <= limits.maxBodyBytes && e.open.has(id)) post(e, { type: "body-end", id });
      });
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const path = (req.url ?? "/").replace(/\?.*$/s, "");
      if ((req.method === "GET" || req.method === "HEAD") && /^\/v1\/stats\/?$/.test(path)) {
        const s = await stats();
        answeredHere.set(200, (answeredHere.get(200) ?? 0) + 1);
        sendJson(res, 200, s);
        return;
      }
      if (req.method === "OPTIONS") {
        res.writeHead(204, CORS_HEADERS);
        res.end();
        return;
      }
      await relay(current(), req, res);
    } catch (e) {
      const error = e instanceof ServiceError ? e : engineError(String(e));
      if (res.headersSent) res.destroy(error);
      else answer(res, error);
    }
  };

  const first = current();
  return Object.assign(handle, {
    limits,
    ready: first.ready,
    stats,
    close: async () => {
      if (closed) return;
      closed = true;
      loop.disable();
      const e = engine;
      engine = undefined;
      if (!e || e.stopped) return;
      await e.ready.catch(() => undefined);
      if (!e.stopped) {
        const exited = new Promise<void>((resolve) => e.worker.once("exit", () => resolve()));
        post(e, { type: "close" });
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
        await e.worker.terminate();
      }
    },
  });
}
