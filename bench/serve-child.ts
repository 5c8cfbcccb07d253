/**
 * One service of `npm run bench:serve` in a process of its own (so its memory and event loop are
 * its own): `tsx bench/serve-child.ts zarr-plan|zarr-plan-limited|zarr-plan-inline|baseline FILE_SERVER_URL` prints
 * `listening on http://127.0.0.1:PORT`. `zarr-plan` is the service as `zarr-plan serve` runs it
 * (`createThreadedSliceHandler`: the engine on a thread of its own) letting every user in,
 * `zarr-plan-limited` the same with 16 plans running and 32 waiting at most (beyond: 503),
 * `zarr-plan-inline` the same routes with the engine on the HTTP thread (`createSliceHandler`). Besides the service's routes it
 * answers `GET /__bench` (peak RSS, delay p50/p99 of the event loop answering HTTP since the last
 * reset, the same measure for every service) and `POST /__bench/reset`.
 * @module
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { FetchStore } from "../src/index.js";
import { createSliceHandler, createThreadedSliceHandler } from "../src/serve/index.js";
import { loopDelayOf, monitorLoopDelay } from "../src/serve/stats.js";
import { createBaselineHandler } from "./serve-baseline.js";

const [kind, fileServer] = process.argv.slice(2);
const KINDS = ["zarr-plan", "zarr-plan-limited", "zarr-plan-inline", "baseline"];
if (!KINDS.includes(kind ?? "") || !fileServer) {
  throw new Error(`usage: tsx bench/serve-child.ts ${KINDS.join("|")} FILE_SERVER_URL`);
}

// Load, not limits, is measured: let every user in; `zarr-plan-limited` shows saturation (503s).
const limits =
  kind === "zarr-plan-limited"
    ? { maxConcurrentPlans: 16, maxQueue: 32 }
    : { maxConcurrentPlans: 256, maxQueue: 4096 };
const handler =
  kind === "zarr-plan" || kind === "zarr-plan-limited"
    ? createThreadedSliceHandler({ root: `${fileServer}/`, limits })
    : kind === "zarr-plan-inline"
      ? createSliceHandler({ store: new FetchStore(`${fileServer}/`), limits })
      : createBaselineHandler(fileServer);
if ("ready" in handler) await handler.ready;

let loop = monitorLoopDelay();

const server = createServer((req, res) => {
  if (req.url === "/__bench") {
    const body = JSON.stringify({
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      eventLoopDelayMs: loopDelayOf(loop),
    });
    res.writeHead(200, { "content-type": "application/json" }).end(body);
    return;
  }
  if (req.url === "/__bench/reset") {
    loop.disable();
    loop = monitorLoopDelay();
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
