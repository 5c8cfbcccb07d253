/**
 * The string codecs: `vlen-utf8`, `vlen-bytes`, `numcodecs.json2` and fixed-length UTF-32 in
 * `bytes`. Encoding reproduces the bytes numcodecs / NumPy wrote for the uncompressed chunks of
 * `tests/fixtures/strings` (bit for bit); decoding corrupt input fails with a CodecError naming
 * the key; the codecs refuse the wrong data types at pipeline build time.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type DataType, dataType } from "../../../src/core/dtype.js";
import { CodecError, MetadataError } from "../../../src/core/errors.js";
import { cStrides, type NDArray } from "../../../src/core/ndarray.js";
import { createCodecPipeline } from "../../../src/format/codecs/pipeline.js";
import type { CodecSpec } from "../../../src/format/model.js";

const FIX = join(import.meta.dirname, "../../fixtures/strings");
const key = "s/c/0";

function pipe(codecs: CodecSpec[], dt: DataType, shape: number[]) {
  const fillValue = dt.name === "variable_length_bytes" ? new Uint8Array() : "";
  return createCodecPipeline(codecs, { shape, dataType: dt, fillValue }, "s/zarr.json");
}

function arr(dt: DataType, shape: number[], data: unknown[]): NDArray {
  return { data: data as NDArray["data"], shape, strides: cStrides(shape), dtype: dt };
}

/** The values of a fixture chunk: decode it, then check that encoding gives the same bytes. */
async function roundTripFile(codecs: CodecSpec[], dt: DataType, shape: number[], file: string) {
  const stored = new Uint8Array(readFileSync(join(FIX, file)));
  const p = pipe(codecs, dt, shape);
  const a = await p.decode(stored, { key });
  expect(await p.encode(a, { key })).toEqual(stored);
  return a;
}

const str = dataType("string");
const vbytes = dataType("variable_length_bytes");

describe("encoding reproduces numcodecs' and NumPy's bytes", () => {
  it("vlen-bytes (v2 and v3 chunks)", async () => {
    const a = await roundTripFile([{ name: "vlen-bytes" }], vbytes, [3], "v2/vlen_bytes/0");
    expect(a.data[1]).toBeInstanceOf(Uint8Array);
    await roundTripFile([{ name: "vlen-bytes" }], vbytes, [3], "v3/variable_length_bytes/c/1");
  });
  it("json2 (with \\u escapes as ensure_ascii writes them)", async () => {
    const codec = { name: "numcodecs.json2", configuration: { encoding: "utf-8" } };
    for (const f of ["0.0", "1.0", "1.1"]) {
      await roundTripFile([codec], str, [2, 2], `v2/json2/${f}`);
    }
  });
  it("fixed-length UTF-32, little- and big-endian", async () => {
    const le = [{ name: "bytes", configuration: { endian: "little" } }];
    await roundTripFile(le, dataType("string", 6), [3, 2], "v2/U_le/0.0");
    await roundTripFile(le, dataType("string", 5), [4], "v3/fixed_length_utf32/c/1");
    const be = [{ name: "bytes", configuration: { endian: "big" } }];
    const p = pipe(be, dataType("string", 4), [3]);
    const bytes = await p.encode(arr(dataType("string", 4), [3], ["ab", "", "🙂x"]), { key });
    expect([...bytes.subarray(0, 8)]).toEqual([0, 0, 0, 0x61, 0, 0, 0, 0x62]);
    expect([...bytes.subarray(32, 36)]).toEqual([0, 0x01, 0xf6, 0x42]);
    expect(Array.from((await p.decode(bytes, { key })).data as string[])).toEqual([
      "ab",
      "",
      "🙂x",
    ]);
  });
});

describe("round trips", () => {
  it("vlen-utf8 keeps any string (lone surrogates aside)", async () => {
    const wellFormed = fc.string({ unit: "grapheme", maxLength: 20 });
    await fc.assert(
      fc.asyncProperty(fc.array(wellFormed, { minLength: 6, maxLength: 6 }), async (xs) => {
        const p = pipe([{ name: "vlen-utf8" }], str, [2, 3]);
        const back = await p.decode(await p.encode(arr(str, [2, 3], xs), { key }), { key });
        expect(Array.from(back.data as string[])).toEqual(xs);
      }),
      { numRuns: 50 },
    );
  });
  it("fixed-length strings drop trailing NULs only, as NumPy does", async () => {
    const dt = dataType("string", 3);
    const p = pipe([{ name: "bytes" }], dt, [3]);
    const xs = ["\u0000a", "a\u0000", ""];
    const back = await p.decode(await p.encode(arr(dt, [3], xs), { key }), { key });
    expect(Array.from(back.data as string[])).toEqual(["\u0000a", "a", ""]);
  });
});

describe("corrupt chunks are CodecErrors naming the key", () => {
  const u32 = (...xs: number[]) => new Uint8Array(new Uint32Array(xs).buffer);
  const bad = async (
    codecs: CodecSpec[],
    dt: DataType,
    shape: number[],
    b: Uint8Array,
    re: RegExp,
  ) => {
    const e = await pipe(codecs, dt, shape)
      .decode(b, { key })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CodecError);
    expect((e as CodecError).key).toBe(key);
    expect((e as Error).message).toMatch(re);
  };
  const vu = [{ name: "vlen-utf8" }];
  it("vlen: count, lengths, trailing bytes, UTF-8", async () => {
    await bad(vu, str, [2], new Uint8Array(2), /too short for the item count/);
    await bad(vu, str, [2], u32(3, 0, 0, 0), /holds 3 items, expected 2/);
    await bad(vu, str, [2], u32(2, 0), /too short for 2 item lengths/);
    await bad(vu, str, [2], u32(2, 0, 0xffffffff), /runs past the end/);
    await bad(vu, str, [1], u32(1, 0, 7), /follow the last item/);
    const invalid = new Uint8Array([1, 0, 0, 0, 1, 0, 0, 0, 0xff]);
    await bad(vu, str, [1], invalid, /not valid UTF-8/);
    await bad([{ name: "vlen-bytes" }], vbytes, [1], u32(1, 2 ** 31), /runs past the end/);
  });
  it("json2: not JSON, wrong shape, non-string elements", async () => {
    const j = [{ name: "numcodecs.json2" }];
    const t = (s: string) => new TextEncoder().encode(s);
    await bad(j, str, [2], t("[1,"), /not UTF-8 JSON/);
    await bad(j, str, [2], t('["a","b","|O",[3]]'), /stored shape/);
    await bad(j, str, [2], t('["a",1,"|O",[2]]'), /element 1 is 1, not a string/);
    await bad(j, str, [2, 1], t('[["a"],"b","|O",[2,1]]'), /nesting/);
  });
  it("UTF-32: a code point above U+10FFFF", async () => {
    await bad([{ name: "bytes" }], dataType("string", 1), [1], u32(0x110000), /above U\+10FFFF/);
  });
});

describe("codecs refuse the wrong data types", () => {
  it("bytes cannot serialise variable-length strings; vlen-utf8 needs variable-length strings", () => {
    expect(() => pipe([{ name: "bytes" }], str, [2])).toThrow(MetadataError);
    expect(() => pipe([{ name: "vlen-utf8" }], dataType("string", 4), [2])).toThrow(/vlen-utf8/);
    expect(() => pipe([{ name: "vlen-utf8" }], vbytes, [2])).toThrow(MetadataError);
    expect(() => pipe([{ name: "vlen-bytes" }], str, [2])).toThrow(MetadataError);
  });
  it("encoding refuses elements of the wrong kind and fixed strings that are too long", async () => {
    const e1 = await pipe([{ name: "vlen-utf8" }], str, [1])
      .encode(arr(str, [1], [5]), { key })
      .catch((x: unknown) => x);
    expect(e1).toBeInstanceOf(CodecError);
    const dt = dataType("string", 2);
    const e2 = await pipe([{ name: "bytes" }], dt, [1])
      .encode(arr(dt, [1], ["abc"]), { key })
      .catch((x: unknown) => x);
    expect((e2 as Error).message).toMatch(/at most 2 code points/);
  });
});
