/**
 * What a running plan reports: chunk events and progress counters (types only; the executor in
 * `src/exec` produces them).
 * @module
 */
import type { NDArray } from "../core/ndarray.js";
import type { ChunkTask } from "../index-space/partition.js";

/**
 * Progress of one plan execution, usable for a progress bar. Request and byte totals grow while
 * shard indexes arrive (a shard's data requests are known only then); `totalsFinal` says they no
 * longer will. `tasksDone / tasksTotal` is exact from the start.
 */
export interface PlanProgress {
  /** Chunk tasks scattered into outputs (one per chunk or inner chunk of each read). */
  readonly tasksDone: number;
  readonly tasksTotal: number;
  /** Store requests (or `readChunk` calls) completed / known. */
  readonly requestsDone: number;
  readonly requestsTotal: number;
  /** Bytes received / expected (bytes). Whole-object reads of unknown size count when they arrive. */
  readonly bytesDone: number;
  readonly bytesTotal: number;
  /** True once every shard index is known (request and byte totals are then exact). */
  readonly totalsFinal: boolean;
  /** Reads whose output is complete. */
  readonly readsDone: number;
  readonly readsTotal: number;
}

/** A box of an output: `start` and `shape` per output dimension (elements). */
export interface OutputRegion {
  readonly start: readonly number[];
  readonly shape: readonly number[];
}

/**
 * One chunk (or inner chunk) of one read, decoded and scattered into that read's output. Emitted
 * by `plan.stream()` in completion order, never twice for a task.
 */
export interface ChunkEvent {
  readonly type: "chunk";
  /** Name of the read in the plan. */
  readonly read: string;
  /** Node path of the array. */
  readonly array: string;
  /** Store key of the object it came from (the shard for sharded arrays). */
  readonly key: string;
  /** Chunk grid coordinates (global inner-chunk coordinates for sharded arrays). */
  readonly chunk: readonly number[];
  /** True when the chunk is not stored and the values are the fill value. */
  readonly filled: boolean;
  /** The task: which chunk elements went where in the output. */
  readonly task: ChunkTask;
  /** Elements written by this event. */
  readonly count: number;
  /**
   * The read's output array (C order, shape of the read), shared by all events of the read;
   * complete once every task of the read is done.
   */
  readonly output: NDArray;
  /** The output box this event wrote, when it is a box (slices, integers); `undefined` for point sets. */
  readonly region: OutputRegion | undefined;
  /**
   * The values this event wrote: shape `region.shape` when `region` is set, else `[count]` in the
   * order of {@link outputOffsets}. Computed (copied) on first access.
   */
  readonly values: NDArray;
  /** Flat C-order output element offsets of `values`, in order (computed on call). */
  outputOffsets(): Float64Array;
  /** True when this event completed its read (`output` is then final). */
  readonly readComplete: boolean;
  /** Counters after this event. */
  readonly progress: PlanProgress;
}
