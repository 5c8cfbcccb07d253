/**
 * Every array of the round-trip write suite (every data type × codec pipeline, special fill
 * values) writes v3 metadata with every field the core and codec specs require — complete codec
 * configurations, registered codec names (`numcodecs.zlib`, not `zlib`), fill values in their
 * JSON form (`-0.0`, `"NaN"`, float16 rounded once) — and reads back identically.
 */
import { describe, expect, it } from "vitest";
import { float16ToNumber, numberToFloat16 } from "../../../src/core/dtype.js";
import { createArray, openArray } from "../../../src/hierarchy/index.js";
import { MemoryStore } from "../../../src/store/memory.js";
import { diffArrays } from "../../helpers/compare.js";
import { v3ArrayIssues } from "../../helpers/v3-spec.js";
import { writeCase, writeCases } from "../../helpers/write-suite.js";

const text = async (store: MemoryStore, key: string) =>
  new TextDecoder().decode((await store.get(key))!);

describe("written v3 metadata follows the specs", () => {
  for (const c of writeCases()) {
    it(c.path, async () => {
      const store = new MemoryStore();
      await writeCase(store, c);
      const json = await text(store, `${c.path}/zarr.json`);
      expect(v3ArrayIssues(JSON.parse(json))).toEqual([]);
      const back = await (await openArray(store, c.path)).read();
      expect(diffArrays(back, c.expected)).toBeUndefined();
    });
  }
});

describe("fill values and codec names as written", () => {
  const cases = new Map(writeCases().map((c) => [c.path, c]));
  const written = async (path: string) => {
    const store = new MemoryStore();
    await writeCase(store, cases.get(path)!);
    return { store, json: await text(store, `${path}/zarr.json`) };
  };

  it("writes -0.0 as a float literal, NaN and Infinity as the spec strings", async () => {
    expect((await written("float64/fill-negzero")).json).toMatch(/"fill_value": -0\.0\b/);
    expect(JSON.parse((await written("float32/fill-nan")).json).fill_value).toBe("NaN");
    expect(JSON.parse((await written("float64/fill-inf")).json).fill_value).toBe("Infinity");
    expect(JSON.parse((await written("complex64/fill-nan")).json).fill_value).toEqual(["NaN", -0]);
    const { store } = await written("float64/fill-negzero");
    expect(Object.is((await openArray(store, "float64/fill-negzero")).metadata.fillValue, -0)).toBe(
      true,
    );
  });

  it("rounds a float16 fill once to nearest even", async () => {
    const fill = JSON.parse((await written("float16/fill-doubleround")).json).fill_value;
    expect(fill).toBe(1.0009765625);
    expect(fill).toBe(float16ToNumber(numberToFloat16(fill)));
    const bf = JSON.parse((await written("bfloat16/fill-doubleround")).json);
    expect(bf.data_type).toBe("bfloat16");
    expect(bf.fill_value).toBe(1 + 2 ** -7);
  });

  it("writes zlib as numcodecs.zlib with its level, and completes every configuration", async () => {
    const zlib = JSON.parse((await written("int32/zlib")).json);
    expect(zlib.codecs).toEqual([
      { name: "bytes", configuration: { endian: "little" } },
      { name: "numcodecs.zlib", configuration: { level: 1 } },
    ]);
    const blosc = JSON.parse((await written("float64/blosc")).json);
    expect(blosc.codecs[1]).toEqual({
      name: "blosc",
      configuration: { cname: "lz4", clevel: 5, shuffle: "shuffle", typesize: 8, blocksize: 0 },
    });
    const gzip = JSON.parse((await written("uint16/gzip")).json);
    expect(gzip.codecs[1]).toEqual({ name: "gzip", configuration: { level: 5 } });
    const zstd = JSON.parse((await written("uint8/zstd")).json);
    expect(zstd.codecs).toEqual([
      { name: "bytes" },
      { name: "zstd", configuration: { level: 0, checksum: false } },
    ]);
    const shard = JSON.parse((await written("int16/sharded-start-blosc")).json);
    expect(shard.codecs[0].configuration.index_location).toBe("start");
    expect(shard.codecs[0].configuration.codecs[1].configuration.typesize).toBe(2);
  });

  it("the checker itself flags incomplete documents", () => {
    const doc = {
      zarr_format: 3,
      node_type: "array",
      shape: [4],
      data_type: "int32",
      chunk_grid: { name: "regular", configuration: { chunk_shape: [2] } },
      chunk_key_encoding: { name: "default" },
      fill_value: 0,
      codecs: [{ name: "bytes" }, { name: "zlib" }, { name: "blosc", configuration: {} }],
    };
    expect(v3ArrayIssues(doc)).toEqual([
      "codecs[0].configuration.endian: required for a 4-byte data type",
      'codecs[1]: codec name "zlib" is in no registry',
      "codecs[2].configuration.cname: required, missing",
      "codecs[2].configuration.clevel: required, missing",
      "codecs[2].configuration.shuffle: required, missing",
      "codecs[2].configuration.typesize: required, missing",
      "codecs[2].configuration.blocksize: required, missing",
      "codecs[2].configuration.shuffle: not a v3 shuffle name",
    ]);
  });
});

describe("written dates and raw bits follow the specs", () => {
  const cases = [
    { dtype: "datetime64", timeUnit: "ns", fillValue: -(2n ** 63n) },
    { dtype: "timedelta64", timeUnit: "D", scaleFactor: 7, fillValue: 3n },
    { dtype: "raw", bytesLength: 2, fillValue: new Uint8Array([1, 2]) },
    { dtype: "raw", bytesLength: 1 },
  ] as const;
  cases.forEach((c, i) => {
    it(`${c.dtype} #${i}`, async () => {
      const store = new MemoryStore();
      await createArray(store, "a", {
        shape: [5],
        chunks: [2],
        compressor: { name: "blosc" },
        ...c,
      } as never);
      const doc = JSON.parse(await text(store, "a/zarr.json"));
      expect(v3ArrayIssues(doc)).toEqual([]);
    });
  });
  it("the checker flags a bad datetime configuration and a raw fill of the wrong length", () => {
    const base = {
      zarr_format: 3,
      node_type: "array",
      shape: [1],
      chunk_grid: { name: "regular", configuration: { chunk_shape: [1] } },
      chunk_key_encoding: { name: "default" },
      codecs: [{ name: "bytes" }],
    };
    expect(
      v3ArrayIssues({
        ...base,
        data_type: { name: "numpy.datetime64", configuration: { unit: "s" } },
        fill_value: "NaT",
      }),
    ).toEqual([
      "data_type.configuration: expected {unit, scale_factor}",
      "codecs[0].configuration.endian: required for a 8-byte data type",
    ]);
    expect(v3ArrayIssues({ ...base, data_type: "r16", fill_value: [1] })).toEqual([
      "fill_value: 1 is not a permitted r16 fill value",
    ]);
  });
});
