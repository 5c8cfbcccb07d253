import { describe, expect, it } from "vitest";
import { MetadataError, UnsupportedDataTypeError } from "../../../src/core/errors.js";
import {
  encodeJson,
  parseV2Array,
  parseV2Attrs,
  parseV2Consolidated,
  parseV2Group,
  parseV3,
  toV2Json,
  toV3Json,
} from "../../../src/format/metadata/index.js";
import type { ArrayMetadata, GroupMetadata } from "../../../src/format/model.js";

const KEY = "data/arr/zarr.json";

function v3Array(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    zarr_format: 3,
    node_type: "array",
    shape: [10, 20],
    data_type: "int32",
    chunk_grid: { name: "regular", configuration: { chunk_shape: [5, 5] } },
    chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
    fill_value: 0,
    codecs: [{ name: "bytes", configuration: { endian: "little" } }],
    attributes: {},
    ...overrides,
  };
}

function v2Array(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    shape: [10, 20],
    chunks: [5, 5],
    dtype: "<i4",
    fill_value: 0,
    order: "C",
    filters: null,
    dimension_separator: ".",
    compressor: { id: "zlib", level: 1 },
    zarr_format: 2,
    ...overrides,
  };
}

/** A regular chunk grid of 5-element chunks for `shape`. */
function grid(shape: readonly number[]): Record<string, unknown> {
  return { name: "regular", configuration: { chunk_shape: shape.map(() => 5) } };
}

/** Runs `fn`, expects it to throw a MetadataError (or `cls`) and returns the error. */
function catchError<T extends MetadataError>(
  fn: () => unknown,
  cls: abstract new (...args: never[]) => T = MetadataError as never,
): T {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(cls);
    return e as T;
  }
  throw new Error("expected an error");
}

function fields(e: MetadataError): string[] {
  return e.issues.map((i) => i.field);
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe("malformed documents", () => {
  it("rejects malformed JSON with the parser's message and the key", () => {
    const text = '{"zarr_format": 3, "node_type": ';
    let parserMessage = "";
    try {
      JSON.parse(text);
    } catch (e) {
      parserMessage = (e as Error).message;
    }
    for (const parse of [
      () => parseV3(bytes(text), KEY),
      () => parseV2Array(bytes(text), KEY),
      () => parseV2Group(bytes(text), KEY),
      () => parseV2Attrs(bytes(text), KEY),
      () => parseV2Consolidated(bytes(text), KEY),
    ]) {
      const e = catchError(parse);
      expect(e.key).toBe(KEY);
      expect(e.code).toBe("ERR_METADATA");
      expect(e.issues).toHaveLength(1);
      expect(e.issues[0]!.message).toContain(parserMessage);
      expect(e.message).toContain(KEY);
      expect(e.cause).toBeInstanceOf(SyntaxError);
    }
  });

  it("rejects bytes that are not UTF-8", () => {
    const e = catchError(() => parseV3(new Uint8Array([0x7b, 0xff, 0x7d]), KEY));
    expect(e.issues[0]!.message).toMatch(/UTF-8/);
  });

  it("rejects documents that are not objects", () => {
    for (const doc of ["[1, 2]", "3", "null"]) {
      const e = catchError(() => parseV3(bytes(doc), KEY));
      expect(e.issues[0]!.message).toMatch(/expected a JSON object/);
    }
    const e = catchError(() => parseV2Attrs(bytes("[]"), ".zattrs"));
    expect(e.key).toBe(".zattrs");
  });
});

describe("parseV3 schema violations", () => {
  it("rejects a wrong zarr_format", () => {
    const e = catchError(() => parseV3(v3Array({ zarr_format: 2 }), KEY));
    expect(e.key).toBe(KEY);
    expect(fields(e)).toEqual(["zarr_format"]);
  });

  it("rejects a missing zarr_format and node_type", () => {
    const e = catchError(() => parseV3({ attributes: {} }, KEY));
    expect(fields(e)).toEqual(["zarr_format", "node_type"]);
    const e2 = catchError(() => parseV3({ zarr_format: 3, node_type: "table" }, KEY));
    expect(fields(e2)).toEqual(["node_type"]);
  });

  it("rejects a missing shape", () => {
    const doc = v3Array();
    delete doc.shape;
    const e = catchError(() => parseV3(doc, KEY));
    expect(e.issues).toEqual([{ field: "shape", message: "required field is missing" }]);
  });

  it("reports every missing mandatory field", () => {
    const e = catchError(() => parseV3({ zarr_format: 3, node_type: "array" }, KEY));
    expect(fields(e)).toEqual([
      "shape",
      "data_type",
      "chunk_grid",
      "chunk_key_encoding",
      "fill_value",
      "codecs",
    ]);
  });

  it("rejects negative and zero chunk sizes, naming each entry", () => {
    const e = catchError(() =>
      parseV3(
        v3Array({ chunk_grid: { name: "regular", configuration: { chunk_shape: [-1, 0] } } }),
        KEY,
      ),
    );
    expect(fields(e)).toEqual([
      "chunk_grid.configuration.chunk_shape[0]",
      "chunk_grid.configuration.chunk_shape[1]",
    ]);
  });

  it("rejects negative and fractional shape entries", () => {
    const e = catchError(() => parseV3(v3Array({ shape: [-3, 2.5] }), KEY));
    expect(fields(e)).toEqual(["shape[0]", "shape[1]"]);
  });

  it("rejects shapes of more than 2^53 - 1 elements (element indices would lose precision)", () => {
    // Found by tests/property/fuzz-corrupt.test.ts: with shape [2^30, 2^30] a vindex of three
    // points computed their chunk keys in floating point and read a stored chunk's value for a
    // point in a missing chunk.
    for (const shape of [
      [2 ** 30, 2 ** 30],
      [2 ** 53 - 1, 2],
      [2 ** 53 - 1, 2 ** 53 - 1, 2 ** 53 - 1],
    ]) {
      const e = catchError(() => parseV3(v3Array({ shape, chunk_grid: grid(shape) }), KEY));
      expect(fields(e)).toEqual(["shape"]);
      expect(e.message).toMatch(/more than 2\^53 - 1 \(9007199254740991\) elements/);
    }
    for (const shape of [
      [2 ** 53 - 1, 1],
      [2 ** 26, 2 ** 26],
      [2 ** 53 - 1, 2 ** 53 - 1, 0],
    ]) {
      expect(parseV3(v3Array({ shape, chunk_grid: grid(shape) }), KEY).nodeType).toBe("array");
    }
  });

  it("rejects a chunk shape whose length differs from the shape's", () => {
    const e = catchError(() =>
      parseV3(
        v3Array({ chunk_grid: { name: "regular", configuration: { chunk_shape: [5] } } }),
        KEY,
      ),
    );
    expect(fields(e)).toEqual(["chunk_grid.configuration.chunk_shape"]);
  });

  it("rejects dimension_names whose length differs from ndim", () => {
    const e = catchError(() => parseV3(v3Array({ dimension_names: ["y", "x", "z"] }), KEY));
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]!.field).toBe("dimension_names");
    expect(e.issues[0]!.message).toMatch(/3 entries.*2 dimensions/);
  });

  it("accepts null entries in dimension_names and null for the whole list", () => {
    const a = parseV3(v3Array({ dimension_names: ["y", null] }), KEY) as ArrayMetadata;
    expect(a.dimensionNames).toEqual(["y", null]);
    const b = parseV3(v3Array({ dimension_names: null }), KEY) as ArrayMetadata;
    expect(b.dimensionNames).toBeNull();
    const e = catchError(() => parseV3(v3Array({ dimension_names: ["y", 3] }), KEY));
    expect(fields(e)).toEqual(["dimension_names[1]"]);
  });

  it("reports two bad fields as two issues", () => {
    const e = catchError(() => parseV3(v3Array({ shape: "big", fill_value: "zero" }), KEY));
    expect(fields(e)).toEqual(["shape", "fill_value"]);
  });

  it("reports every offending field of a badly broken document", () => {
    const e = catchError(() =>
      parseV3(
        {
          zarr_format: 3,
          node_type: "array",
          shape: [10, -1],
          data_type: "float32",
          chunk_grid: { name: "regular", configuration: { chunk_shape: [0, 5] } },
          chunk_key_encoding: { name: "default", configuration: { separator: ":" } },
          fill_value: "0x7fc0",
          codecs: [{ name: "bytes" }, { configuration: {} }, 7],
          attributes: [],
          storage_transformers: [{ name: "foo" }],
          dimension_names: ["a"],
          extra: true,
        },
        KEY,
      ),
    );
    expect(fields(e)).toEqual([
      "shape[1]",
      "chunk_grid.configuration.chunk_shape[0]",
      "chunk_key_encoding.configuration.separator",
      "fill_value",
      "codecs[1].name",
      "codecs[2]",
      "attributes",
      "storage_transformers[0]",
      "dimension_names",
      "extra",
    ]);
    expect(e.message).toContain("shape[1]");
    expect(e.message).toContain("extra");
  });

  it("rejects unknown data types with UnsupportedDataTypeError", () => {
    for (const dt of [
      "string_view",
      "complex_bfloat16",
      "float8_e4m3fn",
      "int4",
      "uint2",
      { name: "numpy.made_up", configuration: {} },
    ]) {
      const e = catchError(
        () => parseV3(v3Array({ data_type: dt }), KEY),
        UnsupportedDataTypeError,
      );
      expect(e.key).toBe(KEY);
      expect(e.code).toBe("ERR_UNSUPPORTED_DATA_TYPE");
      expect(e.dataType).toBe(typeof dt === "string" ? dt : dt.name);
      expect(fields(e)).toEqual(["data_type"]);
    }
  });

  it("names the type and why it is refused (low-precision floats, sub-byte integers)", () => {
    for (const [dt, why] of [
      ["complex_bfloat16", /"complex_bfloat16": no JavaScript TypedArray holds this/],
      ["float8_e5m2", /"float8_e5m2": no JavaScript TypedArray/],
      ["complex_float16", /"complex_float16": no JavaScript TypedArray/],
      ["int4", /"int4": sub-byte integers/],
      ["uint2", /"uint2": sub-byte integers/],
    ] as const) {
      const e = catchError(
        () => parseV3(v3Array({ data_type: dt }), KEY),
        UnsupportedDataTypeError,
      );
      expect(e.message).toMatch(why);
    }
  });

  it("rejects malformed raw bits and datetime64 configurations as metadata errors", () => {
    for (const dt of [
      "r12",
      "r0",
      "r08",
      `r${2 ** 21}`,
      { name: "numpy.datetime64" },
      { name: "numpy.datetime64", configuration: { unit: "s" } },
      { name: "numpy.datetime64", configuration: { unit: "sec", scale_factor: 1 } },
      { name: "numpy.timedelta64", configuration: { unit: "s", scale_factor: 0 } },
    ]) {
      const e = catchError(() => parseV3(v3Array({ data_type: dt }), KEY));
      expect(e).not.toBeInstanceOf(UnsupportedDataTypeError);
      expect(
        fields(e).every((f) => f.startsWith("data_type")),
        JSON.stringify(dt),
      ).toBe(true);
    }
  });

  it("lists an unknown data type with the other issues when there are several", () => {
    const e = catchError(() => parseV3(v3Array({ data_type: "no_such_type", shape: null }), KEY));
    expect(e).not.toBeInstanceOf(UnsupportedDataTypeError);
    expect(fields(e)).toEqual(["shape", "data_type"]);
  });

  it("rejects an unknown extension field unless must_understand is false", () => {
    const rejected = [
      { my_extension: { must_understand: true, value: 1 } },
      { my_extension: { value: 1 } },
      { my_extension: "x" },
    ];
    for (const extra of rejected) {
      const e = catchError(() => parseV3(v3Array(extra), KEY));
      expect(e.key).toBe(KEY);
      expect(fields(e)).toEqual(["my_extension"]);
    }
    const meta = parseV3(
      v3Array({ my_extension: { must_understand: false, value: 1 } }),
      KEY,
    ) as ArrayMetadata;
    expect(meta).toEqual(parseV3(v3Array(), KEY));
    const group = parseV3(
      { zarr_format: 3, node_type: "group", ext: { must_understand: false } },
      KEY,
    );
    expect(group).toEqual({ nodeType: "group", zarrFormat: 3, attributes: {} });
    const e = catchError(() => parseV3({ zarr_format: 3, node_type: "group", ext: {} }, KEY));
    expect(fields(e)).toEqual(["ext"]);
  });

  it("rejects storage transformers, ignoring those with must_understand false", () => {
    const e = catchError(() =>
      parseV3(v3Array({ storage_transformers: [{ name: "sharding" }] }), KEY),
    );
    expect(fields(e)).toEqual(["storage_transformers[0]"]);
    expect(() =>
      parseV3(v3Array({ storage_transformers: [{ name: "x", must_understand: false }] }), KEY),
    ).not.toThrow();
  });

  it("rejects unsupported chunk grids and chunk key encodings", () => {
    const e = catchError(() =>
      parseV3(
        v3Array({
          chunk_grid: { name: "zarrs.regular_bounded", configuration: { chunk_shape: [1, 2] } },
          chunk_key_encoding: { name: "hashed" },
        }),
        KEY,
      ),
    );
    expect(fields(e)).toEqual(["chunk_grid.name", "chunk_key_encoding.name"]);
  });

  it("rejects empty or malformed codec lists", () => {
    expect(fields(catchError(() => parseV3(v3Array({ codecs: [] }), KEY)))).toEqual(["codecs"]);
    expect(fields(catchError(() => parseV3(v3Array({ codecs: {} }), KEY)))).toEqual(["codecs"]);
    expect(
      fields(
        catchError(() => parseV3(v3Array({ codecs: [{ name: "bytes", configuration: 3 }] }), KEY)),
      ),
    ).toEqual(["codecs[0].configuration"]);
  });

  it("rejects fill values that do not fit the data type", () => {
    const cases: [string, unknown, string][] = [
      ["int32", "NaN", "fill_value"],
      ["uint8", 256, "fill_value"],
      ["int8", -129, "fill_value"],
      ["int16", 1.5, "fill_value"],
      ["uint64", -1, "fill_value"],
      ["int64", 2n ** 63n, "fill_value"],
      ["bool", 0, "fill_value"],
      ["float32", "0x7fc0", "fill_value"],
      ["float32", "nan", "fill_value"],
      ["float64", null, "fill_value"],
      ["complex64", [1], "fill_value"],
      ["complex64", [1, "x"], "fill_value[1]"],
    ];
    for (const [dt, fv, field] of cases) {
      const e = catchError(() => parseV3(v3Array({ data_type: dt, fill_value: fv }), KEY));
      expect(fields(e), `${dt} ${String(fv)}`).toEqual([field]);
    }
  });

  it("keeps a bad consolidated child out, with its error under the child's key (the group parses)", () => {
    const doc = {
      zarr_format: 3,
      node_type: "group",
      consolidated_metadata: {
        kind: "inline",
        must_understand: false,
        metadata: { "a/b": v3Array({ shape: [-1, 2] }) },
      },
    };
    const group = parseV3(doc, "zarr.json") as GroupMetadata;
    expect(group.consolidated?.has("a/b")).toBe(false);
    const bad = group.invalidMembers![0]!;
    expect(bad.name).toBe("a/b");
    const e = bad.error as MetadataError;
    expect(e.key).toBe("zarr.json#consolidated_metadata/a/b");
    expect(fields(e)).toEqual(["shape[0]"]);
  });

  it("rejects malformed consolidated metadata, ignores unknown kinds marked optional", () => {
    const e = catchError(() =>
      parseV3(
        { zarr_format: 3, node_type: "group", consolidated_metadata: { kind: "inline" } },
        KEY,
      ),
    );
    expect(fields(e)).toEqual(["consolidated_metadata.metadata"]);
    const g = parseV3(
      {
        zarr_format: 3,
        node_type: "group",
        consolidated_metadata: { kind: "external", must_understand: false },
      },
      KEY,
    );
    expect(g).toEqual({ nodeType: "group", zarrFormat: 3, attributes: {} });
  });
});

describe("parseV2Array schema violations", () => {
  const K = "a/.zarray";

  it("rejects a wrong zarr_format", () => {
    const e = catchError(() => parseV2Array(v2Array({ zarr_format: 3 }), K));
    expect(e.key).toBe(K);
    expect(fields(e)).toEqual(["zarr_format"]);
  });

  it("rejects a missing shape", () => {
    const doc = v2Array();
    delete doc.shape;
    expect(fields(catchError(() => parseV2Array(doc, K)))).toEqual(["shape"]);
  });

  it("rejects shapes of more than 2^53 - 1 elements", () => {
    const e = catchError(() =>
      parseV2Array(v2Array({ shape: [2 ** 40, 2 ** 20], chunks: [5, 5] }), K),
    );
    expect(fields(e)).toEqual(["shape"]);
    expect(parseV2Array(v2Array({ shape: [2 ** 32, 2 ** 20], chunks: [5, 5] }), K).shape).toEqual([
      2 ** 32,
      2 ** 20,
    ]);
  });

  it("rejects negative chunk sizes and mismatched lengths", () => {
    expect(fields(catchError(() => parseV2Array(v2Array({ chunks: [-5, 5] }), K)))).toEqual([
      "chunks[0]",
    ]);
    expect(fields(catchError(() => parseV2Array(v2Array({ chunks: [5] }), K)))).toEqual(["chunks"]);
  });

  it("reports two bad fields as two issues", () => {
    const e = catchError(() => parseV2Array(v2Array({ order: "K", compressor: "zlib" }), K));
    expect(fields(e)).toEqual(["compressor", "order"]);
  });

  it("rejects unsupported dtypes with UnsupportedDataTypeError", () => {
    const dtypes: unknown[] = [
      "|U8",
      "<U0",
      "<M8[sec]",
      "|M8[ns]",
      "<M8[0s]",
      "|O",
      "|V8",
      "<i3",
      "|i4",
      "=f8",
      "f8",
      "|S0",
      [
        ["x", "<i4"],
        ["y", "<f8"],
      ],
    ];
    for (const dtype of dtypes) {
      const e = catchError(() => parseV2Array(v2Array({ dtype }), K), UnsupportedDataTypeError);
      expect(e.key).toBe(K);
      expect(fields(e)).toEqual(["dtype"]);
      expect(e.dataType).toBe(typeof dtype === "string" ? dtype : JSON.stringify(dtype));
    }
    expect(fields(catchError(() => parseV2Array(v2Array({ dtype: 4 }), K)))).toEqual(["dtype"]);
  });

  it("rejects fill values that do not fit the dtype", () => {
    const cases: [string, unknown][] = [
      ["<i4", "NaN"],
      ["|u1", -1],
      ["|S4", "not base64!"],
      ["|S2", "AAAAAA=="],
      ["<f8", "0x7ff8000000000000"],
      ["<c8", 1],
    ];
    for (const [dtype, fill_value] of cases) {
      const e = catchError(() => parseV2Array(v2Array({ dtype, fill_value }), K));
      expect(fields(e), `${dtype} ${String(fill_value)}`).toEqual(["fill_value"]);
    }
  });

  it("rejects a bad .zgroup and a bad .zmetadata", () => {
    expect(fields(catchError(() => parseV2Group({ zarr_format: 3 }, ".zgroup")))).toEqual([
      "zarr_format",
    ]);
    expect(fields(catchError(() => parseV2Group({}, ".zgroup")))).toEqual(["zarr_format"]);
    const e = catchError(() => parseV2Consolidated({ zarr_consolidated_format: 2 }, ".zmetadata"));
    expect(fields(e)).toEqual(["zarr_consolidated_format", "metadata"]);
    const e2 = catchError(() =>
      parseV2Consolidated({ zarr_consolidated_format: 1, metadata: {} }, ".zmetadata"),
    );
    expect(fields(e2)).toEqual(['metadata[".zgroup"]']);
    // A bad member is kept out with its error; the group itself parses.
    const g3 = parseV2Consolidated(
      {
        zarr_consolidated_format: 1,
        metadata: { ".zgroup": { zarr_format: 2 }, "a/.zarray": v2Array({ shape: [1] }) },
      },
      "root/.zmetadata",
    );
    expect(g3.consolidated?.size).toBe(0);
    expect(g3.invalidMembers?.map((m) => m.name)).toEqual(["a"]);
    const e3 = g3.invalidMembers![0]!.error as MetadataError;
    expect(e3.key).toBe("root/.zmetadata#metadata/a/.zarray");
    expect(fields(e3)).toEqual(["chunks"]);
  });
});

describe("writers", () => {
  it("refuse models they cannot express", () => {
    const s8 = parseV2Array(v2Array({ dtype: "|S8", fill_value: null }), ".zarray");
    expect(fields(catchError(() => toV3Json(s8)))).toEqual(["data_type"]);
    const sharded = parseV3(
      v3Array({ codecs: [{ name: "sharding_indexed", configuration: {} }] }),
      KEY,
    ) as ArrayMetadata;
    expect(fields(catchError(() => toV2Json(sharded)))).toEqual(["codecs[0]"]);
    const transposed = parseV3(
      v3Array({
        shape: [2, 3, 4],
        chunk_grid: { name: "regular", configuration: { chunk_shape: [1, 1, 1] } },
        codecs: [{ name: "transpose", configuration: { order: [1, 0, 2] } }, { name: "bytes" }],
      }),
      KEY,
    ) as ArrayMetadata;
    expect(fields(catchError(() => toV2Json(transposed)))).toEqual(["codecs[0]"]);
    const wrongFill = { ...(parseV3(v3Array(), KEY) as ArrayMetadata), fillValue: "x" as never };
    expect(fields(catchError(() => toV3Json(wrongFill)))).toEqual(["fill_value"]);
    expect(fields(catchError(() => toV2Json(wrongFill)))).toEqual(["fill_value"]);
  });

  it("encode documents the parsers accept", () => {
    const meta = parseV3(v3Array(), KEY);
    expect(parseV3(encodeJson(toV3Json(meta)), KEY)).toEqual(meta);
  });
});
