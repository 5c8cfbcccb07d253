/**
 * copyArray: re-chunking and re-sharding copies equal the source element for element, the
 * destination is only written (every object fully covered: no read of it), batches follow the
 * memory budget, and attributes, dimension names and fill value come along.
 */
import { describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import { cStrides } from "../../../src/core/ndarray.js";
import { Context } from "../../../src/exec/context.js";
import type { RequestLogEntry } from "../../../src/exec/scheduler.js";
import {
  type CopyArrayOptions,
  copyArray,
  createArray,
  openArray,
} from "../../../src/hierarchy/index.js";
import { slice } from "../../../src/index-space/selection.js";
import { MemoryStore } from "../../../src/store/memory.js";

const i32 = dataType("int32");
const isChunkKey = (k: string) => !/(zarr\.json|\.zarray|\.zattrs|\.zgroup|\.zmetadata)$/.test(k);

async function source(zarrFormat: 2 | 3, shards?: number[]) {
  const store = new MemoryStore();
  const a = await createArray(store, "src", {
    shape: [37, 23],
    chunks: [5, 4],
    ...(shards ? { shards } : {}),
    dtype: "int32",
    fillValue: -7,
    zarrFormat,
    attributes: { units: "m" },
    ...(zarrFormat === 3 ? { dimensionNames: ["y", "x"] } : {}),
  });
  const data = Int32Array.from({ length: 37 * 23 }, (_, i) => (i % 11 === 0 ? -7 : i));
  // Leave a region unwritten (fill value) so that some destination objects come out empty.
  await a
    .lazy()
    .get(slice(0, 30))
    .write({
      data: data.subarray(0, 30 * 23),
      shape: [30, 23],
      strides: cStrides([30, 23]),
      dtype: i32,
    });
  return { store, a };
}

describe("copyArray", () => {
  const cases: [string, 2 | 3, number[] | undefined, CopyArrayOptions & { chunks: number[] }][] = [
    ["v3 chunked → sharded", 3, undefined, { chunks: [4, 4], shards: [8, 12] }],
    ["v3 sharded → chunked", 3, [10, 8], { chunks: [7, 9], shards: null }],
    ["v3 sharded → resharded", 3, [10, 8], { chunks: [3, 3], shards: [9, 6] }],
    ["v2 → v3 sharded", 2, undefined, { chunks: [6, 6], shards: [12, 12], zarrFormat: 3 }],
    ["v3 → v2", 3, undefined, { chunks: [8, 8], zarrFormat: 2 }],
  ];
  for (const [name, zf, srcShards, opts] of cases) {
    it(`${name}: equal values, destination never read`, async () => {
      const { a } = await source(zf, srcShards);
      const log: RequestLogEntry[] = [];
      const context = new Context({ onRequest: (e) => log.push(e) });
      const dstStore = new MemoryStore();
      const r = await copyArray(a, dstStore, "copy", { ...opts, context, maxBytesInMemory: 2000 });
      const b = await openArray(dstStore, "copy");
      expect(Array.from((await b.read()).data as Int32Array)).toEqual(
        Array.from((await a.read()).data as Int32Array),
      );
      expect(b.fillValue).toBe(-7);
      expect(b.attributes).toMatchObject({ units: "m" });
      if (opts.zarrFormat !== 2 && zf === 3) {
        expect(b.dimensionNames).toEqual(["y", "x"]);
      }
      expect(b.chunks).toEqual([...opts.chunks]);
      // Written through the destination's Context: no read of a destination object.
      const dstReads = log.filter(
        (e) =>
          e.store === dstStore && (e.op === "get" || e.op === "getVersioned") && isChunkKey(e.key),
      );
      expect(dstReads).toEqual([]);
      const dstSets = log.filter(
        (e) => e.store === dstStore && e.op === "set" && isChunkKey(e.key),
      );
      expect(dstSets.length).toBeGreaterThan(0);
      expect(r.batches).toBeGreaterThan(1);
      const grid = b.chunkShape.map((c, d) => Math.ceil(b.shape[d]! / c));
      expect(r.objects).toBe(grid[0]! * grid[1]!);
    });
  }

  it("refuses a bad memory budget before creating anything", async () => {
    const { a } = await source(3);
    const dst = new MemoryStore();
    await expect(copyArray(a, dst, "c", { maxBytesInMemory: 0 })).rejects.toMatchObject({
      code: "ERR_OPTIONS",
    });
    expect(await dst.list("")).toEqual([]);
  });
});
