/**
 * A local HTTP server for FetchStore tests: serves an in-memory map with proper Range support
 * (RFC 9110 §14), and misbehaves on demand through the first path segment:
 * `/ok/…` correct, `/full200/…` ignores Range, `/bad206/…` wrong Content-Range,
 * `/short206/…` body shorter than announced by Content-Range, `/nocr206/…` no Content-Range,
 * `/status/<code>/…` answers that status, `/hang/…` never answers, `/stall/…` sends headers
 * and half the body then hangs, `/cut/…` sends headers and half the body then closes.
 */

import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface TestServer {
  /** Base URL, ending in `/`. */
  url: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * A loopback server (127.0.0.1, a free port) answering every request with `handler`, after
 * recording it in `requests`. `close` ends open connections too.
 */
export async function startRawServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

export async function startServer(files: ReadonlyMap<string, Uint8Array>): Promise<TestServer> {
  return startRawServer(serveFiles(files));
}

/** The request handler of {@link startServer}: serves `files`, misbehaving by path (see above). */
export function serveFiles(
  files: ReadonlyMap<string, Uint8Array>,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const segments = url.pathname.split("/").slice(1);
    const mode = segments.shift() ?? "";
    let status = 0;
    if (mode === "status") status = Number(segments.shift());
    const key = segments.map(decodeURIComponent).join("/");
    if (mode === "hang") return; // never answer
    if (status !== 0) {
      res.writeHead(status).end("error");
      return;
    }
    const body = files.get(key);
    if (body === undefined) {
      res.writeHead(404).end("not found");
      return;
    }
    if (mode === "cut") {
      res.writeHead(200, { "Content-Length": body.length });
      res.write(body.subarray(0, body.length >> 1), () => res.destroy());
      return;
    }
    if (mode === "stall") {
      res.writeHead(200, { "Content-Length": body.length });
      res.write(body.subarray(0, body.length >> 1));
      return; // never finish
    }
    const range = mode === "full200" ? undefined : req.headers.range;
    if (range === undefined) {
      res.writeHead(200, { "Content-Length": body.length }).end(body);
      return;
    }
    const span = parseRange(range, body.length);
    if (span === undefined) {
      res.writeHead(416, { "Content-Range": `bytes */${body.length}` }).end();
      return;
    }
    partial(res, mode, body, span.start, span.end);
  };
}

function partial(
  res: ServerResponse,
  mode: string,
  body: Uint8Array,
  start: number,
  end: number,
): void {
  const total = body.length;
  let slice = body.subarray(start, end + 1);
  let contentRange = `bytes ${start}-${end}/${total}`;
  // bad206: announce (and send) the value's first bytes instead of the requested ones
  if (mode === "bad206") {
    contentRange = `bytes 0-${end - start}/${total}`;
    slice = body.subarray(0, end - start + 1);
  }
  if (mode === "short206") slice = slice.subarray(1);
  const headers: Record<string, string | number> = { "Content-Length": slice.length };
  if (mode !== "nocr206") headers["Content-Range"] = contentRange;
  res.writeHead(206, headers).end(slice);
}

/** Parses a single `bytes=` range; `undefined` when not satisfiable. Inclusive end. */
function parseRange(header: string, size: number): { start: number; end: number } | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header);
  if (match === null) throw new Error(`test server: unsupported Range ${header}`);
  const [, first = "", last = ""] = match;
  if (first === "") {
    const n = Number(last);
    if (n === 0 || size === 0) return undefined;
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return undefined;
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  return { start, end };
}
