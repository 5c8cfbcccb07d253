/**
 * zarr-plan: Zarr v2 and v3 arrays with lazy indexing and query planning.
 *
 * - Stores: {@link MemoryStore}, {@link FileSystemStore} (Node), {@link FetchStore} (HTTP Range), and any
 *   zarrita.js store.
 * - Hierarchy: {@link open}, {@link openArray}, {@link openGroup}, {@link createArray}, {@link createGroup},
 *   {@link deleteNode}.
 * - Selections: `array.lazy().get(…).oindex(…).vindex(…).mask(…)`, then `read()`.
 * @module
 */
import "./exec/read.js";

export * from "./errors.js";
export { readLazy } from "./exec/read.js";
export {
  type ArrayToArrayCodec,
  type ArrayToBytesCodec,
  type BytesToBytesCodec,
  type ChunkSpec,
  type Codec,
  type CodecContext,
  type CodecFactory,
  type CodecPipeline,
  createCodecPipeline,
  registerCodec,
} from "./format/codecs/index.js";
export {
  type DataType,
  type DataTypeName,
  dataType,
  hasFloat16Array,
  type Scalar,
  type TypedArray,
} from "./format/dtype.js";
export type {
  ArrayMetadata,
  ChunkKeyEncoding,
  CodecSpec,
  GroupMetadata,
  NodeMetadata,
} from "./format/model.js";
export { cStrides, type NDArray, shapeSize } from "./format/ndarray.js";
export { readNpy, writeNpy } from "./format/npy.js";
export * from "./hierarchy/index.js";
export {
  type ArraySource,
  type Executor,
  ellipsis,
  type IndexTransform,
  LazyArray,
  lazy,
  newaxis,
  parseSelection,
  type ReadOptions,
  type Selection,
  type SelectionItem,
  type Slice,
  slice,
} from "./plan/index.js";
export * from "./store/index.js";
