/**
 * Keep-alive connections shared through `HttpConnections`: fresh `FetchStore`s read through one
 * Context reuse its connections (with exact values), two Contexts do not share, `Context.close()`
 * closes them, stores called directly share only what they are given, and a closed
 * `HttpConnections` leaves later requests working on connections that are not kept.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Context } from "../../../src/exec/context.js";
import { openArray } from "../../../src/hierarchy/index.js";
import { slice } from "../../../src/index-space/selection.js";
import { FetchStore } from "../../../src/store/fetch.js";
import { HttpConnections } from "../../../src/store/http-connections.js";
import { type IotaDirectory, iotaDirectory } from "../../helpers/iota-directory.js";
import { type StaticServer, startStaticServer } from "../../helpers/static-server.js";

/** Resolves once `check()` holds (polled every 5 ms), or fails after `ms`. */
async function until(check: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("keep-alive connections shared through HttpConnections", () => {
  let dir: IotaDirectory;
  let server: StaticServer;
  beforeAll(async () => {
    dir = await iotaDirectory("zp-connections-", {
      s: {
        shape: [64, 64],
        chunks: [16, 16],
        shards: [32, 32],
        compressor: { name: "zstd", configuration: { level: 1 } },
      },
    });
    server = await startStaticServer(dir.dir);
  });
  afterAll(async () => {
    await server.close();
    dir.remove();
  });

  /** Values of rows r0..r1, columns c0..c1 of the array `iota` wrote. */
  function expected(r0: number, r1: number, c0: number, c1: number): number[] {
    const out: number[] = [];
    for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out.push(r * 64 + c);
    return out;
  }

  /** Opens "s" through a new FetchStore and reads a region spanning all four shards. */
  async function readAnew(context: Context): Promise<void> {
    const s = await openArray(new FetchStore(server.url), "s", { context });
    const got = await s.lazy().get(slice(20, 44), slice(10, 50)).read();
    expect(Array.from(got.data as Int32Array)).toEqual(expected(20, 44, 10, 50));
  }

  it("fresh FetchStores read through one Context open no new connections", async () => {
    const context = new Context({ decodeWorkers: { workers: 0 } });
    const before = server.connections;
    const requestsBefore = server.requests;
    await readAnew(context);
    const first = server.connections - before;
    const requestsPerRead = server.requests - requestsBefore;
    expect(first).toBeGreaterThanOrEqual(1);
    // More requests than connections: reused within the read already.
    expect(requestsPerRead).toBeGreaterThan(first);
    for (let i = 0; i < 3; i++) await readAnew(context);
    expect(server.connections - before).toBe(first);
    expect(server.requests - requestsBefore).toBe(4 * requestsPerRead);
    context.close();
  });

  it("two Contexts do not share connections", async () => {
    const a = new Context({ decodeWorkers: { workers: 0 } });
    const b = new Context({ decodeWorkers: { workers: 0 } });
    await readAnew(a);
    const afterA = server.connections;
    await readAnew(b);
    expect(server.connections).toBeGreaterThan(afterA);
    a.close();
    b.close();
  });

  it("Context.close() closes its idle connections", async () => {
    await until(() => server.openConnections === 0);
    const context = new Context({ decodeWorkers: { workers: 0 } });
    await readAnew(context);
    expect(server.openConnections).toBeGreaterThan(0);
    expect(context.connections.closed).toBe(false);
    context.close();
    expect(context.connections.closed).toBe(true);
    await until(() => server.openConnections === 0);
  });

  it("stores called directly share only the connections they are given", async () => {
    await until(() => server.openConnections === 0);
    const connections = new HttpConnections();
    const before = server.connections;
    for (let i = 0; i < 3; i++) {
      const bytes = await new FetchStore(server.url).get("s/zarr.json", { connections });
      expect(bytes?.length).toBeGreaterThan(0);
    }
    expect(server.connections - before).toBe(1);
    // Without them, each new store opens its own.
    await new FetchStore(server.url).get("s/zarr.json");
    await new FetchStore(server.url).get("s/zarr.json");
    expect(server.connections - before).toBe(3);
    connections.close();
    // Closed: requests still work, on connections of the store's own.
    const store = new FetchStore(server.url);
    const range = await store.getRange("s/zarr.json", { offset: 0, length: 5 }, { connections });
    expect(range?.length).toBe(5);
    expect(server.connections - before).toBe(4);
  });

  it("anything else given as connections is a TypeError naming it, and nothing is sent", async () => {
    const before = server.requests;
    const wrong = { close() {} } as unknown as HttpConnections;
    await expect(
      new FetchStore(server.url).get("s/zarr.json", { connections: wrong }),
    ).rejects.toThrow(/connections must be an HttpConnections, got an instance of Object/);
    await expect(
      new FetchStore(server.url).getRange(
        "s/zarr.json",
        { offset: 0, length: 4 },
        {
          connections: null as unknown as HttpConnections,
        },
      ),
    ).rejects.toThrow(/connections must be an HttpConnections, got null/);
    expect(server.requests).toBe(before);
  });

  it("a busy shared connection closes when its answer ends, not before", async () => {
    const slow = await startStaticServer(dir.dir, { latencyMs: 40 });
    try {
      const connections = new HttpConnections();
      const store = new FetchStore(slow.url);
      const pending = store.get("s/zarr.json", { connections });
      await until(() => slow.openConnections === 1);
      connections.close();
      const bytes = await pending;
      expect(bytes?.length).toBeGreaterThan(0);
      await until(() => slow.openConnections === 0);
      expect(slow.connections).toBe(1);
    } finally {
      await slow.close();
    }
  });
});
