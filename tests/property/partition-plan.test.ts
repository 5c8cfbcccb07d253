import { describe, it } from "vitest";
import "../../src/exec/execute.js";
import { ZarrPlanError } from "../../src/core/errors.js";
import type { NDArray } from "../../src/core/ndarray.js";
import { plan } from "../../src/exec/api.js";
import { assemblePartitionStats } from "../../src/exec/partition-stats.js";
import { statsOf } from "../../src/exec/stats.js";
import { openArray, type ZarrArray } from "../../src/hierarchy/index.js";
import { planFromJSON } from "../../src/hierarchy/plan-file.js";
import type { LazyArray } from "../../src/index-space/lazy.js";
import { assemblePartitions, type PartitionOptions } from "../../src/plan/partition-plan.js";
import { parsePlanFile } from "../../src/plan/plan-json.js";
import { CountingStore } from "../../src/store/counting.js";
import { MemoryStore } from "../../src/store/memory.js";
import { iotaArray } from "../helpers/plan-arrays.js";
import { applyOp, describeOp, seededPicker } from "./convert.js";
import { type RefArray, RefIndexError, refApply, refIota } from "./numpy-ref.js";
import {
  assertLoggedCases,
  chance,
  type G,
  genChunks,
  genOp,
  genShape,
  int,
  Mismatch,
} from "./plan-gen.js";

const NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 150);

async function makeArray(
  g: G,
  store: CountingStore,
  mem: MemoryStore,
  path: string,
  log: string[],
): Promise<{ array: ZarrArray; ref: RefArray }> {
  const shape = genShape(g);
  const chunks = genChunks(g, shape);
  const sharded = shape.length > 0 && chance(g, 2);
  const shards = sharded ? chunks.map((c) => c * int(g, 1, 3)) : undefined;
  await iotaArray(mem, path, {
    shape,
    chunks,
    dtype: "float64",
    fillValue: -1,
    ...(shards ? { shards } : {}),
    ...(chance(g, 3)
      ? { compressor: { name: "zstd", configuration: { level: 1, checksum: false } } }
      : {}),
  });
  const arr = await openArray(store, path);
  if (shape.every((s) => s > 0) && chance(g, 3)) {
    const c = shape.map((s, d) => int(g, 0, Math.ceil(s / arr.chunkShape[d]!) - 1));
    await mem.delete(arr.chunkKey(c));
    log.push(`missing [${c}]`);
  }
  log.push(`${path}: shape [${shape}] chunks [${chunks}]${shards ? ` shards [${shards}]` : ""}`);
  return { array: arr, ref: refIota(shape) };
}

function sameArray(a: NDArray | undefined, b: NDArray | undefined): string | undefined {
  if (!a || !b) return "missing output";
  if (a.shape.join() !== b.shape.join()) return `shape [${a.shape}] != [${b.shape}]`;
  if (a.dtype.name !== b.dtype.name) return `dtype ${a.dtype.name} != ${b.dtype.name}`;
  const x = Array.from(a.data as Float64Array);
  const y = Array.from(b.data as Float64Array);
  if (x.length !== y.length || x.some((v, i) => !Object.is(v, y[i]))) {
    return `[${x.slice(0, 20)}] != [${y.slice(0, 20)}]`;
  }
  return undefined;
}

function genOptions(g: G): PartitionOptions {
  const o: { -readonly [K in keyof PartitionOptions]: PartitionOptions[K] } = {};
  const kind = int(g, 0, 3);
  if (kind === 0) o.count = int(g, 1, 6);
  if (kind === 1) o.maxBytes = int(g, 1, 4096);
  if (kind === 2) o.maxTasks = int(g, 1, 5);
  if (chance(g, 2)) o.by = chance(g, 2) ? "chunk" : "shard";
  return o;
}

async function runCase(g: G, log: string[]): Promise<void> {
  const mem = new MemoryStore();
  const store = Object.assign(new CountingStore(mem), { url: new URL("mem://partition-test/") });
  const arrays: { array: ZarrArray; ref: RefArray }[] = [];
  for (let k = 0, n = int(g, 1, 2); k < n; k++) {
    arrays.push(await makeArray(g, store, mem, `a${k}`, log));
  }
  const fail = (w: string): never => {
    throw new Mismatch(`${log.join(" | ")}: ${w}`);
  };
  const pick = seededPicker(int(g, 0, 1_000_000));
  const views: [string, LazyArray][] = [];
  for (let r = 0, n = int(g, 1, 3); r < n; r++) {
    const a = arrays[int(g, 0, arrays.length - 1)]!;
    let view = a.array.lazy();
    let ref = a.ref;
    const ops: string[] = [];
    for (let s = 0, steps = int(g, 0, 3); s < steps; s++) {
      const op = genOp(g, ref.shape);
      try {
        ref = refApply(ref, op);
      } catch (e) {
        if (e instanceof RefIndexError) break;
        throw e;
      }
      view = applyOp(view, op, pick);
      ops.push(describeOp(op));
    }
    log.push(`r${r} = ${a.array.path}${ops.map((o) => `.${o}`).join("")}`);
    views.push([`r${r}`, view]);
  }
  const p = plan(views);
  const options = genOptions(g);
  log.push(`partition(${JSON.stringify(options)})`);
  let parts: ReturnType<typeof p.partition>;
  try {
    parts = p.partition(options);
  } catch (e) {
    // Index arrays nested JSON lists cannot express (e.g. shape [0, 2]) are refused clearly.
    if (e instanceof ZarrPlanError && e.code === "ERR_PLAN_NOT_SERIALIZABLE") return;
    throw e;
  }
  // Deterministic.
  if (JSON.stringify(p.partition(options)) !== JSON.stringify(parts)) fail("not deterministic");
  if (options.count !== undefined && parts.length > options.count) {
    fail(`${parts.length} partitions > count ${options.count}`);
  }
  // Regions tile each read's output exactly once.
  p.names.forEach((name, i) => {
    const shape = p.views[i]!.shape;
    const size = shape.reduce((a, b) => a * b, 1);
    const hits = new Uint8Array(size);
    let regions = 0;
    for (const part of parts) {
      for (const r of part.regions) {
        if (r.read !== name) continue;
        regions++;
        const idx = [...r.start];
        const n = r.shape.reduce((a, b) => a * b, 1);
        for (let k = 0; k < n; k++) {
          let rem = k;
          for (let d = shape.length - 1; d >= 0; d--) {
            idx[d] = r.start[d]! + (rem % r.shape[d]!);
            rem = Math.floor(rem / r.shape[d]!);
          }
          let flat = 0;
          for (let d = 0; d < shape.length; d++) flat = flat * shape[d]! + idx[d]!;
          hits[flat]!++;
        }
      }
    }
    if (regions === 0) fail(`read ${name} in no partition`);
    if (hits.some((h) => h !== 1)) fail(`read ${name}: regions do not tile the output`);
  });
  const expected = await p.read();
  const results = [];
  // Unsharded, one read: no chunk is fetched by two partitions.
  const oncePerChunk = p.names.length === 1 && p.optimized.objects.every((o) => o.kind === "chunk");
  const fetched = new Set<string>();
  for (const part of parts) {
    if (part.index !== results.length) fail(`partition index ${part.index}`);
    const file = parsePlanFile(JSON.parse(JSON.stringify(part.file)));
    const sub = await planFromJSON(file, { openStore: () => store });
    store.reset();
    results.push({ partition: part, outputs: await sub.read() });
    for (const l of store.log) {
      if (!oncePerChunk || l.key.endsWith("zarr.json")) continue;
      if (fetched.has(l.key)) fail(`chunk ${l.key} fetched by two partitions`);
      fetched.add(l.key);
    }
  }
  // Any order.
  if (chance(g, 2)) results.reverse();
  const got = assemblePartitions(p, results);
  for (const name of p.names) {
    const why = sameArray(got[name], expected[name]);
    if (why) fail(`read ${name} (${parts.length} partitions): ${why}`);
  }
  // Statistics of the sub-reads assemble into those of the reads (values are integers or the
  // fill value -1: sums exact in any order), whole and along an axis every read has.
  const minNd = Math.min(...p.views.map((v) => v.shape.length));
  const axis = minNd > 0 && chance(g, 2) ? int(g, 0, minNd - 1) : undefined;
  const stats = assemblePartitionStats(
    p,
    results.map(({ partition, outputs }) => ({
      partition,
      stats: Object.fromEntries(
        Object.entries(outputs).map(([k, a]) => [
          k,
          statsOf(a, axis === undefined ? {} : { axis }),
        ]),
      ),
    })),
    axis === undefined ? {} : { axis },
  );
  for (const name of p.names) {
    const want = statsOf(expected[name]!, axis === undefined ? {} : { axis });
    if (JSON.stringify(stats[name]) !== JSON.stringify(want)) {
      fail(
        `stats of ${name} (axis ${axis}): ${JSON.stringify(stats[name])} != ${JSON.stringify(want)}`,
      );
    }
  }
}

describe("plan partitions vs plan.read()", () => {
  it(
    `random plans, random partition options (${NUM_RUNS} runs)`,
    async () => {
      await assertLoggedCases(NUM_RUNS, runCase);
    },
    Math.max(60_000, NUM_RUNS * 100),
  );
});
