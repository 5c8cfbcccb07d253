/**
 * A loopback HTTP file server that behaves like an object store, for benchmarks:
 *
 * - every request waits `latencyMs` before its first byte, all waits in parallel (a per-request
 *   timer, no queue), as an object store's time to first byte;
 * - optional bandwidth cap (bytes per second, one link shared by all responses, written in chunks);
 * - `GET` of a whole file, single `Range` requests (`bytes=a-b`, `bytes=a-`, suffix `bytes=-n`),
 *   `HEAD` (with `Content-Length`); `404` for missing keys; `416` for unsatisfiable ranges;
 * - exact counters readable and resettable between runs: requests, range requests, HEAD requests,
 *   404s, bytes sent, union of bytes served (per key, overlapping ranges counted once) and the
 *   maximum number of requests in flight.
 *
 * Bound to 127.0.0.1 on an ephemeral port. Stops by itself after `idleTimeoutMs` without requests
 * and never keeps the process alive (the listening socket is unref'ed).
 * @module
 */

import { open, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { resolve, sep } from "node:path";

/** Options of {@link startServer}. */
export interface ServerOptions {
  /** Directory served at `/`. */
  root: string;
  /** Time to first byte of every request, in milliseconds (default 20). */
  latencyMs?: number;
  /** Bandwidth cap of the shared link in bytes per second (default: none). */
  bandwidthBytesPerSec?: number;
  /** Stop after this long without a request, in milliseconds (default 120 000). */
  idleTimeoutMs?: number;
}

/** Counters of the requests served since the last {@link BenchServer.reset}. */
export interface ServerCounters {
  /** All requests (GET and HEAD, including 404s). */
  requests: number;
  /** GET requests with a `Range` header. */
  rangeRequests: number;
  headRequests: number;
  notFound: number;
  /** Body bytes sent. */
  bytesSent: number;
  /** Size of the union of the byte ranges served, summed over keys. */
  uniqueBytes: number;
  /** Maximum number of requests being served at the same time. */
  maxInFlight: number;
}

/** A running server. */
export interface BenchServer {
  /** Base URL, ending in `/`. */
  readonly url: string;
  /** Current latency in milliseconds. */
  latencyMs: number;
  /** Current bandwidth cap in bytes per second (`undefined`: none). */
  bandwidthBytesPerSec: number | undefined;
  /** Requests being served right now. */
  readonly inFlight: number;
  /** A snapshot of the counters. */
  counters(): ServerCounters;
  /** Zeroes every counter (call between runs). */
  reset(): void;
  /** Stops listening and closes every connection. Idempotent. */
  stop(): Promise<void>;
}

const WRITE_CHUNK = 64 * 1024;

/** Merges `[start, end)` intervals and returns the total covered length. */
function unionLength(intervals: [number, number][]): number {
  if (intervals.length === 0) return 0;
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let [curStart, curEnd] = sorted[0]!;
  for (let i = 1; i < sorted.length; i++) {
    const [s, e] = sorted[i]!;
    if (s <= curEnd) curEnd = Math.max(curEnd, e);
    else {
      total += curEnd - curStart;
      curStart = s;
      curEnd = e;
    }
  }
  return total + (curEnd - curStart);
}

/** Parses a single-range `Range` header against a file of `size` bytes. */
function parseRange(
  header: string,
  size: number,
): { start: number; end: number } | "unsatisfiable" | "invalid" {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return "invalid";
  let start: number;
  let end: number;
  if (m[1] === "") {
    const n = Number(m[2]);
    if (n === 0) return "unsatisfiable";
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== "" && Number(m[2]) < start) return "invalid";
  }
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}

/** Starts a server; see the module documentation. */
export async function startServer(options: ServerOptions): Promise<BenchServer> {
  const root = resolve(options.root);
  const idleTimeoutMs = options.idleTimeoutMs ?? 120_000;
  const zero = (): ServerCounters => ({
    requests: 0,
    rangeRequests: 0,
    headRequests: 0,
    notFound: 0,
    bytesSent: 0,
    uniqueBytes: 0,
    maxInFlight: 0,
  });
  let counts = zero();
  let served = new Map<string, [number, number][]>();
  let inFlight = 0;
  let linkFreeAt = 0;
  let stopped = false;
  let idleTimer: NodeJS.Timeout | undefined;

  const sleep = (ms: number) =>
    ms > 0 ? new Promise<void>((r) => setTimeout(r, ms)) : Promise.resolve();

  /** Waits for the shared link to carry `n` bytes (no-op without a cap). */
  const throttle = async (n: number): Promise<void> => {
    const bw = handle.bandwidthBytesPerSec;
    if (!bw) return;
    const now = performance.now();
    linkFreeAt = Math.max(linkFreeAt, now) + (n / bw) * 1000;
    await sleep(linkFreeAt - now);
  };

  const send = async (res: ServerResponse, body: Buffer): Promise<void> => {
    if (!handle.bandwidthBytesPerSec) {
      res.end(body);
      return;
    }
    for (let o = 0; o < body.length; o += WRITE_CHUNK) {
      const part = body.subarray(o, Math.min(body.length, o + WRITE_CHUNK));
      await throttle(part.length);
      if (res.destroyed) return;
      res.write(part);
    }
    res.end();
  };

  const armIdle = () => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      void handle.stop();
    }, idleTimeoutMs);
    idleTimer.unref();
  };

  const readPart = async (
    file: string,
    start: number,
    length: number,
  ): Promise<Buffer | undefined> => {
    const fh = await open(file, "r");
    try {
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(buf, got, length - got, start + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === length ? buf : buf.subarray(0, got);
    } finally {
      await fh.close();
    }
  };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    armIdle();
    counts.requests++;
    inFlight++;
    counts.maxInFlight = Math.max(counts.maxInFlight, inFlight);
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        inFlight--;
      }
    };
    res.on("close", finish);
    res.on("finish", finish);
    const firstByte = sleep(handle.latencyMs);
    try {
      const isHead = req.method === "HEAD";
      if (isHead) counts.headRequests++;
      if (req.method !== "GET" && !isHead) {
        await firstByte;
        res.writeHead(405, { Allow: "GET, HEAD" }).end();
        return;
      }
      const pathname = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
      const key = pathname.replace(/^\/+/, "");
      const file = resolve(root, key);
      if (file !== root && !file.startsWith(root + sep)) {
        await firstByte;
        res.writeHead(400).end();
        return;
      }
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) {
        counts.notFound++;
        await firstByte;
        res.writeHead(404, { "Content-Length": "0" }).end();
        return;
      }
      const size = info.size;
      const rangeHeader = req.headers.range;
      if (isHead) {
        await firstByte;
        res.writeHead(200, { "Content-Length": String(size), "Accept-Ranges": "bytes" }).end();
        return;
      }
      let start = 0;
      let end = size - 1;
      let status = 200;
      if (rangeHeader !== undefined) {
        counts.rangeRequests++;
        const r = parseRange(rangeHeader, size);
        if (r === "invalid" || r === "unsatisfiable") {
          await firstByte;
          res
            .writeHead(r === "invalid" ? 400 : 416, {
              "Content-Range": `bytes */${size}`,
              "Content-Length": "0",
            })
            .end();
          return;
        }
        start = r.start;
        end = r.end;
        status = 206;
      }
      const length = Math.max(0, end - start + 1);
      const [body] = await Promise.all([
        length > 0 ? readPart(file, start, length) : Buffer.alloc(0),
        firstByte,
      ]);
      const data = body ?? Buffer.alloc(0);
      counts.bytesSent += data.length;
      if (data.length > 0) {
        let list = served.get(key);
        if (!list) {
          list = [];
          served.set(key, list);
        }
        list.push([start, start + data.length]);
      }
      const headers: Record<string, string> = {
        "Content-Length": String(data.length),
        "Content-Type": "application/octet-stream",
        "Accept-Ranges": "bytes",
      };
      if (status === 206) headers["Content-Range"] = `bytes ${start}-${end}/${size}`;
      res.writeHead(status, headers);
      await send(res, data);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500).end(String(error));
      else res.destroy();
    }
  };

  const server: Server = createServer((req, res) => {
    void handler(req, res);
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", 4096, r));
  server.unref();
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("server has no TCP address");

  const handle: BenchServer = {
    url: `http://127.0.0.1:${addr.port}/`,
    latencyMs: options.latencyMs ?? 20,
    bandwidthBytesPerSec: options.bandwidthBytesPerSec,
    get inFlight() {
      return inFlight;
    },
    counters() {
      let uniqueBytes = 0;
      for (const list of served.values()) uniqueBytes += unionLength(list);
      return { ...counts, uniqueBytes };
    },
    reset() {
      counts = zero();
      served = new Map();
      linkFreeAt = 0;
    },
    stop() {
      if (stopped) return Promise.resolve();
      stopped = true;
      if (idleTimer) clearTimeout(idleTimer);
      return new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    },
  };
  armIdle();
  return handle;
}
