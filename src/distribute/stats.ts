/**
 * Statistics of a distributed run: the `statsOf` states of the partitions' sub-reads merged into
 * one state per read of the plan (`mergeStats`, in any order; along an axis, each partition's
 * state lands at its output region).
 * @module
 */
import {
  type AxisStatsState,
  emptyAxisStats,
  mergeStats,
  type Plan,
  type PlanPartition,
  type StatsState,
} from "../index.js";
import type { PartitionJobResult } from "./job.js";

/**
 * One state per read of `plan`, from the states of every partition's sub-reads. With `axis`,
 * the read's state is over the read's shape without that axis, and a sub-read's state is merged at
 * its region's start (its region's other coordinates).
 * @throws RangeError when a partition's state does not fit its region (a worker of another version).
 */
export function mergePartitionStats(
  plan: Plan,
  results: readonly { partition: PlanPartition; result: PartitionJobResult }[],
  axis: number | undefined,
): Record<string, StatsState | AxisStatsState> {
  const out: Record<string, StatsState | AxisStatsState> = {};
  for (const { partition, result } of results) {
    for (const region of partition.regions) {
      const s = result.stats?.[region.name];
      if (s === undefined) continue;
      if (axis === undefined) {
        const prev = out[region.read] as StatsState | undefined;
        out[region.read] = prev === undefined ? s : mergeStats(prev, s as StatsState);
        continue;
      }
      const shape = plan.reads[region.read]!.shape.filter((_, d) => d !== axis);
      const prev = (out[region.read] as AxisStatsState | undefined) ?? emptyAxisStats(axis, shape);
      const start = region.start.filter((_, d) => d !== axis);
      out[region.read] = mergeStats(prev, s as AxisStatsState, start);
    }
  }
  // Reads no partition covered (no elements): the empty statistics.
  for (const name of plan.names) {
    if (out[name] !== undefined) continue;
    if (axis === undefined) {
      out[name] = {
        count: 0,
        nanCount: 0,
        posInfCount: 0,
        negInfCount: 0,
        sum: 0,
        min: null,
        max: null,
      };
    } else {
      out[name] = emptyAxisStats(
        axis,
        plan.reads[name]!.shape.filter((_, d) => d !== axis),
      );
    }
  }
  return out;
}
