/**
 * The index space: NumPy selections composed into index transforms, partitioning over chunk grids,
 * and lazy arrays that record them.
 * Pure: nothing here performs IO or uses timers.
 * @module
 */
export { type Executor, LazyArray } from "./lazy.js";
export { partition, resolve } from "./partition.js";
export {
  ellipsis,
  newaxis,
  parseSelection,
  type Selection,
  type SelectionItem,
  type Slice,
  slice,
} from "./selection.js";
export type { ArraySource, ReadOptions } from "./source.js";
export type { IndexTransform } from "./transform.js";
