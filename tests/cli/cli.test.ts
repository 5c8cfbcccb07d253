/**
 * The `zarr-plan` command line, run as a real subprocess (the built bin, `node dist/cli/main.js`)
 * on the bundled fixtures and the EGM96 dataset, through the filesystem and a local HTTP server.
 * Expected values come from the fixtures' `.npy` files, sliced here independently of the library.
 *
 * `beforeAll` runs `tsc -p tsconfig.build.json` when `dist/cli/main.js` is missing or older than a
 * file of `src/` (about 10 s); a fresh build is reused. (`node --import tsx src/cli/main.ts` would
 * need no build but starts about 0.6 s slower per run, too slow for ~45 runs.)
 */
import { execFile } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decode } from "fast-png";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataType, type NDArray, readNpy, writeNpy } from "../../src/index.js";
import { VIRIDIS } from "../../src/present/colormap.js";
import { type StaticServer, startStaticServer } from "../helpers/static-server.js";

const ROOT = join(import.meta.dirname, "../..");
const DATA = join(ROOT, "data");
const FIX = join(DATA, "fixtures");
const EGM96 = join(DATA, "datasets/egm96.zarr");
const INT32 = join(FIX, "v3/zarr-python/dtype_int32.zarr");
const V3_GROUPS = join(FIX, "v3/zarr-python/group_hierarchy.zarr");
const V2_GROUPS = join(FIX, "v2/zarr-python/group_hierarchy.zarr");
const BIN = join(ROOT, "dist/cli/main.js");

/** Newest modification time (ms) of the files below `dir`. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds `dist/` with tsc unless `dist/cli/main.js` is newer than every source file. */
beforeAll(async () => {
  if (existsSync(BIN) && statSync(BIN).mtimeMs >= newestMtime(join(ROOT, "src"))) return;
  const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
  const result = await new Promise<string>((resolve) => {
    execFile(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: ROOT }, (_e, stdout) =>
      resolve(String(stdout)),
    );
  });
  // tsc emits even when some other module has type errors; the CLI must have been emitted afresh.
  if (!existsSync(BIN) || statSync(BIN).mtimeMs < newestMtime(join(ROOT, "src/cli"))) {
    throw new Error(`build of ${BIN} failed:\n${result}`);
  }
}, 120_000);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; never rejects (the exit code is part of the result). */
function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: "1" } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** Asserts a failed run: the exit code and exactly one `error: ...` line on stderr. */
function expectOneLineError(r: Run, code: number, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(pattern);
}

function expectOk(r: Run): void {
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
}

const tmp = mkdtempSync(join(tmpdir(), "zarr-plan-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const out = (name: string) => join(tmp, name);

function expected(id: string): NDArray {
  return readNpy(readFileSync(join(FIX, "expected", `${id}.npy`)));
}

/** Python `range(*slice(start, stop, step).indices(n))` for the slices the tests use. */
function sliceIndices(
  n: number,
  start: number | null,
  stop: number | null,
  step: number,
): number[] {
  const out: number[] = [];
  if (step > 0) for (let i = start ?? 0; i < (stop ?? n); i += step) out.push(i);
  else for (let i = start ?? n - 1; i > (stop ?? -1); i += step) out.push(i);
  return out;
}

/** Element values of a 2-D C-order array at the outer product of `rows` × `cols`. */
function take2d(a: NDArray, rows: number[], cols: number[]): (number | bigint)[] {
  const data = a.data as ArrayLike<number | bigint>;
  const w = a.shape[1]!;
  return rows.flatMap((r) => cols.map((c) => data[r * w + c]!));
}

function values(a: NDArray): (number | bigint)[] {
  return Array.from(a.data as ArrayLike<number | bigint>);
}

describe.concurrent("tree", () => {
  it("lists the EGM96 hierarchy with dtype, shape, chunks, shards and codecs", async () => {
    const r = await cli("tree", EGM96);
    expectOk(r);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/group, zarr v3, consolidated metadata$/);
    const geoid = lines.find((l) => l.includes("geoid"));
    expect(geoid).toMatch(
      /geoid\s+float32\s+\[721, 1440\]\s+chunks \[45, 90\]\s+shards \[180, 360\]\s+sharding_indexed\(bytes, zstd\)/,
    );
    expect(lines.some((l) => /^└── multiscale\/\s+group$/.test(l))).toBe(true);
    expect(lines.filter((l) => /^ {4}[├└]── \d\s+float32/.test(l))).toHaveLength(5);
  });

  it("--json: the v3 group hierarchy with the manifest's arrays, chunks and shards", async () => {
    const r = await cli("tree", V3_GROUPS, "--json");
    expectOk(r);
    interface Node {
      path: string;
      kind: string;
      chunks?: number[];
      shards?: number[] | null;
      children?: Node[];
    }
    const arrays: Node[] = [];
    const walk = (n: Node) => {
      if (n.kind === "array") arrays.push(n);
      n.children?.forEach(walk);
    };
    walk(JSON.parse(r.stdout) as Node);
    expect(arrays.map((a) => a.path).sort()).toEqual([
      "grp_a/arr_float64",
      "grp_a/sub_b/arr_sharded_int16",
      "grp_a/sub_b/arr_uint8_3d",
      "grp_c/arr_bool",
      "root_int32",
    ]);
    const sharded = arrays.find((a) => a.path.endsWith("arr_sharded_int16"))!;
    expect(sharded.chunks).toEqual([4, 5]);
    expect(sharded.shards).toEqual([8, 10]);
    expect(arrays.find((a) => a.path === "root_int32")!.shards).toBeNull();
  });

  it("a Zarr v2 hierarchy, from a sub-group", async () => {
    const r = await cli("tree", V2_GROUPS, "grp_a");
    expectOk(r);
    expect(r.stdout).toMatch(/grp_a\s+group, zarr v2/);
    expect(r.stdout).toMatch(
      /arr_int16\s+int16\s+\[16, 20\]\s+chunks \[4, 5\]\s+bytes, numcodecs.zlib/,
    );
    expect(r.stdout).toMatch(/arr_uint8_3d\s+uint8\s+\[3, 4, 5\]/);
    expect(r.stdout).not.toMatch(/root_int32/);
  });
});

describe.concurrent("info", () => {
  it("an array's metadata and attributes, readable", async () => {
    const r = await cli("info", EGM96, "geoid");
    expectOk(r);
    expect(r.stdout).toMatch(/^geoid: array \(zarr v3\)/);
    expect(r.stdout).toMatch(/shape\s+\[721, 1440\]\s+\(1,038,240 elements/);
    expect(r.stdout).toMatch(/chunks\s+\[45, 90\]/);
    expect(r.stdout).toMatch(/shards\s+\[180, 360\]\s+\(grid 5 × 4 = 20\)/);
    expect(r.stdout).toMatch(/fill value\s+NaN/);
    expect(r.stdout).toMatch(/dimensions\s+lat, lon/);
    expect(r.stdout).toMatch(/zstd\(level=3, checksum=false\)/);
    expect(r.stdout).toMatch(/units: "m"/);
  });

  it("a group: members and attributes", async () => {
    const r = await cli("info", EGM96);
    expectOk(r);
    expect(r.stdout).toMatch(/^\/: group \(zarr v3\)/);
    expect(r.stdout).toMatch(
      /members\s+geoid \(array\), lat \(array\), lon \(array\), multiscale \(group\)/,
    );
    expect(r.stdout).toMatch(/Conventions: "CF-1.8"/);
  });

  it("--json prints zarr.json as stored (v3)", async () => {
    const r = await cli("info", V3_GROUPS, "grp_a/sub_b/arr_sharded_int16", "--json");
    expectOk(r);
    const raw = readFileSync(join(V3_GROUPS, "grp_a/sub_b/arr_sharded_int16/zarr.json"), "utf8");
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(raw));
  });

  it("--json merges .zarray and .zattrs (v2)", async () => {
    const r = await cli("info", V2_GROUPS, "grp_a/arr_float64", "--json");
    expectOk(r);
    const dir = join(V2_GROUPS, "grp_a/arr_float64");
    const zarray = JSON.parse(readFileSync(join(dir, ".zarray"), "utf8")) as object;
    const zattrs = JSON.parse(readFileSync(join(dir, ".zattrs"), "utf8")) as object;
    expect(JSON.parse(r.stdout)).toEqual({ ...zarray, attributes: zattrs });
  });
});

describe.concurrent("get", () => {
  // dtype_int32 is 13 × 17; '1:10:2, ::-1' → rows 1, 3, 5, 7, 9 and columns 16 … 0.
  const rows = sliceIndices(13, 1, 10, 2);
  const cols = sliceIndices(17, null, null, -1);

  it(".npy equals the fixture's .npy sliced the same way", async () => {
    const file = out("int32.npy");
    const r = await cli("get", INT32, "--select", "1:10:2, ::-1", "--out", file);
    expectOk(r);
    expect(r.stdout).toMatch(/int32 \[5, 17\] \(85 elements\) → /);
    const got = readNpy(readFileSync(file));
    expect(got.dtype.name).toBe("int32");
    expect([...got.shape]).toEqual([5, 17]);
    expect(values(got)).toEqual(take2d(expected("v3/zarr-python/dtype_int32"), rows, cols));
  });

  it(".json: shape, dtype and nested lists", async () => {
    const file = out("int32.json");
    expectOk(await cli("get", INT32, "--select", "1:10:2, ::-1", "--out", file));
    const doc = JSON.parse(readFileSync(file, "utf8")) as {
      shape: number[];
      dtype: string;
      data: number[][];
    };
    expect(doc.shape).toEqual([5, 17]);
    expect(doc.dtype).toBe("int32");
    expect(doc.data).toHaveLength(5);
    expect(doc.data.flat()).toEqual(take2d(expected("v3/zarr-python/dtype_int32"), rows, cols));
  });

  it(".json: NaN as a string", async () => {
    const nanFile = out("nan.json");
    expectOk(
      await cli(
        "get",
        join(FIX, "v3/zarr-python/missing_chunks_float64_fill_nan.zarr"),
        "--out",
        nanFile,
      ),
    );
    const nan = JSON.parse(readFileSync(nanFile, "utf8")) as { data: (number | string)[][] };
    const exp = values(expected("v3/zarr-python/missing_chunks_float64_fill_nan")) as number[];
    expect(nan.data.flat()).toEqual(exp.map((v) => (Number.isNaN(v) ? "NaN" : v)));
  });

  it(".csv: one line per row", async () => {
    const file = out("int32.csv");
    expectOk(await cli("get", INT32, "--select", "1:10:2, ::-1", "--out", file));
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(5);
    expect(lines.flatMap((l) => l.split(",").map(Number))).toEqual(
      take2d(expected("v3/zarr-python/dtype_int32"), rows, cols),
    );
  });

  it(".png: a valid image of the selection's size, viridis colors, NaN transparent", async () => {
    const exp = values(expected("v3/zarr-python/missing_chunks_float64_fill_nan")) as number[];
    const finite = exp.filter((v) => !Number.isNaN(v));
    const vmin = Math.min(...finite);
    const vmax = (vmin + Math.max(...finite)) / 2; // the upper half saturates
    const file = out("nan.png");
    const store = join(FIX, "v3/zarr-python/missing_chunks_float64_fill_nan.zarr");
    expectOk(
      await cli("get", store, "--vmin", String(vmin), "--vmax", String(vmax), "--out", file),
    );
    const bytes = readFileSync(file);
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(bytes.toString("latin1", 12, 16)).toBe("IHDR");
    expect(bytes.readUInt32BE(16)).toBe(24); // width
    expect(bytes.readUInt32BE(20)).toBe(20); // height
    const png = decode(bytes);
    expect(png.channels).toBe(4);
    const px = Array.from(png.data);
    const rgba = exp.flatMap((v) => {
      if (Number.isNaN(v)) return [0, 0, 0, 0];
      const k = Math.min(255, Math.max(0, Math.floor(((v - vmin) / (vmax - vmin)) * 256)));
      return [...VIRIDIS.subarray(3 * k, 3 * k + 3), 255];
    });
    expect(px).toEqual(rgba);
    expect(exp.some(Number.isNaN)).toBe(true);
  });

  it("--oindex and --vindex with index lists", async () => {
    const e = expected("v3/zarr-python/dtype_int32");
    const ofile = out("oindex.npy");
    expectOk(await cli("get", INT32, "--oindex", "[0, 5, 7], [1, 3, 16]", "--out", ofile));
    const o = readNpy(readFileSync(ofile));
    expect([...o.shape]).toEqual([3, 3]);
    expect(values(o)).toEqual(take2d(e, [0, 5, 7], [1, 3, 16]));

    const vfile = out("vindex.npy");
    expectOk(await cli("get", INT32, "--vindex", "[0, 5, 7], [1, 3, 16]", "--out", vfile));
    const v = readNpy(readFileSync(vfile));
    expect([...v.shape]).toEqual([3]);
    expect(values(v)).toEqual([
      ...take2d(e, [0], [1]),
      ...take2d(e, [5], [3]),
      ...take2d(e, [7], [16]),
    ]);
  });

  it("--select, then --oindex, then --mask, in that order", async () => {
    const e = expected("v3/zarr-python/dtype_int32");
    // select rows 1, 3, 5, 7, 9 reversed columns; oindex keeps rows 0 and 4 of that → source rows 1, 9.
    const sel = take2d(e, [1, 9], cols);
    const maskValues = sel.map((v) => Number(v) % 3 === 0);
    const mask: NDArray = {
      data: Uint8Array.from(maskValues, (b) => (b ? 1 : 0)),
      shape: [2, 17],
      strides: [17, 1],
      dtype: dataType("bool"),
    };
    const maskFile = out("mask.npy");
    writeFileSync(maskFile, writeNpy(mask));
    const file = out("masked.npy");
    expectOk(
      await cli(
        "get",
        INT32,
        "-s",
        "1:10:2, ::-1",
        "--oindex",
        "[0, 4]",
        "--mask",
        maskFile,
        "--out",
        file,
      ),
    );
    const got = readNpy(readFileSync(file));
    expect(values(got)).toEqual(sel.filter((_, i) => maskValues[i]));
  });

  it("without --out: a summary line and the values as JSON", async () => {
    const r = await cli("get", EGM96, "lat", "--oindex", "[0, 360, 720]");
    expectOk(r);
    const [summary, ...rest] = r.stdout.trimEnd().split("\n");
    expect(summary).toBe("lat.oindex[[0, 360, 720]]: float64 [3] (3 elements)");
    expect(JSON.parse(rest.join("\n"))).toEqual([-90, 0, 90]);

    const big = await cli("get", EGM96, "geoid", "-s", "::8, ::8");
    expectOk(big);
    expect(big.stdout).toMatch(/float32 \[91, 180\] \(16,380 elements\)\nmin -?\d/);
    expect(big.stdout).toMatch(/values not printed/);
  });
});

describe.concurrent("explain", () => {
  it("prints the view and the shards and chunks it touches", async () => {
    const r = await cli("explain", EGM96, "geoid", "--select", "100:200, ::-4");
    expectOk(r);
    expect(r.stdout).toMatch(/geoid\[100:200, ::-4\]: float32 \[100, 360\]/);
    // rows 100–199: shard rows 0–1 (of 180), chunk rows 2–4 (of 45); every column.
    expect(r.stdout).toMatch(/touches\s+8 of 20 shards, 48 of 272 chunks/);
  });

  it("--json", async () => {
    const r = await cli(
      "explain",
      EGM96,
      "geoid",
      "--vindex",
      "[0, 360, 720], [0, 720, 1439]",
      "--json",
    );
    expectOk(r);
    const e = JSON.parse(r.stdout) as {
      view: { shape: number[] };
      touched: { chunks: { touched: number } };
    };
    expect(e.view.shape).toEqual([3]);
    expect(e.touched.chunks.touched).toBe(3);
  });
});

describe.concurrent("over HTTP", () => {
  let server: StaticServer;
  beforeAll(async () => {
    server = await startStaticServer(DATA);
  });
  afterAll(() => server.close());

  it("tree of a consolidated store", async () => {
    const r = await cli("tree", `${server.url}datasets/egm96.zarr`);
    expectOk(r);
    expect(r.stdout).toMatch(
      /geoid\s+float32\s+\[721, 1440\]\s+chunks \[45, 90\]\s+shards \[180, 360\]/,
    );
  });

  it("info --json", async () => {
    const r = await cli("info", `${server.url}fixtures/v3/zarr-python/dtype_int32.zarr`, "--json");
    expectOk(r);
    expect(JSON.parse(r.stdout)).toEqual(
      JSON.parse(readFileSync(join(INT32, "zarr.json"), "utf8")),
    );
  });

  it("get reads the same values as through the filesystem", async () => {
    const viaHttp = out("http.npy");
    const viaFs = out("fs.npy");
    const sel = ["geoid", "--select", "100:300:3, -1:0:-7"];
    const [a, b] = await Promise.all([
      cli("get", `${server.url}datasets/egm96.zarr`, ...sel, "--out", viaHttp),
      cli("get", EGM96, ...sel, "--out", viaFs),
    ]);
    expectOk(a);
    expectOk(b);
    expect(readFileSync(viaHttp).equals(readFileSync(viaFs))).toBe(true);

    const fixture = out("http-int32.npy");
    expectOk(
      await cli(
        "get",
        `${server.url}fixtures/v3/zarr-python/dtype_int32.zarr`,
        "-s",
        "1:10:2, ::-1",
        "--out",
        fixture,
      ),
    );
    expect(values(readNpy(readFileSync(fixture)))).toEqual(
      take2d(
        expected("v3/zarr-python/dtype_int32"),
        sliceIndices(13, 1, 10, 2),
        sliceIndices(17, null, null, -1),
      ),
    );
  });

  it("tree of a store that cannot be listed fails with one line", async () => {
    expectOneLineError(
      await cli("tree", `${server.url}fixtures/v3/zarr-python/group_hierarchy.zarr`),
      1,
      /cannot list/,
    );
  });
});

describe.concurrent("errors: one line on stderr, exit code 1 (runtime) or 2 (usage)", () => {
  it("unknown command", async () => {
    expectOneLineError(await cli("tre", EGM96), 2, /unknown command 'tre'.*tree/);
  });
  it("unsupported output extension", async () => {
    expectOneLineError(
      await cli("get", INT32, "--out", out("x.txt")),
      2,
      /unsupported extension "\.txt"/,
    );
  });
  it("selection text that does not parse", async () => {
    expectOneLineError(
      await cli("get", INT32, "--select", "1:2:3:4"),
      2,
      /--select: cannot parse selection/,
    );
  });
  it("index out of bounds", async () => {
    expectOneLineError(
      await cli("get", EGM96, "geoid", "--select", "900, 0"),
      1,
      /array "geoid": index 900 is out of bounds/,
    );
  });
  it("missing store", async () => {
    expectOneLineError(await cli("info", join(DATA, "no-such.zarr")), 1, /does not exist/);
  });
  it("missing node", async () => {
    expectOneLineError(await cli("get", EGM96, "nope"), 1, /no Zarr array or group at "nope"/);
  });
  it("a group where an array is needed", async () => {
    expectOneLineError(await cli("get", EGM96, "multiscale"), 1, /is a group, not an array/);
  });
  it("a 1-D selection to .png", async () => {
    expectOneLineError(
      await cli("get", EGM96, "lat", "--out", out("x.png")),
      2,
      /\.png output needs a 2-D/,
    );
  });
  it("a bad option value", async () => {
    expectOneLineError(
      await cli("get", INT32, "--vmin", "abc", "--out", out("x.png")),
      2,
      /--vmin/,
    );
  });
  it("10,000 nested '[' in --select / --vindex: one line naming the offset, no stack overflow", async () => {
    const deep = `${"[".repeat(10_000)}0${"]".repeat(10_000)}`;
    for (const flag of ["--select", "--vindex"]) {
      expectOneLineError(
        await cli("get", INT32, flag, deep),
        2,
        new RegExp(`${flag}: cannot parse selection .*nested deeper than 32 levels at offset 32`),
      );
    }
  });
  it('tree of a group whose consolidated metadata lists "" and "a/": ends, listing the others', async () => {
    const dir = out("hostile.zarr");
    mkdirSync(dir, { recursive: true });
    const group = { zarr_format: 3, node_type: "group", attributes: {} };
    writeFileSync(
      join(dir, "zarr.json"),
      JSON.stringify({
        ...group,
        consolidated_metadata: {
          kind: "inline",
          must_understand: false,
          metadata: { "": group, a: group, "a/": group, "a/b": group },
        },
      }),
    );
    const r = await cli("tree", dir, "--json");
    expectOk(r);
    const t = JSON.parse(r.stdout) as {
      children: { name: string; children: { name: string }[] }[];
    };
    expect(t.children.map((c) => c.name)).toEqual(["a"]);
    expect(t.children[0]!.children.map((c) => c.name)).toEqual(["b"]);
  });
  it("tree shows a member of an unsupported data type as unsupported, with the reason", async () => {
    for (const consolidated of [false, true]) {
      const dir = out(`unsupported-${consolidated}.zarr`);
      mkdirSync(join(dir, "ok"), { recursive: true });
      mkdirSync(join(dir, "odd"), { recursive: true });
      const array = {
        zarr_format: 3,
        node_type: "array",
        shape: [2],
        data_type: "uint8",
        chunk_grid: { name: "regular", configuration: { chunk_shape: [2] } },
        chunk_key_encoding: { name: "default" },
        fill_value: 0,
        codecs: [{ name: "bytes" }],
      };
      const odd = { ...array, data_type: "made.up.type" };
      const group = { zarr_format: 3, node_type: "group", attributes: {} };
      writeFileSync(join(dir, "ok/zarr.json"), JSON.stringify(array));
      writeFileSync(join(dir, "odd/zarr.json"), JSON.stringify(odd));
      writeFileSync(
        join(dir, "zarr.json"),
        JSON.stringify(
          consolidated
            ? {
                ...group,
                consolidated_metadata: {
                  kind: "inline",
                  must_understand: false,
                  metadata: { ok: array, odd },
                },
              }
            : group,
        ),
      );
      const text = await cli("tree", dir);
      expectOk(text);
      expect(text.stdout).toMatch(
        /odd\s+unsupported \(ERR_UNSUPPORTED_DATA_TYPE\).*made\.up\.type/,
      );
      expect(text.stdout).toMatch(/ok\s+uint8/);
      const r = await cli("tree", dir, "--json");
      expectOk(r);
      const t = JSON.parse(r.stdout) as {
        children: { name: string; kind: string; error?: { code: string } }[];
      };
      expect(t.children.map((c) => [c.name, c.kind, c.error?.code])).toEqual([
        ["odd", "invalid", "ERR_UNSUPPORTED_DATA_TYPE"],
        ["ok", "array", undefined],
      ]);
    }
  });
  it("--verbose adds the stack trace", async () => {
    const r = await cli("get", EGM96, "geoid", "--select", "900", "--verbose");
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n")[0]).toMatch(/^error: array "geoid": index 900/);
    expect(r.stderr).toMatch(/\n\s+at /);
  });
});

describe("run: saved plan files", () => {
  const planFile = (name: string, body: unknown) => {
    writeFileSync(out(name), JSON.stringify(body));
    return out(name);
  };
  const body = (store: string) => ({
    store,
    reads: {
      region: { array: "geoid", ops: [{ get: ["500:510", "680:700:2"] }] },
      points: {
        array: "geoid",
        ops: [
          {
            vindex: [
              [10, 300, 700],
              [5, 720, 1439],
            ],
          },
        ],
      },
      lat: { array: "lat", ops: [{ get: ["500:510"] }] },
    },
  });
  const expectedGeoid = () => readNpy(readFileSync(join(DATA, "datasets/egm96_geoid.npy")));

  async function check(dir: string): Promise<void> {
    const g = expectedGeoid().data as Float32Array;
    const region = readNpy(readFileSync(join(dir, "region.npy")));
    expect(region.shape).toEqual([10, 10]);
    const r = region.data as Float32Array;
    for (let i = 0; i < 10; i++)
      for (let j = 0; j < 10; j++) expect(r[i * 10 + j]).toBe(g[(500 + i) * 1440 + 680 + 2 * j]);
    const pts = readNpy(readFileSync(join(dir, "points.npy"))).data as Float32Array;
    expect(Array.from(pts)).toEqual([g[10 * 1440 + 5], g[300 * 1440 + 720], g[700 * 1440 + 1439]]);
    expect(readNpy(readFileSync(join(dir, "lat.npy"))).shape).toEqual([10]);
  }

  it("through the filesystem, with --json figures", async () => {
    const r = await cli("run", planFile("p.json", body(EGM96)), "--out", out("run-fs"), "--json");
    expectOk(r);
    const figures = JSON.parse(r.stdout) as {
      requests: number;
      bytes: number;
      wallMs: number;
      outputs: unknown[];
    };
    expect(figures.outputs).toHaveLength(3);
    expect(figures.requests).toBeGreaterThan(0);
    expect(figures.bytes).toBeGreaterThan(0);
    await check(out("run-fs"));
  });
  it("through HTTP", async () => {
    const server = await startStaticServer(join(DATA, "datasets"));
    try {
      const r = await cli(
        "run",
        planFile("p-http.json", body(`${server.url}egm96.zarr/`)),
        "--out",
        out("run-http"),
      );
      expectOk(r);
      expect(r.stdout).toMatch(/region: float32 \[10, 10\]/);
      await check(out("run-http"));
    } finally {
      await server.close();
    }
  });
  it("a bad plan file is one line, naming the offending member", async () => {
    expectOneLineError(
      await cli("run", planFile("bad.json", { store: 3 }), "--out", out("x")),
      1,
      /store/,
    );
    expectOneLineError(
      await cli(
        "run",
        planFile("bad2.json", {
          store: EGM96,
          reads: { a: { array: "geoid", ops: [{ get: ["0:1:0", 0] }] } },
        }),
        "--out",
        out("x"),
      ),
      1,
      /step|0:1:0/,
    );
  });
  it("read names that would share an output file are refused before anything is read", async () => {
    const missing = join(DATA, "no-such.zarr"); // opening it would fail: the check comes first
    const r = await cli(
      "run",
      planFile("clash.json", {
        store: missing,
        reads: {
          "a/b": { array: "x", ops: [] },
          a_b: { array: "x", ops: [] },
          "a\\b": { array: "x", ops: [] },
          T: { array: "x", ops: [] },
          t: { array: "x", ops: [] },
          ok: { array: "x", ops: [] },
        },
      }),
      "--out",
      out("clash"),
    );
    expectOneLineError(
      r,
      1,
      /reads would be written to the same file: "a\/b", "a_b", "a\\\\b" → a_b\.npy; "T", "t" → T\.npy/,
    );
    expect(existsSync(out("clash"))).toBe(false);
  });
  it("a plan file that is not JSON", async () => {
    writeFileSync(out("nojson.json"), "{ nope");
    expectOneLineError(
      await cli("run", out("nojson.json"), "--out", out("x")),
      1,
      /cannot read plan/,
    );
  });
});
