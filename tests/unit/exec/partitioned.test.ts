/**
 * `runPartitioned` on worker threads over fixtures on disk (FileSystemStore): chunked and sharded
 * arrays, several reads, 1–3 workers, equal to `plan.read()`; statistics equal to those of
 * `plan.read()`'s outputs (whole and along an axis); abort terminates the run; a truncated shard
 * fails with the partition's `CodecError`/`StoreError`-family typed error; a `MemoryStore` plan is
 * refused before any worker starts. The pool with fake workers: a worker that exits mid-partition
 * fails the run with `ERR_WORKER`; a worker's error comes back as its class, code and fields.
 */

import { EventEmitter } from "node:events";
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Worker } from "node:worker_threads";
import { afterAll, describe, expect, it } from "vitest";
import "../../../src/exec/execute.js";
import { CodecError, ZarrPlanError } from "../../../src/core/errors.js";
import type { NDArray } from "../../../src/core/ndarray.js";
import { plan } from "../../../src/exec/api.js";
import type { PartitionRequest } from "../../../src/exec/partition-protocol.js";
import { runPartitioned, runPool } from "../../../src/exec/partitioned.js";
import { statsOf } from "../../../src/exec/stats.js";
import { createArray, openArray } from "../../../src/hierarchy/index.js";
import { slice } from "../../../src/index-space/selection.js";
import { FetchStore } from "../../../src/store/fetch.js";
import { FileSystemStore } from "../../../src/store/fs.js";
import { MemoryStore } from "../../../src/store/memory.js";
import { iotaArray } from "../../helpers/plan-arrays.js";
import { startStaticServer } from "../../helpers/static-server.js";

const FIX = join(import.meta.dirname, "../../../data/fixtures/v3/zarr-python");
const CHUNKED = join(FIX, "zstd_float64.zarr"); // [20, 30], chunks [8, 7]
const SHARDED = join(FIX, "sharded_nested_float32.zarr"); // [48, 40], shards [24, 20], inner [12, 10]
const SHARDED_3D = join(FIX, "sharded_3d_transpose_int16.zarr"); // [10, 12, 14]

const tmp: string[] = [];
afterAll(() => {
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

function same(a: NDArray | undefined, b: NDArray | undefined): void {
  expect(a).toBeDefined();
  expect(a!.shape).toEqual(b!.shape);
  expect(a!.dtype.name).toBe(b!.dtype.name);
  expect(Array.from(a!.data as ArrayLike<number>)).toEqual(
    Array.from(b!.data as ArrayLike<number>),
  );
}

/** Equal statistics, sums up to float64 rounding (partitions add in another order). */
function closeStats(a: unknown, b: unknown): void {
  const { sum: sa, ...ra } = a as { sum: number | number[] };
  const { sum: sb, ...rb } = b as { sum: number | number[] };
  expect(ra).toEqual(rb);
  const x = [sa].flat();
  const y = [sb].flat();
  expect(x.length).toBe(y.length);
  x.forEach((v, i) => {
    expect(Math.abs(v - y[i]!)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(y[i]!)));
  });
}

async function fixturePlan(root = SHARDED) {
  const sharded = await openArray(new FileSystemStore(root), "");
  const chunked = await openArray(new FileSystemStore(CHUNKED), "");
  const cube = await openArray(new FileSystemStore(SHARDED_3D), "");
  return plan({
    all: sharded.lazy(),
    tile: sharded.lazy().get(slice(5, 47), slice(3, 38, 2)),
    chunked: chunked.lazy().get(slice(null, null, -1), slice(2, 29)),
    pts: chunked.lazy().vindex([0, 19, 7, 8], [0, 29, 6, 7]),
    cube: cube.lazy(),
  });
}

describe("runPartitioned", () => {
  it.each([1, 2, 3])(
    "equals plan.read() with %i worker(s)",
    async (workers) => {
      const p = await fixturePlan();
      const expected = await p.read();
      const got = await runPartitioned(p, { workers, partition: { maxBytes: 4000 } });
      expect(p.partition({ maxBytes: 4000 }).length).toBeGreaterThan(workers);
      for (const name of p.names) same(got[name], expected[name]);
    },
    60_000,
  );

  it("default partitions (count 4 × workers), by inner chunk", async () => {
    const p = await fixturePlan();
    const expected = await p.read();
    const a = await runPartitioned(p, { workers: 2 });
    const b = await runPartitioned(p, { workers: 2, partition: { count: 5, by: "chunk" } });
    for (const name of p.names) {
      same(a[name], expected[name]);
      same(b[name], expected[name]);
    }
  }, 60_000);

  it("reduces to statistics, whole and along an axis", async () => {
    const sharded = await openArray(new FileSystemStore(SHARDED), "");
    const chunked = await openArray(new FileSystemStore(CHUNKED), "");
    const p = plan({ s: sharded.lazy(), c: chunked.lazy().get(slice(1, 20), slice(0, 30, 3)) });
    const out = await p.read();
    const whole = await runPartitioned(p, {
      workers: 2,
      partition: { maxBytes: 3000 },
      reduce: { stats: true },
    });
    closeStats(whole.s, statsOf(out.s!));
    closeStats(whole.c, statsOf(out.c!));
    for (const axis of [0, 1]) {
      const along = await runPartitioned(p, {
        workers: 3,
        partition: { maxBytes: 3000 },
        reduce: { stats: true, axis },
      });
      closeStats(along.s, statsOf(out.s!, { axis }));
      closeStats(along.c, statsOf(out.c!, { axis }));
    }
  }, 60_000);

  it("workers open FetchStore URLs themselves (a plan over HTTP)", async () => {
    const server = await startStaticServer(FIX);
    try {
      const a = await openArray(new FetchStore(`${server.url}sharded_nested_float32.zarr`), "");
      const b = await openArray(new FileSystemStore(CHUNKED), "");
      const p = plan({ a: a.lazy().get(slice(2, 44)), b: b.lazy() });
      const expected = await p.read();
      const before = server.requests;
      const got = await runPartitioned(p, { workers: 2, partition: { count: 3 } });
      expect(server.requests).toBeGreaterThan(before);
      for (const name of p.names) same(got[name], expected[name]);
    } finally {
      await server.close();
    }
  }, 60_000);

  it("aborting rejects with AbortError and terminates the workers", async () => {
    const p = await fixturePlan();
    const total = p.partition({ maxBytes: 500 }).length;
    expect(total).toBeGreaterThan(4);
    // Aborted while workers are running (after the first partition is done).
    const ac = new AbortController();
    let seen = 0;
    const run = runPartitioned(p, {
      workers: 2,
      partition: { maxBytes: 500 },
      signal: ac.signal,
      onProgress: (done, all) => {
        seen = done;
        expect(all).toBe(total);
        ac.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: "ERR_ABORTED" });
    expect(seen).toBe(1);
    // Aborted before it starts.
    const early = new AbortController();
    const run2 = runPartitioned(p, { workers: 2, signal: early.signal });
    early.abort();
    await expect(run2).rejects.toMatchObject({ code: "ERR_ABORTED" });
    const before = new AbortController();
    before.abort();
    await expect(runPartitioned(p, { signal: before.signal })).rejects.toMatchObject({
      code: "ERR_ABORTED",
    });
  }, 60_000);

  it("a truncated shard fails the run with the partition's typed error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zp-partitioned-"));
    tmp.push(dir);
    const root = join(dir, "a.zarr");
    cpSync(SHARDED, root, { recursive: true });
    // Truncate every shard to a few bytes: its index cannot be read.
    const shards: string[] = [];
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const path = join(d, f);
        if (statSync(path).isDirectory()) walk(path);
        else if (!f.endsWith(".json")) shards.push(path);
      }
    };
    walk(join(root, "c"));
    expect(shards.length).toBeGreaterThan(0);
    truncateSync(shards[shards.length - 1]!, 10);
    const a = await openArray(new FileSystemStore(root), "");
    const p = plan({ a: a.lazy() });
    const direct = await p.read().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(direct).toBeInstanceOf(ZarrPlanError);
    const err = await runPartitioned(p, { workers: 2, partition: { count: 4 } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ZarrPlanError);
    expect(err).toBeInstanceOf((direct as object).constructor);
    expect((err as ZarrPlanError).code).toBe((direct as ZarrPlanError).code);
    expect((err as Error).message).toMatch(/^partition \d+ of \d+ \(a@\d+\): /);
    expect((err as Error).message).toContain((direct as Error).message);
  }, 60_000);

  it("refuses plans over a MemoryStore and invalid options before starting workers", async () => {
    const mem = new MemoryStore();
    const arr = await iotaArray(mem, "x", { shape: [4, 4], chunks: [2, 2] });
    await expect(runPartitioned(plan({ x: arr.lazy() }))).rejects.toMatchObject({
      code: "ERR_PLAN_NOT_SERIALIZABLE",
    });
    const p = await fixturePlan();
    await expect(runPartitioned(p, { workers: 0 })).rejects.toMatchObject({ code: "ERR_OPTIONS" });
    await expect(runPartitioned(p, { reduce: { stats: true, axis: 5 } } as never)).rejects.toThrow(
      RangeError,
    );
    // Statistics of strings: refused before any worker starts, naming the read.
    const dir = mkdtempSync(join(tmpdir(), "zp-partitioned-"));
    tmp.push(dir);
    const strings = await createArray(new FileSystemStore(dir), "s", {
      shape: [2],
      chunks: [2],
      dtype: "string",
    });
    await expect(
      runPartitioned(plan({ names: strings.lazy() }), { reduce: { stats: true } }),
    ).rejects.toThrow(/read "names" has dtype string/);
  });
});

describe("runPool (the worker pool of runPartitioned, with fake workers)", () => {
  /** A fake worker: answers each request through `answer`, asynchronously. */
  class FakeWorker extends EventEmitter {
    terminated = false;
    constructor(readonly answer: (w: FakeWorker, req: PartitionRequest) => void) {
      super();
    }
    postMessage(req: PartitionRequest): void {
      queueMicrotask(() => this.answer(this, req));
    }
    terminate(): Promise<number> {
      this.terminated = true;
      queueMicrotask(() => this.emit("exit", 1));
      return Promise.resolve(1);
    }
  }

  async function parts() {
    const p = await fixturePlan();
    return p.partition({ maxBytes: 2000 });
  }

  it("a worker that exits before answering fails the run with ERR_WORKER naming the partition", async () => {
    const ps = await parts();
    const workers: FakeWorker[] = [];
    const start = () => {
      const w = new FakeWorker((self, req) =>
        req.id === 2 ? self.emit("exit", 137) : self.emit("message", { id: req.id, stats: {} }),
      );
      workers.push(w);
      return w as unknown as Worker;
    };
    const err = await runPool(ps, 2, start, {}, undefined, undefined).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ZarrPlanError);
    expect((err as ZarrPlanError).code).toBe("ERR_WORKER");
    expect((err as Error).message).toMatch(
      /^partition 2 of \d+ \(.*\): worker exited with code 137/,
    );
    expect(workers.every((w) => w.terminated)).toBe(true);
  });

  it("a worker's error comes back as its class, code and fields", async () => {
    const ps = await parts();
    const start = () =>
      new FakeWorker((self, req) =>
        self.emit("message", {
          id: req.id,
          error: {
            name: "CodecError",
            code: "ERR_CODEC",
            message: 'zstd codec failed on "c/0/0": truncated',
            fields: { key: "c/0/0", codec: "zstd" },
          },
        }),
      ) as unknown as Worker;
    const err = await runPool(ps, 1, start, undefined, undefined, undefined).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CodecError);
    expect(err).toMatchObject({
      code: "ERR_CODEC",
      key: "c/0/0",
      codec: "zstd",
      name: "CodecError",
    });
    expect((err as Error).message).toMatch(/^partition 0 of \d+ \(.*\): zstd codec failed/);
  });
});
