/**
 * Public API of the planner: selections, index transforms, lazy arrays and partitioning.
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
  type IndexData,
  type IndexTransform,
  identity,
  isBox,
  makeTransform,
  type OutputIndexMap,
  type SingleMap,
  singleMap,
} from "./transform.js";
