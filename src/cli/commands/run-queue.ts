/**
 * `zarr-plan run PLAN.json --out DIR --queue redis://…`: the plan's reads cut into partitions and
 * run on BullMQ workers (`zarr-plan worker`), the outputs written as a local `run` writes them;
 * with `--stats`, the statistics of each read (merged over partitions) instead.
 * @module
 */
import { mkdir } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import {
  parseQueueUrl,
  QueueError,
  type QueueProgress,
  type QueueRunResult,
  runOnQueue,
} from "../../distribute/index.js";
import type { AnyStore, Context, PartitionOptions, PlanFile } from "../../index.js";
import type { Io } from "../context.js";
import { UsageError } from "../errors.js";

/** The options of `run` that concern a queue. */
export interface QueueRunOptions {
  queue: string;
  partitions?: number;
  maxBytes?: number;
  stats?: boolean;
  axis?: number;
  /** Workers write each read into this Zarr store (a local directory) instead of returning it. */
  outStore?: string;
}

/**
 * The connection and queue name of a `--queue redis://HOST:PORT[/NAME]` argument.
 * @throws UsageError for a malformed URL.
 */
export function queueAddress(url: string): ReturnType<typeof parseQueueUrl> {
  try {
    return parseQueueUrl(url);
  } catch (e) {
    if (e instanceof QueueError) throw new UsageError(e.message);
    throw e;
  }
}

/** True for a location that names the same store on every machine: a URL or an absolute path. */
function portable(location: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(location) || isAbsolute(location);
}

/**
 * The plan file with every relative store location made absolute from `baseDir` (the plan file's
 * folder), so that workers started elsewhere open the same stores.
 */
export function withAbsoluteStores(json: unknown, baseDir: string): unknown {
  if (typeof json !== "object" || json === null) return json;
  const fix = (loc: unknown) =>
    typeof loc === "string" && !portable(loc) ? resolve(baseDir, loc) : loc;
  const file = json as { store?: unknown; reads?: unknown; writes?: unknown };
  const reads =
    typeof file.reads === "object" && file.reads !== null && !Array.isArray(file.reads)
      ? Object.fromEntries(
          Object.entries(file.reads as Record<string, unknown>).map(([name, r]) => [
            name,
            typeof r === "object" && r !== null && "store" in r
              ? { ...r, store: fix((r as { store: unknown }).store) }
              : r,
          ]),
        )
      : file.reads;
  return { ...file, store: fix(file.store), reads };
}

/** The partition options of `--partitions` / `--max-bytes`. @throws UsageError for both. */
export function partitionOptionsOf(opts: QueueRunOptions): PartitionOptions {
  if (opts.partitions !== undefined && opts.maxBytes !== undefined) {
    throw new UsageError("give --partitions or --max-bytes, not both");
  }
  if (opts.partitions !== undefined) return { count: opts.partitions };
  if (opts.maxBytes !== undefined) return { maxBytes: opts.maxBytes };
  return {};
}

/** One progress line on stderr (at most one per completed partition or stall). */
function progressReporter(io: Io): (p: QueueProgress) => void {
  let shown = "";
  return (p) => {
    const line = `partitions ${p.partitionsDone}/${p.partitionsTotal}, chunk tasks ${p.tasksDone}/${p.tasksTotal}${p.stalls ? `, ${p.stalls} stalled (retried)` : ""}${p.retries ? `, ${p.retries} attempts retried` : ""}`;
    const key = `${p.partitionsDone}/${p.stalls}/${p.retries}`;
    if (key === shown) return;
    shown = key;
    io.stderr(`${line}\n`);
  };
}

/**
 * Runs the plan file's reads on the queue's workers.
 * @throws UsageError for a malformed queue URL or clashing options; the run's errors
 * (`PartitionError` with the partition's code, `QueueError`).
 */
export async function runPlanOnQueue(
  json: unknown,
  planFile: string,
  opts: QueueRunOptions,
  io: Io,
  open: { context: Context; openStore: (location: string) => Promise<AnyStore> },
): Promise<QueueRunResult> {
  const address = queueAddress(opts.queue);
  if (opts.axis !== undefined && !opts.stats) throw new UsageError("--axis needs --stats");
  if (opts.outStore !== undefined && opts.stats) {
    throw new UsageError("--out-store writes values: it does not go with --stats");
  }
  if (opts.outStore !== undefined) await mkdir(resolve(opts.outStore), { recursive: true });
  const file = withAbsoluteStores(json, resolve(planFile, "..")) as PlanFile;
  return runOnQueue(file, {
    connection: address.connection,
    queue: address.queue,
    partition: partitionOptionsOf(opts),
    mode: opts.outStore !== undefined ? "store" : opts.stats ? "stats" : "arrays",
    ...(opts.outStore !== undefined
      ? { output: { store: resolve(opts.outStore), overwrite: true } }
      : {}),
    ...(opts.axis === undefined ? {} : { statsAxis: opts.axis }),
    signal: io.signal,
    onProgress: progressReporter(io),
    context: open.context,
    openStore: open.openStore,
  });
}
