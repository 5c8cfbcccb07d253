/**
 * The executor's face in the package entry point: `plan()` and `lazy()`, which pick the
 * {@link Context} that runs what they build, and shortcuts that configure the default Context.
 * @module
 */

import type { DataTypeName } from "../core/dtype.js";
import { LabelledView } from "../index-space/labels/labelled.js";
import { LazyArray, lazy as lazyWith } from "../index-space/lazy.js";
import type { ArraySource } from "../index-space/source.js";
import { LabelledPlan, type LabelledRead } from "../plan/labelled-plan.js";
import { type NamedReads, Plan, type PlanReads } from "../plan/plan.js";
import type { PlanOptions } from "../plan/plan-json.js";
import type { StoreSettings } from "../plan/store-settings.js";
import { type WriteEntry, WritePlan } from "../plan/write-plan.js";
import type { ReadableStore } from "../store/types.js";
import { Context, defaultContext } from "./context.js";
import type { DecodeWorkerOptions } from "./decode-pool.js";

/** Options of {@link plan}: the plan's options and the Context that runs it. */
export interface PlanBuildOptions extends PlanOptions {
  /**
   * Runs the plan (limits, caches, workers). Default: the Context of the first read made from an
   * array opened with one (`array.lazy()`), else the default Context.
   */
  readonly context?: Context;
}

function viewsOf(reads: PlanReads): Iterable<unknown> {
  if (reads instanceof Map) return reads.values();
  if (Array.isArray(reads)) return reads.map((r) => (Array.isArray(r) ? r[1] : r));
  if (Symbol.iterator in (reads as object)) {
    return [...(reads as Iterable<readonly [string, LazyArray]>)].map((e) =>
      Array.isArray(e) ? e[1] : e,
    );
  }
  return Object.values(reads as Record<string, unknown>);
}

/** The Context of the first read whose executor is one, if any. */
function contextOfReads(reads: PlanReads): Context | undefined {
  for (const v of viewsOf(reads)) {
    if (v instanceof LazyArray && v.executor instanceof Context) return v.executor;
  }
  return undefined;
}

/**
 * Builds an immutable {@link Plan} from named lazy reads (one or many arrays, one or many
 * stores): an object or Map of name → LazyArray, `[name, LazyArray]` pairs, or an array of
 * LazyArrays (named `"0"`, `"1"`, …). Partitions every read now (pure, no IO), so invalid plans
 * fail here. `options.context` runs it (see {@link PlanBuildOptions.context}).
 *
 * Given a record, the plan is typed by read name: `const { a, b } = await plan({ a: f32.lazy(),
 * b: i16.lazy() }).read()` gives `a: NDArray<"float32">`, `b: NDArray<"int16">`. Other forms give
 * a `Plan` whose `read()` is a `Record<string, NDArray>`.
 * @throws ZarrPlanError `ERR_PLAN` for empty or duplicate names or values that are not LazyArrays;
 * OptionsError (`ERR_OPTIONS`) for invalid options (see `Plan`'s constructor).
 */
export function plan<R extends NamedReads>(reads: R, options?: PlanBuildOptions): Plan<R>;
/** A plan from a `Map`, `[name, view]` pairs or an array of views (named `"0"`, `"1"`, …). */
export function plan(reads: PlanReads, options?: PlanBuildOptions): Plan;
export function plan(reads: PlanReads, options: PlanBuildOptions = {}): Plan {
  const { context, ...planOptions } = options;
  return new Plan(reads, planOptions, context ?? contextOfReads(reads) ?? defaultContext());
}

/**
 * Builds an immutable {@link WritePlan}: each entry assigns `value` (an NDArray of the array's data
 * type broadcastable to `target.shape`, or a scalar) to the selection `target` (any lazy view of
 * an opened or created array: basic, `oindex`, `vindex`, mask), with NumPy's assignment semantics
 * (later entries win where they overlap). Checks every value and plans every object now (pure, no
 * IO); `explain()` shows what `write()` will do. `options.context` runs it (default: the Context
 * of the first target's array).
 * @throws ZarrPlanError `ERR_WRITE` (value of another data type, shape not broadcastable, array
 *   without storage), `ERR_READ_ONLY`, `ERR_VALUE` (scalar the data type cannot hold).
 */
export function planWrite(
  entries: readonly WriteEntry[],
  options: { readonly context?: Context } = {},
): WritePlan {
  let found: Context | undefined;
  for (const e of entries) {
    if (e.target instanceof LazyArray && e.target.executor instanceof Context) {
      found = e.target.executor;
      break;
    }
  }
  return new WritePlan(entries, options.context ?? found ?? defaultContext());
}

/**
 * Builds a {@link LabelledPlan}: named reads of labelled views (`openDataset(…).view(name).sel(…)`)
 * and plain lazy arrays, run in two stages (coordinate arrays once each, then the data). Pure until
 * `read()` / `resolve()`. `options.context` runs it (default: the Context of the first read's array).
 * @throws ZarrPlanError `ERR_PLAN` for values that are not labelled views or lazy arrays; OptionsError
 * for invalid options.
 */
export function labelledPlan(
  reads: Readonly<Record<string, LabelledRead>>,
  options: PlanBuildOptions = {},
): LabelledPlan {
  const { context, ...planOptions } = options;
  let found: Context | undefined;
  for (const r of Object.values(reads)) {
    const v = r instanceof LabelledView ? r.base : r;
    if (v instanceof LazyArray && v.executor instanceof Context) {
      found = v.executor;
      break;
    }
  }
  return new LabelledPlan(reads, planOptions, context ?? found ?? defaultContext());
}

/**
 * A lazy view of the whole `source` (identity transform), read by `context` (default: the default
 * Context). `shape`, `dtype`, `ndim` and `size` are known without IO. Keeps the source's data type.
 */
export function lazy<D extends DataTypeName>(
  source: ArraySource<D>,
  context: Context = defaultContext(),
): LazyArray<D> {
  return lazyWith(source, context);
}

/**
 * Sets the request limit and coalescing policy of `store` in the default Context (see
 * {@link Context.configureStore}).
 * @throws RangeError for a concurrency that is not an integer ≥ 1 or a negative size.
 */
export function configureStore(
  store: ReadableStore,
  settings: Partial<StoreSettings>,
): StoreSettings {
  return defaultContext().configureStore(store, settings);
}

/**
 * Configures the default Context's decode worker pool: `{ workers: 0 }` decodes on the calling
 * thread; `minBytes` sets the smallest stored chunk (bytes) sent to a worker.
 * @throws RangeError for a negative or fractional worker count or a bad `minBytes`.
 */
export function configureDecodeWorkers(options: DecodeWorkerOptions): void {
  defaultContext().decodePool.configure(options);
}
