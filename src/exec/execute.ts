/**
 * Running plans in a {@link Context}: `execute` (every read's output), `streamPlan` (chunk events as
 * they decode) and `resolvePlan` (shard indexes fetched ahead).
 *
 * Waves: every request known before IO (chunks, whole shards, shard indexes) is issued at once,
 * shard indexes first (priority 0); each partial shard's data ranges are computed (optimizer
 * phase 2) and issued as soon as *its* index arrives, without waiting for the other indexes. So a
 * plan takes at most two sequential round trips (one when no shard is read partially or the plan
 * is resolved), plus one for metadata when its arrays are opened cold.
 *
 * Limits: requests go through the Context's scheduler of each store (one limit per store for all
 * plans of the Context, identical requests shared, retries); `concurrency` additionally caps one
 * execution; decoding runs under the Context's decode limit.
 * @module
 */
// rxjs's module of one name, not its index: in Node the index loads every operator (~150 ms of
// start-up); the class is the same one the index exports.
import { Observable } from "rxjs/internal/Observable";
import { AbortError } from "../core/errors.js";
import type { NDArray } from "../core/ndarray.js";
import type { ChunkEvent } from "../plan/events.js";
import type { Plan, PlanReadOptions } from "../plan/plan.js";
import { AbortScope, abortErrorOf, linkedController, raceAbort } from "./limiter.js";
import { readObjects, readShardIndexes } from "./run/objects.js";
import type { RunResources } from "./run/resources.js";
import { finishedError, Run } from "./run/run.js";

/** An `AbortError` naming the arrays of `plan` (the signal's reason as `cause`). */
function abortOfPlan(plan: Plan, scope: AbortScope): AbortError {
  const reason: unknown = scope.reason;
  const arrays = [...new Set(plan.views.map((v) => `"${v.source.path}"`))];
  const what = arrays.length === 1 ? `array ${arrays[0]}` : `arrays ${arrays.join(", ")}`;
  return new AbortError(`Aborted while reading ${what}`, undefined, { cause: reason });
}

/**
 * Runs `plan` once in `context`: every read's output, C order. `emit` receives a
 * {@link ChunkEvent} per task as it completes. The first failure aborts everything this execution
 * started (requests shared with other executions go on for them) and rejects; no partial result is
 * returned.
 * @throws AbortError when `options.signal` aborts; FetchError; CodecError; errors of `readChunk`.
 */
export async function execute(
  context: RunResources,
  plan: Plan,
  options: PlanReadOptions = {},
  emit?: (e: ChunkEvent) => void,
): Promise<Record<string, NDArray>> {
  const { controller, dispose } = linkedController(options.signal);
  const scope = new AbortScope(controller.signal);
  // No spare output is prepared on the decode workers while this read runs (DecodePool.hold).
  const release = context.decodePool.hold();
  try {
    if (scope.aborted) throw abortOfPlan(plan, scope);
    const run = new Run(context, plan, options, scope, emit, true);
    await raceAbort(
      readObjects(run).then(() => run.outputsReady()),
      scope,
    ).catch((e: unknown) => {
      throw e instanceof AbortError && e.key === undefined ? abortOfPlan(plan, scope) : e;
    });
    const out: Record<string, NDArray> = {};
    plan.names.forEach((n, i) => {
      out[n] = run.outputs[i]!;
    });
    return out;
  } finally {
    // Stops whatever is still queued or in flight for this execution (after a failure).
    controller.abort(finishedError("execution"));
    scope.dispose();
    dispose();
    release();
  }
}

/**
 * {@link execute} as a cold Observable of chunk events; unsubscribing aborts the execution.
 */
export function streamPlan(
  context: RunResources,
  plan: Plan,
  options: PlanReadOptions = {},
): Observable<ChunkEvent> {
  return new Observable<ChunkEvent>((subscriber) => {
    const { controller, dispose } = linkedController(options.signal);
    const linked = context.link(controller.signal);
    execute(context, plan, { ...options, signal: linked.signal }, (e) => subscriber.next(e))
      .then(
        () => subscriber.complete(),
        (e: unknown) => subscriber.error(e),
      )
      .finally(() => linked.dispose());
    return () => {
      controller.abort(new AbortError("Unsubscribed from the plan's stream"));
      dispose();
    };
  });
}

/**
 * Fetches the shard indexes `plan` still needs (all at once, shared with concurrent executions)
 * and returns the plan with them. @throws as {@link execute}.
 */
export async function resolvePlan(
  context: RunResources,
  plan: Plan,
  options: PlanReadOptions = {},
): Promise<Plan> {
  const { controller, dispose } = linkedController(options.signal);
  const scope = new AbortScope(controller.signal);
  try {
    if (scope.aborted) throw abortErrorOf(scope);
    const run = new Run(context, plan, options, scope, undefined, false);
    await readShardIndexes(run);
    return plan.withIndexes(run.indexes);
  } finally {
    controller.abort(finishedError("resolution"));
    scope.dispose();
    dispose();
  }
}
