/** Hierarchy: open, create and delete arrays and groups. @module */
export { type WriteOptions, ZarrArray } from "./array.js";
export type { UpdateAttributesOptions } from "./attributes.js";
export { type ConsolidateOptions, consolidateMetadata } from "./consolidate.js";
export {
  type CopyArrayOptions,
  type CopyResult,
  copyArray,
  DEFAULT_COPY_MEMORY,
} from "./copy.js";
export {
  type CreateArrayOptions,
  type CreateGroupOptions,
  createArray,
  createGroup,
  deleteNode,
} from "./create.js";
export {
  type ArrayNodeSpec,
  type CreatedHierarchy,
  type CreateHierarchyOptions,
  createHierarchy,
  type GroupNodeSpec,
  type HierarchyNodeSpec,
  type RawNodeDocument,
} from "./create-hierarchy.js";
export {
  type ChildInfo,
  type ChunkIOOptions,
  type CreateNodeOptions,
  createNode,
  deleteChunk,
  type ListChildrenOptions,
  listChildren,
  type NodeInfo,
  type ReadRegionOptions,
  readChunk,
  readMetadata,
  readRegion,
  type WriteRegionOptions,
  writeChunk,
  writeRegion,
} from "./crud/index.js";
export { Dataset, openDataset, timeEncodingOf } from "./dataset.js";
export {
  DEFAULT_TREE_DEPTH,
  type InvalidTreeMember,
  isArray,
  isGroup,
  type OpenArrayOptions,
  open,
  openArray,
  openGroup,
  type TreeNode,
  type TreeOptions,
  ZarrGroup,
  type ZarrNode,
} from "./group.js";
export {
  type FromJSONOptions,
  labelledPlanFromJSON,
  planFromJSON,
  writePlanFromJSON,
} from "./plan-file.js";
export { type OpenOptions, readNodeMetadata, type ZarrFormat } from "./read-metadata.js";
export type { ResizeOptions } from "./resize.js";
export { appendArray, resizeArray, updateAttributes } from "./update.js";
