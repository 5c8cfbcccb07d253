/**
 * Command-line papercuts, in process (`main` from src/cli/program.ts): `--out` into a missing
 * directory, `--flip-y`, whole-array summaries, the progress bar's first frame, plan files with
 * relative store paths, selection parse errors.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { decode } from "fast-png";
import { afterAll, describe, expect, it } from "vitest";
import type { Io } from "../../src/cli/context.js";
import { main } from "../../src/cli/program.js";
import { readNpy } from "../../src/index.js";

const ROOT = join(import.meta.dirname, "../..");
const EGM96 = join(ROOT, "data/datasets/egm96.zarr");
const TMP = mkdtempSync(join(tmpdir(), "zarr-plan-papercuts-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  progress: string;
}

async function cli(argv: string[], tty = false): Promise<Run> {
  let stdout = "";
  let stderr = "";
  let progress = "";
  // What cli-progress needs of a terminal: isTTY, columns and write.
  const stream = {
    isTTY: true,
    columns: 120,
    write: (s: string) => {
      progress += s;
      return true;
    },
  };
  const io: Io = {
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    progress: tty ? (stream as unknown as NodeJS.WriteStream) : undefined,
    signal: new AbortController().signal,
    env: {},
  };
  const code = await main(argv, io);
  return { code, stdout, stderr, progress };
}

describe("get", () => {
  it("--out into a missing directory fails before reading, naming the directory", async () => {
    const out = join(TMP, "missing", "x.npy");
    const r = await cli(["get", EGM96, "lat", "--out", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `error: cannot write "${out}": directory "${join(TMP, "missing")}" does not exist (ENOENT); create it first\n`,
    );
  });

  it("--flip-y draws the last row at the top of the .png", async () => {
    const plain = join(TMP, "plain.png");
    const flipped = join(TMP, "flipped.png");
    const args = ["get", EGM96, "geoid", "--select", "0:4, 0:3"];
    expect((await cli([...args, "--out", plain])).code).toBe(0);
    expect((await cli([...args, "--out", flipped, "--flip-y"])).code).toBe(0);
    const a = decode(readFileSync(plain));
    const b = decode(readFileSync(flipped));
    expect([b.width, b.height]).toEqual([3, 4]);
    const row = (img: typeof a, r: number) =>
      Array.from(img.data.subarray(r * img.width * 4, (r + 1) * img.width * 4));
    for (let r = 0; r < 4; r++) expect(row(b, r)).toEqual(row(a, 3 - r));
    expect(row(a, 0)).not.toEqual(row(a, 3));
  });

  it("--flip-y without .png output is a usage error", async () => {
    const r = await cli(["get", EGM96, "lat", "--flip-y"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--flip-y applies to \.png output only/);
  });

  it("a whole-array read is summarized by its name alone", async () => {
    const r = await cli(["get", EGM96, "multiscale/4"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe("multiscale/4: float32 [45, 90] (4,050 elements)");
  });

  it("the progress bar starts at the number of chunk tasks, not at 0/1", async () => {
    const r = await cli(["get", EGM96, "multiscale/0", "--select", "0:90, 0:180"], true);
    expect(r.code).toBe(0);
    const totals = [...r.progress.matchAll(/ (\d+)\/(\d+) chunks/g)].map((m) => Number(m[2]));
    expect(totals.length).toBeGreaterThan(0);
    // [0:90, 0:180] of chunks [45, 90]: 2 × 2 chunks.
    expect(new Set(totals)).toEqual(new Set([4]));
    expect(r.progress).toContain("Gmultiscale/0[0:90, 0:180] [");
  });
});

describe("run", () => {
  it("resolves relative store paths from the plan file's directory", async () => {
    const dir = mkdtempSync(join(TMP, "plan-"));
    const file = join(dir, "plan.json");
    writeFileSync(
      file,
      JSON.stringify({
        store: relative(dir, EGM96),
        reads: { lat: { array: "lat", ops: [{ get: ["0:3"] }] } },
      }),
    );
    const out = join(dir, "out");
    const r = await cli(["run", file, "--out", out]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lat = readNpy(readFileSync(join(out, "lat.npy")));
    expect(Array.from(lat.data as Float64Array)).toEqual([-90, -89.75, -89.5]);
  });
});

describe("selection errors", () => {
  it("name a non-integer and count offsets from 0", async () => {
    const frac = await cli(["get", EGM96, "lat", "--oindex", "[1, 2.5]"]);
    expect(frac.code).toBe(2);
    expect(frac.stderr).toBe(
      `error: --oindex: cannot parse selection "[1, 2.5]": 2.5 is not an integer at offset 4\n`,
    );
    const word = await cli(["get", EGM96, "lat", "--select", "a"]);
    expect(word.stderr).toBe(
      `error: --select: cannot parse selection "a": unexpected "a" at offset 0\n`,
    );
  });
});
