/**
 * Errors of the distributed runner: {@link QueueError} (`ERR_QUEUE`) for queues that cannot be used,
 * {@link PartitionError} for a partition that failed for good on a worker (with the partition's own
 * code), and the text form that carries a code through a BullMQ job's `failedReason`.
 * @module
 */
import {
  AbortError,
  isZarrPlanError,
  StoreError,
  ZARR_PLAN_ERROR_CODES,
  ZarrPlanError,
  type ZarrPlanErrorCode,
} from "../index.js";

/**
 * A job queue cannot be used as given: a malformed queue URL (`url` set), Redis not answering, a
 * job whose data is not a partition job, or jobs of a run that vanished from the queue.
 */
export class QueueError extends ZarrPlanError {
  /** The queue URL at fault, when the error is about one. */
  readonly url: string | undefined;
  constructor(message: string, options: { url?: string; cause?: unknown } = {}) {
    super("ERR_QUEUE", message, { cause: options.cause });
    this.url = options.url;
  }
}

/**
 * A partition of a distributed run failed for good (its attempts used up, or an error that no retry
 * can fix): `code` is the partition's own error code (`ERR_CODEC` for a corrupt chunk, `ERR_STORE`…)
 * and the message is the worker's message (naming array and key), prefixed with the partition.
 */
export class PartitionError extends ZarrPlanError {
  /** Index of the partition (`PlanPartition.index`). */
  readonly partition: number;
  /** BullMQ id of the partition's job. */
  readonly jobId: string;
  /** Attempts the job made (BullMQ `attemptsMade`; stalled restarts not included). */
  readonly attemptsMade: number;
  constructor(
    code: ZarrPlanErrorCode,
    message: string,
    details: { partition: number; jobId: string; attemptsMade: number },
  ) {
    super(code, message);
    this.partition = details.partition;
    this.jobId = details.jobId;
    this.attemptsMade = details.attemptsMade;
  }
}

const CODES: ReadonlySet<string> = new Set(ZARR_PLAN_ERROR_CODES);

/** `CODE: message`: how a worker's error travels in a job's `failedReason`. */
export function failureText(error: unknown): string {
  if (isZarrPlanError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * The code and message of a job's `failedReason` written by {@link failureText}; a reason
 * without a known code (a worker crash, a stalled job given up by BullMQ) is `ERR_QUEUE`.
 */
export function parseFailure(reason: string | undefined): {
  code: ZarrPlanErrorCode;
  message: string;
} {
  const text = reason ?? "no reason given";
  const m = /^([A-Z_]+): ([\s\S]*)$/.exec(text);
  if (m && CODES.has(m[1]!)) return { code: m[1] as ZarrPlanErrorCode, message: m[2]! };
  return { code: "ERR_QUEUE", message: text };
}

/**
 * True when retrying cannot help: a zarr-plan error other than a transient store failure or an
 * abort (corrupt data, a missing array, an invalid plan). Other errors (crashes, transient store
 * failures) are retried by BullMQ.
 */
export function isPermanent(error: unknown): boolean {
  if (!isZarrPlanError(error)) return false;
  if (error instanceof StoreError) return !error.transient;
  return !(error instanceof AbortError) && error.code !== "ERR_CONTEXT_CLOSED";
}
