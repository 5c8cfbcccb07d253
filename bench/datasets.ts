/**
 * Benchmark datasets, written by zarr-plan itself into `bench/.data/<size>/` (git-ignored).
 *
 * Every value is a formula of the coordinates, exact in float32, so every read is checkable:
 * `value(k, x) = (linear C-order index of x + 7919·k) mod 2^24`, `k` being the array's number in
 * its group (0 for single arrays).
 *
 * Layout of one size (`quick` or `full`), served as one store root:
 *
 * | path | full size | quick size |
 * |---|---|---|
 * | `sharded` | 8192² float32, 2048² shards of 256² inner chunks, zstd, crc32c index at the end | 1024², 256² shards of 64² |
 * | `unsharded` | 8192², 256² chunks, zstd | 1024², 64² chunks |
 * | `group8/a0`…`a7` | 8 arrays like `sharded` (k = 0…7) | idem, quick |
 * | `cube` | 365×720×1440 (time, lat, lon), 30×180×180 chunks | 36×90×180, 6×30×30 chunks |
 * | `cube_sharded` | the same, 120×360×360 shards of 30×180×180 | 24×60×60 shards of 6×30×30 |
 * | `many/m000`…`m099` | 100 arrays 64×64 (k = member number), no consolidated metadata | idem |
 * | `many_c/m000`…`m099` | the same, with inline consolidated metadata (zarr-python convention) | idem |
 *
 * Generation writes region by region (one shard at a time) to bound memory, and is skipped when
 * `stamp.json` records the same {@link DATASET_VERSION} and specification.
 * @module
 */

import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  createArray,
  createGroup,
  cStrides,
  dataType,
  FileSystemStore,
  type NDArray,
  type ZarrArray,
} from "../src/index.js";

/** Bump when the layout or the formula changes: existing data is then regenerated. */
export const DATASET_VERSION = 1;

/** Values are reduced modulo 2^24 so that every one is an exact float32 integer. */
const MOD = 2 ** 24;
/** Per-array offset of the value formula. */
const K_STEP = 7919;

export type SizeName = "quick" | "full";

/** Shapes of one dataset size. */
export interface DatasetSpec {
  size: SizeName;
  /** Side of the square 2-D arrays. */
  n: number;
  /** Shard side of the sharded 2-D arrays. */
  shard: number;
  /** Inner chunk side of the sharded 2-D arrays; chunk side of the unsharded one. */
  inner: number;
  /** Number of arrays in `group8`. */
  groupArrays: number;
  cubeShape: [number, number, number];
  cubeChunks: [number, number, number];
  cubeShards: [number, number, number];
  /** Number of members of `many` / `many_c`. */
  manyCount: number;
  manyShape: [number, number];
}

export const SPECS: Record<SizeName, DatasetSpec> = {
  full: {
    size: "full",
    n: 8192,
    shard: 2048,
    inner: 256,
    groupArrays: 8,
    cubeShape: [365, 720, 1440],
    cubeChunks: [30, 180, 180],
    cubeShards: [120, 360, 360],
    manyCount: 100,
    manyShape: [64, 64],
  },
  quick: {
    size: "quick",
    n: 1024,
    shard: 256,
    inner: 64,
    groupArrays: 8,
    cubeShape: [36, 90, 180],
    cubeChunks: [6, 30, 30],
    cubeShards: [24, 60, 60],
    manyCount: 100,
    manyShape: [64, 64],
  },
};

/** `bench/.data`. */
export const DATA_ROOT = join(dirname(fileURLToPath(import.meta.url)), ".data");

/** Directory of one size: the store root the server serves. */
export function datasetDir(size: SizeName): string {
  return join(DATA_ROOT, size);
}

/** Name of member `i` of `many` / `many_c`. */
export function memberName(i: number): string {
  return `m${String(i).padStart(3, "0")}`;
}

/** The value at C-order linear index `linear` of array number `k`. */
export function expectedValue(linear: number, k = 0): number {
  return (linear + K_STEP * k) % MOD;
}

/** C-order linear index of `coords` in `shape`. */
export function linearIndex(coords: readonly number[], shape: readonly number[]): number {
  let l = 0;
  for (let d = 0; d < shape.length; d++) l = l * shape[d]! + coords[d]!;
  return l;
}

/** The values of the box `[start, start + extent)` of array number `k` of shape `shape`, C order. */
export function regionValues(
  shape: readonly number[],
  start: readonly number[],
  extent: readonly number[],
  k = 0,
): Float32Array {
  const nd = shape.length;
  const size = extent.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  if (size === 0) return out;
  const strides = cStrides(shape);
  const idx = new Array<number>(nd).fill(0);
  const last = nd - 1;
  const runLen = extent[last]!;
  let o = 0;
  for (;;) {
    let base = K_STEP * k;
    for (let d = 0; d < nd; d++) base += (start[d]! + idx[d]!) * strides[d]!;
    for (let j = 0; j < runLen; j++) out[o++] = (base + j) % MOD;
    let d = last - 1;
    for (; d >= 0; d--) {
      idx[d]!++;
      if (idx[d]! < extent[d]!) break;
      idx[d] = 0;
    }
    if (d < 0) break;
  }
  return out;
}

/** Writes the formula values into `arr`, one `block`-shaped region at a time. */
async function fillArray(arr: ZarrArray, block: readonly number[], k: number): Promise<void> {
  const shape = arr.shape;
  const nd = shape.length;
  const grid = shape.map((s, d) => Math.ceil(s / block[d]!));
  const g = new Array<number>(nd).fill(0);
  const f32 = dataType("float32");
  for (;;) {
    const start = g.map((c, d) => c * block[d]!);
    const extent = start.map((s, d) => Math.min(block[d]!, shape[d]! - s));
    const data = regionValues(shape, start, extent, k);
    const value: NDArray = { data, shape: extent, strides: cStrides(extent), dtype: f32 };
    await arr.write(value, { start });
    let d = nd - 1;
    for (; d >= 0; d--) {
      g[d]!++;
      if (g[d]! < grid[d]!) break;
      g[d] = 0;
    }
    if (d < 0) break;
  }
}

/** Stamp recorded after a complete generation. */
function stampOf(spec: DatasetSpec): string {
  return JSON.stringify({ version: DATASET_VERSION, spec }, null, 2);
}

/** Whether the data of `size` is present and current. */
export async function isGenerated(size: SizeName): Promise<boolean> {
  const stamp = await readFile(join(datasetDir(size), "stamp.json"), "utf8").catch(() => "");
  return stamp === stampOf(SPECS[size]);
}

/**
 * Generates the datasets of `size` unless already present (same stamp). Returns whether it wrote.
 * `log` receives one line per array.
 */
export async function ensureDatasets(
  size: SizeName,
  log: (line: string) => void = () => {},
): Promise<boolean> {
  if (await isGenerated(size)) return false;
  const spec = SPECS[size];
  const dir = datasetDir(size);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const store = new FileSystemStore(dir);
  const t0 = performance.now();
  const step = async (name: string, run: () => Promise<void>) => {
    const t = performance.now();
    await run();
    log(`  ${name} (${((performance.now() - t) / 1000).toFixed(1)} s)`);
  };
  await createGroup(store, "");
  const { n, shard, inner } = spec;

  await step(`sharded ${n}² (${shard}² shards of ${inner}² chunks)`, async () => {
    const a = await createArray(store, "sharded", {
      shape: [n, n],
      chunks: [inner, inner],
      shards: [shard, shard],
      dtype: "float32",
    });
    await fillArray(a, [shard, shard], 0);
  });
  await step(`unsharded ${n}² (${inner}² chunks)`, async () => {
    const a = await createArray(store, "unsharded", {
      shape: [n, n],
      chunks: [inner, inner],
      dtype: "float32",
    });
    await fillArray(a, [shard, shard], 0);
  });
  await createGroup(store, "group8");
  for (let k = 0; k < spec.groupArrays; k++) {
    await step(`group8/a${k}`, async () => {
      const a = await createArray(store, `group8/a${k}`, {
        shape: [n, n],
        chunks: [inner, inner],
        shards: [shard, shard],
        dtype: "float32",
      });
      await fillArray(a, [shard, shard], k);
    });
  }
  await step(`cube ${spec.cubeShape.join("×")}`, async () => {
    const a = await createArray(store, "cube", {
      shape: spec.cubeShape,
      chunks: spec.cubeChunks,
      dtype: "float32",
      dimensionNames: ["time", "lat", "lon"],
    });
    await fillArray(a, spec.cubeShards, 0);
  });
  await step(`cube_sharded ${spec.cubeShape.join("×")}`, async () => {
    const a = await createArray(store, "cube_sharded", {
      shape: spec.cubeShape,
      chunks: spec.cubeChunks,
      shards: spec.cubeShards,
      dtype: "float32",
      dimensionNames: ["time", "lat", "lon"],
    });
    await fillArray(a, spec.cubeShards, 0);
  });
  for (const group of ["many", "many_c"]) {
    await step(`${group}: ${spec.manyCount} arrays ${spec.manyShape.join("×")}`, async () => {
      await createGroup(store, group);
      const docs: Record<string, unknown> = {};
      for (let i = 0; i < spec.manyCount; i++) {
        const name = memberName(i);
        const a = await createArray(store, `${group}/${name}`, {
          shape: spec.manyShape,
          dtype: "float32",
        });
        await fillArray(a, spec.manyShape, i);
        docs[name] = JSON.parse(await readFile(join(dir, group, name, "zarr.json"), "utf8"));
      }
      if (group === "many_c") {
        // zarr-python's inline consolidated metadata (what `zarr.consolidate_metadata` writes).
        const doc = {
          zarr_format: 3,
          node_type: "group",
          attributes: {},
          consolidated_metadata: { kind: "inline", must_understand: false, metadata: docs },
        };
        await writeFile(join(dir, group, "zarr.json"), JSON.stringify(doc, null, 2));
      }
    });
  }
  await writeFile(join(dir, "stamp.json"), stampOf(spec));
  log(`  done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return true;
}
