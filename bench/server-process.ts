/**
 * The benchmark's latency server (`server.ts`) in a child process, so the CPU it spends serving
 * (reading files, writing sockets) is not charged to the client being measured, as with a real
 * object store. The parent talks to it over the IPC channel: counters, reset, latency, stop.
 *
 * Run as a child: `node --import tsx bench/server-process.ts --server-child '<options JSON>'`.
 * @module
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  type BenchServer,
  type ServerCounters,
  type ServerOptions,
  startServer,
} from "./server.js";

type Op = { op: "counters" } | { op: "reset" } | { op: "latency"; ms: number } | { op: "stop" };
type Request = Op & { id: number };

interface Reply {
  id: number;
  counters?: ServerCounters;
  inFlight?: number;
}

/** A latency server running in a child process (every call is one IPC round trip). */
export interface RemoteServer {
  /** Base URL, ending in `/`. */
  readonly url: string;
  /** A snapshot of the counters and the requests in flight now. */
  counters(): Promise<ServerCounters & { inFlight: number }>;
  /** Zeroes every counter. */
  reset(): Promise<void>;
  /** Sets the first-byte latency in ms. */
  setLatency(ms: number): Promise<void>;
  /** Stops the server and the child process. Idempotent. */
  stop(): Promise<void>;
}

/** Starts the server in a child process. */
export async function startServerProcess(options: ServerOptions): Promise<RemoteServer> {
  const child: ChildProcess = fork(
    fileURLToPath(import.meta.url),
    ["--server-child", JSON.stringify(options)],
    { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.once("message", (m: { url?: string }) =>
      m.url ? resolve(m.url) : reject(new Error("server child did not start")),
    );
    child.once("exit", (code) => reject(new Error(`server child exited with code ${code}`)));
  });
  let next = 1;
  const waiting = new Map<number, (r: Reply) => void>();
  child.on("message", (m: Reply) => {
    const w = waiting.get(m.id);
    if (w) {
      waiting.delete(m.id);
      w(m);
    }
  });
  const call = (req: Op): Promise<Reply> =>
    new Promise((resolve) => {
      const id = next++;
      waiting.set(id, resolve);
      child.send({ ...req, id });
    });
  let stopped = false;
  return {
    url,
    async counters() {
      const r = await call({ op: "counters" });
      return { ...r.counters!, inFlight: r.inFlight! };
    },
    async reset() {
      await call({ op: "reset" });
    },
    async setLatency(ms: number) {
      await call({ op: "latency", ms });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await call({ op: "stop" });
      await new Promise<void>((r) =>
        child.exitCode !== null ? r() : child.once("exit", () => r()),
      );
    },
  };
}

/** The same interface over a server in this process (`--in-process-server`). */
export function inProcess(server: BenchServer): RemoteServer {
  return {
    url: server.url,
    counters: async () => ({ ...server.counters(), inFlight: server.inFlight }),
    reset: async () => server.reset(),
    setLatency: async (ms) => {
      server.latencyMs = ms;
    },
    stop: () => server.stop(),
  };
}

async function childMain(): Promise<void> {
  const options = JSON.parse(
    process.argv[process.argv.indexOf("--server-child") + 1]!,
  ) as ServerOptions;
  const server = await startServer(options);
  process.on("message", async (req: Request) => {
    switch (req.op) {
      case "counters":
        process.send!({ id: req.id, counters: server.counters(), inFlight: server.inFlight });
        return;
      case "reset":
        server.reset();
        break;
      case "latency":
        server.latencyMs = req.ms;
        break;
      case "stop":
        await server.stop();
        process.send!({ id: req.id }, () => process.exit(0));
        return;
    }
    process.send!({ id: req.id });
  });
  // The parent going away ends the child too.
  process.on("disconnect", () => process.exit(0));
  process.send!({ url: server.url });
}

if (process.argv[2] === "--server-child") await childMain();
