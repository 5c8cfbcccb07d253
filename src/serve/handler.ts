/**
 * `createSliceHandler`: a `(req, res)` handler for `node:http` answering the slice service's routes
 * over one store, every request sharing one Context (metadata, shard-index and decoded-chunk caches;
 * the in-flight table, so concurrent users asking the same byte range cause one store request; the
 * decode worker pool). A client that disconnects aborts its reads; a request over its time limit is
 * aborted with 504; beyond `maxConcurrentPlans` running and `maxQueue` waiting, 503 with `Retry-After`.
 * @module
 */
import { setMaxListeners } from "node:events";
import {
  type AnyStore,
  type CacheOptions,
  Context,
  FetchStore,
  FileSystemStore,
  OptionsError,
} from "../index.js";
import { badRequest, httpErrorOf, ServiceError } from "./errors.js";
import { Gate } from "./gate.js";
import { CORS_HEADERS, sendError } from "./http.js";
import { type SliceLimits, sliceLimits } from "./limits.js";
import { planRoute, readRoute } from "./plan-routes.js";
import { dataRoute, explainRoute, infoRoute, pageRoute, statsRoute, treeRoute } from "./routes.js";
import type { Call, ServeRequest, ServeResponse, Service } from "./service.js";
import { type SliceStats, StatsRecorder } from "./stats.js";

/** Cache budgets of the Context a handler makes when none is given: 16 MiB, 64 MiB, 256 MiB. */
export const DEFAULT_SLICE_CACHE: Required<CacheOptions> = Object.freeze({
  metadataBytes: 16 * 1024 ** 2,
  shardIndexBytes: 64 * 1024 ** 2,
  chunkBytes: 256 * 1024 ** 2,
});

/** Options of {@link createSliceHandler}: `store` or `root`. */
export interface SliceHandlerOptions {
  /** The store served (any zarr-plan or zarrita.js store). */
  readonly store?: AnyStore;
  /** Or: a directory (`FileSystemStore`) or an `http(s)://` URL prefix (`FetchStore`) to serve. */
  readonly root?: string;
  /**
   * The Context every request reads through (its caches, limits and workers are shared). Default:
   * a new one with the caches of {@link DEFAULT_SLICE_CACHE} (or `cache`) and plan limits from
   * `limits`, closed by `handler.close()`. A Context given is not closed by the handler.
   */
  readonly context?: Context;
  /** Cache budgets of the Context the handler makes (ignored with `context`). */
  readonly cache?: CacheOptions;
  /** Limits per request and global (see {@link SliceLimits}). */
  readonly limits?: Partial<SliceLimits>;
  /** Serve the browser page at `/` (default true). */
  readonly page?: boolean;
}

/** A `node:http` request handler with its Context, counters and `close()`. */
export interface SliceHandler {
  /** Answers one request; never rejects (errors become JSON answers). */
  (req: ServeRequest, res: ServeResponse): Promise<void>;
  /** The store served. */
  readonly store: AnyStore;
  /** The Context every request reads through. */
  readonly context: Context;
  /** The limits in force. */
  readonly limits: SliceLimits;
  /** The counters of `GET /v1/stats`. */
  stats(): SliceStats;
  /** Stops the counters and closes the Context when the handler made it (reads in flight abort). */
  close(): void;
}

/** The route of a path, and the rest of the path after its prefix. */
type Route = (svc: Service, call: Call) => void | Promise<void>;

const GET_ROUTES: readonly (readonly [string, Route, boolean])[] = [
  // [prefix, route, takes a node path after the prefix]
  ["/v1/stats", statsRoute, false],
  ["/v1/tree", treeRoute, false],
  ["/v1/info/", infoRoute, true],
  ["/v1/info", infoRoute, false],
  ["/v1/data/", dataRoute, true],
  ["/v1/data", dataRoute, false],
  ["/v1/explain/", explainRoute, true],
  ["/v1/explain", explainRoute, false],
  ["/", pageRoute, false],
  ["/index.html", pageRoute, false],
];

const POST_ROUTES: readonly (readonly [string, Route, boolean])[] = [
  ["/v1/read", readRoute, false],
  ["/v1/plan", planRoute, false],
];

/** The route of `method` and raw `path`, and the path after the route's prefix. */
function routeOf(method: string, path: string): { route: Route; rest: string } {
  const table = method === "POST" ? POST_ROUTES : method === "GET" ? GET_ROUTES : undefined;
  for (const [prefix, route, takesPath] of table ?? []) {
    if (takesPath ? path.startsWith(prefix) : path === prefix || path === `${prefix}/`) {
      return { route, rest: takesPath ? path.slice(prefix.length) : "" };
    }
  }
  const other = (method === "POST" ? GET_ROUTES : POST_ROUTES).some(([p, , t]) =>
    t ? path.startsWith(p) : path === p,
  );
  if (other || table === undefined) {
    throw badRequest(`${method} is not allowed on ${JSON.stringify(path)}`, 405);
  }
  throw badRequest(
    `no route ${method} ${JSON.stringify(path)} (routes: /v1/stats, /v1/tree, /v1/info/<path>, /v1/data/<path>, /v1/explain/<path>, POST /v1/read, POST /v1/plan)`,
    404,
  );
}

/** The store of `options`. @throws OptionsError when neither or both of `store` and `root` are given. */
function storeOf(options: SliceHandlerOptions): AnyStore {
  if ((options.store === undefined) === (options.root === undefined)) {
    throw new OptionsError("createSliceHandler", [
      { option: "store", message: "give exactly one of store and root", value: options.store },
    ]);
  }
  if (options.store !== undefined) return options.store;
  const root = options.root!;
  return /^https?:\/\//i.test(root) ? new FetchStore(root) : new FileSystemStore(root);
}

/**
 * A `(req, res)` handler for `node:http` serving the arrays of one store (see docs/serve.md):
 * `GET /v1/stats`, `/v1/tree`, `/v1/info/<path>`, `/v1/data/<path>?select=…&format=npy|json|png`,
 * `/v1/explain/<path>?select=…`, `POST /v1/read` (one plan-file read → `.npy`), `POST /v1/plan`
 * (a plan file → base64 `.npy` per read, or NDJSON), and a browser page at `/`. Node paths stay
 * below the store's root. Errors answer `{ "error": message, "code": "ERR_…" }` (400 bad input,
 * 404 missing node, 413 over a limit, 503 busy with `Retry-After`, 504 timed out). CORS is on.
 *
 * ```ts
 * const handler = createSliceHandler({ root: "data/" });
 * createServer(handler).listen(8080, "127.0.0.1");
 * ```
 * @throws OptionsError (`ERR_OPTIONS`) for invalid limits, or neither/both of `store` and `root`.
 */
export function createSliceHandler(options: SliceHandlerOptions): SliceHandler {
  const limits = sliceLimits(options.limits);
  const store = storeOf(options);
  const owned = options.context === undefined;
  const context =
    options.context ??
    new Context({
      cache: options.cache ?? DEFAULT_SLICE_CACHE,
      limits: { maxOutputBytes: limits.maxOutputBytes, maxTasks: limits.maxChunks },
    });
  const gate = new Gate(limits.maxConcurrentPlans, limits.maxQueue, limits.retryAfterSeconds);
  const stats = new StatsRecorder(context, store, gate);
  const svc: Service = { store, context, limits, gate, stats, page: options.page ?? true };

  const handle = async (req: ServeRequest, res: ServeResponse): Promise<void> => {
    // Aborted when the client leaves or the request runs over its time.
    const controller = new AbortController();
    const signal = controller.signal;
    // Every chunk read in flight listens to the signal.
    setMaxListeners(0, signal);
    let clientGone = false;
    let timedOut = false;
    const onClose = () => {
      if (res.writableFinished) return;
      clientGone = true;
      stats.disconnects++;
      controller.abort(new Error("the client disconnected"));
    };
    res.on("close", onClose);
    res.on("finish", () => stats.answered(res.statusCode));
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`over the time limit of ${limits.timeoutMs} ms`));
    }, limits.timeoutMs);
    try {
      const method = req.method ?? "GET";
      if (method === "OPTIONS") {
        res.writeHead(204, CORS_HEADERS);
        res.end();
        return;
      }
      // The raw path (not normalized by a URL parser, so `..` and `%2e%2e` reach the path checks).
      const raw = (req.url ?? "/").replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, "");
      const q = raw.indexOf("?");
      const path = q < 0 ? raw : raw.slice(0, q);
      const query = new URLSearchParams(q < 0 ? "" : raw.slice(q + 1));
      const { route, rest } = routeOf(method === "HEAD" ? "GET" : method, path);
      await route(svc, { req, res, rest, query, signal });
    } catch (e) {
      if (clientGone) return; // nobody to answer
      const error = timedOut
        ? new ServiceError(
            "ERR_TIMEOUT",
            504,
            `the request took longer than the service's limit of ${limits.timeoutMs} ms (limits.timeoutMs); its reads were aborted`,
            { cause: e },
          )
        : e;
      if (res.headersSent) res.destroy(error instanceof Error ? error : undefined);
      else sendError(res, httpErrorOf(error));
    } finally {
      clearTimeout(timer);
      res.off("close", onClose);
      if (!res.writableEnded && !res.destroyed && !clientGone) res.end();
    }
  };
  return Object.assign(handle, {
    store,
    context,
    limits,
    stats: () => stats.snapshot(),
    close: () => {
      stats.close();
      if (owned) context.close();
    },
  });
}
