/**
 * The engine side of a threaded slice service: requests relayed from the HTTP thread are answered
 * by an ordinary slice handler through stand-ins for `node:http`'s request (a readable stream fed
 * by the relayed body) and response (whose head, body pieces and end are posted back). Store
 * requests, planning, scattering and encoding all run on this thread's event loop, so the HTTP
 * thread's never waits on them.
 * @module
 */
import { EventEmitter } from "node:events";
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import { Readable } from "node:stream";
import type { MessagePort } from "node:worker_threads";
import type { SliceHandler } from "../handler.js";
import type { ServeRequest, ServeResponse } from "../service.js";
import { type FromEngine, type ToEngine, transferable } from "./protocol.js";

/** Posts one message (transferring `chunk`'s buffer when it has one). */
type Post = (message: FromEngine) => void;

/** A relayed request: its method, URL, headers, and a body fed by the HTTP thread. */
class RelayedRequest extends Readable implements ServeRequest {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly headers: IncomingHttpHeaders,
  ) {
    super({ read() {} });
  }
}

/** A response whose head, body and end go to the HTTP thread. */
class RelayedResponse extends EventEmitter implements ServeResponse {
  headersSent = false;
  destroyed = false;
  writableEnded = false;
  writableFinished = false;
  statusCode = 200;

  constructor(
    readonly id: number,
    readonly post: Post,
  ) {
    super();
  }

  writeHead(status: number, headers: OutgoingHttpHeaders = {}): this {
    if (this.headersSent) throw new Error("the head of this answer was already sent");
    this.statusCode = status;
    this.headersSent = true;
    if (!this.destroyed) this.post({ type: "head", id: this.id, status, headers });
    return this;
  }

  write(chunk: string | Uint8Array): boolean {
    if (!this.headersSent) this.writeHead(this.statusCode);
    if (this.destroyed || this.writableEnded) return false;
    this.post({ type: "data", id: this.id, chunk: bytesOf(chunk) });
    return true;
  }

  end(chunk?: string | Uint8Array): this {
    if (this.writableEnded) return this;
    if (!this.headersSent) this.writeHead(this.statusCode);
    this.writableEnded = true;
    if (this.destroyed) return this;
    this.post({
      type: "end",
      id: this.id,
      ...(chunk === undefined ? {} : { chunk: bytesOf(chunk) }),
    });
    this.writableFinished = true;
    this.emit("finish");
    this.#close();
    return this;
  }

  destroy(error?: Error): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    if (!this.writableFinished) {
      this.post({
        type: "destroy",
        id: this.id,
        ...(error === undefined ? {} : { message: error.message }),
      });
    }
    this.#close();
    return this;
  }

  /** The client left (relayed by the HTTP thread). */
  clientLeft(): void {
    if (this.destroyed || this.writableFinished) return;
    this.destroyed = true;
    this.#close();
  }

  #closed = false;
  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // As node:http, after the current callbacks (a listener may still be added).
    queueMicrotask(() => this.emit("close"));
  }
}

function bytesOf(chunk: string | Uint8Array): Uint8Array {
  return transferable(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk);
}

/** The buffers of a message to transfer. */
function transfers(m: FromEngine): ArrayBuffer[] {
  const chunk = "chunk" in m ? m.chunk : undefined;
  return chunk?.buffer instanceof ArrayBuffer ? [chunk.buffer] : [];
}

/**
 * Answers the requests relayed on `port` with `handler` until a `close` message: then closes the
 * handler, posts `closed` and stops listening.
 */
export function answerRelayed(port: MessagePort, handler: SliceHandler): void {
  const post: Post = (m) => port.postMessage(m, transfers(m));
  const open = new Map<number, { req: RelayedRequest; res: RelayedResponse }>();
  port.on("message", (m: ToEngine) => {
    switch (m.type) {
      case "request": {
        const req = new RelayedRequest(m.method, m.url, m.headers);
        if (!m.body) req.push(null);
        const res = new RelayedResponse(m.id, post);
        open.set(m.id, { req, res });
        res.on("close", () => {
          open.delete(m.id);
          if (!req.readableEnded) req.destroy();
        });
        void handler(req, res);
        return;
      }
      case "body":
        open.get(m.id)?.req.push(Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.length));
        return;
      case "body-end":
        open.get(m.id)?.req.push(null);
        return;
      case "abort":
        open.get(m.id)?.res.clientLeft();
        return;
      case "stats":
        post({ type: "stats", id: m.id, stats: handler.stats() });
        return;
      case "close":
        for (const { res } of open.values()) res.clientLeft();
        handler.close();
        post({ type: "closed" });
        port.close();
        return;
    }
  });
}
