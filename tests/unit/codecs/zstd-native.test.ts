/**
 * The native libzstd path (`zstd-napi`, an optional dependency) gives the same bytes and the same
 * errors as the WebAssembly path: frames written by numcodecs.js (WebAssembly) decode natively,
 * frames the native path writes decode with numcodecs.js, and decoding straight into a caller's
 * buffer applies only when the frame declares exactly that size. Decoding a prefix (sparse reads)
 * gives the first bytes of the full decode, stops after the block holding them, and never applies
 * to a frame with a content checksum.
 */
import fc from "fast-check";
import Zstd from "numcodecs/zstd";
import { describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import { CodecError } from "../../../src/core/errors.js";
import { decodeBytesStage } from "../../../src/format/codecs/ceiling.js";
import { createCodec } from "../../../src/format/codecs/index.js";
import { nativeZstd } from "../../../src/format/codecs/native-zstd.js";
import type { BytesToBytesCodec } from "../../../src/format/codecs/types.js";
import {
  zstdCompress,
  zstdDecompress,
  zstdDecompressInto,
  zstdDecompressPrefixInto,
} from "../../../src/format/codecs/zstd.js";

const ctx = { key: "a/c/0" };

/** Byte equality of large arrays (vitest's deep equality walks them element by element). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(
    Buffer.from(b.buffer, b.byteOffset, b.length),
  );
}
const spec = { shape: [4096], dataType: dataType("uint8"), fillValue: 0 };

/** Compressible bytes: runs and a little noise. */
const dataArb = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 300 })), {
    maxLength: 60,
  })
  .map((runs) => {
    const out: number[] = [];
    for (const [v, n] of runs) for (let i = 0; i < n; i++) out.push((v + (i % 3)) & 255);
    return new Uint8Array(out);
  });

describe.skipIf(nativeZstd === undefined)(
  "native zstd (skipped: the optional zstd-napi binding is not installed here)",
  () => {
    it("decodes numcodecs.js frames to the same bytes, also straight into a buffer", async () => {
      await fc.assert(
        fc.asyncProperty(dataArb, fc.integer({ min: 1, max: 19 }), async (data, level) => {
          const frame = await Zstd.fromConfig({ id: "zstd", level }).encode(data);
          expect(await zstdDecompress(frame)).toEqual(data);
          if (data.length > 0) {
            const out = new Uint8Array(data.length);
            expect(zstdDecompressInto(frame, out)).toBe(true);
            expect(out).toEqual(data);
          }
        }),
        { numRuns: 60 },
      );
    });

    it("writes frames numcodecs.js decodes, with and without the content checksum", async () => {
      await fc.assert(
        fc.asyncProperty(dataArb, fc.boolean(), async (data, checksum) => {
          const frame = await zstdCompress(data, 3, checksum);
          expect(await Zstd.fromConfig({ id: "zstd" }).decode(frame)).toEqual(data);
          expect(await zstdDecompress(frame, data.length)).toEqual(data);
        }),
        { numRuns: 40 },
      );
    });

    it("decodeInto applies only to a frame declaring exactly the buffer's size", async () => {
      const data = new Uint8Array(1000).map((_, i) => i % 7);
      const frame = await zstdCompress(data, 3, false);
      expect(zstdDecompressInto(frame, new Uint8Array(999))).toBe(false);
      expect(zstdDecompressInto(frame, new Uint8Array(1001))).toBe(false);
      const corrupt = new Uint8Array(frame);
      corrupt[corrupt.length - 3] = corrupt[corrupt.length - 3]! ^ 0xff;
      expect(zstdDecompressInto(corrupt, new Uint8Array(1000))).toBe(false);
    });

    it("a prefix decode gives the first bytes of the full decode, whatever the prefix", async () => {
      const decode = nativeZstd!.prefixDecoder!();
      // 300 KiB of float-like noise: three blocks of at most 128 KiB each.
      const data = new Uint8Array(300 * 1024).map((_, i) => (i * 2654435761) >>> 27);
      const frame = await zstdCompress(data, 3, false);
      await fc.assert(
        fc.property(fc.integer({ min: 1, max: data.length - 1 }), (prefix) => {
          const out = new Uint8Array(data.length).fill(0xee);
          expect(zstdDecompressPrefixInto(frame, out, prefix, decode)).toBe(true);
          expect(sameBytes(out.subarray(0, prefix), data.subarray(0, prefix))).toBe(true);
          // Past the block holding the prefix, `out` is left alone.
          expect(out[out.length - 1]).toBe(0xee);
        }),
        { numRuns: 40 },
      );
      // The same context serves the next frame after a prefix of this one (the frame abandoned).
      const other = await zstdCompress(data.slice(0, 200_000).reverse(), 1, false);
      const out = new Uint8Array(200_000);
      expect(zstdDecompressPrefixInto(other, out, 5, decode)).toBe(true);
      expect(out.subarray(0, 5)).toEqual(data.slice(0, 200_000).reverse().subarray(0, 5));
    });

    it("a prefix decode stops at the block that completes the prefix, and does not apply to checksummed or other-sized frames", async () => {
      const decode = nativeZstd!.prefixDecoder!();
      const data = new Uint8Array(300 * 1024).map((_, i) => (i * 2654435761) >>> 27);
      const frame = await zstdCompress(data, 3, false);
      // Cut inside the last block: the full decode fails, a prefix inside the first block does not.
      const cut = frame.subarray(0, frame.length - 100);
      expect(zstdDecompressInto(cut, new Uint8Array(data.length))).toBe(false);
      const out = new Uint8Array(data.length);
      expect(zstdDecompressPrefixInto(cut, out, 1000, decode)).toBe(true);
      expect(out.subarray(0, 1000)).toEqual(data.subarray(0, 1000));
      // A prefix that needs the cut block: not decoded in part (the full decode reports why).
      expect(
        zstdDecompressPrefixInto(cut, new Uint8Array(data.length), data.length - 10, decode),
      ).toBe(false);
      // The content checksum covers the whole frame: never decoded in part.
      const summed = await zstdCompress(data, 3, true);
      expect(zstdDecompressPrefixInto(summed, new Uint8Array(data.length), 1000, decode)).toBe(
        false,
      );
      // Another declared size, an empty or whole prefix, no decoder: not this path.
      expect(zstdDecompressPrefixInto(frame, new Uint8Array(data.length + 1), 1000, decode)).toBe(
        false,
      );
      expect(zstdDecompressPrefixInto(frame, new Uint8Array(data.length), 0, decode)).toBe(false);
      expect(
        zstdDecompressPrefixInto(frame, new Uint8Array(data.length), data.length, decode),
      ).toBe(false);
      expect(zstdDecompressPrefixInto(frame, new Uint8Array(data.length), 1000, undefined)).toBe(
        false,
      );
    });

    it("the codec decodes only the prefix the context asks for, through decodeInto only", async () => {
      const codec = createCodec(
        { name: "zstd", configuration: { level: 3, checksum: false } },
        { shape: [300 * 1024], dataType: dataType("uint8"), fillValue: 0 },
        "zarr.json",
      ) as BytesToBytesCodec;
      const data = new Uint8Array(300 * 1024).map((_, i) => (i * 2654435761) >>> 27);
      const frame = await codec.encode(data, ctx);
      const out = new Uint8Array(data.length).fill(0xee);
      expect(await codec.decodeInto!(frame, out, { ...ctx, decodedPrefix: 64 })).toBe(true);
      expect(out.subarray(0, 64)).toEqual(data.subarray(0, 64));
      expect(out[out.length - 1]).toBe(0xee);
      // decode() ignores it: the whole chunk.
      expect(sameBytes(await codec.decode(frame, { ...ctx, decodedPrefix: 64 }), data)).toBe(true);
      // A truncated frame whose prefix cannot be decoded: the full path reports the error.
      const err = await decodeBytesStage(
        [codec],
        [data.length],
        frame.subarray(0, 50),
        { ...ctx, decodedPrefix: 64 },
        new Uint8Array(data.length),
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CodecError);
    });

    it("the pipeline stage decodes into the given buffer and reports corrupt data as before", async () => {
      const codec = createCodec(
        { name: "zstd", configuration: { level: 1, checksum: true } },
        spec,
        "zarr.json",
      ) as BytesToBytesCodec;
      const data = new Uint8Array(4096).map((_, i) => (i * 31) & 255);
      const frame = await codec.encode(data, ctx);
      const out = new Uint8Array(4096);
      const got = await decodeBytesStage([codec], [4096], frame, ctx, out);
      expect(got).toBe(out);
      expect(out).toEqual(data);
      const bad = new Uint8Array(frame);
      bad[bad.length - 1] = bad[bad.length - 1]! ^ 1; // the content checksum
      const err = await decodeBytesStage([codec], [4096], bad, ctx, new Uint8Array(4096)).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(CodecError);
      expect((err as CodecError).key).toBe(ctx.key);
    });
  },
);
