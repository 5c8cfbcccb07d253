/**
 * Property test: a lazy view made by random chains of basic / orthogonal / vectorized selections
 * (the generators of lazy-selection.test.ts) exported with `toNdsel()`, written as JSON text,
 * parsed and applied to the whole array with `ndsel()` reads exactly what the view reads, with
 * the same shape; re-exporting a non-empty view gives the same document. Run count: FC_NUM_RUNS (default 300).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dataType } from "../../src/core/dtype.js";
import { IndexError } from "../../src/core/errors.js";
import { lazy } from "../../src/exec/api.js";
import type { LazyArray } from "../../src/index-space/lazy.js";
import { ndselToJSON } from "../../src/index-space/ndsel/index.js";
import { iota, MemorySource } from "../helpers/memory-source.js";
import { apiArgs, describeOp, seededPicker } from "./convert.js";
import type { RefOp } from "./numpy-ref.js";
import { type G, genChunks, genItems, genShape, int, oneOf, SEED_ARB } from "./selection-gen.js";

const NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 300);

async function roundTrip(g: G, log: string[]): Promise<void> {
  const shape = genShape(g);
  const chunks = genChunks(g, shape);
  const pick = seededPicker(g(SEED_ARB));
  const source = new MemorySource(iota(shape, dataType("float64")), chunks, { path: "nd" });
  const whole = lazy(source);
  let view: LazyArray = whole;
  log.push(`shape [${shape}] chunks [${chunks}]`);
  const steps = int(g, 1, 3);
  for (let s = 0; s < steps; s++) {
    const kind = oneOf(g, ["get", "oindex", "vindex"] as const);
    const op: RefOp = { op: kind, items: genItems(g, view.shape, kind) };
    log.push(describeOp(op));
    try {
      view = view[kind](...apiArgs(op, pick));
    } catch (e) {
      if (e instanceof IndexError) break; // an invalid selection: nothing to export
      throw e;
    }
  }
  const text = ndselToJSON(view.toNdsel());
  log.push(text);
  const back = whole.ndsel(text);
  expect(back.shape).toEqual(view.shape);
  const [a, b] = await Promise.all([view.read(), back.read()]);
  expect(Array.from(b.data as Float64Array)).toEqual(Array.from(a.data as Float64Array));
  // An empty index array has no shape in nested JSON: only non-empty views re-export verbatim.
  if (view.size > 0) expect(ndselToJSON(back.toNdsel())).toBe(text);
}

describe("ndsel round trip (toNdsel → JSON → ndsel)", () => {
  it("reads what the original view reads", async () => {
    await fc.assert(
      fc.asyncProperty(fc.gen(), async (g) => {
        const log: string[] = [];
        try {
          await roundTrip(g, log);
        } catch (e) {
          throw new Error(`${log.join(" → ")}: ${(e as Error).message}`);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
