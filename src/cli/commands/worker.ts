/**
 * `zarr-plan worker --queue redis://HOST:PORT[/NAME] [--concurrency N]`: a BullMQ worker
 * (`zarr-plan/distribute`) taking partition jobs until Ctrl-C or SIGTERM, then finishing the jobs
 * it holds (`worker.close()`). One line on stderr per job started, done or failed.
 * @module
 */
import { hostname } from "node:os";
import { type Command, InvalidArgumentError, Option } from "commander";
import { READY_TIMEOUT_MS, readyWithin } from "../../distribute/index.js";
import { createPartitionWorker } from "../../distribute/worker.js";
import type { Io } from "../context.js";
import {
  addSessionOptions,
  positiveInteger,
  type SessionOptions,
  withSession,
} from "../session.js";
import { stopped } from "../stopped.js";
import { queueAddress } from "./run-queue.js";

/** Options of `worker`. */
interface WorkerOptions extends SessionOptions {
  queue: string;
  jobs: number;
  lockDuration?: number;
  stalledInterval?: number;
}

/** Commander parser of a duration in ms (at least 100). */
function milliseconds(text: string): number {
  const v = Number(text);
  if (text.trim() === "" || !Number.isSafeInteger(v) || v < 100) {
    throw new InvalidArgumentError(`expected milliseconds >= 100, got ${JSON.stringify(text)}`);
  }
  return v;
}

export function workerCommand(cmd: Command, io: Io): void {
  addSessionOptions(cmd, false)
    .description(
      "take plan partitions from a BullMQ queue on Redis (submitted by run --queue) until Ctrl-C or SIGTERM",
    )
    .requiredOption("--queue <url>", "the queue: redis://HOST:PORT[/NAME] (NAME default zarr-plan)")
    .addOption(
      new Option("--concurrency <n>", "partitions read at once by this worker")
        .argParser(positiveInteger)
        .default(1),
    )
    .addOption(
      new Option(
        "--lock-duration <ms>",
        "job lock lifetime: a dead worker's job is retried after about this plus --stalled-interval (default 30000)",
      ).argParser(milliseconds),
    )
    .addOption(
      new Option(
        "--stalled-interval <ms>",
        "how often to look for jobs of dead workers (default 30000)",
      ).argParser(milliseconds),
    )
    .action((opts: WorkerOptions & { concurrency: number }) =>
      withSession({ ...opts, concurrency: undefined }, io, async (session) => {
        const address = queueAddress(opts.queue);
        const name = `${hostname()}:${process.pid}`;
        const worker = createPartitionWorker({
          name,
          connection: address.connection,
          queue: address.queue,
          concurrency: opts.concurrency,
          context: session.context,
          ...(opts.lockDuration === undefined ? {} : { lockDurationMs: opts.lockDuration }),
          ...(opts.stalledInterval === undefined
            ? {}
            : { stalledIntervalMs: opts.stalledInterval }),
          beforePartition: ({ partition, jobId, attempt }) =>
            io.stderr(`partition ${partition} (job ${jobId}): started, attempt ${attempt}\n`),
        });
        let lastError = "";
        worker.on("error", (e) => {
          // Connection errors repeat while Redis is away: print each new one once.
          if (e.message !== lastError) io.stderr(`worker error: ${e.message}\n`);
          lastError = e.message;
        });
        worker.on("completed", (job, result) => {
          const r = result as {
            partition?: number;
            tasks?: number;
            bytes?: number;
            jobMs?: number;
          };
          if (r.partition === undefined) return;
          io.stderr(
            `partition ${r.partition} (job ${job.id}): done, ${r.tasks} tasks, ${r.bytes} bytes, ${Math.round(r.jobMs ?? 0)} ms\n`,
          );
        });
        worker.on("failed", (job, e) => {
          io.stderr(`job ${job?.id ?? "?"}: failed: ${e.message}\n`);
        });
        // Listen for SIGTERM before saying we are ready: a signal right after the line must not
        // find the default action (exit at once) in place.
        const stop = stopped(io.signal);
        try {
          await readyWithin(worker, READY_TIMEOUT_MS, opts.queue);
        } catch (e) {
          await worker.close(true).catch(() => undefined);
          throw e;
        }
        io.stderr(
          `worker ${name} on queue "${address.queue}" at ${address.connection.host}:${address.connection.port}, concurrency ${opts.concurrency}\n`,
        );
        await stop;
        io.stderr("stopping: finishing the jobs in hand\n");
        await worker.close();
        io.stderr("stopped\n");
      }),
    );
}
