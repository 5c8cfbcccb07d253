/**
 * `npm run demo:cluster [-- options]`: the mean over time (axis 0) of the peer benchmark's cube
 * (`cube.zarr`, 365×720×1440 float32 in 30×180×180 zstd chunks) computed by BullMQ worker processes
 * (`zarr-plan worker`) on a throwaway Redis, with 1, 2 and 4 workers in turn. A demo, not a test:
 * no figure is asserted. For each count it prints the wall time, the per-partition overhead (job
 * time on the worker minus its read, and turnaround minus job time: queueing, Redis, result
 * transfer), and the bytes and partitions each worker took; then checks the distributed mean
 * against a single-process read of a few rows (exact up to float64 rounding of the sums).
 *
 * Options:
 *   --workers 1,2,4      worker process counts, one run each
 *   --partitions 8       partitions per run (the same for every count, so runs compare)
 *   --peer-bench DIR     the peer benchmark (default bench/.peer-bench, else /tmp/peer-bench)
 * Needs `redis-server` (Debian: apt-get install redis-server), the `ioredis` package, and the cube
 * (generated once by `npm run bench:peers`, or by the peer benchmark's gen_data.py).
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { hasRedisClient, type QueueRunResult, runOnQueue } from "../src/distribute/index.js";
import {
  type AxisStatsState,
  Context,
  FileSystemStore,
  openArray,
  plan,
  slice,
  summarizeStats,
} from "../src/index.js";
import { redisProblem, redisServerPath, startRedis } from "../tests/helpers/redis.js";
import { median } from "./stats.js";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const args = process.argv.slice(2);

function option(name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

const WORKERS = option("--workers", "1,2,4").split(",").map(Number);
const PARTITIONS = Number(option("--partitions", "8"));
const PEER_BENCH = resolve(
  option(
    "--peer-bench",
    [join(ROOT, "bench/.peer-bench"), "/tmp/peer-bench"].find((d) =>
      existsSync(join(d, "data", "cube.zarr", "zarr.json")),
    ) ?? join(ROOT, "bench/.peer-bench"),
  ),
);
const CUBE = join(PEER_BENCH, "data", "cube.zarr");

function fail(message: string): never {
  process.stderr.write(`demo:cluster: ${message}\n`);
  process.exit(1);
}

if (!existsSync(join(CUBE, "zarr.json"))) {
  fail(
    `no cube at ${CUBE}. Generate the peer benchmark's data once with \`npm run bench:peers\` (it copies ../shared/peer-bench to bench/.peer-bench and writes data/, about 2.4 GB, with tensorstore: see bench/peers.ts), or pass --peer-bench DIR holding data/cube.zarr.`,
  );
}
if (!redisServerPath()) {
  fail(
    "redis-server is not installed (Debian: apt-get install redis-server); the demo starts its own on a free loopback port.",
  );
}
if (!hasRedisClient()) {
  fail("the Redis client package ioredis is not installed (npm install ioredis): BullMQ needs it.");
}

const redis = await startRedis();
if (!redis) fail(`redis-server did not start: ${redisProblem}`);

const MAIN = join(ROOT, "src/cli/main.ts");
const children = new Set<ChildProcess>();

/** A `zarr-plan worker` process; resolves once it waits for jobs. */
function startWorker(queue: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", MAIN, "worker", "--queue", redis!.url(queue)],
    {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  children.add(child);
  return new Promise((res, rej) => {
    const lines = createInterface({ input: child.stderr! });
    let seen = "";
    const onExit = () => rej(new Error(`worker exited: ${seen}`));
    child.once("exit", onExit);
    lines.on("line", (line) => {
      seen = `${seen}${line}\n`.slice(-2000);
      if (/^worker .* on queue/.test(line)) {
        child.off("exit", onExit);
        res(child);
      }
    });
  });
}

async function stopWorkers(): Promise<void> {
  await Promise.all(
    [...children].map(
      (c) =>
        new Promise<void>((res) => {
          children.delete(c);
          if (c.exitCode !== null || c.signalCode !== null) return res();
          c.once("exit", () => res());
          c.kill("SIGTERM");
        }),
    ),
  );
}

const mib = (b: number) => `${(b / 1024 ** 2).toFixed(1)} MiB`;
const ms = (v: number) => `${Math.round(v)} ms`;

function report(n: number, run: QueueRunResult): void {
  const parts = run.partitions;
  const workerOverhead = parts.map((p) => p.jobMs - p.readMs);
  const queueOverhead = parts.map((p) => p.turnaroundMs - p.jobMs);
  process.stdout.write(
    `\n${n} worker(s): wall ${ms(run.wallMs)}, ${parts.length} partitions, load average ${loadavg()[0]!.toFixed(2)}\n` +
      `  per partition: read median ${ms(median(parts.map((p) => p.readMs)))}, worker overhead (open, statistics, result) median ${ms(median(workerOverhead))}, turnaround minus job (queue wait, Redis, transfer) median ${ms(median(queueOverhead))}\n`,
  );
  const byWorker = new Map<string, { partitions: number; bytes: number; readMs: number }>();
  for (const p of parts) {
    const w = byWorker.get(p.worker) ?? { partitions: 0, bytes: 0, readMs: 0 };
    w.partitions++;
    w.bytes += p.bytes;
    w.readMs += p.readMs;
    byWorker.set(p.worker, w);
  }
  for (const [name, w] of byWorker) {
    process.stdout.write(
      `  ${name}: ${w.partitions} partitions, ${mib(w.bytes)} fetched, ${ms(w.readMs)} reading\n`,
    );
  }
}

const context = new Context();
const cube = await openArray(new FileSystemStore(CUBE), "", { context });
const thePlan = plan({ cube: cube.lazy() }, { context });
process.stdout.write(
  `mean over time of ${CUBE}: shape [${cube.shape}], chunks [${cube.chunks}], ${cpus().length} cores\n`,
);
let last: AxisStatsState | undefined;
try {
  for (const n of WORKERS) {
    const queue = `cluster-${n}`;
    await Promise.all(Array.from({ length: n }, () => startWorker(queue)));
    const run = await runOnQueue(thePlan, {
      connection: { host: redis!.host, port: redis!.port },
      queue,
      partition: { count: PARTITIONS },
      mode: "stats",
      statsAxis: 0,
      // The cube's partitions return 1M per-position states each: allow Redis a while.
      readyTimeoutMs: 30_000,
    });
    report(n, run);
    last = run.stats!.cube as AxisStatsState;
    await stopWorkers();
  }
  if (last) {
    // Check: the mean of a few (lat) rows read here, against the distributed mean.
    const rows = await plan({ r: cube.lazy().get(slice(), slice(400, 402)) }, { context }).read();
    const mean = summarizeStats(last).mean;
    const r = rows.r!;
    const [t, , lon] = r.shape as [number, number, number];
    let worst = 0;
    for (let y = 0; y < 2; y++) {
      for (let x = 0; x < lon; x++) {
        let sum = 0;
        for (let k = 0; k < t; k++) sum += Number(r.data[(k * 2 + y) * lon + x]);
        const d = Math.abs(sum / t - (mean.data[(400 + y) * lon + x] as number));
        worst = Math.max(worst, d);
      }
    }
    process.stdout.write(
      `\ncheck: rows 400-401 of the mean against a local read: largest difference ${worst.toExponential(2)}\n`,
    );
  }
} finally {
  await stopWorkers();
  context.close();
  await redis!.stop();
}
