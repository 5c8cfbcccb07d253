/**
 * Conformance: arrays on the rectilinear chunk grid written by tests/fixtures/rectilinear/gen.py
 * (numpy + numcodecs, following zarr-extensions chunk-grids/rectilinear) read bit-exactly, and
 * zarr-plan writes the same chunk bytes for the uncompressed one.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import "../../../src/exec/execute.js";
import type { NDArray } from "../../../src/core/ndarray.js";
import { Context } from "../../../src/exec/context.js";
import { readNpy } from "../../../src/format/npy.js";
import { createArray, openArray } from "../../../src/hierarchy/index.js";
import { slice } from "../../../src/index-space/selection.js";
import { FileSystemStore } from "../../../src/store/fs.js";
import { MemoryStore } from "../../../src/store/memory.js";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "../../fixtures/rectilinear");
const manifest = JSON.parse(readFileSync(join(DIR, "manifest.json"), "utf8")) as Record<
  string,
  { grid: number[]; missing: number[] }
>;

/** The raw bytes of an NDArray's elements (C order, as stored in memory). */
const bytesOf = (a: NDArray) => {
  const d = a.data as ArrayBufferView;
  return Array.from(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
};

describe("rectilinear fixtures", () => {
  for (const [name, info] of Object.entries(manifest)) {
    it(`${name} reads bit-exactly`, async () => {
      const store = new FileSystemStore(DIR);
      const arr = await openArray(store, name);
      const expected = readNpy(new Uint8Array(readFileSync(join(DIR, `${name}.expected.npy`))));
      expect(arr.chunkGridShape).toEqual(info.grid);
      const got = await arr.read();
      expect(got.shape).toEqual(expected.shape);
      expect(got.dtype.name).toBe(expected.dtype.name);
      expect(bytesOf(got)).toEqual(bytesOf(expected));
      expect(await arr.readChunk(info.missing)).toBeUndefined();
      // A strided selection across chunks of different shapes.
      const sel = await arr
        .lazy()
        .get(slice(1, null, 2), slice(null, null, -3))
        .read();
      const want: number[] = [];
      const [rows, cols] = expected.shape as [number, number];
      for (let r = 1; r < rows; r += 2)
        for (let c = cols - 1; c >= 0; c -= 3) want.push(Number(expected.data[r * cols + c]));
      expect(Array.from(sel.data as ArrayLike<number>, Number)).toEqual(want);
    });
  }

  it("reads the same with every chunk decoded on workers (each at its own shape)", async () => {
    const context = new Context({ decodeWorkers: { workers: 1, minBytes: 0 } });
    try {
      const arr = await openArray(new FileSystemStore(DIR), "gzip_f4", { context });
      const expected = readNpy(new Uint8Array(readFileSync(join(DIR, "gzip_f4.expected.npy"))));
      expect(bytesOf(await arr.read())).toEqual(bytesOf(expected));
      expect(context.decodePool.offloaded).toBeGreaterThanOrEqual(8);
    } finally {
      context.close();
    }
  });

  it("zarr-plan writes the uncompressed fixture's chunks byte for byte", async () => {
    const fixture = await openArray(new FileSystemStore(DIR), "raw_i2_be");
    const mem = new MemoryStore();
    const doc = JSON.parse(readFileSync(join(DIR, "raw_i2_be/zarr.json"), "utf8"));
    const arr = await createArray(mem, "raw_i2_be", {
      shape: fixture.shape,
      dtype: "int16",
      endian: "big",
      compressor: null,
      fillValue: -1,
      chunkShapes: doc.chunk_grid.configuration.chunk_shapes,
    });
    const value = await fixture.read();
    await arr.write(value as never);
    const [gi, gj] = manifest.raw_i2_be!.grid as [number, number];
    for (let i = 0; i < gi; i++) {
      for (let j = 0; j < gj; j++) {
        const key = `raw_i2_be/c/${i}/${j}`;
        const ours = await mem.get(key);
        let theirs: Uint8Array | undefined;
        try {
          theirs = new Uint8Array(readFileSync(join(DIR, key)));
        } catch {
          theirs = undefined;
        }
        // The unwritten chunk reads as fill_value: zarr-plan deletes an all-fill chunk too.
        expect(ours === undefined ? undefined : Array.from(ours)).toEqual(
          theirs === undefined ? undefined : Array.from(theirs),
        );
      }
    }
  });
});
