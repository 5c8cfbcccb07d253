/**
 * Decodes every stored chunk of the fixture stores (zarr-python, tensorstore, zarr_implementations;
 * Zarr v2 and v3) with the codec layer alone and compares it with the matching region of the
 * expected `.npy`. Also re-encodes each decoded chunk and decodes it again.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type NDArray, shapeSize } from "../../../src/core/ndarray.js";
import { createCodecPipeline } from "../../../src/format/codecs/index.js";
import { diff, FIXTURES, openFixture, slice } from "./helpers.js";
import { parseNpy } from "./npy.js";

interface ManifestArray {
  id: string;
  store: string;
  path: string;
  npy: string;
  shape: number[];
  stored_chunk_count: number;
}

const manifest = JSON.parse(readFileSync(join(FIXTURES, "manifest.json"), "utf8")) as {
  arrays: ManifestArray[];
};

function gridCoords(shape: readonly number[], chunks: readonly number[]): number[][] {
  const grid = shape.map((s, d) => Math.ceil(s / chunks[d]!));
  if (grid.some((g) => g === 0)) return [];
  const out: number[][] = [];
  const idx = grid.map(() => 0);
  for (;;) {
    out.push([...idx]);
    let k = grid.length - 1;
    for (; k >= 0; k--) {
      idx[k]!++;
      if (idx[k]! < grid[k]!) break;
      idx[k] = 0;
    }
    if (k < 0) return out;
  }
}

describe("fixture chunks decode to the expected values", () => {
  for (const entry of manifest.arrays) {
    it(entry.id, async () => {
      const fx = openFixture(join(entry.store, entry.path));
      const pipeline = createCodecPipeline(
        fx.codecs,
        { shape: fx.chunks, dataType: fx.dataType, fillValue: fx.fillValue },
        join(entry.store, entry.path, "zarr.json"),
      );
      const expected = parseNpy(readFileSync(join(FIXTURES, entry.npy)));
      let decodedChunks = 0;
      for (const coords of gridCoords(fx.shape, fx.chunks)) {
        const key = fx.key(coords);
        const file = join(fx.dir, key);
        if (!existsSync(file)) continue;
        const bytes = new Uint8Array(readFileSync(file));
        const chunk = await pipeline.decode(bytes, { key });
        expect(chunk.shape).toEqual(fx.chunks);
        const start = coords.map((c, d) => c * fx.chunks[d]!);
        const extent = start.map((s, d) => Math.min(fx.chunks[d]!, fx.shape[d]! - s));
        const region = (a: NDArray, origin: readonly number[]) => slice(a, origin, extent);
        const problem = diff(
          region(
            chunk,
            start.map(() => 0),
          ),
          region(expected, start),
        );
        expect(problem, `${entry.id} chunk ${key}`).toBeUndefined();
        // round trip through our encoder
        const again = await pipeline.decode(await pipeline.encode(chunk, { key }), { key });
        expect(diff(again, chunk), `${entry.id} chunk ${key} re-encoded`).toBeUndefined();
        decodedChunks++;
      }
      expect(decodedChunks).toBe(shapeSize(fx.shape) > 0 ? entry.stored_chunk_count : 0);
    });
  }
});
