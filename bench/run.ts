/**
 * The benchmark runner (issue 6): `npx tsx bench/run.ts [options]` (`npm run bench`).
 *
 * Generates the datasets when missing, starts the latency server, then for each latency, each
 * workload and each repetition runs every client once (order rotated per repetition), each with a
 * fresh client and a cold open, resetting the server counters before every run. Prints a markdown
 * table and writes `bench/results/latest.json` and `latest.md` (plus `<size>.json` / `<size>.md`).
 *
 * Options:
 *   --full                 the full dataset sizes (default: quick)
 *   --latency 20,0         first-byte latencies in ms (default 20,0)
 *   --reps 5               repetitions (default 5)
 *   --only W1,W3           workloads to run (default: all)
 *   --clients a,b          clients (default: zarr-plan,zarrita,zarrita-tuned)
 *   --zarrita-points 500   zarrita's per-point W3 reads the first N points and is extrapolated
 *                          (default 500; 0 = all 10,000)
 *   --bandwidth 100        bandwidth cap in MB/s (default: none)
 *   --timeout 300          per-run timeout in seconds (default 300)
 *   --docs                 also replace this size's table in docs/performance.md
 *   --in-process-server    run the latency server in this process (default: a child process,
 *                          so serving costs the measured client no CPU, as a real object store)
 *   --decode-workers N     zarr-plan's decode worker threads (default: its own default)
 * @module
 */

import { mkdir, readFile, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { configureDecodeWorkers, defaultContext } from "../src/index.js";
import { CLIENT_NAMES, type ClientName, client } from "./clients.js";
import { type DatasetSpec, datasetDir, ensureDatasets, type SizeName, SPECS } from "./datasets.js";
import { type ServerCounters, startServer } from "./server.js";
import { inProcess, type RemoteServer, startServerProcess } from "./server-process.js";
import { median } from "./stats.js";
import { type RunContext, type RunOutput, WORKLOADS, type Workload } from "./workloads.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const RESULTS = join(HERE, "results");
const DOCS = join(HERE, "..", "docs", "performance.md");

/** Reference figures (full size, same harness style, 2-core machine). */
interface Reference {
  /** tensorstore 0.1.85 requests. */
  tsRequests?: number;
  /** tensorstore 0.1.85 median ms by latency. */
  tsMs?: Record<number, number>;
  /** zarrita.js tuned median ms by latency. */
  zarritaTunedMs?: Record<number, number>;
}

const REFERENCE: Record<string, Reference> = {
  W1: { tsRequests: 2, tsMs: { 20: 79, 0: 28 }, zarritaTunedMs: { 20: 187 } },
  W1x: { tsRequests: 23, tsMs: { 20: 106 } },
  W2: { tsRequests: 17, tsMs: { 20: 401, 0: 295 }, zarritaTunedMs: { 20: 1774 } },
  W3: { tsRequests: 17, tsMs: { 20: 351, 0: 313 }, zarritaTunedMs: { 20: 17798 } },
  W3s: { tsRequests: 164, tsMs: { 20: 200 } },
  W4: { tsRequests: 17, tsMs: { 20: 339, 0: 316 }, zarritaTunedMs: { 20: 1886 } },
  W5: { tsRequests: 32, tsMs: { 20: 96 }, zarritaTunedMs: { 20: 130 } },
  W6: { tsRequests: 14, tsMs: { 20: 86 } },
  W7: { tsRequests: 101, tsMs: { 20: 72 } },
  W7c: { tsRequests: 1, tsMs: { 20: 25 } },
};

/** One run of one client on one workload. */
interface RunRecord {
  rep: number;
  /** Order of this client within the repetition (0 = first). */
  position: number;
  /** Wall time, open included (measured, not extrapolated). */
  ms: number;
  counters: ServerCounters;
  /** Share of the workload run (< 1: extrapolated). */
  fraction: number;
  /** `undefined` when correct. */
  wrong?: string;
  error?: string;
  note?: string;
  /** The part run when `fraction < 1`, e.g. "500 points". */
  part?: string;
}

interface Summary {
  /** Median wall time in ms (extrapolated when `fraction < 1`). */
  ms: number;
  /** Median measured wall time in ms (differs from `ms` for partial runs only). */
  measuredMs: number;
  minMs: number;
  maxMs: number;
  requests: number;
  rangeRequests: number;
  headRequests: number;
  notFound: number;
  bytes: number;
  uniqueBytes: number;
  maxInFlight: number;
}

interface Cell {
  workload: string;
  client: ClientName;
  latencyMs: number;
  status: "ok" | "wrong" | "error";
  message?: string;
  /** Set when the time is extrapolated from part of the workload. */
  extrapolated?: string;
  /** The part run, e.g. "500 points". */
  partOf?: string;
  note?: string;
  summary?: Summary;
  runs: RunRecord[];
}

interface Options {
  size: SizeName;
  latencies: number[];
  reps: number;
  only: string[] | undefined;
  clients: ClientName[];
  zarritaPoints: number;
  bandwidth: number | undefined;
  timeoutMs: number;
  docs: boolean;
  inProcessServer: boolean;
  decodeWorkers: number | undefined;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      full: { type: "boolean", default: false },
      latency: { type: "string", default: "20,0" },
      reps: { type: "string", default: "5" },
      only: { type: "string" },
      clients: { type: "string" },
      "zarrita-points": { type: "string", default: "500" },
      bandwidth: { type: "string" },
      timeout: { type: "string", default: "300" },
      docs: { type: "boolean", default: false },
      "in-process-server": { type: "boolean", default: false },
      "decode-workers": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    const src = process.argv[1] ?? "bench/run.ts";
    console.log(`usage: npx tsx ${src} [--full] [--latency 20,0] [--reps 5] [--only W1,W3]
  [--clients zarr-plan,zarrita,zarrita-tuned] [--zarrita-points 500] [--bandwidth MB/s]
  [--timeout s] [--docs] [--in-process-server] [--decode-workers N]`);
    process.exit(0);
  }
  const num = (s: string, name: string) => {
    const v = Number(s);
    if (!Number.isFinite(v) || v < 0) throw new Error(`--${name}: not a number: ${s}`);
    return v;
  };
  const ids = WORKLOADS.map((w) => w.id);
  const only = values.only?.split(",").map((s) => s.trim());
  for (const id of only ?? []) {
    if (!ids.includes(id))
      throw new Error(`--only: unknown workload ${id} (known: ${ids.join(", ")})`);
  }
  const clients = (values.clients?.split(",").map((s) => s.trim()) ?? [
    ...CLIENT_NAMES,
  ]) as ClientName[];
  for (const c of clients) {
    if (!CLIENT_NAMES.includes(c))
      throw new Error(`--clients: unknown client ${c} (known: ${CLIENT_NAMES.join(", ")})`);
  }
  const reps = Math.max(1, Math.round(num(values.reps, "reps")));
  return {
    size: values.full ? "full" : "quick",
    latencies: values.latency.split(",").map((s) => num(s.trim(), "latency")),
    reps,
    only,
    clients,
    zarritaPoints: Math.round(num(values["zarrita-points"], "zarrita-points")),
    bandwidth: values.bandwidth ? num(values.bandwidth, "bandwidth") * 1e6 : undefined,
    timeoutMs: num(values.timeout, "timeout") * 1000,
    docs: values.docs,
    inProcessServer: values["in-process-server"],
    decodeWorkers:
      values["decode-workers"] !== undefined
        ? Math.round(num(values["decode-workers"], "decode-workers"))
        : undefined,
  };
}

function message(e: unknown): string {
  const m =
    e instanceof Error ? `${e.name === "Error" ? "" : `${e.name}: `}${e.message}` : String(e);
  return m.replace(/\s+/g, " ").slice(0, 160);
}

/**
 * Waits until the server has served everything (requests of a failed or timed-out run may still
 * be in flight) and then `settleMs` more without any request, at most 10 s.
 */
async function quiet(server: RemoteServer, settleMs: number): Promise<void> {
  const deadline = performance.now() + 10_000;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  for (;;) {
    while ((await server.counters()).inFlight > 0 && performance.now() < deadline) await sleep(5);
    if (settleMs <= 0 || performance.now() >= deadline) return;
    const before = (await server.counters()).requests;
    await sleep(settleMs);
    const after = await server.counters();
    if (after.inFlight === 0 && after.requests === before) return;
  }
}

/** The counters without the in-flight gauge. */
async function countersOf(server: RemoteServer): Promise<ServerCounters> {
  const { inFlight: _, ...c } = await server.counters();
  return c;
}

async function runOnce(
  w: Workload,
  name: ClientName,
  ctx: RunContext,
  timeoutMs: number,
): Promise<{ out: RunOutput; ms: number }> {
  const c = client(name);
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort(new Error(`timeout after ${timeoutMs / 1000} s`));
      reject(new Error(`timeout after ${timeoutMs / 1000} s`));
    }, timeoutMs);
  });
  const runCtx: RunContext = { ...ctx, signal: abort.signal };
  const t0 = performance.now();
  try {
    const out = await Promise.race([
      c.kind === "zarr-plan" ? w.zarrPlan(c, runCtx) : w.zarrita(c, runCtx),
      timeout,
    ]);
    return { out, ms: performance.now() - t0 };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Medians over the runs. Only the time is extrapolated for partial runs (`fraction < 1`): request
 * and byte counts of a partial run are not proportional (zarrita-tuned coalesces more requests
 * when more are issued at once), so they are the measured ones.
 */
function summarize(runs: RunRecord[]): Summary {
  const scaled = (f: (r: RunRecord) => number) => median(runs.map(f));
  const ms = runs.map((r) => r.ms / r.fraction);
  return {
    ms: median(ms),
    measuredMs: median(runs.map((r) => r.ms)),
    minMs: Math.min(...ms),
    maxMs: Math.max(...ms),
    requests: scaled((r) => r.counters.requests),
    rangeRequests: scaled((r) => r.counters.rangeRequests),
    headRequests: scaled((r) => r.counters.headRequests),
    notFound: scaled((r) => r.counters.notFound),
    bytes: scaled((r) => r.counters.bytesSent),
    uniqueBytes: scaled((r) => r.counters.uniqueBytes),
    maxInFlight: median(runs.map((r) => r.counters.maxInFlight)),
  };
}

function cellOf(w: Workload, name: ClientName, latencyMs: number, runs: RunRecord[]): Cell {
  const cell: Cell = { workload: w.id, client: name, latencyMs, status: "ok", runs };
  const failed = runs.find((r) => r.error !== undefined);
  const wrong = runs.find((r) => r.wrong !== undefined);
  if (failed) {
    cell.status = "error";
    cell.message = failed.error;
  } else if (wrong) {
    cell.status = "wrong";
    cell.message = wrong.wrong;
  }
  const good = runs.filter((r) => r.error === undefined);
  if (good.length > 0) cell.summary = summarize(good);
  const partial = good.find((r) => r.fraction < 1);
  if (partial) {
    cell.extrapolated = partial.note ?? `extrapolated ×${1 / partial.fraction}`;
    cell.partOf = partial.part ?? `${(partial.fraction * 100).toFixed(0)} %`;
  }
  const note = good.find((r) => r.note && r.fraction === 1)?.note;
  if (note) cell.note = note;
  return cell;
}

// ---------------------------------------------------------------------------------------------
// report

const fmtMs = (ms: number) =>
  ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
const fmtMB = (b: number) => {
  const mb = b / 1e6;
  return mb >= 10 ? mb.toFixed(0) : mb >= 0.1 ? mb.toFixed(2) : mb.toFixed(3);
};
const fmtN = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));
const escapeCell = (s: string) => s.replace(/\|/g, "\\|");

function cellText(cell: Cell | undefined): string {
  if (!cell) return "—";
  if (cell.status === "error") return escapeCell(`error: ${cell.message ?? "?"}`);
  const s = cell.summary;
  if (!s) return "—";
  const counts = `${fmtN(s.requests)} req · ${fmtMB(s.bytes)} MB · ≤${fmtN(s.maxInFlight)}`;
  let t = cell.extrapolated
    ? `~**${fmtMs(s.ms)}** ms ¹ (${fmtMs(s.measuredMs)} ms · ${counts} for ${cell.partOf ?? "part"})`
    : `**${fmtMs(s.ms)}** ms · ${counts}`;
  if (cell.status === "wrong") t = `✗ wrong: ${escapeCell(cell.message ?? "?")} (${t})`;
  return t;
}

function referenceText(id: string, latencyMs: number): string {
  const r = REFERENCE[id];
  if (!r) return "";
  const parts: string[] = [];
  const ts = r.tsMs?.[latencyMs];
  if (ts !== undefined || r.tsRequests !== undefined) {
    parts.push(
      `ts ${ts !== undefined ? `${ts} ms` : "—"}${r.tsRequests !== undefined ? ` · ${r.tsRequests} req` : ""}`,
    );
  }
  const zt = r.zarritaTunedMs?.[latencyMs];
  if (zt !== undefined) parts.push(`zarrita-tuned ${zt} ms`);
  return parts.join("; ");
}

interface Report {
  meta: {
    date: string;
    size: SizeName;
    spec: DatasetSpec;
    node: string;
    cpus: string;
    cores: number;
    memoryGB: number;
    reps: number;
    latencies: number[];
    bandwidthBytesPerSec: number | null;
    zarritaPoints: number;
    clients: ClientName[];
    zarrPlanW5: string;
    totalSeconds: number;
    /** Where the latency server ran. */
    server: "child process" | "in process";
    /** zarr-plan's decode worker threads. */
    decodeWorkers: number;
  };
  workloads: { id: string; title: string; zarritaMethod?: string }[];
  reference: Record<string, Reference>;
  cells: Cell[];
}

function markdown(report: Report): string {
  const { meta } = report;
  const lines: string[] = [];
  lines.push(
    `Size **${meta.size}**, ${meta.reps} repetitions (median; cold open each time), ${meta.cores} × ${meta.cpus}, Node ${meta.node}, ${meta.date.slice(0, 16).replace("T", " ")} UTC` +
      (meta.bandwidthBytesPerSec ? `, bandwidth cap ${meta.bandwidthBytesPerSec / 1e6} MB/s` : "") +
      `; latency server in ${meta.server === "in process" ? "the benchmark's process" : "a child process"}; zarr-plan decode workers: ${meta.decodeWorkers}.`,
  );
  lines.push("");
  lines.push(
    "Cells: median wall time · requests · MB sent by the server · max requests in flight. Every result is checked against the coordinate formula (✗ marks a wrong result). Ratio: zarr-plan ms / zarrita-tuned ms (below 1: zarr-plan is faster). Reference: full size, same harness style on a 2-core machine — tensorstore 0.1.85 (ts) and zarrita.js tuned; only comparable to `--full` runs.",
  );
  for (const latency of meta.latencies) {
    lines.push("");
    lines.push(`#### ${latency} ms first-byte latency`);
    lines.push("");
    const head = ["workload", ...meta.clients, "zarr-plan / tuned", "reference (full size)"];
    lines.push(`| ${head.join(" | ")} |`);
    lines.push(`|${head.map(() => "---").join("|")}|`);
    for (const w of report.workloads) {
      const cells = meta.clients.map((c) =>
        report.cells.find((x) => x.workload === w.id && x.client === c && x.latencyMs === latency),
      );
      if (cells.every((c) => c === undefined)) continue;
      const zp = report.cells.find(
        (x) => x.workload === w.id && x.client === "zarr-plan" && x.latencyMs === latency,
      );
      const zt = report.cells.find(
        (x) => x.workload === w.id && x.client === "zarrita-tuned" && x.latencyMs === latency,
      );
      const ratio =
        zp?.summary && zt?.summary && zp.status !== "error" && zt.status !== "error"
          ? (zp.summary.ms / zt.summary.ms).toFixed(2)
          : "—";
      lines.push(
        `| ${w.id} | ${cells.map(cellText).join(" | ")} | ${ratio} | ${referenceText(w.id, latency)} |`,
      );
    }
  }
  lines.push("");
  lines.push("Workloads:");
  lines.push("");
  for (const w of report.workloads) {
    const extra = w.zarritaMethod ? ` — zarrita: ${w.zarritaMethod}` : "";
    lines.push(`- **${w.id}**: ${w.title}${extra}.`);
  }
  const extrapolated = report.cells.find((c) => c.extrapolated);
  lines.push("");
  if (extrapolated) {
    lines.push(
      `¹ Time extrapolated: ${extrapolated.extrapolated}; requests, bytes and in-flight are those measured on that part (zarrita's one-get-per-point W3 takes minutes; \`--zarrita-points 0\` runs all points).`,
    );
  }
  lines.push(`zarr-plan W5: ${meta.zarrPlanW5}.`);
  return lines.join("\n");
}

/** Replaces the text between `<!-- bench:<size>:start -->` and `<!-- bench:<size>:end -->`. */
async function updateDocs(size: SizeName, table: string): Promise<boolean> {
  const start = `<!-- bench:${size}:start -->`;
  const end = `<!-- bench:${size}:end -->`;
  const text = await readFile(DOCS, "utf8").catch(() => undefined);
  if (text === undefined) return false;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) return false;
  await writeFile(DOCS, `${text.slice(0, i + start.length)}\n${table}\n${text.slice(j)}`);
  return true;
}

// ---------------------------------------------------------------------------------------------
// main

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const t0 = performance.now();
  const spec = SPECS[opts.size];
  const log = (s: string) => process.stderr.write(`${s}\n`);
  log(
    `zarr-plan benchmark: ${opts.size} size, latencies ${opts.latencies.join(", ")} ms, ${opts.reps} reps`,
  );
  if (await ensureDatasets(opts.size, log)) log(`datasets written to ${datasetDir(opts.size)}`);

  const workloads = WORKLOADS.filter((w) => !opts.only || opts.only.includes(w.id));
  const serverOptions = {
    root: datasetDir(opts.size),
    latencyMs: 0,
    bandwidthBytesPerSec: opts.bandwidth,
    idleTimeoutMs: Math.max(120_000, opts.timeoutMs + 60_000),
  };
  const server = opts.inProcessServer
    ? inProcess(await startServer(serverOptions))
    : await startServerProcess(serverOptions);
  if (opts.decodeWorkers !== undefined) configureDecodeWorkers({ workers: opts.decodeWorkers });
  const cells: Cell[] = [];
  let failed = false;
  const w5Notes = new Set<string>();
  try {
    const baseCtx = {
      url: server.url,
      spec,
      zarritaPointCap: opts.zarritaPoints,
      signal: new AbortController().signal,
    };
    // Warm-up (untimed): JIT, WebAssembly codecs, connection pool.
    for (const name of opts.clients) {
      for (const w of WORKLOADS.filter((x) => x.id === "W1" || x.id === "W6")) {
        await runOnce(w, name, baseCtx, opts.timeoutMs).catch(() => undefined);
      }
    }
    for (const latency of opts.latencies) {
      await server.setLatency(latency);
      for (const w of workloads) {
        const runs = new Map<ClientName, RunRecord[]>(opts.clients.map((c) => [c, []]));
        for (let rep = 0; rep < opts.reps; rep++) {
          const k = rep % opts.clients.length;
          const order = [...opts.clients.slice(k), ...opts.clients.slice(0, k)];
          for (const [position, name] of order.entries()) {
            await quiet(server, failed ? 250 : 0);
            failed = false;
            const gc = (globalThis as { gc?: () => void }).gc;
            if (gc) gc();
            await server.reset();
            const rec: RunRecord = {
              rep,
              position,
              ms: 0,
              counters: await countersOf(server),
              fraction: 1,
            };
            try {
              const { out, ms } = await runOnce(w, name, baseCtx, opts.timeoutMs);
              rec.ms = ms;
              rec.counters = await countersOf(server);
              rec.fraction = out.fraction ?? 1;
              if (out.note) rec.note = out.note;
              if (out.part) rec.part = out.part;
              if (w.id === "W5" && name === "zarr-plan" && out.note) w5Notes.add(out.note);
              try {
                rec.wrong = w.check(out, spec);
              } catch (e) {
                rec.wrong = `check failed: ${message(e)}`;
              }
            } catch (e) {
              rec.counters = await countersOf(server);
              rec.error = message(e);
              failed = true;
            }
            runs.get(name)!.push(rec);
          }
        }
        for (const name of opts.clients) {
          const cell = cellOf(w, name, latency, runs.get(name)!);
          cells.push(cell);
          const s = cell.summary;
          log(
            `${String(latency).padStart(3)} ms ${w.id.padEnd(4)} ${name.padEnd(14)} ` +
              (cell.status === "error"
                ? `error: ${cell.message}`
                : `${fmtMs(s?.ms ?? Number.NaN).padStart(8)} ms ${fmtN(s?.requests ?? 0).padStart(7)} req ${fmtMB(s?.bytes ?? 0).padStart(7)} MB ≤${fmtN(s?.maxInFlight ?? 0)}` +
                  (cell.status === "wrong" ? `  WRONG: ${cell.message}` : "") +
                  (cell.extrapolated ? `  (${cell.extrapolated})` : "")),
          );
        }
      }
    }
  } finally {
    await server.stop();
  }

  const cpuList = cpus();
  const report: Report = {
    meta: {
      date: new Date().toISOString(),
      size: opts.size,
      spec,
      node: process.version,
      cpus: cpuList[0]?.model.trim() ?? "unknown CPU",
      cores: cpuList.length,
      memoryGB: Math.round(totalmem() / 2 ** 30),
      reps: opts.reps,
      latencies: opts.latencies,
      bandwidthBytesPerSec: opts.bandwidth ?? null,
      zarritaPoints: opts.zarritaPoints,
      clients: opts.clients,
      zarrPlanW5: w5Notes.size > 0 ? [...w5Notes].join(", ") : "not run",
      totalSeconds: Math.round((performance.now() - t0) / 1000),
      server: opts.inProcessServer ? "in process" : "child process",
      decodeWorkers: defaultContext().decodePool.workers,
    },
    workloads: workloads.map((w) => ({
      id: w.id,
      title: w.title(spec),
      ...(w.zarritaMethod ? { zarritaMethod: w.zarritaMethod } : {}),
    })),
    reference: REFERENCE,
    cells,
  };
  const md = markdown(report);
  await mkdir(RESULTS, { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  await writeFile(join(RESULTS, "latest.json"), json);
  await writeFile(join(RESULTS, "latest.md"), `${md}\n`);
  await writeFile(join(RESULTS, `${opts.size}.json`), json);
  await writeFile(join(RESULTS, `${opts.size}.md`), `${md}\n`);
  console.log(md);
  log(
    `\nwrote bench/results/latest.{json,md} and ${opts.size}.{json,md} (${report.meta.totalSeconds} s)`,
  );
  if (opts.docs) {
    log(
      (await updateDocs(opts.size, md))
        ? "updated docs/performance.md"
        : "docs/performance.md: no bench markers, not updated",
    );
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
