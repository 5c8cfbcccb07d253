/**
 * A partition worker that sleeps before each partition (for the kill-a-worker test):
 * `node --import tsx tests/helpers/slow-worker.ts REDIS_PORT QUEUE SLEEP_MS`. Prints `ready` once
 * connected and `started <jobId> <partition> <attempt>` when it takes a partition, then sleeps
 * SLEEP_MS before reading it (the test SIGKILLs it in that sleep).
 */

import { readyWithin } from "../../src/distribute/ready.js";
import { createPartitionWorker } from "../../src/distribute/worker.js";

const [port, queue, sleepMs] = process.argv.slice(2);
const worker = createPartitionWorker({
  connection: { host: "127.0.0.1", port: Number(port) },
  queue: queue!,
  lockDurationMs: 1000,
  stalledIntervalMs: 500,
  beforePartition: async ({ jobId, partition, attempt }) => {
    process.stdout.write(`started ${jobId} ${partition} ${attempt}\n`);
    await new Promise((r) => setTimeout(r, Number(sleepMs)));
  },
});
worker.on("error", (e) => process.stderr.write(`worker error: ${e.message}\n`));
await readyWithin(worker, 10_000, `queue ${queue}`);
process.stdout.write("ready\n");
process.once("SIGTERM", () => {
  void worker.close().then(() => process.exit(0));
});
