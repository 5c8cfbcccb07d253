/**
 * The network floor of the peer benchmark's workloads in Node: how long zarr-plan's own requests
 * take when nothing is decoded, validated or copied. For each workload and latency it records the
 * requests one zarr-plan repetition makes (the latency server's request log: keys and byte
 * ranges), then replays them in the order their dependencies allow and no later, with two
 * clients that only move bytes: plain `node:http` (one keep-alive agent, no connection limit) and
 * zarr-plan's own `FetchStore` transport without the engine (a fresh store per repetition, on one
 * `HttpConnections`); every body is read into memory and dropped. Both keep their connections
 * from one repetition to the next, as the peer clients do (zarrita.js through `fetch`'s global
 * pool, TensorStore through its shared HTTP transport, zarr-plan through its Context). The floor is
 * the faster of the two. The order:
 *   1. the dataset's root metadata first, when the workload opens a group (W7, W7c);
 *   2. every other metadata document (`zarr.json`, `.zarray`, `.zattrs`, `.zgroup`, `.zmetadata`)
 *      at once, as the peer clients open their arrays concurrently;
 *   3. per object: its shard index (a range ending at the object's end, when other ranges of the
 *      object follow), then that object's other requests as soon as its index is in.
 * A client that makes these requests through this server cannot finish before the floor, so
 * `floor / zarrita` is the best ratio reachable against zarrita.js on that workload, in that run.
 *
 * `npm run bench:floor -- [--latencies 20,0] [--workloads W5,W7] [--reps 5] [--tag NAME]`; also
 * run by `npm run bench:peers` after the peer benchmark (same latencies, workloads and tag), which
 * adds the floor to that run's report. Needs `bench/.peer-bench/` (made by `bench:peers`) and a
 * build (`npm run build`).
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { startPeerServer } from "./peer-server.js";
import { median } from "./stats.js";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));

/** One request of the server's log: URL path, byte range `[start, end)`, status, method. */
export type LoggedRequest = readonly [
  path: string,
  start: number,
  end: number,
  status: number,
  method: string,
];

/** The requests of one workload in dependency order: each stage starts when the one before ends. */
export interface RequestStages {
  /** Metadata, in rounds (the group root's first when the workload opens a group). */
  readonly metadata: readonly (readonly LoggedRequest[])[];
  /** Per object: its shard index (if read) and the requests that need it. */
  readonly objects: readonly {
    readonly index?: LoggedRequest;
    readonly rest: readonly LoggedRequest[];
  }[];
}

/** Options of {@link networkFloor}. */
export interface FloorOptions {
  /** The peer benchmark's working copy (default `bench/.peer-bench`). */
  readonly peerBench?: string;
  /** First-byte latencies, ms. */
  readonly latencies: readonly number[];
  /** Workload ids (default: every workload of `resolved.json`); variants (`W3:x`) are skipped. */
  readonly workloads?: readonly string[];
  /** Timed repetitions of each client, after {@link WARMUP} untimed ones (default 5). */
  readonly reps?: number;
}

/** The floor of one workload at one latency. */
export interface FloorRow {
  readonly latencyMs: number;
  readonly workload: string;
  readonly requests: number;
  readonly bytes: number;
  /** Sequential stages on the longest dependency chain (metadata rounds, then index → data). */
  readonly rounds: number;
  /** Median and fastest repetition of the faster client, ms. */
  readonly msMedian: number;
  readonly msMin: number;
  /** The faster client. */
  readonly client: string;
  /** Median ms of each client. */
  readonly byClient: Readonly<Record<string, number>>;
}

/** Untimed repetitions of each client before the timed ones. */
const WARMUP = 3;

const METADATA = /(^|\/)(zarr\.json|\.zarray|\.zattrs|\.zgroup|\.zmetadata)$/;

/**
 * Orders logged requests by what each needs first (see the module doc). `sizeOf` gives an
 * object's size in bytes (to tell a shard index, a range ending at the object's end, from data).
 */
export function stagesOf(
  log: readonly LoggedRequest[],
  datasetPath: string,
  opensGroup: boolean,
  sizeOf: (path: string) => number,
): RequestStages {
  const root = `/${datasetPath}/zarr.json`;
  const first: LoggedRequest[] = [];
  const meta: LoggedRequest[] = [];
  const byObject = new Map<string, LoggedRequest[]>();
  for (const r of log) {
    if (METADATA.test(r[0])) (opensGroup && r[0] === root ? first : meta).push(r);
    else {
      const list = byObject.get(r[0]) ?? [];
      byObject.set(r[0], list);
      list.push(r);
    }
  }
  const objects = [...byObject].map(([path, list]) => {
    const size = sizeOf(path);
    const i = list.length > 1 ? list.findIndex((r) => r[2] === size && r[1] > 0) : -1;
    if (i < 0) return { rest: list };
    return { index: list[i]!, rest: list.filter((_, k) => k !== i) };
  });
  const metadata = [first, meta].filter((round) => round.length > 0);
  return { metadata, objects };
}

/** Sends one logged request, reads its whole body and resolves with its length in bytes. */
type Replay = (r: LoggedRequest) => Promise<number>;

/** A replayer on plain `node:http` through `agent` (keep-alive). */
function nodeHttp(base: URL, agent: Agent): Replay {
  return (r) => viaAgent(base, agent, r);
}

/** What the floor uses of zarr-plan's `StoreRequestOptions`. */
interface Connections {
  close(): void;
}

interface ZarrPlanModule {
  FetchStore: new (
    url: string,
  ) => {
    get(key: string, options: { connections: Connections }): Promise<Uint8Array | undefined>;
    getRange(
      key: string,
      range: { offset: number; length: number },
      options: { connections: Connections },
    ): Promise<Uint8Array | undefined>;
  };
  HttpConnections: new () => Connections;
}

/**
 * A replayer on a fresh zarr-plan `FetchStore` (its transport only: no scheduler, no decoding)
 * sending on `connections`.
 */
function fetchStore(zp: ZarrPlanModule, base: URL, connections: Connections): Replay {
  const store = new zp.FetchStore(base.href);
  const o = { connections };
  return async (r) => {
    const key = decodeURIComponent(r[0].slice(1));
    if (r[4] !== "GET") throw new Error(`${key}: ${r[4]} is not replayed through FetchStore`);
    const body =
      r[3] === 206
        ? await store.getRange(key, { offset: r[1], length: r[2] - r[1] }, o)
        : await store.get(key, o);
    if (!body) throw new Error(`${key}: missing on replay`);
    return body.length;
  };
}

function viaAgent(base: URL, agent: Agent, r: LoggedRequest): Promise<number> {
  const url = new URL(r[0].slice(1), base);
  const headers: Record<string, string> = {};
  if (r[3] === 206) headers.range = `bytes=${r[1]}-${r[2] - 1}`;
  return new Promise((done, fail) => {
    const req = request(url, { agent, method: r[4], headers }, (res) => {
      let n = 0;
      res.on("data", (b: Buffer) => {
        n += b.length;
      });
      res.on("end", () => done(n));
      res.on("error", fail);
    });
    req.on("error", fail);
    req.end();
  });
}

/** One timed replay of `stages`: ms from the first request to the last byte. */
async function timeStages(send: Replay, stages: RequestStages): Promise<number> {
  const t0 = performance.now();
  for (const round of stages.metadata) await Promise.all(round.map(send));
  await Promise.all(
    stages.objects.map(async (o) => {
      if (o.index) await send(o.index);
      await Promise.all(o.rest.map(send));
    }),
  );
  return performance.now() - t0;
}

interface Resolved {
  datasets: Record<string, { path: string }>;
  workloads: { id: string; dataset: string; op: string }[];
}

async function control(url: string, path: string, method = "GET"): Promise<unknown> {
  const res = await fetch(new URL(path, url), { method });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status}`);
  return res.json();
}

/** Runs the peer benchmark's zarr-plan client once (no warm-up) against `url` for `workload`. */
function recordOnce(work: string, url: string, workload: string): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      join(work, "clients", "zarr-plan.mjs"),
      "--url",
      url.replace(/\/$/, ""),
      "--resolved",
      join(work, "data", "resolved.json"),
      "--workloads",
      workload,
      "--reps",
      "1",
      "--warmup",
      "0",
    ],
    {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, ZARR_PLAN_DIST: join(ROOT, "dist", "index.js") },
    },
  );
  return new Promise((done, fail) => {
    child.once("error", fail);
    child.once("exit", (code) =>
      code === 0
        ? done()
        : fail(new Error(`zarr-plan client exited with code ${code} on ${workload}`)),
    );
  });
}

/** Measures the floor of every workload at every latency (see the module doc). */
export async function networkFloor(options: FloorOptions): Promise<FloorRow[]> {
  const work = resolve(options.peerBench ?? join(ROOT, "bench", ".peer-bench"));
  const resolved = JSON.parse(
    readFileSync(join(work, "data", "resolved.json"), "utf8"),
  ) as Resolved;
  const ids = (options.workloads ?? resolved.workloads.map((w) => w.id)).filter(
    (id) => !id.includes(":"),
  );
  const reps = options.reps ?? 5;
  const zp = (await import(pathToFileURL(join(ROOT, "dist", "index.js")).href)) as ZarrPlanModule;
  const rows: FloorRow[] = [];
  for (const latencyMs of options.latencies) {
    const server = await startPeerServer(work, latencyMs);
    const url = server.url;
    try {
      for (const id of ids) {
        const w = resolved.workloads.find((x) => x.id === id);
        if (!w) throw new Error(`unknown workload ${id}`);
        const ds = resolved.datasets[w.dataset]!;
        await control(url, "/__reset", "POST");
        await recordOnce(work, url, id);
        const stats = (await control(url, "/__stats?log=1")) as {
          log: LoggedRequest[];
          logDropped: number;
        };
        if (stats.logDropped > 0)
          throw new Error(`the server's request log dropped ${stats.logDropped} entries`);
        const sizes = new Map<string, number>();
        const sizeOf = (p: string) => {
          const known = sizes.get(p);
          if (known !== undefined) return known;
          const s = statSync(join(work, "data", decodeURIComponent(p))).size;
          sizes.set(p, s);
          return s;
        };
        const stages = stagesOf(stats.log, ds.path, w.op === "open_members", sizeOf);
        const base = new URL(url);
        // Connections kept from one repetition to the next (see the module doc).
        const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
        const connections = new zp.HttpConnections();
        const clients = {
          "node:http": () => nodeHttp(base, agent),
          FetchStore: () => fetchStore(zp, base, connections),
        };
        const ms: Record<string, number[]> = { "node:http": [], FetchStore: [] };
        try {
          // Warm-up repetitions first (code not yet optimized takes several), then the two
          // clients alternate.
          for (let r = 0; r < WARMUP + reps; r++) {
            for (const [name, make] of Object.entries(clients)) {
              const t = await timeStages(make(), stages);
              if (r >= WARMUP) ms[name]!.push(t);
            }
          }
        } finally {
          agent.destroy();
          connections.close();
        }
        const rounds =
          stages.metadata.length +
          (stages.objects.some((o) => o.index) ? 2 : stages.objects.length > 0 ? 1 : 0);
        const byClient = Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, median(v)]));
        const best = Object.entries(ms).reduce((a, b) => (median(b[1]) < median(a[1]) ? b : a));
        rows.push({
          latencyMs,
          workload: id,
          requests: stats.log.length,
          bytes: stats.log.reduce((a, r) => a + (r[2] - r[1]), 0),
          rounds,
          msMedian: median(best[1]),
          msMin: Math.min(...best[1]),
          client: best[0],
          byClient,
        });
        process.stderr.write(
          `floor lat=${latencyMs} ${id}: ${JSON.stringify(byClient)} ms, ${stats.log.length} requests, ${rounds} rounds\n`,
        );
      }
    } finally {
      server.stop();
    }
  }
  return rows;
}

/** The floor as a Markdown section, beside zarrita.js's medians of the same run when given. */
export function floorMarkdown(
  rows: readonly FloorRow[],
  zarrita: ReadonlyMap<string, number>,
): string {
  const out = [
    "## Network floor (same run)",
    "",
    "zarr-plan's requests of one repetition replayed in dependency order (metadata, then per object shard index → data) with plain `node:http` and with zarr-plan's `FetchStore` transport alone, nothing decoded, connections kept from one repetition to the next (as every client here keeps them); the floor is the faster. A client making these requests through this server would have to move bytes faster than both to finish sooner. Target = 0.5 × zarrita-tuned.",
    "",
    "| latency | workload | requests | rounds | node:http ms | FetchStore ms | floor ms (median · min) | zarrita ms | floor / zarrita | 0.5× target reachable |",
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|",
  ];
  for (const r of rows) {
    const z = zarrita.get(`${r.latencyMs}/${r.workload}`);
    const ratio = z === undefined ? undefined : r.msMedian / z;
    out.push(
      `| ${r.latencyMs} | ${r.workload} | ${r.requests} | ${r.rounds} | ${r.byClient["node:http"]?.toFixed(1)} | ${r.byClient.FetchStore?.toFixed(1)} | ${r.msMedian.toFixed(1)} · ${r.msMin.toFixed(1)} | ${z?.toFixed(1) ?? "n/a"} | ${ratio?.toFixed(2) ?? "n/a"} | ${ratio === undefined ? "n/a" : ratio < 0.5 ? "yes" : "**no**"} |`,
    );
  }
  out.push(
    "",
    `Load average after the floor: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(", ")}.`,
    "",
  );
  return out.join("\n");
}

/**
 * zarrita-tuned's median per `latency/workload` from a peer benchmark result file (W3 and W3s
 * take its `chunkwise` variant, as the closing notes compare them).
 */
export function zarritaMedians(resultFile: string): Map<string, number> {
  const doc = JSON.parse(readFileSync(resultFile, "utf8")) as {
    runs: {
      latencyMs: number;
      rows: { client: string; workload: string; summary: { wallMsMedian?: number } }[];
    }[];
  };
  const m = new Map<string, number>();
  for (const run of doc.runs) {
    for (const row of run.rows) {
      if (row.client !== "zarrita-tuned" || row.summary.wallMsMedian === undefined) continue;
      const [id, variant] = row.workload.split(":");
      const chunkwise = id === "W3" || id === "W3s";
      if (variant === undefined ? chunkwise : !(chunkwise && variant === "chunkwise")) continue;
      m.set(`${run.latencyMs}/${id}`, row.summary.wallMsMedian);
    }
  }
  return m;
}

/**
 * Measures the floor and writes `floor-<tag>.json` into the peer benchmark's results; when a
 * `peers-<date>-<tag>.json` exists (the newest, for the run's own date), appends the floor beside
 * zarrita.js's medians to its `.md`.
 */
export async function floorForRun(
  options: FloorOptions & { readonly tag?: string },
): Promise<void> {
  const work = resolve(options.peerBench ?? join(ROOT, "bench", ".peer-bench"));
  const rows = await networkFloor(options);
  const results = join(work, "results");
  const stem = options.tag ? `-${options.tag}` : "";
  writeFileSync(
    join(results, `floor${stem}.json`),
    JSON.stringify({ loadavgAfter: loadavg(), rows }, null, 1),
  );
  // The run's report: the newest `peers-<date><stem>.json` (its date is the run's start).
  const peers = readdirSync(results)
    .filter(
      (f) =>
        f.startsWith("peers-") &&
        f.endsWith(`${stem}.json`) &&
        (stem || /^peers-\d{4}-\d{2}-\d{2}\.json$/.test(f)),
    )
    .map((f) => join(results, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  const zarrita = peers ? zarritaMedians(peers) : new Map<string, number>();
  const md = floorMarkdown(rows, zarrita);
  const report = peers?.replace(/\.json$/, ".md");
  if (report && existsSync(report))
    writeFileSync(report, `${readFileSync(report, "utf8").trimEnd()}\n\n${md}`);
  process.stdout.write(`${md}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { parseArgs } = await import("node:util");
  const { values } = parseArgs({
    options: {
      latencies: { type: "string", default: "20,0" },
      workloads: { type: "string" },
      reps: { type: "string", default: "5" },
      tag: { type: "string" },
    },
  });
  await floorForRun({
    latencies: values.latencies.split(",").map(Number),
    ...(values.workloads ? { workloads: values.workloads.split(",") } : {}),
    reps: Number(values.reps),
    ...(values.tag ? { tag: values.tag } : {}),
  });
}
