/**
 * Operations on {@link ChunkTask}s that writes need: the task with its two sides swapped (so the
 * copy that reads a chunk into an output copies values into a chunk), the chunk elements a task
 * touches, and whether a set of tasks covers every element of a chunk inside the array bounds.
 * Pure, typed arrays only.
 * @module
 */
import { cStrides, shapeSize } from "../core/ndarray.js";
import type { ChunkTask } from "./partition.js";

/**
 * `task` with chunk and output swapped: element `e` is read at the output offset and written at
 * the chunk offset. Scattering with the inverted task copies a C-order value of the view's shape
 * into the chunk, in the task's element order (so for repeated points the last one wins, as
 * NumPy's assignment does).
 */
export function invertTask(task: ChunkTask): ChunkTask {
  return Object.freeze({
    coords: task.coords,
    chunkOffset: task.outOffset,
    outOffset: task.chunkOffset,
    count: task.count,
    factors: Object.freeze(
      task.factors.map((f) =>
        f.kind === "range"
          ? Object.freeze({
              kind: "range" as const,
              count: f.count,
              chunkStride: f.outStride,
              outStride: f.chunkStride,
            })
          : Object.freeze({ kind: "points" as const, count: f.count, chunk: f.out, out: f.chunk }),
      ),
    ),
  });
}

/** Calls `visit` with the chunk element offset of every element of `task`, in task order. */
export function forEachChunkOffset(task: ChunkTask, visit: (offset: number) => void): void {
  const f = task.factors;
  const walk = (level: number, c: number): void => {
    if (level === f.length) {
      visit(c);
      return;
    }
    const fac = f[level]!;
    if (fac.kind === "range") {
      for (let k = 0; k < fac.count; k++) walk(level + 1, c + k * fac.chunkStride);
    } else {
      for (let k = 0; k < fac.count; k++) walk(level + 1, c + fac.chunk[k]!);
    }
  };
  walk(0, task.chunkOffset);
}

/**
 * True when the elements of `tasks` (all over one chunk of shape `cellShape`, offsets in C order
 * over it) include every element of the chunk inside the array bounds (`inBounds`: the chunk's
 * extent clipped to the array shape). Tasks of strided factors only touch distinct elements, so
 * one such task covers the chunk exactly when it has as many elements; otherwise the touched
 * elements are counted with a bitmap of the chunk (one byte per element).
 */
export function coversChunk(
  tasks: readonly ChunkTask[],
  cellShape: readonly number[],
  inBounds: readonly number[],
): boolean {
  const need = shapeSize(inBounds);
  let total = 0;
  for (const t of tasks) total += t.count;
  if (total < need) return false;
  if (
    tasks.length === 1 &&
    tasks[0]!.factors.every((f) => f.kind === "range" && (f.chunkStride !== 0 || f.count === 1))
  ) {
    return total === need;
  }
  const seen = new Uint8Array(shapeSize(cellShape));
  let n = 0;
  for (const t of tasks) {
    forEachChunkOffset(t, (c) => {
      if (seen[c] === 0) {
        seen[c] = 1;
        n++;
      }
    });
  }
  return n === need;
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
  const strides = cStrides(outShape);
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

/**
 * The smallest and largest output coordinate the elements of `task` have along each output
 * dimension (`lo[d] ≤ hi[d]`, both included) for an output of `outShape`: from
 * {@link taskRegion} when the task writes a box, else by walking its output offsets (point sets:
 * index arrays, masks). A task with no element gives `undefined`.
 */
export function taskOutputBounds(
  task: ChunkTask,
  outShape: readonly number[],
): { lo: number[]; hi: number[] } | undefined {
  if (task.count === 0) return undefined;
  const box = taskRegion(task, outShape);
  if (box) return { lo: box.start, hi: box.start.map((s, d) => s + box.shape[d]! - 1) };
  const nd = outShape.length;
  const strides = cStrides(outShape);
  const lo = new Array<number>(nd).fill(Number.POSITIVE_INFINITY);
  const hi = new Array<number>(nd).fill(Number.NEGATIVE_INFINITY);
  const f = task.factors;
  const put = (o: number) => {
    let r = o;
    for (let d = 0; d < nd; d++) {
      const c = Math.floor(r / strides[d]!);
      r -= c * strides[d]!;
      if (c < lo[d]!) lo[d] = c;
      if (c > hi[d]!) hi[d] = c;
    }
  };
  const walk = (level: number, o: number): void => {
    if (level === f.length) {
      put(o);
      return;
    }
    const fac = f[level]!;
    for (let i = 0; i < fac.count; i++) {
      walk(level + 1, o + (fac.kind === "range" ? i * fac.outStride : fac.out[i]!));
    }
  };
  walk(0, task.outOffset);
  return { lo, hi };
}
