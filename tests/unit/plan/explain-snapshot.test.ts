/**
 * Snapshot of `explainText()` over a fixed set of plans, and a digest of the optimizer's output
 * (`plan.optimized`: arrays, objects with their inner chunks and uses, fetches in order) for the
 * same plans. The optimizer may be restructured; what it prints and returns must stay
 * byte-identical, so a diff here is a behaviour change, not a formatting detail.
 *
 * The plans: RUNS plans drawn like those of the multi-array property test
 * (`tests/property/plan-multi.test.ts`: 1–3 arrays of random shape and chunks, sharded or not,
 * index at either end, compressed or not, a missing chunk or shard, an empty inner chunk; 1–4
 * reads of random get/oindex/vindex/mask chains), from fast-check generators sampled with a fixed
 * seed, over one or two in-memory stores (a shared store also opens arrays twice). A third of them
 * are also resolved (their shard indexes read) so that explain shows byte ranges. Then hand-made
 * plans: empty, a source without a store, v2 keys, codecs around `sharding_indexed`, resolved
 * shards with coalescing, `maxRows`.
 *
 * Everything is deterministic (fixed seed, MemoryStore, no timing); labels are class names or a
 * `mem://` address, never a machine path. A fast-check upgrade may change the sampled plans:
 * regenerate (`npx vitest run tests/unit/plan/explain-snapshot.test.ts -u`) only in a commit that
 * does not touch the optimizer or explain.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import "../../../src/exec/execute.js";
import { dataType } from "../../../src/format/dtype.js";
import { openArray, type ZarrArray } from "../../../src/hierarchy/index.js";
import { type LazyArray, lazy } from "../../../src/plan/lazy.js";
import type { Optimized } from "../../../src/plan/optimize.js";
import { type Plan, plan } from "../../../src/plan/plan.js";
import { slice } from "../../../src/plan/selection.js";
import { CountingStore } from "../../../src/store/counting.js";
import { MemoryStore } from "../../../src/store/memory.js";
import { iota, MemorySource } from "../../helpers/memory-source.js";
import { iotaArray } from "../../helpers/plan-arrays.js";
import { applyOp, describeOp, seededPicker } from "../../property/convert.js";
import { type RefArray, RefIndexError, refApply } from "../../property/numpy-ref.js";
import { chance, type G, genChunks, genOp, genShape, int } from "../../property/plan-gen.js";

const SEED = 424242;
const RUNS = 50;
const FILL = -1;

const EXPLAIN_SNAP = "./__snapshots__/explain.snap.txt";
const OPTIMIZED_SNAP = "./__snapshots__/optimized.snap.txt";

/** A compact, complete text of the optimizer's phase-1 output. */
function digest(o: Optimized): string {
  const lines: string[] = [];
  lines.push(`stores ${o.stores.length}; readArrays [${o.readArrays}]; readTasks [${o.readTasks}]`);
  for (const a of o.arrays) {
    lines.push(
      `  array ${a.id} ${a.source.path} ${a.layout} store ${a.store} grid [${a.gridShape}] cell [${a.gridChunkShape}] cellBytes ${a.cellBytes}${a.sharding ? ` cps [${a.sharding.chunksPerShard}]` : ""}`,
    );
  }
  const uses = (
    us: readonly { read: number; task: { coords: readonly number[]; count: number } }[],
  ) => us.map((u) => `r${u.read}[${u.task.coords}]x${u.task.count}`).join(" ");
  for (const b of o.objects) {
    lines.push(
      `  object ${b.id} ${b.kind} ${b.key} array ${b.array} store ${b.store} coords [${b.coords}] reads [${b.reads}] tasks ${b.taskCount}${b.kind === "shard" ? ` ${b.whole ? "whole" : "partial"} inBounds ${b.innerInBounds}` : ""}`,
    );
    if (b.uses.length > 0) lines.push(`    uses ${uses(b.uses)}`);
    for (const n of b.inner) lines.push(`    inner ${n.index} [${n.coords}] ${uses(n.uses)}`);
  }
  for (const f of o.fetches) {
    lines.push(
      `  fetch ${f.kind} object ${f.object} store ${f.store} ${f.key} range ${JSON.stringify(f.range ?? null)} bytes ${f.bytes} wanted ${f.wanted} parts ${f.parts.length}`,
    );
  }
  lines.push(`  partialShards [${o.partialShards}]`);
  return lines.join("\n");
}

interface Case {
  title: string;
  plan: Plan;
  /** Also record the resolved plan's explanation. */
  resolve: boolean;
  /** Also record `explainText({ maxRows })`. */
  maxRows?: number;
}

/** One plan like those of plan-multi.test.ts, from generator `g`. */
async function generatedCase(g: G, n: number): Promise<Case> {
  const log: string[] = [];
  const nStores = int(g, 1, 2);
  const mems = Array.from({ length: nStores }, () => new MemoryStore());
  // Store 0 has an address (its label is the URL); store 1 is a bare MemoryStore.
  const stores = [
    Object.assign(new CountingStore(mems[0]!), { url: new URL("mem://snapshot/") }),
    mems[1],
  ];
  const nArrays = int(g, 1, 3);
  const arrays: { array: ZarrArray; ref: RefArray }[] = [];
  for (let k = 0; k < nArrays; k++) {
    const s = int(g, 0, nStores - 1);
    const mem = mems[s]!;
    const path = `a${k}`;
    const shape = genShape(g);
    const chunks = genChunks(g, shape);
    const sharded = shape.length > 0 && chance(g, 2);
    const shards = sharded ? chunks.map((c) => c * int(g, 1, 3)) : undefined;
    const indexLocation = chance(g, 2) ? "start" : "end";
    const compressed = chance(g, 3);
    await iotaArray(mem, path, {
      shape,
      chunks,
      dtype: "float64",
      fillValue: FILL,
      ...(shards ? { shards, indexLocation } : {}),
      ...(compressed
        ? { compressor: { name: "zstd", configuration: { level: 1, checksum: false } } }
        : {}),
    });
    let desc = `${path}@s${s}: shape [${shape}] chunks [${chunks}]${shards ? ` shards [${shards}] index ${indexLocation}` : ""}${compressed ? " zstd" : ""}`;
    const arr = await openArray(stores[s]!, path);
    if (shape.every((x) => x > 0)) {
      if (chance(g, 3)) {
        const grid = shape.map((x, d) => Math.ceil(x / arr.chunkShape[d]!));
        const c = grid.map((m) => int(g, 0, m - 1));
        await mem.delete(arr.chunkKey(c));
        desc += ` missing [${c}]`;
      }
      if (shards && chance(g, 2)) {
        const inner = shape.map((x, d) => int(g, 0, Math.ceil(x / chunks[d]!) - 1));
        const start = inner.map((x, d) => x * chunks[d]!);
        const stop = inner.map((x, d) => Math.min(shape[d]!, (x + 1) * chunks[d]!));
        await (await openArray(mem, path)).write(FILL, { start, stop });
        desc += ` empty inner [${inner}]`;
      }
    }
    log.push(desc);
    arrays.push({
      array: arr,
      ref: { shape, data: new Array<number>(shape.reduce((p, x) => p * x, 1)).fill(0) },
    });
    // The same array opened a second time (a distinct source reading the same keys).
    if (chance(g, 4)) {
      arrays.push({
        array: await openArray(stores[s]!, path),
        ref: arrays[arrays.length - 1]!.ref,
      });
      log.push(`${path}' = ${path} opened again`);
    }
  }
  const pick = seededPicker(int(g, 0, 1_000_000));
  const nReads = int(g, 1, 4);
  const views: [string, LazyArray][] = [];
  for (let r = 0; r < nReads; r++) {
    const which = int(g, 0, arrays.length - 1);
    const a = arrays[which]!;
    let view = a.array.lazy();
    let ref = a.ref;
    const ops: string[] = [];
    const steps = int(g, 0, 3);
    for (let s = 0; s < steps; s++) {
      const op = genOp(g, ref.shape);
      let next: RefArray;
      try {
        next = refApply(ref, op);
      } catch (e) {
        if (e instanceof RefIndexError) break;
        throw e;
      }
      view = applyOp(view, op, pick);
      ref = next;
      ops.push(describeOp(op));
    }
    log.push(`r${r} = #${which} ${a.array.path}${ops.map((o) => `.${o}`).join("")}`);
    views.push([`r${r}`, view]);
  }
  const policy = int(g, 0, 3);
  const options =
    policy === 0
      ? { maxGap: 0, maxSize: 0 }
      : policy === 1
        ? { maxGap: 0, maxSize: 64 }
        : policy === 2
          ? { maxGap: 48, maxSize: 4096 }
          : {};
  log.push(`options ${JSON.stringify(options)}`);
  return {
    title: `generated ${n}: ${log.join(" | ")}`,
    plan: plan(views, options),
    resolve: chance(g, 3),
    ...(n % 10 === 3 ? { maxRows: 2 } : {}),
  };
}

/** Hand-made plans covering what the sampled ones may miss. */
async function handMadeCases(): Promise<Case[]> {
  const cases: Case[] = [];
  cases.push({ title: "empty plan (no reads)", plan: plan({}), resolve: false });

  const mem = new MemoryStore();
  const store = new CountingStore(mem);
  // s: 64 × 64 int32, shards 32 × 32 of 8 × 8 inner chunks; one inner chunk written as the fill
  // value (empty in its shard); shard [1, 1] missing.
  await iotaArray(mem, "s", { shape: [64, 64], chunks: [8, 8], shards: [32, 32] });
  await (await openArray(mem, "s")).write(0, { start: [40, 0], stop: [48, 8] });
  await iotaArray(mem, "s2", { shape: [64, 64], chunks: [8, 8], shards: [32, 32], fillValue: 7 });
  await mem.delete("s2/c/1/1");
  await iotaArray(mem, "c", { shape: [10], chunks: [5] });
  await iotaArray(mem, "v2", { shape: [6, 7], chunks: [4, 3], zarrFormat: 2 });
  await iotaArray(mem, "wrapped", {
    shape: [20],
    dtype: "int16",
    codecs: [
      {
        name: "sharding_indexed",
        configuration: {
          chunk_shape: [5],
          codecs: [{ name: "bytes", configuration: { endian: "little" } }],
          index_codecs: [
            { name: "bytes", configuration: { endian: "little" } },
            { name: "crc32c" },
          ],
          index_location: "end",
        },
      },
      { name: "gzip", configuration: { level: 1 } },
    ],
    chunks: [10],
  });
  const [s, s2, c, v2, wrapped] = await Promise.all(
    ["s", "s2", "c", "v2", "wrapped"].map((p) => openArray(store, p)),
  );
  cases.push({
    title: "empty selection",
    plan: plan({ e: c!.lazy().get(slice(3, 3)) }),
    resolve: false,
  });
  const pts = s!.lazy().vindex([1, 40, 41, 63, 44, 2], [2, 3, 12, 63, 5, 60]);
  cases.push({
    title: "whole shard, partial shards, chunks; maxGap 0",
    plan: plan(
      {
        whole: s!.lazy().get(slice(0, 32), slice(0, 32)),
        pts,
        c: c!.lazy().get(slice(3, 7)),
      },
      { maxGap: 0 },
    ),
    resolve: true,
    maxRows: 2,
  });
  cases.push({
    title: "partial shards coalesced (maxGap 600), empty inner chunk",
    plan: plan({ pts, rows: s!.lazy().get(slice(40, 42), slice(0, 64, 9)) }, { maxGap: 600 }),
    resolve: true,
  });
  cases.push({
    title: "default policy: partial shards read whole when cheap",
    plan: plan({ pts }),
    resolve: true,
  });
  cases.push({
    title: "missing shard (index not stored), fill value 7",
    plan: plan({ p: s2!.lazy().vindex([1, 40, 63], [2, 40, 60]) }, { maxGap: 0, maxSize: 0 }),
    resolve: true,
  });
  const s1again = await openArray(store, "s");
  cases.push({
    title: "the same array opened twice: shared objects",
    plan: plan(
      {
        a: s!.lazy().get(slice(30, 34), slice(0, 3)),
        b: s1again.lazy().get(slice(31, 40), 2),
        v: v2!.lazy().oindex([0, 5], [6, 1]),
      },
      { maxGap: 0 },
    ),
    resolve: true,
  });
  cases.push({
    title: "v2 keys; codecs around sharding_indexed (planned by chunk)",
    plan: plan({
      v: v2!.lazy().get(slice(1, 5), slice(null, null, -2)),
      w: wrapped!.lazy().get(slice(3, 17)),
    }),
    resolve: true,
  });
  const src = new MemorySource(iota([9, 4], dataType("uint8")), [4, 3], { path: "memsrc" });
  cases.push({
    title: "source without a store, and a stored array",
    plan: plan({ m: lazy(src).get(slice(2, 9), 1), c: c!.lazy() }),
    resolve: true,
  });
  return cases;
}

describe("explainText snapshot", () => {
  it(`${RUNS} sampled plans and hand-made ones explain and optimize exactly as recorded`, async () => {
    const gens = fc.sample(fc.gen(), { seed: SEED, numRuns: RUNS });
    const cases: Case[] = [];
    for (let i = 0; i < gens.length; i++) cases.push(await generatedCase(gens[i]!, i));
    cases.push(...(await handMadeCases()));
    const explained: string[] = [];
    const optimized: string[] = [];
    for (const c of cases) {
      explained.push(`=== ${c.title}`, c.plan.explainText());
      optimized.push(`=== ${c.title}`, digest(c.plan.optimized));
      if (c.maxRows !== undefined) {
        explained.push(`--- maxRows ${c.maxRows}`, c.plan.explainText({ maxRows: c.maxRows }));
      }
      if (c.resolve) {
        const resolved = await c.plan.resolve();
        explained.push("--- resolved", resolved.explainText());
      }
      explained.push("");
      optimized.push("");
    }
    await expect(explained.join("\n")).toMatchFileSnapshot(EXPLAIN_SNAP);
    await expect(optimized.join("\n")).toMatchFileSnapshot(OPTIMIZED_SNAP);
  });
});
