/**
 * Moving elements between chunks and outputs along a {@link ChunkTask}: scatter (chunk → output),
 * fill (fill value → output), gather (output → compact values), and the output box of a task.
 * Typed arrays only, no per-element objects.
 * @module
 */
import type { ChunkTask } from "../plan/partition.js";
import { cStridesOf } from "../plan/transform.js";

export { fillEntries, fillTask, scatterTask } from "./read.js";

/** Indexable entries of a TypedArray. */
export type Entries = { [i: number]: number | bigint };

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

/**
 * The output box written by `task` (`start`, `shape` per output dimension), or `undefined` when its
 * elements are a point set (index arrays, masks). Each `range` factor steps along one output
 * dimension (the one whose C stride is its `outStride`; among dimensions longer than 1 C strides
 * are distinct).
 */
export function taskRegion(
  task: ChunkTask,
  outShape: readonly number[],
): { start: number[]; shape: number[] } | undefined {
  const nd = outShape.length;
  const strides = cStridesOf(outShape);
  const start = new Array<number>(nd).fill(0);
  const shape = new Array<number>(nd).fill(1);
  for (const fac of task.factors) {
    if (fac.kind !== "range") return undefined;
    let dim = -1;
    for (let d = 0; d < nd; d++) {
      if (strides[d] === fac.outStride && outShape[d]! > 1 && shape[d] === 1) {
        dim = d;
        break;
      }
    }
    if (dim < 0) return undefined;
    shape[dim] = fac.count;
  }
  let r = task.outOffset;
  for (let d = 0; d < nd; d++) {
    const s = strides[d]!;
    start[d] = Math.floor(r / s);
    r -= start[d]! * s;
  }
  return { start, shape };
}
