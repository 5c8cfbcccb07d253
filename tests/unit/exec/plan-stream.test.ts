/** plan.stream(): chunk events (regions, values, progress), assembling them, and the operators. */
import { lastValueFrom, tap, toArray } from "rxjs";
import { describe, expect, it } from "vitest";
import "../../../src/exec/execute.js";
import { allocate } from "../../../src/core/dtype.js";
import { plan } from "../../../src/exec/api.js";
import {
  assemble,
  completedReads,
  progress,
  runningMax,
  runningMean,
  runningMin,
  runningStats,
  runningSum,
} from "../../../src/exec/operators.js";
import { openArray } from "../../../src/hierarchy/index.js";
import { slice } from "../../../src/index-space/selection.js";
import type { ChunkEvent } from "../../../src/plan/events.js";
import { MemoryStore } from "../../../src/store/memory.js";
import { iotaArray } from "../../helpers/plan-arrays.js";
import { DelayStore } from "../../helpers/test-stores.js";

async function setup() {
  const mem = new MemoryStore();
  await iotaArray(mem, "a", { shape: [30, 20], chunks: [7, 6], dtype: "float64" });
  await iotaArray(mem, "s", {
    shape: [40, 40],
    chunks: [5, 5],
    shards: [20, 20],
    dtype: "int32",
    fillValue: 0,
  });
  const [a, s] = await Promise.all([openArray(mem, "a"), openArray(mem, "s")]);
  return { mem, a, s };
}

describe("stream", () => {
  it("events rebuild every read exactly (regions + values, point sets + offsets)", async () => {
    const { a, s } = await setup();
    const p = plan({
      box: a.lazy().get(slice(3, 29, 2), slice(null, null, -3)),
      pts: s.lazy().vindex([0, 39, 17, 17, 2], [1, 38, 5, 5, 30]),
      tile: s.lazy().get(slice(10, 30), slice(0, 20)),
    });
    const expected = await p.read();
    const events = await lastValueFrom(p.stream().pipe(toArray()));
    const tasks = p.optimized.readTasks.reduce((x, y) => x + y, 0);
    expect(events.length).toBe(tasks);
    for (const name of p.names) {
      const ref = expected[name]!;
      const dt = ref.dtype;
      const built = allocate(dt, ref.data.length);
      let written = 0;
      for (const e of events.filter((x) => x.read === name)) {
        const v = e.values;
        const offs = e.outputOffsets();
        expect(offs.length).toBe(e.count);
        for (let k = 0; k < offs.length; k++)
          (built as Float64Array)[offs[k]!] = (v.data as Float64Array)[k]!;
        written += e.count;
        if (e.region) {
          expect(v.shape).toEqual(e.region.shape);
          // First value of the region sits at region.start.
          const start = e.region.start.reduce((acc, st, d) => acc + st * ref.strides[d]!, 0);
          expect(offs[0]).toBe(start);
        } else expect(v.shape).toEqual([e.count]);
      }
      expect(written).toBe(ref.data.length);
      expect(Array.from(built as ArrayLike<number>)).toEqual(
        Array.from(ref.data as ArrayLike<number>),
      );
    }
    const box = events.filter((e) => e.read === "box");
    expect(box.every((e) => e.region !== undefined)).toBe(true);
    expect(events.filter((e) => e.read === "pts").every((e) => e.region === undefined)).toBe(true);
  });

  it("progress counters grow to their totals; totals final once indexes are known", async () => {
    const { mem } = await setup();
    await iotaArray(mem, "z", { shape: [10], chunks: [5], compressor: { name: "gzip" } });
    await mem.delete("z/c/1");
    const d = new DelayStore(mem, 5);
    const [a, s, z] = await Promise.all([openArray(d, "a"), openArray(d, "s"), openArray(d, "z")]);
    const p = plan(
      { a: a.lazy(), s: s.lazy().get(slice(0, 7), slice(0, 7)), z: z.lazy() },
      { maxGap: 0 },
    );
    const ps = await lastValueFrom(p.stream().pipe(progress(), toArray()));
    const last = ps[ps.length - 1]!;
    expect(last.tasksDone).toBe(last.tasksTotal);
    expect(last.requestsDone).toBe(last.requestsTotal);
    expect(last.bytesDone).toBe(last.bytesTotal);
    expect(last.readsDone).toBe(3);
    expect(last.totalsFinal).toBe(true);
    // a: 5 × 4 chunks; s: 1 index + 2 ranges (inner chunks 0, 1 and 4, 5); z: 2 chunks.
    expect(last.requestsTotal).toBe(20 + 3 + 2);
    for (let i = 1; i < ps.length; i++) {
      expect(ps[i]!.tasksDone).toBe(ps[i - 1]!.tasksDone + 1);
      expect(ps[i]!.requestsDone).toBeGreaterThanOrEqual(ps[i - 1]!.requestsDone);
    }
    expect(ps[0]!.requestsTotal).toBeLessThanOrEqual(last.requestsTotal);
  });

  it("running statistics equal those of the result", async () => {
    const { a, s } = await setup();
    const p = plan({ a: a.lazy().get(slice(2, 25)), s: s.lazy().get(slice(null, null, 3)) });
    const r = await p.read();
    const ref = (name: keyof typeof r) => {
      const v = Array.from(r[name]!.data as ArrayLike<number>);
      const sum = v.reduce((x, y) => x + y, 0);
      return {
        sum,
        min: Math.min(...v),
        max: Math.max(...v),
        mean: sum / v.length,
        count: v.length,
      };
    };
    for (const name of ["a", "s"] as const) {
      const st = await lastValueFrom(p.stream().pipe(runningStats({ read: name })));
      const e = ref(name);
      expect(st.count).toBe(e.count);
      expect(st.sum).toBe(e.sum);
      expect(st.min).toBe(e.min);
      expect(st.max).toBe(e.max);
      expect(st.mean).toBeCloseTo(e.mean, 9);
      expect(st.nanCount).toBe(0);
      expect(await lastValueFrom(p.stream().pipe(runningSum({ read: name })))).toBe(e.sum);
      expect(await lastValueFrom(p.stream().pipe(runningMin({ read: name })))).toBe(e.min);
      expect(await lastValueFrom(p.stream().pipe(runningMax({ read: name })))).toBe(e.max);
      expect(await lastValueFrom(p.stream().pipe(runningMean({ read: name })))).toBeCloseTo(
        e.mean,
        9,
      );
    }
    const both = await lastValueFrom(p.stream().pipe(runningStats()));
    expect(both.count).toBe(ref("a").count + ref("s").count);
  });

  it("running statistics skip NaN and count fill values", async () => {
    const mem = new MemoryStore();
    const arr = await iotaArray(mem, "f", {
      shape: [6],
      chunks: [2],
      dtype: "float32",
      fillValue: Number.NaN,
    });
    await arr.deleteChunk([1]);
    const st = await lastValueFrom(plan({ f: arr.lazy() }).stream().pipe(runningStats()));
    expect(st.nanCount).toBe(2);
    expect(st.count).toBe(4);
    expect(st.sum).toBe(0 + 1 + 4 + 5);
    expect(st.min).toBe(0);
    expect(st.max).toBe(5);
  });

  it("statistics reject complex data", async () => {
    const mem = new MemoryStore();
    const arr = await iotaArray(mem, "c", { shape: [4], dtype: "complex64" });
    await expect(
      lastValueFrom(plan({ c: arr.lazy() }).stream().pipe(runningStats())),
    ).rejects.toThrow(/complex64/);
  });

  it("completedReads emits each output as soon as its read is done; assemble = read()", async () => {
    const { mem } = await setup();
    const d = new DelayStore(mem, 5);
    const [a, s] = await Promise.all([openArray(d, "a"), openArray(d, "s")]);
    // small: one chunk (one round trip); big: shard indexes then data (two).
    const p = plan(
      { small: a.lazy().get(0, 0), big: s.lazy().get(slice(0, 30), slice(0, 30)) },
      { maxGap: 0 },
    );
    const order: string[] = [];
    let small: ChunkEvent | undefined;
    await lastValueFrom(
      p.stream().pipe(
        tap((e) => {
          if (e.read === "small") small = e;
        }),
        completedReads(),
        tap((x) => order.push(x.read)),
        toArray(),
      ),
    );
    expect(order).toEqual(["small", "big"]);
    expect(small?.readComplete).toBe(true);
    const assembled = await lastValueFrom(p.stream().pipe(assemble()));
    const read = await p.read();
    expect(Array.from(assembled.big!.data as ArrayLike<number>)).toEqual(
      Array.from(read.big!.data as ArrayLike<number>),
    );
    expect(Array.from(assembled.small!.data as ArrayLike<number>)).toEqual([0]);
  });

  it("each subscription is an execution; an empty plan completes at once", async () => {
    const { a } = await setup();
    const p = plan({ e: a.lazy().get(slice(0, 0)) });
    const events = await lastValueFrom(p.stream().pipe(toArray()));
    expect(events).toEqual([]);
    expect((await p.read()).e!.shape).toEqual([0, 20]);
  });
});
