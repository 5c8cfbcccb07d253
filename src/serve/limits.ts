/**
 * The service's limits: per request (output bytes, chunks, time, body bytes) and global (plans
 * running at once, plans waiting), checked before anything is allocated.
 * @module
 */
import { OptionsError } from "../index.js";

/** Limits of a slice handler. */
export interface SliceLimits {
  /** Largest result of one request, bytes (HTTP 413 above it). Default 64 MiB. */
  readonly maxOutputBytes: number;
  /** Most chunk tasks (chunks, or inner chunks when sharded) one request may touch (413). Default 16,384. */
  readonly maxChunks: number;
  /** Longest a request may run, ms; its reads are then aborted (504). Default 30,000. */
  readonly timeoutMs: number;
  /** Plans (data, read, plan, explain and tree requests) running at once. Default 32. */
  readonly maxConcurrentPlans: number;
  /** Plans waiting for a slot; beyond that, 503 with `Retry-After`. Default 512. */
  readonly maxQueue: number;
  /** `Retry-After` of a 503, seconds. Default 1. */
  readonly retryAfterSeconds: number;
  /** Largest request body (`POST /v1/read`, `/v1/plan`), bytes (413). Default 1 MiB. */
  readonly maxBodyBytes: number;
}

/** The default limits. */
export const DEFAULT_SLICE_LIMITS: SliceLimits = Object.freeze({
  maxOutputBytes: 64 * 1024 ** 2,
  maxChunks: 16_384,
  timeoutMs: 30_000,
  maxConcurrentPlans: 32,
  maxQueue: 512,
  retryAfterSeconds: 1,
  maxBodyBytes: 1024 ** 2,
});

/** Minimum of each limit (`maxQueue` may be 0: refuse as soon as every slot is taken). */
const MINIMUM: Readonly<Record<keyof SliceLimits, number>> = {
  maxOutputBytes: 1,
  maxChunks: 1,
  timeoutMs: 1,
  maxConcurrentPlans: 1,
  maxQueue: 0,
  retryAfterSeconds: 0,
  maxBodyBytes: 1,
};

/**
 * `given` over the defaults.
 * @throws OptionsError (`ERR_OPTIONS`, call `createSliceHandler`) for a limit that is not an integer
 * at least its minimum (1; 0 for `maxQueue` and `retryAfterSeconds`), or an unknown limit.
 */
export function sliceLimits(given: Partial<SliceLimits> = {}): SliceLimits {
  const issues: { option: string; message: string; value: unknown }[] = [];
  for (const [k, v] of Object.entries(given)) {
    const min = MINIMUM[k as keyof SliceLimits];
    if (min === undefined)
      issues.push({ option: `limits.${k}`, message: "unknown limit", value: v });
    else if (v !== undefined && !(Number.isSafeInteger(v) && (v as number) >= min)) {
      issues.push({ option: `limits.${k}`, message: `expected an integer >= ${min}`, value: v });
    }
  }
  if (issues.length > 0) throw new OptionsError("createSliceHandler", issues);
  const out: Record<string, number> = { ...DEFAULT_SLICE_LIMITS };
  for (const [k, v] of Object.entries(given)) if (v !== undefined) out[k] = v as number;
  return Object.freeze(out) as unknown as SliceLimits;
}
