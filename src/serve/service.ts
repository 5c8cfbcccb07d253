/**
 * What the routes of the slice service share: the service (store, Context, limits, gate, counters)
 * and the request being answered.
 * @module
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import type { AnyStore, Context } from "../index.js";
import type { Gate } from "./gate.js";
import type { SliceLimits } from "./limits.js";
import type { StatsRecorder } from "./stats.js";

/** What every route uses: the store, the shared Context, the limits, the gate, the counters. */
export interface Service {
  readonly store: AnyStore;
  readonly context: Context;
  readonly limits: SliceLimits;
  readonly gate: Gate;
  readonly stats: StatsRecorder;
  /** Serve the browser page at `/`. */
  readonly page: boolean;
}

/**
 * The parts of a `node:http` request the routes use: `IncomingMessage` has them, and so has the
 * relayed request of an engine thread (see relay/engine.ts). The body is read by iterating it.
 */
export interface ServeRequest extends AsyncIterable<unknown> {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: IncomingHttpHeaders;
}

/**
 * The parts of a `node:http` response the routes use: `ServerResponse` has them, and so has the
 * relayed response of an engine thread. Emits `"finish"` once the answer is sent and `"close"`
 * when it ends or the client leaves.
 */
export interface ServeResponse {
  readonly headersSent: boolean;
  readonly destroyed: boolean;
  readonly writableEnded: boolean;
  readonly writableFinished: boolean;
  readonly statusCode: number;
  writeHead(status: number, headers?: OutgoingHttpHeaders): unknown;
  write(chunk: string | Uint8Array): boolean;
  end(chunk?: string | Uint8Array): unknown;
  destroy(error?: Error): unknown;
  on(event: "close" | "finish", listener: () => void): unknown;
  off(event: "close" | "finish", listener: () => void): unknown;
}

/** One request being answered. */
export interface Call {
  readonly req: ServeRequest;
  readonly res: ServeResponse;
  /** The raw path after the route's prefix (still percent-encoded). */
  readonly rest: string;
  readonly query: URLSearchParams;
  /** Aborted when the client leaves or the request times out. */
  readonly signal: AbortSignal;
}
