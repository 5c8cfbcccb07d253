/**
 * The values of a write plan's writes, ready to copy into chunks: an NDArray value as C-order
 * entries of its target's shape (copied once when its strides are not already those), a scalar (or
 * an NDArray of one element broadcast everywhere) as its lanes; and the copy of one chunk's uses.
 * @module
 */
import type { Lane } from "../../core/dtype.js";
import { copyStrided, hasCStrides, shapeSize, zeros } from "../../core/ndarray.js";
import { invertTask } from "../../index-space/task-ops.js";
import type { WriteUse } from "../../plan/write-optimize.js";
import type { CheckedValue } from "../../plan/write-plan.js";
import { type Entries, fillTask, scatterTask } from "../scatter.js";

/** A write's value as the executor copies it. */
export type RunValue =
  | { readonly kind: "entries"; readonly entries: Entries }
  | { readonly kind: "scalar"; readonly lanes: readonly Lane[] };

/** {@link RunValue} of a checked value (see the module doc). */
export function runValue(v: CheckedValue): RunValue {
  if (v.kind === "scalar") return v;
  const a = v.array;
  const lanes = a.dtype.lanes;
  const data = a.data as unknown as Entries;
  const offset = a.offset ?? 0;
  if (a.strides.every((s, d) => s === 0 || a.shape[d] === 1) && shapeSize(a.shape) > 0) {
    const one: Lane[] = [];
    for (let l = 0; l < lanes; l++) one.push(data[offset * lanes + l]!);
    return { kind: "scalar", lanes: one };
  }
  if (offset === 0 && hasCStrides(a) && a.strides.every((s, d) => s !== 0 || a.shape[d] === 1)) {
    return { kind: "entries", entries: data };
  }
  const copy = zeros(a.dtype, a.shape);
  copyStrided(a, copy);
  return { kind: "entries", entries: copy.data as unknown as Entries };
}

/**
 * Copies every use's part of its write's value into `cell` (C-order entries of the grid cell,
 * `lanes` entries per element), in write order: where writes overlap the last one wins.
 */
export function applyUses(
  cell: Entries,
  lanes: number,
  uses: readonly WriteUse[],
  values: readonly RunValue[],
): void {
  for (const u of uses) {
    const v = values[u.write]!;
    const inv = invertTask(u.task);
    if (v.kind === "scalar") fillTask(inv, v.lanes, cell);
    else scatterTask(inv, v.entries, cell, lanes);
  }
}
