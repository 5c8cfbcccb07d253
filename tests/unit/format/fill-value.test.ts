import { describe, expect, it } from "vitest";
import { dataType, float16ToNumber } from "../../../src/core/dtype.js";
import { MetadataError } from "../../../src/core/errors.js";
import {
  decodeJsonDocument,
  encodeJson,
  IssueList,
  parseFillValueV2,
  parseFillValueV3,
  parseV2Array,
  parseV3,
  stringifyJson,
  toV2Json,
  toV3Json,
} from "../../../src/format/metadata/index.js";
import type { ArrayMetadata } from "../../../src/format/model.js";

function v3(dt: string, fill: unknown): Record<string, unknown> {
  return {
    zarr_format: 3,
    node_type: "array",
    shape: [4],
    data_type: dt,
    chunk_grid: { name: "regular", configuration: { chunk_shape: [2] } },
    chunk_key_encoding: { name: "default" },
    fill_value: fill,
    codecs: ["bytes"],
  };
}

function fillV3(dt: string, fill: unknown): unknown {
  return (parseV3(v3(dt, fill), "zarr.json") as ArrayMetadata).fillValue;
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("v3 fill values", () => {
  it("decodes the float special strings and hex bit patterns", () => {
    expect(fillV3("float32", "NaN")).toBeNaN();
    expect(fillV3("float64", "Infinity")).toBe(Number.POSITIVE_INFINITY);
    expect(fillV3("float16", "-Infinity")).toBe(Number.NEGATIVE_INFINITY);
    expect(fillV3("float32", "0x7fc00000")).toBeNaN();
    expect(fillV3("float32", "0x3f800000")).toBe(1);
    expect(fillV3("float32", "0xC0490FDB")).toBe(Math.fround(-Math.PI));
    expect(fillV3("float64", "0x3ff0000000000000")).toBe(1);
    expect(fillV3("float64", "0x7ff8000000000000")).toBeNaN();
    expect(fillV3("float64", "0x8000000000000000")).toBe(-0);
    expect(fillV3("float16", "0x3c00")).toBe(1);
    expect(fillV3("float16", "0x7e00")).toBeNaN();
    expect(fillV3("float16", "0x7c00")).toBe(Number.POSITIVE_INFINITY);
    expect(fillV3("float16", "0x0001")).toBe(float16ToNumber(1));
    expect(fillV3("complex64", ["0x3f800000", "NaN"])).toEqual([1, Number.NaN]);
    expect(fillV3("complex128", [1.5, "-Infinity"])).toEqual([1.5, Number.NEGATIVE_INFINITY]);
    expect(fillV3("complex128", ["0x3ff0000000000000", -2])).toEqual([1, -2]);
  });

  it("rounds JSON numbers to the precision of the data type", () => {
    expect(fillV3("float32", 0.1)).toBe(Math.fround(0.1));
    expect(fillV3("float64", 0.1)).toBe(0.1);
    expect(fillV3("float16", 0.1)).toBe(float16ToNumber(0x2e66));
    expect(fillV3("float16", 70000)).toBe(Number.POSITIVE_INFINITY);
    expect(fillV3("complex64", [0.1, 0.2])).toEqual([Math.fround(0.1), Math.fround(0.2)]);
  });

  it("decodes booleans and integers, int64/uint64 as exact bigints", () => {
    expect(fillV3("bool", true)).toBe(true);
    expect(fillV3("int8", -128)).toBe(-128);
    expect(fillV3("uint32", 4294967295)).toBe(4294967295);
    expect(fillV3("int64", 5)).toBe(5n);
    expect(fillV3("uint64", 0)).toBe(0n);
    const doc = (dt: string, literal: string) =>
      new TextEncoder().encode(
        stringifyJson(v3(dt, 0)).replace('"fill_value": 0', `"fill_value": ${literal}`),
      );
    const cases: [string, string, bigint][] = [
      ["int64", "9223372036854775807", 9223372036854775807n],
      ["int64", "-9223372036854775808", -9223372036854775808n],
      ["int64", "-9223372036854775807", -9223372036854775807n],
      ["uint64", "18446744073709551615", 18446744073709551615n],
      ["uint64", "9007199254740993", 9007199254740993n],
    ];
    for (const [dt, literal, expected] of cases) {
      const meta = parseV3(doc(dt, literal), "zarr.json") as ArrayMetadata;
      expect(meta.fillValue).toBe(expected);
      // Writing keeps the exact literal.
      expect(text(encodeJson(toV3Json(meta)))).toContain(`"fill_value": ${literal}`);
      expect(parseV3(encodeJson(toV3Json(meta)), "zarr.json")).toEqual(meta);
    }
  });

  it("keeps int64 fill values exact inside consolidated metadata and next to numeric keys", () => {
    const json = `{"zarr_format": 3, "node_type": "group", "attributes": {"1": 2, "b": 9007199254740993},
      "consolidated_metadata": {"kind": "inline", "must_understand": false, "metadata": {
        "b": ${stringifyJson(v3("int64", 0)).replace('"fill_value": 0', '"fill_value": 9223372036854775807')},
        "a": ${stringifyJson(v3("int64", 0)).replace('"fill_value": 0', '"fill_value": 9223372036854775806')}
      }}}`;
    const g = parseV3(new TextEncoder().encode(json), "zarr.json");
    if (g.nodeType !== "group") throw new Error("expected a group");
    expect((g.consolidated!.get("b") as ArrayMetadata).fillValue).toBe(9223372036854775807n);
    expect((g.consolidated!.get("a") as ArrayMetadata).fillValue).toBe(9223372036854775806n);
    // Attributes stay plain numbers.
    expect(g.attributes.b).toBe(9007199254740992);
  });

  it("encodes non-finite floats as strings and negative zero exactly", () => {
    const enc = (dt: string, fill: unknown) =>
      toV3Json(parseV3(v3(dt, fill), "zarr.json")).fill_value;
    expect(enc("float32", "0x7fc00000")).toBe("NaN");
    expect(enc("float64", "Infinity")).toBe("Infinity");
    expect(enc("float16", "-Infinity")).toBe("-Infinity");
    expect(enc("complex64", ["NaN", 1])).toEqual(["NaN", 1]);
    expect(enc("float32", 3.5)).toBe(3.5);
    expect(enc("bool", false)).toBe(false);
    expect(enc("int64", 7)).toBe(7);
    const negZero = parseV3(v3("float64", "0x8000000000000000"), "zarr.json");
    const bytes = encodeJson(toV3Json(negZero));
    expect(text(bytes)).toContain('"fill_value": -0');
    expect((parseV3(bytes, "zarr.json") as ArrayMetadata).fillValue).toBe(-0);
  });

  it("reports the offending path through the IssueList", () => {
    const issues = new IssueList();
    expect(parseFillValueV3(dataType("complex64"), ["x", "0x1"], issues)).toBeUndefined();
    expect(issues.issues.map((i) => i.field)).toEqual(["fill_value[0]", "fill_value[1]"]);
  });
});

describe("v2 fill values", () => {
  const zarray = (dtype: string, fill_value: unknown) => ({
    zarr_format: 2,
    shape: [4],
    chunks: [2],
    dtype,
    fill_value,
    order: "C",
    filters: null,
    compressor: null,
  });
  const fillV2 = (dtype: string, fill: unknown) => parseV2Array(zarray(dtype, fill), ".zarray");

  it("maps null to the zero value with fillValueIsNull", () => {
    const cases: [string, unknown][] = [
      ["|b1", false],
      ["<i4", 0],
      [">u8", 0n],
      ["<f2", 0],
      ["<c16", [0, 0]],
      ["|S3", new Uint8Array(3)],
    ];
    for (const [dtype, zero] of cases) {
      const meta = fillV2(dtype, null);
      expect(meta.fillValue).toEqual(zero);
      expect(meta.fillValueIsNull).toBe(true);
      expect(toV2Json(meta).zarray.fill_value).toBeNull();
    }
    // An absent fill_value means the same.
    const noFill: Record<string, unknown> = zarray("<i2", 0);
    delete noFill.fill_value;
    expect(parseV2Array(noFill, ".zarray").fillValueIsNull).toBe(true);
  });

  it("decodes the float strings, complex pairs and bytes", () => {
    expect(fillV2("<f8", "NaN").fillValue).toBeNaN();
    expect(fillV2(">f4", "-Infinity").fillValue).toBe(Number.NEGATIVE_INFINITY);
    expect(fillV2("<c8", [0, 1]).fillValue).toEqual([0, 1]);
    expect(fillV2("<c16", ["NaN", "Infinity"]).fillValue).toEqual([
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ]);
    expect(fillV2("|S4", "").fillValue).toEqual(new Uint8Array(4));
    expect(fillV2("|S4", "YWI=").fillValue).toEqual(new Uint8Array([0x61, 0x62, 0, 0]));
    expect(fillV2("|S2", "YWI=").fillValue).toEqual(new Uint8Array([0x61, 0x62]));
    expect(fillV2("|b1", 1).fillValue).toBe(true);
    expect(fillV2("<i8", -7).fillValue).toBe(-7n);
  });

  it("encodes bytes as base64 of all n bytes and floats with strings", () => {
    expect(toV2Json(fillV2("|S4", "YWI=")).zarray.fill_value).toBe("YWIAAA==");
    expect(toV2Json(fillV2("<f4", "NaN")).zarray.fill_value).toBe("NaN");
    expect(toV2Json(fillV2("<c8", ["NaN", 2])).zarray.fill_value).toEqual(["NaN", 2]);
  });

  it("reports bad values through the IssueList", () => {
    const issues = new IssueList();
    expect(parseFillValueV2(dataType("bytes", 2), 12, issues)).toBeUndefined();
    expect(issues.issues).toHaveLength(1);
  });
});

describe("JSON helpers", () => {
  it("encodeJson matches JSON.stringify(v, null, 2) and writes bigints exactly", () => {
    const value = { a: [1, "x", null, true, { b: [] }], c: {}, d: undefined, e: 1e21, f: "é\n" };
    expect(stringifyJson(value)).toBe(JSON.stringify(value, null, 2));
    expect(stringifyJson({ big: 2n ** 64n - 1n, list: [-(2n ** 63n)] })).toBe(
      '{\n  "big": 18446744073709551615,\n  "list": [\n    -9223372036854775808\n  ]\n}',
    );
    expect(stringifyJson([Number.NaN, undefined])).toBe("[\n  null,\n  null\n]");
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => stringifyJson(circular)).toThrow(TypeError);
  });

  it("decodeJsonDocument accepts bytes, ArrayBuffer, text and objects", () => {
    const obj = { zarr_format: 2 };
    expect(decodeJsonDocument(new TextEncoder().encode('{"zarr_format": 2}'), "k")).toEqual(obj);
    expect(decodeJsonDocument(new TextEncoder().encode('{"zarr_format": 2}').buffer, "k")).toEqual(
      obj,
    );
    expect(decodeJsonDocument('{"zarr_format": 2}', "k")).toEqual(obj);
    expect(decodeJsonDocument(obj, "k")).toBe(obj);
    // A UTF-8 byte order mark is skipped.
    expect(decodeJsonDocument(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), "k")).toEqual({});
    expect(() => decodeJsonDocument("{", "k")).toThrow(MetadataError);
  });
});
