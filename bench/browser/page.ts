/**
 * The browser page of `bench/browser-peers.ts`: runs peer-benchmark workloads with zarr-plan and
 * zarrita.js (tuned as in the peer benchmark: range coalescing, suffix requests, `open.v3`) against
 * the latency server that serves this page, checksums every result (the peer benchmark's
 * `sum_k bits(x_k)·(k+1) mod 2^32`), measures the network floor (zarr-plan's requests replayed
 * at once with plain `fetch`, nothing decoded) and writes the timings as JSON into
 * `<pre id="result">`.
 */
import * as zp from "zarr-plan";
import * as zarr from "zarrita";

interface Workload {
  id: string;
  dataset: string;
  op: string;
  sel?: ([number, number, number] | number)[];
  rows?: number[];
  cols?: number[];
  expected: { hash: number; count: number };
}

const out = document.getElementById("result")!;
const params = new URLSearchParams(location.search);
const ids = (params.get("workloads") ?? "W1x,W2,W4").split(",");
const reps = Number(params.get("reps") ?? 5);

function checksum(f32: Float32Array): { hash: number; count: number } {
  const u = new Uint32Array(f32.buffer, f32.byteOffset, f32.length);
  let h = 0;
  for (let k = 0; k < u.length; k++) h = (h + Math.imul(u[k]!, k + 1)) >>> 0;
  return { hash: h, count: f32.length };
}

/**
 * The result in C order: itself when it already is (offset 0, C-contiguous strides, as both
 * clients return slices), else a copy (zarrita may return views). As in the peer benchmark's Node
 * clients, a result already in C order is not copied inside the timed region.
 */
function cOrder(data: Float32Array, shape: number[], stride: number[], offset = 0): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  let contiguous = offset === 0 && data.length === n;
  for (let d = shape.length - 1, acc = 1; d >= 0 && contiguous; d--) {
    if (shape[d]! > 1 && stride[d] !== acc) contiguous = false;
    acc *= shape[d]!;
  }
  if (contiguous) return data;
  const res = new Float32Array(n);
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let o = offset;
    for (let d = 0; d < shape.length; d++) o += idx[d]! * stride[d]!;
    res[i] = data[o]!;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return res;
}

/** The requests (URL and `Range`) of the latest zarr-plan run, for {@link fetchFloor}. */
let recorded: { url: string; range: string | null }[] = [];

/** The global `fetch`, recording each request's URL and `Range` header into `recorded`. */
const recordingFetch: typeof fetch = (input, init) => {
  const request = new Request(input, init);
  recorded.push({ url: request.url, range: request.headers.get("Range") });
  return fetch(request);
};

async function zarrPlanRun(w: Workload, url: string): Promise<Float32Array> {
  recorded = [];
  const arr = await zp.openArray(new zp.FetchStore(url, { fetch: recordingFetch }));
  const lazy = arr.lazy();
  let view: zp.LazyArray;
  if (w.op === "slice")
    view = lazy.get(...w.sel!.map((s) => (typeof s === "number" ? s : zp.slice(s[0], s[1], s[2]))));
  else if (w.op === "orthogonal") view = lazy.oindex(w.rows!, w.cols!);
  else view = lazy.vindex(w.rows!, w.cols!);
  const r = await view.read();
  return cOrder(r.data as Float32Array, [...r.shape], [...r.strides], r.offset ?? 0);
}

/**
 * The network floor: the requests of the latest zarr-plan run, all issued at once, every body read
 * into memory, nothing decoded; each body by `arrayBuffer()`, or (`whole`) by `blob()` and then
 * its `arrayBuffer()`, which Chromium delivers faster for large bodies. The faster of the two is
 * the floor: no client that makes these requests in this browser can be faster.
 */
async function fetchFloor(whole: boolean): Promise<number> {
  const t0 = performance.now();
  await Promise.all(
    recorded.map(async ({ url, range }) => {
      const res = await fetch(url, range === null ? {} : { headers: { Range: range } });
      if (whole) await (await res.blob()).arrayBuffer();
      else await res.arrayBuffer();
    }),
  );
  return performance.now() - t0;
}

async function zarritaRun(w: Workload, url: string): Promise<Float32Array> {
  const store = zarr.withRangeCoalescing(new zarr.FetchStore(url, { useSuffixRequest: true }));
  const arr = (await zarr.open.v3(zarr.root(store), { kind: "array" })) as zarr.Array<"float32">;
  if (w.op === "slice") {
    const r = await zarr.get(
      arr,
      w.sel!.map((s) => (typeof s === "number" ? s : zarr.slice(s[0], s[1], s[2]))),
    );
    return cOrder(r.data as Float32Array, r.shape, r.stride);
  }
  // oindex, emulated as in the peer benchmark: the bounding box, then a gather.
  const rows = w.rows!;
  const cols = w.cols!;
  const r0 = Math.min(...rows);
  const r1 = Math.max(...rows);
  const c0 = Math.min(...cols);
  const c1 = Math.max(...cols);
  const box = await zarr.get(arr, [zarr.slice(r0, r1 + 1), zarr.slice(c0, c1 + 1)]);
  const data = box.data as Float32Array;
  const res = new Float32Array(rows.length * cols.length);
  let k = 0;
  for (const r of rows)
    for (const c of cols) res[k++] = data[(r - r0) * box.stride[0]! + (c - c0) * box.stride[1]!]!;
  return res;
}

try {
  const resolved = (await (await fetch("/resolved.json")).json()) as {
    datasets: Record<string, { path: string }>;
    workloads: Workload[];
  };
  const results: Record<string, Record<string, { ms: number[]; correct: boolean }>> = {};
  const floors: Record<string, number[]> = {};
  // When zarr-plan's last response body finished arriving (Resource Timing `responseEnd`), ms
  // after its read began: the rest of its time is spent after the network.
  const lastBytes: Record<string, number[]> = {};
  performance.setResourceTimingBufferSize(100_000);
  for (const id of ids) {
    const w = resolved.workloads.find((x) => x.id === id)!;
    const url = new URL(`/${resolved.datasets[w.dataset]!.path}/`, location.href).href;
    results[id] = {};
    // Clients alternate within every repetition; one warm-up each first.
    const clients: [string, (w: Workload, url: string) => Promise<Float32Array>][] = [
      ["zarr-plan", zarrPlanRun],
      ["zarrita-tuned", zarritaRun],
    ];
    for (const [name] of clients) results[id]![name] = { ms: [], correct: true };
    for (let rep = -1; rep < reps; rep++) {
      for (const [name, run] of rep % 2 === 0 ? clients : [...clients].reverse()) {
        performance.clearResourceTimings();
        const t0 = performance.now();
        const got = await run(w, url);
        const ms = performance.now() - t0;
        if (name === "zarr-plan" && rep >= 0) {
          const ends = (performance.getEntriesByType("resource") as PerformanceResourceTiming[])
            .filter((e) => e.name.startsWith(url))
            .map((e) => e.responseEnd - t0);
          lastBytes[id] = [...(lastBytes[id] ?? []), Math.max(...ends)];
        }
        const c = checksum(got);
        const r = results[id]![name]!;
        if (c.hash !== w.expected.hash || c.count !== w.expected.count) r.correct = false;
        if (rep >= 0) r.ms.push(ms);
      }
      const floor = Math.min(await fetchFloor(false), await fetchFloor(true));
      if (rep >= 0) floors[id] = [...(floors[id] ?? []), floor];
    }
  }
  out.textContent = JSON.stringify({
    ok: true,
    results,
    floors,
    lastBytes,
    workers: zp.defaultContext().decodePool.workers,
  });
} catch (e) {
  out.textContent = JSON.stringify({ ok: false, error: String((e as Error)?.stack ?? e) });
}
