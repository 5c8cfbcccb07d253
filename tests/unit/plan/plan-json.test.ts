/**
 * Plan files: zod validation with clear errors, selection items ↔ JSON, and (when LazyArray
 * records its selections) save → load → same results.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import "../../../src/exec/execute.js";
import { dataType } from "../../../src/core/dtype.js";
import type { ZarrPlanError } from "../../../src/core/errors.js";
import { plan } from "../../../src/exec/api.js";
import { Context } from "../../../src/exec/context.js";
import { openArray, ZarrArray } from "../../../src/hierarchy/index.js";
import { planFromJSON } from "../../../src/hierarchy/plan-file.js";
import { LazyArray } from "../../../src/index-space/lazy.js";
import { ellipsis, newaxis, slice } from "../../../src/index-space/selection.js";
import {
  itemFromJSON,
  itemToJSON,
  opFromJSON,
  PlanFileError,
  parsePlanFile,
} from "../../../src/plan/plan-json.js";
import { CountingStore } from "../../../src/store/counting.js";
import { FetchStore } from "../../../src/store/fetch.js";
import { FileSystemStore } from "../../../src/store/fs.js";
import { MemoryStore } from "../../../src/store/memory.js";
import { ndarray } from "../../helpers/memory-source.js";
import { iotaArray } from "../../helpers/plan-arrays.js";

function issuesOf(json: unknown): string[] {
  try {
    parsePlanFile(json);
  } catch (e) {
    expect(e).toBeInstanceOf(PlanFileError);
    return (e as PlanFileError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error("expected a PlanFileError");
}

describe("plan files: validation", () => {
  it("accepts the documented form", () => {
    const f = parsePlanFile({
      store: "https://example.org/data.zarr",
      reads: {
        tile: { array: "geoid", ops: [{ get: ["0:256", "256:512", "...", null] }] },
        pts: {
          array: "geoid",
          store: "/data/x.zarr",
          ops: [
            {
              vindex: [
                [1, 5],
                [[2], [6]],
              ],
            },
          ],
        },
        m: {
          array: "a",
          ops: [{ oindex: [[true, false], "::-1", 3] }, { mask: [[true], [false]] }],
        },
      },
      options: { concurrency: 8, maxGap: 0, maxSize: 1e6, retry: { retries: 1 }, timeoutMs: 5000 },
    });
    expect(Object.keys(f.reads)).toEqual(["tile", "pts", "m"]);
    expect(parsePlanFile(JSON.stringify(f))).toEqual(f);
  });

  it("rejects bad files with every offending member named", () => {
    expect(issuesOf("{ nope")[0]).toMatch(/^: not valid JSON/);
    expect(issuesOf({ reads: {} })).toEqual([expect.stringMatching(/^store: /)]);
    const issues = issuesOf({
      store: "",
      reads: {
        a: { array: "x", ops: [{ get: ["1:2:3:4", 1.5, { s: 1 }] }] },
        b: { array: "y", ops: [{ get: [], vindex: [] }, { frobnicate: [] }] },
        c: { ops: [] },
        d: { array: "z", ops: [{ mask: [1, 0] }] },
      },
      options: { concurrency: 0, extra: 1 },
    });
    const text = issues.join("\n");
    expect(text).toMatch(/^store: expected a filesystem path or an http\(s\) URL/m);
    expect(text).toMatch(/^reads\.a\.ops\[0\]\.get\[0\]: expected an integer, a slice string/m);
    expect(text).toMatch(/^reads\.a\.ops\[0\]\.get\[1\]: /m);
    expect(text).toMatch(/^reads\.a\.ops\[0\]\.get\[2\]: /m);
    expect(text).toMatch(/^reads\.b\.ops\[0\]: an op has exactly one of/m);
    expect(text).toMatch(/^reads\.b\.ops\[1\]: /m);
    expect(text).toMatch(/^reads\.c\.array: /m);
    expect(text).toMatch(/^reads\.d\.ops\[0\]\.mask: expected a \(nested\) list of booleans/m);
    expect(text).toMatch(/^options\.concurrency: /m);
    expect(text).toMatch(/^options: Unrecognized key/m);
    const e = (() => {
      try {
        parsePlanFile({ store: "s", reads: { a: { array: "x", ops: [{ get: [1.5] }] } } });
      } catch (x) {
        return x as PlanFileError;
      }
      throw new Error("expected a PlanFileError");
    })();
    expect(e.message).toMatch(/^Invalid plan file: reads\.a\.ops\[0\]\.get\[0\]: expected/);
    expect(e.code).toBe("ERR_PLAN_FILE");
  });

  it("Plan.fromJSON rejects invalid files before any IO", async () => {
    let opened = 0;
    const openStore = () => {
      opened++;
      return new MemoryStore();
    };
    await expect(
      planFromJSON({ store: "x", reads: { a: {} } }, { openStore }),
    ).rejects.toBeInstanceOf(PlanFileError);
    expect(opened).toBe(0);
  });

  it("Plan.fromJSON opens each array once, however many reads name it", async () => {
    const mem = new MemoryStore();
    await iotaArray(mem, "lat", { shape: [8], chunks: [4] });
    await iotaArray(mem, "lon", { shape: [8], chunks: [4] });
    const counted = new CountingStore(mem);
    const keys: string[] = [];
    const context = new Context({ onRequest: (e) => keys.push(e.key) });
    try {
      const p = await planFromJSON(
        {
          store: "mem",
          reads: {
            south: { array: "lat", ops: [{ get: ["0:2"] }] },
            north: { array: "lat", ops: [{ get: ["6:8"] }] },
            west: { array: "lon", ops: [{ get: ["0:1"] }] },
          },
        },
        { openStore: () => counted, context },
      );
      // One metadata request per array (v3: zarr.json, found at once).
      expect(keys.sort()).toEqual(["lat/zarr.json", "lon/zarr.json"]);
      expect(counted.requests).toBe(2);
      // The two reads of lat share one opened array (not two opens whose requests happened to
      // coincide in flight).
      expect(p.views[0]!.source).toBe(p.views[1]!.source);
      expect(p.views[2]!.source).not.toBe(p.views[0]!.source);
      const r = await p.read();
      expect(Array.from(r.south!.data as Int32Array)).toEqual([0, 1]);
      expect(Array.from(r.north!.data as Int32Array)).toEqual([6, 7]);
      expect(Array.from(r.west!.data as Int32Array)).toEqual([0]);
    } finally {
      context.close();
    }
  });
});

describe("selection items ↔ JSON", () => {
  it("every item kind", () => {
    expect(itemToJSON(3)).toBe(3);
    expect(itemToJSON(-2n)).toBe(-2);
    expect(itemToJSON(slice(1, 10, 2))).toBe("1:10:2");
    expect(itemToJSON(slice(null, null, -1))).toBe("::-1");
    expect(itemToJSON(slice(null, 5))).toBe(":5");
    expect(itemToJSON(slice(null, null))).toBe(":");
    expect(itemToJSON(ellipsis)).toBe("...");
    expect(itemToJSON("...")).toBe("...");
    expect(itemToJSON(newaxis)).toBe(null);
    expect(itemToJSON(null)).toBe(null);
    expect(itemToJSON([[1, 2n], Int32Array.of(3, 4)])).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(itemToJSON(BigInt64Array.of(5n))).toEqual([5]);
    expect(itemToJSON([true, [false]])).toEqual([true, [false]]);
    const nd = ndarray(dataType("int16"), [2, 2], [1, 2, 3, 4]);
    expect(itemToJSON({ ...nd, strides: [1, 2] })).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(itemToJSON(ndarray(dataType("bool"), [3], [1, 0, 1]))).toEqual([true, false, true]);
    expect(() => itemToJSON(ndarray(dataType("int32"), [0, 2], []))).toThrow(/nested JSON lists/);
    expect(() => itemToJSON(2n ** 60n)).toThrow(/not a safe integer/);
    expect(() => itemToJSON(ndarray(dataType("bool"), [2, 0], []))).toThrow(/empty boolean/);
  });

  it("back: slices, ellipsis, newaxis, lists", () => {
    expect(itemFromJSON("1:10:2")).toEqual(slice(1, 10, 2));
    expect(itemFromJSON("::-1")).toEqual(slice(null, null, -1));
    expect(itemFromJSON(" : ")).toEqual(slice(null, null));
    expect(itemFromJSON("-3:")).toEqual(slice(-3, null));
    expect(itemFromJSON("...")).toBe(ellipsis);
    expect(itemFromJSON(null)).toBe(newaxis);
    expect(itemFromJSON([1, 2])).toEqual([1, 2]);
    expect(() => itemFromJSON("x")).toThrow(PlanFileError);
    expect(opFromJSON({ mask: true })).toEqual({ kind: "mask", selection: [true] });
    expect(opFromJSON({ oindex: [0] })).toEqual({ kind: "oindex", selection: [0] });
  });
});

describe("plan files: saving", () => {
  it("views record copies of their selections; views from raw transforms cannot be saved", async () => {
    const fs = new FileSystemStore("/nonexistent/root");
    const mem = new MemoryStore();
    const a = await iotaArray(mem, "a", { shape: [6, 4] });
    const located = new ZarrArray(fs, "a", a.metadata);
    const ix = [5, 0, 2];
    const mask = Int32Array.of(1, 3);
    const v = located
      .lazy()
      .vindex(ix)
      .oindex(slice(null, null, -1), mask);
    ix[0] = 1;
    mask[0] = 0;
    expect(v.ops).toEqual([
      { kind: "vindex", selection: [[5, 0, 2]] },
      { kind: "oindex", selection: [slice(null, null, -1), Int32Array.of(1, 3)] },
    ]);
    expect(plan({ v }).toJSON().reads.v!.ops).toEqual([
      { vindex: [[5, 0, 2]] },
      { oindex: ["::-1", [1, 3]] },
    ]);
    const raw = new LazyArray(located, v.transform, v.executor);
    expect(raw.ops).toBeUndefined();
    expect(() => plan({ raw }).toJSON()).toThrow(/does not record its selections/);
  });

  it("a MemoryStore cannot be saved: clear error", async () => {
    const mem = new MemoryStore();
    const a = await iotaArray(mem, "a", { shape: [4] });
    expect(() => plan({ x: a.lazy() }).toJSON()).toThrow(
      /read "x" \(array "a"\): a MemoryStore has no location/,
    );
    let code = "";
    try {
      JSON.stringify(plan({ x: a.lazy() }));
    } catch (e) {
      code = (e as ZarrPlanError).code;
    }
    expect(code).toBe("ERR_PLAN_NOT_SERIALIZABLE");
  });
});

describe("plan files: round trip", () => {
  const dir = mkdtempSync(join(tmpdir(), "zarr-plan-json-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("save → JSON text → load → the same results (FileSystemStore, FetchStore URL)", async () => {
    const fs = new FileSystemStore(join(dir, "one.zarr"));
    const other = new FileSystemStore(join(dir, "two.zarr"));
    await iotaArray(fs, "a", { shape: [20, 30], chunks: [4, 5] });
    await iotaArray(other, "g/s", { shape: [40], chunks: [4], shards: [20] });
    const [a, s] = await Promise.all([openArray(fs, "a"), openArray(other, "g/s")]);
    const p = plan(
      {
        box: a
          .lazy()
          .get(slice(2, 18, 3), slice(null, null, -2))
          .get(ellipsis, newaxis),
        pts: a.lazy().vindex([[1], [19]], [0, 29, 5]),
        o: s.lazy().oindex([3, 39, 3]),
        m: s.lazy().get(slice(0, 6)).mask([true, false, true, true, false, true]),
      },
      { concurrency: 4, maxGap: 0 },
    );
    const json = p.toJSON();
    expect(json.store).toBe(fs.root);
    expect(json.reads.o!.store).toBe(other.root);
    expect(json.reads.box).toEqual({
      array: "a",
      ops: [{ get: ["2:18:3", "::-2"] }, { get: ["...", null] }],
    });
    expect(json.options).toEqual({ concurrency: 4, maxGap: 0 });
    const text = JSON.stringify(json);
    const back = await planFromJSON(text);
    expect(back.names).toEqual(p.names);
    expect(back.toJSON()).toEqual(json);
    const [r1, r2] = await Promise.all([p.read(), back.read()]);
    for (const n of p.names) {
      expect(r2[n]!.shape).toEqual(r1[n]!.shape);
      expect(Array.from(r2[n]!.data as ArrayLike<number>)).toEqual(
        Array.from(r1[n]!.data as ArrayLike<number>),
      );
    }

    // An HTTP store is saved as its URL; fromJSON opens URLs with FetchStore by default.
    const web = new ZarrArray(new FetchStore("https://example.org/data.zarr/"), "a", a.metadata);
    const pw = plan({ w: web.lazy().get(0) });
    expect(pw.toJSON().store).toBe("https://example.org/data.zarr/");
    const seen: string[] = [];
    const reopened = await planFromJSON(pw.toJSON(), {
      openStore: (loc) => {
        seen.push(loc);
        return fs;
      },
    });
    expect(seen).toEqual(["https://example.org/data.zarr/"]);
    expect(Array.from((await reopened.read()).w!.data as ArrayLike<number>)).toEqual(
      Array.from({ length: 30 }, (_, i) => i),
    );
  });
});
