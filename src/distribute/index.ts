/**
 * `zarr-plan/distribute` (Node only): plan partitions on BullMQ workers over Redis. Workers
 * ({@link createPartitionWorker}, `zarr-plan worker`) take partition jobs; {@link runOnQueue}
 * (`zarr-plan run --queue`) submits a plan as a flow and puts the results back together. See
 * docs/distributed.md.
 * @module
 */

export { PartitionError, QueueError } from "./errors.js";
export {
  DEFAULT_MAX_RESULT_BYTES,
  type PartitionJobData,
  type PartitionJobResult,
  type PartitionMode,
  type RunJobData,
} from "./job.js";
export { DEFAULT_QUEUE_NAME, parseQueueUrl, type QueueAddress } from "./queue-url.js";
export { READY_TIMEOUT_MS, readyWithin } from "./ready.js";
export { hasRedisClient, type RedisAddress } from "./redis.js";
export {
  type PartitionReport,
  type QueueProgress,
  type QueueRunResult,
  type RunOnQueueOptions,
  runOnQueue,
} from "./run-on-queue.js";
export { storeAtLocation } from "./stores.js";
export {
  createPartitionWorker,
  type PartitionStart,
  type PartitionWorker,
  type PartitionWorkerOptions,
  type RunJobResult,
} from "./worker.js";
