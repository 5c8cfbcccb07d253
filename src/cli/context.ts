/**
 * What commands need from the process: output streams, a progress stream and a cancellation signal.
 * @module
 */

/** The process as commands see it. */
export interface Io {
  /** Writes to standard output (command results). */
  stdout(text: string): void;
  /** Writes to standard error (diagnostics). */
  stderr(text: string): void;
  /** Where to draw progress bars: stderr when it is a terminal, else `undefined` (no bar). */
  progress: NodeJS.WriteStream | undefined;
  /** Aborted on Ctrl-C: reads stop and the command fails with an `AbortError`. */
  signal: AbortSignal;
  /** Environment variables (`ZARR_PLAN_LOG`); none when undefined. */
  env?: Readonly<Record<string, string | undefined>>;
}
