/**
 * blosc: frames written by our encoder are read by c-blosc (the numcodecs.js WebAssembly build),
 * frames written by c-blosc are read by our decoder; the header carries the configured typesize;
 * corrupt or truncated frames raise CodecError.
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import Blosc from "numcodecs/blosc";
import { describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import { CodecError } from "../../../src/core/errors.js";
import { bloscDecompressInto } from "../../../src/format/codecs/blosc-frame.js";
import {
  type BloscCname,
  type BloscShuffle,
  bloscCompress,
  bloscDecompress,
  createCodecPipeline,
} from "../../../src/format/codecs/index.js";
import { FIXTURES, sameBytes } from "./helpers.js";

function data(n: number, typesize: number, seed = 7): Uint8Array {
  // smooth little-endian integers of `typesize` bytes: compressible, shuffle-sensitive
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const e = Math.floor(i / typesize);
    const b = i % typesize;
    out[i] =
      b === 0
        ? ((e >> 2) * seed) & 0xff
        : b === 1
          ? (e >> 5) & 0xff
          : b === typesize - 1
            ? 0x40
            : 0;
  }
  return out;
}

async function cBloscDecode(frame: Uint8Array): Promise<Uint8Array> {
  return Blosc.fromConfig({ id: "blosc" }).decode(frame);
}

const CNAMES: BloscCname[] = ["blosclz", "lz4", "lz4hc", "zlib", "zstd"];
const SHUFFLES: BloscShuffle[] = [0, 1, 2];

describe("blosc frames we write are read by c-blosc", () => {
  for (const cname of CNAMES) {
    for (const shuffle of SHUFFLES) {
      for (const [n, typesize] of [
        [1000, 2],
        [4096 * 3 + 5, 8],
        [200_003, 4],
        [300_000, 2],
        [70_000, 16],
        [50_001, 3],
        [20_000, 1],
      ] as const) {
        it(`${cname} shuffle=${shuffle} ${n} bytes typesize ${typesize}`, async () => {
          const src = data(n, typesize);
          const frame = await bloscCompress(src, {
            cname,
            clevel: 5,
            shuffle,
            typesize,
            blocksize: 0,
          });
          expect(frame[3]).toBe(typesize);
          expect(new Uint8Array(frame.buffer, 4, 4)).toEqual(
            new Uint8Array(new Uint32Array([n]).buffer),
          );
          expect(sameBytes(await cBloscDecode(frame), src)).toBe(true);
          expect(sameBytes(await bloscDecompress(frame), src)).toBe(true);
          if (typesize > 1 && n > 10_000) expect(frame.length).toBeLessThan(n); // it compresses
        });
      }
    }
  }

  it("a forced small blocksize gives many blocks and a leftover block", async () => {
    const src = data(10_000 + 37, 4);
    for (const shuffle of SHUFFLES) {
      const frame = await bloscCompress(src, {
        cname: "lz4",
        clevel: 9,
        shuffle,
        typesize: 4,
        blocksize: 256,
      });
      expect(sameBytes(await cBloscDecode(frame), src)).toBe(true);
      expect(sameBytes(await bloscDecompress(frame), src)).toBe(true);
    }
  });

  it("decoding into a buffer, and only the blocks holding a prefix, gives the full decode's bytes", async () => {
    const src = data(300_000 + 12, 4);
    for (const cname of ["blosclz", "lz4", "zlib", "zstd"] as const) {
      for (const shuffle of SHUFFLES) {
        for (const clevel of [0, 5]) {
          const frame = await bloscCompress(src, {
            cname,
            clevel,
            shuffle,
            typesize: 4,
            blocksize: 16384,
          });
          // The block size the frame was written with (the header's blocksize).
          const bs = new DataView(frame.buffer, frame.byteOffset).getUint32(8, true);
          if (clevel > 0) expect(bs).toBeLessThan(src.length); // several blocks
          const whole = new Uint8Array(src.length);
          expect(await bloscDecompressInto(frame, whole)).toBe(true);
          expect(sameBytes(whole, src)).toBe(true);
          for (const prefix of [1, bs - 1, bs, bs + 1, 100_000, src.length - 1]) {
            const out = new Uint8Array(src.length).fill(0xee);
            expect(await bloscDecompressInto(frame, out, prefix)).toBe(true);
            expect(sameBytes(out.subarray(0, prefix), src.subarray(0, prefix))).toBe(true);
            // Compressed frames stop after the block holding the prefix.
            const end = Math.ceil(prefix / bs) * bs;
            if (clevel > 0 && end < src.length) expect(out[end]).toBe(0xee);
          }
          // Another declared size: not this path, nothing written.
          const other = new Uint8Array(src.length + 1).fill(0xee);
          expect(await bloscDecompressInto(frame, other, 10)).toBe(false);
          expect(other[0]).toBe(0xee);
        }
      }
    }
  });

  it("bit shuffle of a block whose element count is not a multiple of 8 agrees with c-blosc", async () => {
    const src = data(12 * 4 + 1000 * 4, 4);
    const frame = await bloscCompress(src, {
      cname: "lz4",
      clevel: 5,
      shuffle: 2,
      typesize: 4,
      blocksize: 12 * 4 * 10 + 4 * 3,
    });
    expect(sameBytes(await cBloscDecode(frame), src)).toBe(true);
    expect(sameBytes(await bloscDecompress(frame), src)).toBe(true);
  });

  it("clevel 0, tiny and incompressible inputs are stored (memcpyed flag)", async () => {
    const big = data(5000, 2);
    const stored = await bloscCompress(big, {
      cname: "lz4",
      clevel: 0,
      shuffle: 1,
      typesize: 2,
      blocksize: 0,
    });
    expect(stored[2]! & 0x2).toBe(0x2);
    expect(stored.length).toBe(5000 + 16);
    expect(sameBytes(await cBloscDecode(stored), big)).toBe(true);
    const tiny = new Uint8Array([1, 2, 3, 4, 5]);
    const t = await bloscCompress(tiny, {
      cname: "zstd",
      clevel: 5,
      shuffle: 1,
      typesize: 1,
      blocksize: 0,
    });
    expect(sameBytes(await bloscDecompress(t), tiny)).toBe(true);
    const random = new Uint8Array(50_000);
    let x = 12345;
    for (let i = 0; i < random.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      random[i] = x >>> 24;
    }
    for (const cname of CNAMES) {
      const r = await bloscCompress(random, {
        cname,
        clevel: 5,
        shuffle: 1,
        typesize: 4,
        blocksize: 0,
      });
      expect(r.length).toBeLessThanOrEqual(random.length + 16);
      expect(sameBytes(await cBloscDecode(r), random)).toBe(true);
      expect(sameBytes(await bloscDecompress(r), random)).toBe(true);
    }
    expect(
      await bloscDecompress(
        await bloscCompress(new Uint8Array(0), {
          cname: "lz4",
          clevel: 5,
          shuffle: 0,
          typesize: 1,
          blocksize: 0,
        }),
      ),
    ).toEqual(new Uint8Array(0));
  });
});

describe("blosc frames c-blosc writes are read by our decoder", () => {
  for (const cname of ["blosclz", "lz4", "lz4hc", "zlib", "zstd"] as const) {
    for (const shuffle of [0, 1, 2] as const) {
      it(`${cname} shuffle=${shuffle}`, async () => {
        const src = data(150_000 + 13, 4);
        const frame = await Blosc.fromConfig({
          id: "blosc",
          cname,
          clevel: 5,
          shuffle,
          blocksize: 0,
        }).encode(src);
        expect(sameBytes(await bloscDecompress(frame), src)).toBe(true);
      });
    }
  }
});

describe("blosc codecs", () => {
  it("v3 blosc writes the configured typesize; numcodecs.blosc the item size", async () => {
    const spec = { shape: [1000], dataType: dataType("int16"), fillValue: 0 };
    const bytes = { name: "bytes", configuration: { endian: "little" } };
    const v3 = createCodecPipeline(
      [
        bytes,
        {
          name: "blosc",
          configuration: { cname: "lz4", clevel: 5, shuffle: "shuffle", typesize: 2 },
        },
      ],
      spec,
      "zarr.json",
    );
    const v2 = createCodecPipeline(
      [bytes, { name: "numcodecs.blosc", configuration: { cname: "zstd", clevel: 5, shuffle: 1 } }],
      spec,
      ".zarray",
    );
    const chunk = v3.fillChunk();
    for (let i = 0; i < 1000; i++) (chunk.data as Int16Array)[i] = i * 3;
    const a = await v3.encode(chunk, { key: "c/0" });
    const b = await v2.encode(chunk, { key: "0" });
    expect(a[3]).toBe(2);
    expect(b[3]).toBe(2);
    expect(a[2]! & 0x1).toBe(1); // byte shuffle flag
    expect(v2.toJSON()[1]).toEqual({
      name: "numcodecs.blosc",
      configuration: { cname: "zstd", clevel: 5, shuffle: 1, blocksize: 0 },
    });
    expect(v3.toJSON()[1]).toEqual({
      name: "blosc",
      configuration: { cname: "lz4", clevel: 5, shuffle: "shuffle", typesize: 2, blocksize: 0 },
    });
    const f64 = createCodecPipeline(
      [bytes, { name: "numcodecs.blosc", configuration: { cname: "lz4", shuffle: -1 } }],
      { shape: [64], dataType: dataType("float64"), fillValue: 0 },
      ".zarray",
    );
    const enc = await f64.encode(f64.fillChunk(), { key: "0" });
    expect(enc[3]).toBe(8);
  });

  it("decodes a real zarr-python chunk and re-encodes it to the same bytes c-blosc would decode", async () => {
    const dir = join(FIXTURES, "v3/zarr-python/blosc_zstd_bitshuffle_float32.zarr");
    const frame = new Uint8Array(readFileSync(join(dir, "c/0/0")));
    expect(frame[3]).toBe(4);
    const plain = await bloscDecompress(frame);
    expect(plain).toEqual(await cBloscDecode(frame));
    const again = await bloscCompress(plain, {
      cname: "zstd",
      clevel: 5,
      shuffle: 2,
      typesize: 4,
      blocksize: 0,
    });
    expect(sameBytes(await cBloscDecode(again), plain)).toBe(true);
  });

  it("snappy frames cannot be encoded (CodecError), bad configuration is a MetadataError", async () => {
    const p = createCodecPipeline(
      [
        { name: "bytes" },
        { name: "blosc", configuration: { cname: "snappy", clevel: 5, shuffle: "noshuffle" } },
      ],
      { shape: [400], dataType: dataType("uint8"), fillValue: 0 },
      "zarr.json",
    );
    await expect(p.encode(p.fillChunk(), { key: "c/0" })).rejects.toThrow(CodecError);
    expect(() =>
      createCodecPipeline(
        [{ name: "bytes" }, { name: "blosc", configuration: { cname: "lzma", clevel: 5 } }],
        { shape: [4], dataType: dataType("uint8"), fillValue: 0 },
        "a/zarr.json",
      ),
    ).toThrow(/codecs\[1\]\.configuration\.cname/);
    expect(() =>
      createCodecPipeline(
        [{ name: "bytes" }, { name: "blosc", configuration: { cname: "lz4", clevel: 11 } }],
        { shape: [4], dataType: dataType("uint8"), fillValue: 0 },
        "a/zarr.json",
      ),
    ).toThrow(/codecs\[1\]\.configuration\.clevel/);
  });
});

describe("corrupt blosc frames raise CodecError, never garbage", () => {
  const spec = { shape: [20_000], dataType: dataType("int32"), fillValue: 0 };
  const codecs = [
    { name: "bytes", configuration: { endian: "little" } },
    { name: "blosc", configuration: { cname: "lz4", clevel: 5, shuffle: "shuffle", typesize: 4 } },
  ];
  const p = createCodecPipeline(codecs, spec, "zarr.json");
  const ctx = { key: "arr/c/3" };
  let good: Uint8Array;

  it("setup", async () => {
    const chunk = p.fillChunk();
    for (let i = 0; i < 20_000; i++) (chunk.data as Int32Array)[i] = (i * 13) % 977;
    good = await p.encode(chunk, ctx);
    expect((await p.decode(good, ctx)).data).toEqual(chunk.data);
  });

  const cases: [string, (g: Uint8Array) => Uint8Array][] = [
    ["empty", () => new Uint8Array(0)],
    ["header only", (g) => g.slice(0, 16)],
    ["truncated in the middle", (g) => g.slice(0, g.length >> 1)],
    ["last byte missing", (g) => g.slice(0, g.length - 1)],
    ["bad version", (g) => patch(g, 0, 9)],
    ["bad compressor code", (g) => patch(g, 2, (g[2]! & 0x1f) | (7 << 5))],
    ["cbytes too large", (g) => patch(g, 13, g[13]! + 1)],
    ["block start out of range", (g) => patch(g, 19, 0x7f)],
    ["stream size corrupt", (g) => patch(g, readStart(g) + 3, 0x40)],
    ["nbytes corrupt", (g) => patch(g, 5, g[5]! ^ 0x10)],
    ["garbage", (g) => g.map((_, i) => (i * 151) & 0xff)],
  ];
  for (const [label, mutate] of cases) {
    it(label, async () => {
      const err = await p.decode(mutate(good), ctx).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CodecError);
      expect((err as CodecError).key).toBe("arr/c/3");
    });
  }

  it("corrupt LZ4 stream data is detected when it breaks the stream structure", async () => {
    let detected = 0;
    for (let k = 0; k < 40; k++) {
      const bad = good.slice();
      const start = readStart(bad) + 4;
      for (let i = start + k; i < bad.length; i += 7) bad[i] = bad[i]! ^ 0xa5;
      const r = await p.decode(bad, ctx).catch((e: unknown) => e);
      if (r instanceof CodecError) detected++;
    }
    expect(detected).toBe(40);
  });
});

function patch(g: Uint8Array, at: number, value: number): Uint8Array {
  const out = g.slice();
  out[at] = value & 0xff;
  return out;
}

function readStart(g: Uint8Array): number {
  return g[16]! | (g[17]! << 8) | (g[18]! << 16) | (g[19]! << 24);
}
