/**
 * What travels through the queue: the data of a partition job, the data of a run's parent job, a
 * partition's result (outputs as base64 `.npy`, or statistics states), and their checks.
 * @module
 */

import {
  type AxisStatsState,
  type NDArray,
  type PartitionRegion,
  type PlanFile,
  readNpy,
  type StatsState,
  writeNpy,
  ZarrPlanError,
} from "../index.js";
import { QueueError } from "./errors.js";

/** What a partition job returns: its outputs, or statistics states of its outputs. */
export type PartitionMode = "arrays" | "stats" | "store";

/** Data of one partition job. */
export interface PartitionJobData {
  readonly kind: "partition";
  /** The partition's plan file (`PlanPartition.file`), store locations absolute or URLs. */
  readonly file: PlanFile;
  /** Index of the partition in the run. */
  readonly partition: number;
  readonly mode: PartitionMode;
  /** Stats mode: the axis the statistics are per (`statsOf(…, { axis })`); none: over all. */
  readonly statsAxis?: number;
  /**
   * Largest result of the job: `.npy` bytes of all outputs together (arrays mode), 56 bytes per
   * position of the statistics (stats mode). A worker applies its own ceiling too.
   */
  readonly maxResultBytes: number;
  /**
   * Store mode: the destination the worker writes this partition's outputs into with a write plan
   * (store location; destination array path of each read of the original plan), and where each of
   * the partition's sub-reads goes in its read's output.
   */
  readonly target?: {
    readonly store: string;
    readonly arrays: Readonly<Record<string, string>>;
    readonly regions: readonly PartitionRegion[];
  };
}

/** Data of a run's parent job: done once every partition job is. */
export interface RunJobData {
  readonly kind: "run";
  readonly partitions: number;
}

/** What a partition job returns. */
export interface PartitionJobResult {
  readonly partition: number;
  /** Name of the worker that ran it (`host:pid` by default). */
  readonly worker: string;
  /** Time in the plan's read (ms) and in the whole job (ms, opening stores and encoding included). */
  readonly readMs: number;
  readonly jobMs: number;
  /** Chunk tasks done; bytes the job's stores returned; requests made. */
  readonly tasks: number;
  readonly bytes: number;
  readonly requests: number;
  /** Arrays mode: each read of the partition file as base64 `.npy`. */
  readonly arrays?: Readonly<Record<string, string>>;
  /** Store mode: objects (chunks or shards) this partition stored or deleted in the destination. */
  readonly stored?: number;
  /** Stats mode: `statsOf` of each read of the partition file. */
  readonly stats?: Readonly<Record<string, StatsState | AxisStatsState>>;
}

/** Default cap of a partition's `.npy` results (64 MiB). */
export const DEFAULT_MAX_RESULT_BYTES = 64 * 1024 * 1024;

/**
 * The partition's outputs as base64 `.npy`.
 * @throws ZarrPlanError (`ERR_TOO_LARGE`) when their `.npy` bytes are over `maxBytes`: results
 * travel through Redis; write large outputs to a Zarr store with a write plan instead.
 */
export function encodeArrays(
  outputs: Readonly<Record<string, NDArray>>,
  maxBytes: number,
  partition: number,
): Record<string, string> {
  let total = 0;
  for (const a of Object.values(outputs)) total += a.data.length * a.dtype.itemSize;
  if (total > maxBytes) {
    throw new ZarrPlanError(
      "ERR_TOO_LARGE",
      `partition ${partition}: its outputs are ${total} bytes, over the ${maxBytes}-byte result limit of a job (results travel through Redis): use more partitions (--partitions / --max-bytes), or write the output to a Zarr store with a write plan (docs/distributed.md)`,
    );
  }
  const out: Record<string, string> = {};
  for (const [name, a] of Object.entries(outputs)) {
    out[name] = Buffer.from(writeNpy(a)).toString("base64");
  }
  return out;
}

/** Bytes a statistics state of `positions` positions is counted as (7 float64 fields each). */
const STATS_BYTES_PER_POSITION = 56;

/**
 * Checks that statistics states fit the result limit: 56 bytes per position (one for whole
 * statistics).
 * @throws ZarrPlanError (`ERR_TOO_LARGE`) naming the partition, the size and the limit.
 */
export function checkStatsSize(
  stats: Readonly<Record<string, StatsState | AxisStatsState>>,
  maxBytes: number,
  partition: number,
): void {
  let total = 0;
  for (const s of Object.values(stats)) {
    total += STATS_BYTES_PER_POSITION * ("axis" in s ? s.count.length : 1);
  }
  if (total > maxBytes) {
    throw new ZarrPlanError(
      "ERR_TOO_LARGE",
      `partition ${partition}: its statistics are about ${total} bytes, over the ${maxBytes}-byte result limit of a job (results travel through Redis): reduce over more axes, or raise maxResultBytes`,
    );
  }
}

/** An array of {@link encodeArrays}. @throws as `readNpy` for bytes that are not a `.npy` file. */
export function decodeArray(base64: string): NDArray {
  return readNpy(new Uint8Array(Buffer.from(base64, "base64")));
}

/**
 * Checks the data of a job before a worker runs it (jobs come from whoever can write to the queue).
 * @throws QueueError (`ERR_QUEUE`) naming the job for data that is neither a partition nor a run job.
 */
export function checkJobData(data: unknown, jobId: string): PartitionJobData | RunJobData {
  const d = data as {
    kind?: unknown;
    partitions?: unknown;
    file?: unknown;
    partition?: unknown;
    mode?: unknown;
    statsAxis?: unknown;
    maxResultBytes?: unknown;
  } | null;
  const bad = (why: string): never => {
    throw new QueueError(`job ${jobId}: ${why}; not a zarr-plan partition job`);
  };
  if (typeof d !== "object" || d === null) return bad("no data object");
  if (d.kind === "run") {
    if (!Number.isSafeInteger(d.partitions)) bad("partitions is not an integer");
    return d as unknown as RunJobData;
  }
  if (d.kind !== "partition") return bad(`kind ${JSON.stringify(d.kind)}`);
  if (typeof d.file !== "object" || d.file === null) bad("no plan file");
  if (!Number.isSafeInteger(d.partition) || (d.partition as number) < 0) bad("bad partition index");
  if (d.mode !== "arrays" && d.mode !== "stats" && d.mode !== "store") {
    bad(`mode ${JSON.stringify(d.mode)}`);
  }
  const t = (d as { target?: { store?: unknown; arrays?: unknown; regions?: unknown } }).target;
  if (
    d.mode === "store" &&
    (typeof t !== "object" ||
      t === null ||
      typeof t.store !== "string" ||
      typeof t.arrays !== "object" ||
      t.arrays === null ||
      !Array.isArray(t.regions))
  ) {
    bad("store mode without a target (store, arrays, regions)");
  }
  if (
    d.statsAxis !== undefined &&
    (!Number.isSafeInteger(d.statsAxis) || (d.statsAxis as number) < 0)
  ) {
    bad(`statsAxis ${JSON.stringify(d.statsAxis)}`);
  }
  if (!Number.isSafeInteger(d.maxResultBytes) || (d.maxResultBytes as number) < 0) {
    bad("bad maxResultBytes");
  }
  return d as unknown as PartitionJobData;
}
