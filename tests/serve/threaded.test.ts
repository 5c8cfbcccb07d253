/**
 * The slice service with its engine on a thread of its own (`createThreadedSliceHandler`, as
 * `zarr-plan serve` runs it), through a real listening server: every route answers exactly as the
 * single-thread handler does; /v1/stats has both event loops; a client that disconnects aborts the
 * engine's store requests; two users asking the same tile cause one store request per byte range;
 * an engine that cannot start answers 500 ERR_WORKER; close() stops it. Counts, no timings.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FileSystemStore } from "../../src/index.js";
import type { SliceStats } from "../../src/serve/index.js";
import { iotaArray } from "../helpers/plan-arrays.js";
import { type StaticServer, startStaticServer } from "../helpers/static-server.js";
import {
  type Running,
  type RunningThreaded,
  rawRequest,
  startService,
  startThreadedService,
} from "./helpers.js";

const DATA = join(import.meta.dirname, "../../data/datasets");

/** Resolves once `cond()` holds (polled every 5 ms; the test's own timeout bounds it). */
async function until(cond: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 5));
}

describe("every route answers as the single-thread handler", () => {
  let threaded: RunningThreaded;
  let inline: Running;
  beforeAll(async () => {
    const limits = { maxOutputBytes: 1 << 20, maxBodyBytes: 4096 };
    threaded = await startThreadedService({ root: DATA, limits });
    await threaded.handler.ready;
    inline = await startService({ root: DATA, limits });
  });
  afterAll(async () => {
    await threaded?.close();
    await inline?.close();
  });

  const GETS = [
    "/v1/data/egm96.zarr/geoid?select=0:16,100:132",
    "/v1/data/egm96_v2.zarr/geoid?select=700:600:-7,::97&format=json",
    "/v1/data/egm96.zarr/geoid?vindex=%5B0,5,700%5D,%5B3,1439,2%5D",
    "/v1/data/egm96.zarr/geoid?oindex=%5B0,5,700%5D,%5B3,1439%5D&format=json",
    "/v1/data/egm96.zarr/geoid?select=0:721:4,0:1440:4&format=png&vmin=-50&vmax=60&flip_y=1",
    "/v1/info/egm96.zarr/geoid",
    "/v1/tree",
    "/v1/explain/egm96.zarr/geoid?select=0:100,0:100",
    "/v1/explain/egm96.zarr/geoid?select=0:100,0:100&format=json",
    "/",
    // Errors: the same status, code and message.
    "/v1/data/egm96.zarr/nope",
    "/v1/data/egm96.zarr/geoid?select=0:5,0:5,0:5",
    "/v1/data/egm96.zarr/geoid?select=:,:&format=json",
    "/v1/data/egm96.zarr/geoid?bogus=1",
    "/v1/data/egm96.zarr/%2e%2e/x",
    "/v2/nothing",
  ];
  for (const path of GETS) {
    it(`GET ${path}`, async () => {
      const [a, b] = await Promise.all([
        rawRequest(threaded.port, "GET", path),
        rawRequest(inline.port, "GET", path),
      ]);
      expect(a.status, a.body.toString()).toBe(b.status);
      for (const h of ["content-type", "content-length", "x-zarr-shape", "x-zarr-dtype"]) {
        expect(a.headers[h]).toBe(b.headers[h]);
      }
      expect(a.headers["access-control-allow-origin"]).toBe("*");
      expect(Buffer.compare(a.body, b.body)).toBe(0);
    });
  }

  it("HEAD answers the head of GET without a body", async () => {
    const r = await rawRequest(threaded.port, "HEAD", "/v1/info/egm96.zarr/geoid");
    expect(r.status).toBe(200);
    expect(Number(r.headers["content-length"])).toBeGreaterThan(0);
    expect(r.body.length).toBe(0);
  });

  it("OPTIONS (CORS preflight) answers 204 with the CORS headers", async () => {
    const r = await rawRequest(threaded.port, "OPTIONS", "/v1/read");
    expect(r.status).toBe(204);
    expect(r.headers["access-control-allow-methods"]).toContain("POST");
  });

  const POSTS: [string, string, Record<string, string>][] = [
    ["/v1/read", JSON.stringify({ array: "egm96.zarr/geoid", ops: [{ get: ["0:8", "0:8"] }] }), {}],
    [
      "/v1/plan",
      JSON.stringify({
        reads: {
          a: { array: "egm96.zarr/geoid", ops: [{ get: ["0:4", "0:4"] }] },
          b: {
            array: "egm96_v2.zarr/geoid",
            ops: [
              {
                vindex: [
                  [1, 2],
                  [3, 4],
                ],
              },
            ],
          },
        },
      }),
      {},
    ],
    ["/v1/read", "{not json", {}],
    ["/v1/read", JSON.stringify({ array: "egm96.zarr/geoid", ops: [], pad: "x".repeat(5000) }), {}],
    ["/v1/data/egm96.zarr/geoid", "{}", {}],
  ];
  for (const [path, body, headers] of POSTS) {
    it(`POST ${path} (${body.length} bytes)`, async () => {
      const [a, b] = await Promise.all([
        rawRequest(threaded.port, "POST", path, body, headers),
        rawRequest(inline.port, "POST", path, body, headers),
      ]);
      expect(a.status, a.body.toString()).toBe(b.status);
      expect(Buffer.compare(a.body, b.body)).toBe(0);
    });
  }

  it("POST /v1/plan streamed as NDJSON: one line per read, equal to the inline handler's", async () => {
    const body = JSON.stringify({
      reads: {
        a: { array: "egm96.zarr/geoid", ops: [{ get: ["0:4", "0:4"] }] },
        b: { array: "egm96.zarr/geoid", ops: [{ get: ["100:104", "0:4"] }] },
      },
    });
    const accept = { accept: "application/x-ndjson" };
    const [a, b] = await Promise.all([
      rawRequest(threaded.port, "POST", "/v1/plan", body, accept),
      rawRequest(inline.port, "POST", "/v1/plan", body, accept),
    ]);
    expect(a.status).toBe(200);
    expect(a.headers["content-type"]).toBe("application/x-ndjson");
    const lines = (t: Buffer) =>
      t
        .toString()
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { name: string })
        .sort((x, y) => x.name.localeCompare(y.name));
    expect(lines(a.body).map((l) => l.name)).toEqual(["a", "b"]);
    expect(lines(a.body)).toEqual(lines(b.body));
  });

  it("/v1/stats: the engine's counters, this thread's event-loop delay and the engine's", async () => {
    const before = await threaded.handler.stats();
    await rawRequest(threaded.port, "GET", "/v1/data/egm96.zarr/geoid?select=300:310,0:10");
    const r = await rawRequest(threaded.port, "GET", "/v1/stats");
    expect(r.status).toBe(200);
    const s = r.json<SliceStats>();
    expect(s.requests.total).toBe(before.requests.total + 1);
    expect(s.requests.byStatus["200"]).toBe((before.requests.byStatus["200"] ?? 0) + 1);
    expect(s.storeRequests).toBeGreaterThanOrEqual(before.storeRequests);
    for (const d of [s.eventLoopDelayMs, s.engineLoopDelayMs!]) {
      expect(d.p50).toBeGreaterThanOrEqual(0);
      expect(d.p99).toBeGreaterThanOrEqual(d.p50);
      expect(d.max).toBeGreaterThanOrEqual(d.p99);
    }
    // The stats request itself is counted once answered.
    expect((await threaded.handler.stats()).requests.total).toBe(s.requests.total + 1);
  });
});

describe("store requests of the engine", () => {
  let dir: string;
  let files: StaticServer;
  let svc: RunningThreaded | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "zarr-plan-threaded-"));
    const fs = new FileSystemStore(dir);
    await iotaArray(fs, "big", { shape: [400, 400], chunks: [20, 20] }); // 400 chunks
    await iotaArray(fs, "u", { shape: [512, 512], chunks: [64, 64] });
    await iotaArray(fs, "s", { shape: [512, 512], chunks: [32, 32], shards: [256, 256] });
  });
  afterAll(async () => {
    await svc?.close();
    await files?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a client that disconnects mid-read aborts them, and no new ones start", async () => {
    files = await startStaticServer(dir, { latencyMs: 300 });
    svc = await startThreadedService({ root: files.url, storeSettings: { concurrency: 16 } });
    const running = svc;
    await running.handler.ready;
    const chunkRequests = () => files.log.filter((l) => /\/big\/c\//.test(l)).length;
    const req = httpRequest({
      host: "127.0.0.1",
      port: running.port,
      path: "/v1/data/big?select=:,:",
    });
    req.on("error", () => {}); // the socket is destroyed on purpose
    req.end();
    await until(() => chunkRequests() > 0);
    req.destroy();
    await until(async () => (await running.handler.stats()).disconnects === 1);
    await until(async () => (await running.handler.stats()).plans.running === 0);
    const seen = chunkRequests();
    // Well past the latency of the requests that were in flight: none started since.
    await new Promise((r) => setTimeout(r, 700));
    expect(chunkRequests()).toBe(seen);
    expect(seen).toBeLessThanOrEqual(16 + 1);
    expect(seen).toBeLessThan(400);
    await running.close();
    await files.close();
    svc = undefined;
  });

  it("saturated: 503 ERR_BUSY with Retry-After from the HTTP thread; /v1/stats still answers", async () => {
    files = await startStaticServer(dir, { latencyMs: 300 });
    svc = await startThreadedService({
      root: files.url,
      limits: { maxConcurrentPlans: 1, maxQueue: 0, retryAfterSeconds: 3 },
    });
    const running = svc;
    await running.handler.ready;
    const first = rawRequest(running.port, "GET", "/v1/data/u?select=0:10,0:10");
    await until(() => files.log.length > 0);
    const busy = await rawRequest(running.port, "GET", "/v1/data/u?select=0:5,0:5");
    expect(busy.status).toBe(503);
    expect(busy.headers["retry-after"]).toBe("3");
    expect(busy.json()).toMatchObject({ code: "ERR_BUSY" });
    const stats = await rawRequest(running.port, "GET", "/v1/stats");
    expect(stats.status).toBe(200);
    expect(stats.json()).toMatchObject({ plans: { rejected: 1 } });
    expect((await first).status).toBe(200);
    const after = await running.handler.stats();
    expect(after.requests.byStatus).toMatchObject({ "200": 2, "503": 1 });
    await running.close();
    await files.close();
    svc = undefined;
  });

  for (const name of ["u", "s"]) {
    it(`two users asking the same tile at once (${name === "u" ? "unsharded" : "sharded"}): one store request per key and byte range`, async () => {
      files = await startStaticServer(dir, { latencyMs: 40 });
      svc = await startThreadedService({ root: files.url });
      await svc.handler.ready;
      const path = `/v1/data/${name}?select=100:356,60:316`;
      const [a, b] = await Promise.all([
        rawRequest(svc.port, "GET", path),
        rawRequest(svc.port, "GET", path),
      ]);
      expect(a.status, a.body.toString()).toBe(200);
      expect(Buffer.compare(a.body, b.body)).toBe(0);
      expect(files.log.length).toBeGreaterThan(1);
      expect(new Set(files.log).size).toBe(files.log.length);
      const stats = await svc.handler.stats();
      expect(stats.storeRequests).toBe(files.log.length);
      expect(stats.inFlightJoins).toBeGreaterThan(0);
      await svc.close();
      await files.close();
      svc = undefined;
    });
  }
});

describe("the engine thread's life", () => {
  it("an engine that cannot start: ready rejects, requests answer 500 ERR_WORKER", async () => {
    const svc = await startThreadedService({ root: "http://[not-a-host/" });
    await expect(svc.handler.ready).rejects.toMatchObject({ code: "ERR_WORKER" });
    const r = await rawRequest(svc.port, "GET", "/v1/info/x");
    expect(r.status).toBe(500);
    expect(r.json()).toMatchObject({ code: "ERR_WORKER" });
    expect(r.json<{ error: string }>().error).toContain("could not start");
    await svc.close();
  });

  it("close() stops the engine; later requests answer 500", async () => {
    const svc = await startThreadedService({ root: DATA });
    await svc.handler.ready;
    expect((await rawRequest(svc.port, "GET", "/v1/info/egm96.zarr/geoid")).status).toBe(200);
    await svc.handler.close();
    const r = await rawRequest(svc.port, "GET", "/v1/info/egm96.zarr/geoid");
    expect(r.status).toBe(500);
    expect(r.json()).toMatchObject({ code: "ERR_WORKER" });
    await expect(svc.handler.stats()).rejects.toMatchObject({ code: "ERR_WORKER" });
    await svc.close();
  });
});
