/**
 * The {@link ChunkEvent} a running plan emits per chunk task: lazy `region`, `values` and
 * `outputOffsets` computed from the task on first access.
 * @module
 */
import { allocate } from "../../core/dtype.js";
import { cStrides, type NDArray } from "../../core/ndarray.js";
import type { ChunkTask } from "../../index-space/partition.js";
import type { ChunkEvent, OutputRegion, PlanProgress } from "../../plan/events.js";
import { type Entries, gatherTask, taskOutputOffsets, taskRegion } from "../scatter.js";

/** One chunk (or inner chunk) of one read, scattered into that read's output. */
export class TaskEvent implements ChunkEvent {
  readonly type = "chunk" as const;
  readonly read: string;
  readonly array: string;
  readonly key: string;
  readonly chunk: readonly number[];
  readonly filled: boolean;
  readonly task: ChunkTask;
  readonly output: NDArray;
  readonly progress: PlanProgress;
  readonly readComplete: boolean;
  #region: OutputRegion | undefined | null = null;
  #values: NDArray | undefined;

  constructor(fields: {
    read: string;
    array: string;
    key: string;
    chunk: readonly number[];
    filled: boolean;
    task: ChunkTask;
    output: NDArray;
    progress: PlanProgress;
    readComplete: boolean;
  }) {
    this.read = fields.read;
    this.array = fields.array;
    this.key = fields.key;
    this.chunk = fields.chunk;
    this.filled = fields.filled;
    this.task = fields.task;
    this.output = fields.output;
    this.progress = fields.progress;
    this.readComplete = fields.readComplete;
  }

  get count(): number {
    return this.task.count;
  }

  get region(): OutputRegion | undefined {
    if (this.#region === null) this.#region = taskRegion(this.task, this.output.shape);
    return this.#region;
  }

  get values(): NDArray {
    if (!this.#values) {
      const dt = this.output.dtype;
      const shape = this.region?.shape ?? [this.task.count];
      const data = allocate(dt, this.task.count);
      gatherTask(
        this.task,
        this.output.data as unknown as Entries,
        data as unknown as Entries,
        dt.lanes,
      );
      this.#values = { data, shape: [...shape], strides: cStrides(shape), dtype: dt };
    }
    return this.#values;
  }

  outputOffsets(): Float64Array {
    return taskOutputOffsets(this.task);
  }
}
