/**
 * Interop: arrays written by write plans open in tensorstore with the values zarr-plan reads back
 * and the values of a reference model (`tests/property/numpy-ref.ts`: each selection applied to
 * an array of flat positions says where each selected element goes; values are broadcast as NumPy
 * does and assigned in order, the last write winning).
 *
 * Arrays: sharded v3 (index at the end and at the start, inner chunks zstd / blosc), chunked v3
 * (gzip, zstd) and v2 (blosc, zstd); int16, float32 (fill value NaN), float64, uint8; shapes that
 * leave partial edge shards and chunks. Each gets: a whole-array write (every object fully
 * covered), one plan of a stepped `get`, an `oindex` with a repeated index, a `vindex` with
 * repeated points and a mask, then single writes of a row broadcast, a column broadcast, a scalar
 * region and a `get` chained with `vindex`, and last a plan writing the fill value over a whole
 * edge shard / chunk (deleted) and over one inner chunk (left out of its shard's index).
 *
 * Second part: write plans into sharded arrays tensorstore and zarr-python wrote (the bundled
 * fixtures, copied; index at the end and at the start, transpose + big endian, nested sharding):
 * a few points, a box and one inner chunk of fill value, read-modify-written with the untouched
 * inner chunks copied as those writers stored them. Read back against the reference always (no
 * Python needed), and by tensorstore when available.
 *
 * Needs Python with tensorstore: `ZARR_PLAN_PYTHON`, else `/tmp/pb-venv/bin/python`; skipped with
 * that reason otherwise (CI has no Python). One Python run reads every array of a part.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DataTypeName, dataType, type Scalar, viewAs } from "../../src/core/dtype.js";
import { cStrides, type NDArray } from "../../src/core/ndarray.js";
import { planWrite } from "../../src/exec/api.js";
import { Context } from "../../src/exec/context.js";
import { indexBytesOf } from "../../src/format/codecs/index.js";
import { readNpy } from "../../src/format/npy.js";
import type { CreateArrayOptions } from "../../src/hierarchy/create.js";
import { createArray, openArray, type ZarrArray } from "../../src/hierarchy/index.js";
import type { LazyArray } from "../../src/index-space/lazy.js";
import { FileSystemStore } from "../../src/store/fs.js";
import { hasTensorstore, PYTHON } from "../helpers/tensorstore-python.js";
import { apiArgs } from "../property/convert.js";
import { type RefItem, type RefOp, refApply, refIota } from "../property/numpy-ref.js";

const SCRIPT = fileURLToPath(new URL("./read_tensorstore.py", import.meta.url));

const available = hasTensorstore();

type Dtype = "int16" | "int32" | "float32" | "float64" | "uint8" | "uint16";

interface Case {
  dtype: Dtype;
  options: Omit<CreateArrayOptions, "dtype">;
  /** Fill value as the reference holds it. */
  fill: number;
}

const CASES: Record<string, Case> = {
  "v3/sharded-end-int16": {
    dtype: "int16",
    options: {
      shape: [20, 13],
      shards: [8, 6],
      chunks: [4, 3],
      fillValue: -7,
      compressor: { name: "zstd" },
    },
    fill: -7,
  },
  "v3/sharded-start-float32": {
    dtype: "float32",
    options: {
      shape: [17, 12],
      shards: [6, 8],
      chunks: [3, 4],
      indexLocation: "start",
      fillValue: Number.NaN,
      compressor: { name: "blosc", configuration: { cname: "lz4", shuffle: "shuffle" } },
    },
    fill: Number.NaN,
  },
  "v3/gzip-float64": {
    dtype: "float64",
    options: { shape: [15, 10], chunks: [4, 4], compressor: { name: "gzip" } },
    fill: 0,
  },
  "v3/zstd-uint8": {
    dtype: "uint8",
    options: { shape: [13, 11], chunks: [5, 3], fillValue: 200, compressor: { name: "zstd" } },
    fill: 200,
  },
  "v2/blosc-uint8": {
    dtype: "uint8",
    options: {
      shape: [11, 9],
      chunks: [5, 4],
      zarrFormat: 2,
      fillValue: 7,
      compressor: { name: "blosc" },
    },
    fill: 7,
  },
  "v2/zstd-int16": {
    dtype: "int16",
    options: { shape: [9, 16], chunks: [4, 5], zarrFormat: 2, compressor: { name: "zstd" } },
    fill: 0,
  },
};

// ---------------------------------------------------------------------------------------------
// The writes, as reference ops (the API arguments come from them: `apiArgs`).

const sl = (start: number | null, stop: number | null, step: number | null = null): RefItem => ({
  kind: "slice",
  start,
  stop,
  step,
});
const arr = (data: number[]): RefItem => ({ kind: "array", shape: [data.length], data });
const ALL = sl(null, null);

/** A write: a chain of ops and a value (a scalar, or values of `shape` made by `pattern`). */
interface RefWrite {
  ops: RefOp[];
  value: { scalar: number } | { shape: number[]; seed: number };
}

/** Distinct, exactly representable values for `dtype` (never the fill value of the cases). */
function pattern(dtype: Dtype, seed: number, i: number): number {
  const k = (i * 37 + seed * 11) % 97;
  if (dtype === "uint8" || dtype === "uint16") return 10 + k; // 10..106: neither 7 nor 200
  if (dtype === "int16" || dtype === "int32") return k * 13 - 600; // never -7 (593 is not a multiple of 13) nor 0
  return (k - 48) / 4 + seed / 8;
}

/** The writes of one array of `shape` (2-D), in order, grouped as they are planned. */
function writesOf(shape: readonly number[]) {
  const [R, C] = shape as [number, number];
  const points = {
    rows: [0, R - 1, 3, 0, R - 1, 3],
    cols: [C - 1, 0, 2, C - 1, 0, 2],
  };
  const mask: RefOp = {
    op: "mask",
    mask: {
      shape: [R, C],
      data: Array.from({ length: R * C }, (_, i) => (Math.floor(i / C) * 3 + (i % C)) % 5 === 0),
    },
  };
  const maskCount = mask.op === "mask" ? mask.mask.data.filter(Boolean).length : 0;
  const rowsStepped = Math.ceil((R - 1) / 2);
  const colsStepped = Math.ceil(C / 3);
  const whole: RefWrite = { ops: [], value: { shape: [R, C], seed: 1 } };
  const plan1: RefWrite[] = [
    {
      ops: [{ op: "get", items: [sl(1, null, 2), sl(null, null, -3)] }],
      value: { shape: [rowsStepped, colsStepped], seed: 2 },
    },
    {
      // Row 3 twice: the second one wins.
      ops: [{ op: "oindex", items: [arr([0, R - 1, 3, 3]), arr([1, C - 2, 0])] }],
      value: { shape: [4, 3], seed: 3 },
    },
    {
      // Every point twice: the second value wins.
      ops: [{ op: "vindex", items: [arr(points.rows), arr(points.cols)] }],
      value: { shape: [6], seed: 4 },
    },
    { ops: [mask], value: { shape: [maskCount], seed: 5 } },
  ];
  const singles: RefWrite[] = [
    // A row broadcast down 4 rows (lower rank).
    { ops: [{ op: "get", items: [sl(2, 6), ALL] }], value: { shape: [C], seed: 6 } },
    // A column broadcast along every column (length-1 dimension).
    { ops: [{ op: "get", items: [sl(5, 8), ALL] }], value: { shape: [3, 1], seed: 7 } },
    // A scalar over a region.
    { ops: [{ op: "get", items: [sl(R - 4, R), sl(0, 3)] }], value: { scalar: 3 } },
    // get chained with vindex (positions in the view).
    {
      ops: [
        { op: "get", items: [sl(1, null), sl(1, null)] },
        { op: "vindex", items: [arr([0, 2, 4]), arr([C - 2, 1, 0])] },
      ],
      value: { shape: [3], seed: 8 },
    },
  ];
  return { whole, plan1, singles };
}

/** Grid of the objects that the fill writes empty. */
interface FillTargets {
  /** Grid coordinates of the stored object (shard or chunk) made all fill: deleted. */
  deleted: number[];
  /** Sharded only: the inner chunk (index in shard [0, 0]) made all fill: left out. */
  innerLeftOut?: number;
}

function objectShapes(c: Case): { object: number[]; inner?: number[] } {
  const o = c.options;
  if (o.shards) return { object: [...o.shards], inner: [...o.chunks!] };
  return { object: [...o.chunks!] };
}

/** The last writes: the fill value over a whole edge object and over chunk (or inner chunk) [0, 0]. */
function fillWritesOf(
  shape: readonly number[],
  c: Case,
): { writes: RefWrite[]; targets: FillTargets } {
  const fill = c.fill;
  const { object, inner } = objectShapes(c);
  const last = shape.map((s, d) => Math.ceil(s / object[d]!) - 1);
  const writes: RefWrite[] = [
    {
      // The last (edge) shard or chunk, whole.
      ops: [{ op: "get", items: last.map((g, d) => sl(g * object[d]!, shape[d]!)) }],
      value: { scalar: fill },
    },
  ];
  const targets: FillTargets = { deleted: last };
  if (inner) {
    // Inner chunk [0, 0] of shard [0, 0].
    writes.push({
      ops: [{ op: "get", items: inner.map((n) => sl(0, n)) }],
      value: { scalar: fill },
    });
    targets.innerLeftOut = 0;
  } else {
    // Chunk [0, 0], whole (deleted too).
    writes.push({
      ops: [{ op: "get", items: object.map((n) => sl(0, n)) }],
      value: { scalar: fill },
    });
  }
  return { writes, targets };
}

// ---------------------------------------------------------------------------------------------
// The reference model and the API calls.

/** The flat positions a chain of ops selects, in C order of the selection, and its shape. */
function positions(shape: readonly number[], ops: readonly RefOp[]) {
  let ref = refIota(shape);
  for (const op of ops) ref = refApply(ref, op);
  return ref;
}

/** The value of `w` at each element of a selection of `selShape` (NumPy broadcasting). */
function broadcastValues(dtype: Dtype, w: RefWrite, selShape: readonly number[]): number[] {
  const n = selShape.reduce((a, b) => a * b, 1);
  if ("scalar" in w.value) return new Array<number>(n).fill(w.value.scalar);
  const vs = w.value.shape;
  const vStrides = cStrides(vs);
  const seed = w.value.seed;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let rest = i;
    let flat = 0;
    for (let d = selShape.length - 1; d >= 0; d--) {
      const idx = rest % selShape[d]!;
      rest = Math.floor(rest / selShape[d]!);
      const vd = d - (selShape.length - vs.length);
      if (vd >= 0 && vs[vd] !== 1) flat += idx * vStrides[vd]!;
    }
    out.push(pattern(dtype, seed, flat));
  }
  return out;
}

function applyRef(ref: number[], shape: readonly number[], dtype: Dtype, w: RefWrite): void {
  const sel = positions(shape, w.ops);
  const vals = broadcastValues(dtype, w, sel.shape);
  sel.data.forEach((p, i) => {
    ref[p] = vals[i]!;
  });
}

function ndOf(dtype: Dtype, shape: number[], seed: number): NDArray {
  const dt = dataType(dtype as DataTypeName);
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: n }, (_, i) => pattern(dtype, seed, i));
  const data = {
    int16: () => Int16Array.from(values),
    int32: () => Int32Array.from(values),
    uint16: () => Uint16Array.from(values),
    float32: () => Float32Array.from(values),
    float64: () => Float64Array.from(values),
    uint8: () => Uint8Array.from(values),
  }[dtype]();
  return { data, shape, strides: cStrides(shape), dtype: dt } as NDArray;
}

function targetOf(a: ZarrArray, w: RefWrite): LazyArray {
  let v: LazyArray = a.lazy();
  for (const op of w.ops) {
    const args = apiArgs(op, () => 0);
    v = op.op === "mask" ? v.mask(args[0] as never) : v[op.op](...args);
  }
  return v;
}

function writeValue(dtype: Dtype, w: RefWrite): NDArray | Scalar {
  return "scalar" in w.value ? w.value.scalar : ndOf(dtype, w.value.shape, w.value.seed);
}

/** Same numbers, NaN equal to NaN; the first difference, or undefined. */
function firstDifference(got: ArrayLike<number>, want: readonly number[]): string | undefined {
  if (got.length !== want.length) return `length ${got.length} != ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (!(g === w || (Number.isNaN(g) && Number.isNaN(w)))) {
      return `element ${i}: ${g} != expected ${w}`;
    }
  }
  return undefined;
}

interface Written {
  array: ZarrArray;
  reference: number[];
  targets: FillTargets;
  deletedCount: number;
}

/** Creates the array of `c` at `path`, runs every write on it and on the reference. */
async function writeCase(
  store: FileSystemStore,
  context: Context,
  path: string,
  c: Case,
): Promise<Written> {
  const a = await createArray(store, path, { ...c.options, dtype: c.dtype, context });
  const shape = a.shape;
  const reference = new Array<number>(shape.reduce((x, y) => x * y, 1)).fill(c.fill);
  const { whole, plan1, singles } = writesOf(shape);
  const run = (ws: RefWrite[]) => {
    for (const w of ws) applyRef(reference, shape, c.dtype, w);
    return planWrite(
      ws.map((w) => ({ target: targetOf(a, w), value: writeValue(c.dtype, w) })),
    ).write();
  };
  const first = await run([whole]);
  expect(first.read).toBe(0); // every object fully covered: none read
  await run(plan1);
  for (const w of singles) {
    applyRef(reference, shape, c.dtype, w);
    await targetOf(a, w).write(writeValue(c.dtype, w));
  }
  const { writes, targets } = fillWritesOf(shape, c);
  const last = await run(writes);
  return { array: a, reference, targets, deletedCount: last.deleted };
}

describe.skipIf(!available)(
  "tensorstore opens arrays written by write plans (needs python with tensorstore)",
  () => {
    let root = "";
    const written: Record<string, Written> = {};
    let results: Record<
      string,
      { dtype?: string; shape?: number[]; data?: string; error?: string }
    > = {};
    const context = new Context({ decodeWorkers: { workers: 0 } });
    beforeAll(async () => {
      root = mkdtempSync(join(tmpdir(), "zarr-plan-write-plan-interop-"));
      const store = new FileSystemStore(root);
      for (const [path, c] of Object.entries(CASES)) {
        written[path] = await writeCase(store, context, path, c);
      }
      const out = execFileSync(PYTHON, [SCRIPT, root, ...Object.keys(CASES)], {
        maxBuffer: 16 * 1024 * 1024,
      });
      results = JSON.parse(out.toString("utf8"));
    });
    afterAll(() => {
      context.close();
      if (root) rmSync(root, { recursive: true, force: true });
    });
    for (const [path, c] of Object.entries(CASES)) {
      it(`${path}: zarr-plan, tensorstore and the reference agree`, async () => {
        const w = written[path]!;
        const mine = await w.array.read();
        expect(firstDifference(mine.data as ArrayLike<number>, w.reference)).toBeUndefined();
        const r = results[path]!;
        expect(r.error).toBeUndefined();
        expect(r.dtype).toBe(c.dtype);
        expect(r.shape).toEqual(w.array.shape);
        const bytes = Uint8Array.from(Buffer.from(r.data!, "base64"));
        const theirs = viewAs(dataType(c.dtype as DataTypeName), bytes);
        expect(firstDifference(theirs as ArrayLike<number>, w.reference)).toBeUndefined();
      });
      it(`${path}: objects that came out as fill value are deleted or left out`, async () => {
        const w = written[path]!;
        const a = w.array;
        expect(existsSync(join(root, a.chunkKey(w.targets.deleted)))).toBe(false);
        if (w.targets.innerLeftOut !== undefined) {
          expect(w.deletedCount).toBe(1);
          const key = a.chunkKey([0, 0]);
          const sh = a.pipeline.sharding!;
          const shard = new Uint8Array(readFileSync(join(root, key)));
          const index = await sh.decodeIndex(indexBytesOf(sh, shard, key), { key }, shard.length);
          expect(index.isEmpty(w.targets.innerLeftOut)).toBe(true);
          expect(index.isEmpty(1)).toBe(false);
        } else {
          expect(w.deletedCount).toBe(2);
          expect(existsSync(join(root, a.chunkKey([0, 0])))).toBe(false);
        }
      });
    }
  },
);

// ---------------------------------------------------------------------------------------------
// Write plans into shards that other implementations wrote (bundled fixtures): read-modify-write
// copies their untouched inner chunks as stored and rebuilds their index.

const FIXTURES = join(import.meta.dirname, "../../data/fixtures");
const FOREIGN = [
  "v3/tensorstore/sharded_int32",
  "v3/tensorstore/sharded_index_start_float32",
  "v3/tensorstore/sharded_3d_transpose_uint16",
  "v3/zarr-python/sharded_partial_nan_float64",
  "v3/zarr-python/sharded_nested_float32",
];

/** A few writes touching a few inner chunks of an n-d array (points, a box, one inner chunk all fill). */
function foreignWrites(
  shape: readonly number[],
  inner: readonly number[],
  fill: number,
): RefWrite[] {
  const mid = shape.map((s) => Math.floor(s / 2));
  const last = shape.map((s) => s - 1);
  const zero = shape.map(() => 0);
  const points = [zero, mid, last, mid];
  return [
    {
      // The middle point twice: the second value wins.
      ops: [{ op: "vindex", items: shape.map((_, d) => arr(points.map((p) => p[d]!))) }],
      value: { shape: [4], seed: 9 },
    },
    {
      ops: [
        { op: "get", items: shape.map((s, d) => (d === 0 ? sl(2, 5) : sl(0, Math.min(3, s)))) },
      ],
      value: { scalar: 7 },
    },
    // Inner chunk 0 of shard 0, all fill value: left out of the index.
    { ops: [{ op: "get", items: inner.map((n) => sl(0, n)) }], value: { scalar: fill } },
  ];
}

describe("write plans into shards tensorstore and zarr-python wrote", () => {
  let root = "";
  const done: Record<
    string,
    { array: ZarrArray; reference: number[]; innerCopied: number; read: number }
  > = {};
  let results: Record<string, { dtype?: string; shape?: number[]; data?: string; error?: string }> =
    {};
  const context = new Context({ decodeWorkers: { workers: 0 } });
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "zarr-plan-write-plan-foreign-"));
    for (const id of FOREIGN) {
      cpSync(join(FIXTURES, `${id}.zarr`), join(root, id), { recursive: true });
      const a = await openArray(new FileSystemStore(join(root, id)), "", { context });
      const before = readNpy(readFileSync(join(FIXTURES, "expected", `${id}.npy`)));
      const reference = Array.from(before.data as ArrayLike<number>);
      const inner = a.pipeline.sharding!.innerChunkShape;
      const fill = Number(a.fillValue ?? 0);
      const writes = foreignWrites(a.shape, inner, fill);
      const dtype = a.dtype.name as Dtype;
      for (const w of writes) applyRef(reference, a.shape, dtype, w);
      const r = await planWrite(
        writes.map((w) => ({ target: targetOf(a, w), value: writeValue(dtype, w) })),
      ).write();
      done[id] = { array: a, reference, innerCopied: r.innerCopied, read: r.read };
    }
    if (available) {
      const out = execFileSync(PYTHON, [SCRIPT, root, ...FOREIGN], { maxBuffer: 16 * 1024 * 1024 });
      results = JSON.parse(out.toString("utf8"));
    }
  });
  afterAll(() => {
    context.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });
  for (const id of FOREIGN) {
    it(`${id}: read back as the reference; untouched inner chunks copied as stored`, async () => {
      const d = done[id]!;
      expect(d.read).toBeGreaterThan(0);
      expect(d.innerCopied).toBeGreaterThan(0);
      const mine = await d.array.read();
      expect(firstDifference(mine.data as ArrayLike<number>, d.reference)).toBeUndefined();
    });
    it.skipIf(!available)(
      `${id}: tensorstore reads the reference (needs python with tensorstore)`,
      () => {
        const d = done[id]!;
        const r = results[id]!;
        expect(r.error).toBeUndefined();
        expect(r.shape).toEqual(d.array.shape);
        const bytes = Uint8Array.from(Buffer.from(r.data!, "base64"));
        const theirs = viewAs(d.array.dtype, bytes);
        expect(firstDifference(theirs as ArrayLike<number>, d.reference)).toBeUndefined();
      },
    );
  }
});

it.skipIf(available)(
  "write-plan tensorstore interop (skipped: needs python with tensorstore at ZARR_PLAN_PYTHON or /tmp/pb-venv/bin/python)",
  () => {
    expect(available).toBe(false);
  },
);
