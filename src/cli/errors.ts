/**
 * Errors of the command line and how they end the process: one line on stderr, exit code 1 for
 * runtime errors and 2 for usage errors, the stack only with `--verbose`.
 * @module
 */
import { CommanderError } from "commander";
import { UsageError } from "../present/errors.js";

export { CliError, UsageError } from "../present/errors.js";

/** Exit code of a failed run (a store, metadata, codec or selection error). */
const EXIT_RUNTIME = 1;
/** Exit code of a command line that cannot be run as written. */
const EXIT_USAGE = 2;

/** The exit code for an error thrown while running a command. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT_USAGE;
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
  return EXIT_RUNTIME;
}

/** The message of an error folded onto one line (`error: ` is added by {@link reportError}). */
export function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, " ").trim();
}

/**
 * Writes `error: <message>` (one line) to `write`; with `verbose`, the stack and every `cause`
 * follow on further lines.
 */
export function reportError(error: unknown, verbose: boolean, write: (text: string) => void): void {
  const message = error instanceof Error ? error.message : String(error);
  write(`error: ${oneLine(message.replace(/^error:\s*/, ""))}\n`);
  if (!verbose) return;
  let e: unknown = error;
  let depth = 0;
  while (e instanceof Error && depth < 8) {
    if (depth > 0) write(`caused by: ${e.message}\n`);
    if (e.stack) write(`${e.stack.split("\n").slice(1).join("\n")}\n`);
    e = e.cause;
    depth++;
  }
  if (e !== undefined && !(e instanceof Error)) write(`caused by: ${String(e)}\n`);
}
