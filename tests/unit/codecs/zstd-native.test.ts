/**
 * The native libzstd path (`zstd-napi`, an optional dependency) gives the same bytes and the same
 * errors as the WebAssembly path: frames written by numcodecs.js (WebAssembly) decode natively,
 * frames the native path writes decode with numcodecs.js, and decoding straight into a caller's
 * buffer applies only when the frame declares exactly that size.
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
} from "../../../src/format/codecs/zstd.js";

const ctx = { key: "a/c/0" };
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
