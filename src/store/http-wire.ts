/**
 * `FetchStore`'s Node transport proper: `GET` requests written on keep-alive sockets (`node:net`,
 * or `node:tls` for `https:`) that all read into one reused 64 KiB buffer (`onread`), response
 * heads parsed by Node's own HTTP parser (llhttp, `HTTPParser` of `node:_http_common`), and a body
 * framed by `Content-Length` handed to its reader straight from that buffer
 * ({@link BodyChunks.each}).
 *
 * Why: Node's HTTP client allocates a new buffer for every socket read and copies every body piece
 * into another new one; on machines where the first touch of a page is dear, receiving was then
 * most of a read's time (docs/performance.md). Here a body costs one copy, into memory its reader
 * owns. Chunked and connection-framed bodies are framed by llhttp (copying each piece, as Node's
 * client does); content codings are decoded by the caller (`http-node.ts`). A runtime without
 * `HTTPParser` gets `undefined` from {@link wireTransport}, and `node:http` / `node:https` serve.
 * @module
 */
import type * as Net from "node:net";
import type * as Tls from "node:tls";
import {
  AHEAD,
  type BodyChunks,
  type ChunkRead,
  DRAIN_BYTES,
  type HttpAnswer,
  type HttpRequest,
  IDLE_MS,
  INACTIVITY_MS,
} from "./http-transport.js";

/**
 * Bytes read from a socket at a time, into one buffer that all the connections of a transport
 * share: a read is consumed (parsed, copied into its body's memory, or queued as a copy) inside
 * the socket's read callback, before any other socket's read can run, so no view of the buffer
 * outlives its callback. One buffer per connection cost 16 fresh pages each (a 100-connection
 * open paid about 11 ms for them on machines where the first touch of a page is dear).
 */
const READ_BYTES = 64 * 1024;

/**
 * Idle buffers of {@link READ_BYTES} a transport keeps for the pieces of a body that arrive before
 * its reader (the bytes read with the head always do): at most 32 (2 MiB). A piece is copied into
 * one and the buffer comes back once `each` has handed the piece on; fresh memory per piece cost a
 * page fault per 4 KiB and a collection later (about half of each 134 KiB chunk of W1u, 9.6 of
 * W3s's 25 MB, arrived so).
 */
const SPARE_PIECES = 32;

/** The callbacks and methods of Node's `HTTPParser` used here. */
interface Parser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Uint8Array): number | Error;
  finish(): number | Error | undefined;
  close(): void;
  [key: number]: unknown;
}

interface ParserClass {
  new (): Parser;
  readonly RESPONSE: number;
  readonly kOnHeadersComplete: number;
  readonly kOnBody: number;
  readonly kOnMessageComplete: number;
}

interface WireModules {
  net: typeof Net;
  tls: typeof Tls;
  Parser: ParserClass;
  /** The read buffer all connections of the transport share (see {@link READ_BYTES}). */
  readBuffer: Uint8Array;
  /** Idle buffers for queued body pieces (see {@link SPARE_PIECES}). */
  pieces: Uint8Array[];
}

/** One answer's parsed head. */
interface Head {
  status: number;
  statusText: string;
  headers: Map<string, string>;
  keepAlive: boolean;
}

/** A GET sender over pooled keep-alive connections to `http:` and `https:` origins. */
export interface Wire {
  send(request: HttpRequest, headers: Record<string, string>): Promise<HttpAnswer>;
  /**
   * Closes the idle connections at once, and each busy one when its answer ends; later requests
   * open connections that are closed after their answer (nothing is kept any more).
   */
  close(): void;
}

/** The idle connections of a {@link Wire}, per origin; `closed` once the wire is closed. */
interface Pools {
  readonly idle: Map<string, Connection[]>;
  closed: boolean;
}

/**
 * The wire sender, or `undefined` where Node's `HTTPParser` is not available (then every request
 * goes through `node:http`).
 */
export async function wireTransport(): Promise<Wire | undefined> {
  const names = ["node:net", "node:tls", "node:_http_common"];
  let modules: WireModules;
  try {
    const [net, tls, common] = (await Promise.all(
      names.map((name) => import(/* @vite-ignore */ name)),
    )) as [typeof Net, typeof Tls, { HTTPParser?: ParserClass }];
    const Parser = common.HTTPParser;
    if (typeof Parser !== "function" || typeof Parser.kOnHeadersComplete !== "number") {
      return undefined;
    }
    modules = { net, tls, Parser, readBuffer: new Uint8Array(READ_BYTES), pieces: [] };
  } catch {
    return undefined;
  }
  const pools: Pools = { idle: new Map(), closed: false };
  return {
    send: (request, headers) => sendOn(modules, pools, request, headers, true),
    close: () => {
      pools.closed = true;
      for (const list of pools.idle.values()) for (const conn of list.splice(0)) conn.close();
      pools.idle.clear();
    },
  };
}

function sendOn(
  modules: WireModules,
  pools: Pools,
  request: HttpRequest,
  headers: Record<string, string>,
  mayRetry: boolean,
): Promise<HttpAnswer> {
  const { url, signal } = request;
  const origin = `${url.protocol}//${url.host}`;
  let conn = pools.idle.get(origin)?.pop();
  const reused = conn !== undefined;
  conn ??= new Connection(modules, url, () => {
    // Closed: no list, the connection is not kept.
    if (pools.closed) return undefined;
    const list = pools.idle.get(origin) ?? [];
    pools.idle.set(origin, list);
    return list;
  });
  // Header names and values were checked (http-headers.ts): no line breaks. A `host` given by the
  // caller replaces the URL's, as with node:http.
  let text = `GET ${url.pathname}${url.search} HTTP/1.1\r\n`;
  if (headers.host === undefined) text += `host: ${url.host}\r\n`;
  for (const name of Object.keys(headers)) text += `${name}: ${headers[name]}\r\n`;
  text += "\r\n";
  const sent = conn.exchange(text, signal);
  if (!reused || !mayRetry) return sent;
  // A kept-alive connection the server closed meanwhile fails before any answer: once more, anew.
  return sent.catch((error: unknown) => {
    if (signal?.aborted || !(error instanceof StaleConnectionError)) throw error;
    return sendOn(modules, pools, request, headers, false);
  });
}

/** A reused connection that closed before answering (the request is sent again on a new one). */
class StaleConnectionError extends Error {
  readonly code = "ECONNRESET";
}

/** The body reader of the answer in progress on a connection. */
class WireBody implements BodyChunks {
  readonly #conn: Connection;
  /** Bytes of the body still to come (`Content-Length` framing), or -1 (framed by the parser). */
  remaining: number;
  readonly #queue: Uint8Array[] = [];
  ended = false;
  failure: unknown;
  #waiter: { resolve: (read: ChunkRead) => void; reject: (e: unknown) => void } | undefined;
  #sink:
    | {
        onChunk: (chunk: Uint8Array) => boolean;
        resolve: (ended: boolean) => void;
        reject: (e: unknown) => void;
      }
    | undefined;
  #cancelled = false;

  /** The transport's idle piece buffers (see {@link SPARE_PIECES}). */
  readonly #pieces: Uint8Array[];

  constructor(conn: Connection, remaining: number, pieces: Uint8Array[]) {
    this.#conn = conn;
    this.remaining = remaining;
    this.#pieces = pieces;
  }

  /** A copy of `view` in an idle piece buffer (or in new memory when none is idle). */
  #copy(view: Uint8Array): Uint8Array {
    if (view.length > READ_BYTES) return view.slice();
    const piece = (this.#pieces.pop() ?? new Uint8Array(READ_BYTES)).subarray(0, view.length);
    piece.set(view);
    return piece;
  }

  /** Gives the buffer of a queued piece back, once nothing can see it any more. */
  #recycle(piece: Uint8Array): void {
    if (piece.buffer.byteLength === READ_BYTES && this.#pieces.length < SPARE_PIECES) {
      this.#pieces.push(new Uint8Array(piece.buffer as ArrayBuffer));
    }
  }

  /** Empties the queue, its buffers back to the transport. */
  #dropQueue(): void {
    for (const piece of this.#queue) this.#recycle(piece);
    this.#queue.length = 0;
  }

  /** Bytes of the body from the socket (a view valid only during this call). */
  deliver(view: Uint8Array): void {
    if (this.#cancelled || view.length === 0) return;
    const sink = this.#sink;
    if (sink) {
      let more: boolean;
      try {
        more = sink.onChunk(view);
      } catch (error) {
        // The reader failed (it runs inside the socket's read callback): it gets the error.
        this.#sink = undefined;
        this.#cancelled = true;
        sink.reject(error);
        this.#conn.release(false);
        return;
      }
      if (!more) {
        this.#sink = undefined;
        this.#cancelled = true;
        sink.resolve(false);
      }
      return;
    }
    const copy = this.#copy(view);
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter.resolve({ done: false, value: copy });
      return;
    }
    this.#queue.push(copy);
    if (this.#queue.length >= AHEAD) this.#conn.pause(this);
  }

  end(): void {
    if (this.ended || this.failure !== undefined) return;
    this.ended = true;
    this.#settle();
  }

  fail(error: unknown): void {
    if (this.ended || this.failure !== undefined) return;
    this.failure = error;
    this.#settle();
  }

  read(): Promise<ChunkRead> {
    const chunk = this.#queue.shift();
    if (chunk !== undefined) {
      if (this.#queue.length === 0) this.#conn.resume(this);
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.ended || this.#cancelled) return Promise.resolve({ done: true });
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  each(onChunk: (chunk: Uint8Array) => boolean): Promise<boolean> {
    while (this.#queue.length > 0) {
      const piece = this.#queue.shift() as Uint8Array;
      let more: boolean;
      try {
        more = onChunk(piece);
      } catch (error) {
        void this.cancel();
        return Promise.reject(error);
      } finally {
        // `onChunk` was given a view valid only during the call: its buffer serves again.
        this.#recycle(piece);
      }
      if (!more) {
        this.#cancelled = true;
        return Promise.resolve(false);
      }
    }
    this.#conn.resume(this);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(true);
    return new Promise((resolve, reject) => {
      this.#sink = { onChunk, resolve, reject };
    });
  }

  cancel(): Promise<void> {
    this.#dropQueue();
    if (!this.ended && this.failure === undefined) {
      this.#cancelled = true;
      this.#conn.release(false);
      // A read or `each` still waiting ends here (as a reader's cancel of a web stream does).
      const waiter = this.#waiter;
      const sink = this.#sink;
      this.#waiter = undefined;
      this.#sink = undefined;
      waiter?.resolve({ done: true });
      sink?.resolve(false);
    }
    return Promise.resolve();
  }

  /** Drops the rest of the body; the connection serves the next request once it has ended. */
  drain(): void {
    this.#dropQueue();
    this.#cancelled = true;
    this.#conn.resume(this);
  }

  #settle(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    const sink = this.#sink;
    this.#sink = undefined;
    if (this.failure !== undefined) {
      waiter?.reject(this.failure);
      sink?.reject(this.failure);
    } else {
      waiter?.resolve({ done: true });
      sink?.resolve(true);
    }
  }
}

/**
 * One keep-alive connection: one exchange at a time, its socket reading into the transport's
 * shared buffer.
 */
class Connection {
  readonly #socket: Net.Socket;
  readonly #parser: Parser;
  readonly #responseType: number;
  /** The idle list of this connection's origin; `undefined` once the wire is closed. */
  readonly #pool: () => Connection[] | undefined;
  readonly #pieces: Uint8Array[];
  #head: Head | undefined;
  #body: WireBody | undefined;
  /** The body in progress is framed by `Content-Length` and read past the parser. */
  #raw = false;
  /** The parser saw the end of the answer in progress (parser-framed bodies). */
  #messageDone = false;
  /** The head being parsed is an interim answer (1xx, such as 103 Early Hints): skipped. */
  #interim = false;
  #answer: { resolve: (a: HttpAnswer) => void; reject: (e: unknown) => void } | undefined;
  #signal: AbortSignal | undefined;
  #onAbort: (() => void) | undefined;
  #gotBytes = false;
  #usedBefore = false;
  #closed = false;
  #paused = false;

  constructor(modules: WireModules, url: URL, pool: () => Connection[] | undefined) {
    this.#pool = pool;
    this.#pieces = modules.pieces;
    const { Parser } = modules;
    this.#responseType = Parser.RESPONSE;
    const parser = new Parser();
    this.#parser = parser;
    parser.initialize(Parser.RESPONSE, {}, 0, 0);
    parser[Parser.kOnHeadersComplete] = (
      versionMajor: number,
      versionMinor: number,
      raw: string[],
      _method: unknown,
      _url: unknown,
      status: number,
      statusText: string,
      _upgrade: boolean,
      keepAlive: boolean,
    ) => this.#onHead(versionMajor, versionMinor, raw, status, statusText, keepAlive);
    parser[Parser.kOnBody] = (chunk: Uint8Array) => this.#body?.deliver(chunk);
    parser[Parser.kOnMessageComplete] = () => {
      if (this.#interim) this.#interim = false;
      else this.#messageDone = true;
    };
    const onread = {
      buffer: modules.readBuffer,
      callback: (n: number, buf: Uint8Array) => {
        try {
          return this.#onData(buf.subarray(0, n));
        } catch (error) {
          // Never out of the socket's callback (it would be an uncaught exception).
          this.#socket.destroy(error as Error);
          return false;
        }
      },
    };
    // URL.hostname keeps an IPv6 address's brackets; sockets and TLS want it bare.
    const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
    this.#socket =
      url.protocol === "https:"
        ? modules.tls.connect({
            host,
            port: Number(url.port || 443),
            // Server name indication and the certificate's name: the host, unless an IP address.
            ...(modules.net.isIP(host) === 0 ? { servername: host } : {}),
            ALPNProtocols: ["http/1.1"],
            // `onread` is a `tls.connect` option since Node 15.1 / 14.17 (missing from its types).
            ...({ onread } as Tls.ConnectionOptions),
          })
        : modules.net.connect({ host, port: Number(url.port || 80), onread });
    this.#socket.setNoDelay(true);
    this.#socket.on("error", (error) => this.#fail(error));
    this.#socket.on("close", () => {
      this.#closed = true;
      this.#fail(new Error("The connection closed before the end of the body"));
      this.#removeFromPool();
      try {
        this.#parser.close();
      } catch {
        // already freed
      }
    });
    this.#socket.on("end", () => {
      // A body framed by the connection's end (no Content-Length, not chunked).
      const body = this.#body;
      if (body && !this.#raw) {
        this.#parser.finish();
        if (this.#messageDone) this.#finishBody(body, false);
      }
    });
    this.#socket.on("timeout", () => {
      if (this.#answer || this.#body) {
        const error: NodeJS.ErrnoException = new Error(
          `No data from the server for ${INACTIVITY_MS / 1000} s`,
        );
        error.code = "ETIMEDOUT";
        this.#socket.destroy(error);
      } else {
        this.#socket.destroy();
      }
    });
  }

  /** Sends one request (the head's text) and resolves with its answer once its head is in. */
  exchange(text: string, signal: AbortSignal | undefined): Promise<HttpAnswer> {
    this.#socket.ref();
    this.#socket.setTimeout(INACTIVITY_MS);
    this.#gotBytes = false;
    return new Promise<HttpAnswer>((resolve, reject) => {
      this.#answer = { resolve, reject };
      if (signal) {
        this.#signal = signal;
        this.#onAbort = () => {
          const error = new Error("The request was aborted");
          error.name = "AbortError";
          this.#socket.destroy(error);
        };
        if (signal.aborted) {
          this.#onAbort();
          return;
        }
        signal.addEventListener("abort", this.#onAbort, { once: true });
      }
      this.#socket.write(text);
    });
  }

  /** Stops reading while `body` (the answer in progress) has chunks queued. */
  pause(body: WireBody): void {
    if (body === this.#body && !this.#paused) {
      this.#paused = true;
      this.#socket.pause();
    }
  }

  /** Reads again for `body`; a body whose exchange is over no longer moves the connection. */
  resume(body: WireBody): void {
    if (body === this.#body && this.#paused) {
      this.#paused = false;
      this.#socket.resume();
    }
  }

  /**
   * Ends the exchange in progress: the connection goes back to the pool when `reusable` (its
   * answer ended and the server keeps it alive), else it is closed.
   */
  release(reusable: boolean): void {
    const idleMs = keptAliveMs(this.#head?.headers.get("keep-alive"));
    if (this.#signal && this.#onAbort) this.#signal.removeEventListener("abort", this.#onAbort);
    this.#signal = undefined;
    this.#onAbort = undefined;
    this.#body = undefined;
    this.#head = undefined;
    this.#answer = undefined;
    this.#raw = false;
    this.#messageDone = false;
    this.#interim = false;
    const pool = this.#pool();
    if (!reusable || this.#closed || idleMs <= 0 || pool === undefined) {
      this.#closed = true;
      this.#socket.destroy();
      return;
    }
    this.#parser.initialize(this.#responseType, {}, 0, 0);
    this.#usedBefore = true;
    if (this.#paused) {
      this.#paused = false;
      this.#socket.resume();
    }
    this.#socket.setTimeout(idleMs);
    this.#socket.unref();
    pool.push(this);
  }

  /** Closes an idle connection (its wire is closing). */
  close(): void {
    this.#closed = true;
    this.#socket.destroy();
  }

  #onHead(
    versionMajor: number,
    versionMinor: number,
    raw: string[],
    status: number,
    statusText: string,
    keepAlive: boolean,
  ): number {
    if (status >= 100 && status < 200 && status !== 101) {
      // An interim answer (RFC 9110 §15.2): the final one follows on the same connection.
      this.#interim = true;
      return 0;
    }
    const headers = new Map<string, string>();
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = (raw[i] as string).toLowerCase();
      const value = raw[i + 1] as string;
      const had = headers.get(name);
      headers.set(name, had === undefined ? value : `${had}, ${value}`);
    }
    const head: Head = {
      status,
      statusText,
      headers,
      keepAlive: keepAlive && versionMajor === 1 && versionMinor >= 1,
    };
    this.#head = head;
    const length = plainLength(headers);
    const body = new WireBody(this, length ?? -1, this.#pieces);
    this.#body = body;
    const answer = this.#answer;
    this.#answer = undefined;
    answer?.resolve(this.#answerOf(head, body));
    // Stop llhttp at the end of the head when the body is framed by Content-Length alone: its
    // bytes are then taken from the read buffer as they are (2: as for an upgrade).
    return length !== undefined ? 2 : 0;
  }

  #onData(data: Uint8Array): boolean {
    this.#gotBytes = true;
    const body = this.#body;
    if (body && this.#raw) {
      this.#takeBody(body, data);
      return !this.#paused;
    }
    if (!this.#answer && !body) {
      // Bytes while idle: nothing is expected; this connection is not reused.
      this.#closed = true;
      this.#socket.destroy();
      return false;
    }
    const result = this.#parser.execute(data);
    if (result instanceof Error) {
      this.#socket.destroy(result);
      return false;
    }
    const started = this.#body;
    if (started && started !== body && started.remaining >= 0) {
      // The parser stopped at the end of the head (see #onHead): the rest is body.
      this.#raw = true;
      const consumed = typeof result === "number" ? result : data.length;
      this.#takeBody(started, data.subarray(consumed));
    } else if (this.#messageDone && started) {
      this.#finishBody(started, true);
    }
    return !this.#paused;
  }

  /** Hands `view` to the raw body, up to its end; bytes past it close the connection. */
  #takeBody(body: WireBody, view: Uint8Array): void {
    const n = Math.min(view.length, body.remaining);
    if (n > 0) {
      body.remaining -= n;
      body.deliver(n === view.length ? view : view.subarray(0, n));
    }
    if (body.remaining === 0) this.#finishBody(body, n === view.length);
  }

  #finishBody(body: WireBody, clean: boolean): void {
    body.end();
    this.release(clean && (this.#head?.keepAlive ?? false));
  }

  #answerOf(head: Head, body: WireBody): HttpAnswer {
    return {
      status: head.status,
      statusText: head.statusText,
      headers: { get: (name) => head.headers.get(name.toLowerCase()) ?? null },
      body,
      opaqueRedirect: false,
      undecoded: undefined,
      discard: () => {
        if (body.ended) return;
        if (body.remaining >= 0 && body.remaining <= DRAIN_BYTES) body.drain();
        else void body.cancel();
      },
    };
  }

  #fail(error: unknown): void {
    const answer = this.#answer;
    const body = this.#body;
    if (!answer && !body) {
      this.#removeFromPool();
      return;
    }
    this.#answer = undefined;
    answer?.reject(
      this.#usedBefore && !this.#gotBytes ? new StaleConnectionError(String(error)) : error,
    );
    body?.fail(error);
    this.release(false);
  }

  #removeFromPool(): void {
    const list = this.#pool();
    const i = list === undefined ? -1 : list.indexOf(this);
    if (i >= 0) list?.splice(i, 1);
  }
}

/**
 * How long (ms) an idle connection is kept: {@link IDLE_MS}, or 1 s less than the server's
 * `Keep-Alive: timeout=N` when that is shorter (0: not kept), as Node's agent does.
 */
function keptAliveMs(keepAlive: string | undefined): number {
  const m = keepAlive === undefined ? null : /(?:^|[,\s])timeout=(\d+)/i.exec(keepAlive);
  if (m === null) return IDLE_MS;
  return Math.min(IDLE_MS, (Number(m[1]) - 1) * 1000);
}

/**
 * The body length when it is framed by `Content-Length` alone (no `Transfer-Encoding`, no
 * content coding), else `undefined`.
 */
function plainLength(headers: Map<string, string>): number | undefined {
  if (headers.has("transfer-encoding")) return undefined;
  const coding = headers.get("content-encoding");
  if (coding !== undefined && coding.trim().toLowerCase() !== "identity" && coding.trim() !== "") {
    return undefined;
  }
  const value = headers.get("content-length");
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  const n = Number(value.trim());
  return Number.isSafeInteger(n) ? n : undefined;
}
