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
export { dateToDatetime, datetimesToDates, datetimeToDate } from "./core/datetime.js";
export {
  type DataType,
  type DataTypeName,
  dataType,
  type Float16ArrayLike,
  type Float16Data,
  hasFloat16Array,
  NAT,
  type NativeFloat16Array,
  type Scalar,
  TIME_UNITS,
  type TimeParams,
  type TimeUnit,
  type TypedArray,
  type TypedArrayMap,
  type TypedArrayOf,
} from "./core/dtype.js";
export * from "./core/errors.js";
export { cStrides, type NDArray, shapeSize } from "./core/ndarray.js";
export {
  configureDecodeWorkers,
  configureStore,
  labelledPlan,
  lazy,
  type PlanBuildOptions,
  plan,
  planWrite,
} from "./exec/api.js";
export {
  type BodyBufferOptions,
  BodyBuffers,
  DEFAULT_BODY_BYTES_IN_FLIGHT,
} from "./exec/body-buffers.js";
export {
  type CacheCounts,
  type CacheOptions,
  type CacheStats,
  Context,
  type ContextFetchOptions,
  type ContextOptions,
  DEFAULT_DECODE_CONCURRENCY,
  DEFAULT_PIPELINE_CACHE_ENTRIES,
  DEFAULT_SOURCE_CONCURRENCY,
  defaultContext,
  PipelineCache,
  type PipelineCacheStats,
} from "./exec/context.js";
export {
  DEFAULT_DECODE_MIN_BYTES,
  DecodePool,
  type DecodeWorkerOptions,
} from "./exec/decode-pool.js";
export { describeRange, FetchError } from "./exec/errors.js";
export {
  assemble,
  completedReads,
  progress,
  type RunningStats,
  runningMax,
  runningMean,
  runningMin,
  runningStats,
  runningSum,
  type StatsOptions,
} from "./exec/operators.js";
export { assemblePartitionStats } from "./exec/partition-stats.js";
export {
  type RunPartitionedOptions,
  type RunPartitionedStatsOptions,
  runPartitioned,
} from "./exec/partitioned.js";
export {
  DEFAULT_RETRIES,
  DEFAULT_RETRY_BASE_MS,
  DEFAULT_RETRY_MAX_MS,
  type RequestLogEntry,
} from "./exec/scheduler.js";
export {
  type AxisStatsState,
  type AxisStatsSummary,
  emptyAxisStats,
  mergeStats,
  type StatsState,
  type StatsSummary,
  statsOf,
  summarizeStats,
} from "./exec/stats.js";
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
export type {
  ArrayMetadata,
  ChunkKeyEncoding,
  CodecSpec,
  GroupMetadata,
  InvalidMember,
  NodeMetadata,
} from "./format/model.js";
export { readNpy, writeNpy } from "./format/npy.js";
export {
  RectilinearChunkGrid,
  type RectilinearEdge,
  type RectilinearEdges,
  rectilinearGrid,
} from "./format/rectilinear-grid.js";
export * from "./hierarchy/index.js";
export {
  type ArraySource,
  type Executor,
  ellipsis,
  type IndexTransform,
  LazyArray,
  newaxis,
  parseSelection,
  type ReadOptions,
  type Selection,
  type SelectionItem,
  type Slice,
  slice,
} from "./index-space/index.js";
export type { Calendar } from "./index-space/labels/calendar.js";
export {
  type CoordinateLabels,
  type CoordinateSource,
  type LabelledReader,
  type LabelledResult,
  type LabelledStep,
  LabelledView,
  type ResolvedLabelled,
} from "./index-space/labels/labelled.js";
export {
  type Coordinate,
  type Label,
  type LabelSelector,
  type LabelSlice,
  labelSlice,
  type PositionSelector,
  resolveLabels,
  type SelOptions,
} from "./index-space/labels/resolve.js";
export type { CoordinateValues, LabelValue } from "./index-space/labels/search.js";
export {
  datetime64Encoding,
  type Instant,
  parseTimeUnits,
  type TimeEncoding,
} from "./index-space/labels/time.js";
export type { IselItem } from "./index-space/lazy.js";
export {
  type NdselArrayMap,
  type NdselBound,
  type NdselBoundValue,
  type NdselConstantMap,
  type NdselIndexArray,
  type NdselOutputMap,
  type NdselSingleMap,
  type NdselTransform,
  type NdselTransformDocument,
  ndselToJSON,
  normalizeNdsel,
} from "./index-space/ndsel/index.js";
export type {
  ArrayStorage,
  WritePlanOptions,
  WriteResult,
} from "./index-space/source.js";
export {
  type CoalescedRange,
  type CoalescePolicy,
  coalesce,
  DEFAULT_COALESCE_POLICY,
  DEFAULT_MAX_GAP,
  DEFAULT_MAX_SIZE,
} from "./plan/coalesce.js";
export type { ChunkEvent, OutputRegion, PlanProgress } from "./plan/events.js";
export {
  type ExplainedObjects,
  type ExplainedRead,
  type ExplainedRequest,
  type ExplainedStore,
  type ExplainedTotals,
  formatExplanation,
  type PlanExplanation,
} from "./plan/explain.js";
export {
  type ExplainedStage,
  type LabelledExplanation,
  LabelledPlan,
  type LabelledRead,
} from "./plan/labelled-plan.js";
export {
  DEFAULT_MAX_OUTPUT_BYTES,
  DEFAULT_MAX_TASKS,
  DEFAULT_PLAN_LIMITS,
  type PlanLimits,
  type PlanSize,
} from "./plan/limits.js";
export type {
  Fetch,
  FetchKind,
  FetchPart,
  FetchRange,
  Layout,
  ObjectNeed,
  Optimized,
} from "./plan/optimize.js";
export {
  type AssemblablePlan,
  assemblePartitions,
  DEFAULT_PARTITION_BYTES,
  type PartitionablePlan,
  type PartitionOptions,
  type PartitionRegion,
  type PlanPartition,
} from "./plan/partition-plan.js";
export {
  type DataTypeOf,
  type NamedReads,
  Plan,
  type PlanDocument,
  type PlanDraft,
  type PlanEngine,
  type PlanReadOptions,
  type PlanReads,
  type PlanResult,
  type ReadName,
} from "./plan/plan.js";
export {
  type JsonItem,
  type JsonOp,
  type LazyOp,
  type PlanFile,
  PlanFileError,
  type PlanFileIssue,
  type PlanFileRead,
  type PlanFileWrite,
  type PlanFileWriteValue,
  type PlanOptions,
  parsePlanFile,
  type RetryOptions,
} from "./plan/plan-json.js";
export {
  costModelGap,
  DEFAULT_STORE_BANDWIDTH_MBPS,
  DEFAULT_STORE_CONCURRENCY,
  DEFAULT_STORE_LATENCY_MS,
  DEFAULT_STORE_SETTINGS,
  type StoreSettings,
} from "./plan/store-settings.js";
export type {
  WriteInnerChunk,
  WriteObject,
  WriteOptimized,
  WriteUse,
} from "./plan/write-optimize.js";
export {
  type WriteArrayExplanation,
  type WriteEngine,
  type WriteEntry,
  type WriteExplanation,
  WritePlan,
} from "./plan/write-plan.js";
export * from "./store/index.js";
