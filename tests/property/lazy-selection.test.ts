/**
 * Property test: random shapes (0-d and size-0 dimensions included), random chunkings, random
 * chains of 1–4 selections of every kind (get / oindex / vindex / mask, with ints, slices of any
 * step, ellipsis, newaxis, index arrays, masks, and some invalid selections). The expected value
 * comes from the step-by-step reference model (numpy-ref.ts, itself checked against NumPy by
 * numpy-vectors.test.ts); the lazy result must equal it, must not depend on chunking, must read
 * each touched chunk exactly once and no other, must do no IO before `read()`, and must leave the
 * caller's arrays and earlier views untouched.
 *
 * Written against the `ArraySource` interface only (MemorySource here), so a real Zarr source can
 * be swapped in.
 *
 * Run count: FC_NUM_RUNS (default 20 000, ≈4 s). 100x more (≈4 min; 2 000 000 runs passed):
 *   FC_NUM_RUNS=2000000 npx vitest run tests/property/lazy-selection.test.ts
 * A failure prints fast-check's seed and path plus the shrunk case in NumPy notation
 * ("shape [3] chunks [1] → get(::-2): …"). Replay it (the failing run, shrunk again) with:
 *   FC_SEED=<seed> FC_PATH=<path> npx vitest run tests/property/lazy-selection.test.ts
 * The whole check, shrinking included, is bounded by FC_TIME_LIMIT_MS (default
 * NUM_RUNS × 5 ms + 30 s; the vitest timeout of this test follows it). Running out of time
 * before FC_NUM_RUNS runs without a failure fails the test (it never passes silently).
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { dataType } from "../../src/core/dtype.js";
import { IndexError } from "../../src/core/errors.js";
import { lazy } from "../../src/exec/api.js";
import { LazyArray } from "../../src/index-space/lazy.js";
import type { MaskLike } from "../../src/index-space/selection.js";
import { iota, MemorySource } from "../helpers/memory-source.js";
import { apiArgs, describeOp, seededPicker, snapshot } from "./convert.js";
import {
  type RefArray,
  RefIndexError,
  type RefItem,
  type RefOp,
  refApply,
  refIota,
} from "./numpy-ref.js";
import {
  chance,
  type G,
  genBools,
  genChunks,
  genItems,
  genShape,
  int,
  loggedProperty,
  Mismatch,
  oneOf,
  SEED_ARB,
} from "./selection-gen.js";

const NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 20_000);
const SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
/** Only the failing run of a printed path is replayed (then shrunk again, in about a second). */
const PATH = process.env.FC_PATH?.split(":")[0];
/**
 * Wall-clock budget of the whole check, shrinking included (shrinking `fc.gen` values can
 * otherwise take minutes). Generous for the runs themselves (≈0.2–0.5 ms each).
 */
const TIME_LIMIT_MS = Number(process.env.FC_TIME_LIMIT_MS ?? NUM_RUNS * 5 + 30_000);

/** Sometimes breaks a selection on purpose; both the model and zarr-plan must then raise. */
function corrupt(g: G, shape: readonly number[], items: RefItem[]): RefItem[] {
  const n0 = shape[0] ?? 0;
  switch (int(g, 0, 6)) {
    case 0: // out-of-bounds integer on the last dimension (or too many indices on 0-d)
      {
        const nl = shape.length > 0 ? shape[shape.length - 1]! : 0;
        const value = chance(g, 2) ? nl : -nl - 1;
        return [{ kind: "ellipsis" }, { kind: "int", value }];
      }
    case 1: // step 0
      return [{ kind: "slice", start: null, stop: null, step: 0 }];
    case 2: // too many indices
      return [
        ...Array.from(
          { length: shape.length + 1 },
          () => ({ kind: "slice", start: null, stop: null, step: null }) as RefItem,
        ),
      ];
    case 3: // two ellipses
      return [{ kind: "ellipsis" }, ...items, { kind: "ellipsis" }];
    case 4: // mask of the wrong length
      return [{ kind: "bool", shape: [n0 + 1], data: genBools(g, n0 + 1) }];
    case 5: // out-of-bounds index array value
      return [{ kind: "array", shape: [2], data: [0, oneOf(g, [n0, -n0 - 1, n0 + 5])] }];
    default: // arrays that do not broadcast
      return shape.length >= 2 && n0 > 0 && (shape[1] ?? 0) > 0
        ? [
            { kind: "array", shape: [2], data: [0, 0] },
            { kind: "array", shape: [3], data: [0, 0, 0] },
          ]
        : [{ kind: "slice", start: null, stop: null, step: 0 }];
  }
}

function genOp(g: G, shape: readonly number[]): RefOp {
  const op = oneOf(g, ["get", "get", "oindex", "vindex", "mask"] as const);
  const invalid = chance(g, 25);
  if (op === "mask") {
    const sh = invalid ? [...shape, 2] : [...shape];
    return {
      op,
      mask: {
        shape: sh,
        data: genBools(
          g,
          sh.reduce((p, s) => p * s, 1),
        ),
      },
    };
  }
  const items = genItems(g, shape, op);
  return { op, items: invalid ? corrupt(g, shape, items) : items };
}

function chunkIdsOf(
  positions: readonly number[],
  shape: readonly number[],
  chunks: readonly number[],
): Set<string> {
  const ids = new Set<string>();
  for (const p of positions) {
    let r = p;
    const c = new Array<number>(shape.length);
    for (let d = shape.length - 1; d >= 0; d--) {
      c[d] = Math.floor((r % shape[d]!) / chunks[d]!);
      r = Math.floor(r / shape[d]!);
    }
    ids.add(c.join(","));
  }
  return ids;
}

async function readAndCheck(
  view: LazyArray,
  ref: RefArray,
  fail: (what: string) => never,
): Promise<void> {
  const out = await view.read();
  if (out.shape.join() !== ref.shape.join()) fail(`read shape [${out.shape}] != [${ref.shape}]`);
  const got = Array.from(out.data as Float64Array);
  if (got.length !== ref.data.length || got.some((v, i) => v !== ref.data[i])) {
    fail(`data [${got.slice(0, 40)}] != expected [${ref.data.slice(0, 40)}]`);
  }
}

describe("lazy selections vs the NumPy reference model", () => {
  it(
    `random chains of 1-4 selections (${NUM_RUNS} runs)`,
    async () => {
      // Shrinking fc.gen values is long-tailed: cap it (the first shrunk cases are already small).
      const property = loggedProperty(runChain, { separator: " → ", maxShrinks: 2000 });
      const details = await fc.check(property, {
        numRuns: NUM_RUNS,
        ...(SEED === undefined ? {} : { seed: SEED }),
        ...(PATH === undefined ? {} : { path: PATH }),
        plugins: [fc.interruptAfterTimeLimit(TIME_LIMIT_MS)],
      });
      if (details.failed) {
        // Seed, path, counterexample and the error of the shrunk case (its readable chain).
        throw new Error(await fc.asyncDefaultReportMessage(details), {
          cause: details.errorInstance,
        });
      }
      if (details.interrupted) {
        throw new Error(
          `interrupted by FC_TIME_LIMIT_MS=${TIME_LIMIT_MS} after ${details.numRuns} of ${NUM_RUNS} runs without a failure (seed ${details.seed}); raise FC_TIME_LIMIT_MS`,
        );
      }
    },
    TIME_LIMIT_MS + 30_000, // vitest's own timeout must outlast fast-check's budget
  );
});

/** One random case; `log` collects a readable description (printed with the shrunk case). */
async function runChain(g: G, log: string[]): Promise<void> {
  const shape = genShape(g);
  const chunks = genChunks(g, shape);
  const chunks2 = genChunks(g, shape);
  const steps = int(g, 1, 4);
  // Which input forms (nested arrays, TypedArrays, NDArrays…) represent the selections; not shrunk.
  const pick = seededPicker(g(SEED_ARB));
  const data = iota(shape, dataType("float64"));
  const source = new MemorySource(data, chunks, { path: "prop" });
  let view: LazyArray = lazy(source);
  let ref: RefArray = refIota(shape);
  const history: { view: LazyArray; ref: RefArray }[] = [{ view, ref }];
  log.push(`shape [${shape}] chunks [${chunks}] (other chunking [${chunks2}])`);
  const fail = (what: string): never => {
    throw new Mismatch(`${log.join(" → ")}: ${what}`);
  };
  for (let s = 0; s < steps; s++) {
    const op = genOp(g, ref.shape);
    log.push(describeOp(op));
    let next: RefArray | undefined;
    try {
      next = refApply(ref, op);
    } catch (e) {
      if (!(e instanceof RefIndexError)) throw e;
    }
    const args = apiArgs(op, pick);
    const before = snapshot(args);
    let nextView: LazyArray | undefined;
    let error: unknown;
    try {
      nextView = op.op === "mask" ? view.mask(args[0] as MaskLike) : view[op.op](...args);
    } catch (e) {
      error = e;
    }
    if (snapshot(args) !== before) fail("the caller's selection arrays were mutated");
    if (next === undefined) {
      if (!(error instanceof IndexError)) fail(`expected an IndexError, got ${String(error)}`);
      break;
    }
    if (error !== undefined) fail(`unexpected error ${String(error)}`);
    if (nextView!.shape.join() !== next.shape.join()) {
      fail(`shape [${nextView!.shape}] != expected [${next.shape}]`);
    }
    view = nextView!;
    ref = next;
    history.push({ view, ref });
  }
  if (source.calls !== 0) fail("IO before read()");
  await readAndCheck(view, ref, fail);

  // Exactly the touched chunks, each once.
  const touched = chunkIdsOf(ref.data, shape, chunks);
  const read = source.log.map((c) => c.join(","));
  if (read.length !== touched.size || read.some((c) => !touched.has(c))) {
    fail(`read chunks [${read.join(" | ")}], expected {${[...touched].join(" | ")}}`);
  }

  // The same transform over another chunking gives the same result.
  const other = new MemorySource(data, chunks2, { path: "prop2" });
  await readAndCheck(new LazyArray(other, view.transform, view.executor), ref, (w) =>
    fail(`with chunks [${chunks2}]: ${w}`),
  );

  // Earlier views are unchanged and reusable.
  const earlier = history[int(g, 0, history.length - 1)]!;
  await readAndCheck(earlier.view, earlier.ref, (w) => fail(`earlier view: ${w}`));
}
