/**
 * Statistics of a distributed run: the `statsOf` states of the partitions' sub-reads merged into
 * one state per read of the plan.
 * @module
 */
import { mergeStats, type PlanPartition, type StatsState } from "../index.js";
import type { PartitionJobResult } from "./job.js";

/**
 * One state per read of the original plan, from the states of every partition's sub-reads: with
 * no axis, the states are merged (`mergeStats`, any order); per axis, states of the same position
 * are merged and positions a partition alone covers are placed by its region.
 */
export function mergePartitionStats(
  results: readonly { partition: PlanPartition; result: PartitionJobResult }[],
): Record<string, StatsState | StatsState[]> {
  const out: Record<string, StatsState | StatsState[]> = {};
  for (const { partition, result } of results) {
    for (const region of partition.regions) {
      const s = result.stats?.[region.name];
      if (s === undefined) continue;
      const prev = out[region.read];
      out[region.read] = prev === undefined ? s : mergeOne(prev, s);
    }
  }
  return out;
}

function mergeOne(
  a: StatsState | StatsState[],
  b: StatsState | StatsState[],
): StatsState | StatsState[] {
  if (Array.isArray(a) && Array.isArray(b)) return a.map((s, i) => mergeStats(s, b[i]!));
  if (!Array.isArray(a) && !Array.isArray(b)) return mergeStats(a, b);
  throw new TypeError("statistics states of one read differ in kind");
}
