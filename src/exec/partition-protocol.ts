/**
 * Messages between `runPartitioned` (`partitioned.ts`) and its partition workers
 * (`hierarchy/partition-worker.ts`). Types only.
 * @module
 */
import type { ZarrPlanErrorCode } from "../core/errors.js";
import type { PlanFile } from "../plan/plan-json.js";
import type { AxisStatsState, StatsState } from "./stats.js";

/** Run one partition's plan file. */
export interface PartitionRequest {
  readonly id: number;
  readonly file: PlanFile;
  /** Return statistics of each sub-read instead of its values (along `axis` when given). */
  readonly reduce?: { readonly axis?: number };
}

/** An error thrown in a worker, as plain data. */
export interface PartitionWorkerError {
  /** The error's class name (`CodecError`, `StoreError`, …). */
  readonly name: string;
  readonly message: string;
  /** `ZarrPlanError.code` when it is one. */
  readonly code?: ZarrPlanErrorCode;
  readonly stack?: string;
  /** The error's own fields that structured clone keeps (`key`, `path`, `status`, …). */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** One sub-read's output: its entries (transferred) and shape; the dtype is the read's. */
export interface PartitionOutput {
  readonly data: ArrayLike<unknown>;
  readonly shape: readonly number[];
}

/** A worker's answer. */
export interface PartitionReply {
  readonly id: number;
  readonly outputs?: Readonly<Record<string, PartitionOutput>>;
  readonly stats?: Readonly<Record<string, StatsState | AxisStatsState>>;
  readonly error?: PartitionWorkerError;
}
