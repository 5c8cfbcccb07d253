/**
 * The query-plan API as `explain` and `run` use it, looked up on the public API at run time.
 *
 * The planner (`plan({name: lazyArray})` → a Plan with `explain()`, `explainText()`, `toJSON()`,
 * `read()`, and `Plan.fromJSON(json)`) is being built; until `src/index.ts` exports it, `planApi()`
 * returns `undefined`, `explain` prints what the lazy view knows, and `run` reports that it is not
 * available. Once it is exported, replace this module by typed imports of `plan` and `Plan`: the
 * commands only use {@link PlanApi}.
 * @module
 */

import type { LazyArray, NDArray, ReadOptions } from "../index.js";
import * as api from "../index.js";

/** A plan: several named lazy reads, explained and executed together. */
export interface PlanLike {
  /** Structured explanation (tasks, requests, bytes). */
  explain(): unknown;
  /** Human-readable explanation (else `toString()` is used). */
  explainText?(): string;
  /** Serializable form, for `Plan.fromJSON`. */
  toJSON(): unknown;
  /** Executes every read: results by name. */
  read(options?: ReadOptions): Promise<Record<string, NDArray> | Map<string, NDArray>>;
}

/** The two entry points the command line needs. */
export interface PlanApi {
  plan(reads: Record<string, LazyArray>): PlanLike;
  fromJSON(json: unknown): PlanLike | Promise<PlanLike>;
}

type Fn = (...args: unknown[]) => unknown;

function isFn(v: unknown): v is Fn {
  return typeof v === "function";
}

/** The Plan API when the public API exports it (`plan` and `Plan.fromJSON`), else `undefined`. */
export function planApi(): PlanApi | undefined {
  const ns = api as unknown as Record<string, unknown>;
  const plan = ns.plan;
  const Plan = ns.Plan as { fromJSON?: unknown } | undefined;
  const fromJSON = Plan?.fromJSON;
  if (!isFn(plan) || !isFn(fromJSON)) return undefined;
  return {
    plan: (reads) => plan(reads) as PlanLike,
    fromJSON: (json) => fromJSON.call(Plan, json) as PlanLike | Promise<PlanLike>,
  };
}

/** The human-readable explanation of a plan. */
export function planText(p: PlanLike): string {
  return typeof p.explainText === "function" ? p.explainText() : String(p);
}

/** The results of `plan.read()` as `[name, array]` pairs. */
export function planResults(
  results: Record<string, NDArray> | Map<string, NDArray>,
): [string, NDArray][] {
  return results instanceof Map ? [...results.entries()] : Object.entries(results);
}
