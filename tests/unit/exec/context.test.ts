/**
 * The Context: two in one process share nothing (limits, caches, in-flight requests, logs); opens
 * and chunk reads go through its scheduler (retries); closing it aborts its work only.
 */
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { AbortError, ZarrPlanError } from "../../../src/core/errors.js";
import { plan } from "../../../src/exec/api.js";
import { Context, defaultContext } from "../../../src/exec/context.js";
import type { RequestLogEntry } from "../../../src/exec/scheduler.js";
import { openArray } from "../../../src/hierarchy/index.js";
import { slice } from "../../../src/index-space/selection.js";
import { DEFAULT_STORE_CONCURRENCY } from "../../../src/plan/store-settings.js";
import { CountingStore } from "../../../src/store/counting.js";
import { MemoryStore } from "../../../src/store/memory.js";
import { ABSENT_VERSION, isConditional } from "../../../src/store/types.js";
import { iotaArray } from "../../helpers/plan-arrays.js";
import { DelayStore, FlakyStore, HangingStore, http503 } from "../../helpers/test-stores.js";

/** A Context whose request log is kept. */
function logged(options: ConstructorParameters<typeof Context>[0] = {}) {
  const log: RequestLogEntry[] = [];
  const context = new Context({ ...options, onRequest: (e) => log.push(e) });
  return { context, log };
}

describe("two Contexts in one process", () => {
  it("run plans at once with their own limits, and count their own requests", async () => {
    const mem = new MemoryStore();
    await iotaArray(mem, "a", { shape: [40], chunks: [1] });
    const slow = new DelayStore(mem, 5);
    // One counting store per Context over the same data, to see each Context's requests in flight.
    const ca = new CountingStore(slow);
    const cb = new CountingStore(slow);
    const A = logged({ store: { concurrency: 2 } });
    const B = logged({ store: { concurrency: 5 } });
    const [a, b] = await Promise.all([
      openArray(ca, "a", { context: A.context }),
      openArray(cb, "a", { context: B.context }),
    ]);
    expect(a.context).toBe(A.context);
    expect(a.lazy().executor).toBe(A.context);
    ca.reset();
    cb.reset();
    A.log.length = 0;
    B.log.length = 0;
    const [ra, rb] = await Promise.all([
      plan({ x: a.lazy() }).read(),
      plan({ y: b.lazy().get(slice(0, 30)) }).read(),
    ]);
    expect(Array.from(ra.x!.data as Int32Array).slice(0, 3)).toEqual([0, 1, 2]);
    expect(rb.y!.shape).toEqual([30]);
    // Limits: each Context's own.
    expect(ca.maxInFlight).toBe(2);
    expect(cb.maxInFlight).toBe(5);
    // Requests: counted per Context, exactly.
    expect(A.log).toHaveLength(40);
    expect(B.log).toHaveLength(30);
    // Chunk 0 holds only the fill value 0, so it is not stored.
    const outcome = (e: RequestLogEntry) => (e.key === "a/c/0" ? "missing" : "ok");
    expect(A.log.every((e) => e.store === ca && e.outcome === outcome(e) && e.attempt === 1)).toBe(
      true,
    );
    expect(B.log.every((e) => e.store === cb)).toBe(true);
    expect(new Set(A.log.map((e) => e.key)).size).toBe(40);
    A.context.close();
    B.context.close();
  });

  it("on the same store: separate schedulers, settings and in-flight tables", async () => {
    const mem = new MemoryStore();
    await iotaArray(mem, "a", { shape: [8], chunks: [1] });
    const c = new CountingStore(new DelayStore(mem, 5));
    const A = logged();
    const B = logged();
    A.context.configureStore(c, { concurrency: 3, maxGap: 0 });
    expect(A.context.storeSettings(c).concurrency).toBe(3);
    expect(B.context.storeSettings(c).concurrency).toBe(DEFAULT_STORE_CONCURRENCY);
    expect(defaultContext().storeSettings(c).concurrency).toBe(DEFAULT_STORE_CONCURRENCY);
    expect(A.context.scheduler(c)).not.toBe(B.context.scheduler(c));
    const [a, b] = await Promise.all([
      openArray(c, "a", { context: A.context }),
      openArray(c, "a", { context: B.context }),
    ]);
    c.reset();
    // Two identical plans in A at once share every request; B's identical plan makes its own.
    await Promise.all([
      plan({ x: a.lazy() }).read(),
      plan({ x: a.lazy() }).read(),
      plan({ x: b.lazy() }).read(),
    ]);
    expect(c.requests).toBe(16);
    expect(A.log.filter((e) => e.key.startsWith("a/c/"))).toHaveLength(8);
    expect(B.log.filter((e) => e.key.startsWith("a/c/"))).toHaveLength(8);
    expect(A.context.scheduler(c).stats.joined).toBe(8);
    expect(B.context.scheduler(c).stats.joined).toBe(0);
  });

  it("have separate caches: shard indexes cached in one, fetched every time in the other", async () => {
    const mem = new MemoryStore();
    await iotaArray(mem, "s", { shape: [64, 64], chunks: [8, 8], shards: [32, 32] });
    const c = new CountingStore(mem);
    const A = logged({ cache: { shardIndexBytes: 1 << 20 }, store: { maxGap: 0 } });
    const B = logged({ store: { maxGap: 0 } });
    const [a, b] = await Promise.all([
      openArray(c, "s", { context: A.context }),
      openArray(c, "s", { context: B.context }),
    ]);
    // Two inner chunks of each of the 4 shards: partial shards (index, then ranges).
    const sel = (v: typeof a) =>
      v.lazy().vindex([0, 9, 32, 41, 0, 9, 32, 41], [0, 9, 0, 9, 32, 41, 32, 41]);
    const kinds = (log: RequestLogEntry[]) => {
      const index = log.filter((e) => e.range && "suffixLength" in e.range).length;
      return { index, data: log.length - index };
    };
    for (let round = 0; round < 2; round++) {
      A.log.length = 0;
      B.log.length = 0;
      const [ra, rb] = await Promise.all([plan({ p: sel(a) }).read(), plan({ p: sel(b) }).read()]);
      expect(Array.from(ra.p!.data as Int32Array)).toEqual([
        0, 585, 2048, 2633, 32, 617, 2080, 2665,
      ]);
      expect(Array.from(rb.p!.data as Int32Array)).toEqual(Array.from(ra.p!.data as Int32Array));
      // A: 4 indexes the first time, none the second; B: 4 every time. Data ranges: 8 each.
      expect(kinds(A.log)).toEqual({ index: round === 0 ? 4 : 0, data: 8 });
      expect(kinds(B.log)).toEqual({ index: 4, data: 8 });
    }
  });
});

describe("requests outside plans go through the Context", () => {
  it("a 503 on zarr.json is retried, and the retry is logged", async () => {
    const mem = new MemoryStore();
    await iotaArray(mem, "a", { shape: [4], chunks: [2] });
    const flaky = new FlakyStore(mem, (key, _r, attempt) =>
      key.endsWith("zarr.json") && attempt <= 2 ? http503(key) : undefined,
    );
    const { context, log } = logged({ retry: { baseDelayMs: 1, maxDelayMs: 2 } });
    const a = await openArray(flaky, "a", { context });
    expect(a.shape).toEqual([4]);
    expect(log.map((e) => `${e.key} ${e.attempt} ${e.outcome}`)).toEqual([
      "a/zarr.json 1 error",
      "a/zarr.json 2 error",
      "a/zarr.json 3 ok",
    ]);
    // ZarrArray.readChunk too.
    const chunk = await a.readChunk([1]);
    expect(Array.from(chunk!.data as Int32Array)).toEqual([2, 3]);
    expect(log.at(-1)).toMatchObject({ key: "a/c/1", outcome: "ok", attempt: 1 });
  });

  it("a metadata cache serves repeated opens without requests (off by default)", async () => {
    const mem = new MemoryStore();
    await iotaArray(mem, "a", { shape: [4], chunks: [2] });
    const c = new CountingStore(mem);
    const cached = new Context({ cache: { metadataBytes: 1 << 16 } });
    await openArray(c, "a", { context: cached });
    await openArray(c, "a", { context: cached });
    expect(c.requests).toBe(1);
    c.reset();
    const plain = new Context();
    await openArray(c, "a", { context: plain });
    await openArray(c, "a", { context: plain });
    expect(c.requests).toBe(2);
  });
});

describe("closing a Context", () => {
  it("aborts its requests and executions, and no other Context's", async () => {
    const mem = new MemoryStore();
    await iotaArray(mem, "a", { shape: [4], chunks: [2] });
    const A = new Context();
    const B = new Context();
    const meta = await openArray(mem, "a");
    const hanging = new HangingStore(mem);
    const { ZarrArray } = await import("../../../src/hierarchy/array.js");
    const stuck = new ZarrArray(hanging, "a", meta.metadata, A);
    const fine = await openArray(mem, "a", { context: B });
    const pending = stuck.lazy().read();
    const chunk = stuck.readChunk([0]);
    await new Promise((r) => setTimeout(r, 5));
    A.close();
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    await expect(chunk).rejects.toBeInstanceOf(AbortError);
    expect(A.closed).toBe(true);
    expect(Array.from((await fine.lazy().read()).data as Int32Array)).toEqual([0, 1, 2, 3]);
    const after = await stuck
      .lazy()
      .read()
      .catch((e: unknown) => e);
    expect(after).toBeInstanceOf(ZarrPlanError);
    expect((after as ZarrPlanError).code).toBe("ERR_CONTEXT_CLOSED");
    A.close(); // idempotent
  });

  it("validates its options", () => {
    expect(() => new Context({ store: { concurrency: 0 } })).toThrow(/concurrency/);
    expect(() => new Context({ decodeConcurrency: 1.5 })).toThrow(/decodeConcurrency/);
    expect(() => new Context({ cache: { chunkBytes: -1 } })).toThrow(/chunkBytes/);
    expect(() => new Context({ timeoutMs: Number.NaN })).toThrow(/timeoutMs/);
  });
});

describe("cache counters (context.caches.stats)", () => {
  it("count hits and misses of each cache that is on, and nothing of the caches that are off", async () => {
    const mem = new MemoryStore();
    await iotaArray(mem, "u", { shape: [8, 8], chunks: [4, 4] });
    await iotaArray(mem, "s", { shape: [8, 8], chunks: [2, 2], shards: [4, 4] });
    const context = new Context({
      cache: { metadataBytes: 1 << 20, chunkBytes: 1 << 20, shardIndexBytes: 1 << 20 },
    });
    for (let round = 0; round < 2; round++) {
      for (const path of ["u", "s"]) {
        const a = await openArray(mem, path, { context });
        // maxGap 0: one inner chunk of the shard is read by range, after its index.
        await plan({ x: a.lazy().get(slice(0, 2), slice(0, 2)) }, { context, maxGap: 0 }).read();
      }
    }
    const { metadata, shardIndex, chunk } = context.caches.stats;
    // Each array's zarr.json: missed once, then found.
    expect(metadata.misses).toBeGreaterThanOrEqual(2);
    expect(metadata.hits).toBeGreaterThanOrEqual(2);
    // Unsharded "u": its chunk missed, then found; sharded "s": its shard index likewise, and its
    // inner chunk (the chunk cache keeps decoded inner chunks too).
    expect(chunk).toEqual({ hits: 2, misses: 2 });
    expect(shardIndex).toEqual({ hits: 1, misses: 1 });
    context.close();

    const off = new Context();
    const a = await openArray(mem, "u", { context: off });
    await a.lazy().read();
    expect(off.caches.stats).toEqual({
      metadata: { hits: 0, misses: 0 },
      shardIndex: { hits: 0, misses: 0 },
      chunk: { hits: 0, misses: 0 },
    });
    off.close();
  });
});

describe("decoded once: concurrent plans share inner chunks being decoded (chunk cache on)", () => {
  it("ten concurrent reads of the same inner chunks: one range request and one decode each", async () => {
    const mem = new MemoryStore();
    await iotaArray(mem, "s", { shape: [8, 8], chunks: [2, 2], shards: [4, 4] });
    const log: RequestLogEntry[] = [];
    const context = new Context({
      cache: { chunkBytes: 1 << 20, shardIndexBytes: 1 << 20 },
      decodeWorkers: { workers: 0 },
      onRequest: (e) => log.push(e),
    });
    const a = await openArray(mem, "s", { context });
    const inner = a.pipeline.sharding!.innerPipeline;
    const decode = inner.decode.bind(inner);
    let decodes = 0;
    inner.decode = (bytes, ctx) => {
      decodes++;
      return decode(bytes, ctx);
    };
    log.length = 0;
    // Two inner chunks of shard 0/0, ten users at once (maxGap 0: one range per inner chunk).
    const reads = await Promise.all(
      Array.from({ length: 10 }, () =>
        plan({ x: a.lazy().get(slice(0, 2), slice(0, 4)) }, { context, maxGap: 0 }).read(),
      ),
    );
    const want = await plan({ x: a.lazy().get(slice(0, 2), slice(0, 4)) }).read();
    for (const r of reads) expect(r.x!.data).toEqual(want.x!.data);
    const ranges = log.filter((e) => e.op === "getRange" && e.range && "offset" in e.range);
    expect(decodes).toBe(2);
    // The index (a suffix range) once, and each inner chunk's range once.
    expect(ranges.map((e) => JSON.stringify(e.range)).sort()).toEqual(
      [...new Set(ranges.map((e) => JSON.stringify(e.range)))].sort(),
    );
    expect(ranges.length).toBeLessThanOrEqual(2);
    context.close();
  });
});

describe("conditional writes go through the Context", () => {
  const b = (...v: number[]) => new Uint8Array(v);

  it("getVersioned / setIf / deleteIf run under the request policy and are logged", async () => {
    const mem = new MemoryStore();
    const { context, log } = logged();
    expect(await context.getVersioned(mem, "k")).toEqual({
      value: undefined,
      version: ABSENT_VERSION,
    });
    expect(await context.setIf(mem, "k", b(1, 2), ABSENT_VERSION)).toBe(true);
    const { value, version } = await context.getVersioned(mem, "k");
    expect(value).toEqual(b(1, 2));
    expect(await context.setIf(mem, "k", b(3), ABSENT_VERSION)).toBe(false);
    expect(await context.deleteIf(mem, "k", "g999")).toBe(false);
    expect(await context.deleteIf(mem, "k", version)).toBe(true);
    expect(log.map((e) => `${e.op} ${e.key} ${e.outcome} ${e.bytes}`)).toEqual([
      "getVersioned k missing 0",
      "setIf k ok 0",
      "getVersioned k ok 2",
      "setIf k conflict 0",
      "deleteIf k conflict 0",
      "deleteIf k ok 0",
    ]);
  });

  it("a transient failure of a conditional write is retried", async () => {
    const mem = new MemoryStore();
    let failures = 1;
    const flaky = Object.assign(Object.create(mem) as MemoryStore, {
      setIf: (...args: Parameters<MemoryStore["setIf"]>) => {
        if (failures-- > 0) return Promise.reject(http503(args[0]));
        return mem.setIf(...args);
      },
    });
    const { context, log } = logged({ retry: { baseDelayMs: 1, maxDelayMs: 2 } });
    expect(await context.setIf(flaky, "k", b(1), ABSENT_VERSION)).toBe(true);
    expect(log.map((e) => `${e.op} ${e.attempt} ${e.outcome}`)).toEqual([
      "setIf 1 error",
      "setIf 2 ok",
    ]);
    expect(await mem.get("k")).toEqual(b(1));
  });

  it("through(store) has the conditional methods exactly when the store has them", async () => {
    const context = new Context();
    const mem = new MemoryStore();
    const view = context.through(mem);
    expect(isConditional(view)).toBe(true);
    expect(await (view as MemoryStore).setIf("k", b(5), ABSENT_VERSION)).toBe(true);
    expect((await (view as MemoryStore).getVersioned("k")).value).toEqual(b(5));
    const plain = { get: mem.get.bind(mem), getRange: mem.getRange.bind(mem) };
    const writable = { ...plain, set: mem.set.bind(mem), delete: mem.delete.bind(mem) };
    expect(isConditional(context.through(writable as never))).toBe(false);
    expect(isConditional(context.through(plain as never))).toBe(false);
    // CountingStore keeps the capability of the store it wraps
    const counting = new CountingStore(mem);
    expect(isConditional(context.through(counting))).toBe(true);
    expect((await context.getVersioned(counting, "k")).value).toEqual(b(5));
    expect(counting.requests).toBe(1);
    expect(isConditional(new CountingStore(writable as never))).toBe(false);
    const unsupported = await context
      .setIf(writable as never, "k", b(1), ABSENT_VERSION)
      .catch((e: unknown) => e);
    expect(unsupported).toMatchObject({ code: "ERR_UNSUPPORTED" });
    expect((unsupported as Error).message).toContain('"k"');
    const readOnly = await context.getVersioned(plain as never, "k").catch((e: unknown) => e);
    expect(readOnly).toMatchObject({ code: "ERR_READ_ONLY" });
  });

  it("setIf and deleteIf drop the key from the metadata cache", async () => {
    const mem = new MemoryStore();
    await mem.set("a/zarr.json", b(1));
    const context = new Context({ cache: { metadataBytes: 1 << 16 } });
    expect(await context.fetch(mem, "a/zarr.json", undefined, { cache: "metadata" })).toEqual(b(1));
    const { version } = await context.getVersioned(mem, "a/zarr.json");
    await context.setIf(mem, "a/zarr.json", b(2), version);
    expect(await context.fetch(mem, "a/zarr.json", undefined, { cache: "metadata" })).toEqual(b(2));
    const now = await context.getVersioned(mem, "a/zarr.json");
    await context.deleteIf(mem, "a/zarr.json", now.version);
    expect(
      await context.fetch(mem, "a/zarr.json", undefined, { cache: "metadata" }),
    ).toBeUndefined();
  });
});

describe("request log: the reads a request serves", () => {
  it("names the plan's reads for chunk requests, none for metadata", async () => {
    const mem = new MemoryStore();
    await iotaArray(mem, "a", { shape: [8], chunks: [4] });
    const { context, log } = logged();
    try {
      const a = await openArray(mem, "a", { context });
      await plan({ head: a.lazy().get(slice(0, 2)), both: a.lazy().get(slice(2, 6)) }).read();
      const byKey = Object.fromEntries(log.map((e) => [e.key, e.reads]));
      expect(byKey["a/zarr.json"]).toBeUndefined();
      expect(byKey["a/c/0"]).toEqual(["head", "both"]);
      expect(byKey["a/c/1"]).toEqual(["both"]);
    } finally {
      context.close();
    }
  });
});

describe("a caller's signal shared by many requests", () => {
  /** Node's `warning` events while `fn` runs. */
  async function warningsDuring(fn: () => Promise<void>): Promise<string[]> {
    const seen: string[] = [];
    const onWarning = (w: Error) => seen.push(w.name);
    process.on("warning", onWarning);
    try {
      await fn();
      // Node emits warnings on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", onWarning);
    }
    return seen;
  }

  it("holds one listener on it, none after; an abort reaches every request", async () => {
    const mem = new MemoryStore();
    for (let i = 0; i < 50; i++) await mem.set(`k${i}`, new Uint8Array([i]));
    const context = new Context();
    try {
      const slow = new DelayStore(mem, 20);
      const controller = new AbortController();
      const { signal } = controller;
      const listeners = () => EventEmitter.getEventListeners(signal, "abort").length;
      let during = -1;
      const warnings = await warningsDuring(async () => {
        const reads = Array.from({ length: 50 }, (_, i) =>
          context.fetch(slow, `k${i}`, undefined, { signal }),
        );
        during = listeners();
        const got = await Promise.all(reads);
        expect(got.map((b) => b?.[0])).toEqual(Array.from({ length: 50 }, (_, i) => i));
      });
      expect(during).toBe(1);
      expect(listeners()).toBe(0);
      expect(warnings).toEqual([]);
      // Aborted while 50 are in flight: every one rejects with AbortError.
      const hanging = new HangingStore(mem);
      const reads = Array.from({ length: 50 }, (_, i) =>
        context.fetch(hanging, `k${i}`, undefined, { signal }).then(
          () => "resolved",
          (e: unknown) => (e instanceof AbortError ? "aborted" : String(e)),
        ),
      );
      expect(listeners()).toBe(1);
      controller.abort(new Error("stop"));
      expect(new Set(await Promise.all(reads))).toEqual(new Set(["aborted"]));
      // An aborted signal: at once, and nothing listens.
      await expect(context.fetch(slow, "k0", undefined, { signal })).rejects.toBeInstanceOf(
        AbortError,
      );
      expect(listeners()).toBe(0);
      // The Context goes on under another signal.
      const other = new AbortController().signal;
      expect((await context.fetch(slow, "k7", undefined, { signal: other }))?.[0]).toBe(7);
      expect(EventEmitter.getEventListeners(other, "abort").length).toBe(0);
    } finally {
      context.close();
    }
  });
});
