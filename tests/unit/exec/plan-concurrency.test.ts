/**
 * Concurrency: one limit per store shared by every plan running on it, an optional per-execution
 * limit, and a separate decode limit.
 */
import { describe, expect, it } from "vitest";
import { configureStore, plan } from "../../../src/exec/api.js";
import { Context, DEFAULT_DECODE_CONCURRENCY, defaultContext } from "../../../src/exec/context.js";
import { openArray } from "../../../src/hierarchy/index.js";
import { slice } from "../../../src/index-space/selection.js";
import { DEFAULT_STORE_CONCURRENCY } from "../../../src/plan/store-settings.js";
import { CountingStore } from "../../../src/store/counting.js";
import { MemoryStore } from "../../../src/store/memory.js";
import { iotaArray } from "../../helpers/plan-arrays.js";
import { DelayStore } from "../../helpers/test-stores.js";

async function many(chunks: number, latencyMs = 5, context?: Context) {
  const mem = new MemoryStore();
  await iotaArray(mem, "a", { shape: [chunks], chunks: [1] });
  await iotaArray(mem, "b", { shape: [chunks], chunks: [1] });
  const c = new CountingStore(new DelayStore(mem, latencyMs));
  const o = context ? { context } : {};
  const [a, b] = await Promise.all([openArray(c, "a", o), openArray(c, "b", o)]);
  c.reset();
  return { c, a, b };
}

describe("concurrency", () => {
  it(`default: ${DEFAULT_STORE_CONCURRENCY} requests in flight per store`, async () => {
    const { c, a } = await many(200);
    expect(defaultContext().storeSettings(c).concurrency).toBe(DEFAULT_STORE_CONCURRENCY);
    await plan({ a: a.lazy() }).read();
    expect(c.requests).toBe(200);
    expect(c.maxInFlight).toBe(DEFAULT_STORE_CONCURRENCY);
  });

  it("the store limit is shared by all plans running on the store", async () => {
    const { c, a, b } = await many(40);
    configureStore(c, { concurrency: 3 });
    const [ra, rb] = await Promise.all([
      plan({ a: a.lazy() }).read(),
      plan({ b: b.lazy() }).read(),
    ]);
    expect(c.requests).toBe(80);
    expect(c.maxInFlight).toBe(3);
    expect(ra.a!.data[39]).toBe(39);
    expect(rb.b!.data[0]).toBe(0);
    expect(defaultContext().scheduler(c).limiter.active).toBe(0);
  });

  it("per-execution limit (plan option or read option)", async () => {
    const { c, a } = await many(30);
    await plan({ a: a.lazy() }, { concurrency: 4 }).read();
    expect(c.maxInFlight).toBe(4);
    c.reset();
    await plan({ a: a.lazy() }, { concurrency: 4 }).read({ concurrency: 2 });
    expect(c.maxInFlight).toBe(2);
    c.reset();
    await plan({ a: a.lazy() }).read({ concurrency: 1 });
    expect(c.maxInFlight).toBe(1);
    // Below 1, fractions and NaN are errors (before any request), not rounded.
    c.reset();
    for (const concurrency of [0, -1, 0.5, Number.NaN]) {
      await expect(plan({ a: a.lazy() }).read({ concurrency })).rejects.toThrow(
        /Invalid options of read: concurrency: /,
      );
      expect(() => plan({ a: a.lazy() }, { concurrency })).toThrow(
        /Invalid options of plan: concurrency: /,
      );
    }
    expect(c.requests).toBe(0);
  });

  it("different stores have independent limits", async () => {
    const x = await many(20);
    const y = await many(20);
    configureStore(x.c, { concurrency: 2 });
    configureStore(y.c, { concurrency: 5 });
    await plan({ x: x.a.lazy(), y: y.a.lazy() }).read();
    expect(x.c.maxInFlight).toBe(2);
    expect(y.c.maxInFlight).toBe(5);
  });

  it("decode limit: the Context's setting and the per-execution option", async () => {
    expect(DEFAULT_DECODE_CONCURRENCY).toBeGreaterThanOrEqual(2);
    const context = new Context({ decodeConcurrency: 1 });
    expect(context.decodeLimiter.limit).toBe(1);
    const { a } = await many(20, 0, context);
    const { a: out } = await plan({ a: a.lazy().get(slice(5, 15)) }).read({
      decodeConcurrency: 3,
    });
    expect(out!.data[0]).toBe(5);
    const again = await plan({ a: a.lazy() }).read();
    expect(again.a!.data[19]).toBe(19);
    expect(() => new Context({ decodeConcurrency: 0 })).toThrow(RangeError);
    context.close();
  });

  it("configureStore validates", async () => {
    const s = new MemoryStore();
    expect(() => configureStore(s, { concurrency: 0 })).toThrow(/concurrency/);
    expect(() => configureStore(s, { maxSize: -1 })).toThrow(/maxSize/);
    const set = configureStore(s, { maxGap: 0 });
    expect(set.maxGap).toBe(0);
    expect(defaultContext().storeSettings(s).concurrency).toBe(DEFAULT_STORE_CONCURRENCY);
  });
});
