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
  /**
   * Optional, instead of `read()` and before it: the whole body at once, when the transport has a
   * faster way to take a large body whole than chunk by chunk and the body announces (by its
   * `Content-Length`) at most `max` bytes; `undefined` when that does not apply (then read the
   * body with `read()`). The result's `size` is the body's real size, known before `bytes()`
   * allocates it: check it against `max` first (a content-coded body can be larger than its
   * `Content-Length`). Rejects as `read()` would.
   */
  whole?(max: number): Promise<WholeBody | undefined>;
}

/** A body taken whole ({@link BodyChunks.whole}): its size, and its bytes on demand. */
export interface WholeBody {
  /** The body's size in bytes. */
  readonly size: number;
  /** Allocates and returns the body's bytes (`size` of them). */
  bytes(): Promise<ArrayBuffer>;
}

/**
 * In browsers, bodies announcing at least this many bytes are taken whole through
 * `Response.blob()` by the `fetch` transport ({@link BodyChunks.whole}): 2 MiB. In headless
 * Chromium 156 on a 2-core VM, sixteen concurrent 8 MiB bodies took 1.0–1.1 s through `blob()`
 * and 1.4 s through a stream reader (the shards of the peer benchmark whole: 1.1 s against
 * 2.1 s); at 1 MiB both took the same, at 256 KiB `blob()` was slower (121–133 against
 * 104–116 ms).
 */
export const WHOLE_BODY_MIN_BYTES = 2 * 1024 * 1024;

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
 * With `wholeBodyMinBytes`, bodies announcing at least that many bytes can be taken whole
 * ({@link BodyChunks.whole}); `FetchStore` gives {@link WHOLE_BODY_MIN_BYTES} in browsers and
 * nothing in Node, where `fetch` (undici) gathers a `blob()` from the same chunks a reader sees.
 */
export function fetchTransport(
  fetchFn: () => typeof fetch,
  init: Omit<RequestInit, "headers" | "redirect">,
  wholeBodyMinBytes?: number,
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
      const body = fetchBody(response, wholeBodyMinBytes);
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

/**
 * The body of a `fetch` answer: read chunk by chunk through its stream's reader (made on first
 * use), or, with `wholeMin`, a body announcing from `wholeMin` bytes whole through
 * `Response.blob()`. Not a content-coded one: its decoded size is not bounded by its
 * `Content-Length` (cross-origin answers hide `Content-Encoding` unless the server exposes it;
 * their blob is then held by the browser, and {@link readExactly} still checks its size before
 * allocating its bytes).
 */
function fetchBody(response: Response, wholeMin: number | undefined): BodyChunks | null {
  const stream = response.body;
  if (stream === null) return null;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let taken = false;
  const readerOf = () => {
    reader ??= stream.getReader();
    return reader;
  };
  const chunks: BodyChunks = {
    read: () => readerOf().read(),
    // A body taken whole was read to its end by `blob()` (an abort stops that through the signal).
    cancel: () => (taken ? Promise.resolve() : readerOf().cancel()),
  };
  if (wholeMin === undefined) return chunks;
  chunks.whole = async (max) => {
    if (reader !== undefined || taken) return undefined;
    const coding = response.headers.get("content-encoding");
    if (coding !== null && coding.trim().toLowerCase() !== "identity") return undefined;
    const announced = Number(response.headers.get("content-length") ?? Number.NaN);
    if (!(Number.isSafeInteger(announced) && announced >= wholeMin)) return undefined;
    if (announced > max) return undefined;
    taken = true;
    const blob = await response.blob();
    return { size: blob.size, bytes: () => blob.arrayBuffer() };
  };
  return chunks;
}
