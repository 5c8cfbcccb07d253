/** `Plan.with(recipe)`: immutable edits of a plan's document, reusing what the edit left alone. */
import { describe, expect, it } from "vitest";
import { ZarrPlanError } from "../../../src/core/errors.js";
import { plan } from "../../../src/exec/api.js";
import { Context } from "../../../src/exec/context.js";
import { openArray } from "../../../src/hierarchy/index.js";
import { slice } from "../../../src/index-space/selection.js";
import { CountingStore } from "../../../src/store/counting.js";
import { MemoryStore } from "../../../src/store/memory.js";
import { iotaArray } from "../../helpers/plan-arrays.js";

async function sharded() {
  const mem = new MemoryStore();
  await iotaArray(mem, "s", { shape: [64, 64], chunks: [8, 8], shards: [32, 32] });
  const c = new CountingStore(mem);
  const context = new Context({ store: { maxGap: 0 } });
  const s = await openArray(c, "s", { context });
  c.reset();
  return { c, s, context };
}

describe("Plan.with", () => {
  it("an edit of execution options keeps the optimizer result and resolved indexes", async () => {
    const { c, s, context } = await sharded();
    const p = await plan({ a: s.lazy().vindex([0, 40], [0, 40]) }).resolve();
    expect(c.requests).toBe(2); // two shard indexes
    const q = p.with((d) => {
      d.options.concurrency = 3;
    });
    expect(q).not.toBe(p);
    expect(q.options.concurrency).toBe(3);
    expect(p.options.concurrency).toBeUndefined(); // the original is unchanged
    expect(q.optimized).toBe(p.optimized);
    expect(q.indexes).toBe(p.indexes);
    expect(q.engine).toBe(context);
    expect(q.explainText()).toBe(p.explainText());
    c.reset();
    const { a } = await q.read();
    expect(Array.from(a!.data as Int32Array)).toEqual([0, 40 * 64 + 40]);
    expect(c.requests).toBe(2); // resolved: data ranges only
  });

  it("adding, replacing or removing reads plans afresh; the views themselves are reused", async () => {
    const { s } = await sharded();
    const view = s.lazy().get(slice(0, 8), slice(0, 8));
    const p = plan({ a: view });
    const q = p.with((d) => {
      d.reads.b = s.lazy().vindex([63], [63]);
    });
    expect(q.names).toEqual(["a", "b"]);
    expect(q.views[0]).toBe(view);
    expect(q.optimized).not.toBe(p.optimized);
    const r = q.with((d) => {
      delete d.reads.a;
    });
    expect(r.names).toEqual(["b"]);
    const { b } = await r.read();
    expect(Array.from(b!.data as Int32Array)).toEqual([63 * 64 + 63]);
  });

  it("a new coalescing policy plans afresh; a recipe that changes nothing returns the plan", async () => {
    const { s } = await sharded();
    const p = plan({ a: s.lazy().vindex([0, 1, 2], [0, 9, 17]) });
    expect(p.with(() => {})).toBe(p);
    const q = p.with((d) => {
      d.options.maxGap = 1 << 20;
    });
    expect(q.optimized).not.toBe(p.optimized);
    expect(q.policies[0]!.maxGap).toBe(1 << 20);
    expect(p.policies[0]!.maxGap).toBe(0);
  });

  it("an edit that makes the plan invalid fails like plan() does", async () => {
    const { s } = await sharded();
    const p = plan({ a: s.lazy() });
    expect(() =>
      p.with((d) => {
        (d.reads as Record<string, unknown>).x = 42;
      }),
    ).toThrow(ZarrPlanError);
  });
});
