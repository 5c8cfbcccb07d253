/**
 * Limits a plan is checked against before any IO: its output bytes and its chunk tasks. A read
 * over them fails at once with a typed error that says the size and the limit, instead of
 * allocating until memory runs out.
 * @module
 */
import { ZarrPlanError } from "../core/errors.js";
import { chunkTaskBound } from "../index-space/estimate.js";
import type { LazyArray } from "../index-space/lazy.js";

/** Limits of one plan (both counted over all its reads). */
export interface PlanLimits {
  /** Largest output of a plan, bytes (default {@link DEFAULT_MAX_OUTPUT_BYTES}). */
  readonly maxOutputBytes: number;
  /** Most chunk tasks (chunks, or inner chunks when sharded, over all reads) a plan may have (default {@link DEFAULT_MAX_TASKS}). */
  readonly maxTasks: number;
}

/** Default largest plan output: 4 GiB (JavaScript engines cap a single ArrayBuffer near there). */
export const DEFAULT_MAX_OUTPUT_BYTES = 4 * 1024 ** 3;

/**
 * Default most chunk tasks per plan: 2^17 (131,072). Measured on Node 20 (2 cores): planning keeps
 * about 1 KB per task and executing costs about 6–10 KB and 75 µs per chunk, so a whole read of
 * 163,840 missing chunks took 9 s and 1.75 GB, and 655,360 chunks exhausted the V8 heap (4.3 GB)
 * instead of failing. 2^17 keeps a plan near 1–1.5 GB at worst; raise it (`limits.maxTasks`) for
 * plans that really touch more chunks, on a machine that has the memory.
 */
export const DEFAULT_MAX_TASKS = 2 ** 17;

/** The default limits. */
export const DEFAULT_PLAN_LIMITS: PlanLimits = Object.freeze({
  maxOutputBytes: DEFAULT_MAX_OUTPUT_BYTES,
  maxTasks: DEFAULT_MAX_TASKS,
});

/** The size of a plan, known before it is optimized. */
export interface PlanSize {
  /** Output bytes of all reads. */
  readonly outputBytes: number;
  /** Upper bound of the chunk tasks of all reads. */
  readonly tasksAtMost: number;
}

/** The grid a read is partitioned over: the inner chunk shape of shards read by byte range, else the chunk shape. */
function gridChunkShape(view: LazyArray): readonly number[] {
  const p = view.source.storage?.pipeline;
  const byRange = p?.sharding && p.arrayToArray.length === 0 && p.bytesToBytes.length === 0;
  return byRange ? p.sharding!.innerChunkShape : view.source.chunkShape;
}

/** An upper bound of the chunk tasks of the read `view` (see `chunkTaskBound`). */
export function readTaskBound(view: LazyArray): number {
  const byRange = gridChunkShape(view) !== view.source.chunkShape;
  return chunkTaskBound(
    view.transform,
    gridChunkShape(view),
    byRange ? undefined : view.source.chunkGrid,
  );
}

/** The size of the reads `views`, in O(reads × rank). */
export function planSize(views: readonly LazyArray[]): PlanSize {
  let outputBytes = 0;
  let tasksAtMost = 0;
  for (const v of views) {
    outputBytes += v.size * v.dtype.itemSize;
    tasksAtMost += readTaskBound(v);
  }
  return { outputBytes, tasksAtMost };
}

/**
 * The error a plan of `size` gets under `limits`, or `undefined` when it fits.
 * @param what names the reads, e.g. `plan of 2 reads on "a", "b"`.
 */
export function limitError(
  size: PlanSize,
  limits: PlanLimits,
  what: string,
): ZarrPlanError | undefined {
  if (size.outputBytes > limits.maxOutputBytes) {
    return new ZarrPlanError(
      "ERR_TOO_LARGE",
      `${what}: its output is ${size.outputBytes} bytes, over the limit of ${limits.maxOutputBytes} bytes (Context option limits.maxOutputBytes)`,
    );
  }
  if (size.tasksAtMost > limits.maxTasks) {
    return new ZarrPlanError(
      "ERR_TOO_LARGE",
      `${what}: it may touch up to ${size.tasksAtMost} chunks, over the limit of ${limits.maxTasks} (Context option limits.maxTasks)`,
    );
  }
  return undefined;
}
