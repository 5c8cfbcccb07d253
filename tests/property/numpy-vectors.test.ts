/**
 * Fixed vectors computed by NumPy itself (numpy-vectors.gen.py): the reference model must agree
 * with NumPy, and so must lazy arrays (through the default executor, random chunkings and input
 * forms). Regenerate with `python3 tests/property/numpy-vectors.gen.py > tests/property/numpy-vectors.data.ts`.
 */
import { describe, expect, it } from "vitest";
import { dataType } from "../../src/core/dtype.js";
import { IndexError } from "../../src/core/errors.js";
import { lazy } from "../../src/exec/api.js";
import type { LazyArray } from "../../src/index-space/lazy.js";
import { iota, MemorySource } from "../helpers/memory-source.js";
import { applyOp, describeOp, fromVectorOp, seededPicker } from "./convert.js";
import { type RefArray, RefIndexError, refApply, refIota } from "./numpy-ref.js";
import { CASES, NUMPY_VERSION } from "./numpy-vectors.data.js";

describe(`NumPy ${NUMPY_VERSION} vectors (${CASES.length} chains)`, () => {
  it("the reference model agrees with NumPy", () => {
    CASES.forEach((c, k) => {
      const ops = c.ops.map(fromVectorOp);
      let a: RefArray = refIota(c.shape);
      let error: unknown;
      try {
        for (const op of ops) a = refApply(a, op);
      } catch (e) {
        error = e;
      }
      const where = `case ${k}: shape [${c.shape}] ${ops.map(describeOp).join(" → ")}`;
      if ("error" in c.expect) {
        expect(error, `${where}: NumPy raised ${c.expect.error}`).toBeInstanceOf(RefIndexError);
      } else {
        expect(error, where).toBeUndefined();
        expect({ shape: a.shape, data: a.data }, where).toEqual(c.expect);
      }
    });
  });

  it("lazy arrays agree with NumPy (random chunkings and input forms)", async () => {
    for (const [k, c] of CASES.entries()) {
      const pick = seededPicker(k * 7919 + 13);
      const chunks = c.shape.map((s) => 1 + (pick() % Math.max(1, s + 1)));
      const source = new MemorySource(iota(c.shape, dataType("int32")), chunks, {
        path: `case${k}`,
      });
      const ops = c.ops.map(fromVectorOp);
      const where = `case ${k}: shape [${c.shape}] chunks [${chunks}] ${ops.map(describeOp).join(" → ")}`;
      let view: LazyArray = lazy(source);
      let error: unknown;
      try {
        for (const op of ops) view = applyOp(view, op, pick);
      } catch (e) {
        error = e;
      }
      if ("error" in c.expect) {
        expect(error, `${where}: NumPy raised ${c.expect.error}`).toBeInstanceOf(IndexError);
        expect(source.calls, where).toBe(0);
        continue;
      }
      expect(error, where).toBeUndefined();
      expect(view.shape, where).toEqual(c.expect.shape);
      expect(source.calls, `${where}: IO before read()`).toBe(0);
      const out = await view.read();
      expect(out.shape, where).toEqual(c.expect.shape);
      expect(Array.from(out.data as Int32Array), where).toEqual(c.expect.data);
    }
  });
});
