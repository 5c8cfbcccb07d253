/**
 * The statistics of a plan's reads from those of its partitions' sub-reads: what
 * `assemblePartitions` is for values, for mergeable statistics (`stats.ts`). Pure.
 * @module
 */
import { ZarrPlanError } from "../core/errors.js";
import { shapeSize } from "../core/ndarray.js";
import { type AssemblablePlan, checkCovered, type PlanPartition } from "../plan/partition-plan.js";
import {
  type AxisStatsState,
  emptyAccumulator,
  emptyAxisStats,
  mergeStats,
  type StatsState,
  stateOf,
} from "./stats.js";

/**
 * Each read's statistics from its partitions' (`statsOf` of every sub-read's output, whole or
 * along `options.axis`): merged with {@link mergeStats}, along an axis each at its region (the
 * region's start without the axis). The order of `results` does not matter. With every partition
 * of `plan.partition()`, equal (up to float64 rounding of sums) to `statsOf` of `plan.read()`'s
 * outputs.
 * @throws ZarrPlanError `ERR_PLAN` when a result lacks a sub-read's statistics, a region names a
 * read the plan does not have, or the regions given do not cover each read's output exactly once;
 * RangeError when `axis` is not a dimension of every read, or a state is not along `axis`.
 */
export function assemblePartitionStats(
  plan: AssemblablePlan,
  results: readonly {
    readonly partition: PlanPartition;
    readonly stats: Readonly<Record<string, StatsState | AxisStatsState>>;
  }[],
  options: { readonly axis?: number } = {},
): Record<string, StatsState | AxisStatsState> {
  const assembler = new PartitionStatsAssembler(plan, options);
  for (const r of results) assembler.add(r.partition, r.stats);
  return assembler.finish();
}

/**
 * {@link assemblePartitionStats} one partition at a time (each merged in as it arrives, so that
 * per-axis states of many partitions are never all held at once).
 */
export class PartitionStatsAssembler {
  readonly #plan: AssemblablePlan;
  readonly #axis: number | undefined;
  readonly #out: Record<string, StatsState | AxisStatsState> = {};
  readonly #filled = new Map<string, number>();

  /** @throws RangeError when `options.axis` is not a dimension of every read. */
  constructor(plan: AssemblablePlan, options: { readonly axis?: number } = {}) {
    this.#plan = plan;
    const axis = options.axis;
    this.#axis = axis;
    plan.names.forEach((name, i) => {
      const shape = plan.views[i]!.shape;
      if (axis !== undefined && !(Number.isInteger(axis) && axis >= 0 && axis < shape.length)) {
        throw new RangeError(
          `statistics axis ${String(axis)} is not a dimension of read "${name}" (shape [${shape}])`,
        );
      }
      this.#out[name] =
        axis === undefined
          ? stateOf(emptyAccumulator())
          : emptyAxisStats(
              axis,
              shape.filter((_, d) => d !== axis),
            );
      this.#filled.set(name, 0);
    });
  }

  /**
   * Merges the statistics of each sub-read of `partition` in.
   * @throws ZarrPlanError `ERR_PLAN` / RangeError (see {@link assemblePartitionStats}).
   */
  add(
    partition: PlanPartition,
    stats: Readonly<Record<string, StatsState | AxisStatsState>>,
  ): void {
    const axis = this.#axis;
    for (const r of partition.regions) {
      const where = `partition ${partition.index}, read "${r.read}" (sub-read "${r.name}")`;
      const s = stats[r.name];
      if (!this.#filled.has(r.read)) {
        throw new ZarrPlanError("ERR_PLAN", `${where}: the plan has no such read`);
      }
      if (!s) throw new ZarrPlanError("ERR_PLAN", `${where}: no statistics`);
      this.#out[r.read] =
        axis === undefined
          ? mergeStats(this.#out[r.read] as StatsState, s as StatsState)
          : mergeStats(
              this.#out[r.read] as AxisStatsState,
              s as AxisStatsState,
              r.start.filter((_, d) => d !== axis),
            );
      this.#filled.set(r.read, this.#filled.get(r.read)! + shapeSize(r.shape));
    }
  }

  /**
   * Each read's statistics.
   * @throws ZarrPlanError `ERR_PLAN` when the partitions added do not cover each read's output
   * exactly once.
   */
  finish(): Record<string, StatsState | AxisStatsState> {
    checkCovered(this.#plan, this.#filled);
    return this.#out;
  }
}
