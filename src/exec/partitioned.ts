/**
 * Running a plan's partitions on Node worker threads: `plan.partition()` cuts the plan into plan
 * files, a pool of worker threads runs them (each opening the stores its file names, with its own
 * Context, caches and decode), and this thread assembles the outputs or merges statistics.
 *
 * ```ts
 * const p = plan({ t: cube.lazy() });                      // over a FileSystemStore or FetchStore
 * const { t } = await runPartitioned(p, { workers: 4 });  // equal to (await p.read()).t
 * const s = await runPartitioned(p, { workers: 4, reduce: { stats: true, axis: 0 } });
 * summarizeStats(s.t).mean;                               // mean over axis 0, per other position
 * ```
 *
 * Workers open stores by their plan-file location, so the plan's stores must have one: paths
 * (`FileSystemStore`) and URLs (`FetchStore`). A `MemoryStore` cannot cross threads (the plan then
 * fails to partition with `ERR_PLAN_NOT_SERIALIZABLE`). Each worker posts its sub-reads' buffers
 * back (transferred, not copied) and this thread copies them into the outputs
 * (`assemblePartitions`): peak memory is the outputs plus the partitions in flight. With
 * `reduce`, workers post statistics only (a few numbers per read, or per output position along
 * an axis), so the values never cross threads. Node only: in other runtimes `runPartitioned`
 * rejects with `ERR_UNSUPPORTED`.
 * @module
 */
import type { Worker } from "node:worker_threads";
import {
  AbortError,
  AuthorizationError,
  ChecksumError,
  CodecError,
  DataTypeMismatchError,
  DimensionError,
  IndexError,
  InvalidPathError,
  LabelError,
  MetadataError,
  NdselError,
  NodeNotFoundError,
  OptionsError,
  StoreError,
  UnknownCodecError,
  UnsupportedDataTypeError,
  WriteConflictError,
  ZarrPlanError,
} from "../core/errors.js";
import { cStrides, type NDArray } from "../core/ndarray.js";
import {
  assemblePartitions,
  type PartitionOptions,
  type PlanPartition,
} from "../plan/partition-plan.js";
import type { Plan } from "../plan/plan.js";
import { isAbortSignalLike, PlanFileError } from "../plan/plan-json.js";
import { FetchError } from "./errors.js";
import { isNode, nodeWorkerStarter } from "./node-worker.js";
import type {
  PartitionReply,
  PartitionRequest,
  PartitionWorkerError,
} from "./partition-protocol.js";
import { assemblePartitionStats } from "./partition-stats.js";
import { type AxisStatsState, realValues, type StatsState } from "./stats.js";

/** Options of {@link runPartitioned}. */
export interface RunPartitionedOptions {
  /** Worker threads (default: the machine's available parallelism, at most the partitions). */
  readonly workers?: number;
  /** How the plan is cut (default `{ count: 4 × workers }`: a few partitions per worker, balanced). */
  readonly partition?: PartitionOptions;
  /** Aborting terminates the workers and rejects with `AbortError`. */
  readonly signal?: AbortSignal;
  /** Called on this thread after each partition completes: partitions done, and in all. */
  readonly onProgress?: (done: number, total: number, partition: PlanPartition) => void;
}

/** {@link RunPartitionedOptions} with statistics instead of values. */
export interface RunPartitionedStatsOptions extends RunPartitionedOptions {
  /**
   * Return each read's mergeable statistics (`statsOf`) instead of its values: of every value,
   * or with `axis` (a dimension of every read's output) along that axis for each position of the
   * other dimensions. Workers compute them; this thread merges them (`mergeStats`).
   */
  readonly reduce: { readonly stats: true; readonly axis?: number };
}

/** The error classes a worker's error is rebuilt as (by class name). */
const ERROR_CLASSES: Readonly<Record<string, { prototype: object }>> = {
  AbortError,
  AuthorizationError,
  ChecksumError,
  CodecError,
  DataTypeMismatchError,
  DimensionError,
  FetchError,
  IndexError,
  InvalidPathError,
  LabelError,
  MetadataError,
  NdselError,
  NodeNotFoundError,
  OptionsError,
  PlanFileError,
  StoreError,
  UnknownCodecError,
  UnsupportedDataTypeError,
  WriteConflictError,
};

/**
 * The error a worker reported, as this thread would have thrown it: the same class (for the
 * library's errors), code, fields and message, prefixed with the partition.
 */
function rebuildError(e: PartitionWorkerError, where: string): Error {
  const message = `${where}: ${e.message}`;
  let err: Error;
  if (e.code !== undefined) {
    err = new ZarrPlanError(e.code, message);
    Object.setPrototypeOf(err, (ERROR_CLASSES[e.name] ?? ZarrPlanError).prototype);
  } else err = new Error(message);
  Object.assign(err, e.fields);
  Object.defineProperty(err, "message", { value: message, writable: true, configurable: true });
  err.name = e.name;
  if (e.stack) err.stack = `${e.name}: ${message}\n    (in a partition worker)\n${e.stack}`;
  return err;
}

function workerCount(requested: number | undefined, partitions: number, cpus: number): number {
  return Math.max(1, Math.min(requested ?? cpus, Math.max(partitions, 1)));
}

function checkOptions(options: RunPartitionedOptions & { reduce?: unknown }): void {
  const issues: { option: string; message: string; value: unknown }[] = [];
  const w = options.workers;
  if (w !== undefined && !(Number.isInteger(w) && w >= 1 && w <= 1024)) {
    issues.push({ option: "workers", message: "expected an integer in [1, 1024]", value: w });
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== "function") {
    issues.push({
      option: "onProgress",
      message: "expected a function",
      value: options.onProgress,
    });
  }
  if (options.signal !== undefined && !isAbortSignalLike(options.signal)) {
    issues.push({ option: "signal", message: "expected an AbortSignal", value: options.signal });
  }
  const r = options.reduce as { stats?: unknown; axis?: unknown } | undefined;
  if (
    r !== undefined &&
    (typeof r !== "object" ||
      r === null ||
      r.stats !== true ||
      (r.axis !== undefined && !(Number.isInteger(r.axis) && (r.axis as number) >= 0)))
  ) {
    issues.push({
      option: "reduce",
      message: "expected { stats: true, axis?: integer >= 0 }",
      value: r,
    });
  }
  if (issues.length > 0) throw new OptionsError("runPartitioned", issues);
}

/**
 * Runs `plan` as partitions on Node worker threads and returns what `plan.read()` returns (same
 * shapes, dtypes and values; C order), or with `reduce` each read's merged statistics. Each
 * worker opens the stores named in its partition's plan file itself (see the module comment);
 * partitions are handed to idle workers first come, first served; workers are terminated when
 * the run ends, fails or is aborted.
 * @throws OptionsError (`ERR_OPTIONS`) for invalid options, and as `plan.partition()`
 * (`ERR_PLAN_NOT_SERIALIZABLE` for a plan over a `MemoryStore`); the first error a partition
 * fails with, rebuilt as its class (`CodecError` for a corrupt chunk, `StoreError`, …) with the
 * partition in its message; ZarrPlanError `ERR_WORKER` when a worker cannot start or exits
 * before answering; `ERR_UNSUPPORTED` outside Node; AbortError when `signal` aborts; RangeError
 * when `reduce.axis` is not a dimension of every read.
 */
export function runPartitioned(
  plan: Plan,
  options: RunPartitionedStatsOptions,
): Promise<Record<string, StatsState | AxisStatsState>>;
export function runPartitioned(
  plan: Plan,
  options?: RunPartitionedOptions,
): Promise<Record<string, NDArray>>;
export async function runPartitioned(
  plan: Plan,
  options: RunPartitionedOptions & Partial<Pick<RunPartitionedStatsOptions, "reduce">> = {},
): Promise<Record<string, NDArray> | Record<string, StatsState | AxisStatsState>> {
  checkOptions(options);
  if (!isNode()) {
    throw new ZarrPlanError(
      "ERR_UNSUPPORTED",
      "runPartitioned needs Node's worker_threads; in other runtimes run plan.partition() files yourself",
    );
  }
  const signal = options.signal;
  if (signal?.aborted) throw new AbortError("runPartitioned was aborted before it started");
  const axis = options.reduce?.axis;
  if (options.reduce) {
    // Statistics need real numbers: a TypeError now rather than from every worker.
    plan.views.forEach((v, i) => {
      realValues({ dtype: v.dtype, data: undefined }, `read "${plan.names[i]}"`);
    });
  }
  if (axis !== undefined) {
    plan.names.forEach((name, i) => {
      const nd = plan.views[i]!.shape.length;
      if (axis >= nd) {
        throw new RangeError(
          `runPartitioned: reduce.axis ${axis} is not a dimension of read "${name}" (shape [${plan.views[i]!.shape}])`,
        );
      }
    });
  }
  const osName = "node:os";
  const os = (await import(/* @vite-ignore */ osName)) as typeof import("node:os");
  const cpus = os.availableParallelism();
  const planned = workerCount(options.workers, Number.POSITIVE_INFINITY, cpus);
  const parts = plan.partition(options.partition ?? { count: 4 * planned });
  const n = workerCount(options.workers, parts.length, cpus);
  let start: () => Worker;
  try {
    start = await nodeWorkerStarter("../hierarchy/partition-worker", import.meta.url);
  } catch (e) {
    throw new ZarrPlanError("ERR_WORKER", `runPartitioned: cannot start worker threads (${e})`, {
      cause: e,
    });
  }
  const replies = await runPool(parts, n, start, options.reduce, signal, options.onProgress);
  if (!options.reduce) {
    return assemblePartitions(
      plan,
      replies.map(({ partition, reply }) => ({
        partition,
        outputs: Object.fromEntries(
          partition.regions.map((r) => {
            const o = reply.outputs?.[r.name];
            const view = plan.views[plan.names.indexOf(r.read)]!;
            const a: NDArray | undefined = o && {
              data: o.data as NDArray["data"],
              shape: o.shape,
              strides: cStrides(o.shape),
              dtype: view.dtype,
            };
            return [r.name, a as NDArray];
          }),
        ),
      })),
    );
  }
  return assemblePartitionStats(
    plan,
    replies.map(({ partition, reply }) => ({ partition, stats: reply.stats ?? {} })),
    axis === undefined ? {} : { axis },
  );
}

/**
 * Runs every partition on `n` workers started by `start`; the replies in partition order. Exported
 * for tests (a fake `start`), not from the package.
 */
export function runPool(
  parts: readonly PlanPartition[],
  n: number,
  start: () => Worker,
  reduce: { readonly axis?: number } | undefined,
  signal: AbortSignal | undefined,
  onProgress: RunPartitionedOptions["onProgress"],
): Promise<{ partition: PlanPartition; reply: PartitionReply }[]> {
  return new Promise((resolve, reject) => {
    const results: { partition: PlanPartition; reply: PartitionReply }[] = new Array(parts.length);
    const workers: Worker[] = [];
    let next = 0;
    let done = 0;
    let over = false;
    const finish = (e?: unknown) => {
      if (over) return;
      over = true;
      signal?.removeEventListener("abort", onAbort);
      for (const w of workers) void w.terminate();
      if (e === undefined) resolve(results);
      else reject(e);
    };
    const onAbort = () => finish(new AbortError("runPartitioned was aborted"));
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    const where = (k: number) =>
      `partition ${k} of ${parts.length} (${parts[k]!.regions.map((r) => r.name).join(", ")})`;
    const give = (w: Worker, busy: { k: number }) => {
      if (over) return;
      if (next >= parts.length) {
        busy.k = -1;
        void w.terminate();
        return;
      }
      const k = next++;
      busy.k = k;
      const req: PartitionRequest = reduce
        ? { id: k, file: parts[k]!.file, reduce: { ...reduce } }
        : { id: k, file: parts[k]!.file };
      w.postMessage(req);
    };
    if (parts.length === 0) {
      finish();
      return;
    }
    for (let i = 0; i < n; i++) {
      let w: Worker;
      try {
        w = start();
      } catch (e) {
        finish(new ZarrPlanError("ERR_WORKER", `runPartitioned: cannot start a worker (${e})`));
        return;
      }
      workers.push(w);
      const busy = { k: -1 };
      w.on("message", (reply: PartitionReply) => {
        if (over) return;
        if (reply.error) {
          finish(rebuildError(reply.error, where(reply.id)));
          return;
        }
        results[reply.id] = { partition: parts[reply.id]!, reply };
        done++;
        try {
          onProgress?.(done, parts.length, parts[reply.id]!);
        } catch (e) {
          finish(e);
          return;
        }
        if (over) return;
        if (done === parts.length) finish();
        else give(w, busy);
      });
      w.on("error", (e) => {
        finish(
          new ZarrPlanError(
            "ERR_WORKER",
            `${busy.k >= 0 ? where(busy.k) : "runPartitioned"}: worker failed (${e.message})`,
            { cause: e },
          ),
        );
      });
      w.on("exit", (code) => {
        if (over || busy.k < 0) return;
        finish(
          new ZarrPlanError(
            "ERR_WORKER",
            `${where(busy.k)}: worker exited with code ${code} before answering`,
          ),
        );
      });
      give(w, busy);
    }
  });
}
