/**
 * The functional API (`zarr-plan/crud`): plain, stateless async functions over
 * `(store, path, …)` — create, read, list and delete nodes; read, write and delete chunks; read
 * and write regions — with the metadata passed in rather than held by an opened node. The object API
 * (`ZarrArray`, `ZarrGroup`, `createArray`) is built on these: the same chunk IO, listing and
 * node writes, and the Context's codec pipeline cache (one pipeline per distinct metadata).
 * Every function takes `{ context }` (default: the default Context) for its requests.
 * @module
 */

export { type ChildInfo, type ListChildrenOptions, listChildren } from "./children.js";
export {
  type ChunkIOOptions,
  deleteChunk,
  readChunk,
  writeChunk,
} from "./chunks.js";
export {
  type CreateNodeOptions,
  createNode,
  deleteNode,
  type NodeInfo,
  readMetadata,
} from "./nodes.js";
export {
  type ReadRegionOptions,
  readRegion,
  type WriteRegionOptions,
  writeRegion,
} from "./regions.js";
