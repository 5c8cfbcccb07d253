/**
 * The HTTP transport of `FetchStore`: one `GET` and its answer, either through the WHATWG
 * `fetch` (browsers, an injected `fetch`) or through `node:http` / `node:https` (Node, see
 * `http-node.ts`). Redirects, statuses, ranges and body bounds stay in the store; a transport
 * only sends one request and hands the body out chunk by chunk.
 * @module
 */

import type { HeaderRecord } from "./http-headers.js";

/** A body with at most this many bytes left (by its `Content-Length`) is drained when discarded, keeping the connection. */
export const DRAIN_BYTES = 64 * 1024;

/** Chunks buffered ahead of a `read()` reader before the source is paused. */
export const AHEAD = 16;

/** Idle keep-alive connections are closed after this long (ms), or 1 s before the server's `Keep-Alive: timeout`. */
export const IDLE_MS = 30_000;

/** A request whose connection sends nothing for this long (ms) fails (undici's default for `fetch`). */
export const INACTIVITY_MS = 300_000;

/** One read of a {@link BodyChunks}: a chunk, or the end of the body. */
export type ChunkRead =
  | { done: true; value?: Uint8Array | undefined }
  | { done: false; value: Uint8Array };

/**
 * A response body read chunk by chunk (a web `ReadableStream` reader has this shape). `read`
 * rejects with the transport's error on a network failure or an abort; `cancel` stops the body
 * and releases (or closes) its connection.
 */
export interface BodyChunks {
  read(): Promise<ChunkRead>;
  cancel(): Promise<void>;
  /**
   * Optional, instead of `read()`: calls `onChunk` with each piece of the body as it arrives, a
   * view valid only during the call (it is memory the transport reuses), until the body
   * ends (resolves true) or `onChunk` returns false (resolves false; the caller then cancels).
   * Rejects as `read()` would.
   */
  each?(onChunk: (chunk: Uint8Array) => boolean): Promise<boolean>;
}

/** The answer to one request. */
export interface HttpAnswer {
  status: number;
  statusText: string;
  /** Response headers, names case-insensitive; `null` when absent. */
  headers: { get(name: string): string | null };
  /** The body (decoded when the transport decodes content codings); `null` for none. */
  body: BodyChunks | null;
  /** A browser's opaque answer to a `redirect: "manual"` request (its target is hidden). */
  opaqueRedirect: boolean;
  /**
   * The `Content-Encoding` of a body left encoded (Node transport: a range request, or a coding
   * other than gzip / deflate / br); `undefined` when the body is plain or decoded.
   */
  undecoded: string | undefined;
  /** Releases the connection of a body that is not needed (drained when short, else closed). */
  discard(): void;
}

/** One `GET` request. */
export interface HttpRequest {
  url: URL;
  /** Request headers, lower-case names. */
  headers: HeaderRecord;
  signal: AbortSignal | undefined;
  /** The `fetch` redirect mode (`node:http` never follows redirects, like `"manual"`). */
  redirect: RequestRedirect;
  /** Whether a content-coded body may be decoded (whole-object reads only). */
  decode: boolean;
}

/** Sends `GET` requests. */
export interface HttpTransport {
  /** `"fetch"` or `"node"`. */
  readonly kind: "fetch" | "node";
  /**
   * Closes the keep-alive connections the transport keeps (`"node"`): idle ones at once, busy ones
   * when their answer ends; requests sent later still work, on connections not kept. `fetch`
   * pools its connections itself and has none.
   */
  close?(): void;
  /**
   * Sends `request`; resolves when the status and headers arrived. Network failures and aborts
   * reject with the platform's error (the store maps them).
   */
  send(request: HttpRequest): Promise<HttpAnswer>;
}

/**
 * The transport over the WHATWG `fetch`: `fetchFn()` is looked up per request (so a replaced
 * global `fetch` is seen), `init` is the base `RequestInit` (without `headers` and `redirect`).
 */
export function fetchTransport(
  fetchFn: () => typeof fetch,
  init: Omit<RequestInit, "headers" | "redirect">,
): HttpTransport {
  return {
    kind: "fetch",
    async send(request) {
      const response = await fetchFn()(request.url, {
        ...init,
        method: "GET",
        signal: request.signal,
        headers: request.headers,
        redirect: request.redirect,
      });
      const body = response.body === null ? null : response.body.getReader();
      return {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
        body,
        opaqueRedirect: response.type === "opaqueredirect",
        undecoded: undefined,
        discard() {
          body?.cancel().catch(() => undefined);
        },
      };
    },
  };
}
