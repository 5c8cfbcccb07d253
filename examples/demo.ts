/**
 * zarr-plan demo on the bundled EGM96 geoid (Zarr v3, sharded, consolidated metadata).
 *
 *   npm run demo            # from the filesystem
 *   npm run demo -- --http  # from a local HTTP server with 20 ms latency per request
 *
 * Opens the hierarchy concurrently, builds ONE plan over several arrays (a region of `geoid`, the matching
 * `lat`/`lon` coordinates, the same region at every `multiscale` level, 10,000 random points), prints
 * `explain()`, runs it while computing a running statistic from the chunk stream, and writes a PNG. Then the
 * same Europe by label (`openDataset(…).view("geoid").sel({ lat, lon })`): a two-stage plan that reads the
 * coordinate arrays, resolves the labels and reads the data, with the labels in the result.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encode } from "fast-png";
import { lastValueFrom, tap } from "rxjs";
import { share } from "rxjs/operators";
import { type BenchServer, startServer } from "../bench/server.js";
import {
  assemble,
  Context,
  CountingStore,
  FetchStore,
  FileSystemStore,
  type LazyArray,
  labelledPlan,
  type NDArray,
  openDataset,
  openGroup,
  plan,
  runningStats,
  slice,
  type TreeNode,
  ZarrArray,
  type ZarrGroup,
} from "../src/index.js";
import { renderRgba } from "../src/present/output/png.js";

const ROOT = join(import.meta.dirname, "..");
const DATA = join(ROOT, "data/datasets");
const OUT = join(ROOT, "demo-output");
const useHttp = process.argv.includes("--http");
const LATENCY_MS = 20;

function describeNode(t: TreeNode, indent = ""): string[] {
  const n = t.node;
  const line =
    n instanceof ZarrArray
      ? `${indent}${t.name || "/"}  ${n.dtype.name} [${n.shape.join("×")}] chunks [${n.chunks.join("×")}]${n.shards ? ` in shards [${n.shards.join("×")}]` : ""}`
      : `${indent}${t.name ? `${t.name}/` : "/"}`;
  return [line, ...(t.children ?? []).flatMap((c) => describeNode(c, `${indent}  `))];
}

function stats(a: NDArray): { min: number; max: number; mean: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let n = 0;
  for (const v of a.data as Float32Array) {
    if (Number.isNaN(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    n++;
  }
  return { min, max, mean: sum / n };
}

/** A small deterministic PRNG (mulberry32), so the demo prints the same points every time. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The demo's reads over `geoid`, `lat`, `lon` and the multiscale levels of an opened root. */
async function demoReads(root: ZarrGroup) {
  const geoid = await root.openArray("geoid", { dtype: "float32" });
  const lat = await root.openArray("lat", { dtype: "float64" });
  const lon = await root.openArray("lon", { dtype: "float64" });
  const levels = await Promise.all(
    [0, 1, 2, 3, 4].map((k) => root.openArray(`multiscale/${k}`, { dtype: "float32" })),
  );
  // Europe: 35..71 °N, -10..40 °E; rows run south→north, so step -1 puts north up.
  const r0 = 4 * (35 + 90);
  const r1 = 4 * (71 + 90);
  const c0 = 4 * (-10 + 180);
  const c1 = 4 * (40 + 180);
  const north = slice(r1, r0 - 1, -1);
  const cols = slice(c0, c1 + 1);
  const random = rng(96);
  const rows10k = Array.from({ length: 10_000 }, () => Math.floor(random() * 721));
  const cols10k = Array.from({ length: 10_000 }, () => Math.floor(random() * 1440));
  return {
    geoid,
    levels,
    reads: {
      europe: geoid.lazy().get(north, cols),
      lat: lat.lazy().get(north),
      lon: lon.lazy().get(cols),
      ...Object.fromEntries(
        levels.map((a, k) => [
          `level${k}`,
          a.lazy().get(slice(r1 >> k, (r0 >> k) - 1, -1), slice(c0 >> k, (c1 >> k) + 1)),
        ]),
      ),
      points: geoid.lazy().vindex(rows10k, cols10k),
    },
  };
}

/**
 * Opens the hierarchy at `url` in a new Context and runs `body` over the demo's reads: wall time,
 * requests and bytes (metadata included), and the round trips `body` reports (+1: the metadata).
 */
async function coldRun(
  url: string,
  body: (views: Record<string, LazyArray>) => Promise<number>,
): Promise<{ ms: number; requests: number; bytes: number; roundTrips: number }> {
  const context = new Context();
  const counted = new CountingStore(new FetchStore(url));
  try {
    const t0 = performance.now();
    const { reads: views } = await demoReads(await openGroup(counted, "", { context }));
    const trips = await body(views);
    return {
      ms: performance.now() - t0,
      requests: counted.requests,
      bytes: counted.bytes,
      roundTrips: trips + 1,
    };
  } finally {
    context.close();
  }
}

let server: BenchServer | undefined;
let base: FetchStore | FileSystemStore;
if (useHttp) {
  server = await startServer({ root: DATA, latencyMs: LATENCY_MS, idleTimeoutMs: 30_000 });
  base = new FetchStore(`${server.url}egm96.zarr/`);
  console.log(
    `Serving data/datasets over ${server.url} with ${LATENCY_MS} ms latency per request\n`,
  );
} else {
  base = new FileSystemStore(join(DATA, "egm96.zarr"));
}
const store = new CountingStore(base);

try {
  // 1. The hierarchy, opened concurrently (one request: consolidated metadata).
  let t = performance.now();
  const root = await openGroup(store);
  const tree = await root.tree();
  console.log(
    `Hierarchy of egm96.zarr (${store.requests} request, ${(performance.now() - t).toFixed(0)} ms):`,
  );
  console.log(describeNode(tree).join("\n"));
  // 2. One plan over a region of geoid, its coordinates, every multiscale level and 10,000 points.
  const { geoid, levels, reads } = await demoReads(root);
  const p = plan(reads);
  const pending = p.explain().totals.pendingShards;
  console.log(
    pending > 0
      ? "\nThe plan before any IO (byte ranges of sharded reads known once their indexes are read):"
      : "\nThe plan (no shard index to read first: every request is known before IO):",
  );
  console.log(p.explainText({ maxRows: 12 }));

  // Warm-up: the WebAssembly codecs compile on first use; keep that out of the timings below.
  await plan({ a: geoid.lazy().get(0, 0), b: levels[4]!.lazy().get(0, 0) }).read();
  store.reset();
  t = performance.now();
  const resolved = await p.resolve();
  const indexMs = performance.now() - t;
  if (pending > 0) {
    // Printed only when reading the indexes changed the plan (else it is the table above).
    console.log(
      `\nShard indexes read: ${store.requests} requests, ${store.bytes} bytes, ${indexMs.toFixed(0)} ms. The exact plan:`,
    );
    console.log(resolved.explainText({ maxRows: 12 }));
  }

  // 3. Execute, computing a running mean of the Europe region from the chunk stream as chunks arrive.
  store.reset();
  t = performance.now();
  const events = resolved.stream().pipe(share());
  let lastReport = 0;
  const statsDone = lastValueFrom(
    events.pipe(
      runningStats({ read: "europe" }),
      tap((s) => {
        if (
          s.events === 1 ||
          s.count - lastReport >= 8000 ||
          s.progress.readsDone === s.progress.readsTotal
        ) {
          lastReport = s.count;
          console.log(
            `  europe: ${String(s.count).padStart(5)} values so far, running mean ${s.mean.toFixed(3)} m` +
              `  (requests ${s.progress.requestsDone}/${s.progress.requestsTotal}, bytes ${s.progress.bytesDone}/${s.progress.bytesTotal})`,
          );
        }
      }),
    ),
  );
  const results = await lastValueFrom(events.pipe(assemble()));
  const running = await statsDone;
  const ms = performance.now() - t;

  // 4. Results and figures.
  const europe = results.europe!;
  const e = stats(europe);
  const latV = results.lat!.data as Float64Array;
  const lonV = results.lon!.data as Float64Array;
  console.log(
    `\nResults (${ms.toFixed(0)} ms, ${store.requests} requests, ${store.bytes} bytes, at most ${store.maxInFlight} in flight):`,
  );
  console.log(
    `  europe [${europe.shape}] lat ${latV[0]}..${latV[latV.length - 1]} lon ${lonV[0]}..${lonV[lonV.length - 1]}: ` +
      `min ${e.min.toFixed(2)} m, max ${e.max.toFixed(2)} m, mean ${e.mean.toFixed(3)} m (streamed mean ${running.mean.toFixed(3)} m)`,
  );
  for (let k = 0; k < levels.length; k++) {
    const lv = results[`level${k}`]!;
    console.log(`  multiscale/${k} [${lv.shape}]: mean ${stats(lv).mean.toFixed(3)} m`);
  }
  const pts = stats(results.points!);
  console.log(
    `  10,000 random points: min ${pts.min.toFixed(2)} m, max ${pts.max.toFixed(2)} m, mean ${pts.mean.toFixed(3)} m`,
  );

  mkdirSync(OUT, { recursive: true });
  const png = encode({
    width: europe.shape[1]!,
    height: europe.shape[0]!,
    data: renderRgba(europe, {}),
    channels: 4,
  });
  writeFileSync(join(OUT, "europe.png"), png);
  console.log(
    `\nWrote ${join("demo-output", "europe.png")} (${europe.shape[1]}×${europe.shape[0]}, viridis, north up)`,
  );

  // 5. The same Europe by label: stage 1 reads the lat/lon coordinates, stage 2 the data.
  const ds = await openDataset(root);
  const byLabel = labelledPlan({
    europe: ds.view("geoid").sel({ lat: slice(35, 71), lon: slice(-10, 40) }),
    london: ds.view("geoid").sel({ lat: 51.51, lon: -0.13 }, { method: "nearest" }),
  });
  console.log("\nBy label: sel({ lat: slice(35, 71), lon: slice(-10, 40) }) and London (nearest):");
  console.log(byLabel.explainText({ maxRows: 4 }));
  store.reset();
  const labelled = await byLabel.read();
  const eu = labelled.europe!;
  const la = eu.coords.lat as number[];
  const lo = eu.coords.lon as number[];
  // The positional read above is north-up (lat descending); the label read keeps the stored order.
  const same = eu.shape.every((n, d) => n === europe.shape[d]) && la.length === latV.length;
  console.log(
    `  europe dims [${eu.dims}] shape [${eu.shape}], lat ${la[0]}..${la[la.length - 1]}, lon ${lo[0]}..${lo[lo.length - 1]}` +
      ` (${same ? "the same region as the positional read" : "differs from the positional read!"}); ` +
      `London: geoid ${(labelled.london!.data as Float32Array)[0]!.toFixed(2)} m at lat ${labelled.london!.coords.lat}, lon ${labelled.london!.coords.lon}` +
      ` (${store.requests} requests)`,
  );

  // 6. What planning saves, like with like: both cold (a new Context each: no open arrays, no
  //    worker pool, a new store and its connections), both opening the hierarchy and reading the
  //    same views; one plan vs. the reads one after another, each its own plan.
  if (useHttp && server) {
    const url = `${server.url}egm96.zarr/`;
    const planned = await coldRun(url, async (views) => {
      const q = plan(views);
      await q.read();
      return q.explain().roundTrips;
    });
    const oneByOne = await coldRun(url, async (views) => {
      let trips = 0;
      for (const [name, view] of Object.entries(views)) {
        const q = plan({ [name]: view });
        trips += q.explain().roundTrips;
        await q.read();
      }
      return trips;
    });
    console.log(
      `\nCold, over HTTP with ${LATENCY_MS} ms per request (hierarchy opened in each, metadata included):`,
    );
    for (const [label, r] of [
      ["one plan", planned],
      ["one read after another", oneByOne],
    ] as const) {
      console.log(
        `  ${label.padEnd(22)} ${String(r.ms.toFixed(0)).padStart(5)} ms, ${String(r.requests).padStart(4)} requests, ` +
          `${String(r.roundTrips).padStart(3)} round trips, ${r.bytes} bytes`,
      );
    }
  }
} finally {
  await server?.stop();
}
