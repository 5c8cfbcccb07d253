/**
 * Bounded concurrency for writes: run a job per item with at most `n` in flight, stop starting
 * new ones after the first failure or an abort, and settle only when every started job has
 * settled (no request is left running, no promise unobserved).
 * @module
 */
import { abortErrorOf } from "../limiter.js";

/**
 * Runs `job(item, i)` for every item, at most `n` at once, in order of `items`.
 * @throws the first job's error (after the jobs in flight have settled); AbortError when `signal`
 *   aborts before every job started.
 */
export async function forEachLimited<T>(
  items: readonly T[],
  n: number,
  job: (item: T, i: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      if (signal?.aborted) {
        failure = { error: abortErrorOf(signal) };
        return;
      }
      const i = next++;
      try {
        await job(items[i]!, i);
      } catch (e) {
        failure ??= { error: e };
      }
    }
  };
  const lanes = Array.from({ length: Math.max(1, Math.min(n, items.length)) }, lane);
  await Promise.all(lanes);
  if (failure) throw failure.error;
}
