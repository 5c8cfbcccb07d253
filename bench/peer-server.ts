/**
 * Starting the peer benchmark's latency server (`server.mjs` of its working copy) in a child
 * process, for the benchmarks that run beside it (`network-floor.ts`, `browser-peers.ts`).
 * @module
 */
import { spawn } from "node:child_process";
import { join } from "node:path";

/** A running peer benchmark server. */
export interface PeerServer {
  readonly port: number;
  /** `http://127.0.0.1:<port>/`. */
  readonly url: string;
  /** Stops the server (it exits when its stdin closes). */
  stop(): void;
}

/**
 * Starts `server.mjs` of the peer benchmark at `work` on a free port, serving `work/data` with a
 * first-byte latency of `latencyMs` ms; resolves once it says it is ready.
 */
export function startPeerServer(work: string, latencyMs: number): Promise<PeerServer> {
  const child = spawn(
    process.execPath,
    [
      join(work, "server.mjs"),
      "--root",
      join(work, "data"),
      "--port",
      "0",
      "--latency-ms",
      String(latencyMs),
      "--exit-on-stdin-close",
    ],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  return new Promise((done, fail) => {
    child.on("error", fail);
    child.once("exit", (code) => fail(new Error(`latency server exited with code ${code}`)));
    child.stdout.on("data", (d: Buffer) => {
      const m = /"port":(\d+)/.exec(String(d));
      if (!m) return;
      const port = Number(m[1]);
      done({ port, url: `http://127.0.0.1:${port}/`, stop: () => child.stdin.end() });
    });
  });
}
