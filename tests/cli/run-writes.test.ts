/**
 * `zarr-plan run` with a plan file's `writes`, in process (`main` from src/cli/program.ts): values
 * from `.npy` files beside the plan (written with the library's `writeNpy`) and scalars (`"NaN"`),
 * applied after the reads (which see the old values), the arrays afterwards equal to a reference
 * computed here with plain arrays; a write-only plan needs no `--out`; `--json` reports `written`;
 * errors name the array, the file, or the JSON path.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  createArray,
  dataType,
  FileSystemStore,
  type NDArray,
  openArray,
  readNpy,
  writeNpy,
} from "../../src/index.js";
import { cli } from "../helpers/cli.js";

const TMP = mkdtempSync(join(tmpdir(), "zarr-plan-run-writes-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const SHAPE = [6, 8] as const;
const SIZE = SHAPE[0] * SHAPE[1];
/** The initial value of element i of array `s` (float32) and `c` (int16). */
const initS = (i: number) => i + 0.5;
const initC = (i: number) => 100 + i;

function nd<D extends "float32" | "int16" | "float64">(
  dtype: D,
  shape: number[],
  f: (i: number) => number,
): NDArray<D> {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: n }, (_, i) => f(i));
  const data =
    dtype === "float32"
      ? Float32Array.from(values)
      : dtype === "int16"
        ? Int16Array.from(values)
        : Float64Array.from(values);
  const strides = shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
  return { data, shape, strides, dtype: dataType(dtype) } as unknown as NDArray<D>;
}

let n = 0;
/**
 * A directory with `data.zarr` holding `s` (float32 6 × 8, shards 3 × 4 of 3 × 2 inner chunks,
 * values `initS`) and `c` (int16 v2 6 × 8, chunks 4 × 4, values `initC`), and the plan file
 * `plan.json` with `plan` (its store `data.zarr`, relative to it).
 */
async function setup(plan: Record<string, unknown>, npy: Record<string, NDArray> = {}) {
  const dir = join(TMP, `case-${n++}`);
  const store = new FileSystemStore(join(dir, "data.zarr"));
  const s = await createArray(store, "s", {
    shape: SHAPE,
    chunks: [3, 2],
    shards: [3, 4],
    dtype: "float32",
  });
  await s.write(nd("float32", [...SHAPE], initS));
  const c = await createArray(store, "c", {
    shape: SHAPE,
    chunks: [4, 4],
    dtype: "int16",
    zarrFormat: 2,
  });
  await c.write(nd("int16", [...SHAPE], initC));
  for (const [name, a] of Object.entries(npy)) writeFileSync(join(dir, name), writeNpy(a));
  const file = join(dir, "plan.json");
  writeFileSync(file, JSON.stringify({ store: "data.zarr", ...plan }));
  return { dir, file, store };
}

async function readAll(store: FileSystemStore, path: string): Promise<number[]> {
  return Array.from((await (await openArray(store, path)).read()).data as ArrayLike<number>);
}

/** Same numbers, NaN equal to NaN. */
const same = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((x, i) => Object.is(x, b[i]) || x === b[i]);

const WRITES = [
  // Rows 0-1, every other column of s: values from v.npy (2 × 4).
  { array: "s", ops: [{ get: ["0:2", "::2"] }], value: { npy: "v.npy" } },
  // Two points of s, the second twice: NaN.
  {
    array: "s",
    ops: [
      {
        vindex: [
          [5, 4, 4],
          [7, 1, 1],
        ],
      },
    ],
    value: { scalar: "NaN" },
  },
  // Rows 0 and 5 × columns 1 and 6 of c, a row broadcast from r.npy ([2]).
  {
    array: "c",
    ops: [
      {
        oindex: [
          [0, 5],
          [1, 6],
        ],
      },
    ],
    value: { npy: "r.npy" },
  },
  // Rows 4: of c: a scalar.
  { array: "c", ops: [{ get: ["4:", ":"] }], value: { scalar: -3 } },
];
const V = () => nd("float32", [2, 4], (i) => -10 - i);
const R = () => nd("int16", [2], (i) => 7000 + i);

/** The arrays after WRITES, computed with plain arrays. */
function reference(): { s: number[]; c: number[] } {
  const [rows, cols] = SHAPE;
  const s = Array.from({ length: SIZE }, (_, i) => initS(i));
  const c = Array.from({ length: SIZE }, (_, i) => initC(i));
  const v = V().data;
  for (let r = 0; r < 2; r++) for (let k = 0; k < 4; k++) s[r * cols + 2 * k] = v[r * 4 + k]!;
  for (const [r, k] of [
    [5, 7],
    [4, 1],
  ] as const)
    s[r * cols + k] = Number.NaN;
  for (let r = 4; r < rows; r++) for (let k = 0; k < cols; k++) c[r * cols + k] = -3;
  // The oindex write comes before the scalar in the file, but row 5 is in both: the scalar wins.
  for (const r of [0, 5])
    for (const [j, k] of [1, 6].entries()) c[r * cols + k] = r === 5 ? -3 : R().data[j]!;
  return { s, c };
}

describe("zarr-plan run: plan files with writes", () => {
  it("applies the writes after the reads: the reads see the old values", async () => {
    const { dir, file, store } = await setup(
      {
        reads: {
          top: { array: "s", ops: [{ get: ["0:2", ":"] }] },
          pts: {
            array: "c",
            ops: [
              {
                vindex: [
                  [0, 5],
                  [1, 6],
                ],
              },
            ],
          },
        },
        writes: WRITES,
      },
      { "v.npy": V(), "r.npy": R() },
    );
    const out = join(dir, "out");
    const r = await cli(["run", file, "--out", out]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    // The reads: the values before the writes.
    const top = readNpy(readFileSync(join(out, "top.npy")));
    expect(Array.from(top.data as Float32Array)).toEqual(
      Array.from({ length: 16 }, (_, i) => initS(i)),
    );
    const pts = readNpy(readFileSync(join(out, "pts.npy")));
    expect(Array.from(pts.data as Int16Array)).toEqual([initC(1), initC(5 * 8 + 6)]);
    // The arrays afterwards: the reference.
    const want = reference();
    expect(same(await readAll(store, "s"), want.s)).toBe(true);
    expect(await readAll(store, "c")).toEqual(want.c);
    expect(r.stdout).toMatch(/^writes: \d+ objects stored, \d+ deleted, \d+ read first/m);
  });

  it("a write-only plan needs no --out; --json reports the objects written", async () => {
    const { file, store } = await setup({ writes: WRITES }, { "v.npy": V(), "r.npy": R() });
    const r = await cli(["run", file, "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      outputs: unknown[];
      written: Record<string, number>;
    };
    expect(doc.outputs).toEqual([]);
    // s: shards [0, 0], [0, 1] (rows 0-1) and [1, 0], [1, 1] (the points (4, 1), (5, 7));
    // c: chunks 0.0, 0.1 (row 0) and 1.0, 1.1 (rows 4-5, all their rows inside the array: fully
    // covered by the scalar write, so not read). 8 objects stored, 6 read first.
    expect(doc.written).toMatchObject({ stored: 8, deleted: 0, read: 6, conflicts: 0 });
    expect(doc.written.bytesStored).toBeGreaterThan(0);
    expect(doc.written.innerEncoded).toBeGreaterThan(0);
    const want = reference();
    expect(same(await readAll(store, "s"), want.s)).toBe(true);
    expect(await readAll(store, "c")).toEqual(want.c);
  });

  it("--json counts the requests of the reads and of the writes", async () => {
    const reads = { top: { array: "s", ops: [{ get: ["0:2", ":"] }] } };
    const readsOnly = await setup({ reads });
    const a = JSON.parse(
      (await cli(["run", readsOnly.file, "--out", join(readsOnly.dir, "out"), "--json"])).stdout,
    ) as { requests: number; stores: { store: string; requests: number }[] };
    const both = await setup({ reads, writes: [WRITES[2]] }, { "r.npy": R() });
    const r = await cli(["run", both.file, "--out", join(both.dir, "out"), "--json"]);
    expect(r.stderr).toBe("");
    const b = JSON.parse(r.stdout) as typeof a & { written: { read: number } };
    // One store, counted once: the reads' requests and the write's (as many as a write-only run:
    // the metadata of c and its 4 chunks read).
    expect(b.stores.map((x) => x.store)).toEqual(["data.zarr"]);
    expect(b.written.read).toBe(4);
    const wo = await setup({ writes: [WRITES[2]] }, { "r.npy": R() });
    const w = JSON.parse((await cli(["run", wo.file, "--json"])).stdout) as typeof a;
    expect(w.requests).toBeGreaterThan(b.written.read);
    expect(b.requests).toBe(a.requests + w.requests);
    expect(b.stores[0]!.requests).toBe(b.requests);
  });

  it("a plan that reads still needs --out", async () => {
    const { file } = await setup({
      reads: { top: { array: "s", ops: [] } },
      writes: [WRITES[1]],
    });
    const r = await cli(["run", file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--out DIR/);
  });
});

describe("zarr-plan run: errors of writes", () => {
  it("an .npy of another data type: exit code 1, the array named, nothing written", async () => {
    const { file, store } = await setup(
      { writes: [{ array: "s", ops: [{ get: ["0:2", "::2"] }], value: { npy: "v.npy" } }] },
      { "v.npy": nd("float64", [2, 4], (i) => i) },
    );
    const r = await cli(["run", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .*array "s".*float64.*float32/);
    expect(await readAll(store, "s")).toEqual(Array.from({ length: SIZE }, (_, i) => initS(i)));
  });

  it("a missing .npy file: the file named", async () => {
    const { file } = await setup({
      writes: [{ array: "s", ops: [], value: { npy: "missing.npy" } }],
    });
    const r = await cli(["run", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .*writes\[0\]\.value\.npy.*"missing\.npy"/);
  });

  it("an invalid writes member: a PlanFileError listing its JSON path", async () => {
    const { file } = await setup({
      writes: [
        { array: "s", ops: [], value: { scalar: "nan" } },
        { array: "c", ops: [{ get: ["0:1"] }], value: { npy: "" }, extra: 1 },
      ],
    });
    const r = await cli(["run", file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: Invalid plan file: /);
    expect(r.stderr).toContain("writes[0].value");
    expect(r.stderr).toContain("writes[1]");
  });

  it("a shape that does not broadcast is refused before anything is read or written", async () => {
    const { dir, file, store } = await setup(
      {
        reads: { top: { array: "s", ops: [{ get: ["0:2", ":"] }] } },
        writes: [{ array: "c", ops: [{ get: ["0:2", ":"] }], value: { npy: "r.npy" } }],
      },
      { "r.npy": nd("int16", [3], (i) => i) },
    );
    const r = await cli(["run", file, "--out", join(dir, "out")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/array "c".*could not broadcast shape \[3\]/);
    expect(await readAll(store, "c")).toEqual(Array.from({ length: SIZE }, (_, i) => initC(i)));
    // Refused while planning, before the reads: no output directory made.
    expect(existsSync(join(dir, "out"))).toBe(false);
  });

  it("a write that fails while running leaves the reads' files written", async () => {
    const { dir, file } = await setup({
      reads: { top: { array: "s", ops: [{ get: ["0:2", ":"] }] } },
      writes: [{ array: "c", ops: [{ get: [0, 0] }], value: { scalar: 1 } }],
    });
    // Chunk 0.0 of c is a directory: reading it to merge the write fails.
    rmSync(join(dir, "data.zarr/c/0.0"));
    mkdirSync(join(dir, "data.zarr/c/0.0"));
    const r = await cli(["run", file, "--out", join(dir, "out")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .*c\/0\.0/);
    const top = readNpy(readFileSync(join(dir, "out", "top.npy")));
    expect(Array.from(top.data as Float32Array)).toEqual(
      Array.from({ length: 16 }, (_, i) => initS(i)),
    );
  });
});
