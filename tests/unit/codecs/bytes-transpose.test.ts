/** The `bytes` and `transpose` codecs: byte layout, zero copy, endianness, dimension order. */
import { describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import { CodecError, MetadataError } from "../../../src/core/errors.js";
import { cStrides } from "../../../src/core/ndarray.js";
import { createCodecPipeline } from "../../../src/format/codecs/index.js";
import { diff, sample } from "./helpers.js";

const ctx = { key: "c/0" };

describe("bytes", () => {
  it("writes little- and big-endian words", async () => {
    const spec = { shape: [2], dataType: dataType("int32"), fillValue: 0 };
    const a = {
      data: new Int32Array([0x01020304, -2]),
      shape: [2],
      strides: [1],
      dtype: dataType("int32"),
    };
    const le = createCodecPipeline(
      [{ name: "bytes", configuration: { endian: "little" } }],
      spec,
      "zarr.json",
    );
    const be = createCodecPipeline(
      [{ name: "bytes", configuration: { endian: "big" } }],
      spec,
      "zarr.json",
    );
    expect([...(await le.encode(a, ctx))]).toEqual([4, 3, 2, 1, 0xfe, 0xff, 0xff, 0xff]);
    expect([...(await be.encode(a, ctx))]).toEqual([1, 2, 3, 4, 0xff, 0xff, 0xff, 0xfe]);
    expect([
      ...(await be.decode(new Uint8Array([1, 2, 3, 4, 0xff, 0xff, 0xff, 0xfe]), ctx)).data,
    ]).toEqual([0x01020304, -2]);
  });

  it("swaps each component of a complex number, never |S bytes, handles float16 and 64-bit", async () => {
    const c = {
      data: new Float32Array([1, -2]),
      shape: [1],
      strides: [1],
      dtype: dataType("complex64"),
    };
    const be = createCodecPipeline(
      [{ name: "bytes", configuration: { endian: "big" } }],
      { shape: [1], dataType: dataType("complex64"), fillValue: [0, 0] },
      "zarr.json",
    );
    expect([...(await be.encode(c, ctx))]).toEqual([0x3f, 0x80, 0, 0, 0xc0, 0, 0, 0]);
    const s = {
      data: new Uint8Array([65, 66, 67, 0]),
      shape: [1],
      strides: [1],
      dtype: dataType("bytes", 4),
    };
    const sp = createCodecPipeline(
      [{ name: "bytes", configuration: { endian: "big" } }],
      { shape: [1], dataType: dataType("bytes", 4), fillValue: new Uint8Array(4) },
      "zarr.json",
    );
    expect([...(await sp.encode(s, ctx))]).toEqual([65, 66, 67, 0]);
    const h = sample(dataType("float16"), [3]);
    const hp = createCodecPipeline(
      [{ name: "bytes", configuration: { endian: "big" } }],
      { shape: [3], dataType: dataType("float16"), fillValue: 0 },
      "zarr.json",
    );
    const hb = await hp.encode(h, ctx);
    expect(hb.length).toBe(6);
    expect(diff(await hp.decode(hb, ctx), h)).toBeUndefined();
    const u = {
      data: new BigUint64Array([0x0102030405060708n]),
      shape: [1],
      strides: [1],
      dtype: dataType("uint64"),
    };
    const up = createCodecPipeline(
      [{ name: "bytes", configuration: { endian: "big" } }],
      { shape: [1], dataType: dataType("uint64"), fillValue: 0n },
      "zarr.json",
    );
    expect([...(await up.encode(u, ctx))]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("is zero-copy for little-endian data in both directions", async () => {
    const dt = dataType("float64");
    const p = createCodecPipeline(
      [{ name: "bytes", configuration: { endian: "little" } }],
      { shape: [4, 4], dataType: dt, fillValue: 0 },
      "zarr.json",
    );
    const a = sample(dt, [4, 4]);
    const bytes = await p.encode(a, ctx);
    expect(bytes.buffer).toBe((a.data as Uint8Array).buffer);
    const back = await p.decode(bytes, ctx);
    expect((back.data as Uint8Array).buffer).toBe((a.data as Uint8Array).buffer);
    expect(back.strides).toEqual(cStrides([4, 4]));
    // a C-contiguous view at an offset is also not copied
    const big = sample(dt, [3, 4, 4]);
    const view = { ...big, shape: [4, 4], strides: [4, 1], offset: 16 };
    const vb = await p.encode(view, ctx);
    expect(vb.buffer).toBe((big.data as Uint8Array).buffer);
    expect(vb.byteOffset).toBe(16 * 8);
  });

  it("rejects a wrong byte length with CodecError naming the key", async () => {
    const p = createCodecPipeline(
      [{ name: "bytes", configuration: { endian: "little" } }],
      { shape: [3], dataType: dataType("int16"), fillValue: 0 },
      "zarr.json",
    );
    const err = await p.decode(new Uint8Array(5), { key: "arr/c/7" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodecError);
    expect((err as CodecError).key).toBe("arr/c/7");
    expect((err as CodecError).codec).toBe("bytes");
    expect((err as Error).message).toMatch(/expected 6 bytes/);
  });

  it("validates endian, defaults to little and omits it for one-byte types", () => {
    expect(() =>
      createCodecPipeline(
        [{ name: "bytes", configuration: { endian: "middle" } }],
        { shape: [1], dataType: dataType("int16"), fillValue: 0 },
        "x/zarr.json",
      ),
    ).toThrow(MetadataError);
    try {
      createCodecPipeline(
        [{ name: "bytes", configuration: { endian: "middle" } }],
        { shape: [1], dataType: dataType("int16"), fillValue: 0 },
        "x/zarr.json",
      );
    } catch (e) {
      expect((e as MetadataError).issues[0]!.field).toBe("codecs[0].configuration.endian");
      expect((e as MetadataError).key).toBe("x/zarr.json");
    }
    const p = createCodecPipeline(
      [{ name: "bytes" }],
      { shape: [1], dataType: dataType("int16"), fillValue: 0 },
      "zarr.json",
    );
    expect(p.toJSON()).toEqual([{ name: "bytes", configuration: { endian: "little" } }]);
    const q = createCodecPipeline(
      [{ name: "bytes" }],
      { shape: [1], dataType: dataType("uint8"), fillValue: 0 },
      "zarr.json",
    );
    expect(q.toJSON()).toEqual([{ name: "bytes" }]);
  });
});

describe("transpose", () => {
  it("stores a 3-D chunk in the permuted order and reads it back in C order", async () => {
    const dt = dataType("uint16");
    const shape = [2, 3, 4];
    const p = createCodecPipeline(
      [
        { name: "transpose", configuration: { order: [2, 0, 1] } },
        { name: "bytes", configuration: { endian: "little" } },
      ],
      { shape, dataType: dt, fillValue: 0 },
      "zarr.json",
    );
    const a = sample(dt, shape);
    const bytes = await p.encode(a, ctx);
    // encoded element [k, i, j] (shape [4, 2, 3]) is a[i, j, k]
    const stored = new Uint16Array(bytes.buffer, bytes.byteOffset, 24);
    const src = a.data as Uint16Array;
    for (let k = 0; k < 4; k++)
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 3; j++) expect(stored[k * 6 + i * 3 + j]).toBe(src[i * 12 + j * 4 + k]);
    const back = await p.decode(bytes, ctx);
    expect(back.shape).toEqual(shape);
    expect(back.strides).toEqual([12, 4, 1]);
    expect(diff(back, a)).toBeUndefined();
  });

  it("accepts the legacy 'F' order and rejects non-permutations", async () => {
    const spec = { shape: [2, 3], dataType: dataType("int8"), fillValue: 0 };
    const p = createCodecPipeline(
      [{ name: "transpose", configuration: { order: "F" } }, { name: "bytes" }],
      spec,
      "zarr.json",
    );
    expect(p.toJSON()[0]).toEqual({ name: "transpose", configuration: { order: [1, 0] } });
    for (const order of [[0, 0], [0], [0, 2], "X", [1.5, 0]]) {
      expect(() =>
        createCodecPipeline(
          [{ name: "transpose", configuration: { order } }, { name: "bytes" }],
          spec,
          "zarr.json",
        ),
      ).toThrow(/codecs\[0\]\.configuration\.order/);
    }
  });
});
