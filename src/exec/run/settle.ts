/**
 * Structured concurrency for one execution: start jobs, fail fast on the first error, and leave
 * no promise unobserved.
 * @module
 */
import { type AbortScope, abortErrorOf } from "../limiter.js";

/**
 * Starts every job (in order, stopping when `signal` aborts or a job fails); resolves when all
 * resolve, rejects with the first rejection. Every started job's promise has a handler, so a later
 * failure of another job is never an unhandled rejection.
 */
export function settleAll(
  jobs: readonly (() => Promise<void>)[],
  signal: AbortScope,
): Promise<void> {
  if (jobs.length === 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    let pending = jobs.length;
    let failed = false;
    const fail = (e: unknown) => {
      if (failed) return;
      failed = true;
      reject(e);
    };
    for (const job of jobs) {
      if (failed || signal.aborted) {
        if (!failed) fail(abortErrorOf(signal));
        return;
      }
      let p: Promise<void>;
      try {
        p = job();
      } catch (e) {
        fail(e);
        return;
      }
      p.then(() => {
        if (--pending === 0 && !failed) resolve();
      }, fail);
    }
  });
}
