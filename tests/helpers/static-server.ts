/**
 * A loopback HTTP server serving a directory, with single `Range` requests (incl. suffix),
 * 404 for missing files, and request counters. Test helper only.
 */

import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { extname, join, normalize } from "node:path";

/** Content types browsers check (module scripts must be JavaScript). */
const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".wasm": "application/wasm",
};

/** A failure to answer with instead of the file: an HTTP status and optional headers. */
export interface InjectedFault {
  status: number;
  headers?: Record<string, string>;
}

export interface StaticServer {
  url: string;
  requests: number;
  /** Requests answered with an injected fault. */
  faults: number;
  rangeRequests: number;
  bytesSent: number;
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** TCP connections open now. */
  readonly openConnections: number;
  /** Every request as `"<path> <Range header or ->"`, in arrival order. */
  readonly log: readonly string[];
  close(): Promise<void>;
}

export async function startStaticServer(
  root: string,
  opts: {
    latencyMs?: number;
    /** Called per request with its path, Range header and the how-many-th request of the pair it is (from 1). */
    fault?: (path: string, range: string | undefined, attempt: number) => InjectedFault | undefined;
  } = {},
): Promise<StaticServer> {
  const state = {
    requests: 0,
    rangeRequests: 0,
    bytesSent: 0,
    faults: 0,
    connections: 0,
    openConnections: 0,
  };
  const attempts = new Map<string, number>();
  const log: string[] = [];
  const server: Server = createServer(async (req, res) => {
    state.requests++;
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname));
    log.push(`${path} ${req.headers.range ?? "-"}`);
    if (opts.fault) {
      const id = `${path} ${req.headers.range ?? ""}`;
      const n = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, n);
      const f = opts.fault(path, req.headers.range, n);
      if (f) {
        state.faults++;
        res.writeHead(f.status, f.headers ?? {}).end();
        return;
      }
    }
    if (path.includes("..")) {
      res.writeHead(400).end();
      return;
    }
    if (opts.latencyMs) await new Promise((r) => setTimeout(r, opts.latencyMs));
    let body: Buffer;
    try {
      body = await readFile(join(root, path));
    } catch {
      res.writeHead(404).end();
      return;
    }
    const range = req.headers.range;
    if (range) {
      state.rangeRequests++;
      const m = /^bytes=(\d*)-(\d*)$/.exec(range);
      if (!m) {
        res.writeHead(416).end();
        return;
      }
      let start: number;
      let end: number;
      if (m[1] === "") {
        const n = Number(m[2]);
        start = Math.max(0, body.length - n);
        end = body.length - 1;
      } else {
        start = Number(m[1]);
        end = m[2] === "" ? body.length - 1 : Math.min(Number(m[2]), body.length - 1);
      }
      if (start >= body.length || end < start) {
        res.writeHead(416, { "Content-Range": `bytes */${body.length}` }).end();
        return;
      }
      const part = body.subarray(start, end + 1);
      state.bytesSent += part.length;
      res.writeHead(206, {
        "Content-Range": `bytes ${start}-${end}/${body.length}`,
        "Content-Length": String(part.length),
      });
      res.end(part);
      return;
    }
    state.bytesSent += body.length;
    const type = CONTENT_TYPES[extname(path)];
    res.writeHead(200, {
      "Content-Length": String(body.length),
      ...(type ? { "Content-Type": type } : {}),
    });
    res.end(body);
  });
  server.on("connection", (socket) => {
    state.connections++;
    state.openConnections++;
    socket.on("close", () => state.openConnections--);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("no address");
  return {
    url: `http://127.0.0.1:${addr.port}/`,
    get requests() {
      return state.requests;
    },
    get faults() {
      return state.faults;
    },
    get rangeRequests() {
      return state.rangeRequests;
    },
    get bytesSent() {
      return state.bytesSent;
    },
    get connections() {
      return state.connections;
    },
    get openConnections() {
      return state.openConnections;
    },
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  } as StaticServer;
}
