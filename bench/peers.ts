/**
 * The peer benchmark against this checkout (`npm run bench:peers -- [options]`): runs the shared
 * peer benchmark (`../shared/peer-bench`: zarr-plan, zarrita.js tuned and TensorStore on the same
 * latency-injecting loopback server, the same data and counters, every result checksummed) with
 * zarr-plan imported from this checkout's `dist/`.
 *
 * It copies the peer benchmark to `bench/.peer-bench/` (once; its 2.4 GB of data are generated
 * there on the first run), installs its JavaScript peers (`npm ci`), builds this checkout, runs
 * `run.mjs` with the options given after `--`, then measures the network floor of the same
 * workloads at the same latencies (`network-floor.ts`: zarr-plan's requests replayed with nothing
 * decoded, added to the run's report beside zarrita.js's times), and then zarr-plan's peak
 * resident memory on W2 in a process of its own (one cold repetition). Results:
 * `bench/.peer-bench/results/`.
 *
 * Options (everything else goes to the peer benchmark's `run.mjs`):
 *   --peer-bench DIR   where the shared peer benchmark is (default ../shared/peer-bench)
 *   --python PATH      a Python with numpy and tensorstore for the TensorStore client (default:
 *                      $PYTHON); without one, leave `tensorstore` out of `--clients` and compare
 *                      with the TensorStore figures in the peer benchmark's `results/`
 *   --no-rss           skip the memory measurement
 *   --no-floor         skip the network floor
 *   --data-dir DIR     keep the generated data in DIR (e.g. /dev/shm/peer-bench-data, a tmpfs)
 *                      and link `bench/.peer-bench/data` to it; an existing `data/` directory
 *                      is moved there. The latency server reads every request from its files:
 *                      where the kernel pages out cold page cache (DAMON reclaim, seen on VMs of
 *                      this kind as kdamond with the `pageout` action and up to a third of CPU
 *                      time in I/O wait during a run), a tmpfs keeps them in memory for every
 *                      client alike.
 *
 * Example: `npm run bench:peers -- --python /tmp/pb-venv/bin/python \
 *   --clients zarr-plan,zarrita-tuned,tensorstore --latencies 20,0`
 * @module
 */
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { floorForRun } from "./network-floor.js";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const args = process.argv.slice(2);

function take(name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
}

function flag(name: string): boolean {
  const i = args.indexOf(name);
  if (i >= 0) args.splice(i, 1);
  return i >= 0;
}

function run(cmd: string, argv: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): void {
  const r = spawnSync(cmd, argv, { cwd, env, stdio: "inherit" });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(" ")} failed (exit ${r.status})`);
}

const source = resolve(take("--peer-bench") ?? join(ROOT, "..", "shared", "peer-bench"));
const python = take("--python") ?? process.env.PYTHON;
const skipRss = flag("--no-rss");
const skipFloor = flag("--no-floor");
const dataDir = take("--data-dir");
const work = join(ROOT, "bench", ".peer-bench");

if (!existsSync(join(source, "run.mjs"))) {
  throw new Error(`no peer benchmark at ${source} (pass --peer-bench DIR)`);
}
if (!existsSync(join(work, "run.mjs"))) {
  cpSync(source, work, { recursive: true });
  // The shared copy is read-only; the working copy must be writable (data/, results/).
  run("chmod", ["-R", "u+w", work], ROOT);
}
if (dataDir !== undefined) linkData(join(work, "data"), resolve(dataDir));
if (!existsSync(join(work, "node_modules"))) run("npm", ["ci"], work);
run("npm", ["run", "build"], ROOT);

const dist = join(ROOT, "dist", "index.js");
const env = { ...process.env, ZARR_PLAN_DIST: dist, ...(python ? { PYTHON: python } : {}) };
run(process.execPath, ["run.mjs", ...args], work, env);

if (!skipFloor) {
  // The options run.mjs was given that the floor shares (run.mjs's defaults otherwise).
  const arg = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const workloads = arg("--workloads");
  const tag = arg("--tag");
  await floorForRun({
    peerBench: work,
    latencies: (arg("--latencies") ?? "20,0").split(",").map(Number),
    ...(workloads ? { workloads: workloads.split(",") } : {}),
    ...(tag ? { tag } : {}),
  });
}

if (!skipRss) {
  // Peak RSS of one cold W2 read (every 8th row and column of the 8192² sharded array) in a
  // process of its own, with the same server settings (no latency), beside its parts.
  const resolved = JSON.parse(readFileSync(join(work, "data", "resolved.json"), "utf8")) as {
    workloads: { id: string; sel?: [number, number, number][] }[];
  };
  const w2 = resolved.workloads.find((w) => w.id === "W2");
  if (w2) {
    const script = `
      const { spawn } = await import("node:child_process");
      const zp = await import(${JSON.stringify(dist)});
      const srv = spawn(process.execPath, [${JSON.stringify(join(work, "server.mjs"))}, "--root", ${JSON.stringify(join(work, "data"))}, "--port", "0", "--latency-ms", "0", "--exit-on-stdin-close"], { stdio: ["pipe", "pipe", "inherit"] });
      const url = await new Promise((res) => srv.stdout.on("data", (d) => { const m = /"port":(\\d+)/.exec(String(d)); if (m) res("http://127.0.0.1:" + m[1]); }));
      const before = process.memoryUsage().rss;
      const a = await zp.openArray(new zp.FetchStore(url + "/sharded.zarr"));
      const out = await a.lazy().get(zp.slice(0, 8192, 8), zp.slice(0, 8192, 8)).read();
      const ctx = zp.defaultContext();
      // Every figure in MiB (2^20 bytes): maxRSS is in KiB on Linux.
      const MiB = 2 ** 20;
      const m = {
        workload: "W2", peakRssMiB: process.resourceUsage().maxRSS / 1024, rssBeforeReadMiB: before / MiB,
        outputMiB: out.data.byteLength / MiB, bodyBudgetMiB: ctx.bodyBuffers.maxBytesInFlight / MiB,
        innerChunkMiB: a.chunks.reduce((n, d) => n * d, a.dtype.itemSize) / MiB,
        decodeWorkers: ctx.decodePool.workers,
      };
      console.log(JSON.stringify(m));
      // Issue 18's target: growth of the resident set during the read within 1.5x of the output,
      // the compressed bytes that may be in flight (the body budget) and one decoded inner chunk
      // per decode worker.
      const growth = m.peakRssMiB - m.rssBeforeReadMiB;
      const budget = m.outputMiB + m.bodyBudgetMiB + m.decodeWorkers * m.innerChunkMiB;
      console.log("W2 peak RSS " + m.peakRssMiB.toFixed(1) + " MiB, " + m.rssBeforeReadMiB.toFixed(1) + " MiB before the read: growth " + growth.toFixed(1) + " MiB against " + budget.toFixed(1) + " MiB (output " + m.outputMiB.toFixed(1) + " + body budget " + m.bodyBudgetMiB.toFixed(1) + " + " + m.decodeWorkers + " x " + m.innerChunkMiB.toFixed(2) + "): " + (growth / budget).toFixed(2) + "x, " + (growth <= 1.5 * budget ? "met" : "missed") + ".");
      srv.stdin.end(); process.exit(0);
    `;
    run(process.execPath, ["--input-type=module", "-e", script], ROOT);
  }
}

/**
 * Makes `link` (the peer benchmark's `data/`) a symbolic link to `target`, moving the files of an
 * existing `data/` directory there first (a copy where they are on another file system).
 */
function linkData(link: string, target: string): void {
  mkdirSync(target, { recursive: true });
  const stat = existsSync(link) ? lstatSync(link) : undefined;
  if (stat?.isSymbolicLink()) {
    if (realpathSync(link) === realpathSync(target)) return;
    rmSync(link);
  } else if (stat?.isDirectory()) {
    for (const name of readdirSync(link)) {
      const from = join(link, name);
      const to = join(target, name);
      try {
        renameSync(from, to);
      } catch {
        cpSync(from, to, { recursive: true });
        rmSync(from, { recursive: true, force: true });
      }
    }
    rmSync(link, { recursive: true, force: true });
  }
  symlinkSync(target, link, "dir");
}
