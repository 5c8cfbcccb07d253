/**
 * Hostile selections and plan files get typed errors, never wrong elements, a hang or a stack
 * overflow: node paths with `.` / `..` in plan files, selection text and plan-file selections
 * nested without end, NDArray index arguments whose data does not cover their shape and strides.
 */
import { describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import { IndexError, MetadataError } from "../../../src/core/errors.js";
import type { NDArray } from "../../../src/core/ndarray.js";
import { lazy } from "../../../src/exec/api.js";
import { decodeJsonDocument, MAX_JSON_DEPTH } from "../../../src/format/metadata/json.js";
import { parseV3 } from "../../../src/format/metadata/v3.js";
import { MAX_INDEX_DIMS } from "../../../src/index-space/indexing.js";
import type { LazyArray } from "../../../src/index-space/lazy.js";
import {
  MAX_SELECTION_NESTING,
  parseSelection,
  slice,
} from "../../../src/index-space/selection.js";
import {
  itemFromJSON,
  type JsonItem,
  PlanFileError,
  parsePlanFile,
} from "../../../src/plan/plan-json.js";
import { iota, MemorySource } from "../../helpers/memory-source.js";

function indexError(f: () => unknown): IndexError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(IndexError);
    return e as IndexError;
  }
  throw new Error("expected an IndexError");
}

/** A 1-D view of 10 elements (element i holds i) and a 2-D one of 3 × 4. */
const v1 = (): LazyArray => lazy(new MemorySource(iota([10]), [4], { path: "v1" }));
const v2 = (): LazyArray => lazy(new MemorySource(iota([3, 4]), [2, 2], { path: "v2" }));

/** A raw NDArray-like value: exactly the fields given, nothing checked. */
function nd(
  dtype: string,
  data: ArrayLike<number | bigint> | unknown,
  shape: unknown,
  strides: unknown,
  offset?: unknown,
): NDArray {
  const dt = dtype === "bad" ? { name: 3 } : dataType(dtype as never);
  return { dtype: dt, data, shape, strides, ...(offset === undefined ? {} : { offset }) } as never;
}

const nested = (depth: number, leaf: JsonItem = 0): JsonItem => {
  let v: JsonItem = leaf;
  for (let i = 0; i < depth; i++) v = [v] as JsonItem;
  return v;
};

function planFileError(json: unknown): PlanFileError {
  try {
    parsePlanFile(json);
  } catch (e) {
    expect(e).toBeInstanceOf(PlanFileError);
    return e as PlanFileError;
  }
  throw new Error("expected a PlanFileError");
}

describe("plan files: node paths", () => {
  it("an array path with a . or .. segment is rejected, naming the JSON path", () => {
    for (const array of ["..", "a/../b", "./a", "a/."]) {
      const e = planFileError({ store: "/data", reads: { r: { array, ops: [] } } });
      expect(e.issues).toHaveLength(1);
      expect(e.issues[0]!.path).toBe("reads.r.array");
      expect(e.issues[0]!.message).toContain(JSON.stringify(array));
    }
    expect(
      parsePlanFile({ store: "/data", reads: { r: { array: "/a/b/", ops: [] } } }),
    ).toBeTruthy();
  });
});

describe("NDArray index arguments", () => {
  const badIndexArrays: [string, NDArray, RegExp][] = [
    ["data shorter than the shape", nd("int32", Int32Array.of(1, 2), [4], [1]), /past the end/],
    ["strides past the data", nd("int32", Int32Array.of(0, 1, 2, 3), [3], [2]), /elements 0 to 4/],
    ["offset past the data", nd("int32", Int32Array.of(0, 1, 2), [2], [1], 2), /past the end/],
    ["negative strides below 0", nd("int32", Int32Array.of(0, 1, 2), [3], [-1], 1), /below 0/],
    ["a negative offset", nd("int32", Int32Array.of(0, 1), [1], [1], -1), /offset/],
    ["a fractional offset", nd("int32", Int32Array.of(0, 1), [1], [1], 0.5), /offset/],
    ["fractional strides", nd("int32", Int32Array.of(0, 1, 2), [2], [1.5]), /strides/],
    ["too few strides", nd("int32", Int32Array.of(0, 1, 2, 3), [2, 2], [1]), /strides/],
    ["a negative shape entry", nd("int32", Int32Array.of(0), [-1], [1]), /shape/],
    ["a shape that is no list", nd("int32", Int32Array.of(0), "4", [1]), /shape/],
    ["data that is no TypedArray", nd("int32", [0, 1], [2], [1]), /TypedArray/],
    ["a float dtype", nd("float64", Float64Array.of(0, 1), [2], [1]), /integer or boolean/],
    ["a dtype without a name", nd("bad", Int32Array.of(0), [1], [1]), /integer or boolean/],
    ["a 0-d array without its element", nd("int32", new Int32Array(0), [], []), /past the end/],
    [
      "too many dimensions",
      nd(
        "int32",
        Int32Array.of(0),
        new Array(MAX_INDEX_DIMS + 1).fill(1),
        new Array(MAX_INDEX_DIMS + 1).fill(0),
      ),
      /at most 64 dimensions/,
    ],
  ];

  it.each(badIndexArrays)("an index array with %s raises IndexError naming it", (_, a, message) => {
    for (const f of [() => v1().get(a), () => v1().oindex(a), () => v1().vindex(a)]) {
      const e = indexError(f);
      expect(e.message).toMatch(message);
      expect(e.value).toBe(a);
      expect(e.path).toBe("v1");
    }
  });

  it("a boolean mask whose data is shorter than its shape raises IndexError", () => {
    const short = nd("bool", Uint8Array.of(1, 0), [3, 4], [4, 1]);
    expect(indexError(() => v2().mask(short)).message).toMatch(/past the end/);
    expect(indexError(() => v2().get(short)).message).toMatch(/past the end/);
    const oob = nd("bool", new Uint8Array(10), [10], [1], 1);
    expect(indexError(() => v1().get(oob)).value).toBe(oob);
    expect(indexError(() => v1().oindex(oob)).value).toBe(oob);
  });

  it("valid strided, offset, broadcast and reversed NDArrays still select the right elements", async () => {
    // Every other element of [9, 8, 7, 6, 5], starting at offset 1: 8, 6.
    const strided = nd("int32", Int32Array.of(9, 8, 7, 6, 5), [2], [2], 1);
    expect(Array.from((await v1().get(strided).read()).data as Float64Array)).toEqual([8, 6]);
    const reversed = nd("int16", Int16Array.of(1, 2, 3), [3], [-1], 2);
    expect(Array.from((await v1().get(reversed).read()).data as Float64Array)).toEqual([3, 2, 1]);
    const broadcast = nd("uint8", Uint8Array.of(4), [3], [0]);
    expect(Array.from((await v1().get(broadcast).read()).data as Float64Array)).toEqual([4, 4, 4]);
    const mask = nd("bool", Uint8Array.of(0, 1, 1, 0), [3, 4], [0, 1]);
    expect(Array.from((await v2().mask(mask).read()).data as Float64Array)).toEqual([
      1, 2, 5, 6, 9, 10,
    ]);
    const empty = nd("int32", new Int32Array(0), [0], [7], 99);
    expect((await v1().get(empty).read()).shape).toEqual([0]);
  });

  it("nested JS arrays deeper than 64 levels raise IndexError, without recursing", () => {
    const deep = nested(10_000) as never;
    expect(indexError(() => v1().get(deep)).message).toMatch(/deeper than 64 levels/);
    expect(indexError(() => v1().vindex(deep)).message).toMatch(/deeper than 64 levels/);
    expect(indexError(() => v2().mask(nested(10_000, true) as never)).message).toMatch(/mask/);
    // An error message about such a value stays short.
    const e = indexError(() => v1().get(0, deep));
    expect(e.message.length).toBeLessThan(400);
  });
});

describe("selection text: nesting", () => {
  it(`10,000 nested '[' is an IndexError at the offset of level ${MAX_SELECTION_NESTING + 1}`, () => {
    for (const text of ["[".repeat(10_000), `${"[".repeat(10_000)}0${"]".repeat(10_000)}`]) {
      const e = indexError(() => parseSelection(text));
      expect(e.message).toContain(`nested deeper than ${MAX_SELECTION_NESTING} levels`);
      expect(e.message).toContain(`at offset ${MAX_SELECTION_NESTING}`);
      expect(e.message.length).toBeLessThan(300);
      expect(e.value).toBe(text);
    }
  });

  it(`${MAX_SELECTION_NESTING} levels still parse`, () => {
    const text = `${"[".repeat(MAX_SELECTION_NESTING)}1${"]".repeat(MAX_SELECTION_NESTING)}, 2:3`;
    const [item, s] = parseSelection(text);
    let depth = 0;
    for (let v: unknown = item; Array.isArray(v); v = v[0]) depth++;
    expect(depth).toBe(MAX_SELECTION_NESTING);
    expect(s).toEqual(slice(2, 3));
  });
});

describe("plan files and metadata: nesting", () => {
  it("a plan-file selection nested 10,000 deep is a PlanFileError naming the member", () => {
    const deep = nested(10_000);
    for (const op of [{ get: [deep] }, { vindex: [0, deep] }, { mask: nested(10_000, true) }]) {
      const e = planFileError({ store: "/d", reads: { r: { array: "a", ops: [op] } } });
      expect(e.issues[0]!.message).toMatch(/nested deeper than 32 levels/);
      expect(e.issues[0]!.path).toMatch(/^reads\.r\.ops\[0\]\.(get\[0\]|vindex\[1\]|mask)$/);
    }
    // As text too (JSON.parse copes; validation names the member).
    const text = `{"store": "/d", "reads": {"r": {"array": "a", "ops": [{"get": [${"[".repeat(10_000)}0${"]".repeat(10_000)}]}]}}}`;
    expect(planFileError(text).issues[0]!.path).toBe("reads.r.ops[0].get[0]");
    // Deeply nested objects elsewhere are ordinary schema errors.
    const e = planFileError({ store: "/d", reads: {}, options: { retry: nested(10_000) } });
    expect(e.issues[0]!.path).toBe("options.retry");
  });

  it("itemFromJSON bounds nesting too; 32 levels are accepted", () => {
    expect(() => itemFromJSON(nested(33))).toThrow(PlanFileError);
    expect(() => itemFromJSON([0, nested(40)] as JsonItem)).toThrow(/nested deeper than 32/);
    expect(Array.isArray(itemFromJSON(nested(32)))).toBe(true);
    expect(
      parsePlanFile({ store: "/d", reads: { r: { array: "a", ops: [{ get: [nested(32)] }] } } }),
    ).toBeTruthy();
  });

  it(`metadata nested deeper than ${MAX_JSON_DEPTH} levels is a MetadataError, not a RangeError`, () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const doc = `{"zarr_format": 3, "node_type": "group", "attributes": {"a": ${deep}}}`;
    for (const text of [
      doc,
      doc.replace('"attributes"', '"fill_value": 12345678901234567890, "attributes"'),
    ]) {
      let e: unknown;
      try {
        parseV3(new TextEncoder().encode(text), "g/zarr.json");
      } catch (err) {
        e = err;
      }
      expect(e).toBeInstanceOf(MetadataError);
      expect((e as MetadataError).key).toBe("g/zarr.json");
      expect((e as Error).message).toMatch(/nested deeper than 512 levels \(at offset \d+\)/);
    }
    // Brackets inside strings do not count; 512 levels are accepted.
    const strings = `{"s": "${"[".repeat(2000)}", "t": "\\"[[[["}`;
    expect(decodeJsonDocument(strings, "k")).toEqual({ s: "[".repeat(2000), t: '"[[[[' });
    const backslash = String.raw`{"u": "a\\", "v": "${"[".repeat(600)}"}`;
    expect(decodeJsonDocument(backslash, "k")).toEqual({ u: "a\\", v: "[".repeat(600) });
    const ok = `${"[".repeat(MAX_JSON_DEPTH)}${"]".repeat(MAX_JSON_DEPTH)}`;
    expect(Array.isArray(decodeJsonDocument(ok, "k"))).toBe(true);
  });
});
