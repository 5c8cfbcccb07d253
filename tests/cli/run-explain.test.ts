/**
 * `zarr-plan run PLAN.json --explain`: the reads' and the writes' explanations from metadata alone
 * (no chunk read or written), and no `--out` needed.
 */
import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cli } from "../helpers/cli.js";

const ROOT = join(import.meta.dirname, "../..");
const TMP = mkdtempSync(join(tmpdir(), "zarr-plan-run-explain-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await cli(argv);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

/** Every file under `dir` with its size and modification time. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const s = statSync(p);
      if (s.isDirectory()) walk(p);
      else out.push(`${p} ${s.size} ${s.mtimeMs}`);
    }
  };
  walk(dir);
  return out;
}

describe("run --explain", () => {
  it("explains reads and writes and touches no chunk", async () => {
    const store = join(TMP, "egm96.zarr");
    cpSync(join(ROOT, "data/datasets/egm96.zarr"), store, { recursive: true });
    const plan = join(TMP, "plan.json");
    writeFileSync(
      plan,
      JSON.stringify({
        store: "egm96.zarr",
        reads: { row: { array: "geoid", ops: [{ get: [0, "0:8"] }] } },
        writes: [
          { array: "geoid", ops: [{ get: ["0:180", "0:360"] }], value: { scalar: 1.5 } },
          {
            array: "geoid",
            ops: [
              {
                vindex: [
                  [5, 400],
                  [7, 900],
                ],
              },
            ],
            value: { scalar: "NaN" },
          },
        ],
      }),
    );
    const before = snapshot(store);
    const r = await run("run", plan, "--explain");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    // The read: one shard; the writes: shard 0/0 fully covered (no read), shard 1/2 read-modify-written.
    expect(r.out).toContain("geoid/c/0/0");
    expect(r.out).toMatch(/write plan: 2 writes on 1 array, 2 objects to store/);
    expect(r.out).toMatch(/requests before writing: 1 whole-object read/);
    expect(snapshot(store)).toEqual(before);
    expect(readFileSync(join(store, "geoid/zarr.json"), "utf8")).toContain('"sharding_indexed"');
  });
});
