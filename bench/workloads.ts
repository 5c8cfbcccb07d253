/**
 * The benchmark workloads (issue 6). Each has a zarr-plan implementation through the public API, a
 * zarrita.js implementation (emulating what zarrita lacks the way its users do, see
 * {@link Workload.zarritaMethod}), and an exact check against the coordinate formula of
 * `datasets.ts`. Every run opens its arrays cold (the open is part of the measured time).
 *
 * Sizes follow the dataset size: region sides are the shard side (W1, W1x) or two inner chunks
 * (W5), so the full size reads the 2048² and 512² regions of the issue and the quick size 256² and
 * 128²; point and row/column counts are the same at both sizes.
 * @module
 */

import * as zarr from "zarrita";
import * as zp from "../src/index.js";
import {
  type ZarritaArray,
  type ZarritaClient,
  type ZarrPlanClient,
  zarrPlanPlan,
} from "./clients.js";
import {
  type DatasetSpec,
  expectedValue,
  linearIndex,
  memberName,
  regionValues,
} from "./datasets.js";

/** Everything a run needs. */
export interface RunContext {
  /** Base URL of the benchmark server (the dataset root), ending in `/`. */
  url: string;
  spec: DatasetSpec;
  /** Aborted when the run times out. */
  signal: AbortSignal;
  /** zarrita's per-point W3 reads only this many points (0: all), and is extrapolated. */
  zarritaPointCap: number;
}

/** A strided array of numbers (zarr-plan NDArray or zarrita Chunk, normalized). */
export interface Values {
  data: ArrayLike<number>;
  shape: readonly number[];
  strides: readonly number[];
  offset?: number;
}

/** What a run returns, for the check. */
export interface RunOutput {
  /** One result per array read (W5: 8). */
  values: Values[];
  /** W7: the opened arrays. */
  opened?: { shape: readonly number[] }[];
  /**
   * Share of the workload actually run (default 1). Below 1, the time is extrapolated by
   * `1 / fraction` (requests and bytes are reported as measured) and the result is marked.
   */
  fraction?: number;
  /** How the result was obtained, when it matters (e.g. "plan" / "Promise.all"). */
  note?: string;
  /** The part run when `fraction < 1`, e.g. "500 points". */
  part?: string;
}

/** Expected values of one array read. */
export interface Expected {
  shape: number[];
  values: Float32Array;
}

export interface Workload {
  id: string;
  /** One-line description for the table, for this dataset size. */
  title(spec: DatasetSpec): string;
  zarrPlan(client: ZarrPlanClient, ctx: RunContext): Promise<RunOutput>;
  zarrita(client: ZarritaClient, ctx: RunContext): Promise<RunOutput>;
  /** How the zarrita implementation works when zarrita has no such selection. */
  zarritaMethod?: string;
  /** `undefined` when `out` is exactly right, else what is wrong. */
  check(out: RunOutput, spec: DatasetSpec): string | undefined;
}

// ---------------------------------------------------------------------------------------------
// helpers

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` distinct integers of `[0, n)` in random order. */
function distinct(count: number, n: number, seed: number): Int32Array {
  const r = rng(seed);
  const seen = new Set<number>();
  const out = new Int32Array(Math.min(count, n));
  let k = 0;
  while (k < out.length) {
    const v = Math.floor(r() * n);
    if (!seen.has(v)) {
      seen.add(v);
      out[k++] = v;
    }
  }
  return out;
}

/** `count` random points of `[0, n)²` (duplicates possible). */
function points(count: number, n: number, seed: number): { rows: Int32Array; cols: Int32Array } {
  const r = rng(seed);
  const rows = new Int32Array(count);
  const cols = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    rows[i] = Math.floor(r() * n);
    cols[i] = Math.floor(r() * n);
  }
  return { rows, cols };
}

function cStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d]!;
  }
  return s;
}

function fromNd(a: zp.NDArray): Values {
  return {
    data: a.data as ArrayLike<number>,
    shape: a.shape,
    strides: a.strides,
    offset: a.offset ?? 0,
  };
}

function fromChunk(c: zarr.Chunk<zarr.DataType>): Values {
  return { data: c.data as ArrayLike<number>, shape: c.shape, strides: c.stride, offset: 0 };
}

function flat(values: Float32Array, shape: number[]): Values {
  return { data: values, shape, strides: cStrides(shape) };
}

/** Compares `got` with `want` exactly (first `limit` entries along axis 0 when given). */
function compare(got: Values, want: Expected, limit?: number): string | undefined {
  const shape = [...want.shape];
  if (limit !== undefined && shape.length > 0) shape[0] = Math.min(shape[0]!, limit);
  if (got.shape.length !== shape.length || got.shape.some((s, d) => s !== shape[d])) {
    return `shape [${got.shape.join(", ")}], expected [${shape.join(", ")}]`;
  }
  const nd = shape.length;
  const size = shape.reduce((a, b) => a * b, 1);
  const idx = new Array<number>(nd).fill(0);
  const off0 = got.offset ?? 0;
  for (let i = 0; i < size; i++) {
    let o = off0;
    for (let d = 0; d < nd; d++) o += idx[d]! * got.strides[d]!;
    const g = Number(got.data[o]);
    const w = want.values[i]!;
    if (g !== w) return `value ${g} at [${idx.join(", ")}], expected ${w}`;
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]!++;
      if (idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return undefined;
}

function checkAll(out: RunOutput, expected: Expected[]): string | undefined {
  if (out.values.length !== expected.length) {
    return `${out.values.length} results, expected ${expected.length}`;
  }
  const fraction = out.fraction ?? 1;
  for (let i = 0; i < expected.length; i++) {
    const want = expected[i]!;
    const limit = fraction < 1 ? out.values[i]!.shape[0] : undefined;
    const err = compare(out.values[i]!, want, limit);
    if (err) return expected.length > 1 ? `array ${i}: ${err}` : err;
  }
  return undefined;
}

/** Caches the expected values per dataset size. */
function memo(make: (spec: DatasetSpec) => Expected[]): (spec: DatasetSpec) => Expected[] {
  const cache = new Map<string, Expected[]>();
  return (spec) => {
    let v = cache.get(spec.size);
    if (!v) {
      v = make(spec);
      cache.set(spec.size, v);
    }
    return v;
  };
}

function regionExpected(
  shape: readonly number[],
  start: readonly number[],
  extent: readonly number[],
  k = 0,
): Expected {
  return { shape: [...extent], values: regionValues(shape, start, extent, k) };
}

async function zpArray(c: ZarrPlanClient, ctx: RunContext, path: string): Promise<zp.ZarrArray> {
  return zp.openArray(c.store(ctx.url), path, { signal: ctx.signal });
}

async function zrArray(c: ZarritaClient, ctx: RunContext, path: string): Promise<ZarritaArray> {
  return c.openArray(c.store(ctx.url), path, ctx.signal);
}

// ---------------------------------------------------------------------------------------------
// workloads

/** A box read of `path` (W1, W1x and their unsharded variants). */
function regionWorkload(
  id: string,
  path: string,
  describe: string,
  box: (spec: DatasetSpec) => { start: [number, number]; extent: [number, number] },
): Workload {
  const expected = memo((spec) => {
    const { start, extent } = box(spec);
    return [regionExpected([spec.n, spec.n], start, extent)];
  });
  return {
    id,
    title: (spec) => {
      const { start, extent } = box(spec);
      return `${describe} ${extent.join("×")} at [${start.join(", ")}] of \`${path}\``;
    },
    async zarrPlan(c, ctx) {
      const { start, extent } = box(ctx.spec);
      const a = await zpArray(c, ctx, path);
      const v = a
        .lazy()
        .get(zp.slice(start[0], start[0] + extent[0]), zp.slice(start[1], start[1] + extent[1]));
      return { values: [fromNd(await v.read({ signal: ctx.signal }))] };
    },
    async zarrita(c, ctx) {
      const { start, extent } = box(ctx.spec);
      const a = await zrArray(c, ctx, path);
      const out = await zarr.get(
        a,
        [zarr.slice(start[0], start[0] + extent[0]), zarr.slice(start[1], start[1] + extent[1])],
        { signal: ctx.signal },
      );
      return { values: [fromChunk(out)] };
    },
    check: (out, spec) => checkAll(out, expected(spec)),
  };
}

const alignedBox = (spec: DatasetSpec) => ({
  start: [spec.shard, 2 * spec.shard] as [number, number],
  extent: [spec.shard, spec.shard] as [number, number],
});

/** [3000, 5000] at full size, scaled: aligned to neither shards nor inner chunks. */
const unalignedBox = (spec: DatasetSpec) => ({
  start: [Math.round((spec.n * 3000) / 8192), Math.round((spec.n * 5000) / 8192)] as [
    number,
    number,
  ],
  extent: [spec.shard, spec.shard] as [number, number],
});

const W1 = regionWorkload("W1", "sharded", "shard-aligned region", alignedBox);
const W1x = regionWorkload("W1x", "sharded", "non-aligned region", unalignedBox);
const W1u = regionWorkload("W1u", "unsharded", "region", alignedBox);

function strideWorkload(id: string, path: string): Workload {
  const step = 8;
  const expected = memo((spec) => {
    const m = Math.ceil(spec.n / step);
    const values = new Float32Array(m * m);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < m; j++) values[i * m + j] = expectedValue(i * step * spec.n + j * step);
    return [{ shape: [m, m], values }];
  });
  return {
    id,
    title: (spec) =>
      `every ${step}th row and column of \`${path}\` (${spec.n}² → ${Math.ceil(spec.n / step)}²)`,
    async zarrPlan(c, ctx) {
      const a = await zpArray(c, ctx, path);
      const v = a.lazy().get(zp.slice(null, null, step), zp.slice(null, null, step));
      return { values: [fromNd(await v.read({ signal: ctx.signal }))] };
    },
    async zarrita(c, ctx) {
      const a = await zrArray(c, ctx, path);
      const n = ctx.spec.n;
      const out = await zarr.get(a, [zarr.slice(0, n, step), zarr.slice(0, n, step)], {
        signal: ctx.signal,
      });
      return { values: [fromChunk(out)] };
    },
    check: (out, spec) => checkAll(out, expected(spec)),
  };
}

const W2 = strideWorkload("W2", "sharded");

/** Random points (vindex); zarrita: one `zarr.get` per point, all concurrently. */
function pointsWorkload(id: string, path: string, count: number, seed: number): Workload {
  const pts = memo((spec) => {
    const { rows, cols } = points(count, spec.n, seed);
    const values = new Float32Array(count);
    for (let i = 0; i < count; i++) values[i] = expectedValue(rows[i]! * spec.n + cols[i]!);
    return [
      { shape: [count], values, rows, cols } as Expected & { rows: Int32Array; cols: Int32Array },
    ];
  });
  const coords = (spec: DatasetSpec) =>
    pts(spec)[0] as Expected & { rows: Int32Array; cols: Int32Array };
  return {
    id,
    title: (spec) =>
      `${count.toLocaleString("en")} random points (vindex) of \`${path}\` (${spec.n}²)`,
    zarritaMethod:
      "one `zarr.get(arr, [i, j])` per point, all issued at once (`Promise.all`), as zarrita users do",
    async zarrPlan(c, ctx) {
      const { rows, cols } = coords(ctx.spec);
      const a = await zpArray(c, ctx, path);
      const v = a.lazy().vindex(rows, cols);
      return { values: [fromNd(await v.read({ signal: ctx.signal }))] };
    },
    async zarrita(c, ctx) {
      const { rows, cols } = coords(ctx.spec);
      const cap = ctx.zarritaPointCap > 0 ? Math.min(ctx.zarritaPointCap, count) : count;
      const a = await zrArray(c, ctx, path);
      const got = await Promise.all(
        Array.from({ length: cap }, (_, i) =>
          zarr.get(a, [rows[i]!, cols[i]!], { signal: ctx.signal }),
        ),
      );
      const values = Float32Array.from(got, (x) => Number(x));
      return {
        values: [flat(values, [cap])],
        fraction: cap / count,
        note: cap < count ? `time of the first ${cap} points ×${count / cap}` : undefined,
        part: cap < count ? `${cap} points` : undefined,
      };
    },
    check: (out, spec) => checkAll(out, pts(spec)),
  };
}

const W3 = pointsWorkload("W3", "sharded", 10_000, 3);
const W3s = pointsWorkload("W3s", "sharded", 200, 33);

/** Orthogonal selection of random rows × random columns. */
function oindexWorkload(id: string, path: string, nRows: number, nCols: number): Workload {
  const sel = memo((spec) => {
    const rows = distinct(nRows, spec.n, 4);
    const cols = distinct(nCols, spec.n, 44);
    const values = new Float32Array(rows.length * cols.length);
    for (let i = 0; i < rows.length; i++)
      for (let j = 0; j < cols.length; j++)
        values[i * cols.length + j] = expectedValue(rows[i]! * spec.n + cols[j]!);
    return [
      { shape: [rows.length, cols.length], values, rows, cols } as Expected & {
        rows: Int32Array;
        cols: Int32Array;
      },
    ];
  });
  const indices = (spec: DatasetSpec) =>
    sel(spec)[0] as Expected & { rows: Int32Array; cols: Int32Array };
  return {
    id,
    title: (spec) =>
      `oindex of ${nRows} random rows × ${nCols} random columns (unsorted) of \`${path}\` (${spec.n}²)`,
    zarritaMethod:
      "per touched chunk: one `zarr.get` of the bounding box of the selected rows × columns inside each chunk that holds some, all at once, then a gather",
    async zarrPlan(c, ctx) {
      const { rows, cols } = indices(ctx.spec);
      const a = await zpArray(c, ctx, path);
      const v = a.lazy().oindex(rows, cols);
      return { values: [fromNd(await v.read({ signal: ctx.signal }))] };
    },
    async zarrita(c, ctx) {
      const { rows, cols } = indices(ctx.spec);
      const a = await zrArray(c, ctx, path);
      const [cr, cc] = a.chunks as [number, number];
      const group = (idx: Int32Array, cs: number) => {
        const m = new Map<number, number[]>();
        idx.forEach((v, pos) => {
          const key = Math.floor(v / cs);
          let l = m.get(key);
          if (!l) {
            l = [];
            m.set(key, l);
          }
          l.push(pos);
        });
        return m;
      };
      const rowGroups = [...group(rows, cr).values()];
      const colGroups = [...group(cols, cc).values()];
      const out = new Float32Array(rows.length * cols.length);
      const nc = cols.length;
      const tasks: Promise<void>[] = [];
      for (const rg of rowGroups) {
        const rmin = Math.min(...rg.map((p) => rows[p]!));
        const rmax = Math.max(...rg.map((p) => rows[p]!));
        for (const cg of colGroups) {
          const cmin = Math.min(...cg.map((p) => cols[p]!));
          const cmax = Math.max(...cg.map((p) => cols[p]!));
          tasks.push(
            zarr
              .get(a, [zarr.slice(rmin, rmax + 1), zarr.slice(cmin, cmax + 1)], {
                signal: ctx.signal,
              })
              .then((box) => {
                const d = box.data as ArrayLike<number>;
                const [s0, s1] = box.stride as [number, number];
                for (const rp of rg) {
                  const base = (rows[rp]! - rmin) * s0;
                  for (const cp of cg)
                    out[rp * nc + cp] = Number(d[base + (cols[cp]! - cmin) * s1]);
                }
              }),
          );
        }
      }
      await Promise.all(tasks);
      return { values: [flat(out, [rows.length, nc])] };
    },
    check: (out, spec) => checkAll(out, sel(spec)),
  };
}

const W4 = oindexWorkload("W4", "sharded", 300, 300);

/** The same box of every array of `group8`, in one plan when zarr-plan exports `plan`. */
const W5: Workload = (() => {
  const box = (spec: DatasetSpec) => ({
    start: [spec.shard + 2 * spec.inner, 2 * spec.shard + spec.inner] as [number, number],
    extent: [2 * spec.inner, 2 * spec.inner] as [number, number],
  });
  const names = (spec: DatasetSpec) =>
    Array.from({ length: spec.groupArrays }, (_, k) => `group8/a${k}`);
  const expected = memo((spec) => {
    const { start, extent } = box(spec);
    return names(spec).map((_, k) => regionExpected([spec.n, spec.n], start, extent, k));
  });
  return {
    id: "W5",
    title: (spec) => {
      const { start, extent } = box(spec);
      return `the same ${extent.join("×")} region at [${start.join(", ")}] of the ${spec.groupArrays} arrays of \`group8\`, one plan`;
    },
    zarritaMethod: "one `zarr.get` per array, all at once (`Promise.all`)",
    async zarrPlan(c, ctx) {
      const { start, extent } = box(ctx.spec);
      const store = c.store(ctx.url);
      const arrays = await Promise.all(
        names(ctx.spec).map((p) => zp.openArray(store, p, { signal: ctx.signal })),
      );
      const views = arrays.map((a) =>
        a
          .lazy()
          .get(zp.slice(start[0], start[0] + extent[0]), zp.slice(start[1], start[1] + extent[1])),
      );
      const plan = zarrPlanPlan();
      if (plan) {
        const reads: Record<string, zp.LazyArray> = {};
        views.forEach((v, k) => {
          reads[`a${k}`] = v;
        });
        const res = await plan(reads).read({ signal: ctx.signal });
        const get = (name: string) => (res instanceof Map ? res.get(name) : res[name]);
        return {
          values: views.map((_, k) => {
            const r = get(`a${k}`);
            if (!r) throw new Error(`plan result has no "a${k}"`);
            return fromNd(r);
          }),
          note: "plan",
        };
      }
      const res = await Promise.all(views.map((v) => v.read({ signal: ctx.signal })));
      return { values: res.map(fromNd), note: "Promise.all (no `plan` export yet)" };
    },
    async zarrita(c, ctx) {
      const { start, extent } = box(ctx.spec);
      const store = c.store(ctx.url);
      const res = await Promise.all(
        names(ctx.spec).map(async (p) => {
          const a = await c.openArray(store, p, ctx.signal);
          return zarr.get(
            a,
            [
              zarr.slice(start[0], start[0] + extent[0]),
              zarr.slice(start[1], start[1] + extent[1]),
            ],
            { signal: ctx.signal },
          );
        }),
      );
      return { values: res.map(fromChunk) };
    },
    check: (out, spec) => checkAll(out, expected(spec)),
  };
})();

/** The full time series at one (lat, lon) of the cube. */
function seriesWorkload(id: string, path: string): Workload {
  const at = (spec: DatasetSpec) => {
    const [, ny, nx] = spec.cubeShape;
    return [Math.round(ny * 0.42) + 1, Math.round(nx * 0.6) + 3] as [number, number];
  };
  const expected = memo((spec) => {
    const [nt] = spec.cubeShape;
    const [y, x] = at(spec);
    const values = new Float32Array(nt);
    for (let t = 0; t < nt; t++) values[t] = expectedValue(linearIndex([t, y, x], spec.cubeShape));
    return [{ shape: [nt], values }];
  });
  return {
    id,
    title: (spec) =>
      `time series (${spec.cubeShape[0]}) at (lat, lon) = (${at(spec).join(", ")}) of \`${path}\` ${spec.cubeShape.join("×")}`,
    async zarrPlan(c, ctx) {
      const [y, x] = at(ctx.spec);
      const a = await zpArray(c, ctx, path);
      return {
        values: [fromNd(await a.lazy().get(zp.slice(), y, x).read({ signal: ctx.signal }))],
      };
    },
    async zarrita(c, ctx) {
      const [y, x] = at(ctx.spec);
      const a = await zrArray(c, ctx, path);
      return { values: [fromChunk(await zarr.get(a, [null, y, x], { signal: ctx.signal }))] };
    },
    check: (out, spec) => checkAll(out, expected(spec)),
  };
}

const W6 = seriesWorkload("W6", "cube");
const W6s = seriesWorkload("W6s", "cube_sharded");

/** Opening every member of a group of 100 arrays (names known: HTTP has no listing). */
function openManyWorkload(id: string, group: string, consolidated: boolean): Workload {
  return {
    id,
    title: (spec) =>
      `open the group \`${group}\` and its ${spec.manyCount} member arrays, ${consolidated ? "with" : "without"} consolidated metadata`,
    zarritaMethod: consolidated
      ? "`zarr.withConsolidatedMetadata` on the group's store, then `zarr.open` of the group and of each member"
      : "`zarr.open` of the group, then of every member by name, all at once",
    async zarrPlan(c, ctx) {
      const store = c.store(`${ctx.url}${group}/`);
      const g = await zp.openGroup(store, "", { signal: ctx.signal });
      let arrays: zp.ZarrNode[];
      if (consolidated) arrays = [...(await g.members({ signal: ctx.signal })).values()];
      else {
        const names = Array.from({ length: ctx.spec.manyCount }, (_, i) => memberName(i));
        arrays = await Promise.all(names.map((n) => g.open(n, { signal: ctx.signal })));
      }
      return {
        values: [],
        opened: arrays.map((a) => ({ shape: a instanceof zp.ZarrArray ? a.shape : [] })),
      };
    },
    async zarrita(c, ctx) {
      let store = c.store(`${ctx.url}${group}/`);
      if (consolidated) store = await c.withConsolidated(store);
      const g = await c.openGroup(store, "", ctx.signal);
      const names = Array.from({ length: ctx.spec.manyCount }, (_, i) => memberName(i));
      const arrays = await Promise.all(
        names.map((n) => c.openArray(store, g.resolve(n).path.slice(1), ctx.signal)),
      );
      return { values: [], opened: arrays.map((a) => ({ shape: a.shape })) };
    },
    check(out, spec) {
      const opened = out.opened ?? [];
      if (opened.length !== spec.manyCount)
        return `${opened.length} members opened, expected ${spec.manyCount}`;
      const bad = opened.findIndex(
        (o) => o.shape.length !== 2 || o.shape.some((s, d) => s !== spec.manyShape[d]),
      );
      return bad >= 0 ? `member ${bad} has shape [${opened[bad]!.shape.join(", ")}]` : undefined;
    },
  };
}

const W7 = openManyWorkload("W7", "many", false);
const W7c = openManyWorkload("W7c", "many_c", true);

/** Every workload, in report order. */
export const WORKLOADS: readonly Workload[] = [W1, W1x, W1u, W2, W3, W3s, W4, W5, W6, W6s, W7, W7c];
