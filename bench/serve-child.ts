/**
 * One service of `npm run bench:serve` in a process of its own (so its memory and event loop are
 * its own): `tsx bench/serve-child.ts zarr-plan|baseline FILE_SERVER_URL` prints
 * `listening on http://127.0.0.1:PORT`. Besides the service's routes it answers `GET /__bench`
 * (peak RSS, event-loop delay p50/p99 since the last reset, from its own
 * `monitorEventLoopDelay`, the same measure for both services) and `POST /__bench/reset`.
 * @module
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { FetchStore } from "../src/index.js";
import { createSliceHandler } from "../src/serve/index.js";
import { createBaselineHandler } from "./serve-baseline.js";

const [kind, fileServer] = process.argv.slice(2);
if ((kind !== "zarr-plan" && kind !== "baseline") || !fileServer) {
  throw new Error("usage: tsx bench/serve-child.ts zarr-plan|baseline FILE_SERVER_URL");
}

const handler =
  kind === "zarr-plan"
    ? createSliceHandler({
        store: new FetchStore(`${fileServer}/`),
        // Load, not limits, is measured: let every user in.
        limits: { maxConcurrentPlans: 256, maxQueue: 4096 },
      })
    : createBaselineHandler(fileServer);

let loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();

const server = createServer((req, res) => {
  if (req.url === "/__bench") {
    const ms = (ns: number) => Math.round(ns / 1e4) / 100;
    const body = JSON.stringify({
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      eventLoopDelayMs: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)) },
    });
    res.writeHead(200, { "content-type": "application/json" }).end(body);
    return;
  }
  if (req.url === "/__bench/reset") {
    loop.disable();
    loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    res.writeHead(204).end();
    return;
  }
  void handler(req, res);
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
// The parent closes stdin to stop this process.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
