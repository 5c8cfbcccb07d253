/**
 * The messages between the HTTP thread of a threaded slice service (front.ts) and its engine
 * thread (engine.ts): each HTTP request is relayed with an id; the engine answers with its head,
 * body pieces and end (or a destroy); body bytes are transferred, not copied.
 * @module
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import type { CacheOptions, RequestLogEntry, StoreSettings } from "../../index.js";
import type { SliceLimits } from "../limits.js";
import type { SliceStats } from "../stats.js";

/** What the engine thread serves and how: everything structured-cloneable. */
export interface EngineSpec {
  /** The served root: a directory, or an `http(s)://` URL prefix. */
  readonly root: string;
  /** Request headers of an HTTP root (e.g. `Authorization`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** HTTP statuses meaning "no such key" (`FetchStore` option `missingStatuses`). */
  readonly missingStatuses?: readonly number[];
  /** Store settings of the engine's Context (coalescing gap and size, requests in flight). */
  readonly storeSettings?: Partial<StoreSettings>;
  /** Cache budgets of the engine's Context (default `DEFAULT_SLICE_CACHE`). */
  readonly cache?: CacheOptions;
  /** The service's limits. */
  readonly limits?: Partial<SliceLimits>;
  /** Serve the browser page at `/` (default true). */
  readonly page?: boolean;
  /** Relay every store request to the HTTP thread's `onRequest` (the CLI's `--log requests`). */
  readonly logRequests?: boolean;
}

/** A store request as relayed to the HTTP thread: the log entry without the store object. */
export type RelayedRequestLog = Omit<RequestLogEntry, "store" | "error"> & {
  /** The store's error, for `error`: its HTTP status and message when it has them. */
  readonly error?: { readonly status?: number; readonly message?: string };
};

/** HTTP thread → engine. */
export type ToEngine =
  | {
      readonly type: "request";
      readonly id: number;
      readonly method: string;
      readonly url: string;
      readonly headers: IncomingHttpHeaders;
      /** False when the request has no body (it ends at once). */
      readonly body: boolean;
    }
  | { readonly type: "body"; readonly id: number; readonly chunk: Uint8Array }
  | { readonly type: "body-end"; readonly id: number }
  /** The client left before the answer was sent. */
  | { readonly type: "abort"; readonly id: number }
  | { readonly type: "stats"; readonly id: number }
  | { readonly type: "close" };

/** Engine → HTTP thread. */
export type FromEngine =
  | { readonly type: "ready" }
  /** The engine could not start (e.g. an invalid root or limits). */
  | { readonly type: "failed"; readonly message: string; readonly code: string | null }
  | {
      readonly type: "head";
      readonly id: number;
      readonly status: number;
      readonly headers: OutgoingHttpHeaders;
    }
  | { readonly type: "data"; readonly id: number; readonly chunk: Uint8Array }
  | { readonly type: "end"; readonly id: number; readonly chunk?: Uint8Array }
  | { readonly type: "destroy"; readonly id: number; readonly message?: string }
  /** The engine's statistics (its `eventLoopDelayMs` is the engine thread's). */
  | { readonly type: "stats"; readonly id: number; readonly stats: SliceStats }
  | { readonly type: "log"; readonly entry: RelayedRequestLog }
  | { readonly type: "closed" };

/**
 * `bytes` ready to transfer: its own buffer when it spans the whole of it, else a copy (a view's
 * buffer may be a shared pool or much larger than the view).
 */
export function transferable(bytes: Uint8Array): Uint8Array {
  const b = bytes.buffer;
  if (b instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === b.byteLength) {
    return bytes;
  }
  return bytes.slice();
}
