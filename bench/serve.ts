/**
 * Load test of the slice service (`npm run bench:serve -- [options]`), a benchmark, not a test: no
 * figure is asserted. Starts the peer benchmark's latency file server (20 ms before each response,
 * as `npm run bench:peers`; data in `bench/.peer-bench/data`: chunked.zarr and sharded.zarr, 8192²
 * float32, zstd) and two services over it, each in a process of its own (bench/serve-child.ts):
 *
 * - zarr-plan: the service as `zarr-plan serve` runs it (`createThreadedSliceHandler` over the file
 *   server's URL: one shared Context on an engine thread, HTTP answered on the main thread);
 * - zarr-plan-limited: the same with at most 16 plans running and 32 waiting (then 503 with
 *   `Retry-After`), to show saturation;
 * - zarr-plan-inline: the same routes with the engine on the HTTP thread (`createSliceHandler`
 *   over a `FetchStore`), to show what the engine thread's event loop goes through;
 * - baseline (bench/serve-baseline.ts): zarrita.js, open per request, `zarr.get`, no shared cache.
 *
 * At each level (1, 16, 64, 256 concurrent users by default) autocannon drives each service in
 * turn with random 256² tiles and random 100-point vindex reads, half each, of either array. The
 * table shows req/s, p50/p99 latency, errors and non-2xx answers, event-loop delay p99 of the
 * service process, store requests per user request (counted by the file server), cache hit ratios
 * (zarr-plan's `/v1/stats`) and peak RSS of the service process; the load average before and after.
 *
 * Options:
 *   --levels 1,16,64,256   concurrent users per level
 *   --services zarr-plan,zarr-plan-limited,zarr-plan-inline,baseline   which (default all four)
 *   --duration 10          seconds per level and service
 *   --latency-ms 20        the file server's latency
 *   --peer-bench DIR       the peer benchmark (default bench/.peer-bench, else /tmp/peer-bench)
 *   --cpu-prof DIR         write a CPU profile of each service process to DIR (node --cpu-prof)
 * Results are printed and written to bench/results/serve-<date>.md.
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const args = process.argv.slice(2);

function option(name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

const LEVELS = option("--levels", "1,16,64,256").split(",").map(Number);
const SERVICES = option(
  "--services",
  "zarr-plan,zarr-plan-limited,zarr-plan-inline,baseline",
).split(",");
const DURATION = Number(option("--duration", "10"));
const LATENCY_MS = Number(option("--latency-ms", "20"));
const CPU_PROF = args.includes("--cpu-prof")
  ? resolve(option("--cpu-prof", "bench/.profiles"))
  : undefined;
const PEER_BENCH = resolve(
  option(
    "--peer-bench",
    [join(ROOT, "bench/.peer-bench"), "/tmp/peer-bench"].find((d) =>
      existsSync(join(d, "data", "sharded.zarr")),
    ) ?? join(ROOT, "bench/.peer-bench"),
  ),
);
const ARRAYS = ["chunked.zarr", "sharded.zarr"];
const SIZE = 8192;
const TILE = 256;
const POINTS = 100;

if (!existsSync(join(PEER_BENCH, "data", "sharded.zarr"))) {
  throw new Error(
    `no peer-benchmark data in ${PEER_BENCH}/data (run npm run bench:peers once, or pass --peer-bench DIR)`,
  );
}

/** Spawns a process and resolves with it and the first stdout match of `ready`. */
function start(
  cmd: string,
  argv: string[],
  ready: RegExp,
): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, argv, { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] });
    let out = "";
    const onData = (d: Buffer) => {
      out += String(d);
      const m = ready.exec(out);
      if (m) {
        child.stdout!.off("data", onData);
        child.stdout!.resume();
        resolvePromise({ child, match: m });
      }
    };
    child.stdout!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${cmd} ${argv.join(" ")} exited ${code}`)));
  });
}

const randInt = (n: number) => Math.floor(Math.random() * n);

/** A random user request: a 256² tile or 100 random points of one of the arrays. */
function randomPath(): string {
  const array = ARRAYS[randInt(ARRAYS.length)]!;
  if (Math.random() < 0.5) {
    const r = randInt(SIZE - TILE);
    const c = randInt(SIZE - TILE);
    return `/v1/data/${array}?select=${r}:${r + TILE},${c}:${c + TILE}`;
  }
  const rows = Array.from({ length: POINTS }, () => randInt(SIZE));
  const cols = Array.from({ length: POINTS }, () => randInt(SIZE));
  return `/v1/data/${array}?vindex=${encodeURIComponent(`[${rows}],[${cols}]`)}`;
}

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const r = await fetch(url, init);
  return (await r.json()) as T;
}

interface CacheCounts {
  hits: number;
  misses: number;
}
interface ServeStats {
  cache: { metadata: CacheCounts; shardIndex: CacheCounts; chunk: CacheCounts };
  inFlightJoins: number;
}

function ratio(after: CacheCounts, before: CacheCounts): string {
  const h = after.hits - before.hits;
  const n = h + after.misses - before.misses;
  return n === 0 ? "–" : `${Math.round((100 * h) / n)}%`;
}

interface Row {
  users: number;
  service: string;
  reqPerSec: number;
  okPerSec: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  loopP99: number;
  storePerRequest: number;
  caches: string;
  joins: string;
  peakRssMB: number;
}

const loadBefore = loadavg();
const fileServer = await start(
  process.execPath,
  [
    join(PEER_BENCH, "server.mjs"),
    "--root",
    join(PEER_BENCH, "data"),
    "--port",
    "0",
    "--latency-ms",
    String(LATENCY_MS),
    "--exit-on-stdin-close",
  ],
  /"port":(\d+)/,
);
const storeUrl = `http://127.0.0.1:${fileServer.match[1]}`;
const services: { name: string; child: ChildProcess; url: string }[] = [];
for (const name of SERVICES) {
  const s = await start(
    process.execPath,
    [
      // One file per thread (tsx runs its loader on a thread of its own).
      ...(CPU_PROF ? ["--cpu-prof", "--cpu-prof-dir", join(CPU_PROF, name)] : []),
      "--import",
      "tsx",
      join(ROOT, "bench/serve-child.ts"),
      name,
      storeUrl,
    ],
    /listening on (http:\/\/\S+)/,
  );
  services.push({ name, child: s.child, url: s.match[1]! });
}

const rows: Row[] = [];
try {
  for (const users of LEVELS) {
    for (const s of services) {
      await fetch(`${storeUrl}/__reset`, { method: "POST" });
      await fetch(`${s.url}/__bench/reset`, { method: "POST" });
      const before = s.name.startsWith("zarr-plan")
        ? await json<ServeStats>(`${s.url}/v1/stats`)
        : undefined;
      const result = await autocannon({
        url: s.url,
        connections: users,
        duration: DURATION,
        timeout: 30,
        requests: [{ setupRequest: (req) => ({ ...req, path: randomPath() }) }],
      });
      const store = await json<{ requests: number }>(`${storeUrl}/__stats`);
      const bench = await json<{ peakRssMB: number; eventLoopDelayMs: { p99: number } }>(
        `${s.url}/__bench`,
      );
      const after = before ? await json<ServeStats>(`${s.url}/v1/stats`) : undefined;
      const answered = result.requests.total;
      rows.push({
        users,
        service: s.name,
        reqPerSec: result.requests.average,
        okPerSec: result["2xx"] / DURATION,
        p50: result.latency.p50,
        p99: result.latency.p99,
        errors: result.errors,
        non2xx: result.non2xx,
        loopP99: bench.eventLoopDelayMs.p99,
        storePerRequest: answered === 0 ? Number.NaN : store.requests / answered,
        caches:
          before && after
            ? `${ratio(after.cache.metadata, before.cache.metadata)} / ${ratio(after.cache.shardIndex, before.cache.shardIndex)} / ${ratio(after.cache.chunk, before.cache.chunk)}`
            : "–",
        joins: before && after ? String(after.inFlightJoins - before.inFlightJoins) : "–",
        peakRssMB: bench.peakRssMB,
      });
      process.stderr.write(`${users} users, ${s.name}: ${result.requests.average} req/s\n`);
    }
  }
} finally {
  for (const s of services) s.child.stdin!.end();
  fileServer.child.stdin!.end();
}
const loadAfter = loadavg();

const f1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : "–");
const lines = [
  `# Slice service load test (${new Date().toISOString()})`,
  "",
  `File server latency ${LATENCY_MS} ms; ${DURATION} s per level and service; users ask random ${TILE}² tiles and random ${POINTS}-point vindex reads (half each) of ${ARRAYS.join(" and ")} (${SIZE}² float32, zstd).`,
  `Load average before: ${loadBefore.map((v) => v.toFixed(2)).join(", ")}; after: ${loadAfter.map((v) => v.toFixed(2)).join(", ")}.`,
  "",
  "| users | service | req/s | 2xx/s | p50 ms | p99 ms | errors | non-2xx | HTTP event-loop delay p99 ms | store requests / request | cache hits metadata / shard index / chunk | in-flight joins | peak RSS MB |",
  "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|",
  ...rows.map(
    (r) =>
      `| ${r.users} | ${r.service} | ${f1(r.reqPerSec)} | ${f1(r.okPerSec)} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.non2xx} | ${f1(r.loopP99)} | ${f1(r.storePerRequest)} | ${r.caches} | ${r.joins} | ${r.peakRssMB} |`,
  ),
  "",
];
const text = lines.join("\n");
process.stdout.write(text);
mkdirSync(join(ROOT, "bench/results"), { recursive: true });
const file = join(
  ROOT,
  "bench/results",
  `serve-${new Date().toISOString().replace(/[:.]/g, "-")}.md`,
);
writeFileSync(file, text);
process.stderr.write(`written to ${file}\n`);
