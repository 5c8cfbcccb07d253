/**
 * Runs the `zarr-plan` command line in process (`main` of src/cli/program.ts) and returns its exit
 * code and what it wrote to stdout and stderr, for the CLI tests.
 */
import type { Io } from "../../src/cli/context.js";
import { main } from "../../src/cli/program.js";

/** What one command printed. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `zarr-plan ARGV…` with the environment variables `env` (none by default), no progress bar. */
export async function cli(
  argv: readonly string[],
  env: Record<string, string> = {},
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const io: Io = {
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    progress: undefined,
    signal: new AbortController().signal,
    env,
  };
  const code = await main([...argv], io);
  return { code, stdout, stderr };
}
