/**
 * The simple executor: reads one lazy array chunk by chunk. It partitions the view's transform
 * over the source's chunk grid (`partition`), reads every touched chunk once through
 * `ArraySource.readChunk` with bounded concurrency, and scatters each chunk's elements into a
 * C-order output. Kept as a reference executor (`chunkExecutor`, `readLazy`); importing this module
 * registers the plan executor (`src/exec/execute.ts`: `lazy.read()` is a one-read plan) as the
 * default executor of `lazy()`. The scatter helpers live in `scatter.ts` (re-exported here).
 * @module
 */

import { allocate } from "../core/dtype.js";
import { AbortError, ZarrPlanError } from "../core/errors.js";
import { cStrides, type NDArray, shapeSize, toCOrder } from "../core/ndarray.js";
import { type Executor, type LazyArray, setDefaultExecutor } from "../index-space/lazy.js";
import { partition } from "../index-space/partition.js";
import type { ReadOptions } from "../index-space/source.js";
import { planExecutor } from "./execute.js";
import { type Entries, fillEntries, fillTask, scatterTask } from "./scatter.js";

export { fillEntries, fillTask, scatterTask } from "./scatter.js";

/** Default number of chunk reads in flight per read. */
export const DEFAULT_CONCURRENCY = 16;

function abortError(signal: AbortSignal, path: string): AbortError {
  return new AbortError(`Aborted while reading array "${path}"`, undefined, {
    cause: signal.reason,
  });
}

function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined, path: string): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal, path));
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(signal.aborted ? abortError(signal, path) : e);
      },
    );
  });
}

/**
 * Reads a lazy array: partitions its transform over the source's chunk grid, reads each touched
 * chunk once (`options.concurrency` reads in flight, default {@link DEFAULT_CONCURRENCY}),
 * scatters into a new C-order NDArray of `lazy.shape` / `lazy.dtype`. Chunks the source reports
 * missing (`undefined`) read as `source.fillValue`. An empty view issues no read.
 * @throws AbortError when `options.signal` aborts (no further chunk read is started);
 * ZarrPlanError (`ERR_CHUNK_SHAPE`) when the source returns a chunk of the wrong shape or size;
 * any error of `source.readChunk` (the first one; pending reads are not awaited).
 */
export async function readLazy(lazy: LazyArray, options: ReadOptions = {}): Promise<NDArray> {
  const { source } = lazy;
  const { signal } = options;
  const dtype = source.dtype;
  const lanes = dtype.lanes;
  const shape = [...lazy.shape];
  const out: NDArray = {
    data: allocate(dtype, shapeSize(shape)),
    shape,
    strides: cStrides(shape),
    dtype,
  };
  if (signal?.aborted) throw abortError(signal, source.path);
  const plan = partition(lazy.transform, source.chunkShape, source.shape);
  const tasks = plan.tasks;
  if (tasks.length === 0) return out;
  const dst = out.data as unknown as Entries;
  const chunkShape = source.chunkShape;
  const chunkEntries = shapeSize(chunkShape) * lanes;
  let fill: (number | bigint)[] | undefined;
  const limit = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));

  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    try {
      while (!failed && next < tasks.length) {
        const task = tasks[next++]!;
        if (signal?.aborted) throw abortError(signal, source.path);
        const chunk = await abortable(
          source.readChunk(task.coords, signal ? { signal } : {}),
          signal,
          source.path,
        );
        if (failed) return;
        if (chunk === undefined) {
          fill ??= fillEntries(dtype, source.fillValue);
          fillTask(task, fill, dst);
          continue;
        }
        if (
          chunk.shape.length !== chunkShape.length ||
          chunk.shape.some((s, i) => s !== chunkShape[i])
        ) {
          throw new ZarrPlanError(
            "ERR_CHUNK_SHAPE",
            `array "${source.path}": chunk [${task.coords}] has shape [${chunk.shape}], expected [${chunkShape}]`,
          );
        }
        const c = toCOrder(chunk);
        if (c.data.length < chunkEntries) {
          throw new ZarrPlanError(
            "ERR_CHUNK_SHAPE",
            `array "${source.path}": chunk [${task.coords}] holds ${c.data.length} entries, expected ${chunkEntries}`,
          );
        }
        scatterTask(task, c.data as unknown as Entries, dst, lanes);
      }
    } catch (e) {
      failed = true;
      throw e;
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return out;
}

/** The chunk-by-chunk executor ({@link readLazy}); registered as the default on import. */
export const chunkExecutor: Executor = Object.freeze({ read: readLazy });

// `lazy.read()` is a one-read plan: one code path for single reads and plans.
setDefaultExecutor(planExecutor);
