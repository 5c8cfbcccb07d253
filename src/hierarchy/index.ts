/** Hierarchy: open, create and delete arrays and groups. @module */
export { type WriteOptions, ZarrArray } from "./array.js";
export {
  type CreateArrayOptions,
  type CreateGroupOptions,
  createArray,
  createGroup,
  deleteNode,
} from "./create.js";
export {
  isArray,
  isGroup,
  type OpenArrayOptions,
  open,
  openArray,
  openGroup,
  type TreeNode,
  ZarrGroup,
  type ZarrNode,
} from "./group.js";
export { type FromJSONOptions, planFromJSON } from "./plan-file.js";
export { type OpenOptions, readNodeMetadata, type ZarrFormat } from "./read-metadata.js";
