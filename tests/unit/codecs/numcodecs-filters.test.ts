/**
 * The numcodecs filters and the v3 cast_value / scale_offset codecs: round trips (both
 * positions of a filter: after `bytes` as v2 writes it, before `bytes` as zarr-python 3 writes
 * it), checksum failures naming the chunk key, decode ceilings, configuration errors, refusals;
 * and, when Python with numcodecs is available, zarr-plan's encoded chunks decoded by numcodecs.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allocate, type DataTypeName, dataType } from "../../../src/core/dtype.js";
import { ChecksumError, isZarrPlanError, MetadataError } from "../../../src/core/errors.js";
import { cStrides, type NDArray } from "../../../src/core/ndarray.js";
import { createCodecPipeline } from "../../../src/format/codecs/index.js";
import type { CodecSpec } from "../../../src/format/model.js";

const PYTHON = process.env.ZARR_PLAN_PYTHON ?? "/tmp/pb-venv/bin/python";
const hasNumcodecs =
  existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import numcodecs"]).status === 0;

const bytesLE: CodecSpec = { name: "bytes", configuration: { endian: "little" } };

function arr(
  name: DataTypeName,
  values: readonly (number | bigint)[],
  shape = [values.length],
): NDArray {
  const dt = dataType(name);
  const data = allocate(dt, values.length) as unknown as { [i: number]: number | bigint };
  values.forEach((v, i) => {
    data[i] = v;
  });
  return { data: data as never, shape, strides: cStrides(shape), dtype: dt };
}

function pipeline(
  name: DataTypeName,
  shape: number[],
  codecs: CodecSpec[],
  fillValue: number | boolean = 0,
) {
  return createCodecPipeline(codecs, { shape, dataType: dataType(name), fillValue }, "a/zarr.json");
}

const ctx = { key: "a/c/0" };

async function roundTrip(name: DataTypeName, a: NDArray, codecs: CodecSpec[]) {
  const p = pipeline(name, [...a.shape], codecs);
  const encoded = await p.encode(a, ctx);
  return { encoded, decoded: await p.decode(encoded, ctx) };
}

const floats = [1000.25, 999.5, -3.125, 1234.5678, 0, 1e-3, 2.5, 3.5];

describe("byte filters round-trip exactly", () => {
  const cases: [string, CodecSpec][] = [
    ["shuffle", { name: "numcodecs.shuffle", configuration: { elementsize: 8 } }],
    ["shuffle elementsize 1", { name: "numcodecs.shuffle", configuration: { elementsize: 1 } }],
    ["adler32", { name: "numcodecs.adler32" }],
    ["adler32 end", { name: "numcodecs.adler32", configuration: { location: "end" } }],
    ["crc32", { name: "numcodecs.crc32" }],
    ["fletcher32", { name: "numcodecs.fletcher32" }],
  ];
  for (const [label, codec] of cases) {
    it(label, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.double({ noNaN: true }), { minLength: 1, maxLength: 40 }),
          async (vals) => {
            const a = arr("float64", vals);
            const { encoded, decoded } = await roundTrip("float64", a, [bytesLE, codec]);
            expect(encoded.length).toBe(vals.length * 8 + (label.startsWith("shuffle") ? 0 : 4));
            expect([...(decoded.data as Float64Array)]).toEqual([...(a.data as Float64Array)]);
          },
        ),
        { numRuns: 25 },
      );
    });
  }

  it("a shuffle of a buffer that is not whole elements is a CodecError", async () => {
    const p = pipeline(
      "uint8",
      [6],
      [bytesLE, { name: "numcodecs.shuffle", configuration: { elementsize: 4 } }],
    );
    await expect(p.encode(arr("uint8", [1, 2, 3, 4, 5, 6]), ctx)).rejects.toMatchObject({
      code: "ERR_CODEC",
    });
  });
});

describe("checksums: a mismatch is a ChecksumError naming the chunk key", () => {
  for (const name of ["numcodecs.adler32", "numcodecs.crc32", "numcodecs.fletcher32"]) {
    it(name, async () => {
      const p = pipeline("int32", [4], [bytesLE, { name }]);
      const enc = await p.encode(arr("int32", [1, 2, 3, 4]), ctx);
      const bad = enc.slice();
      bad[name === "numcodecs.fletcher32" ? 0 : 5]! ^= 1;
      const err = await p.decode(bad, ctx).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChecksumError);
      expect((err as ChecksumError).key).toBe("a/c/0");
      expect((err as Error).message).toContain(name);
      await expect(p.decode(enc.subarray(0, 3), ctx)).rejects.toMatchObject({ code: "ERR_CODEC" });
    });
  }
});

describe("value filters, after bytes (v2) and before bytes (v3)", () => {
  const placements = (codec: CodecSpec): [string, CodecSpec[]][] => [
    ["after bytes", [bytesLE, codec]],
    ["before bytes", [codec, bytesLE]],
  ];

  for (const [where, codecs] of placements({
    name: "numcodecs.fixedscaleoffset",
    configuration: { offset: 1000, scale: 10, dtype: "<f8", astype: "<u2" },
  })) {
    it(`fixedscaleoffset ${where}: round((x - offset) * scale) as uint16, decoded within 1/scale`, async () => {
      const a = arr("float64", [1000.25, 1001.04, 1000.05, 1000.15, 1006.5535]);
      const { encoded, decoded } = await roundTrip("float64", a, codecs);
      expect(encoded.length).toBe(10);
      // 2.5 → 2 (half to even), 10.4 → 10, 0.4999… → 0, 1.4999… → 1, 65.535 → 66 (as numcodecs 0.16.5)
      expect([...new Uint16Array(encoded.slice().buffer)]).toEqual([2, 10, 0, 1, 66]);
      expect([...(decoded.data as Float64Array)]).toEqual([1000.2, 1001, 1000, 1000.1, 1006.6]);
    });
  }

  for (const [where, codecs] of placements({
    name: "numcodecs.quantize",
    configuration: { digits: 2, dtype: "<f8" },
  })) {
    it(`quantize ${where}: multiples of 2^-7, idempotent`, async () => {
      const { decoded } = await roundTrip("float64", arr("float64", floats), codecs);
      const q = [...(decoded.data as Float64Array)];
      for (const [i, v] of q.entries()) {
        expect(Number.isInteger(v * 128)).toBe(true);
        expect(Math.abs(v - floats[i]!)).toBeLessThanOrEqual(1 / 256);
      }
      const again = await roundTrip("float64", arr("float64", q), codecs);
      expect([...(again.decoded.data as Float64Array)]).toEqual(q);
    });
  }

  for (const [where, codecs] of placements({
    name: "numcodecs.astype",
    configuration: { encode_dtype: "<i2", decode_dtype: "<i8" },
  })) {
    it(`astype ${where}: int64 stored as int16 (wrapping out-of-range values, as C casts)`, async () => {
      const { encoded, decoded } = await roundTrip(
        "int64",
        arr("int64", [1n, -2n, 32767n, 65537n]),
        codecs,
      );
      expect(encoded.length).toBe(8);
      expect([...(decoded.data as BigInt64Array)]).toEqual([1n, -2n, 32767n, 1n]);
    });
  }

  for (const [where, codecs] of placements({
    name: "numcodecs.bitround",
    configuration: { keepbits: 3 },
  })) {
    it(`bitround ${where}: keeps 3 mantissa bits, idempotent`, async () => {
      const { decoded } = await roundTrip(
        "float32",
        arr("float32", [1.0, 1.1, 1.2, 3.3, -7.77]),
        codecs,
      );
      const r = [...(decoded.data as Float32Array)];
      // numcodecs 0.16.5 gives the same values
      expect(r).toEqual([1, 1.125, 1.25, 3.25, -8]);
      const again = await roundTrip("float32", arr("float32", r), codecs);
      expect([...(again.decoded.data as Float32Array)]).toEqual(r);
    });
  }

  for (const [where, codecs] of placements({ name: "numcodecs.packbits" })) {
    it(`packbits ${where}: a padding byte then bits, first element high`, async () => {
      const bits = [1, 0, 1, 1, 0, 0, 0, 0, 1, 1];
      const a = arr("bool", bits, [2, 5]);
      const { encoded, decoded } = await roundTrip("bool", a, codecs);
      expect([...encoded]).toEqual([6, 0b10110000, 0b11000000]);
      expect([...(decoded.data as Uint8Array)]).toEqual(bits);
    });
  }

  it("a filter before bytes whose dtype is not the chunk's is a MetadataError", () => {
    expect(() =>
      pipeline(
        "float32",
        [4],
        [
          {
            name: "numcodecs.fixedscaleoffset",
            configuration: { offset: 0, scale: 1, dtype: "<f8" },
          },
          bytesLE,
        ],
      ),
    ).toThrow(/codecs\[0\]\.configuration.*float32/);
  });

  it("decoding past the ceiling fails before allocating", async () => {
    const p = pipeline("bool", [8], [bytesLE, { name: "numcodecs.packbits" }]);
    await expect(p.decode(new Uint8Array(1000), ctx)).rejects.toThrow(
      /decodes to more than the expected 8 bytes/,
    );
    const q = pipeline(
      "float64",
      [2],
      [
        bytesLE,
        { name: "numcodecs.astype", configuration: { encode_dtype: "|u1", decode_dtype: "<f8" } },
      ],
    );
    await expect(q.decode(new Uint8Array(1000), ctx)).rejects.toThrow(
      /decodes to more than the expected 16 bytes/,
    );
  });

  it("bad configurations name the field", () => {
    const bad: [CodecSpec, RegExp][] = [
      [
        {
          name: "numcodecs.fixedscaleoffset",
          configuration: { offset: 0, scale: "x", dtype: "<f8" },
        },
        /configuration\.scale/,
      ],
      [
        {
          name: "numcodecs.fixedscaleoffset",
          configuration: { offset: 0, scale: 1, dtype: "<U4" },
        },
        /configuration\.dtype/,
      ],
      [
        { name: "numcodecs.quantize", configuration: { digits: 2, dtype: "<i4" } },
        /configuration\.dtype/,
      ],
      [{ name: "numcodecs.bitround", configuration: { keepbits: 60 } }, /configuration\.keepbits/],
      [
        { name: "numcodecs.adler32", configuration: { location: "middle" } },
        /configuration\.location/,
      ],
      [
        { name: "numcodecs.astype", configuration: { encode_dtype: "<c8", decode_dtype: "<f8" } },
        /configuration\.encode_dtype/,
      ],
    ];
    for (const [codec, re] of bad) {
      expect(() => pipeline("float64", [2], [bytesLE, codec])).toThrow(MetadataError);
      expect(() => pipeline("float64", [2], [bytesLE, codec])).toThrow(re);
    }
  });

  it("NumPy spellings of dtypes are accepted (float64, f8, =f8, d)", async () => {
    for (const dtype of ["float64", "f8", "=f8", "d", ">f8"]) {
      const { decoded } = await roundTrip("float64", arr("float64", [1.5, 2.25]), [
        bytesLE,
        { name: "numcodecs.astype", configuration: { encode_dtype: "<f4", decode_dtype: dtype } },
      ]);
      if (dtype !== ">f8") expect([...(decoded.data as Float64Array)]).toEqual([1.5, 2.25]);
    }
  });
});

describe("refused codecs say why", () => {
  for (const name of [
    "numcodecs.zfpy",
    "numcodecs.pcodec",
    "numcodecs.categorize",
    "numcodecs.lzma",
  ]) {
    it(name, () => {
      let err: unknown;
      try {
        pipeline("float64", [2], [bytesLE, { name }]);
      } catch (e) {
        err = e;
      }
      expect(isZarrPlanError(err, "ERR_UNKNOWN_CODEC")).toBe(true);
      expect((err as Error).message).toMatch(/not supported: .{20,}/);
    });
  }
  it("an unknown name has no reason", () => {
    expect(() => pipeline("float64", [2], [bytesLE, { name: "nope" }])).toThrow(
      /unknown codec "nope"/,
    );
  });
});

describe("cast_value (zarr-extensions)", () => {
  const cast = (config: Record<string, unknown>): CodecSpec => ({
    name: "cast_value",
    configuration: config,
  });

  it("rounds each way", async () => {
    const vals = [2.5, -2.5, 1.4, -1.6];
    const want: Record<string, number[]> = {
      "nearest-even": [2, -2, 1, -2],
      "towards-zero": [2, -2, 1, -1],
      "towards-positive": [3, -2, 2, -1],
      "towards-negative": [2, -3, 1, -2],
      "nearest-away": [3, -3, 1, -2],
    };
    for (const [rounding, expected] of Object.entries(want)) {
      const { encoded } = await roundTrip("float64", arr("float64", vals), [
        cast({ data_type: "int8", rounding }),
        bytesLE,
      ]);
      expect([...new Int8Array(encoded.slice().buffer)], rounding).toEqual(expected);
    }
  });

  it("out_of_range: error (default, names the key), clamp, wrap; NaN is always an error", async () => {
    const a = arr("float64", [300, -1]);
    await expect(roundTrip("float64", a, [cast({ data_type: "uint8" }), bytesLE])).rejects.toThrow(
      /a\/c\/0.*cannot cast 300 to uint8/,
    );
    const clamp = await roundTrip("float64", a, [
      cast({ data_type: "uint8", out_of_range: "clamp" }),
      bytesLE,
    ]);
    expect([...clamp.encoded]).toEqual([255, 0]);
    const wrap = await roundTrip("float64", a, [
      cast({ data_type: "uint8", out_of_range: "wrap" }),
      bytesLE,
    ]);
    expect([...wrap.encoded]).toEqual([44, 255]);
    expect([...(wrap.decoded.data as Float64Array)]).toEqual([44, 255]);
    await expect(
      roundTrip("float64", arr("float64", [Number.NaN]), [
        cast({ data_type: "int32", out_of_range: "clamp" }),
        bytesLE,
      ]),
    ).rejects.toThrow(/NaN/);
  });

  it("int64 values survive a cast to float64 and back when exact", async () => {
    const { decoded } = await roundTrip("int64", arr("int64", [2n ** 52n, -5n]), [
      cast({ data_type: "float64" }),
      bytesLE,
    ]);
    expect([...(decoded.data as BigInt64Array)]).toEqual([2n ** 52n, -5n]);
  });

  it("rejects unknown keys and non-numeric types", () => {
    expect(() =>
      pipeline("float64", [2], [cast({ data_type: "int8", extra: 1 }), bytesLE]),
    ).toThrow(/configuration\.extra/);
    expect(() => pipeline("float64", [2], [cast({ data_type: "complex64" }), bytesLE])).toThrow(
      /configuration\.data_type/,
    );
  });
});

describe("scale_offset (zarr-extensions)", () => {
  it("(x - offset) * scale, then cast_value to int16, and back", async () => {
    const codecs: CodecSpec[] = [
      { name: "scale_offset", configuration: { offset: 5, scale: 10 } },
      { name: "cast_value", configuration: { data_type: "int16" } },
      bytesLE,
    ];
    const { encoded, decoded } = await roundTrip(
      "float64",
      arr("float64", [5, 5.5, 4.2, 105]),
      codecs,
    );
    expect([...new Int16Array(encoded.slice().buffer)]).toEqual([0, 5, -8, 1000]);
    expect([...(decoded.data as Float64Array)]).toEqual([5, 5.5, 4.2, 105]);
  });

  it("float32 arithmetic is float32; integer arrays are refused", async () => {
    const { encoded } = await roundTrip("float32", arr("float32", [0.1]), [
      { name: "scale_offset", configuration: { offset: 0.1, scale: 3 } },
      bytesLE,
    ]);
    expect(new Float32Array(encoded.slice().buffer)[0]).toBe(0);
    expect(() =>
      pipeline(
        "int32",
        [2],
        [{ name: "scale_offset", configuration: { offset: 1, scale: 2 } }, bytesLE],
      ),
    ).toThrow(/float32 and float64/);
  });
});

describe("numcodecs decodes what zarr-plan encodes", () => {
  const cases: {
    id: string;
    config: Record<string, unknown>;
    dtype: DataTypeName;
    npy: string;
    values: number[];
  }[] = [
    { id: "shuffle", config: { elementsize: 8 }, dtype: "float64", npy: "<f8", values: floats },
    { id: "adler32", config: {}, dtype: "float64", npy: "<f8", values: floats },
    { id: "crc32", config: { location: "end" }, dtype: "float64", npy: "<f8", values: floats },
    { id: "fletcher32", config: {}, dtype: "float64", npy: "<f8", values: floats.slice(0, 5) },
    {
      id: "fixedscaleoffset",
      config: { offset: 1000, scale: 10, dtype: "<f8", astype: "<i4" },
      dtype: "float64",
      npy: "<f8",
      values: floats,
    },
    {
      id: "quantize",
      config: { digits: 1, dtype: "<f4" },
      dtype: "float32",
      npy: "<f4",
      values: floats,
    },
    { id: "bitround", config: { keepbits: 5 }, dtype: "float32", npy: "<f4", values: floats },
    {
      id: "astype",
      config: { encode_dtype: "<f4", decode_dtype: "<f8" },
      dtype: "float64",
      npy: "<f8",
      values: floats,
    },
    {
      id: "packbits",
      config: {},
      dtype: "bool",
      npy: "|b1",
      values: [1, 0, 0, 1, 1, 1, 0, 1, 0, 1, 1],
    },
  ];
  for (const c of cases) {
    it.skipIf(!hasNumcodecs)(`${c.id} (needs python with numcodecs at ${PYTHON})`, async () => {
      const a = arr(c.dtype, c.values);
      const p = pipeline(
        c.dtype,
        [c.values.length],
        [bytesLE, { name: `numcodecs.${c.id}`, configuration: c.config }],
      );
      const encoded = await p.encode(a, ctx);
      const decoded = await p.decode(encoded, ctx);
      const script = [
        "import sys, json, base64, numpy as np, numcodecs",
        "cfg = json.loads(sys.argv[1]); dt = sys.argv[2]",
        "codec = numcodecs.get_codec(cfg)",
        "out = np.frombuffer(bytes(np.ascontiguousarray(codec.decode(base64.b64decode(sys.argv[3]))).view('u1')), dtype=dt)",
        "sys.stdout.write(base64.b64encode(out.tobytes()).decode())",
      ].join("\n");
      const r = spawnSync(PYTHON, [
        "-c",
        script,
        JSON.stringify({ id: c.id, ...c.config }),
        c.npy,
        Buffer.from(encoded).toString("base64"),
      ]);
      expect(r.stderr.toString()).toBe("");
      const fromPython = Buffer.from(r.stdout.toString(), "base64");
      const ours = new Uint8Array(
        (decoded.data as Uint8Array).buffer,
        (decoded.data as Uint8Array).byteOffset,
        (decoded.data as Uint8Array).byteLength,
      );
      expect(new Uint8Array(fromPython)).toEqual(ours);
    });
  }
});

describe("every new codec's metadata form rebuilds the same codec (what decode workers do)", () => {
  const specs: [DataTypeName, CodecSpec[]][] = [
    ["float64", [bytesLE, { name: "numcodecs.shuffle", configuration: { elementsize: 8 } }]],
    ["float64", [bytesLE, { name: "numcodecs.adler32", configuration: { location: "end" } }]],
    ["float64", [bytesLE, { name: "numcodecs.crc32" }]],
    ["float64", [bytesLE, { name: "numcodecs.fletcher32" }]],
    ["float32", [bytesLE, { name: "numcodecs.bitround", configuration: { keepbits: 4 } }]],
    [
      "float64",
      [
        bytesLE,
        {
          name: "numcodecs.fixedscaleoffset",
          configuration: { offset: 1, scale: 2, dtype: "float64", astype: "i4" },
        },
      ],
    ],
    [
      "float64",
      [bytesLE, { name: "numcodecs.quantize", configuration: { digits: 3, dtype: "<f8" } }],
    ],
    [
      "int32",
      [
        bytesLE,
        { name: "numcodecs.astype", configuration: { encode_dtype: "<i2", decode_dtype: "<i4" } },
      ],
    ],
    ["bool", [bytesLE, { name: "numcodecs.packbits" }]],
    ["bool", [{ name: "numcodecs.packbits" }, bytesLE]],
    [
      "float64",
      [
        { name: "scale_offset", configuration: { offset: "NaN", scale: 2 } },
        { name: "cast_value", configuration: { data_type: "float32", out_of_range: "clamp" } },
        bytesLE,
      ],
    ],
  ];
  for (const [dt, codecs] of specs) {
    it(codecs.map((c) => c.name).join(" + "), () => {
      const p = pipeline(dt, [4], codecs);
      const again = pipeline(dt, [4], p.toJSON());
      expect(again.toJSON()).toEqual(p.toJSON());
      expect(p.bytesStage?.decodedSize).toBe(again.bytesStage?.decodedSize);
    });
  }
});

describe("reshape (zarr-extensions)", () => {
  const reshape = (shape: unknown): CodecSpec => ({ name: "reshape", configuration: { shape } });
  const values = Array.from({ length: 24 }, (_, i) => i);

  for (const shape of [[-1], [[0, 1], [2]], [6, 4], [[0], -1], [2, [1], 4]] as unknown[]) {
    it(`[2, 3, 4] → ${JSON.stringify(shape)}: same elements in C order, and back`, async () => {
      const a = arr("int16", values, [2, 3, 4]);
      const p = pipeline("int16", [2, 3, 4], [reshape(shape), bytesLE]);
      const encoded = await p.encode(a, ctx);
      expect([...new Int16Array(encoded.slice().buffer)]).toEqual(values);
      const decoded = await p.decode(encoded, ctx);
      expect(decoded.shape).toEqual([2, 3, 4]);
      expect([...(decoded.data as Int16Array)]).toEqual(values);
    });
  }

  it("with transpose before it, reshapes the transposed order", async () => {
    const a = arr("int16", values, [2, 3, 4]);
    const p = pipeline(
      "int16",
      [2, 3, 4],
      [{ name: "transpose", configuration: { order: [2, 1, 0] } }, reshape([-1]), bytesLE],
    );
    const encoded = new Int16Array((await p.encode(a, ctx)).slice().buffer);
    // Element (i, j, k) is at k * 6 + j * 2 + i after the transpose.
    expect(encoded[1 * 6 + 2 * 2 + 1]).toBe(1 * 12 + 2 * 4 + 1);
    expect([...((await p.decode(await p.encode(a, ctx), ctx)).data as Int16Array)]).toEqual(values);
  });

  it("refuses shapes the spec forbids, naming configuration.shape", () => {
    for (const bad of [
      [-1, -1],
      [5, 5],
      [[1], [0]],
      [[1, 2], [0]],
      [[2], [0, 1]],
      [0],
      "x",
      [[7]],
    ]) {
      expect(
        () => pipeline("int16", [2, 3, 4], [reshape(bad), bytesLE]),
        JSON.stringify(bad),
      ).toThrow(/codecs\[0\]\.configuration\.shape/);
    }
  });
});

describe("random bytes never crash the new decoders (typed errors only)", () => {
  const pipelines: [DataTypeName, number[], CodecSpec[]][] = [
    ["float64", [5], [bytesLE, { name: "numcodecs.shuffle", configuration: { elementsize: 8 } }]],
    ["float64", [5], [bytesLE, { name: "numcodecs.adler32" }]],
    ["float64", [5], [bytesLE, { name: "numcodecs.fletcher32" }]],
    [
      "float64",
      [5],
      [bytesLE, { name: "numcodecs.quantize", configuration: { digits: 1, dtype: "<f8" } }],
    ],
    [
      "float64",
      [5],
      [
        bytesLE,
        {
          name: "numcodecs.fixedscaleoffset",
          configuration: { offset: 1, scale: 3, dtype: "<f8", astype: "|u1" },
        },
      ],
    ],
    ["bool", [2, 5], [bytesLE, { name: "numcodecs.packbits" }]],
    ["bool", [2, 5], [{ name: "numcodecs.packbits" }, bytesLE]],
    [
      "float64",
      [5],
      [
        { name: "numcodecs.astype", configuration: { encode_dtype: "<i2", decode_dtype: "<f8" } },
        bytesLE,
      ],
    ],
    ["int16", [5], [{ name: "cast_value", configuration: { data_type: "uint8" } }, bytesLE]],
    ["int16", [2, 3], [{ name: "reshape", configuration: { shape: [-1] } }, bytesLE]],
  ];
  for (const [dt, shape, codecs] of pipelines) {
    it(codecs.map((c) => c.name).join(" + "), async () => {
      const p = pipeline(dt, shape, codecs);
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 120 }), async (bytes) => {
          try {
            const a = await p.decode(bytes, ctx);
            expect(a.shape).toEqual(shape);
          } catch (e) {
            expect(isZarrPlanError(e), String(e)).toBe(true);
          }
        }),
        { numRuns: 60 },
      );
    });
  }
});
