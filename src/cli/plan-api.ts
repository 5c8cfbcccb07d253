/**
 * The query-plan API as `explain` uses it: `plan({name: lazyArray})` and `planFromJSON(json)`.
 * @module
 */

import type { LazyArray, NDArray, ReadOptions } from "../index.js";
import { plan, planFromJSON } from "../index.js";

/** A plan: several named lazy reads, explained and executed together. */
interface PlanLike {
  /** Structured explanation (tasks, requests, bytes). */
  explain(): unknown;
  /** Human-readable explanation (else `toString()` is used). */
  explainText?(): string;
  /** Serializable form, for `planFromJSON`. */
  toJSON(): unknown;
  /** Executes every read: results by name. */
  read(options?: ReadOptions): Promise<Record<string, NDArray> | Map<string, NDArray>>;
}

/** The two entry points the command line needs. */
interface PlanApi {
  plan(reads: Record<string, LazyArray>): PlanLike;
  fromJSON(json: unknown): PlanLike | Promise<PlanLike>;
}

/** The plan API of the public entry point. */
export function planApi(): PlanApi | undefined {
  return {
    plan: (reads) => plan(reads),
    fromJSON: (json) => planFromJSON(json),
  };
}

/** The human-readable explanation of a plan. */
export function planText(p: PlanLike): string {
  return typeof p.explainText === "function" ? p.explainText() : String(p);
}
