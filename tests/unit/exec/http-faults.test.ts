/**
 * Every request of a read over HTTP — metadata, shard indexes, data ranges — survives a flaky
 * server: with 20 % of requests failing (503, or 429 with Retry-After; each request failing at
 * most twice in a row) every plan returns exact results; with every request failing, one clear
 * error arrives within the retry budget. Loopback server only.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreError } from "../../../src/core/errors.js";
import { plan } from "../../../src/exec/api.js";
import { Context } from "../../../src/exec/context.js";
import { openGroup } from "../../../src/hierarchy/index.js";
import { slice } from "../../../src/index-space/selection.js";
import { FetchStore } from "../../../src/store/fetch.js";
import { FileSystemStore } from "../../../src/store/fs.js";
import {
  type InjectedFault,
  type StaticServer,
  startStaticServer,
} from "../../helpers/static-server.js";

const DATASETS = join(import.meta.dirname, "../../../data/datasets");

/** Deterministic "random" in [0, 1) from a string. */
function hash01(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0) / 2 ** 32;
}

describe("a flaky HTTP server", () => {
  let flaky: StaticServer;
  let broken: StaticServer;
  beforeAll(async () => {
    // About 20 % of request kinds fail, each at most twice in a row, as 503 or as 429 with Retry-After.
    const fault = (
      path: string,
      range: string | undefined,
      attempt: number,
    ): InjectedFault | undefined => {
      if (attempt > 2 || hash01(`${path} ${range} ${attempt}`) >= 0.2) return undefined;
      return attempt === 1 ? { status: 503 } : { status: 429, headers: { "Retry-After": "0" } };
    };
    flaky = await startStaticServer(DATASETS, { fault });
    broken = await startStaticServer(DATASETS, { fault: () => ({ status: 503 }) });
  });
  afterAll(async () => {
    await flaky.close();
    await broken.close();
  });

  it("with 20 % transient failures, every plan is exact", async () => {
    const local = await openGroup(new FileSystemStore(join(DATASETS, "egm96.zarr")));
    const geoidLocal = await local.openArray("geoid");
    const selections = (g: typeof geoidLocal) => [
      g.lazy().get(slice(100, 300), slice(200, 900)),
      g.lazy().vindex([10, 300, 700, 5, 719], [5, 720, 1439, 0, 1]),
      g.lazy().oindex([0, 100, 200, 719], slice(null, null, 97)),
      g.lazy().get(slice(null, null, -37), 400),
    ];
    const want = await Promise.all(selections(geoidLocal).map((v) => v.read()));
    let ok = 0;
    for (let round = 0; round < 6; round++) {
      // A fresh Context and store each round: every metadata request is made again.
      const context = new Context({
        retry: { baseDelayMs: 1, maxDelayMs: 5 },
        store: { maxGap: 0 },
      });
      const root = await openGroup(new FetchStore(`${flaky.url}egm96.zarr/`), "", { context });
      const geoid = await root.openArray("geoid");
      const reads = Object.fromEntries(selections(geoid).map((v, i) => [`r${i}`, v]));
      const got = await plan(reads).read();
      selections(geoid).forEach((_, i) => {
        expect(Array.from(got[`r${i}`]!.data as Float32Array)).toEqual(
          Array.from(want[i]!.data as Float32Array),
        );
      });
      ok++;
      context.close();
    }
    expect(ok).toBe(6);
    expect(flaky.faults).toBeGreaterThan(10);
  });

  it("with every request failing: one clear error within the retry budget", async () => {
    const context = new Context({
      retry: { retries: 100, baseDelayMs: 5, maxDelayMs: 20, maxTotalMs: 400 },
    });
    const t0 = performance.now();
    const e = await openGroup(new FetchStore(`${broken.url}egm96.zarr/`), "", { context }).catch(
      (x: unknown) => x,
    );
    const took = performance.now() - t0;
    expect(e).toBeInstanceOf(StoreError);
    expect((e as StoreError).status).toBe(503);
    expect((e as StoreError).message).toMatch(/HTTP 503 .*zarr\.json/);
    expect(took).toBeLessThan(400 + 600);
    context.close();
  });
});

describe("Retry-After (RFC 9110 §10.2.3)", () => {
  it("reads delay-seconds and HTTP-dates, ignores what it cannot read", async () => {
    const { retryAfter } = await import("../../../src/store/fetch.js");
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfter("3", now)).toBe(3000);
    expect(retryAfter(" 0 ", now)).toBe(0);
    expect(retryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5000);
    expect(retryAfter("Wed, 31 Dec 2025 23:59:00 GMT", now)).toBe(0);
    expect(retryAfter("soon", now)).toBeUndefined();
    expect(retryAfter(null, now)).toBeUndefined();
    expect(retryAfter("99999999", now)).toBe(86_400_000);
  });
});

describe("bounded whole-object reads", () => {
  it("a server answering a 4 KiB chunk with an endless body: the read fails fast, small, typed", async () => {
    const { createServer } = await import("node:http");
    const { createArray } = await import("../../../src/hierarchy/index.js");
    const { MemoryStore } = await import("../../../src/store/memory.js");
    const mem = new MemoryStore();
    await createArray(mem, "a", { shape: [1024], chunks: [1024], dtype: "float32" });
    const meta = (await mem.get("a/zarr.json"))!;
    let sent = 0;
    let closed = false;
    const zeros = new Uint8Array(64 * 1024);
    const server = createServer((req, res) => {
      if (req.url?.endsWith("/zarr.json")) {
        res.writeHead(200, { "Content-Length": String(meta.length) }).end(meta);
        return;
      }
      // Chunked, no Content-Length, generated lazily until the client goes away (at most 3 GiB).
      res.writeHead(200);
      res.on("close", () => {
        closed = true;
      });
      const pump = () => {
        while (!closed && sent < 3 * 1024 ** 3) {
          sent += zeros.length;
          if (!res.write(zeros)) {
            res.once("drain", pump);
            return;
          }
        }
        res.end();
      };
      pump();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      const context = new Context({ retry: { retries: 0 } });
      const before = process.memoryUsage().arrayBuffers;
      const { openArray } = await import("../../../src/hierarchy/index.js");
      const a = await openArray(new FetchStore(`http://127.0.0.1:${port}/`), "a", { context });
      const e = await a
        .lazy()
        .read()
        .catch((x: unknown) => x);
      expect(e).toBeInstanceOf(StoreError);
      expect((e as Error).message).toMatch(/a\/c\/0/);
      expect(sent).toBeLessThan(64 * 1024 ** 2);
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(100 * 1024 ** 2);
      context.close();
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
