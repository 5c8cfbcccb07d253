/** crc32c, gzip, zlib, zstd, numcodecs.lz4 and numcodecs.delta: formats, checks and errors. */
import { gunzipSync, unzlibSync } from "fflate";
import LZ4 from "numcodecs/lz4";
import Zstd from "numcodecs/zstd";
import { describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import { ChecksumError, CodecError, MetadataError } from "../../../src/core/errors.js";
import { parseDeltaType } from "../../../src/format/codecs/delta.js";
import { createCodec, createCodecPipeline } from "../../../src/format/codecs/index.js";
import type { BytesToBytesCodec } from "../../../src/format/codecs/types.js";
import { zstdFrameContentSize } from "../../../src/format/codecs/zstd.js";

const ctx = { key: "grp/arr/c/1/2" };
const spec = { shape: [1000], dataType: dataType("int32"), fillValue: 0 };

function b2b(name: string, configuration: Record<string, unknown> = {}): BytesToBytesCodec {
  return createCodec({ name, configuration }, spec, "zarr.json") as BytesToBytesCodec;
}

function text(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++)
    out[i] = "the quick brown fox jumps over the lazy dog "[(i * 7) % 44]!.charCodeAt(0) ^ (i >> 9);
  return out;
}

async function rejects(
  p: Promise<unknown>,
  cls: abstract new (...args: never[]) => CodecError,
  codec?: string,
): Promise<CodecError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(cls);
  expect((err as CodecError).key).toBe(ctx.key);
  if (codec) expect((err as CodecError).codec).toBe(codec);
  return err as CodecError;
}

describe("crc32c", () => {
  const c = b2b("crc32c");
  it("appends the little-endian CRC-32C and strips it on decode", async () => {
    const data = new TextEncoder().encode("123456789");
    const enc = await c.encode(data, ctx);
    expect([...enc.subarray(9)]).toEqual([0x83, 0x92, 0x06, 0xe3]);
    expect(c.encodedSize?.(9)).toBe(13);
    const dec = await c.decode(enc, ctx);
    expect(dec).toEqual(data);
    expect(dec.buffer).toBe(enc.buffer); // a view, no copy
  });
  it("a flipped bit raises ChecksumError with both checksums", async () => {
    const enc = await c.encode(text(100), ctx);
    enc[50] = enc[50]! ^ 1;
    const err = (await rejects(c.decode(enc, ctx), ChecksumError, "crc32c")) as ChecksumError;
    expect(err.expected).not.toBe(err.actual);
    expect(err.message).toMatch(/checksum mismatch/);
  });
  it("input shorter than 4 bytes is a CodecError", async () => {
    await rejects(c.decode(new Uint8Array(3), ctx), CodecError, "crc32c");
  });
});

describe("gzip", () => {
  const g = b2b("gzip", { level: 6 });
  it("writes standard gzip with MTIME 0 and reads it back", async () => {
    const src = text(50_000);
    const enc = await g.encode(src, ctx);
    expect([...enc.subarray(0, 8)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]);
    expect(gunzipSync(enc)).toEqual(src);
    expect(await g.decode(enc, ctx)).toEqual(src);
    expect(await g.decode(await g.encode(new Uint8Array(0), ctx), ctx)).toEqual(new Uint8Array(0));
  });
  it("corrupt, truncated or mis-checksummed members raise CodecError", async () => {
    const enc = await g.encode(text(50_000), ctx);
    const flipped = enc.slice();
    flipped[enc.length >> 1] = flipped[enc.length >> 1]! ^ 0x55;
    await rejects(g.decode(flipped, ctx), CodecError, "gzip");
    await rejects(g.decode(enc.slice(0, enc.length - 20), ctx), CodecError, "gzip");
    await rejects(g.decode(enc.slice(0, 10), ctx), CodecError, "gzip");
    const badCrc = enc.slice();
    badCrc[enc.length - 6] = badCrc[enc.length - 6]! ^ 1;
    expect((await rejects(g.decode(badCrc, ctx), CodecError, "gzip")).message).toMatch(/CRC-32/);
    const badSize = enc.slice();
    badSize[enc.length - 4] = badSize[enc.length - 4]! ^ 1;
    await rejects(g.decode(badSize, ctx), CodecError, "gzip");
    await rejects(g.decode(text(100), ctx), CodecError, "gzip");
  });
  it("level is validated", () => {
    expect(() => b2b("gzip", { level: 10 })).toThrow(MetadataError);
    expect(() => b2b("gzip", { level: "9" })).toThrow(/configuration\.level/);
  });
});

describe("zlib / numcodecs.zlib", () => {
  for (const name of ["zlib", "numcodecs.zlib"]) {
    const z = b2b(name, { level: 4 });
    it(`${name} round trips standard zlib and checks Adler-32`, async () => {
      const src = text(30_000);
      const enc = await z.encode(src, ctx);
      expect(unzlibSync(enc)).toEqual(src);
      expect(await z.decode(enc, ctx)).toEqual(src);
      const bad = enc.slice();
      bad[enc.length - 1] = bad[enc.length - 1]! ^ 1;
      expect((await rejects(z.decode(bad, ctx), CodecError, name)).message).toMatch(/Adler-32/);
      await rejects(z.decode(enc.slice(0, enc.length >> 1), ctx), CodecError, name);
      await rejects(z.decode(new Uint8Array([1, 2, 3, 4, 5, 6, 7]), ctx), CodecError, name);
    });
  }
});

describe("zstd / numcodecs.zstd", () => {
  it("writes frames libzstd reads, with and without the content checksum", async () => {
    const src = text(40_000);
    for (const checksum of [false, true]) {
      const z = b2b("zstd", { level: 3, checksum });
      const enc = await z.encode(src, ctx);
      expect(enc[4]! & 4).toBe(checksum ? 4 : 0);
      expect(await Zstd.fromConfig({ id: "zstd" }).decode(enc)).toEqual(src);
      expect(await z.decode(enc, ctx)).toEqual(src);
    }
    expect(b2b("numcodecs.zstd", { level: 1 }).toJSON()).toEqual({
      name: "numcodecs.zstd",
      configuration: { level: 1, checksum: false },
    });
  });
  it("corrupt, truncated and checksum-failing frames raise CodecError", async () => {
    const z = b2b("zstd", { level: 3, checksum: true });
    const enc = await z.encode(text(40_000), ctx);
    const flipped = enc.slice();
    flipped[enc.length - 2] = flipped[enc.length - 2]! ^ 0x10; // in the checksum
    await rejects(z.decode(flipped, ctx), CodecError, "zstd");
    for (let at = 20; at < enc.length - 8; at += 97) {
      const bad = enc.slice();
      bad[at] = bad[at]! ^ 0xff;
      await rejects(z.decode(bad, ctx), CodecError, "zstd");
    }
    await rejects(z.decode(enc.slice(0, enc.length >> 1), ctx), CodecError, "zstd");
    await rejects(z.decode(new Uint8Array(2), ctx), CodecError, "zstd");
    await rejects(z.decode(text(64), ctx), CodecError, "zstd");
  });
});

describe("zstd frame sizes and the sized fast path", () => {
  /** A frame of one raw block without Frame_Content_Size (as streaming compressors write). */
  const rawFrame = (content: Uint8Array, withSize: boolean): Uint8Array => {
    const head = withSize
      ? [0x28, 0xb5, 0x2f, 0xfd, 0x20 | 0x00, content.length] // single segment, 1-byte FCS
      : [0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x50]; // no FCS, window descriptor
    const bh = 1 | (content.length << 3); // last block, raw
    return new Uint8Array([...head, bh & 0xff, (bh >> 8) & 0xff, bh >> 16, ...content]);
  };
  it("reads Frame_Content_Size of 1, 2, 4 bytes, and none", async () => {
    for (const n of [1, 200, 300, 70_000, 1_000_000]) {
      const enc = await b2b("zstd", { level: 1 }).encode(text(n), ctx);
      expect(zstdFrameContentSize(enc)).toBe(n);
    }
    const content = text(100);
    expect(zstdFrameContentSize(rawFrame(content, true))).toBe(100);
    expect(zstdFrameContentSize(rawFrame(content, false))).toBeUndefined();
    expect(zstdFrameContentSize(new Uint8Array([1, 2, 3, 4, 5, 6, 7]))).toBeUndefined();
  });
  it("decodes frames without a stated size, and concatenated frames, through numcodecs", async () => {
    const z = b2b("zstd", {});
    const content = text(100);
    expect(await z.decode(rawFrame(content, false), ctx)).toEqual(content);
    expect(await z.decode(rawFrame(content, true), ctx)).toEqual(content);
    const a = await z.encode(text(5_000), ctx);
    const b = await z.encode(text(7_000).reverse(), ctx);
    const both = new Uint8Array(a.length + b.length);
    both.set(a);
    both.set(b, a.length);
    const want = new Uint8Array(12_000);
    want.set(text(5_000));
    want.set(text(7_000).reverse(), 5_000);
    expect(await z.decode(both, ctx)).toEqual(want);
  });
  it("a frame stating a wrong size is an error, not a short or padded result", async () => {
    const z = b2b("zstd", {});
    const lying = rawFrame(text(100), true);
    lying[5] = 120;
    await rejects(z.decode(lying, ctx), CodecError, "zstd");
  });
});

describe("numcodecs.lz4", () => {
  const l = b2b("numcodecs.lz4", { acceleration: 1 });
  it("uses numcodecs framing (4-byte size + LZ4 block) both ways", async () => {
    const src = text(100_000);
    const enc = await l.encode(src, ctx);
    expect(enc[0]! | (enc[1]! << 8) | (enc[2]! << 16)).toBe(100_000);
    expect(await l.decode(enc, ctx)).toEqual(src);
    expect(await LZ4.fromConfig({ id: "lz4" }).decode(enc)).toEqual(src);
    const theirs = await LZ4.fromConfig({ id: "lz4", acceleration: 5 }).encode(src);
    expect(await l.decode(theirs, ctx)).toEqual(src);
    expect(await l.decode(await l.encode(new Uint8Array(0), ctx), ctx)).toEqual(new Uint8Array(0));
  });
  it("truncated or corrupt data raises CodecError", async () => {
    const enc = await l.encode(text(100_000), ctx);
    await rejects(l.decode(enc.slice(0, enc.length - 3), ctx), CodecError, "numcodecs.lz4");
    await rejects(l.decode(enc.slice(0, 3), ctx), CodecError, "numcodecs.lz4");
    const bigHeader = enc.slice();
    bigHeader[3] = 0x7f;
    await rejects(l.decode(bigHeader, ctx), CodecError, "numcodecs.lz4");
    const smallHeader = enc.slice();
    smallHeader[2] = 0;
    await rejects(l.decode(smallHeader, ctx), CodecError, "numcodecs.lz4");
  });
});

describe("numcodecs.delta", () => {
  it("parses integer and float32/64 type strings with any byte-order mark, NumPy names and codes, nothing else", () => {
    const parsed = (t: string) => {
      const d = parseDeltaType(t);
      return d && [d.dataType.name, d.bigEndian];
    };
    expect(parsed("<i4")).toEqual(["int32", false]);
    expect(parsed(">u2")).toEqual(["uint16", true]);
    expect(parsed("|i1")).toEqual(["int8", false]);
    expect(parsed("i8")).toEqual(["int64", false]);
    expect(parsed("=f8")).toEqual(["float64", false]);
    expect(parsed("|u4")).toEqual(["uint32", false]);
    // NumPy names and type codes, as zarr-python 3 writes them (numpy.dtype(...) accepts them).
    expect(parsed("int32")).toEqual(["int32", false]);
    expect(parsed("uint8")).toEqual(["uint8", false]);
    expect(parsed("float64")).toEqual(["float64", false]);
    expect(parsed("float32")).toEqual(["float32", false]);
    expect(parsed("int64")).toEqual(["int64", false]);
    expect(parsed("d")).toEqual(["float64", false]);
    expect(parsed("B")).toEqual(["uint8", false]);
    expect(parsed("=i4")).toEqual(["int32", false]);
    for (const bad of ["<f2", "|b1", "<c8", "<i3", "<M8", "float16", "bool", "Int32", ""]) {
      expect(parseDeltaType(bad)).toBeUndefined();
    }
  });

  it("stores the first element and differences; decodes the running sum", async () => {
    const d = b2b("numcodecs.delta", { dtype: "<i4" });
    const src = new Uint8Array(new Int32Array([5, 7, 4, 4, -10, 2147483647, -2147483648]).buffer);
    const enc = await d.encode(src, ctx);
    expect([...new Int32Array(enc.buffer, enc.byteOffset, 7)]).toEqual([
      5, 2, -3, 0, -14, -2147483639, 1,
    ]);
    expect(await d.decode(enc, ctx)).toEqual(src);
    expect(d.toJSON()).toEqual({
      name: "numcodecs.delta",
      configuration: { dtype: "<i4", astype: "<i4" },
    });
  });
  it("wraps like NumPy for small and 64-bit integers, big-endian and astype", async () => {
    const u8 = b2b("numcodecs.delta", { dtype: "|u1" });
    const bytes = new Uint8Array([250, 3, 255, 0]);
    const e8 = await u8.encode(bytes, ctx);
    expect([...e8]).toEqual([250, 9, 252, 1]);
    expect(await u8.decode(e8, ctx)).toEqual(bytes);
    const i64 = b2b("numcodecs.delta", { dtype: "<i8" });
    const v = new Uint8Array(
      new BigInt64Array([2n ** 62n, -(2n ** 63n), 2n ** 63n - 1n, 0n]).buffer,
    );
    expect(await i64.decode(await i64.encode(v, ctx), ctx)).toEqual(v);
    const be = b2b("numcodecs.delta", { dtype: ">i2" });
    const beBytes = new Uint8Array([0, 1, 0, 3, 255, 255]); // 1, 3, -1 big-endian
    const beEnc = await be.encode(beBytes, ctx);
    expect([...beEnc]).toEqual([0, 1, 0, 2, 255, 252]);
    expect(await be.decode(beEnc, ctx)).toEqual(beBytes);
    const narrow = b2b("numcodecs.delta", { dtype: "<i4", astype: "<i2" });
    expect(narrow.encodedSize?.(16)).toBe(8);
    const wide = new Uint8Array(new Int32Array([100, 90, 95, 1000]).buffer);
    const ne = await narrow.encode(wide, ctx);
    expect([...new Int16Array(ne.buffer, ne.byteOffset, 4)]).toEqual([100, -10, 5, 905]);
    expect(await narrow.decode(ne, ctx)).toEqual(wide);
    const f = b2b("numcodecs.delta", { dtype: "<f8" });
    const fb = new Uint8Array(new Float64Array([0.5, 1.5, -2.25]).buffer);
    expect(await f.decode(await f.encode(fb, ctx), ctx)).toEqual(fb);
  });
  it("rejects unsupported types and partial elements", async () => {
    expect(() => b2b("numcodecs.delta", {})).toThrow(/configuration\.dtype/);
    expect(() => b2b("numcodecs.delta", { dtype: "<c8" })).toThrow(/configuration\.dtype/);
    expect(() => b2b("numcodecs.delta", { dtype: "<i4", astype: "S4" })).toThrow(
      /configuration\.astype/,
    );
    await rejects(
      b2b("numcodecs.delta", { dtype: "<i4" }).decode(new Uint8Array(6), ctx),
      CodecError,
      "numcodecs.delta",
    );
  });
  it("works in a v2 pipeline with F order (delta over storage order)", async () => {
    const p = createCodecPipeline(
      [
        { name: "transpose", configuration: { order: [1, 0] } },
        { name: "bytes", configuration: { endian: "little" } },
        { name: "numcodecs.delta", configuration: { dtype: "<u2", astype: "<u2" } },
        { name: "numcodecs.zlib", configuration: { level: 1 } },
      ],
      { shape: [3, 4], dataType: dataType("uint16"), fillValue: 0 },
      ".zarray",
    );
    const a = {
      data: new Uint16Array([0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 65535]),
      shape: [3, 4],
      strides: [4, 1],
      dtype: dataType("uint16"),
    };
    const back = await p.decode(await p.encode(a, ctx), ctx);
    expect([...back.data]).toEqual([...a.data]);
  });
});
