/**
 * Planning cost benchmark (not a test): how long it takes to compose lazy selections into one
 * IndexTransform and to resolve (partition) it into per-chunk tasks. No IO: the source only has
 * metadata. Run with `npx tsx bench/planning.ts` (add `--quick` for fewer repetitions).
 * Prints the median and minimum of several repetitions, in milliseconds.
 */
import { dataType } from "../src/core/dtype.js";
import { lazy } from "../src/exec/api.js";
import { ellipsis, type LazyArray, partition, resolve, slice } from "../src/index-space/index.js";
import type { ArraySource } from "../src/index-space/source.js";

const quick = process.argv.includes("--quick");
const REPS = quick ? 3 : 7;

function source(shape: number[], chunkShape: number[]): ArraySource {
  return {
    path: "bench",
    shape,
    chunkShape,
    dtype: dataType("float64"),
    fillValue: 0,
    readChunk: () => Promise.reject(new Error("planning benchmark: no IO")),
  };
}

/** Deterministic pseudo-random integers in [0, n). */
function randomInts(count: number, n: number, seed: number): Int32Array {
  const out = new Int32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = Math.floor((s / 2 ** 32) * n);
  }
  return out;
}

interface Row {
  name: string;
  median: number;
  min: number;
  detail: string;
}
const rows: Row[] = [];

function bench(name: string, run: () => string): void {
  run(); // warm-up
  const times: number[] = [];
  let detail = "";
  for (let r = 0; r < REPS; r++) {
    const t0 = performance.now();
    detail = run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  rows.push({ name, median: times[Math.floor(times.length / 2)]!, min: times[0]!, detail });
}

const N = 1_000_000;
const big = source([20_000, 20_000], [256, 256]);
const rows1 = randomInts(N, 20_000, 1);
const cols1 = randomInts(N, 20_000, 2);
const sortedRows = Int32Array.from(rows1).sort();

let v1: LazyArray = lazy(big);
bench("vindex 1e6 random points: compose", () => {
  v1 = lazy(big).vindex(rows1, cols1);
  return `view [${v1.shape}]`;
});
bench("vindex 1e6 random points: resolve", () => {
  const p = resolve(v1);
  return `${p.tasks.length} chunk tasks`;
});
let v2: LazyArray = lazy(big);
bench("vindex 1e6 sorted points (1-D row list): compose + resolve", () => {
  v2 = lazy(big).vindex(sortedRows, 7);
  return `${resolve(v2).tasks.length} chunk tasks`;
});
const plain = Array.from(rows1);
bench("vindex 1e6 points from number[]: compose", () => {
  const v = lazy(big).vindex(plain, plain);
  return `view [${v.shape}]`;
});
const perm = randomInts(N, N, 3);
let v3: LazyArray = v1;
bench("vindex ∘ vindex (gather 1e6 of 1e6): compose", () => {
  v3 = v1.vindex(perm);
  return `view [${v3.shape}]`;
});
bench("vindex ∘ vindex: resolve", () => `${resolve(v3).tasks.length} chunk tasks`);
bench("vindex 1e6 then slice(::-3) then slice(10:-10): compose", () => {
  const v = v1.get(slice(null, null, -3)).get(slice(10, -10));
  return `view [${v.shape}]`;
});

const maskShape = [2_000, 2_000];
const maskData = Array.from({ length: 2_000 }, (_, i) =>
  Array.from({ length: 2_000 }, (_, j) => (i * 31 + j * 17) % 4 === 0),
);
const mSrc = source(maskShape, [128, 128]);
let vm: LazyArray = lazy(mSrc);
bench("mask 2000×2000 (1e6 true): compose", () => {
  vm = lazy(mSrc).mask(maskData);
  return `view [${vm.shape}]`;
});
bench("mask 2000×2000: resolve", () => `${resolve(vm).tasks.length} chunk tasks`);
const maskNd = {
  data: Uint8Array.from(maskData.flat(), (b) => (b ? 1 : 0)),
  shape: maskShape,
  strides: [2_000, 1],
  dtype: dataType("bool"),
};
bench("mask 2000×2000 as a bool NDArray: compose", () => {
  const v = lazy(mSrc).mask(maskNd);
  return `view [${v.shape}]`;
});

const o1 = randomInts(1_000, 20_000, 4);
const o2 = randomInts(1_000, 20_000, 5);
let vo: LazyArray = lazy(big);
bench("oindex 1e3 × 1e3 (1e6 points): compose + resolve", () => {
  vo = lazy(big).oindex(o1, o2);
  return `${resolve(vo).tasks.length} chunk tasks`;
});

const huge = source([1_000_000, 100_000, 1_000], [1_000, 1_000, 100]);
let chain: LazyArray = lazy(huge);
bench("10 000 chained slices (3-D): compose", () => {
  let v = lazy(huge);
  for (let i = 0; i < 10_000; i++) {
    v =
      i % 2 === 0
        ? v.get(slice(1, -1), ellipsis)
        : v.get(slice(null, null, -1), slice(null, null, 1), slice(null, null, -1));
  }
  chain = v;
  return `view [${v.shape}], maps ${v.transform.maps.map((m) => m.kind).join("/")}`;
});
bench("long chain then box resolve (10^4 chunks)", () => {
  const v = chain.get(slice(0, 100_000, 7), slice(null, null, -9), slice(0, 100, 10));
  return `${resolve(v).tasks.length} chunk tasks, view [${v.shape}]`;
});
const boxSrc = source([100_000, 100_000], [1_000, 1_000]);
bench("box [::3, ::-2] on 100k × 100k: resolve", () => {
  const v = lazy(boxSrc).get(slice(null, null, 3), slice(null, null, -2));
  return `${partition(v.transform, boxSrc.chunkShape).tasks.length} chunk tasks`;
});

const w = Math.max(...rows.map((r) => r.name.length));
console.log(`\nplanning cost (${REPS} repetitions after a warm-up; Node ${process.version})\n`);
console.log(`${"benchmark".padEnd(w)} | median ms |    min ms | result`);
console.log(`${"-".repeat(w)}-|-----------|-----------|-------`);
for (const r of rows) {
  console.log(
    `${r.name.padEnd(w)} | ${r.median.toFixed(1).padStart(9)} | ${r.min.toFixed(1).padStart(9)} | ${r.detail}`,
  );
}
