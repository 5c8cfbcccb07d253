/** Pipeline construction, ordering rules, the registry, fill values and error conversion. */
import { describe, expect, it } from "vitest";
import { dataType, type Scalar } from "../../../src/core/dtype.js";
import { CodecError, MetadataError, UnknownCodecError } from "../../../src/core/errors.js";
import type { NDArray } from "../../../src/core/ndarray.js";
import {
  type ArrayToArrayCodec,
  type BytesToBytesCodec,
  createCodecPipeline,
  getCodecFactory,
  registerCodec,
  registeredCodecs,
} from "../../../src/format/codecs/index.js";
import type { CodecSpec } from "../../../src/format/model.js";
import { ALL_DTYPES, diff, sample } from "./helpers.js";

const LE: CodecSpec = { name: "bytes", configuration: { endian: "little" } };
const spec = { shape: [3, 4], dataType: dataType("int16"), fillValue: 0 };

function metadataFailure(codecs: CodecSpec[]): MetadataError {
  try {
    createCodecPipeline(codecs, spec, "a/b/zarr.json");
  } catch (e) {
    expect(e).toBeInstanceOf(MetadataError);
    expect((e as MetadataError).key).toBe("a/b/zarr.json");
    return e as MetadataError;
  }
  throw new Error("expected a MetadataError");
}

describe("createCodecPipeline validation", () => {
  it("unknown codecs raise UnknownCodecError naming the field", () => {
    const e = metadataFailure([LE, { name: "lzma" }]);
    expect(e).toBeInstanceOf(UnknownCodecError);
    expect((e as UnknownCodecError).codec).toBe("lzma");
    expect(e.issues[0]!.field).toBe("codecs[1].name");
  });

  it("enforces array→array, one array→bytes, bytes→bytes order", () => {
    const gzip = { name: "gzip", configuration: { level: 1 } };
    const transpose = { name: "transpose", configuration: { order: [1, 0] } };
    expect(metadataFailure([gzip, LE]).issues[0]!.field).toBe("codecs[0]");
    expect(metadataFailure([LE, transpose]).issues[0]!.field).toBe("codecs[1]");
    expect(metadataFailure([LE, LE]).issues[0]!.message).toMatch(/second array→bytes/);
    expect(metadataFailure([transpose]).issues[0]!.field).toBe("codecs");
    expect(metadataFailure([]).issues[0]!.message).toMatch(/exactly one array→bytes/);
    expect(metadataFailure({} as unknown as CodecSpec[]).issues[0]!.field).toBe("codecs");
    expect(metadataFailure([LE, "gzip" as unknown as CodecSpec]).issues[0]!.field).toBe(
      "codecs[1]",
    );
    expect(
      metadataFailure([
        { name: "bytes", configuration: "little" as unknown as Record<string, unknown> },
      ]).issues[0]!.field,
    ).toBe("codecs[0].configuration");
    expect(
      metadataFailure([LE, { name: "zstd", configuration: { level: 99 } }]).issues[0]!.field,
    ).toBe("codecs[1].configuration.level");
  });

  it("exposes the codecs by kind and the fixed encoded size", () => {
    const p = createCodecPipeline(
      [{ name: "transpose", configuration: { order: [1, 0] } }, LE, { name: "crc32c" }],
      spec,
      "zarr.json",
    );
    expect(p.arrayToArray.map((c) => c.name)).toEqual(["transpose"]);
    expect(p.arrayToBytes.name).toBe("bytes");
    expect(p.bytesToBytes.map((c) => c.name)).toEqual(["crc32c"]);
    expect(p.encodedSize()).toBe(3 * 4 * 2 + 4);
    expect(p.sharding).toBeUndefined();
    expect(
      createCodecPipeline(
        [LE, { name: "gzip", configuration: { level: 1 } }],
        spec,
        "zarr.json",
      ).encodedSize(),
    ).toBeUndefined();
  });

  it("registers every built-in codec", () => {
    for (const name of [
      "bytes",
      "transpose",
      "gzip",
      "zlib",
      "zstd",
      "blosc",
      "crc32c",
      "sharding_indexed",
      "numcodecs.zlib",
      "numcodecs.gzip",
      "numcodecs.zstd",
      "numcodecs.blosc",
      "numcodecs.lz4",
      "numcodecs.delta",
    ]) {
      expect(getCodecFactory(name), name).toBeTypeOf("function");
      expect(registeredCodecs()).toContain(name);
    }
    expect(getCodecFactory("nope")).toBeUndefined();
  });
});

describe("custom codecs and error conversion", () => {
  class Negate implements ArrayToArrayCodec {
    readonly kind = "array_to_array" as const;
    readonly name = "test.negate";
    resolveSpec(s: typeof spec) {
      return s;
    }
    encode(a: NDArray): NDArray {
      const out = sample(a.dtype, a.shape);
      const src = a.data as Int16Array;
      const dst = out.data as Int16Array;
      for (let i = 0; i < dst.length; i++) dst[i] = -src[(a.offset ?? 0) + i]!;
      return out;
    }
    decode(a: NDArray): NDArray {
      return this.encode(a);
    }
    toJSON(): CodecSpec {
      return { name: this.name };
    }
  }
  class Broken implements BytesToBytesCodec {
    readonly kind = "bytes_to_bytes" as const;
    readonly name = "test.broken";
    async encode(b: Uint8Array) {
      return b;
    }
    async decode(): Promise<Uint8Array> {
      throw new TypeError("wasm exploded");
    }
    toJSON(): CodecSpec {
      return { name: this.name };
    }
  }
  registerCodec("test.negate", () => new Negate());
  registerCodec("test.broken", () => new Broken());
  registerCodec("test.badconfig", (c, _s, key) => {
    throw new MetadataError(key, [{ field: "configuration.x", message: `bad x ${String(c.x)}` }]);
  });

  it("uses registered codecs", async () => {
    const p = createCodecPipeline([{ name: "test.negate" }, LE], spec, "zarr.json");
    const a = sample(spec.dataType, spec.shape);
    const bytes = await p.encode(a, { key: "k" });
    expect(new Int16Array(bytes.buffer, bytes.byteOffset, 12)[1]).toBe(-(a.data as Int16Array)[1]!);
    expect(diff(await p.decode(bytes, { key: "k" }), a)).toBeUndefined();
  });

  it("turns third-party exceptions into CodecError with key, codec and cause", async () => {
    const p = createCodecPipeline([LE, { name: "test.broken" }], spec, "zarr.json");
    const err = await p.decode(new Uint8Array(24), { key: "x/c/9" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodecError);
    expect((err as CodecError).key).toBe("x/c/9");
    expect((err as CodecError).codec).toBe("test.broken");
    expect((err as CodecError).cause).toBeInstanceOf(TypeError);
    expect((err as Error).message).toMatch(/wasm exploded/);
  });

  it("prefixes a factory's MetadataError fields with the codec position", () => {
    expect(
      metadataFailure([LE, { name: "test.badconfig", configuration: { x: 3 } }]).issues[0]!.field,
    ).toBe("codecs[1].configuration.x");
  });

  it("rejects chunks of the wrong shape or data type", async () => {
    const p = createCodecPipeline([LE], spec, "zarr.json");
    await expect(p.encode(sample(spec.dataType, [4, 3]), { key: "k" })).rejects.toBeInstanceOf(
      RangeError,
    );
    await expect(p.encode(sample(dataType("int32"), [3, 4]), { key: "k" })).rejects.toBeInstanceOf(
      RangeError,
    );
  });
});

describe("fill values", () => {
  const fills: Record<string, Scalar> = {
    bool: true,
    int8: -3,
    int16: 300,
    int32: -70000,
    int64: -(2n ** 40n),
    uint8: 200,
    uint16: 65535,
    uint32: 4_000_000_000,
    uint64: 2n ** 64n - 1n,
    float16: -1.5,
    float32: Number.NaN,
    float64: Number.NEGATIVE_INFINITY,
    complex64: [1.5, Number.NaN],
    complex128: [-0.5, 2],
    bytes: new Uint8Array([65, 66]),
  };
  for (const dt of ALL_DTYPES) {
    it(`fillChunk / isFill for ${dt.name}`, () => {
      const fill = fills[dt.name]!;
      const p = createCodecPipeline(
        [LE],
        { shape: [3, 5], dataType: dt, fillValue: fill },
        "zarr.json",
      );
      const a = p.fillChunk();
      expect(a.shape).toEqual([3, 5]);
      expect(a.strides).toEqual([5, 1]);
      expect(p.isFill(a)).toBe(true);
      const d = a.data as unknown as { [i: number]: number | bigint };
      if (dt.name === "bytes") expect([d[0], d[1], d[2], d[8], d[9]]).toEqual([65, 66, 0, 65, 66]);
      // strided and offset views of a fill chunk are fill
      expect(p.isFill({ ...a, shape: [2, 2], strides: [5, 2], offset: 3 })).toBe(true);
      // change one element: no longer fill, also through a strided view covering it
      const other = sample(dt, [1]).data as unknown as { [i: number]: number | bigint };
      for (let l = 0; l < dt.lanes; l++) d[7 * dt.lanes + l] = other[l]!;
      if (dt.name === "bool") d[7] = 0;
      expect(p.isFill(a)).toBe(false);
      expect(p.isFill({ ...a, shape: [3, 2], strides: [5, 2], offset: 0 })).toBe(false); // holds element 7
      expect(p.isFill({ ...a, shape: [3, 2], strides: [5, 2], offset: 1 })).toBe(true);
      // fillChunk returns a fresh copy
      expect(p.isFill(p.fillChunk())).toBe(true);
    });
  }

  it("NaN equals NaN, -0 equals 0, stride-0 views are handled", () => {
    const p = createCodecPipeline(
      [LE],
      { shape: [4], dataType: dataType("float64"), fillValue: 0 },
      "zarr.json",
    );
    expect(
      p.isFill({
        data: new Float64Array([0, -0, 0, 0]),
        shape: [4],
        strides: [1],
        dtype: dataType("float64"),
      }),
    ).toBe(true);
    expect(
      p.isFill({
        data: new Float64Array([Number.NaN, 0, 0, 0]),
        shape: [4],
        strides: [1],
        dtype: dataType("float64"),
      }),
    ).toBe(false);
    expect(
      p.isFill({
        data: new Float64Array([1, 0]),
        shape: [4],
        strides: [0],
        dtype: dataType("float64"),
        offset: 1,
      }),
    ).toBe(true);
    expect(
      p.isFill({
        data: new Float64Array([1, 0]),
        shape: [4],
        strides: [0],
        dtype: dataType("float64"),
        offset: 0,
      }),
    ).toBe(false);
    const n = createCodecPipeline(
      [LE],
      { shape: [2, 2], dataType: dataType("float32"), fillValue: Number.NaN },
      "zarr.json",
    );
    expect(
      n.isFill({
        data: new Float32Array(4).fill(Number.NaN),
        shape: [2, 2],
        strides: [2, 1],
        dtype: dataType("float32"),
      }),
    ).toBe(true);
    expect(
      n.isFill({
        data: new Float32Array([Number.NaN, Number.NaN, Number.NaN, 1]),
        shape: [2, 2],
        strides: [2, 1],
        dtype: dataType("float32"),
      }),
    ).toBe(false);
    const z = createCodecPipeline(
      [LE],
      { shape: [], dataType: dataType("int64"), fillValue: 7 },
      "zarr.json",
    );
    expect([...z.fillChunk().data]).toEqual([7n]);
  });
});

describe("encode in two halves (encodeArray, encodeBytes)", () => {
  const chains: Record<string, CodecSpec[]> = {
    "bytes only": [LE],
    "transpose + bytes big + zstd + crc32c": [
      { name: "transpose", configuration: { order: [1, 0] } },
      { name: "bytes", configuration: { endian: "big" } },
      { name: "zstd", configuration: { level: 1 } },
      { name: "crc32c" },
    ],
    "bytes + gzip": [LE, { name: "gzip", configuration: { level: 1 } }],
  };
  for (const [name, codecs] of Object.entries(chains)) {
    it(`${name}: encodeBytes(encodeArray(x)) is encode(x); encodeArray gives the stage's input size`, async () => {
      const p = createCodecPipeline(codecs, spec, "zarr.json");
      for (const seed of [1, 2, 3]) {
        const chunk = sample(spec.dataType, spec.shape, seed);
        const raw = await p.encodeArray(chunk, { key: "c/0" });
        expect(raw.length).toBe(3 * 4 * 2);
        if (p.bytesStage) expect(raw.length).toBe(p.bytesStage.decodedSize);
        const stored = await p.encodeBytes(raw, { key: "c/0" });
        expect(stored).toEqual(await p.encode(chunk, { key: "c/0" }));
        expect(await p.decodeBytes(stored, { key: "c/0" })).toEqual(raw);
        if (p.bytesToBytes.length === 0) expect(stored).toBe(raw);
      }
    });
  }
});

describe("bytesStage", () => {
  it("is made once per pipeline: the same frozen object each time (decode workers cache by it)", () => {
    const p = createCodecPipeline(
      [
        { name: "bytes", configuration: { endian: "little" } },
        { name: "gzip", configuration: { level: 1 } },
      ],
      spec,
      "zarr.json",
    );
    const stage = p.bytesStage;
    expect(stage?.codecs).toEqual([{ name: "gzip", configuration: { level: 1 } }]);
    expect(stage?.decodedSize).toBe(3 * 4 * 2);
    expect(p.bytesStage).toBe(stage);
    expect(Object.isFrozen(stage)).toBe(true);
    const plain = createCodecPipeline(
      [{ name: "bytes", configuration: { endian: "little" } }],
      spec,
      "zarr.json",
    );
    expect(plain.bytesStage).toBeUndefined();
    expect(plain.bytesStage).toBeUndefined();
  });
});
