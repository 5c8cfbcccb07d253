/**
 * RxJS operators over `plan.stream()`: compute while the rest of the plan is in flight.
 *
 * ```ts
 * plan({ t: temp.lazy().get(slice(0, 1000)) })
 *   .stream()
 *   .pipe(runningStats({ read: "t" }))
 *   .subscribe((s) => console.log(`${s.count} values, mean ${s.mean}`));
 * ```
 * @module
 */
import type { OperatorFunction } from "rxjs";
// rxjs's modules of one operator each, not its index (which loads all of them in Node: start-up).
import { filter } from "rxjs/internal/operators/filter";
import { last } from "rxjs/internal/operators/last";
import { map } from "rxjs/internal/operators/map";
import { scan } from "rxjs/internal/operators/scan";
import type { NDArray } from "../core/ndarray.js";
import type { ChunkEvent, PlanProgress } from "../plan/events.js";
import {
  emptyAccumulator,
  foldValue,
  realValues,
  type StatsAccumulator,
  type StatsSummary,
  stateOf,
  summarizeStats,
} from "./stats.js";

/**
 * Running statistics of the values read so far (NaN-skipping, like NumPy's `nan*` functions): the
 * fields of a `StatsSummary` (non-NaN count, NaN count, sum, min, max, mean), and how far the plan is.
 */
export interface RunningStats extends StatsSummary {
  /** Tasks folded in so far. */
  readonly events: number;
  /** Progress of the plan at the last event. */
  readonly progress: PlanProgress;
}

/** Options of the statistics operators. */
export interface StatsOptions {
  /** Only the events of this read (default: every read). */
  read?: string;
}

interface Acc {
  readonly stats: StatsAccumulator;
  events: number;
  progress: PlanProgress | undefined;
}

function fold(acc: Acc, e: ChunkEvent): Acc {
  const v = realValues(e.values, `read "${e.read}"`);
  const stats = { ...acc.stats };
  // A filled task: every value is the fill value.
  if (e.filled && v.length > 0) foldValue(stats, Number(v[0]!), v.length);
  else for (let i = 0; i < v.length; i++) foldValue(stats, Number(v[i]!));
  return { stats, events: acc.events + 1, progress: e.progress };
}

/**
 * Running count / NaN count / sum / min / max / mean over the values of each chunk event, one
 * snapshot per event. Booleans count as 0/1, 64-bit integers are converted to numbers.
 * @throws TypeError (as a stream error) for complex or fixed-length bytes data types.
 */
export function runningStats(
  options: StatsOptions = {},
): OperatorFunction<ChunkEvent, RunningStats> {
  const seed: Acc = { stats: emptyAccumulator(), events: 0, progress: undefined };
  return (source) =>
    source.pipe(
      filter((e) => options.read === undefined || e.read === options.read),
      scan(fold, seed),
      map(
        (a): RunningStats =>
          Object.freeze({
            ...summarizeStats(stateOf(a.stats)),
            events: a.events,
            progress: a.progress!,
          }),
      ),
    );
}

/** Running sum of the values (NaN skipped). */
export function runningSum(options: StatsOptions = {}): OperatorFunction<ChunkEvent, number> {
  return (s) =>
    s.pipe(
      runningStats(options),
      map((r) => r.sum),
    );
}

/** Running minimum of the values (NaN skipped; `Infinity` before any value). */
export function runningMin(options: StatsOptions = {}): OperatorFunction<ChunkEvent, number> {
  return (s) =>
    s.pipe(
      runningStats(options),
      map((r) => r.min),
    );
}

/** Running maximum of the values (NaN skipped; `-Infinity` before any value). */
export function runningMax(options: StatsOptions = {}): OperatorFunction<ChunkEvent, number> {
  return (s) =>
    s.pipe(
      runningStats(options),
      map((r) => r.max),
    );
}

/** Running mean of the values (NaN skipped; NaN before any value). */
export function runningMean(options: StatsOptions = {}): OperatorFunction<ChunkEvent, number> {
  return (s) =>
    s.pipe(
      runningStats(options),
      map((r) => r.mean),
    );
}

/** The progress counters of each event (for a progress bar; throttle with `auditTime` if needed). */
export function progress(): OperatorFunction<ChunkEvent, PlanProgress> {
  return (s) => s.pipe(map((e) => e.progress));
}

/** Each read's final output as soon as that read is complete (before the rest of the plan). */
export function completedReads(): OperatorFunction<ChunkEvent, { read: string; output: NDArray }> {
  return (s) =>
    s.pipe(
      filter((e) => e.readComplete),
      map((e) => ({ read: e.read, output: e.output })),
    );
}

/**
 * The outputs of every read that emitted an event, once the stream completes (what `read()`
 * returns, minus reads with no element).
 */
export function assemble(): OperatorFunction<ChunkEvent, Record<string, NDArray>> {
  return (s) =>
    s.pipe(
      scan(
        (acc, e) => {
          acc[e.read] = e.output;
          return acc;
        },
        {} as Record<string, NDArray>,
      ),
      last(null, {} as Record<string, NDArray>),
    );
}
