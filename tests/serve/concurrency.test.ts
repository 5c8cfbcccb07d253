/**
 * The slice service under concurrent users, through a real listening server: a client that
 * disconnects mid-read aborts its store requests and no new ones start; two users asking the same
 * tile at once cause one store request per key and byte range; beyond maxConcurrentPlans and
 * maxQueue, 503 with Retry-After; a request over timeoutMs answers 504 and aborts its reads;
 * /v1/stats answers while every plan slot is taken. Counts only, no timings asserted.
 */
import { request as httpRequest } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { AbortError } from "../../src/core/errors.js";
import {
  CountingStore,
  MemoryStore,
  type RangeQuery,
  type ReadableStore,
  type StoreRequestOptions,
} from "../../src/index.js";
import { STORE_BRAND } from "../../src/store/brand.js";
import { iotaArray } from "../helpers/plan-arrays.js";
import { DelayStore } from "../helpers/test-stores.js";
import { type Running, rawRequest, startService } from "./helpers.js";

const METADATA = /(^|\/)(zarr\.json|\.zarray|\.zattrs|\.zgroup|\.zmetadata)$/;

/** One chunk request seen by {@link SlowChunks}. */
interface ChunkRequest {
  key: string;
  signal: AbortSignal | undefined;
}

/**
 * Metadata passes through; chunk requests wait for `release()` (or their abort signal). Records
 * each chunk request and its signal.
 */
class SlowChunks implements ReadableStore {
  readonly [STORE_BRAND] = true as const;
  readonly seen: ChunkRequest[] = [];
  readonly #waiting: (() => void)[] = [];
  constructor(readonly inner: ReadableStore) {}
  get(key: string, options?: StoreRequestOptions) {
    return this.#wait(key, options, () => this.inner.get(key, options));
  }
  getRange(key: string, range: RangeQuery, options?: StoreRequestOptions) {
    return this.#wait(key, options, () => this.inner.getRange(key, range, options));
  }
  /** Lets every waiting chunk request go on. */
  release(): void {
    for (const f of this.#waiting.splice(0)) f();
  }
  #wait(
    key: string,
    options: StoreRequestOptions | undefined,
    call: () => Promise<Uint8Array | undefined>,
  ): Promise<Uint8Array | undefined> {
    if (METADATA.test(key)) return call();
    this.seen.push({ key, signal: options?.signal });
    return new Promise((resolve, reject) => {
      const signal = options?.signal;
      if (signal?.aborted) {
        reject(new AbortError("aborted", key));
        return;
      }
      const onAbort = () => reject(new AbortError("aborted", key));
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(() => {
        signal?.removeEventListener("abort", onAbort);
        call().then(resolve, reject);
      });
    });
  }
}

/** Resolves once `cond()` holds (polled every 5 ms; the test's own timeout bounds it). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

let running: Running | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

describe("a client that disconnects mid-read", () => {
  it("aborts its store requests, and no new ones start", async () => {
    const mem = new MemoryStore();
    await iotaArray(mem, "a", { shape: [400, 400], chunks: [20, 20] }); // 400 chunks
    const slow = new SlowChunks(mem);
    running = await startService({ store: slow });
    const svc = running;
    const req = httpRequest({
      host: "127.0.0.1",
      port: svc.port,
      path: "/v1/data/a?select=:,:",
    });
    req.on("error", () => {}); // the socket is destroyed on purpose
    req.end();
    await until(() => slow.seen.length > 0 && svc.handler.stats().plans.running === 1);
    // The store's request limit (64) holds the rest back: some requests wait, more are queued.
    await new Promise((r) => setTimeout(r, 50));
    const before = slow.seen.length;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(400);
    req.destroy();
    await until(() => slow.seen.every((s) => s.signal?.aborted === true));
    await until(() => svc.handler.stats().plans.running === 0);
    slow.release(); // nothing is left waiting to go on
    await new Promise((r) => setTimeout(r, 50));
    expect(slow.seen.length).toBe(before);
    expect(slow.seen.every((s) => s.signal?.aborted)).toBe(true);
    expect(svc.handler.stats().disconnects).toBe(1);
  });
});

describe("two users asking the same tile at once", () => {
  for (const [name, options] of [
    ["unsharded", { shape: [512, 512], chunks: [64, 64] }],
    ["sharded", { shape: [512, 512], chunks: [32, 32], shards: [256, 256] }],
  ] as const) {
    it(`${name}: one store request per key and byte range`, async () => {
      const mem = new MemoryStore();
      await iotaArray(mem, "a", options);
      const counting = new CountingStore(new DelayStore(mem, 40));
      running = await startService({ store: counting });
      const path = "/v1/data/a?select=100:356,60:316";
      const [a, b] = await Promise.all([
        rawRequest(running.port, "GET", path),
        rawRequest(running.port, "GET", path),
      ]);
      expect(a.status).toBe(200);
      expect(Buffer.compare(a.body, b.body)).toBe(0);
      const ids = counting.log.map((r) => `${r.key} ${JSON.stringify(r.range ?? null)}`);
      expect(ids.length).toBeGreaterThan(1);
      expect(new Set(ids).size).toBe(ids.length);
      const stats = running.handler.stats();
      expect(stats.storeRequests).toBe(ids.length);
      expect(stats.inFlightJoins).toBeGreaterThan(0);
      // A third user later is served from the caches (unsharded: decoded chunks) or asks again.
      const c = await rawRequest(running.port, "GET", path);
      expect(Buffer.compare(c.body, a.body)).toBe(0);
      if (name === "unsharded") {
        expect(counting.log.length).toBe(ids.length);
        expect(running.handler.stats().cache.chunk.hits).toBeGreaterThan(0);
      }
    });
  }
});

describe("limits", () => {
  it("saturated (maxConcurrentPlans 1, maxQueue 0): 503 with Retry-After; /v1/stats still answers", async () => {
    const mem = new MemoryStore();
    await iotaArray(mem, "a", { shape: [64, 64], chunks: [32, 32] });
    const slow = new SlowChunks(mem);
    running = await startService({
      store: slow,
      limits: { maxConcurrentPlans: 1, maxQueue: 0, retryAfterSeconds: 2 },
    });
    const svc = running;
    const first = rawRequest(svc.port, "GET", "/v1/data/a?select=0:10,0:10");
    await until(() => svc.handler.stats().plans.running === 1);
    const busy = await rawRequest(svc.port, "GET", "/v1/data/a?select=0:5,0:5");
    expect(busy.status).toBe(503);
    expect(busy.headers["retry-after"]).toBe("2");
    expect(busy.json()).toMatchObject({ code: "ERR_BUSY" });
    const stats = await rawRequest(svc.port, "GET", "/v1/stats");
    expect(stats.status).toBe(200);
    expect(stats.json()).toMatchObject({ plans: { running: 1, queued: 0, rejected: 1 } });
    await until(() => slow.seen.length > 0);
    slow.release();
    const ok = await first;
    expect(ok.status).toBe(200);
  });

  it("queued requests wait for a slot (maxQueue 4) and all succeed", async () => {
    const mem = new MemoryStore();
    await iotaArray(mem, "a", { shape: [64, 64], chunks: [32, 32] });
    running = await startService({
      store: new DelayStore(mem, 20),
      limits: { maxConcurrentPlans: 1, maxQueue: 4 },
    });
    const answers = await Promise.all(
      [0, 1, 2, 3, 4].map((i) => rawRequest(running!.port, "GET", `/v1/data/a?select=${i},:`)),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
  });

  it("over timeoutMs: 504 ERR_TIMEOUT and its store requests aborted", async () => {
    const mem = new MemoryStore();
    await iotaArray(mem, "a", { shape: [64, 64], chunks: [32, 32] });
    const slow = new SlowChunks(mem);
    running = await startService({ store: slow, limits: { timeoutMs: 200 } });
    const r = await rawRequest(running.port, "GET", "/v1/data/a?select=0:40,0:40");
    expect(r.status).toBe(504);
    expect(r.json()).toMatchObject({ code: "ERR_TIMEOUT" });
    expect(slow.seen.length).toBeGreaterThan(0);
    await until(() => slow.seen.every((s) => s.signal?.aborted === true));
  });

  it("over maxChunks: 413 before any chunk is requested", async () => {
    const mem = new MemoryStore();
    await iotaArray(mem, "a", { shape: [64, 64], chunks: [8, 8] });
    const slow = new SlowChunks(mem);
    running = await startService({ store: slow, limits: { maxChunks: 4 } });
    const r = await rawRequest(running.port, "GET", "/v1/data/a?select=0:40,0:40");
    expect(r.status).toBe(413);
    expect(r.json()).toMatchObject({ code: "ERR_TOO_LARGE" });
    expect(slow.seen).toEqual([]);
  });

  it("invalid limits are refused (ERR_OPTIONS)", async () => {
    await expect(
      startService({ store: new MemoryStore(), limits: { maxQueue: -1 } }),
    ).rejects.toMatchObject({
      code: "ERR_OPTIONS",
    });
    await expect(startService({})).rejects.toMatchObject({ code: "ERR_OPTIONS" });
  });
});
