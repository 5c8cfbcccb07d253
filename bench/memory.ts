/**
 * Peak memory of one workload run (issue 6: "peak RSS for W2 within 1.5× of output size +
 * in-flight compressed bytes + one decoded chunk per decode worker"):
 * `npx tsx bench/memory.ts [--full] [--only W2] [--clients zarr-plan,zarrita-tuned] [--latency 20]`.
 *
 * Each client runs each workload once in a fresh Node process (`--child`), after a warm-up read
 * of W1 so the runtime, JIT and WebAssembly codecs are loaded. The child samples its resident set
 * (`process.memoryUsage().rss`, which includes worker threads) every 2 ms during the run and
 * reports the baseline before it and the peak. The budget is computed from the run itself:
 * output bytes + the compressed bytes that can be in flight (max requests in flight × mean
 * request size, both measured at the server) + one decoded inner chunk per decode worker.
 * @module
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CLIENT_NAMES, type ClientName, client } from "./clients.js";
import { datasetDir, ensureDatasets, type SizeName, SPECS } from "./datasets.js";
import { startServerProcess } from "./server-process.js";
import { WORKLOADS } from "./workloads.js";

interface ChildResult {
  baselineMB: number;
  peakMB: number;
  ms: number;
  outputBytes: number;
  decodeWorkers: number;
  wrong?: string;
}

async function child(): Promise<void> {
  const [, , , name, id, url, size] = process.argv;
  const spec = SPECS[size as SizeName];
  const w = WORKLOADS.find((x) => x.id === id)!;
  const warm = WORKLOADS.find((x) => x.id === "W1")!;
  const ctx = { url: url!, spec, signal: new AbortController().signal, zarritaPointCap: 0 };
  const run = (wl: typeof w) => {
    const c = client(name as ClientName);
    return c.kind === "zarr-plan" ? wl.zarrPlan(c, ctx) : wl.zarrita(c, ctx);
  };
  await run(warm);
  // The parent zeroes the server's counters between the warm-up and the measured run.
  await new Promise<void>((r) => {
    process.once("message", () => r());
    process.send!({ ready: true });
  });
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 50));
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => {
    const r = process.memoryUsage().rss;
    if (r > peak) peak = r;
  }, 2);
  const t0 = performance.now();
  const out = await run(w);
  const ms = performance.now() - t0;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  let outputBytes = 0;
  for (const v of out.values) {
    const d = v.data as ArrayLike<number> & { byteLength?: number };
    outputBytes += d.byteLength ?? d.length * 8;
  }
  const { defaultContext } = await import("../src/index.js");
  const decodePool = defaultContext().decodePool;
  const result: ChildResult = {
    baselineMB: baseline / 2 ** 20,
    peakMB: peak / 2 ** 20,
    ms,
    outputBytes,
    decodeWorkers: name === "zarr-plan" ? decodePool.workers : 0,
    wrong: w.check(out, spec),
  };
  process.send!(result, () => process.exit(0));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      full: { type: "boolean", default: false },
      only: { type: "string", default: "W2" },
      clients: { type: "string", default: "zarr-plan,zarrita-tuned" },
      latency: { type: "string", default: "20" },
    },
  });
  const size: SizeName = values.full ? "full" : "quick";
  const spec = SPECS[size];
  await ensureDatasets(size, (l) => console.error(l));
  const server = await startServerProcess({
    root: datasetDir(size),
    latencyMs: Number(values.latency),
  });
  const innerBytes = spec.inner * spec.inner * 4;
  console.log(
    `Peak RSS per run (${size} size, ${values.latency} ms latency), fresh process per run; budget = output + max in flight × mean request + one ${innerBytes / 1024} KiB decoded inner chunk per decode worker.\n`,
  );
  console.log(
    "| workload | client | ms | baseline MB | peak MB | peak − baseline MB | budget MB | (peak − baseline) / budget |\n|---|---|---|---|---|---|---|---|",
  );
  try {
    for (const id of values.only.split(",")) {
      for (const name of values.clients.split(",") as ClientName[]) {
        if (!CLIENT_NAMES.includes(name)) throw new Error(`unknown client ${name}`);
        const r = await new Promise<ChildResult>((resolve, reject) => {
          const c = fork(fileURLToPath(import.meta.url), ["--child", name, id, server.url, size], {
            execArgv: ["--import", "tsx", "--expose-gc"],
          });
          c.on("message", (m: ChildResult | { ready: true }) => {
            if ("ready" in m) void server.reset().then(() => c.send("go"));
            else resolve(m);
          });
          c.once("exit", (code) => code !== 0 && reject(new Error(`child exited ${code}`)));
        });
        const k = await server.counters();
        const meanRequest = k.requests > 0 ? k.bytesSent / k.requests : 0;
        const budget = r.outputBytes + k.maxInFlight * meanRequest + r.decodeWorkers * innerBytes;
        const grew = r.peakMB - r.baselineMB;
        console.log(
          `| ${id} | ${name}${r.wrong ? " ✗" : ""} | ${r.ms.toFixed(0)} | ${r.baselineMB.toFixed(0)} | ${r.peakMB.toFixed(0)} | ${grew.toFixed(0)} | ${(budget / 2 ** 20).toFixed(0)} | ${(grew / (budget / 2 ** 20)).toFixed(2)} |`,
        );
      }
    }
  } finally {
    await server.stop();
  }
}

if (process.argv[2] === "--child") await child();
else await main();
