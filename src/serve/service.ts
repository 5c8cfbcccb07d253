/**
 * What the routes of the slice service share: the service (store, Context, limits, gate, counters)
 * and the request being answered.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
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

/** One request being answered. */
export interface Call {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** The raw path after the route's prefix (still percent-encoded). */
  readonly rest: string;
  readonly query: URLSearchParams;
  /** Aborted when the client leaves or the request times out. */
  readonly signal: AbortSignal;
}
