/**
 * Operations on {@link ChunkTask}s that writes need: the task with its two sides swapped (so the
 * copy that reads a chunk into an output copies values into a chunk), the chunk elements a task
 * touches, and whether a set of tasks covers every element of a chunk inside the array bounds.
 * Pure, typed arrays only.
 * @module
 */
import { shapeSize } from "../core/ndarray.js";
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
