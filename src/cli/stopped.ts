/**
 * Waiting for a long-running command (`serve`, `worker`) to be told to stop.
 * @module
 */

/** Resolves when `signal` aborts (Ctrl-C) or the process gets SIGTERM. */
export function stopped(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener("abort", done);
      process.off("SIGTERM", done);
      resolve();
    };
    if (signal.aborted) return done();
    signal.addEventListener("abort", done, { once: true });
    process.once("SIGTERM", done);
  });
}
