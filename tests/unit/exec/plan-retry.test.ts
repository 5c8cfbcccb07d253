/**
 * Failures: transient ones are retried with backoff (bounded), permanent ones surface at once as
 * typed errors naming the array, key and byte range, and no partial result is ever returned.
 */
import { lastValueFrom, tap, toArray } from "rxjs";
import { describe, expect, it } from "vitest";
import { CodecError, StoreError } from "../../../src/core/errors.js";
import { configureStore, plan } from "../../../src/exec/api.js";
import { FetchError } from "../../../src/exec/errors.js";
import { backoffMs, retryPolicy } from "../../../src/exec/scheduler.js";
import { openArray } from "../../../src/hierarchy/index.js";
import { slice } from "../../../src/index-space/selection.js";
import { STORE_BRAND } from "../../../src/store/brand.js";
import { MemoryStore } from "../../../src/store/memory.js";
import type { RangeQuery } from "../../../src/store/types.js";
import { iotaArray } from "../../helpers/plan-arrays.js";
import { FlakyStore, HangingStore, http401, http503 } from "../../helpers/test-stores.js";

const fast = { retry: { baseDelayMs: 1, maxDelayMs: 4 } };

async function flaky(
  fail: (key: string, range: RangeQuery | undefined, attempt: number) => Error | undefined,
) {
  const mem = new MemoryStore();
  await iotaArray(mem, "a", { shape: [16], chunks: [4] });
  await iotaArray(mem, "s", { shape: [64], chunks: [4], shards: [32] });
  const f = new FlakyStore(mem, (k, r, n) => (k.endsWith(".json") ? undefined : fail(k, r, n)));
  configureStore(f, { maxGap: 0 }); // partial shards: index, then ranges
  const [a, s] = await Promise.all([openArray(f, "a"), openArray(f, "s")]);
  f.calls = 0;
  return { f, a, s };
}

describe("retries", () => {
  it("a store failing N times then succeeding: N + 1 attempts, correct result", async () => {
    const { f, a } = await flaky((k, _r, n) => (k === "a/c/2" && n <= 3 ? http503(k) : undefined));
    const { x } = await plan({ x: a.lazy() }).read(fast);
    expect(Array.from(x!.data as ArrayLike<number>)).toEqual(
      Array.from({ length: 16 }, (_, i) => i),
    );
    expect(f.attempts.get("a/c/2 null")).toBe(4);
    expect(f.calls).toBe(4 + 3);
  });

  it("retries shard index and range requests too", async () => {
    const { f, s } = await flaky((k, _r, n) => (k === "s/c/1" && n <= 2 ? http503(k) : undefined));
    const { x } = await plan({ x: s.lazy().get([1, 33, 40]) }).read(fast);
    expect(Array.from(x!.data as ArrayLike<number>)).toEqual([1, 33, 40]);
    // s/c/0: index + range; s/c/1: its index and its two ranges (inner chunks 0 and 2) each
    // fail twice, then succeed.
    expect(f.calls).toBe(2 + 3 + 3 + 3);
  });

  it("gives up after the retry budget with a FetchError naming array, key and range", async () => {
    const { f, s } = await flaky((k, r) =>
      k === "s/c/1" && r && "offset" in r ? http503(k) : undefined,
    );
    const e = await plan({ pts: s.lazy().get([40]) })
      .read({ retry: { retries: 2, baseDelayMs: 1 } })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FetchError);
    expect(e).toBeInstanceOf(StoreError);
    const fe = e as FetchError;
    expect(fe.array).toBe("s");
    expect(fe.key).toBe("s/c/1");
    expect(fe.reads).toEqual(["pts"]);
    expect(fe.range).toEqual({ offset: 32, length: 16 }); // element 40: inner chunk 2 of shard 1
    expect(fe.attempts).toBe(3);
    expect(fe.status).toBe(503);
    expect(fe.transient).toBe(true);
    expect(fe.message).toMatch(
      /array "s" \(read "pts"\): request for "s\/c\/1" \(bytes 32–48\) failed after 3 attempts: HTTP 503/,
    );
    expect(f.calls).toBe(1 + 3);
  });

  it("backoff: full jitter, exponential, capped", () => {
    const p = retryPolicy({ baseDelayMs: 100, maxDelayMs: 2000 });
    expect(p.retries).toBe(3);
    expect(backoffMs(p, 0, () => 1)).toBe(100);
    expect(backoffMs(p, 3, () => 1)).toBe(800);
    expect(backoffMs(p, 10, () => 1)).toBe(2000);
    expect(backoffMs(p, 10, () => 0.25)).toBe(500);
  });

  it("timeouts are transient failures, retried, then reported", async () => {
    const mem = new MemoryStore();
    await iotaArray(mem, "a", { shape: [4], chunks: [4] });
    const h = new HangingStore(mem);
    // A store that never answers: each attempt times out.
    const e = await plan({ a: (await openArrayOn(h, mem)).lazy() })
      .read({ timeoutMs: 10, retry: { retries: 1, baseDelayMs: 1 } })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(FetchError);
    expect((e as FetchError).transient).toBe(true);
    expect((e as FetchError).attempts).toBe(2);
    expect((e as FetchError).message).toMatch(/timed out after 10 ms/);
    expect(h.seen.length).toBe(2);
    expect(h.seen.every((r) => r.signal?.aborted)).toBe(true);
  });
});

/** Opens "a" with metadata from `mem` but chunk reads going to `h`. */
async function openArrayOn(h: HangingStore, mem: MemoryStore) {
  const router = {
    [STORE_BRAND]: true as const,
    get: (k: string, o?: { signal?: AbortSignal }) =>
      k.endsWith(".json") ? mem.get(k, o) : h.get(k, o),
    getRange: (k: string, r: RangeQuery, o?: { signal?: AbortSignal }) => h.getRange(k, r, o),
  };
  return openArray(router, "a");
}

describe("permanent failures", () => {
  it("surface at once (no retry) as a FetchError, never as a partial result", async () => {
    const { f, a } = await flaky((k) => (k === "a/c/3" ? http401(k) : undefined));
    const t = performance.now();
    const e = await plan({ x: a.lazy() })
      .read()
      .catch((x: unknown) => x);
    expect(performance.now() - t).toBeLessThan(50);
    expect(e).toBeInstanceOf(FetchError);
    const fe = e as FetchError;
    expect(fe.status).toBe(401);
    expect(fe.transient).toBe(false);
    expect(fe.attempts).toBe(1);
    expect(fe.key).toBe("a/c/3");
    expect(fe.range).toBeUndefined();
    expect(fe.message).toMatch(
      /array "a" \(read "x"\): request for "a\/c\/3" \(whole object\) failed: HTTP 401/,
    );
    expect(f.attempts.get("a/c/3 null")).toBe(1);
  });

  it("stream(): errors after the events that did complete, never completes", async () => {
    const { a } = await flaky((k) => (k === "a/c/3" ? http401(k) : undefined));
    const events: string[] = [];
    const r = await lastValueFrom(
      plan({ x: a.lazy() })
        .stream()
        .pipe(
          tap((e) => events.push(e.key)),
          toArray(),
        ),
    )
      .then(() => "completed")
      .catch((e: unknown) => e);
    expect(r).toBeInstanceOf(FetchError);
    expect(events.length).toBeLessThan(4);
    expect(events).not.toContain("a/c/3");
  });

  it("a store error that is not a StoreError is reported as a permanent FetchError", async () => {
    const { a } = await flaky((k) => (k === "a/c/0" ? new TypeError("boom") : undefined));
    const e = (await plan({ x: a.lazy() })
      .read()
      .catch((x: unknown) => x)) as FetchError;
    expect(e).toBeInstanceOf(FetchError);
    expect(e.cause).toBeInstanceOf(TypeError);
    expect(e.attempts).toBe(1);
  });

  it("a shard rewritten after its index was read: typed error naming the range", async () => {
    const mem = new MemoryStore();
    await iotaArray(mem, "s", { shape: [64], chunks: [4], shards: [32] });
    const s = await openArray(mem, "s");
    const p = await plan({ x: s.lazy().get(slice(0, 5)) }, { maxGap: 0 }).resolve();
    await mem.set("s/c/0", new Uint8Array(10));
    const e = (await p.read().catch((x: unknown) => x)) as FetchError;
    expect(e).toBeInstanceOf(FetchError);
    expect(e.cause).toBeInstanceOf(CodecError);
    expect(e.range).toEqual({ offset: 0, length: 32 });
    expect(e.message).toMatch(/rewritten after its index/);
  });

  it("corrupt data: CodecError naming key and codec", async () => {
    const mem = new MemoryStore();
    await iotaArray(mem, "z", {
      shape: [8],
      chunks: [4],
      compressor: { name: "gzip", configuration: { level: 1 } },
    });
    await mem.set("z/c/1", new Uint8Array([1, 2, 3]));
    const z = await openArray(mem, "z");
    const e = (await plan({ z: z.lazy() })
      .read()
      .catch((x: unknown) => x)) as CodecError;
    expect(e).toBeInstanceOf(CodecError);
    expect(e.key).toBe("z/c/1");
    expect(e.codec).toBe("gzip");
  });
});

describe("the retry budget and Retry-After", () => {
  /** A transient failure with a server-given wait (HTTP 429 with Retry-After). */
  const http429 = (key: string, retryAfterMs: number) =>
    new StoreError(`HTTP 429 for "${key}"`, { key, status: 429, transient: true, retryAfterMs });

  it("waits at least what Retry-After asks before the next attempt", async () => {
    const times: number[] = [];
    const { a } = await flaky((k, _r, n) => {
      if (k !== "a/c/1") return undefined;
      times.push(performance.now());
      return n === 1 ? http429(k, 60) : undefined;
    });
    const { x } = await plan({ x: a.lazy().get(slice(4, 8)) }).read(fast);
    expect(Array.from(x!.data as ArrayLike<number>)).toEqual([4, 5, 6, 7]);
    expect(times).toHaveLength(2);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(55);
  });

  it("a Retry-After past the budget fails at once with the server's error", async () => {
    const { f, a } = await flaky((k) => (k === "a/c/1" ? http429(k, 60_000) : undefined));
    const t0 = performance.now();
    const e = await plan({ x: a.lazy().get(slice(4, 8)) })
      .read({ retry: { maxTotalMs: 1000, baseDelayMs: 1 } })
      .catch((err: unknown) => err);
    expect(performance.now() - t0).toBeLessThan(900);
    expect(e).toBeInstanceOf(FetchError);
    expect((e as FetchError).status).toBe(429);
    expect((e as FetchError).attempts).toBe(1);
    expect(f.attempts.get("a/c/1 null")).toBe(1);
  });

  it("a server that never recovers: one clear error within the total-time budget", async () => {
    const { a } = await flaky((k) => (k.startsWith("a/c/") ? http503(k) : undefined));
    const t0 = performance.now();
    const e = await plan({ x: a.lazy() })
      .read({ retry: { retries: 1000, baseDelayMs: 5, maxDelayMs: 20, maxTotalMs: 300 } })
      .catch((err: unknown) => err);
    const took = performance.now() - t0;
    expect(e).toBeInstanceOf(FetchError);
    expect((e as FetchError).status).toBe(503);
    expect((e as FetchError).attempts).toBeGreaterThan(3);
    expect(took).toBeLessThan(300 + 500);
  });

  it("a stalled request is aborted when the budget runs out, and named as such", async () => {
    const mem = new MemoryStore();
    await iotaArray(mem, "a", { shape: [4], chunks: [4] });
    const meta = await openArray(mem, "a");
    const { ZarrArray } = await import("../../../src/hierarchy/array.js");
    const stuck = new ZarrArray(new HangingStore(mem), "a", meta.metadata);
    const e = await plan({ x: stuck.lazy() })
      .read({ retry: { maxTotalMs: 100 } })
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(FetchError);
    expect((e as Error).message).toMatch(/ran out of its 100 ms retry budget/);
  });
});
