/**
 * The Python with tensorstore and NumPy the interop tests use (`ZARR_PLAN_PYTHON`, else the peer
 * benchmark's venv at /tmp/pb-venv), and whether it is there: without it (as in CI) those tests
 * skip with that reason.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

export const PYTHON = process.env.ZARR_PLAN_PYTHON ?? "/tmp/pb-venv/bin/python";

/** True when {@link PYTHON} exists and imports tensorstore and numpy. */
export function hasTensorstore(): boolean {
  if (!existsSync(PYTHON)) return false;
  try {
    execFileSync(PYTHON, ["-c", "import tensorstore, numpy"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
