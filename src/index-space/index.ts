/**
 * The index space: NumPy selections composed into index transforms, partitioning over chunk grids,
 * and lazy arrays that record them.
 * Pure: nothing here performs IO or uses timers.
 * @module
 */
export type { BuiltSelection, SelectionKind } from "./indexing.js";
export { buildSelection } from "./indexing.js";
export { type Executor, LazyArray, type LazyOp, lazy } from "./lazy.js";
export {
  type ChunkTask,
  type Partition,
  partition,
  resolve,
  type TaskFactor,
} from "./partition.js";
export {
  describeValue,
  type Ellipsis,
  ellipsis,
  formatItem,
  formatSelection,
  type IndexArrayLike,
  type IndexContext,
  type IndexTypedArray,
  type MaskLike,
  type NestedBooleans,
  type NestedIntegers,
  type NewAxis,
  newaxis,
  parseSelection,
  type ResolvedSlice,
  resolveSlice,
  type Selection,
  type SelectionItem,
  type Slice,
  slice,
} from "./selection.js";
export type { ArraySource, ReadOptions } from "./source.js";
export {
  type ArrayMap,
  applyTransform,
  arrayMap,
  type ConstantMap,
  compose,
  composeTransforms,
  constantMap,
  cStridesOf,
  type IndexData,
  type IndexTransform,
  identity,
  isBox,
  makeTransform,
  type OutputIndexMap,
  type SingleMap,
  singleMap,
  transformSize,
} from "./transform.js";
