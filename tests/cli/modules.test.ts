/**
 * The command line's modules, in process: touched-chunk counting (checked against the chunks the
 * executor actually reads), value formatting, the output writers, the colormap and error mapping.
 */
import { CommanderError } from "commander";
import { describe, expect, it } from "vitest";
import { jsonRows } from "../../src/cli/commands/get.js";
import { exitCodeOf, UsageError } from "../../src/cli/errors.js";
import { writerFor } from "../../src/cli/output/index.js";
import { nodePath } from "../../src/cli/store-from-arg.js";
import {
  type ArraySource,
  type CodecSpec,
  createArray,
  cStrides,
  type DataTypeName,
  dataType,
  type LazyArray,
  lazy,
  MemoryStore,
  type NDArray,
  parseSelection,
  type TypedArray,
} from "../../src/index.js";
import { countTouchedChunks } from "../../src/present/chunks.js";
import { colormapIndex, VIRIDIS } from "../../src/present/colormap.js";
import { chunkLevels, codecSummary, scalarText } from "../../src/present/describe.js";
import { csvField, csvWriter } from "../../src/present/output/csv.js";
import { toJsonDocument } from "../../src/present/output/json.js";
import { finiteRange, pngWriter, renderRgba } from "../../src/present/output/png.js";
import { formatFloat32, jsonLeaf, nested, textLeaf } from "../../src/present/output/values.js";
import { alignRows } from "../../src/present/tree.js";

function nd(name: DataTypeName, shape: number[], data: TypedArray): NDArray {
  return { data, shape, strides: cStrides(shape), dtype: dataType(name) };
}

/** A source that records the chunks a read asks for and returns none (all fill value). */
function recordingSource(
  shape: number[],
  chunkShape: number[],
): ArraySource & { read: Set<string> } {
  const read = new Set<string>();
  return {
    path: "probe",
    shape,
    chunkShape,
    dtype: dataType("int16"),
    fillValue: 0,
    read,
    async readChunk(coords) {
      read.add(coords.join(","));
      return undefined;
    },
  };
}

describe("countTouchedChunks equals the chunks a read touches", () => {
  const shape = [23, 17, 5];
  const chunks = [4, 5, 3];
  const cases: [string, (v: LazyArray) => LazyArray][] = [
    ["everything", (v) => v],
    ["get 3, 1:10:3", (v) => v.get(...parseSelection("3, 1:10:3"))],
    ["get ::-1, ::7, 1", (v) => v.get(...parseSelection("::-1, ::7, 1"))],
    ["get strides beyond the chunk", (v) => v.get(...parseSelection("::9, 16:0:-6"))],
    ["get None, 2:20:5, ..., 0", (v) => v.get(...parseSelection("None, 2:20:5, ..., 0"))],
    [
      "get advanced [0, 5, 22], :, [1, 4]",
      (v) => v.get(...parseSelection("[0, 5, 22], :, [1, 4, 0]")),
    ],
    ["oindex [0, 5, 22], ::-4", (v) => v.oindex(...parseSelection("[0, 5, 22], ::-4"))],
    ["vindex [0, 5, 22], [1, 16, 3]", (v) => v.vindex(...parseSelection("[0, 5, 22], [1, 16, 3]"))],
    [
      "vindex broadcast [[0], [9]], [1, 16]",
      (v) => v.vindex(...parseSelection("[[0], [9]], [1, 16]")),
    ],
    [
      "get then vindex",
      (v) =>
        v.get(...parseSelection("1:20:2, ::-1")).vindex(...parseSelection("[0, 3, 9], [2, 2, 16]")),
    ],
    ["empty", (v) => v.get(...parseSelection("5:5"))],
    [
      "mask",
      (v) => {
        const s = v.get(...parseSelection("0:6, 0:6, 0"));
        return s.mask(
          Array.from({ length: 6 }, (_, i) =>
            Array.from({ length: 6 }, (_, j) => (i * j) % 5 === 1),
          ),
        );
      },
    ],
  ];
  for (const [name, select] of cases) {
    it(name, async () => {
      const source = recordingSource(shape, chunks);
      const view = select(lazy(source));
      await view.read();
      const count = countTouchedChunks(view.transform, chunks);
      expect(count.exact).toBe(true);
      expect(count.total).toBe(6 * 4 * 2);
      expect(count.touched).toBe(source.read.size);
    });
  }
});

describe("values", () => {
  it("float32 prints its shortest round-trip text", () => {
    expect(formatFloat32(Math.fround(0.1))).toBe("0.1");
    expect(formatFloat32(Math.fround(1 / 3))).toBe("0.33333334");
    expect(formatFloat32(Math.fround(3.4028234663852886e38))).toBe("3.4028235e+38");
    expect(formatFloat32(-0)).toBe("0");
  });

  it("JSON leaves: 64-bit integers, NaN/Infinity, complex, bool, bytes", () => {
    const u64 = nd("uint64", [3], new BigUint64Array([1n, 2n ** 53n + 1n, 2n ** 64n - 1n]));
    expect(nested(u64.shape, jsonLeaf(u64))).toEqual([
      1,
      "9007199254740993",
      "18446744073709551615",
    ]);
    const i64 = nd("int64", [2], new BigInt64Array([-5n, -(2n ** 60n)]));
    expect(nested(i64.shape, jsonLeaf(i64))).toEqual([-5, "-1152921504606846976"]);
    const f = nd(
      "float32",
      [4],
      new Float32Array([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.1]),
    );
    expect(nested(f.shape, jsonLeaf(f))).toEqual(["NaN", "Infinity", "-Infinity", 0.1]);
    const c = nd("complex128", [2], new Float64Array([1, -2, Number.NaN, 0.5]));
    expect(nested(c.shape, jsonLeaf(c))).toEqual([
      [1, -2],
      ["NaN", 0.5],
    ]);
    const b = nd("bool", [2, 1], new Uint8Array([1, 0]));
    expect(toJsonDocument(b)).toEqual({ shape: [2, 1], dtype: "bool", data: [[true], [false]] });
    const s: NDArray = {
      data: new Uint8Array([97, 98, 0, 0, 99, 0, 0, 0]),
      shape: [2],
      strides: [1],
      dtype: dataType("bytes", 4),
    };
    expect(toJsonDocument(s)).toEqual({ shape: [2], dtype: "|S4", data: ["ab", "c"] });
    const zero = nd("float64", [], new Float64Array([2.5]));
    expect(toJsonDocument(zero).data).toBe(2.5);
  });

  it("CSV text: NaN, inf, complex as Python writes it, quoting", () => {
    const f = nd("float64", [3], new Float64Array([Number.NaN, Number.POSITIVE_INFINITY, -1.5]));
    expect(nested(f.shape, textLeaf(f))).toEqual(["NaN", "inf", "-1.5"]);
    const c = nd("complex64", [2], new Float32Array([1, 2, -0.5, -1]));
    expect(nested(c.shape, textLeaf(c))).toEqual(["1+2j", "-0.5-1j"]);
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField("plain")).toBe("plain");
  });
});

describe("writers", () => {
  it("picks the writer by extension, case-insensitively", () => {
    expect(writerFor("a/b.NPY").extension).toBe(".npy");
    expect(writerFor("x.png").extension).toBe(".png");
    expect(() => writerFor("x.tif")).toThrow(UsageError);
    expect(() => writerFor("noext")).toThrow(/no file extension/);
  });

  it("CSV: 1-D one value per line, 2-D one row per line, N-D refused", () => {
    const one = nd("int32", [3], new Int32Array([1, -2, 3]));
    expect(csvWriter.encode(one, {})).toBe("1\n-2\n3\n");
    const two = nd("int8", [2, 2], new Int8Array([1, 2, 3, 4]));
    expect(csvWriter.encode(two, {})).toBe("1,2\n3,4\n");
    expect(() => csvWriter.check({ shape: [2, 2, 2], dtype: dataType("int8") })).toThrow(
      UsageError,
    );
  });

  it("PNG: default range is the finite min/max; NaN is transparent", () => {
    const a = nd("float64", [2, 2], new Float64Array([0, Number.NaN, 1, 2]));
    expect(finiteRange(a)).toEqual([0, 2]);
    const px = renderRgba(a, {});
    expect([...px.subarray(0, 4)]).toEqual([...VIRIDIS.subarray(0, 3), 255]);
    expect(px[7]).toBe(0);
    expect([...px.subarray(8, 12)]).toEqual([...VIRIDIS.subarray(3 * 128, 3 * 128 + 3), 255]);
    expect([...px.subarray(12, 16)]).toEqual([...VIRIDIS.subarray(765, 768), 255]);
    expect(() => pngWriter.check({ shape: [3], dtype: dataType("float32") })).toThrow(UsageError);
    expect(() => pngWriter.check({ shape: [3, 3], dtype: dataType("complex64") })).toThrow(
      UsageError,
    );
  });

  it("viridis: 256 entries from #440154 through #21918c to #fde725", () => {
    expect(VIRIDIS).toHaveLength(768);
    expect([...VIRIDIS.subarray(0, 3)]).toEqual([0x44, 0x01, 0x54]);
    expect([...VIRIDIS.subarray(384, 387)]).toEqual([0x21, 0x91, 0x8c]);
    expect([...VIRIDIS.subarray(765, 768)]).toEqual([0xfd, 0xe7, 0x25]);
    expect(colormapIndex(-1, 0, 1)).toBe(0);
    expect(colormapIndex(1, 0, 1)).toBe(255);
    expect(colormapIndex(5, 5, 5)).toBe(0);
  });
});

describe("text layout and descriptions", () => {
  it("jsonRows prints one innermost list per line", () => {
    expect(
      jsonRows(
        [
          [1, 2],
          [3, 4],
        ],
        2,
      ),
    ).toBe("[[1, 2],\n [3, 4]]");
    expect(
      jsonRows(
        [
          [1, 2],
          [3, 4],
        ],
        1,
      ),
    ).toBe("[[1,2], [3,4]]");
    expect(jsonRows(7, 0)).toBe("7");
  });

  it("alignRows aligns columns and drops empty ones", () => {
    expect(
      alignRows([
        ["a", "", "x"],
        ["bbb", "", "y"],
      ]),
    ).toEqual(["a    x", "bbb  y"]);
  });

  it("chunk levels and codecs of a sharded array", async () => {
    const sharding = (chunk_shape: number[], codecs: CodecSpec[]): CodecSpec => ({
      name: "sharding_indexed",
      configuration: {
        chunk_shape,
        codecs,
        index_codecs: [{ name: "bytes" }, { name: "crc32c" }],
      },
    });
    const store = new MemoryStore();
    const create = (path: string, codecs: CodecSpec[]) =>
      createArray(store, path, { shape: [16, 20], chunks: [8, 10], dtype: "int16", codecs });
    const a = await create("a", [sharding([4, 5], [{ name: "bytes" }, { name: "zstd" }])]);
    expect(chunkLevels(a)).toEqual([
      [8, 10],
      [4, 5],
    ]);
    expect(codecSummary(a.metadata.codecs)).toBe("sharding_indexed(bytes, zstd)");
    const nested = await create("n", [sharding([4, 5], [sharding([2, 5], [{ name: "bytes" }])])]);
    expect(chunkLevels(nested)).toEqual([
      [8, 10],
      [4, 5],
      [2, 5],
    ]);
    const plain = await create("p", [{ name: "bytes" }, { name: "zstd" }]);
    expect(chunkLevels(plain)).toEqual([[8, 10]]);
    expect(scalarText([1, -2])).toBe("1-2j");
    expect(scalarText(new Uint8Array([97, 0]))).toBe("b'a\\x00'");
  });

  it("node paths and exit codes", () => {
    expect(nodePath(undefined)).toBe("");
    expect(nodePath("/")).toBe("");
    expect(nodePath("/a/b/")).toBe("a/b");
    expect(exitCodeOf(new UsageError("x"))).toBe(2);
    expect(exitCodeOf(new Error("x"))).toBe(1);
    expect(exitCodeOf(new CommanderError(0, "commander.helpDisplayed", ""))).toBe(0);
    expect(exitCodeOf(new CommanderError(1, "commander.unknownCommand", ""))).toBe(2);
  });
});
