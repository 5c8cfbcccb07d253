/**
 * Interop: every array of the round-trip write suite (data types × codecs incl. sharding, blosc,
 * gzip, zstd, zlib; float16, -0.0 and NaN fill values) written by zarr-plan to a directory is
 * read by tensorstore (through `read_tensorstore.py`) bit-exactly as zarr-plan wrote it.
 * Needs Python with tensorstore: `ZARR_PLAN_PYTHON`, else `/tmp/pb-venv/bin/python`; skipped
 * with that reason otherwise (CI has no Python).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toBytes } from "../../src/core/dtype.js";
import { toCOrder } from "../../src/core/ndarray.js";
import { FileSystemStore } from "../../src/store/fs.js";
import { hasTensorstore, PYTHON } from "../helpers/tensorstore-python.js";
import { writeCase, writeCases } from "../helpers/write-suite.js";

const SCRIPT = fileURLToPath(new URL("./read_tensorstore.py", import.meta.url));

const available = hasTensorstore();
const cases = writeCases();

/** NumPy's name of each data type as tensorstore returns it. */
const NUMPY: Record<string, string> = { bool: "bool" };

describe.skipIf(!available)(
  "tensorstore reads what zarr-plan writes (needs python with tensorstore)",
  () => {
    let root = "";
    let results: Record<
      string,
      { dtype?: string; shape?: number[]; data?: string; error?: string }
    > = {};
    beforeAll(async () => {
      root = mkdtempSync(join(tmpdir(), "zarr-plan-interop-"));
      const store = new FileSystemStore(root);
      for (const c of cases) await writeCase(store, c);
      const out = execFileSync(PYTHON, [SCRIPT, root, ...cases.map((c) => c.path)], {
        maxBuffer: 64 * 1024 * 1024,
      });
      results = JSON.parse(out.toString("utf8"));
    });
    afterAll(() => {
      if (root) rmSync(root, { recursive: true, force: true });
    });
    for (const c of cases) {
      if (c.path.endsWith("/zlib")) {
        // tensorstore (0.1.85) registers no zlib codec for zarr3 under any name: neither the
        // `numcodecs.zlib` zarr-plan writes (zarr-extensions' and zarr-python's name) nor `zlib`.
        it(`${c.path}: tensorstore has no v3 zlib codec ("numcodecs.zlib" is not registered)`, () => {
          expect(results[c.path]!.error).toMatch(/"numcodecs\.zlib" is not registered/);
        });
        continue;
      }
      it(c.path, () => {
        const r = results[c.path]!;
        expect(r.error).toBeUndefined();
        expect(r.dtype).toBe(NUMPY[c.dtype] ?? c.dtype);
        expect(r.shape).toEqual(c.expected.shape);
        const want = toCOrder(c.expected);
        expect(Buffer.from(r.data!, "base64")).toEqual(Buffer.from(toBytes(want.dtype, want.data)));
      });
    }
  },
);

it.skipIf(available)(
  "tensorstore interop (skipped: needs python with tensorstore at ZARR_PLAN_PYTHON or /tmp/pb-venv/bin/python)",
  () => {
    expect(available).toBe(false);
  },
);
