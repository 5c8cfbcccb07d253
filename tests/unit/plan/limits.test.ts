/**
 * Huge reads are refused before any IO, with a typed error naming the size and the limit, and
 * explained without enumerating their chunks; plans within the limits are untouched.
 */
import { describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import { ZarrPlanError } from "../../../src/core/errors.js";
import { lazy, plan } from "../../../src/exec/api.js";
import { Context } from "../../../src/exec/context.js";
import { openArray } from "../../../src/hierarchy/index.js";
import { chunkTaskBound } from "../../../src/index-space/estimate.js";
import { slice } from "../../../src/index-space/selection.js";
import { CountingStore } from "../../../src/store/counting.js";
import { MemoryStore } from "../../../src/store/memory.js";
import { metadataSource } from "../../helpers/memory-source.js";
import { iotaArray } from "../../helpers/plan-arrays.js";

describe("limits", () => {
  it("a 1e15-element read fails at once (ERR_TOO_LARGE, size and limit), without IO, and explains in O(rank)", async () => {
    const src = metadataSource([1e8, 1e7], [1000, 1000], dataType("float64"));
    const t0 = performance.now();
    const p = plan({ all: lazy(src).get() });
    const e = await p.read().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ZarrPlanError);
    expect((e as ZarrPlanError).code).toBe("ERR_TOO_LARGE");
    expect((e as Error).message).toMatch(
      /8000000000000000 bytes, over the limit of 4294967296 bytes/,
    );
    expect(p.tooLarge).toBe(e);
    expect(p.size).toEqual({ outputBytes: 8e15, tasksAtMost: 1e9 });
    const text = p.explainText();
    expect(text).toMatch(/^Plan: 1 read, too large to run: /);
    expect(text).toMatch(/1,000,000,000/); // tasks at most, computed, not enumerated
    expect(p.explain().totals.requestsAtMost).toBe(1e9);
    await expect(p.resolve()).rejects.toBe(e);
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it("explain() of a plan over 1e9 chunks is analytic; the task limit is the Context's", async () => {
    const src = metadataSource([1e5, 1e5], [3, 3], dataType("uint8"));
    const ctx = new Context({ limits: { maxOutputBytes: 2 ** 40 } });
    const p = plan({ a: lazy(src, ctx).get(slice(0, 99_999), slice(0, 99_999)) });
    expect(p.tooLarge?.message).toMatch(
      /may touch up to 1111088889 chunks, over the limit of 131072/,
    );
    expect(p.explain().reads[0]!.tasks).toBe(1111088889);
  });

  it("a plan within the limits is planned and read as before; a Context can lower them", async () => {
    const mem = new MemoryStore();
    await iotaArray(mem, "a", { shape: [100], chunks: [10] });
    const c = new CountingStore(mem);
    const small = new Context({ limits: { maxTasks: 5 } });
    const a = await openArray(c, "a", { context: small });
    c.reset();
    expect(await plan({ x: a.lazy().get(slice(0, 50)) }).read()).toBeDefined();
    const over = plan({ x: a.lazy().get(slice(0, 60)) });
    await expect(over.read()).rejects.toMatchObject({ code: "ERR_TOO_LARGE" });
    expect(c.requests).toBe(5); // only the plan within the limits read anything
    expect(() => new Context({ limits: { maxTasks: -1 } })).toThrow(/maxTasks/);
  });

  it("chunkTaskBound is exact for boxes and an upper bound for index arrays", () => {
    const src = metadataSource([100, 100], [10, 10], dataType("uint8"));
    const v = lazy(src);
    expect(chunkTaskBound(v.get(slice(5, 25), slice(0, 100, 30)).transform, [10, 10])).toBe(3 * 4);
    expect(chunkTaskBound(v.get(slice(null, null, -1), 7).transform, [10, 10])).toBe(10);
    expect(chunkTaskBound(v.vindex([1, 2, 3], [4, 5, 6]).transform, [10, 10])).toBe(3);
    expect(chunkTaskBound(v.oindex([1, 55], [4, 5, 96]).transform, [10, 10])).toBe(2 * 3);
    expect(chunkTaskBound(v.get(slice(0, 0)).transform, [10, 10])).toBe(0);
  });
});
