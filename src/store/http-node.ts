/**
 * The Node transport of `FetchStore`: requests on the store's own keep-alive sockets through
 * `http-wire.ts` (one reused read buffer per socket, heads parsed by Node's llhttp, bodies copied
 * once), content-coded answers decoded with `node:zlib`; where Node's `HTTPParser` is not
 * available, `node:http` / `node:https` with keep-alive agents owned by the transport. Bodies are
 * handed out without web streams. `node:*` modules are imported on demand under variable names, so
 * browser bundles never see them (this module is never used there).
 * @module
 */
import type * as Http from "node:http";
import type * as Https from "node:https";
import type { Readable } from "node:stream";
import type * as Zlib from "node:zlib";
import {
  AHEAD,
  type BodyChunks,
  type ChunkRead,
  DRAIN_BYTES,
  type HttpAnswer,
  type HttpRequest,
  type HttpTransport,
  IDLE_MS,
  INACTIVITY_MS,
} from "./http-transport.js";
import { type Wire, wireTransport } from "./http-wire.js";

/** Whether this runtime is Node (the browser build of this module answers false). */
export { isNode as isNodeRuntime } from "../core/runtime.js";

/** Errors of a request sent on a reused keep-alive socket that the server had just closed. */
const STALE_SOCKET_CODES: ReadonlySet<string> = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);

/** The part of `node:events` used here. */
interface Events {
  defaultMaxListeners: number;
  getMaxListeners(target: EventTarget): number;
  setMaxListeners(n: number, ...targets: EventTarget[]): void;
}

interface NodeModules {
  events: Events;
  http: typeof Http;
  https: typeof Https;
  zlib: typeof Zlib;
}

/**
 * A transport over `node:http` / `node:https`: one keep-alive `Agent` per protocol, created on
 * first use (idle sockets are unref'd by Node's agent, so they never keep the process alive), for
 * what the wire transport (`http-wire.ts`) does not serve. Sends no `Accept-Encoding`; a
 * content-coded whole-object answer (`decode`) in gzip, deflate or br is decoded with `node:zlib`,
 * any other (or a coded answer to a range request) is left encoded and reported in `undecoded`.
 * A request failing on a reused keep-alive socket before any answer (the server closed it
 * meanwhile) is sent once more on a new one (`GET` is idempotent).
 */
export async function nodeTransport(): Promise<HttpTransport> {
  const names = ["node:events", "node:http", "node:https", "node:zlib"];
  const [events, http, https, zlib] = (await Promise.all(
    names.map((name) => import(/* @vite-ignore */ name)),
  )) as [Events, typeof Http, typeof Https, typeof Zlib];
  const modules: NodeModules = { events, http, https, zlib };
  // Made on first use: with the wire transport they serve nothing.
  let agents: { http: Http.Agent; https: Https.Agent } | undefined;
  const wire = await wireTransport();
  let closed = false;
  return {
    kind: "node",
    close: () => {
      closed = true;
      wire?.close();
      agents?.http.destroy();
      agents?.https.destroy();
      agents = undefined;
    },
    send: (request) => {
      if (
        wire !== undefined &&
        (request.url.protocol === "http:" || request.url.protocol === "https:")
      ) {
        return sendOnWire(modules, wire, request);
      }
      // Once closed, nothing is kept: agents without keep-alive.
      agents ??= {
        http: new http.Agent({ keepAlive: !closed, timeout: IDLE_MS }),
        https: new https.Agent({ keepAlive: !closed, timeout: IDLE_MS }),
      };
      return send(modules, agents, request, true);
    },
  };
}

/** The request headers sent by this transport (user headers last). */
function requestHeaders(request: HttpRequest): Record<string, string> {
  return { accept: "*/*", "user-agent": "node", ...request.headers };
}

/**
 * Sends `request` (an `http:` or `https:` URL) through `wire`; a content-coded answer is decoded with
 * `node:zlib` when allowed and possible, else left encoded and reported in `undecoded`.
 */
async function sendOnWire(
  modules: NodeModules,
  wire: Wire,
  request: HttpRequest,
): Promise<HttpAnswer> {
  const answer = await wire.send(request, requestHeaders(request));
  const coding = (answer.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  if (coding === "identity" || coding === "") return answer;
  const decoder = request.decode ? decoderFor(modules.zlib, coding) : undefined;
  if (decoder === undefined) return { ...answer, undecoded: coding };
  const coded = answer.body;
  // Once the decoder is gone (cancelled by its reader, failed on corrupt data) before all the
  // coded body was fed to it, the rest of the body is not wanted: its connection closes (a body
  // left unread would hold it open, and the server sending).
  let fedAll = false;
  decoder.once("close", () => {
    if (!fedAll) void coded?.cancel();
  });
  const feed = async () => {
    if (coded !== null) {
      for (;;) {
        const read = await coded.read();
        if (read.done) break;
        if (decoder.destroyed) return; // the reader cancelled
        if (!decoder.write(read.value)) {
          // Until the decoder wants more, or is destroyed (then the loop ends above).
          await new Promise<void>((resolve) => {
            const go = () => {
              decoder.off("drain", go);
              decoder.off("close", go);
              resolve();
            };
            decoder.on("drain", go);
            decoder.on("close", go);
          });
        }
      }
    }
    fedAll = true;
    if (!decoder.destroyed) decoder.end();
  };
  feed().catch((error: unknown) => decoder.destroy(error as Error));
  const body = new NodeBody(decoder, () => {
    void coded?.cancel();
    decoder.destroy();
    return true;
  });
  return {
    ...answer,
    body,
    discard() {
      void body.cancel();
    },
  };
}

function send(
  modules: NodeModules,
  agents: { http: Http.Agent; https: Https.Agent },
  request: HttpRequest,
  mayRetry: boolean,
): Promise<HttpAnswer> {
  const { url, signal } = request;
  const headers = requestHeaders(request);
  const secure = url.protocol === "https:";
  return new Promise<HttpAnswer>((resolve, reject) => {
    const options: Http.RequestOptions = {
      method: "GET",
      headers,
      agent: secure ? agents.https : agents.http,
    };
    const req = secure ? modules.https.request(url, options) : modules.http.request(url, options);
    let answered = false;
    req.setTimeout(INACTIVITY_MS, () => {
      const error: NodeJS.ErrnoException = new Error(
        `No data from the server for ${INACTIVITY_MS / 1000} s`,
      );
      error.code = "ETIMEDOUT";
      req.destroy(error);
    });
    const onAbort = () => {
      const error = new Error("The request was aborted");
      error.name = "AbortError";
      req.destroy(error);
    };
    if (signal !== undefined) {
      // One listener per request in flight: lift Node's leak warning (10) as undici's fetch does.
      const { getMaxListeners, setMaxListeners, defaultMaxListeners } = modules.events;
      if (getMaxListeners(signal) === defaultMaxListeners) setMaxListeners(10_000, signal);
      signal.addEventListener("abort", onAbort, { once: true });
      req.once("close", () => signal.removeEventListener("abort", onAbort));
      if (signal.aborted) onAbort(); // aborted between two hops of a redirect chain
    }
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (answered) return; // the body reports it
      if (
        mayRetry &&
        req.reusedSocket &&
        !signal?.aborted &&
        error.code !== undefined &&
        STALE_SOCKET_CODES.has(error.code)
      ) {
        send(modules, agents, request, false).then(resolve, reject);
        return;
      }
      reject(error);
    });
    req.on("response", (res) => {
      answered = true;
      resolve(answer(modules, req, res, request.decode));
    });
    req.end();
  });
}

/** The {@link HttpAnswer} of `res`, its body decoded when allowed and possible. */
function answer(
  modules: NodeModules,
  req: Http.ClientRequest,
  res: Http.IncomingMessage,
  decode: boolean,
): HttpAnswer {
  const coding = (header(res, "content-encoding") ?? "identity").trim().toLowerCase();
  let source: Readable = res;
  let undecoded: string | undefined;
  if (coding !== "identity" && coding !== "") {
    const decoder = decode ? decoderFor(modules.zlib, coding) : undefined;
    if (decoder === undefined) {
      undecoded = coding;
    } else {
      res.on("error", (error) => decoder.destroy(error));
      source = res.pipe(decoder);
    }
  }
  const body = new NodeBody(source, () => {
    // A body received whole is only dropped: its connection serves the next request.
    if (source === res && res.complete) return false;
    req.destroy();
    if (source !== res) source.destroy();
    return true;
  });
  return {
    status: res.statusCode ?? 0,
    statusText: res.statusMessage ?? "",
    headers: { get: (name) => header(res, name) },
    body,
    opaqueRedirect: false,
    undecoded,
    discard() {
      const length = Number(header(res, "content-length") ?? Number.NaN);
      if (source === res && (res.complete || length <= DRAIN_BYTES)) body.drain();
      else void body.cancel();
    },
  };
}

/** A decoder for the content coding `coding` (RFC 9110 §8.4.1), `undefined` when unsupported. */
function decoderFor(
  zlib: typeof Zlib,
  coding: string,
): Zlib.Gunzip | Zlib.Inflate | Zlib.BrotliDecompress | undefined {
  switch (coding) {
    case "gzip":
    case "x-gzip":
      return zlib.createGunzip();
    case "deflate":
      return zlib.createInflate();
    case "br":
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}

/** A response header as one string (repeated headers joined by `, `); `null` when absent. */
function header(res: Http.IncomingMessage, name: string): string | null {
  const value = res.headers[name.toLowerCase()];
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(", ") : value;
}

/**
 * The chunks of a Node readable (a response, or its decoder) through `read()`: flowing mode, a
 * few chunks buffered ahead at most (then paused), an error or a close before the end rejecting
 * the pending and later reads. `cancel` calls `close`, which closes the connection (true) or
 * leaves a body received whole to be drained (false).
 */
class NodeBody implements BodyChunks {
  readonly #source: Readable;
  readonly #close: () => boolean;
  readonly #queue: Uint8Array[] = [];
  #ended = false;
  #failure: unknown;
  #waiter: { resolve: (read: ChunkRead) => void; reject: (error: unknown) => void } | undefined;

  constructor(source: Readable, close: () => boolean) {
    this.#source = source;
    this.#close = close;
    source.on("data", (chunk: Uint8Array) => {
      const waiter = this.#waiter;
      if (waiter !== undefined) {
        this.#waiter = undefined;
        waiter.resolve({ done: false, value: chunk });
        return;
      }
      this.#queue.push(chunk);
      if (this.#queue.length >= AHEAD) source.pause();
    });
    source.on("end", () => {
      this.#ended = true;
      this.#settle();
    });
    source.on("error", (error) => this.#fail(error));
    source.on("close", () => {
      if (!this.#ended) this.#fail(new Error("The connection closed before the end of the body"));
    });
  }

  read(): Promise<ChunkRead> {
    const chunk = this.#queue.shift();
    if (chunk !== undefined) {
      if (this.#queue.length === 0 && this.#source.isPaused()) this.#source.resume();
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#ended) return Promise.resolve({ done: true });
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  cancel(): Promise<void> {
    this.#queue.length = 0;
    if (!this.#ended && this.#failure === undefined) {
      this.#failure = new Error("The body was cancelled");
      if (!this.#close()) this.drain();
    }
    return Promise.resolve();
  }

  /** Reads the rest of the body and drops it (the connection then serves the next request). */
  drain(): void {
    this.#queue.length = 0;
    this.#source.removeAllListeners("data");
    this.#source.on("data", () => undefined);
    this.#source.resume();
  }

  #fail(error: unknown): void {
    if (this.#ended || this.#failure !== undefined) return;
    this.#failure = error;
    this.#settle();
  }

  #settle(): void {
    const waiter = this.#waiter;
    if (waiter === undefined) return;
    this.#waiter = undefined;
    if (this.#failure !== undefined) waiter.reject(this.#failure);
    else waiter.resolve({ done: true });
  }
}
