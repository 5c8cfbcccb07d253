/**
 * ndsel beyond the conformance corpus: the spec cases the corpus does not cover (its README's
 * "gaps"), exact int64 beyond 2^53, and applying documents to arrays (`LazyArray.ndsel`, element
 * values of an iota array reveal the positions read), refusals, and the plan-file `ndsel` op.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import "../../../src/exec/execute.js";
import { IndexError, NdselError } from "../../../src/core/errors.js";
import { plan } from "../../../src/exec/api.js";
import { openArray } from "../../../src/hierarchy/index.js";
import { planFromJSON } from "../../../src/hierarchy/plan-file.js";
import { ndselToJSON, normalizeNdsel } from "../../../src/index-space/ndsel/index.js";
import { parseExactJson } from "../../../src/index-space/ndsel/json.js";
import { slice } from "../../../src/index-space/selection.js";
import { parsePlanFile } from "../../../src/plan/plan-json.js";
import { FileSystemStore } from "../../../src/store/fs.js";
import { MemoryStore } from "../../../src/store/memory.js";
import { iotaArray } from "../../helpers/plan-arrays.js";

function reasonOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof NdselError) return e.reason;
    throw e;
  }
  return "(no error)";
}

async function values(v: { read(): Promise<{ data: unknown; shape: readonly number[] }> }) {
  const r = await v.read();
  return { shape: [...r.shape], data: Array.from(r.data as ArrayLike<number>) };
}

describe("ndsel normalisation: cases the corpus does not cover", () => {
  it("keeps integers beyond 2^53 exact from JSON text", () => {
    const text = '{"kind":"point","coords":[1152921504606846977, -9223372036854775808]}';
    const body = normalizeNdsel(text);
    expect(body.output).toEqual([
      { offset: 1152921504606846977n },
      { offset: -9223372036854775808n },
    ]);
    expect(ndselToJSON(body)).toContain("1152921504606846977");
    expect(reasonOf(() => normalizeNdsel('{"kind":"point","coords":[9223372036854775808]}'))).toBe(
      "invalid_json",
    );
  });

  it("refuses ragged points, an empty kind, non-objects, sentinels in integer-only members", () => {
    expect(reasonOf(() => normalizeNdsel({ kind: "points", coords: [[1, 2], [3]] }))).toBe(
      "rank_mismatch",
    );
    expect(reasonOf(() => normalizeNdsel({ kind: "" }))).toBe("unknown_kind");
    for (const v of [[1], 3, null, "[]", '"box"', "{ nope"]) {
      expect(reasonOf(() => normalizeNdsel(v))).toBe("invalid_json");
    }
    expect(reasonOf(() => normalizeNdsel({ kind: "point", coords: ["+inf"] }))).toBe(
      "invalid_json",
    );
    expect(reasonOf(() => normalizeNdsel({ kind: "slice", start: ["-inf"], stop: [3] }))).toBe(
      "invalid_json",
    );
    expect(reasonOf(() => normalizeNdsel({ kind: "box", shape: ["-inf"] }))).toBe("invalid_json");
    expect(reasonOf(() => normalizeNdsel({ kind: "transform", input_rank: 33 }))).toBe(
      "invalid_json",
    );
    expect(
      reasonOf(() => normalizeNdsel({ kind: "transform", output: [{ input_dimension: -1 }] })),
    ).toBe("invalid_json");
    expect(reasonOf(() => normalizeNdsel('{"kind":"point","coords":[1.0]}'))).toBe("invalid_json");
    expect(reasonOf(() => normalizeNdsel('{"kind":"point","coords":[1],"coords":[2]}'))).toBe(
      "invalid_json",
    );
  });

  it("takes either infinity in any bound position, in extended-integer order", () => {
    const b = normalizeNdsel({
      kind: "box",
      inclusive_min: [["-inf"], 2, "+inf"],
      shape: [3, "+inf", 0],
    });
    expect(b.input_exclusive_max).toEqual(["-inf", "+inf", "+inf"]);
    expect(
      reasonOf(() => normalizeNdsel({ kind: "box", inclusive_min: ["+inf"], exclusive_max: [5] })),
    ).toBe("bounds_out_of_order");
    const c = normalizeNdsel({
      kind: "transform",
      output: [{ offset: 3, stride: 2, index_array_bounds: [0, 1] }],
    });
    expect(c.output).toEqual([{ offset: 3n }]);
  });

  it("writes transform input_shape / input_inclusive_max as input_exclusive_max", () => {
    const a = normalizeNdsel({ kind: "transform", input_inclusive_min: [2], input_shape: [[3]] });
    expect(a.input_exclusive_max).toEqual([[5n]]);
    const b = normalizeNdsel({ kind: "transform", input_inclusive_max: [4, "+inf"] });
    expect(b.input_inclusive_min).toEqual([0n, 0n]);
    expect(b.input_exclusive_max).toEqual([5n, "+inf"]);
  });

  it("keeps explicit index_array_bounds and checks their order", () => {
    const body = normalizeNdsel({
      kind: "transform",
      input_shape: [2],
      output: [{ index_array: [1, 2], index_array_bounds: [0, 10] }],
    });
    expect(body.output[0]).toEqual({
      offset: 0n,
      stride: 1n,
      index_array: [1n, 2n],
      index_array_bounds: [0n, 10n],
    });
    expect(
      reasonOf(() =>
        normalizeNdsel({
          kind: "transform",
          output: [{ index_array: [], index_array_bounds: [3, 1] }],
        }),
      ),
    ).toBe("bounds_out_of_order");
  });

  it("names the offending member", () => {
    try {
      normalizeNdsel({ kind: "slice", start: [0, 1], stop: [4, 5], step: [1, 0] });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(NdselError);
      expect((e as NdselError).code).toBe("ERR_NDSEL");
      expect((e as NdselError).member).toBe("step[1]");
    }
  });

  it("parses exact JSON (strings with escapes, nesting) and refuses trailing text", () => {
    expect(parseExactJson(' {"a" : ["x\\u0041", 1.5, -0, true, null]} ')).toEqual({
      a: ["xA", 1.5, 0n, true, null],
    });
    expect(reasonOf(() => parseExactJson("[1] 2"))).toBe("invalid_json");
    expect(reasonOf(() => parseExactJson(`${"[".repeat(100)}${"]".repeat(100)}`))).toBe(
      "invalid_json",
    );
  });
});

describe("LazyArray.ndsel", () => {
  async function array() {
    const store = new MemoryStore();
    await iotaArray(store, "a", { shape: [6, 8], chunks: [4, 3] });
    return openArray(store, "a");
  }

  it("box, slice, point and points read what get / vindex read", async () => {
    const a = await array();
    const v = a.lazy();
    const cases = [
      [{ kind: "box", inclusive_min: [1, 2], shape: [3, 4] }, v.get(slice(1, 4), slice(2, 6))],
      [
        { kind: "slice", start: [5, 0], stop: [-1, 8], step: [-2, 3] },
        v.get(slice(5, null, -2), slice(0, 8, 3)),
      ],
      [{ kind: "point", coords: [4, 7] }, v.get(4, 7)],
      [
        {
          kind: "points",
          coords: [
            [0, 0],
            [5, 7],
            [2, 3],
          ],
        },
        v.vindex([0, 5, 2], [0, 7, 3]),
      ],
      [{ kind: "box", inclusive_min: [2, ["-inf"]] }, v.get(slice(2, null))],
      [
        {
          kind: "transform",
          input_shape: [3],
          output: [{ offset: 1 }, { input_dimension: 0, offset: 5, stride: -2 }],
        },
        v.get(1, slice(5, null, -2)),
      ],
      [
        {
          kind: "transform",
          input_shape: [2, 3],
          output: [{ index_array: [[4], [1]] }, { index_array: [[0, 1, 2]] }],
        },
        v.oindex([4, 1], [0, 1, 2]),
      ],
    ] as const;
    for (const [doc, expected] of cases) {
      const got = v.ndsel(doc);
      expect(await values(got)).toEqual(await values(expected));
    }
  });

  it("applies to a view's positions and composes", async () => {
    const a = await array();
    const view = a.lazy().get(slice(1, null), slice(null, null, -1));
    const got = view.ndsel({ kind: "slice", start: [0, 1], stop: [2, 3] });
    expect(await values(got)).toEqual(await values(view.get(slice(0, 2), slice(1, 3))));
  });

  it("refuses a rank mismatch, unresolvable infinite bounds and misshapen index arrays", async () => {
    const a = await array();
    const v = a.lazy();
    expect(reasonOf(() => v.ndsel({ kind: "point", coords: [1] }))).toBe("rank_mismatch");
    expect(
      reasonOf(() =>
        v.ndsel({
          kind: "transform",
          input_rank: 1,
          output: [{ input_dimension: 0, stride: 2 }, { offset: 0 }],
        }),
      ),
    ).toBe("not_applicable");
    expect(
      reasonOf(() =>
        v.ndsel({
          kind: "transform",
          input_shape: [2],
          output: [{ index_array: [1, 2, 3] }, { offset: 0 }],
        }),
      ),
    ).toBe("not_applicable");
    expect(reasonOf(() => v.ndsel({ kind: "bogus" }))).toBe("unknown_kind");
    try {
      v.ndsel({ kind: "bogus" });
    } catch (e) {
      expect((e as NdselError).path).toBe("a");
    }
  });

  it("raises IndexError for positions outside the array (no clamping, no negative counting)", async () => {
    const a = await array();
    const v = a.lazy();
    expect(() => v.ndsel({ kind: "point", coords: [-1, 0] })).toThrow(IndexError);
    expect(() => v.ndsel({ kind: "box", shape: [7, 8] })).toThrow(IndexError);
    expect(() => v.ndsel({ kind: "points", coords: [[0, 8]] })).toThrow(IndexError);
    expect(() =>
      v.ndsel({
        kind: "transform",
        input_shape: [1, 1],
        output: [{ index_array: [[3]], index_array_bounds: [0, 2] }, { offset: 0 }],
      }),
    ).toThrow(IndexError);
    expect(v.ndsel({ kind: "box", inclusive_min: [9, 9], shape: [0, 0] }).shape).toEqual([0, 0]);
  });

  it("toNdsel exports the transform with dimension names as labels", async () => {
    const store = new MemoryStore();
    await iotaArray(store, "n", { shape: [4, 5], chunks: [2, 2], dimensionNames: ["y", "x"] });
    const n = await openArray(store, "n");
    const doc = n.lazy().get(slice(1, 3), 2).toNdsel();
    expect(doc).toEqual({
      kind: "transform",
      input_rank: 1,
      input_inclusive_min: [0n],
      input_exclusive_max: [2n],
      input_labels: ["y"],
      output: [{ offset: 1n, stride: 1n, input_dimension: 0 }, { offset: 2n }],
    });
  });
});

describe("plan files: the ndsel op", () => {
  it("validates the document and names its problem", () => {
    expect(() =>
      parsePlanFile({
        store: "x",
        reads: {
          r: { array: "a", ops: [{ ndsel: { kind: "slice", start: [0], stop: [1], step: [0] } }] },
        },
      }),
    ).toThrow(/step_zero/);
    expect(() =>
      parsePlanFile({
        store: "x",
        reads: { r: { array: "a", ops: [{ ndsel: { kind: "box" }, get: [] }] } },
      }),
    ).toThrow(/Invalid plan file/);
  });

  const dir = mkdtempSync(join(tmpdir(), "zarr-plan-ndsel-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("saves and replays a view made by ndsel", async () => {
    const store = new FileSystemStore(join(dir, "a.zarr"));
    await iotaArray(store, "a", { shape: [6, 8], chunks: [4, 3] });
    const a = await openArray(store, "a");
    const v = a
      .lazy()
      .get(slice(1, 5))
      .ndsel({
        kind: "points",
        coords: [
          [0, 1],
          [3, 7],
        ],
      });
    const p = plan({ v });
    const json = p.toJSON();
    expect(json.reads.v!.ops[1]).toMatchObject({ ndsel: { kind: "transform", input_rank: 1 } });
    const back = await planFromJSON(JSON.stringify(json));
    const [r1, r2] = await Promise.all([p.read(), back.read()]);
    expect(Array.from(r2.v!.data as Int32Array)).toEqual(Array.from(r1.v!.data as Int32Array));
    expect(Array.from(r1.v!.data as Int32Array)).toEqual([9, 39]);
  });
});
