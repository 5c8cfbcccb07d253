/**
 * The statistics of a plan's reads from those of its partitions' sub-reads: what
 * `assemblePartitions` is for values, for mergeable statistics (`stats.ts`). Pure.
 * @module
 */
import { ZarrPlanError } from "../core/errors.js";
import { shapeSize } from "../core/ndarray.js";
import type { AssemblablePlan, PlanPartition } from "../plan/partition-plan.js";
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
  const axis = options.axis;
  const out: Record<string, StatsState | AxisStatsState> = {};
  const filled = new Map<string, number>();
  plan.names.forEach((name, i) => {
    const shape = plan.views[i]!.shape;
    if (axis !== undefined && !(Number.isInteger(axis) && axis >= 0 && axis < shape.length)) {
      throw new RangeError(
        `statistics axis ${String(axis)} is not a dimension of read "${name}" (shape [${shape}])`,
      );
    }
    out[name] =
      axis === undefined
        ? stateOf(emptyAccumulator())
        : emptyAxisStats(
            axis,
            shape.filter((_, d) => d !== axis),
          );
    filled.set(name, 0);
  });
  for (const { partition, stats } of results) {
    for (const r of partition.regions) {
      const where = `partition ${partition.index}, read "${r.read}" (sub-read "${r.name}")`;
      const s = stats[r.name];
      if (!filled.has(r.read))
        throw new ZarrPlanError("ERR_PLAN", `${where}: the plan has no such read`);
      if (!s) throw new ZarrPlanError("ERR_PLAN", `${where}: no statistics`);
      out[r.read] =
        axis === undefined
          ? mergeStats(out[r.read] as StatsState, s as StatsState)
          : mergeStats(
              out[r.read] as AxisStatsState,
              s as AxisStatsState,
              r.start.filter((_, d) => d !== axis),
            );
      filled.set(r.read, filled.get(r.read)! + shapeSize(r.shape));
    }
  }
  plan.names.forEach((name, i) => {
    const want = shapeSize(plan.views[i]!.shape);
    const got = filled.get(name)!;
    if (got !== want) {
      throw new ZarrPlanError(
        "ERR_PLAN",
        `read "${name}": the partitions given cover ${got} of its ${want} elements`,
      );
    }
  });
  return out;
}
