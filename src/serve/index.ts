/**
 * `zarr-plan/serve` (Node only): the slice service as a `node:http` handler, for `zarr-plan serve`
 * or any Node HTTP framework (Express, Fastify, Hono's node adapter: see docs/serve.md).
 * @module
 */

export { ServiceError } from "./errors.js";
export {
  createSliceHandler,
  DEFAULT_SLICE_CACHE,
  type SliceHandler,
  type SliceHandlerOptions,
} from "./handler.js";
export { DEFAULT_SLICE_LIMITS, type SliceLimits } from "./limits.js";
export type { LoopDelay, SliceStats } from "./stats.js";
export {
  createThreadedSliceHandler,
  type ThreadedSliceHandler,
  type ThreadedSliceHandlerOptions,
} from "./thread/front.js";
export type { EngineSpec, RelayedRequestLog } from "./thread/protocol.js";
export type { DirectoryJson } from "./tree.js";
