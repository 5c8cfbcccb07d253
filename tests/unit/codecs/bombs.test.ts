/**
 * Decompression bombs: every codec decodes under a ceiling equal to what the chunk must decode
 * to (from the chunk shape, data type and codec chain) and stops at the first byte past it, so a
 * few hundred KB declaring or inflating to gigabytes fail at once with a CodecError naming the
 * key and codec, allocating next to nothing; through a pipeline, a decode worker and a plan read.
 * Also: blosc frames longer than their header's cbytes are refused (as tensorstore does), and
 * the bounded DEFLATE decoder agrees with fflate's.
 */

import * as nodeZlib from "node:zlib";
import { deflateSync, gzipSync, inflateSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import { CodecError } from "../../../src/core/errors.js";
import { plan } from "../../../src/exec/api.js";
import { Context } from "../../../src/exec/context.js";
import { DecodePool } from "../../../src/exec/decode-pool.js";
import "../../../src/exec/execute.js";
import { compressedBound } from "../../../src/format/codecs/ceiling.js";
import {
  createCodec,
  createCodecPipeline,
  registerCodec,
} from "../../../src/format/codecs/index.js";
import {
  InflateLimitError,
  inflateBounded,
  inflateStreaming,
} from "../../../src/format/codecs/inflate.js";
import type {
  BytesToBytesCodec,
  ChunkSpec,
  CodecPipeline,
} from "../../../src/format/codecs/types.js";
import { zstdFrames } from "../../../src/format/codecs/zstd.js";
import type { CodecSpec } from "../../../src/format/model.js";
import { createArray, openArray } from "../../../src/hierarchy/index.js";
import { MemoryStore } from "../../../src/store/memory.js";

const MiB = 1 << 20;
const GiB = 1 << 30;
const key = "bomb/c/0/0";
/** Chunks of 256 × 256 float32: every chain below must decode to 262144 bytes. */
const spec = { shape: [256, 256], dataType: dataType("float32"), fillValue: 0 };
const CHUNK = 256 * 256 * 4;

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The bytes of a typed array (or of an error's name), for fast comparison. */
function bytesOf(a: ArrayBufferView | string): Buffer {
  return typeof a === "string" ? Buffer.from(a) : Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** True when `a` and `b` hold the same bytes (`toEqual` is slow on large arrays). */
function same(a: ArrayBufferView | string, b: ArrayBufferView | string): boolean {
  return bytesOf(a).equals(bytesOf(b));
}

function u32le(v: number): number[] {
  return [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24];
}

/**
 * Raw DEFLATE data of `mib` MiB of zeros (~1 KB per MiB) built from one small piece: zlib's
 * deflation of 1 MiB of zeros ending in a sync flush (byte-aligned, not final) is valid after any
 * run of zeros, so it is repeated, then closed by an empty final block. No large allocation.
 */
function deflateZeros(mib: number): Uint8Array {
  const piece = nodeZlib.deflateRawSync(new Uint8Array(MiB), {
    level: 9,
    finishFlush: nodeZlib.constants.Z_SYNC_FLUSH,
  });
  return concat([...Array.from({ length: mib }, () => piece), new Uint8Array([3, 0])]);
}

/** A gzip member (RFC 1952) around `deflate`, its trailer declaring `isize` (CRC-32 zero). */
function gzipMember(deflate: Uint8Array, isize: number): Uint8Array {
  const head = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
  return concat([new Uint8Array(head), deflate, new Uint8Array([0, 0, 0, 0, ...u32le(isize)])]);
}

/** A zlib stream (RFC 1950) around `deflate` (Adler-32 zero). */
function zlibStream(deflate: Uint8Array): Uint8Array {
  return concat([new Uint8Array([0x78, 0xda]), deflate, new Uint8Array(4)]);
}

/** One RLE block (RFC 8878 §3.1.1.2) of `size` ≤ 128 KiB bytes of `byte`. */
function rleBlock(size: number, last: boolean, byte = 0): number[] {
  const bh = (size << 3) | (1 << 1) | (last ? 1 : 0);
  return [bh & 255, (bh >> 8) & 255, bh >> 16, byte];
}

/**
 * A zstd frame of `blocks` RLE blocks of 128 KiB (4 bytes each: 32 KB → 1 GiB), declaring
 * `declared` as its 4-byte Frame_Content_Size, or nothing (window 128 KiB).
 */
function zstdRleFrame(blocks: number, declared: number | undefined): Uint8Array {
  const head =
    declared === undefined
      ? [0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38] // no FCS; Window_Descriptor: 2^17
      : [0x28, 0xb5, 0x2f, 0xfd, 0xa0, ...u32le(declared)]; // single segment, 4-byte FCS
  const body: number[] = [];
  for (let i = 0; i < blocks; i++) body.push(...rleBlock(128 * 1024, i === blocks - 1));
  return new Uint8Array([...head, ...body]);
}

/** A blosc 1.x header (16 bytes) + `body`: lz4, byte shuffle, typesize 4. */
function bloscFrame(nbytes: number, blocksize: number, body: Uint8Array): Uint8Array {
  const cbytes = 16 + body.length;
  const head = [2, 1, 0x21, 4, ...u32le(nbytes), ...u32le(blocksize), ...u32le(cbytes)];
  return concat([new Uint8Array(head), body]);
}

const pipelines = new Map<string, CodecPipeline>();
/** The pipeline of `codecs` for chunks of `s`, after a `bytes` codec unless `codecs` has its own. */
function pipeline(codecs: CodecSpec[], s: ChunkSpec = spec): CodecPipeline {
  const id = JSON.stringify([codecs, s.shape]);
  let p = pipelines.get(id);
  if (!p) {
    const a2b = codecs[0]?.name === "sharding_indexed" ? [] : [{ name: "bytes" }];
    p = createCodecPipeline([...a2b, ...codecs], s, "zarr.json");
    pipelines.set(id, p);
  }
  return p;
}

function memory(): number {
  const m = process.memoryUsage();
  return m.arrayBuffers + m.heapUsed;
}

/**
 * Runs `f`, which must reject with a CodecError naming `key` and `codec` whose message matches
 * `message`; asserts that memory (ArrayBuffers + JS heap, and the process's peak RSS) grew by
 * less than 100 MB meanwhile.
 */
async function refuses(
  f: () => Promise<unknown>,
  codec: string,
  message: RegExp,
  k = key,
): Promise<CodecError> {
  const before = memory();
  const peak = process.resourceUsage().maxRSS;
  const e = await f().then(
    () => undefined,
    (x: unknown) => x,
  );
  const grew = memory() - before;
  const peakGrew = (process.resourceUsage().maxRSS - peak) * 1024;
  expect(e).toBeInstanceOf(CodecError);
  const err = e as CodecError;
  expect(err.key).toBe(k);
  expect(err.codec).toBe(codec);
  expect(err.message).toMatch(message);
  expect(grew).toBeLessThan(100e6);
  expect(peakGrew).toBeLessThan(100e6);
  return err;
}

const GZIP: CodecSpec[] = [{ name: "gzip", configuration: { level: 5 } }];
const ZSTD: CodecSpec[] = [{ name: "zstd", configuration: { level: 3, checksum: false } }];
const BLOSC: CodecSpec[] = [
  {
    name: "blosc",
    configuration: { cname: "lz4", clevel: 5, shuffle: "shuffle", typesize: 4, blocksize: 0 },
  },
];
const LZ4: CodecSpec[] = [{ name: "numcodecs.lz4", configuration: { acceleration: 1 } }];
const ZLIB: CodecSpec[] = [{ name: "numcodecs.zlib", configuration: { level: 1 } }];

/** 256 MiB of zeros as raw DEFLATE (~260 KB). */
let zeros256: Uint8Array;

beforeAll(async () => {
  zeros256 = deflateZeros(256);
  // Load the WebAssembly decoders and warm every path before measuring memory.
  const sample = { data: new Float32Array(CHUNK / 4), shape: [256, 256], strides: [256, 1] };
  const chunk = { ...sample, dtype: spec.dataType };
  for (const chain of [GZIP, ZSTD, BLOSC, LZ4, ZLIB]) {
    const p = pipeline(chain);
    await p.decode(await p.encode(chunk, { key }), { key });
  }
  await pipeline(ZSTD)
    .decode(zstdRleFrame(2, undefined), { key })
    .catch(() => undefined);
});

describe("decode ceilings of pipelines", () => {
  it("the innermost bytes→bytes codec gets the array→bytes codec's size; outer ones its bound", () => {
    expect(pipeline(GZIP).bytesStage?.maxDecodedBytes).toEqual([CHUNK]);
    const two = pipeline([...ZSTD, { name: "crc32c" }, ...GZIP]);
    expect(two.bytesStage?.maxDecodedBytes).toEqual([
      CHUNK,
      compressedBound(CHUNK),
      compressedBound(CHUNK) + 4,
    ]);
    expect(two.maxEncodedSize()).toBe(compressedBound(compressedBound(CHUNK) + 4));
    expect(pipeline([{ name: "crc32c" }]).maxEncodedSize()).toBe(CHUNK + 4);
    // v2 filters: delta to int16 halves the size, exactly
    const i4 = { shape: [100], dataType: dataType("int32"), fillValue: 0 };
    const delta = pipeline(
      [{ name: "numcodecs.delta", configuration: { dtype: "<i4", astype: "<i2" } }, ...ZLIB],
      i4,
    );
    expect(delta.bytesStage?.maxDecodedBytes).toEqual([400, 200]);
  });

  it("a shard's bound: index + inner chunk count × the inner pipeline's bound", () => {
    const sharded = pipeline([
      {
        name: "sharding_indexed",
        configuration: {
          chunk_shape: [64, 64],
          codecs: [{ name: "bytes" }, ...GZIP],
          index_codecs: [{ name: "bytes" }, { name: "crc32c" }],
        },
      },
      ...ZSTD,
    ]);
    const index = 16 * 16 + 4;
    const shard = index + 16 * compressedBound(64 * 64 * 4);
    expect(sharded.bytesStage?.maxDecodedBytes).toEqual([shard]);
    expect(sharded.sharding?.innerPipeline.bytesStage?.maxDecodedBytes).toEqual([64 * 64 * 4]);
  });

  it("a user codec without a size bound leaves the codecs outside it without a ceiling", () => {
    const id: BytesToBytesCodec = {
      kind: "bytes_to_bytes",
      name: "test.identity",
      encode: async (b) => b,
      decode: async (b) => b,
      toJSON: () => ({ name: "test.identity" }),
    };
    registerCodec("test.identity", () => id);
    const p = pipeline([{ name: "test.identity" }, ...GZIP]);
    expect(p.bytesStage?.maxDecodedBytes).toEqual([CHUNK, undefined]);
    expect(p.maxEncodedSize()).toBeUndefined();
  });

  it("a user codec ignoring its ceiling is caught after the fact", async () => {
    const seen: (number | undefined)[] = [];
    const pad: BytesToBytesCodec = {
      kind: "bytes_to_bytes",
      name: "test.pad",
      encode: async (b) => b,
      decode: async (b, ctx) => {
        seen.push(ctx.maxDecodedBytes);
        return new Uint8Array(b.length + 1);
      },
      toJSON: () => ({ name: "test.pad" }),
    };
    registerCodec("test.pad", () => pad);
    const p = pipeline([{ name: "test.pad" }]);
    await refuses(
      () => p.decode(new Uint8Array(CHUNK), { key, maxDecodedBytes: 1e12 }),
      "test.pad",
      /decodes to more than the expected 262144 bytes \(got 262145\)/,
    );
    expect(seen).toEqual([CHUNK]); // the pipeline's ceiling, not the caller's
  });
});

describe("bombs fail fast with CodecError and allocate next to nothing", () => {
  it("gzip: 256 MiB of zeros, honest trailer: refused before inflating", async () => {
    const bomb = gzipMember(zeros256, 256 * MiB);
    expect(bomb.length).toBeLessThan(300_000);
    await refuses(
      () => pipeline(GZIP).decode(bomb, { key }),
      "gzip",
      /decodes to more than the expected 262144 bytes \(trailer declares 268435456\)/,
    );
  });

  it("gzip: 256 MiB of zeros, trailer lying (ISIZE = the chunk size): stops past it", async () => {
    await refuses(
      () => pipeline(GZIP).decode(gzipMember(zeros256, CHUNK), { key }),
      "gzip",
      /inflates past the 262144 bytes the trailer declares/,
    );
  });

  it("zlib (v2 numcodecs.zlib): 256 MiB of zeros stops at the first byte past the chunk", async () => {
    await refuses(
      () => pipeline(ZLIB).decode(zlibStream(zeros256), { key }),
      "numcodecs.zlib",
      /decodes to more than the expected 262144 bytes \(DEFLATE data inflates past it\)/,
    );
  });

  it("zstd: a frame declaring 1 GiB is refused before anything is allocated", async () => {
    const tiny = zstdRleFrame(1, GiB); // 13 bytes
    await refuses(
      () => pipeline(ZSTD).decode(tiny, { key }),
      "zstd",
      /decodes to more than the expected 262144 bytes \(frame declares 1073741824\)/,
    );
    const real = zstdRleFrame(8192, GiB); // 32 KB that does decode to 1 GiB
    expect(real.length).toBeLessThan(33_000);
    await refuses(() => pipeline(ZSTD).decode(real, { key }), "zstd", /frame declares 1073741824/);
  });

  it("zstd: 1 GiB in a frame without a content size stops at the ceiling", async () => {
    const bomb = zstdRleFrame(8192, undefined);
    expect(zstdFrames(bomb)).toEqual({ frames: 1, bound: GiB, exact: true });
    await refuses(
      () => pipeline(ZSTD).decode(bomb, { key }),
      "zstd",
      /decodes to more than the expected 262144 bytes \(frame holds 1073741824\)/,
    );
    // compressed blocks (no exact bound): decoded into at most the ceiling, libzstd stops there
    const big = new Uint8Array(4 * MiB).map((_, i) => (i * 7) & 0x3f);
    const z = createCodec(ZSTD[0]!, spec, "zarr.json") as BytesToBytesCodec;
    const noSize = dropContentSize(await z.encode(big, { key }));
    expect(zstdFrames(noSize)?.exact).toBe(false);
    await refuses(
      () => pipeline(ZSTD).decode(noSize, { key }),
      "zstd",
      /do not decode within the expected 262144 bytes/,
    );
  });

  it("zstd: a small frame followed by one declaring 1 GiB", async () => {
    const first = zstdRleFrame(1, 128 * 1024);
    const bomb = concat([first, zstdRleFrame(1, GiB)]);
    await refuses(
      () => pipeline(ZSTD).decode(bomb, { key }),
      "zstd",
      /decodes to more than the expected 262144 bytes \(2 frames hold 1073872896\)/,
    );
  });

  it("blosc: a header declaring nbytes 1 GiB is refused before decoding", async () => {
    const bomb = bloscFrame(GiB, 256 * 1024, new Uint8Array(4 * 4096));
    await refuses(
      () => pipeline(BLOSC).decode(bomb, { key }),
      "blosc",
      /decodes to more than the expected 262144 bytes \(header declares nbytes 1073741824\)/,
    );
  });

  it("blosc: a zlib or zstd stream inside a frame stops at its block's size", async () => {
    const frame = (format: number, stream: Uint8Array) => {
      // one block of 64 KiB, not split, no shuffle, typesize 1
      const body = concat([new Uint8Array([...u32le(20), ...u32le(stream.length)]), stream]);
      const f = bloscFrame(65536, 65536, body);
      f[2] = (format << 5) | 0x10;
      f[3] = 1;
      return f;
    };
    await refuses(
      () => pipeline(BLOSC).decode(frame(3, zlibStream(deflateZeros(64))), { key }),
      "blosc",
      /zlib stream of block 0 decodes to more than the expected 65536 bytes/,
    );
    await refuses(
      () => pipeline(BLOSC).decode(frame(4, zstdRleFrame(8192, undefined)), { key }),
      "blosc",
      /zstd stream of block 0 decodes to more than the expected 65536 bytes \(frame holds 1073741824\)/,
    );
  });

  it("numcodecs.lz4: a size prefix of 1 GiB is refused before decoding", async () => {
    const bomb = new Uint8Array([...u32le(GiB), 0x1f, 0, 1, 0, 0xff, 0xff, 0xff, 0xff]);
    await refuses(
      () => pipeline(LZ4).decode(bomb, { key }),
      "numcodecs.lz4",
      /decodes to more than the expected 262144 bytes \(size prefix declares 1073741824\)/,
    );
  });

  it("eight bombs at once stay as small as one", async () => {
    const bomb = zstdRleFrame(8192, undefined);
    const before = memory();
    const all = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        i % 2
          ? pipeline(ZSTD).decode(bomb, { key })
          : pipeline(ZLIB).decode(zlibStream(zeros256), { key }),
      ),
    );
    expect(all.every((r) => r.status === "rejected" && r.reason instanceof CodecError)).toBe(true);
    expect(memory() - before).toBeLessThan(100e6);
  });
});

/** `frame` (one zstd frame with a Frame_Content_Size) rewritten without it. */
function dropContentSize(frame: Uint8Array): Uint8Array {
  const fhd = frame[4]!;
  const single = (fhd >> 5) & 1;
  const fcsFlag = fhd >> 6;
  const fcsSize = fcsFlag === 0 ? single : 1 << fcsFlag;
  const did = [0, 1, 2, 4][fhd & 3]!;
  const rest = frame.subarray(5 + (single ? 0 : 1) + did + fcsSize);
  // no FCS, not single segment: a Window_Descriptor of 2^22 bytes takes its place
  const head = [0x28, 0xb5, 0x2f, 0xfd, fhd & 0x07, 0x60];
  const dict = frame.subarray(5 + (single ? 0 : 1), 5 + (single ? 0 : 1) + did);
  return concat([new Uint8Array(head), dict, rest]);
}

describe("legitimate data is not refused", () => {
  it("chunks exactly at the ceiling decode through every chain", async () => {
    const data = new Float32Array(CHUNK / 4).map((_, i) => Math.sin(i / 50) * 100);
    const chunk = { data, shape: [256, 256], strides: [256, 1], dtype: spec.dataType };
    for (const chain of [GZIP, ZSTD, BLOSC, LZ4, ZLIB, [...ZSTD, { name: "crc32c" }, ...GZIP]]) {
      const p = pipeline(chain);
      const got = await p.decode(await p.encode(chunk, { key }), { key });
      expect(same(got.data as ArrayBufferView, data)).toBe(true);
    }
  });

  it("zstd frames without a content size, and concatenated frames, within the ceiling", async () => {
    const data = new Uint8Array(CHUNK).map((_, i) => (i * 13) & 0x7f);
    const z = createCodec(ZSTD[0]!, spec, "zarr.json") as BytesToBytesCodec;
    const enc = await z.encode(data, { key });
    const p = pipeline(ZSTD);
    const viaBytes = async (b: Uint8Array) =>
      new Uint8Array(((await p.decode(b, { key })).data as Uint8Array).buffer);
    expect(same(await viaBytes(dropContentSize(enc)), data)).toBe(true);
    const half = CHUNK / 2;
    const a = await z.encode(data.subarray(0, half), { key });
    const b = await z.encode(data.subarray(half), { key });
    expect(same(await viaBytes(concat([a, dropContentSize(b)])), data)).toBe(true);
    // RLE blocks only, no size: exactly 2 × 128 KiB of 7s
    const rle = new Uint8Array([
      0x28,
      0xb5,
      0x2f,
      0xfd,
      0,
      0x38,
      ...rleBlock(131072, false, 7),
      ...rleBlock(131072, true, 7),
    ]);
    expect(same(await viaBytes(rle), new Uint8Array(CHUNK).fill(7))).toBe(true);
  });

  it("gzip members from fflate and zlib at every level", async () => {
    const data = new Uint8Array(CHUNK).map((_, i) => (i * 31) >> 7);
    const p = pipeline(GZIP);
    for (const level of [0, 1, 6, 9] as const) {
      for (const bytes of [gzipSync(data, { level }), nodeZlib.gzipSync(data, { level })]) {
        expect(same((await p.decode(bytes, { key })).data as ArrayBufferView, data)).toBe(true);
      }
    }
  });
});

describe("blosc frames must be exactly cbytes long (as tensorstore's blosc_cbuffer_validate)", () => {
  it("trailing bytes after the frame are refused; the frame alone decodes", async () => {
    const data = new Float32Array(CHUNK / 4).map((_, i) => i % 1000);
    const chunk = { data, shape: [256, 256], strides: [256, 1], dtype: spec.dataType };
    const p = pipeline(BLOSC);
    const frame = await p.encode(chunk, { key });
    expect(same((await p.decode(frame, { key })).data as ArrayBufferView, data)).toBe(true);
    const longer = concat([frame, new Uint8Array(5)]);
    const e = await refuses(() => p.decode(longer, { key }), "blosc", /5 bytes past the frame/);
    expect(e.message).toMatch(new RegExp(`header says ${frame.length} compressed bytes`));
    // and without any ceiling (the codec alone)
    const codec = createCodec(BLOSC[0]!, spec, "zarr.json") as BytesToBytesCodec;
    await expect(codec.decode(longer, { key })).rejects.toThrow(/past the frame/);
    await expect(codec.decode(frame.subarray(0, frame.length - 1), { key })).rejects.toThrow(
      /truncated/,
    );
  });
});

describe("the decode worker applies the same ceilings", () => {
  const pool = new DecodePool({ workers: 2, minBytes: 0 });
  afterAll(() => pool.close());
  const cases: [string, CodecSpec[], () => Uint8Array][] = [
    ["gzip", GZIP, () => gzipMember(zeros256, 256 * MiB)],
    ["gzip (lying trailer)", GZIP, () => gzipMember(zeros256, CHUNK)],
    ["numcodecs.zlib", ZLIB, () => zlibStream(zeros256)],
    ["zstd", ZSTD, () => zstdRleFrame(8192, GiB)],
    ["zstd (no size)", ZSTD, () => zstdRleFrame(8192, undefined)],
    ["blosc", BLOSC, () => bloscFrame(GiB, 256 * 1024, new Uint8Array(4 * 4096))],
    ["numcodecs.lz4", LZ4, () => new Uint8Array([...u32le(GiB), 0x1f, 0, 1, 0, 0xff])],
  ];
  for (const [name, chain, bomb] of cases) {
    it(`${name}: same CodecError as on the calling thread`, async () => {
      const p = pipeline(chain);
      expect(pool.offloads(p, 1)).toBe(true);
      const b = bomb();
      const inline = (await p.decode(b, { key }).catch((e: unknown) => e)) as CodecError;
      const viaPool = await refuses(() => pool.decode(p, b, key), inline.codec, /262144 bytes/);
      expect(viaPool.message).toBe(inline.message);
      expect(inline.message).toMatch(/262144 bytes/);
    });
  }
});

describe("a plan read of an array whose chunk was replaced by a bomb", () => {
  for (const workers of [0, 2]) {
    it(`fails with a CodecError naming the key (${workers} decode workers)`, async () => {
      const context = new Context({ decodeWorkers: { workers, minBytes: 0 } });
      try {
        const mem = new MemoryStore();
        await createArray(mem, "z", {
          shape: [512, 256],
          chunks: [256, 256],
          dtype: "float32",
          compressor: GZIP[0]!,
        });
        const v2 = await createArray(mem, "v2", {
          shape: [512, 256],
          chunks: [256, 256],
          dtype: "float32",
          zarrFormat: 2,
          compressor: { name: "zstd", configuration: { level: 1 } },
        });
        await v2.write(1);
        const v2Keys = (await mem.list("v2/")).filter((k) => !k.split("/").pop()!.startsWith("."));
        expect(v2Keys.length).toBe(2);
        await mem.set("z/c/1/0", gzipMember(zeros256, 256 * MiB));
        await mem.set(v2Keys[1]!, zstdRleFrame(8192, undefined));
        const z = await openArray(mem, "z", { context });
        const e = await refuses(
          () => plan({ z: z.lazy() }, { context }).read(),
          "gzip",
          /decodes to more than the expected 262144 bytes \(trailer declares 268435456\)/,
          "z/c/1/0",
        );
        expect(e.message).toMatch(/"z\/c\/1\/0"/);
        const a = await openArray(mem, "v2", { context });
        await refuses(
          () => plan({ a: a.lazy() }, { context }).read(),
          "numcodecs.zstd",
          /decodes to more than the expected 262144 bytes/,
          v2Keys[1]!,
        );
      } finally {
        context.close();
      }
    });
  }

  it("sharded: an inner chunk replaced by a bomb (whole-shard and partial reads)", async () => {
    const mem = new MemoryStore();
    const arr = await createArray(mem, "s", {
      shape: [256, 256],
      chunks: [64, 64],
      shards: [256, 256],
      dtype: "float32",
      compressor: GZIP[0]!,
    });
    await arr.write(3);
    const shard = (await mem.get("s/c/0/0"))!;
    // rebuild the shard with inner chunk 0 replaced by a bomb (index at the end)
    const index = new DataView(shard.buffer, shard.byteOffset + shard.length - 16 * 16 - 4);
    const bomb = gzipMember(deflateZeros(64), 64 * 64 * 4); // lying trailer
    const oldLen = Number(index.getBigUint64(8, true));
    const body = concat([bomb, shard.subarray(oldLen, shard.length - 16 * 16 - 4)]);
    const entries = new BigUint64Array(32);
    for (let i = 0; i < 16; i++) {
      const off = Number(index.getBigUint64(16 * i, true));
      const len = Number(index.getBigUint64(16 * i + 8, true));
      entries[2 * i] = BigInt(i === 0 ? 0 : off - oldLen + bomb.length);
      entries[2 * i + 1] = BigInt(i === 0 ? bomb.length : len);
    }
    const idx = new Uint8Array(entries.buffer);
    const { crc32c } = await import("../../../src/format/codecs/checksums.js");
    const crc = await crc32c(idx);
    await mem.set("s/c/0/0", concat([body, idx, new Uint8Array(u32le(crc))]));
    const s = await openArray(mem, "s");
    for (const view of [s.lazy(), s.lazy().get([0, 0])]) {
      await refuses(
        () => plan({ v: view }).read(),
        "gzip",
        /inflates past the 16384 bytes the trailer declares/,
        "s/c/0/0",
      );
    }
    // the codec's own whole-shard decode
    const stored = (await mem.get("s/c/0/0"))!;
    await refuses(
      () => s.pipeline.decode(stored, { key: "s/c/0/0" }),
      "gzip",
      /inflates past the 16384 bytes/,
      "s/c/0/0",
    );
  });
});

describe("inflateBounded: node:zlib in Node, fflate's streaming decoder in browsers", () => {
  const paths = [
    ["node:zlib", inflateBounded],
    ["fflate streaming", inflateStreaming],
  ] as const;

  for (const [name, inflate] of paths) {
    it(`${name}: equals fflate's inflateSync on valid streams; corrupt ones error in both`, () => {
      let seed = 7;
      const rnd = () => {
        seed = (seed * 1103515245 + 12345) >>> 0;
        return seed / 2 ** 32;
      };
      for (let t = 0; t < 400; t++) {
        const n = (rnd() * 20_000) | 0;
        const src = new Uint8Array(n).map((_, i) => (t % 3 === 0 ? rnd() * 256 : (i * t) % 17));
        const level = [0, 1, 6, 9][t % 4] as 0 | 1 | 6 | 9;
        const good = t % 2 ? deflateSync(src, { level }) : nodeZlib.deflateRawSync(src, { level });
        expect(same(inflate(good), src)).toBe(true);
        expect(same(inflate(good, { size: n }), src)).toBe(true);
        if (n > 0) expect(() => inflate(good, { maxBytes: n - 1 })).toThrow(InflateLimitError);
        const bad = good.slice();
        for (let k = 0; k < 3; k++) bad[(rnd() * bad.length) | 0]! ^= 1 << ((rnd() * 8) | 0);
        let theirs: Uint8Array | undefined;
        try {
          theirs = inflateSync(bad);
        } catch {
          theirs = undefined;
        }
        // Corrupt data: wherever both decoders produce output it is the same bytes (decoders
        // differ in how lenient they are with a damaged final block, never in what they decode).
        let ours: Uint8Array | undefined;
        try {
          ours = inflate(bad);
        } catch {
          ours = undefined;
        }
        if (ours && theirs) expect(same(ours, theirs)).toBe(true);
      }
    });

    it(`${name}: stops past the ceiling without holding the whole output`, () => {
      const bomb = deflateZeros(64);
      const e = (() => {
        try {
          inflate(bomb, { maxBytes: 1000 });
        } catch (x) {
          return x;
        }
      })();
      expect(e).toBeInstanceOf(InflateLimitError);
      expect((e as InflateLimitError).limit).toBe(1000);
      expect(inflate(bomb, { maxBytes: 64 * MiB }).length).toBe(64 * MiB);
    });
  }
});
