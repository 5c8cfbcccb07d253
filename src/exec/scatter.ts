/**
 * Moving elements between chunks and outputs along a {@link ChunkTask}: scatter (chunk → output),
 * fill (fill value → output), gather (output → compact values), and the output box of a task.
 * Typed arrays only, no per-element objects.
 * @module
 */

import type { Lane } from "../core/dtype.js";
import type { ChunkTask } from "../index-space/partition.js";

export { taskRegion } from "../index-space/task-ops.js";

/** Indexable entries of a TypedArray. */
export type Entries = { [i: number]: Lane };

interface TypedLike {
  readonly length: number;
  subarray(begin: number, end: number): TypedLike;
  set(src: TypedLike, offset: number): void;
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
export function fillTask(task: ChunkTask, fill: readonly Lane[], dst: Entries): void {
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

/**
 * Copies the output elements of `task` (entries `src`, `lanes` per element) into `dst` compactly,
 * in task order (C order of the task's region when it is a box).
 */
export function gatherTask(task: ChunkTask, src: Entries, dst: Entries, lanes: number): void {
  const f = task.factors;
  let k = 0;
  const put = (o: number) => {
    const s = o * lanes;
    const d = k * lanes;
    for (let l = 0; l < lanes; l++) dst[d + l] = src[s + l]!;
    k++;
  };
  const walk = (level: number, o: number): void => {
    if (level === f.length) {
      put(o);
      return;
    }
    const fac = f[level]!;
    if (level === f.length - 1 && fac.kind === "range" && lanes === 1) {
      const os = fac.outStride;
      for (let i = 0; i < fac.count; i++) dst[k++] = src[o + i * os]!;
      return;
    }
    for (let i = 0; i < fac.count; i++) {
      walk(level + 1, o + (fac.kind === "range" ? i * fac.outStride : fac.out[i]!));
    }
  };
  walk(0, task.outOffset);
}

/** Flat C-order output offsets of the elements of `task`, in task order. */
export function taskOutputOffsets(task: ChunkTask): Float64Array {
  const out = new Float64Array(task.count);
  const f = task.factors;
  let k = 0;
  const walk = (level: number, o: number): void => {
    if (level === f.length) {
      out[k++] = o;
      return;
    }
    const fac = f[level]!;
    for (let i = 0; i < fac.count; i++) {
      walk(level + 1, o + (fac.kind === "range" ? i * fac.outStride : fac.out[i]!));
    }
  };
  walk(0, task.outOffset);
  return out;
}
