/**
 * `zarr-plan run PLAN.json --out DIR`: executes a saved plan (`Plan.toJSON()`), writing each named
 * result to `DIR/<name>.npy`. Needs the query planner on the public API (see `plan-api.ts`); until
 * then it reports that it is not available (exit code 2).
 * @module
 */
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import type { Io } from "../context.js";
import { bytesText, dtypeLabel, shapeText } from "../describe.js";
import { CliError, UsageError } from "../errors.js";
import { writeOutput } from "../output/index.js";
import { npyWriter } from "../output/npy.js";
import { planApi, planResults } from "../plan-api.js";

/** Message of `run` while the planner is not exported. */
export const RUN_NOT_AVAILABLE =
  "run: not available yet: this build of zarr-plan exports no query planner (plan, Plan.fromJSON)";

/** A result name as a file name (path separators replaced). */
function fileName(name: string): string {
  const safe = name.replace(/[\\/]/g, "_").replace(/^\.+/, "_");
  return `${safe === "" ? "_" : safe}.npy`;
}

export function runCommand(cmd: Command, io: Io): void {
  cmd
    .description("execute a saved plan (PLAN.json from Plan.toJSON()); one .npy per read in DIR")
    .argument("<plan>", "plan file (JSON)")
    .requiredOption("-o, --out <dir>", "output directory (created when missing)")
    .action(async (planFile: string, opts: { out: string }) => {
      const api = planApi();
      if (!api) throw new UsageError(RUN_NOT_AVAILABLE);
      let json: unknown;
      try {
        json = JSON.parse(await readFile(planFile, "utf8"));
      } catch (e) {
        throw new CliError(
          `cannot read plan "${planFile}": ${e instanceof Error ? e.message : e}`,
          {
            cause: e,
          },
        );
      }
      const plan = await api.fromJSON(json);
      const results = planResults(await plan.read({ signal: io.signal }));
      await mkdir(opts.out, { recursive: true });
      for (const [name, array] of results) {
        const file = join(opts.out, fileName(name));
        const bytes = await writeOutput(file, npyWriter, array, {});
        io.stdout(
          `${name}: ${dtypeLabel(array.dtype)} ${shapeText(array.shape)} → ${file} (${bytesText(bytes)})\n`,
        );
      }
    });
}
