/**
 * Entry point of a decode worker (`decode-pool.ts`): answers each message, a batch of requests,
 * with this worker's one `batchHandler` (`decode-handler.ts`), which keeps the codecs it rebuilt.
 * Runs under `node:worker_threads` or as a module Web Worker.
 * @module
 */

import { isNode } from "../core/runtime.js";
import { batchHandler } from "./decode-handler.js";
import type { WorkerReply, WorkerRequest } from "./decode-protocol.js";

const handleBatch = batchHandler();

if (isNode()) {
  // No top-level await: bundlers build browser workers in formats without it (Vite: "iife").
  // Messages sent before the listener is attached wait in the port.
  const name = "node:worker_threads";
  const listen = (wt: typeof import("node:worker_threads")) => {
    const parentPort = wt.parentPort;
    if (!parentPort) return;
    const send = (r: WorkerReply[], t: ArrayBuffer[]) => parentPort.postMessage(r, t);
    parentPort.on("message", (reqs: WorkerRequest[]) => void handleBatch(reqs, send));
  };
  import(/* @vite-ignore */ name).then(
    (wt: typeof import("node:worker_threads")) => listen(wt),
    (e: unknown) => {
      // Without worker_threads this module was not started as a worker: nothing to serve.
      console.warn("zarr-plan decode worker: cannot load node:worker_threads", e);
    },
  );
} else {
  const self = globalThis as unknown as {
    postMessage(r: WorkerReply[], t: ArrayBuffer[]): void;
    onmessage: ((e: MessageEvent<WorkerRequest[]>) => void) | null;
  };
  const send = (r: WorkerReply[], t: ArrayBuffer[]) => self.postMessage(r, t);
  self.onmessage = (e) => void handleBatch(e.data, send);
}
