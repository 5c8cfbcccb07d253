/**
 * Conformance of the numcodecs filters against bytes numcodecs wrote
 * (tests/fixtures/codecs, written by tests/fixtures/codecs/gen.py): every v2 and v3 array reads
 * exactly as numcodecs decodes it; zarr-plan encodes each array's input into exactly the chunk
 * bytes numcodecs wrote; refused codecs fail with a typed error naming the reason.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { isZarrPlanError } from "../../src/core/errors.js";
import { readNpy } from "../../src/format/npy.js";
import { openArray } from "../../src/hierarchy/index.js";
import { FileSystemStore } from "../../src/store/fs.js";
import { MemoryStore } from "../../src/store/memory.js";
import { diffArrays } from "../helpers/compare.js";

const ROOT = join(import.meta.dirname, "../fixtures/codecs");
const manifest = JSON.parse(readFileSync(join(ROOT, "manifest.json"), "utf8")) as {
  arrays: { name: string; shape: number[]; compressor: { id: string } | null }[];
  refused: string[];
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

describe("refused codecs fail with the reason", () => {
  for (const name of manifest.refused) {
    it(`v2/${name}`, async () => {
      const store = new FileSystemStore(join(ROOT, "v2"));
      const err = await openArray(store, name).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isZarrPlanError(err, "ERR_UNKNOWN_CODEC")).toBe(true);
      expect(String((err as Error).message)).toMatch(/not supported: .+/);
    });
  }
});
