/**
 * The simple executor: reads one lazy array chunk by chunk. It partitions the view's transform
 * over the source's chunk grid (`partition`), reads every touched chunk once through
 * `ArraySource.readChunk` with bounded concurrency, and scatters each chunk's elements into a
 * C-order output. Importing this module registers it as the default executor of `lazy()`.
 * @module
 */

import { AbortError, ZarrPlanError } from "../errors.js";
import { allocate, type DataType, type Scalar } from "../format/dtype.js";
import { cStrides, type NDArray, shapeSize, toCOrder } from "../format/ndarray.js";
import { type Executor, type LazyArray, setDefaultExecutor } from "../plan/lazy.js";
import { type ChunkTask, partition } from "../plan/partition.js";
import type { ReadOptions } from "../plan/source.js";

/** Default number of chunk reads in flight per read. */
export const DEFAULT_CONCURRENCY = 16;

type Entries = { [i: number]: number | bigint };

interface TypedLike {
  readonly length: number;
  subarray(begin: number, end: number): TypedLike;
  set(src: TypedLike, offset: number): void;
}

/**
 * The fill value as the TypedArray entries of one element (`dt.lanes` of them): bool → 0/1,
 * 64-bit integers → bigint, complex → [re, im], bytes → the bytes NUL-padded to the item size.
 * @throws ZarrPlanError (`ERR_FILL_VALUE`) when the scalar does not fit the data type.
 */
export function fillEntries(dt: DataType, fill: Scalar): (number | bigint)[] {
  const lanes = dt.lanes;
  const bad = (): never => {
    throw new ZarrPlanError(
      "ERR_FILL_VALUE",
      `fill value ${String(fill)} is not a valid ${dt.name} scalar`,
    );
  };
  if (dt.name === "bytes") {
    const out = new Array<number>(lanes).fill(0);
    if (fill instanceof Uint8Array)
      for (let i = 0; i < Math.min(lanes, fill.length); i++) out[i] = fill[i]!;
    else if (fill !== 0 && fill !== false) bad();
    return out;
  }
  if (dt.name === "complex64" || dt.name === "complex128") {
    if (Array.isArray(fill)) return [Number(fill[0]), Number(fill[1])];
    if (typeof fill === "number" || typeof fill === "bigint" || typeof fill === "boolean") {
      return [Number(fill), 0];
    }
    return bad();
  }
  let v: number | bigint;
  if (typeof fill === "boolean") v = fill ? 1 : 0;
  else if (typeof fill === "number" || typeof fill === "bigint") v = fill;
  else return bad();
  if (dt.name === "int64" || dt.name === "uint64") {
    if (typeof v === "number") {
      if (!Number.isInteger(v)) bad();
      v = BigInt(v);
    }
    return [v];
  }
  if (dt.name === "bool") return [v ? 1 : 0];
  return [Number(v)];
}

/** Copies the elements of `task` from a C-order chunk (entries `src`) into the output `dst`. */
export function scatterTask(task: ChunkTask, src: Entries, dst: Entries, lanes: number): void {
  const f = task.factors;
  const m = f.length;
  const walk = (level: number, c: number, o: number): void => {
    const fac = f[level]!;
    if (level === m - 1) {
      const n = fac.count;
      if (fac.kind === "range") {
        const cs = fac.chunkStride;
        const os = fac.outStride;
        if (lanes === 1) {
          if (cs === 1 && os === 1 && n > 16 && ArrayBuffer.isView(dst)) {
            (dst as unknown as TypedLike).set((src as unknown as TypedLike).subarray(c, c + n), o);
          } else for (let k = 0; k < n; k++) dst[o + k * os] = src[c + k * cs]!;
        } else {
          for (let k = 0; k < n; k++) {
            const s = (c + k * cs) * lanes;
            const d = (o + k * os) * lanes;
            for (let l = 0; l < lanes; l++) dst[d + l] = src[s + l]!;
          }
        }
      } else {
        const pc = fac.chunk;
        const po = fac.out;
        if (lanes === 1) for (let k = 0; k < n; k++) dst[o + po[k]!] = src[c + pc[k]!]!;
        else {
          for (let k = 0; k < n; k++) {
            const s = (c + pc[k]!) * lanes;
            const d = (o + po[k]!) * lanes;
            for (let l = 0; l < lanes; l++) dst[d + l] = src[s + l]!;
          }
        }
      }
      return;
    }
    if (fac.kind === "range") {
      for (let k = 0; k < fac.count; k++)
        walk(level + 1, c + k * fac.chunkStride, o + k * fac.outStride);
    } else {
      for (let k = 0; k < fac.count; k++) walk(level + 1, c + fac.chunk[k]!, o + fac.out[k]!);
    }
  };
  if (m === 0) {
    for (let l = 0; l < lanes; l++)
      dst[task.outOffset * lanes + l] = src[task.chunkOffset * lanes + l]!;
  } else walk(0, task.chunkOffset, task.outOffset);
}

/** Writes the fill value (its `lanes` entries) to every output element of `task`. */
export function fillTask(task: ChunkTask, fill: readonly (number | bigint)[], dst: Entries): void {
  const lanes = fill.length;
  const f = task.factors;
  const put = (o: number) => {
    for (let l = 0; l < lanes; l++) dst[o * lanes + l] = fill[l]!;
  };
  const walk = (level: number, o: number): void => {
    if (level === f.length) {
      put(o);
      return;
    }
    const fac = f[level]!;
    for (let k = 0; k < fac.count; k++) {
      walk(level + 1, o + (fac.kind === "range" ? k * fac.outStride : fac.out[k]!));
    }
  };
  walk(0, task.outOffset);
}

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

setDefaultExecutor(chunkExecutor);
