/**
 * Measures the executor defaults: requests in flight per store (`DEFAULT_STORE_CONCURRENCY`) and the
 * coalescing policy (`DEFAULT_MAX_GAP`, `DEFAULT_MAX_SIZE`), through a loopback HTTP server that
 * behaves like an object store: every request waits `--latency` ms (default 20) before its first
 * byte, and every response is paced at `--bandwidth` MB/s *per connection* (default 100; object
 * stores limit each connection, not the sum).
 *
 *   npx tsx bench/plan-defaults.ts [--latency 20] [--bandwidth 100] [--reps 3] [--only C,P2000,P200,R700]
 *
 * Data (generated once into a temp directory): `s`, 4096² uint16, shards 1024² of inner chunks 64²
 * (8 KiB each, uncompressed: 16 shards × 256 inner chunks), and `c`, 512 chunks of 16 KiB.
 * Workloads: C = every chunk of `c` (512 GETs) at concurrency 4…256; P2000 / P200 = 2,000 / 200
 * random points of `s` (vindex) and R = a 700² region at [100, 300] of `s`, at several gaps/caps.
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { open, stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join, normalize } from "node:path";
import { parseArgs } from "node:util";
import {
  configureStore,
  createArray,
  dataType,
  FetchStore,
  FileSystemStore,
  openArray,
  plan,
  slice,
} from "../src/index.js";
import { median } from "./stats.js";

const { values: args } = parseArgs({
  options: {
    latency: { type: "string", default: "20" },
    bandwidth: { type: "string", default: "100" },
    reps: { type: "string", default: "3" },
    only: { type: "string", default: "C,P2000,P200,R700" },
  },
});
const LATENCY = Number(args.latency);
const BW = Number(args.bandwidth) * 1e6;
const REPS = Number(args.reps);
const ONLY = new Set(String(args.only).split(","));

async function serve(
  root: string,
): Promise<{ url: string; server: Server; stats: { requests: number; bytes: number } }> {
  const stats = { requests: 0, bytes: 0 };
  const server = createServer(async (req, res) => {
    stats.requests++;
    await new Promise((r) => setTimeout(r, LATENCY));
    const path = join(
      root,
      normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)),
    );
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      res.writeHead(404).end();
      return;
    }
    let start = 0;
    let end = size - 1;
    const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? "");
    if (m) {
      if (m[1] === "") start = Math.max(0, size - Number(m[2]));
      else {
        start = Number(m[1]);
        if (m[2] !== "") end = Math.min(end, Number(m[2]));
      }
    }
    const len = end - start + 1;
    const fh = await open(path, "r");
    const body = Buffer.alloc(len);
    await fh.read(body, 0, len, start);
    await fh.close();
    stats.bytes += len;
    res.writeHead(m ? 206 : 200, {
      "Content-Length": String(len),
      ...(m ? { "Content-Range": `bytes ${start}-${end}/${size}` } : {}),
    });
    // Pace this response at BW bytes/s (per connection), 64 KiB at a time.
    const piece = 64 * 1024;
    const t0 = performance.now();
    for (let at = 0; at < len; at += piece) {
      const due = ((at + piece) / BW) * 1000 - (performance.now() - t0);
      if (due > 1) await new Promise((r) => setTimeout(r, due));
      res.write(body.subarray(at, Math.min(len, at + piece)));
    }
    res.end();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  if (!addr || typeof addr === "string") throw new Error("no address");
  return { url: `http://127.0.0.1:${addr.port}/`, server, stats };
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "zarr-plan-defaults-"));
  try {
    const fs = new FileSystemStore(dir);
    const N = 4096;
    const s = await createArray(fs, "s", {
      shape: [N, N],
      chunks: [64, 64],
      shards: [1024, 1024],
      dtype: "uint16",
      compressor: null,
    });
    const row = new Uint16Array(256 * N);
    for (let r0 = 0; r0 < N; r0 += 256) {
      for (let i = 0; i < row.length; i++) row[i] = (r0 * N + i) & 0xffff;
      await s.write(
        { data: row, shape: [256, N], strides: [N, 1], dtype: dataType("uint16") },
        { start: [r0, 0] },
      );
    }
    const c = await createArray(fs, "c", {
      shape: [512, 8192],
      chunks: [1, 8192],
      dtype: "uint16",
      compressor: null,
    });
    await c.write({
      data: new Uint16Array(512 * 8192).fill(7),
      shape: [512, 8192],
      strides: [8192, 1],
      dtype: dataType("uint16"),
    });

    const { url, server, stats } = await serve(dir);
    console.log(`latency ${LATENCY} ms, ${BW / 1e6} MB/s per connection, median of ${REPS}`);

    const time = async (label: string, run: (store: FetchStore) => Promise<void>) => {
      const ms: number[] = [];
      let requests = 0;
      let bytes = 0;
      for (let k = 0; k < REPS + 1; k++) {
        const store = new FetchStore(url);
        const before = { ...stats };
        const t0 = performance.now();
        await run(store);
        if (k > 0) ms.push(performance.now() - t0); // first run: warm-up
        requests = stats.requests - before.requests;
        bytes = stats.bytes - before.bytes;
      }
      const m = median(ms);
      console.log(
        `${label.padEnd(36)} ${m.toFixed(0).padStart(6)} ms  ${String(requests).padStart(5)} requests  ${(bytes / 2 ** 20).toFixed(2).padStart(7)} MiB`,
      );
      return m;
    };

    if (ONLY.has("C")) console.log("\nC: 512 GETs of 16 KiB (every chunk of c), by concurrency");
    for (const conc of ONLY.has("C") ? [4, 8, 16, 32, 64, 128, 256] : []) {
      await time(`concurrency ${conc}`, async (store) => {
        configureStore(store, { concurrency: conc });
        const a = await openArray(store, "c");
        await plan({ c: a.lazy() }).read();
      });
    }

    const r = rng(7);
    const pts = (n: number) => {
      const i = Int32Array.from({ length: n }, () => Math.floor(r() * N));
      const j = Int32Array.from({ length: n }, () => Math.floor(r() * N));
      return [i, j] as const;
    };
    const P2000 = pts(2000);
    const P200 = pts(200);
    const workloads: [
      string,
      (a: Awaited<ReturnType<typeof openArray>>) => ReturnType<typeof plan>,
    ][] = [
      ["P2000", (a) => plan({ p: a.lazy().vindex(P2000[0], P2000[1]) })],
      ["P200", (a) => plan({ p: a.lazy().vindex(P200[0], P200[1]) })],
      ["R700", (a) => plan({ r: a.lazy().get(slice(100, 800), slice(300, 1000)) })],
    ];
    const KiB = 1024;
    const MiB = 1024 * KiB;
    for (const conc of [32]) {
      for (const [name, make] of workloads.filter(([n]) => ONLY.has(n))) {
        console.log(`\n${name}: coalescing gap / cap (concurrency ${conc})`);
        const base = await time("gap 0, cap 8 MiB", async (store) => {
          configureStore(store, { concurrency: conc, maxGap: 0, maxSize: 8 * MiB });
          await make(await openArray(store, "s")).read();
        });
        for (const [gap, cap] of [
          [16 * KiB, 8 * MiB],
          [64 * KiB, 8 * MiB],
          [256 * KiB, 8 * MiB],
          [512 * KiB, 8 * MiB],
          [1 * MiB, 8 * MiB],
          [2 * MiB, 8 * MiB],
          [512 * KiB, 1 * MiB],
          [512 * KiB, 2 * MiB],
          [512 * KiB, 16 * MiB],
        ] as const) {
          const t = await time(`gap ${gap / KiB} KiB, cap ${cap / MiB} MiB`, async (store) => {
            configureStore(store, { concurrency: conc, maxGap: gap, maxSize: cap });
            await make(await openArray(store, "s")).read();
          });
          console.log(`${"".padEnd(36)} ${(t / base).toFixed(2)}× of gap 0`);
        }
      }
    }
    await new Promise<void>((res) => {
      server.closeAllConnections();
      server.close(() => res());
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
