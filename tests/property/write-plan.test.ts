/**
 * Property test of write plans: random arrays (v2 and v3, chunked or sharded, compressed or not,
 * conditional store or not), random initial content, then 1–3 writes of random selections of every
 * kind (get / oindex / vindex / mask chains) with random values (scalars, NDArrays of the
 * selection's shape, NDArrays that broadcast), planned together or one by one. The expected array
 * comes from the NumPy reference model (numpy-ref.ts): the selection applied to an array of flat
 * positions says where each selected element is, and values are assigned in C order of each
 * selection, writes in order (the last one wins where they overlap, as in NumPy).
 *
 * Besides the values read back, the plan's objects are checked: one object per touched chunk or
 * shard (never the same twice), an object fully covered by the writes is neither read nor has its
 * shard index read, and every other object is read exactly once (counted in the request log).
 *
 * Run count: FC_NUM_RUNS (CI sets 100; default 150). Replay: FC_SEED=<seed> FC_PATH=<path>.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dataType } from "../../src/core/dtype.js";
import { cStrides, type NDArray } from "../../src/core/ndarray.js";
import { planWrite } from "../../src/exec/api.js";
import { Context } from "../../src/exec/context.js";
import type { RequestLogEntry } from "../../src/exec/scheduler.js";
import { createArray } from "../../src/hierarchy/index.js";
import type { LazyArray } from "../../src/index-space/lazy.js";
import type { MaskLike } from "../../src/index-space/selection.js";
import { STORE_BRAND } from "../../src/store/brand.js";
import { MemoryStore } from "../../src/store/memory.js";
import type { ReadableStore, StoreRequestOptions } from "../../src/store/types.js";
import { apiArgs, describeOp, seededPicker } from "./convert.js";
import { type RefArray, RefIndexError, refApply, refIota } from "./numpy-ref.js";
import { chance, type G, genChunks, genOp, genShape, int } from "./plan-gen.js";
import { oneOf, SEED_ARB } from "./selection-gen.js";

const NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 150);
const SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
const PATH = process.env.FC_PATH?.split(":")[0];
const f64 = dataType("float64");

/** A MemoryStore without the conditional writes (plain read-modify-write). */
class PlainStore implements ReadableStore {
  readonly inner = new MemoryStore();
  readonly [STORE_BRAND] = true as const;
  get(key: string, o?: StoreRequestOptions) {
    return this.inner.get(key, o);
  }
  getRange(key: string, r: Parameters<MemoryStore["getRange"]>[1], o?: StoreRequestOptions) {
    return this.inner.getRange(key, r, o);
  }
  set(key: string, v: Uint8Array, o?: StoreRequestOptions) {
    return this.inner.set(key, v, o);
  }
  delete(key: string, o?: StoreRequestOptions) {
    return this.inner.delete(key, o);
  }
  list(prefix: string, o?: StoreRequestOptions) {
    return this.inner.list(prefix, o);
  }
  listDir(prefix: string, o?: StoreRequestOptions) {
    return this.inner.listDir(prefix, o);
  }
}

/** A value for a selection of `shape`: a scalar, an NDArray of that shape, or one that broadcasts. */
function genValue(
  g: G,
  shape: readonly number[],
  base: number,
): { value: NDArray | number; at: (flat: number) => number; describe: string } {
  const kind = int(g, 0, 3);
  if (kind === 0) return { value: base, at: () => base, describe: `scalar ${base}` };
  // Broadcast: some dimensions of length 1, maybe fewer leading dimensions.
  const drop = kind === 3 ? int(g, 0, shape.length) : 0;
  const vshape = shape.slice(drop).map((s) => (kind >= 2 && chance(g, 2) ? 1 : s));
  const n = vshape.reduce((p, s) => p * s, 1);
  const data = Float64Array.from({ length: n }, (_, i) => base + i);
  // A non-C layout now and then (reversed strides over a bigger buffer).
  const value: NDArray = { data, shape: vshape, strides: cStrides(vshape), dtype: f64 };
  const vstr = cStrides(vshape);
  const tstr = cStrides(shape);
  const at = (flat: number): number => {
    let r = flat;
    let off = 0;
    for (let d = 0; d < shape.length; d++) {
      const idx = Math.floor(r / tstr[d]!);
      r -= idx * tstr[d]!;
      const vd = d - drop;
      if (vd >= 0 && vshape[vd]! > 1) off += idx * vstr[vd]!;
    }
    return data[off]!;
  };
  return { value, at, describe: `array [${vshape}] from ${base}` };
}

async function runCase(g: G, log: string[]): Promise<void> {
  let shape = genShape(g);
  if (shape.length === 0) shape = [int(g, 1, 9)];
  const chunks = genChunks(g, shape);
  const sharded = chance(g, 3) && shape.every((s) => s > 0);
  const zarrFormat = sharded ? 3 : oneOf(g, [2, 3] as const);
  const compressed = chance(g, 2);
  const conditional = chance(g, 2);
  const fill = oneOf(g, [0, 7.5]);
  const store = conditional ? new MemoryStore() : new PlainStore();
  const requests: RequestLogEntry[] = [];
  const context = new Context({
    decodeWorkers: { workers: 0 },
    onRequest: (e) => requests.push(e),
  });
  const shards = sharded ? chunks.map((c) => c * int(g, 1, 3)) : undefined;
  log.push(
    `v${zarrFormat} shape [${shape}] chunks [${chunks}]${shards ? ` shards [${shards}]` : ""}${compressed ? " gzip" : ""}${conditional ? " conditional" : ""} fill ${fill}`,
  );
  const a = await createArray(store as never, "a", {
    shape,
    chunks,
    ...(shards ? { shards } : {}),
    dtype: "float64",
    fillValue: fill,
    zarrFormat,
    context,
    compressor: compressed ? { name: "gzip", configuration: { level: 1 } } : null,
  });
  const size = shape.reduce((p, s) => p * s, 1);
  const expected = new Float64Array(size).fill(fill);
  if (chance(g, 2) && size > 0) {
    const init = Float64Array.from({ length: size }, (_, i) => (i % 5 === 0 ? fill : -1 - i));
    await a.lazy().write({ data: init, shape, strides: cStrides(shape), dtype: f64 });
    expected.set(init);
    log.push("initial content");
  }
  const pick = seededPicker(g(SEED_ARB));
  const nWrites = int(g, 1, 3);
  const entries: { target: LazyArray; value: NDArray | number }[] = [];
  const applied: { positions: readonly number[]; at: (i: number) => number }[] = [];
  for (let w = 0; w < nWrites; w++) {
    let view: LazyArray = a.lazy();
    let ref: RefArray = refIota(shape);
    const steps = int(g, 1, 2);
    const ops: string[] = [];
    for (let s = 0; s < steps; s++) {
      const op = genOp(g, ref.shape);
      let next: RefArray;
      try {
        next = refApply(ref, op);
      } catch (e) {
        if (e instanceof RefIndexError) continue;
        throw e;
      }
      const args = apiArgs(op, pick);
      view = op.op === "mask" ? view.mask(args[0] as MaskLike) : view[op.op](...args);
      ref = next;
      ops.push(describeOp(op));
    }
    const v = genValue(g, ref.shape, 100 * (w + 1));
    log.push(`write ${ops.join(" ")} = ${v.describe}`);
    entries.push({ target: view, value: v.value });
    applied.push({ positions: ref.data, at: v.at });
  }
  for (const { positions, at } of applied) {
    positions.forEach((p, i) => {
      expected[p] = at(i);
    });
  }
  const together = chance(g, 2);
  requests.length = 0;
  if (together) {
    const plan = planWrite(entries, { context });
    const objects = plan.optimized.objects;
    // One object per key, never twice.
    expect(new Set(objects.map((o) => o.key)).size).toBe(objects.length);
    const result = await plan.write({ concurrency: int(g, 1, 4) });
    const reads = requests.filter(
      (r) => r.op === "get" || r.op === "getVersioned" || r.op === "getRange",
    );
    // Each object not fully covered is read once (whole), the others not at all.
    const partial = new Set(objects.filter((o) => !o.full).map((o) => o.key));
    expect(reads.map((r) => r.key).sort()).toEqual([...partial].sort());
    expect(result.read).toBe(partial.size);
    expect(result.stored + result.deleted).toBe(objects.length);
    expect(result.conflicts).toBe(0);
  } else {
    for (const e of entries) await e.target.write(e.value as never);
  }
  const got = (await a.read()).data as Float64Array;
  const bad = Array.from(got).findIndex((x, i) => !Object.is(x, expected[i]));
  if (bad >= 0) {
    throw new Error(
      `element ${bad}: ${got[bad]} != expected ${expected[bad]} (got [${Array.from(got).slice(0, 30)}], expected [${Array.from(expected).slice(0, 30)}])`,
    );
  }
  context.close();
}

describe("write plans vs the NumPy reference model", () => {
  it(`random selections of every kind written, read back (${NUM_RUNS} runs)`, async () => {
    const property = fc.asyncProperty(fc.limitShrink(fc.gen(), 500), async (g) => {
      const log: string[] = [];
      try {
        await runCase(g, log);
      } catch (e) {
        throw new Error(`${log.join(" → ")}: ${String(e)}`, { cause: e });
      }
    });
    const details = await fc.check(property, {
      numRuns: NUM_RUNS,
      ...(SEED === undefined ? {} : { seed: SEED }),
      ...(PATH === undefined ? {} : { path: PATH }),
    });
    if (details.failed) {
      throw new Error(await fc.asyncDefaultReportMessage(details), {
        cause: details.errorInstance,
      });
    }
  }, 120_000);
});
