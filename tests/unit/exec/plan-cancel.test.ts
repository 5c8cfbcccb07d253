/**
 * Cancellation: aborting a signal or unsubscribing stops issuing requests and aborts those in
 * flight; requests shared with another execution go on until every caller has left.
 */
import { describe, expect, it } from "vitest";
import "../../../src/exec/execute.js";
import { AbortError } from "../../../src/core/errors.js";
import { configureStore, plan } from "../../../src/exec/api.js";
import { openArray } from "../../../src/hierarchy/index.js";
import { slice } from "../../../src/index-space/selection.js";
import { MemoryStore } from "../../../src/store/memory.js";
import { iotaArray } from "../../helpers/plan-arrays.js";
import { DelayStore } from "../../helpers/test-stores.js";

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function delayed(latencyMs: number, concurrency = 4) {
  const mem = new MemoryStore();
  await iotaArray(mem, "a", { shape: [64], chunks: [4] });
  await iotaArray(mem, "s", { shape: [64], chunks: [4], shards: [32] });
  const d = new DelayStore(mem, latencyMs);
  configureStore(d, { concurrency, maxGap: 0 }); // partial shards: index, then data
  const [a, s] = await Promise.all([openArray(d, "a"), openArray(d, "s")]);
  d.seen.length = 0;
  return { d, a, s };
}

describe("cancellation", () => {
  it("an aborted signal issues no request", async () => {
    const { d, a } = await delayed(5);
    const ac = new AbortController();
    ac.abort();
    await expect(plan({ a: a.lazy() }).read({ signal: ac.signal })).rejects.toBeInstanceOf(
      AbortError,
    );
    await expect(plan({ a: a.lazy() }).resolve({ signal: ac.signal })).rejects.toBeInstanceOf(
      AbortError,
    );
    expect(d.seen.length).toBe(0);
  });

  it("abort mid-read: in-flight requests see the abort, no request is issued after it", async () => {
    const { d, a } = await delayed(30, 4);
    const ac = new AbortController();
    const p = plan({ a: a.lazy() }).read({ signal: ac.signal });
    await wait(10);
    expect(d.seen.length).toBe(4); // 16 chunks, 4 at a time
    ac.abort(new Error("user"));
    const t = performance.now();
    const e = await p.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AbortError);
    expect(performance.now() - t).toBeLessThan(20);
    expect(d.seen.every((r) => r.signal?.aborted)).toBe(true);
    await wait(60);
    expect(d.seen.length).toBe(4);
    expect(d.seen.every((r) => r.settled)).toBe(true);
  });

  it("abort while waiting for shard indexes: no data request follows", async () => {
    const { d, s } = await delayed(30, 8);
    const ac = new AbortController();
    const p = plan({ s: s.lazy().get([1, 40]) }).read({ signal: ac.signal });
    await wait(10);
    expect(d.seen.map((r) => r.range)).toEqual([{ suffixLength: 132 }, { suffixLength: 132 }]);
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(AbortError);
    await wait(50);
    expect(d.seen.length).toBe(2);
  });

  it("unsubscribing from stream() aborts the execution", async () => {
    const { d, a } = await delayed(20, 2);
    let events = 0;
    const sub = plan({ a: a.lazy() })
      .stream()
      .subscribe({ next: () => events++ });
    await wait(30); // first 2 done, next 2 in flight
    sub.unsubscribe();
    const issued = d.seen.length;
    expect(issued).toBeLessThan(16);
    await wait(60);
    expect(d.seen.length).toBe(issued);
    expect(d.seen.filter((r) => !r.signal?.aborted).length).toBe(events);
  });

  it("one caller's abort never cancels a request another plan shares", async () => {
    const { d, a } = await delayed(30, 16);
    const ac1 = new AbortController();
    const ac2 = new AbortController();
    const p1 = plan({ x: a.lazy().get(slice(0, 8)) }).read({ signal: ac1.signal });
    const p2 = plan({ y: a.lazy().get(slice(4, 12)) }).read({ signal: ac2.signal });
    await wait(5);
    // Chunks 0, 1 (p1) and 1, 2 (p2): chunk 1 is requested once, shared.
    expect(d.seen.map((r) => r.key).sort()).toEqual(["a/c/0", "a/c/1", "a/c/2"]);
    ac1.abort();
    await expect(p1).rejects.toBeInstanceOf(AbortError);
    const shared = d.seen.find((r) => r.key === "a/c/1")!;
    const own = d.seen.find((r) => r.key === "a/c/0")!;
    expect(own.signal?.aborted).toBe(true);
    expect(shared.signal?.aborted).toBe(false);
    const { y } = await p2;
    expect(Array.from(y!.data as ArrayLike<number>)).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    expect(d.seen.length).toBe(3);
  });

  it("the shared request is aborted when its last caller leaves", async () => {
    const { d, a } = await delayed(40, 16);
    const ac1 = new AbortController();
    const ac2 = new AbortController();
    const p1 = plan({ x: a.lazy().get(0) }).read({ signal: ac1.signal });
    const p2 = plan({ y: a.lazy().get(1) }).read({ signal: ac2.signal });
    await wait(5);
    expect(d.seen.length).toBe(1);
    ac1.abort();
    expect(d.seen[0]!.signal?.aborted).toBe(false);
    ac2.abort();
    expect(d.seen[0]!.signal?.aborted).toBe(true);
    await expect(p1).rejects.toBeInstanceOf(AbortError);
    await expect(p2).rejects.toBeInstanceOf(AbortError);
  });

  it("a plan can be read again after an aborted read", async () => {
    const { a } = await delayed(5, 4);
    const p = plan({ a: a.lazy() });
    const ac = new AbortController();
    const first = p.read({ signal: ac.signal });
    ac.abort();
    await expect(first).rejects.toBeInstanceOf(AbortError);
    const { a: out } = await p.read();
    expect(out!.data[63]).toBe(63);
  });
});
