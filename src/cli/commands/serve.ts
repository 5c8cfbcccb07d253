/**
 * `zarr-plan serve STORE_OR_URL [--port N] [--host H] [--root]`: the slice service
 * (`zarr-plan/serve`) over a Zarr hierarchy or a directory (or URL prefix) holding many, on
 * `node:http`, until Ctrl-C or SIGTERM. Prints `listening on http://HOST:PORT`.
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Command, InvalidArgumentError, Option } from "commander";
import { FetchStore, type FileSystemStore, NodeNotFoundError, open } from "../../index.js";
import { DEFAULT_SLICE_LIMITS, type SliceLimits } from "../../serve/limits.js";
import type { Io } from "../context.js";
import { CliError } from "../errors.js";
import {
  addSessionOptions,
  byteSize,
  openSession,
  positiveInteger,
  requestLine,
  type Session,
  type SessionOptions,
} from "../session.js";
import { stopped } from "../stopped.js";
import { storeFromArg } from "../store-from-arg.js";

/** Options of `serve`. */
interface ServeOptions extends SessionOptions {
  port: number;
  host: string;
  root?: boolean;
  cacheMb: number;
  maxOutput?: number;
  maxChunks?: number;
  timeout?: number;
  maxConcurrent?: number;
  maxQueue?: number;
  page: boolean;
  engineThread: boolean;
}

/** Default `--cache-mb`. */
const DEFAULT_CACHE_MB = 512;

/** Commander parser of a TCP port (0: any free port). */
function port(text: string): number {
  const v = Number(text);
  if (text.trim() === "" || !Number.isInteger(v) || v < 0 || v > 65535) {
    throw new InvalidArgumentError(`expected a port 0-65535, got ${JSON.stringify(text)}`);
  }
  return v;
}

/** Commander parser of a non-negative integer. */
function count(text: string): number {
  const v = Number(text);
  if (text.trim() === "" || !Number.isSafeInteger(v) || v < 0) {
    throw new InvalidArgumentError(`expected an integer >= 0, got ${JSON.stringify(text)}`);
  }
  return v;
}

/**
 * Cache budgets of `--cache-mb N`: 3/4 for decoded chunks, 3/16 for shard indexes, 1/16 for
 * metadata documents.
 */
function cacheOf(mb: number) {
  const total = mb * 1024 ** 2;
  return {
    chunkBytes: Math.floor((total * 3) / 4),
    shardIndexBytes: Math.floor((total * 3) / 16),
    metadataBytes: Math.floor(total / 16),
  };
}

/** The service's handler: its engine on a thread of its own unless `--no-engine-thread`. */
async function handlerOf(
  storeArg: string,
  store: FileSystemStore | FetchStore,
  session: Session,
  opts: ServeOptions,
  limits: Partial<SliceLimits>,
  io: Io,
): Promise<{
  (req: IncomingMessage, res: ServerResponse): Promise<void>;
  close(): void | Promise<void>;
}> {
  // Loaded when serving (start-up of other commands does not pay for it).
  if (!opts.engineThread) {
    const { createSliceHandler } = await import("../../serve/handler.js");
    return createSliceHandler({ store, context: session.context, limits, page: opts.page });
  }
  const { createThreadedSliceHandler } = await import("../../serve/thread/front.js");
  const handler = createThreadedSliceHandler({
    root: store instanceof FetchStore ? store.url.href : store.root,
    headers: session.headers,
    // A public S3 bucket without list permission answers 403 for a key that does not exist.
    ...(/^s3:/i.test(storeArg) ? { missingStatuses: [403, 404] } : {}),
    storeSettings: session.storeSettings,
    cache: cacheOf(opts.cacheMb),
    limits,
    page: opts.page,
    logRequests: session.logRequests,
    onRequest: (e) => io.stderr(requestLine({ ...e, store }, storeArg)),
  });
  try {
    await handler.ready;
  } catch (e) {
    await handler.close();
    throw new CliError(`cannot serve "${storeArg}": ${(e as Error).message}`, { cause: e });
  }
  return handler;
}

export function serveCommand(cmd: Command, io: Io): void {
  const d = DEFAULT_SLICE_LIMITS;
  cmd
    .description(
      "serve slices of the arrays below STORE over HTTP (JSON API, .npy/JSON/PNG, a browser page)",
    )
    .argument(
      "<store>",
      "a Zarr hierarchy, or a directory / http(s):// URL prefix holding many (any node path below it can be read, nothing outside)",
    )
    .addOption(
      new Option("-p, --port <n>", "TCP port (0: any free port)").default(8080).argParser(port),
    )
    .option("--host <host>", "address to bind", "127.0.0.1")
    .option("--root", "STORE must be one Zarr hierarchy (a node at its root; checked at start)")
    .addOption(
      new Option(
        "--cache-mb <n>",
        "cache budget, MiB: 3/4 decoded chunks, 3/16 shard indexes, 1/16 metadata",
      )
        .default(DEFAULT_CACHE_MB)
        .argParser(count),
    )
    .addOption(
      new Option(
        "--max-output <bytes>",
        `largest result of a request (default ${d.maxOutputBytes / 1024 ** 2}MiB)`,
      ).argParser(byteSize),
    )
    .addOption(
      new Option(
        "--max-chunks <n>",
        `most chunks a request may touch (default ${d.maxChunks})`,
      ).argParser(positiveInteger),
    )
    .addOption(
      new Option(
        "--timeout <ms>",
        `longest a request may run, ms (default ${d.timeoutMs})`,
      ).argParser(positiveInteger),
    )
    .addOption(
      new Option(
        "--max-concurrent <n>",
        `reads running at once (default ${d.maxConcurrentPlans})`,
      ).argParser(positiveInteger),
    )
    .addOption(
      new Option("--max-queue <n>", `reads waiting before 503 (default ${d.maxQueue})`).argParser(
        count,
      ),
    )
    .option("--no-page", "do not serve the browser page at /")
    .option(
      "--no-engine-thread",
      "run the engine (store requests, planning, assembly) on the thread answering HTTP instead of a thread of its own",
    );
  addSessionOptions(cmd, true).action(async (storeArg: string, opts: ServeOptions) => {
    const limits: Partial<SliceLimits> = {
      ...(opts.maxOutput === undefined ? {} : { maxOutputBytes: opts.maxOutput }),
      ...(opts.maxChunks === undefined ? {} : { maxChunks: opts.maxChunks }),
      ...(opts.timeout === undefined ? {} : { timeoutMs: opts.timeout }),
      ...(opts.maxConcurrent === undefined ? {} : { maxConcurrentPlans: opts.maxConcurrent }),
      ...(opts.maxQueue === undefined ? {} : { maxQueue: opts.maxQueue }),
    };
    const session = openSession(opts, io, {
      cache: cacheOf(opts.cacheMb),
      limits: {
        maxOutputBytes: limits.maxOutputBytes ?? d.maxOutputBytes,
        maxTasks: limits.maxChunks ?? d.maxChunks,
      },
    });
    try {
      const store = await storeFromArg(storeArg, session);
      if (opts.root) {
        try {
          await open(store, "", { context: session.context, signal: io.signal });
        } catch (e) {
          if (!(e instanceof NodeNotFoundError)) throw e;
          throw new CliError(
            `--root: no Zarr array or group at the root of store "${storeArg}" (leave out --root to serve a directory of hierarchies)`,
          );
        }
      }
      const handler = await handlerOf(storeArg, store, session, opts, limits, io);
      const server = createServer((req, res) => {
        void handler(req, res);
      });
      await new Promise<void>((resolve, reject) => {
        server.once("error", (e) =>
          reject(
            new CliError(`cannot listen on ${opts.host}:${opts.port} (${e.message})`, { cause: e }),
          ),
        );
        server.listen(opts.port, opts.host, resolve);
      });
      const address = server.address() as AddressInfo;
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
      io.stdout(`listening on http://${host}:${address.port}\n`);
      await stopped(io.signal);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await handler.close();
      io.stderr("stopped\n");
    } finally {
      session.close();
    }
  });
}
