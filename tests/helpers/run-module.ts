/**
 * Runs a snippet of TypeScript module code in a child Node process (`node --import tsx
 * --input-type=module -e code`), for tests that need a fresh process (what it loads, what keeps
 * it alive, environment read at start such as `NODE_EXTRA_CA_CERTS`).
 */
import { spawn } from "node:child_process";

/** What the child printed and how it ended. */
export interface ModuleRun {
  out: string;
  err: string;
  exitCode: number | null;
}

/** Runs `code` in a child process with `env` added to this process's environment. */
export async function runModule(
  code: string,
  env: Record<string, string> = {},
): Promise<ModuleRun> {
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exitCode = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  return { out, err, exitCode };
}
