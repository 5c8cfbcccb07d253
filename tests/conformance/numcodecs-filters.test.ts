/**
 * Conformance of the numcodecs filters against bytes numcodecs wrote
 * (tests/fixtures/codecs, written by tests/fixtures/codecs/gen.py): every v2 and v3 array reads
 * exactly as numcodecs decodes it; zarr-plan encodes each array's input into exactly the chunk
 * bytes numcodecs wrote; bz2 (read-only) reads exactly and refuses writes with the reason.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { isZarrPlanError } from "../../src/core/errors.js";
import { readNpy } from "../../src/format/npy.js";
import { createArray, openArray } from "../../src/hierarchy/index.js";
import { FileSystemStore } from "../../src/store/fs.js";
import { MemoryStore } from "../../src/store/memory.js";
import { diffArrays } from "../helpers/compare.js";

const ROOT = join(import.meta.dirname, "../fixtures/codecs");
const manifest = JSON.parse(readFileSync(join(ROOT, "manifest.json"), "utf8")) as {
  arrays: { name: string; shape: number[]; compressor: { id: string } | null }[];
  readOnly: string[];
};

/** Every stored chunk key of a fixture array (v2 `.`-keys or v3 `c/…` keys). */
function chunkKeys(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const key = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...chunkKeys(dir, key));
    else if (!e.name.startsWith(".") && e.name !== "zarr.json") out.push(key);
  }
  return out;
}

describe("numcodecs filters: arrays written by numcodecs read exactly", () => {
  it("the manifest lists the generated arrays", () => {
    expect(manifest.arrays.length).toBeGreaterThanOrEqual(17);
  });
  for (const entry of manifest.arrays) {
    for (const format of ["v2", "v3"] as const) {
      it(`${format}/${entry.name}`, async () => {
        const store = new FileSystemStore(join(ROOT, format));
        const arr = await openArray(store, entry.name);
        expect([...arr.shape]).toEqual(entry.shape);
        const expected = readNpy(readFileSync(join(ROOT, "expected", `${entry.name}.npy`)));
        expect(diffArrays(await arr.read(), expected)).toBeUndefined();
      });
    }
  }
});

describe("numcodecs filters: zarr-plan writes the chunk bytes numcodecs wrote", () => {
  for (const entry of manifest.arrays) {
    for (const format of ["v2", "v3"] as const) {
      it(`${format}/${entry.name}`, async () => {
        const dir = join(ROOT, format, entry.name);
        const target = new MemoryStore();
        for (const doc of [".zarray", "zarr.json"]) {
          if (existsSync(join(dir, doc)))
            await target.set(`a/${doc}`, readFileSync(join(dir, doc)));
        }
        const copy = await openArray(target, "a");
        await copy.write(readNpy(readFileSync(join(ROOT, "input", `${entry.name}.npy`))) as never);
        const keys = chunkKeys(dir);
        expect(keys.length).toBeGreaterThan(0);
        for (const key of keys) {
          const written = (await target.get(`a/${key}`))!;
          const stored = new Uint8Array(readFileSync(join(dir, key)));
          // zlib streams differ in their header's level bits between compressors: compare content.
          const zlib = entry.compressor?.id === "zlib";
          expect(zlib ? inflateSync(written) : written, key).toEqual(
            zlib ? inflateSync(stored) : stored,
          );
        }
      });
    }
  }
});

describe("read-only codecs: read exactly, writing refused with the reason", () => {
  for (const name of manifest.readOnly) {
    it(`v2/${name}`, async () => {
      const arr = await openArray(new FileSystemStore(join(ROOT, "v2")), name);
      const expected = readNpy(readFileSync(join(ROOT, "expected", `${name}.npy`)));
      expect(diffArrays(await arr.read(), expected)).toBeUndefined();
      const target = new MemoryStore();
      await target.set("a/.zarray", readFileSync(join(ROOT, "v2", name, ".zarray")));
      const copy = await openArray(target, "a");
      const err = await copy.write(expected as never).catch((e: unknown) => e);
      expect(isZarrPlanError(err, "ERR_CODEC")).toBe(true);
      expect(String((err as Error).message)).toMatch(/not supported/);
      expect(await target.get("a/0")).toBeUndefined();
    });
  }
});

describe("numcodecs reads the filters zarr-plan writes (v2 filters, v3 numcodecs.* codecs)", () => {
  const python = process.env.ZARR_PLAN_PYTHON ?? "/tmp/pb-venv/bin/python";
  const hasNumcodecs =
    existsSync(python) && spawnSync(python, ["-c", "import numcodecs"]).status === 0;
  const helper = join(import.meta.dirname, "../helpers/numcodecs-read.py");
  const values = Array.from({ length: 23 }, (_, i) => 1000 + Math.sin(i) * 50);
  const fso = { offset: 1000, scale: 10, dtype: "<f8", astype: "<i2" };
  const cases: [string, Record<string, unknown>][] = [
    [
      "v2 fixedscaleoffset + shuffle + adler32, zlib",
      {
        zarrFormat: 2,
        filters: [
          { name: "fixedscaleoffset", configuration: fso },
          { name: "shuffle", configuration: { elementsize: 2 } },
          { name: "adler32" },
        ],
        compressor: { name: "zlib", configuration: { level: 1 } },
      },
    ],
    [
      "v2 quantize + fletcher32",
      {
        zarrFormat: 2,
        filters: [
          { name: "quantize", configuration: { digits: 2, dtype: "<f8" } },
          { name: "fletcher32" },
        ],
        compressor: null,
      },
    ],
    [
      "v3 numcodecs.fixedscaleoffset before bytes, numcodecs.shuffle + crc32 after",
      {
        zarrFormat: 3,
        codecs: [
          { name: "numcodecs.fixedscaleoffset", configuration: fso },
          { name: "bytes", configuration: { endian: "little" } },
          { name: "numcodecs.shuffle", configuration: { elementsize: 2 } },
          { name: "numcodecs.crc32", configuration: { location: "end" } },
        ],
      },
    ],
    [
      "v3 numcodecs.bitround + numcodecs.astype before bytes",
      {
        zarrFormat: 3,
        codecs: [
          { name: "numcodecs.bitround", configuration: { keepbits: 8 } },
          { name: "numcodecs.astype", configuration: { encode_dtype: "<f4", decode_dtype: "<f8" } },
          { name: "bytes", configuration: { endian: "little" } },
        ],
      },
    ],
  ];
  for (const [label, options] of cases) {
    it.skipIf(!hasNumcodecs)(`${label} (needs python with numcodecs)`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "zp-filters-"));
      const a = await createArray(new FileSystemStore(dir), "a", {
        shape: [values.length],
        chunks: [10],
        dtype: "float64",
        ...options,
      } as never);
      await a.write({
        data: Float64Array.from(values),
        shape: [values.length],
        strides: [1],
        dtype: a.dtype,
      } as never);
      const ours = Array.from((await a.read()).data as Float64Array);
      const r = spawnSync(python, [helper, join(dir, "a")]);
      expect(r.stderr.toString()).toBe("");
      expect(JSON.parse(r.stdout.toString())).toEqual(ours);
    });
  }
});
