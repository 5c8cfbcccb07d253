/**
 * Plans run as partitions on BullMQ worker processes over a throwaway Redis
 * (`tests/helpers/redis.ts`): three `zarr-plan worker` processes take the partitions of fixture
 * plans (chunked and sharded arrays in FileSystemStores); the outputs put back together equal the
 * single-process `plan.read()` exactly, and stats mode equals the local statistics. A worker
 * SIGKILLed mid-partition has its job retried by another worker (BullMQ stalled-job handling) and
 * the output is still exact; a partition whose chunk is corrupt fails the run with the
 * partition's typed error. Skips (and says why) without redis-server or the ioredis client.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { cp, mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  hasRedisClient,
  PartitionError,
  type QueueRunResult,
  runOnQueue,
} from "../../src/distribute/index.js";
import {
  type AxisStatsState,
  Context,
  FileSystemStore,
  plan as makePlan,
  type NDArray,
  openArray,
  type Plan,
  readNpy,
  type StatsState,
  slice,
  statsOf,
  summarizeStats,
} from "../../src/index.js";
import { diffArrays } from "../helpers/compare.js";
import { redisProblem, startRedis, type TestRedis } from "../helpers/redis.js";

const REPO = resolve(import.meta.dirname, "../..");
const FIXTURES = join(REPO, "data/fixtures/v3/zarr-python");
const MAIN = join(REPO, "src/cli/main.ts");
const SLOW_WORKER = join(REPO, "tests/helpers/slow-worker.ts");
/** Short locks so a killed worker's job is retried within seconds (BullMQ defaults: 30 s). */
const LOCK_ARGS = ["--lock-duration", "1000", "--stalled-interval", "500"];

const client = hasRedisClient();
const redis: TestRedis | undefined = client ? await startRedis() : undefined;
/** Why the tests skip, in their titles; empty when they run. */
const why = redis
  ? ""
  : !client
    ? " (needs the ioredis package: npm install ioredis)"
    : ` (needs redis-server: ${redisProblem})`;

const children: ChildProcess[] = [];
const dirs: string[] = [];
const context = new Context();

/** A `zarr-plan worker` process on `queue`; resolves once it says it is waiting for jobs. */
function startWorker(queue: string, extra: string[] = []): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", MAIN, "worker", "--queue", redis!.url(queue), ...LOCK_ARGS, ...extra],
    { cwd: REPO, stdio: ["ignore", "ignore", "pipe"] },
  );
  children.push(child);
  return waitForLine(child, child.stderr!, /^worker .* on queue/).then(() => child);
}

/** Resolves with the first line of `stream` matching `pattern`; rejects when the process exits. */
function waitForLine(
  child: ChildProcess,
  stream: NodeJS.ReadableStream,
  pattern: RegExp,
): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let seen = "";
    const lines = createInterface({ input: stream });
    const onExit = () => reject(new Error(`process exited before ${pattern}: ${seen}`));
    lines.on("line", (line) => {
      seen = `${seen}${line}\n`.slice(-4000);
      if (pattern.test(line)) {
        child.off("exit", onExit);
        resolvePromise(line);
      }
    });
    child.once("exit", onExit);
  });
}

/** Runs `zarr-plan ARGS` in a process of its own: exit code and stderr. */
async function runCli(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd: REPO,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((r) => child.once("exit", r));
  return { code, stderr };
}

/** Stops worker processes with SIGTERM (they finish their jobs) and waits for them. */
async function stopAll(list: readonly ChildProcess[]): Promise<void> {
  await Promise.all(
    list.map(
      (c) =>
        new Promise<void>((r) => {
          if (c.exitCode !== null || c.signalCode !== null) return r();
          c.once("exit", () => r());
          c.kill("SIGTERM");
        }),
    ),
  );
}

/** A plan of reads over fixture arrays (absolute FileSystemStore locations). */
async function fixturePlan(
  root: string,
  reads: Record<
    string,
    {
      array: string;
      select?: (
        a: import("../../src/index.js").LazyArray,
      ) => import("../../src/index.js").LazyArray;
    }
  >,
): Promise<Plan> {
  const views: Record<string, import("../../src/index.js").LazyArray> = {};
  for (const [name, r] of Object.entries(reads)) {
    const a = await openArray(new FileSystemStore(join(root, r.array)), "", { context });
    views[name] = r.select ? r.select(a.lazy()) : a.lazy();
  }
  return makePlan(views, { context });
}

function expectSame(actual: Record<string, NDArray>, expected: Record<string, NDArray>): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [name, e] of Object.entries(expected)) {
    expect(diffArrays(actual[name]!, e), name).toBeUndefined();
  }
}

afterAll(async () => {
  await stopAll(children);
  context.close();
  await redis?.stop();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
}, 30_000);

describe.skipIf(!redis)(`distributed runs on 3 worker processes${why}`, () => {
  const queue = "exact";
  beforeAll(async () => {
    await Promise.all([startWorker(queue), startWorker(queue), startWorker(queue)]);
  }, 60_000);

  it("chunked and sharded reads come back exactly as plan.read() gives them", async () => {
    const plan = await fixturePlan(FIXTURES, {
      gzip: { array: "gzip_int32.zarr" },
      sharded: {
        array: "sharded_index_end_int32.zarr",
        select: (v) => v.get(slice(3, 37), slice(1, 49, 2)),
      },
      nan: { array: "sharded_partial_nan_float64.zarr" },
      cube: {
        array: "sharded_3d_transpose_int16.zarr",
        select: (v) => v.get(slice(), slice(2, 11), slice()),
      },
    });
    const expected = await plan.read();
    const run = await runOnQueue(plan, {
      connection: { host: redis!.host, port: redis!.port },
      queue,
      partition: { count: 4 },
    });
    expectSame(run.outputs!, expected);
    expect(run.partitions.length).toBeGreaterThan(1);
    // Partitions ran in worker processes, not here.
    for (const p of run.partitions) expect(p.worker).not.toBe("");
  }, 60_000);

  it("store mode: workers write their partitions into a Zarr store (nothing but figures through Redis)", async () => {
    const plan = await fixturePlan(FIXTURES, {
      gzip: { array: "gzip_int32.zarr" },
      sharded: {
        array: "sharded_index_end_int32.zarr",
        select: (v) => v.get(slice(3, 37), slice(1, 49, 2)),
      },
      points: { array: "gzip_int32.zarr", select: (v) => v.vindex([0, 5, 9, 5], [1, 2, 3, 2]) },
    });
    const expected = await plan.read();
    const out = await mkdtemp(join(tmpdir(), "zarr-plan-dist-out-"));
    dirs.push(out);
    const run = await runOnQueue(plan, {
      connection: { host: redis!.host, port: redis!.port },
      queue,
      mode: "store",
      // Small destination chunks: partitions share some, so their writes are read-modify-writes.
      output: { store: out, path: "results" },
      partition: { count: 4 },
    });
    expect(run.outputs).toBeUndefined();
    expect(run.written).toEqual({
      gzip: "results/gzip",
      sharded: "results/sharded",
      points: "results/points",
    });
    expect(run.partitions.length).toBeGreaterThan(1);
    const dst = new FileSystemStore(out);
    const got: Record<string, NDArray> = {};
    for (const [name, path] of Object.entries(run.written!)) {
      got[name] = await (await openArray(dst, path, { context })).read();
    }
    expectSame(got, expected);
  }, 60_000);

  it("a plan file (JSON) with chunk-boundary partitions gives the same outputs", async () => {
    const plan = await fixturePlan(FIXTURES, {
      blosc: { array: "blosc_zstd_bitshuffle_float32.zarr", select: (v) => v.get(slice(1, 19)) },
    });
    const run = await runOnQueue(JSON.parse(JSON.stringify(plan.toJSON())), {
      connection: { host: redis!.host, port: redis!.port },
      queue,
      partition: { by: "chunk", count: 3 },
      context,
    });
    expectSame(run.outputs!, await plan.read());
  }, 60_000);

  it("stats mode equals the statistics of the local read, whole and per axis", async () => {
    const plan = await fixturePlan(FIXTURES, {
      ints: { array: "gzip_int32.zarr" },
      nan: { array: "sharded_partial_nan_float64.zarr" },
    });
    const local = await plan.read();
    const connection = { host: redis!.host, port: redis!.port };
    const whole = await runOnQueue(plan, {
      connection,
      queue,
      partition: { count: 3 },
      mode: "stats",
    });
    for (const name of ["ints", "nan"]) {
      expectStatsClose(whole.stats![name]!, statsOf(local[name]!));
    }
    for (const axis of [0, 1]) {
      const run = await runOnQueue(plan, {
        connection,
        queue,
        partition: { count: 3 },
        mode: "stats",
        statsAxis: axis,
      });
      for (const name of ["ints", "nan"]) {
        expectStatsClose(run.stats![name]!, statsOf(local[name]!, { axis }));
      }
    }
  }, 60_000);

  it("a partition that fails for good fails the run with its typed error", async () => {
    const root = await mkdtemp(join(tmpdir(), "zarr-plan-dist-"));
    dirs.push(root);
    await cp(join(FIXTURES, "gzip_int32.zarr"), join(root, "gzip_int32.zarr"), {
      recursive: true,
    });
    // Corrupt one gzip chunk: its first bytes stay, the rest is cut off.
    await truncate(join(root, "gzip_int32.zarr/c/1/2"), 10);
    const plan = await fixturePlan(root, { a: { array: "gzip_int32.zarr" } });
    let error: unknown;
    try {
      await runOnQueue(plan, {
        connection: { host: redis!.host, port: redis!.port },
        queue,
        partition: { count: 3 },
      });
    } catch (e) {
      error = e;
    }
    const local = await plan.read().catch((e: unknown) => e as Error & { code: string });
    expect(error).toBeInstanceOf(PartitionError);
    expect((error as PartitionError).code).toBe((local as { code: string }).code);
    expect((error as PartitionError).message).toContain("c/1/2");
    expect((error as PartitionError).message).toMatch(/^partition \d+/);
  }, 60_000);

  it("zarr-plan run --queue writes the same .npy files as a local run, and --stats --axis", async () => {
    const out = await mkdtemp(join(tmpdir(), "zarr-plan-dist-out-"));
    dirs.push(out);
    const plan = await fixturePlan(FIXTURES, {
      g: { array: "gzip_int32.zarr", select: (v) => v.get(slice(2, 18), slice(3, 29)) },
    });
    const planFile = join(out, "plan.json");
    await writeFile(planFile, JSON.stringify(plan.toJSON()));
    const url = redis!.url(queue);
    const r = await runCli([
      "run",
      planFile,
      "--out",
      join(out, "r"),
      "--queue",
      url,
      "--partitions",
      "2",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/partitions \d+\/\d+/);
    const local = await plan.read();
    const got = readNpy(new Uint8Array(await readFile(join(out, "r", "g.npy"))));
    expect(diffArrays(got, local.g!)).toBeUndefined();
    // --stats --axis 0: the statistics along axis 0, and their mean as .npy.
    const s = await runCli([
      "run",
      planFile,
      "--out",
      join(out, "s"),
      "--queue",
      url,
      "--partitions",
      "3",
      "--stats",
      "--axis",
      "0",
    ]);
    expect(s.code, s.stderr).toBe(0);
    const expected = statsOf(local.g!, { axis: 0 });
    expectStatsClose(JSON.parse(await readFile(join(out, "s", "g.stats.json"), "utf8")), expected);
    const mean = readNpy(new Uint8Array(await readFile(join(out, "s", "g.mean.npy"))));
    const want = summarizeStats(expected).mean;
    expect(mean.shape).toEqual(want.shape);
    (mean.data as Float64Array).forEach((m, k) => {
      expect(Math.abs(m - want.data[k]!)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(m)));
    });
    // --out-store: the workers write the read into a Zarr store; no --out needed.
    const w = await runCli([
      "run",
      planFile,
      "--queue",
      url,
      "--partitions",
      "2",
      "--out-store",
      join(out, "w.zarr"),
    ]);
    expect(w.code, w.stderr).toBe(0);
    const stored = await (
      await openArray(new FileSystemStore(join(out, "w.zarr")), "g", { context })
    ).read();
    expect(diffArrays(stored, local.g!)).toBeUndefined();
  }, 60_000);
});

/** Same statistics: counts and min / max exactly, sums up to float64 rounding (relative 1e-12: another grouping). */
function expectStatsClose(
  actual: StatsState | AxisStatsState,
  expected: StatsState | AxisStatsState,
): void {
  const a = actual as unknown as Record<string, unknown>;
  const e = expected as unknown as Record<string, unknown>;
  expect(Object.keys(a).sort()).toEqual(Object.keys(e).sort());
  for (const k of Object.keys(e)) {
    if (k === "sum") {
      const as = [a.sum].flat() as number[];
      const es = [e.sum].flat() as number[];
      expect(as.length).toBe(es.length);
      as.forEach((x, i) => {
        expect(Math.abs(x - es[i]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(es[i]!)));
      });
    } else expect(a[k], k).toEqual(e[k]);
  }
}

describe.skipIf(!redis)(`zarr-plan worker and signals${why}`, () => {
  it("stops cleanly on SIGTERM: closes the BullMQ worker and exits 0", async () => {
    const worker = await startWorker("sigterm");
    let stderr = "";
    worker.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((r) => worker.once("exit", (code) => r(code)));
    worker.kill("SIGTERM");
    expect(await exited, stderr).toBe(0);
    expect(stderr).toContain("stopped");
  }, 30_000);
});

describe.skipIf(!redis)(`a worker killed mid-partition${why}`, () => {
  it("has its job retried by another worker; the output is still exact", async () => {
    const queue = "kill";
    const slow = spawn(
      process.execPath,
      ["--import", "tsx", SLOW_WORKER, String(redis!.port), queue, "60000"],
      { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] },
    );
    children.push(slow);
    await waitForLine(slow, slow.stdout!, /^ready$/);
    const plan = await fixturePlan(FIXTURES, {
      a: { array: "sharded_index_end_int32.zarr" },
      b: { array: "zstd_float64.zarr" },
    });
    const expected = await plan.read();
    let result: QueueRunResult | undefined;
    let failure: unknown;
    const running = runOnQueue(plan, {
      connection: { host: redis!.host, port: redis!.port },
      queue,
      partition: { count: 3 },
    }).then(
      (r) => {
        result = r;
      },
      (e: unknown) => {
        failure = e;
      },
    );
    // The slow worker takes a partition and sleeps in it: kill it there.
    const started = await waitForLine(slow, slow.stdout!, /^started /);
    const killedJob = started.split(" ")[1]!;
    slow.kill("SIGKILL");
    await Promise.all([startWorker(queue), startWorker(queue)]);
    await running;
    expect(failure).toBeUndefined();
    expectSame(result!.outputs!, expected);
    const report = result!.partitions.find((p) => p.jobId === killedJob)!;
    expect(report).toBeDefined();
    // Started twice: once on the killed worker, once after BullMQ found it stalled.
    expect(report.attemptsStarted).toBeGreaterThan(1);
    expect(result!.stalls).toBeGreaterThan(0);
    expect(report.worker).not.toContain(`:${slow.pid}`);
  }, 60_000);
});
