/**
 * Interop: arrays resized and appended to by zarr-plan (v2, v3, sharded; shrink then grow) open in
 * tensorstore with the new shape and the values zarr-plan reads (through `read_tensorstore.py`).
 * Needs Python with tensorstore: `ZARR_PLAN_PYTHON`, else `/tmp/pb-venv/bin/python`; skipped with
 * that reason otherwise (CI has no Python).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataType } from "../../src/core/dtype.js";
import { createArray, type ZarrArray } from "../../src/hierarchy/index.js";
import { FileSystemStore } from "../../src/store/fs.js";
import { hasTensorstore, PYTHON } from "../helpers/tensorstore-python.js";

const SCRIPT = fileURLToPath(new URL("./read_tensorstore.py", import.meta.url));

const available = hasTensorstore();
const int32 = dataType("int32");
const nd = (shape: number[], f: (i: number) => number) => {
  const n = shape.reduce((a, b) => a * b, 1);
  const strides = shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
  return { data: Int32Array.from({ length: n }, (_, i) => f(i)), shape, strides, dtype: int32 };
};

/** The arrays of the test: made, resized and appended to by zarr-plan. */
const CASES: Record<string, (store: FileSystemStore, path: string) => Promise<ZarrArray>> = {
  "v3/shrink-grow": async (store, path) => {
    const a = await createArray(store, path, { shape: [7, 5], chunks: [3, 2], dtype: "int32" });
    await a.write(nd([7, 5], (i) => i + 1));
    return (await a.resize([4, 3])).resize([8, 6]);
  },
  "v2/append": async (store, path) => {
    const a = await createArray(store, path, {
      shape: [2, 3],
      chunks: [2, 2],
      dtype: "int32",
      fillValue: -1,
      zarrFormat: 2,
    });
    await a.write(nd([2, 3], (i) => i));
    return (await a.append(nd([3, 3], (i) => 100 + i))).append(
      nd([5, 1], (i) => 200 + i),
      1,
    );
  },
  "v3/sharded": async (store, path) => {
    const a = await createArray(store, path, {
      shape: [20],
      chunks: [2],
      shards: [8],
      dtype: "int32",
    });
    await a.write(nd([20], (i) => i * 3));
    return (await a.resize([11])).resize([17]);
  },
};

describe.skipIf(!available)(
  "tensorstore opens what zarr-plan resized (needs python with tensorstore)",
  () => {
    let root = "";
    const arrays: Record<string, ZarrArray> = {};
    let results: Record<string, { shape?: number[]; data?: string; error?: string }> = {};
    beforeAll(async () => {
      root = mkdtempSync(join(tmpdir(), "zarr-plan-resize-interop-"));
      const store = new FileSystemStore(root);
      for (const [path, make] of Object.entries(CASES)) arrays[path] = await make(store, path);
      const out = execFileSync(PYTHON, [SCRIPT, root, ...Object.keys(CASES)], {
        maxBuffer: 16 * 1024 * 1024,
      });
      results = JSON.parse(out.toString("utf8"));
    });
    afterAll(() => {
      if (root) rmSync(root, { recursive: true, force: true });
    });
    for (const path of Object.keys(CASES)) {
      it(path, async () => {
        const r = results[path]!;
        expect(r.error).toBeUndefined();
        const a = arrays[path]!;
        expect(r.shape).toEqual(a.shape);
        const mine = (await a.read()).data as Int32Array;
        const bytes = Uint8Array.from(Buffer.from(r.data!, "base64")); // its own, aligned buffer
        expect(Array.from(new Int32Array(bytes.buffer))).toEqual(Array.from(mine));
      });
    }
  },
);

it.skipIf(available)(
  "tensorstore resize interop (skipped: needs python with tensorstore at ZARR_PLAN_PYTHON or /tmp/pb-venv/bin/python)",
  () => {
    expect(available).toBe(false);
  },
);
