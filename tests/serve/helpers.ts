/**
 * Helpers of the slice service tests: a real listening server on port 0 around a handler, raw
 * HTTP requests (paths sent as written, not normalized by a URL parser), and the CLI in process.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import {
  createSliceHandler,
  createThreadedSliceHandler,
  type SliceHandler,
  type SliceHandlerOptions,
  type ThreadedSliceHandler,
  type ThreadedSliceHandlerOptions,
} from "../../src/serve/index.js";

/** A listening service and its base URL. */
export interface Running {
  readonly handler: SliceHandler;
  readonly server: Server;
  readonly base: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Serves `handler` on 127.0.0.1, port 0; `stop` closes every connection and the server. */
async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<{ server: Server; port: number; base: string; stop(): Promise<void> }> {
  const server = createServer((req, res) => {
    void handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    base: `http://127.0.0.1:${port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Starts `createSliceHandler(options)` on 127.0.0.1, port 0. */
export async function startService(options: SliceHandlerOptions): Promise<Running> {
  const handler = createSliceHandler(options);
  const { stop, ...at } = await listen(handler);
  return {
    handler,
    ...at,
    close: async () => {
      await stop();
      handler.close();
    },
  };
}

/** A listening threaded service (engine on a thread of its own, as `zarr-plan serve` runs). */
export interface RunningThreaded {
  readonly handler: ThreadedSliceHandler;
  readonly base: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts `createThreadedSliceHandler(options)` on 127.0.0.1, port 0 (requests wait for its engine;
 * `handler.ready` says when it started, or why not).
 */
export async function startThreadedService(
  options: ThreadedSliceHandlerOptions,
): Promise<RunningThreaded> {
  const handler = createThreadedSliceHandler(options);
  const { stop, server: _server, ...at } = await listen(handler);
  return {
    handler,
    ...at,
    close: async () => {
      await stop();
      await handler.close();
    },
  };
}

/** An answer read whole. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json<T = unknown>(): T;
}

/** Sends `method path` (the raw path, as written) and reads the whole answer. */
export function rawRequest(
  port: number,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: "127.0.0.1", port, method, path, headers: { ...headers, connection: "close" } },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (c: Buffer) => parts.push(c));
        res.on("end", () => {
          const b = Buffer.concat(parts);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: b,
            json: <T>() => JSON.parse(b.toString("utf8")) as T,
          });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Runs `zarr-plan ARGV` in process. */
export { cli } from "../helpers/cli.js";
