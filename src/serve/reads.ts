/**
 * Running the plans of requests: the per-request limits (output bytes, chunk tasks) checked on the
 * built plan before any IO, then a slot of the admission gate, then the read with the request's
 * signal (client disconnect, timeout).
 * @module
 */
import { type NDArray, type Plan, ZarrPlanError } from "../index.js";
import type { Gate } from "./gate.js";
import type { SliceLimits } from "./limits.js";

/**
 * Checks a built plan against the request limits.
 * @throws ZarrPlanError `ERR_TOO_LARGE` (HTTP 413) naming the size and the limit.
 */
export function checkPlanLimits(p: Plan, limits: SliceLimits): void {
  if (p.tooLarge) throw p.tooLarge;
  const what = () =>
    p
      .explain()
      .reads.map((r) => `"${r.array}"`)
      .join(", ");
  if (p.size.outputBytes > limits.maxOutputBytes) {
    throw new ZarrPlanError(
      "ERR_TOO_LARGE",
      `reading ${what()} would return ${p.size.outputBytes} bytes, over the service's limit of ${limits.maxOutputBytes} (limits.maxOutputBytes): select less`,
    );
  }
  // The bound is cheap and usually exact; the plan's own count decides when it is over.
  if (p.size.tasksAtMost <= limits.maxChunks) return;
  const reads = p.explain().reads;
  const tasks = reads.reduce((a, r) => a + r.tasks, 0);
  if (tasks > limits.maxChunks) {
    throw new ZarrPlanError(
      "ERR_TOO_LARGE",
      `reading ${what()} touches ${tasks} chunks, over the service's limit of ${limits.maxChunks} (limits.maxChunks): select less`,
    );
  }
}

/** Checks `p`, waits for a slot of `gate`, and reads it with `signal`. */
export async function runPlan(
  p: Plan,
  limits: SliceLimits,
  gate: Gate,
  signal: AbortSignal,
): Promise<Record<string, NDArray>> {
  checkPlanLimits(p, limits);
  const release = await gate.enter(signal);
  try {
    return await p.read({ signal });
  } finally {
    release();
  }
}
