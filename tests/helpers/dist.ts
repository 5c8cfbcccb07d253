/**
 * `dist/` for tests that run the built package: builds it with tsc (about 10 s) when
 * `dist/index.js` is missing or older than a file of `src/`; a fresh build is reused.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "../..");

/** Newest modification time (ms) of the files below `dir`. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds `dist/` unless it is newer than every source file. @throws when the build emits nothing. */
export async function ensureDist(): Promise<void> {
  const entry = join(ROOT, "dist/index.js");
  if (existsSync(entry) && statSync(entry).mtimeMs >= newestMtime(join(ROOT, "src"))) return;
  const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
  const output = await new Promise<string>((resolve) => {
    execFile(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: ROOT }, (_e, stdout) =>
      resolve(String(stdout)),
    );
  });
  if (!existsSync(entry) || statSync(entry).mtimeMs < newestMtime(join(ROOT, "src"))) {
    throw new Error(`build of dist/ failed:\n${output}`);
  }
}
