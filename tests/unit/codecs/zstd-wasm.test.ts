/**
 * The WebAssembly zstd path (what browsers and Node without the optional native binding use),
 * forced here by hiding the native binding: the same bytes as numcodecs.js, decode ceilings, and
 * no decoding into a caller's buffer.
 */
import fc from "fast-check";
import Zstd from "numcodecs/zstd";
import { describe, expect, it, vi } from "vitest";
import {
  zstdCompress,
  zstdDecompress,
  zstdDecompressInto,
} from "../../../src/format/codecs/zstd.js";

vi.mock("../../../src/format/codecs/native-zstd.js", () => ({ nativeZstd: undefined }));

describe("zstd without the native binding", () => {
  it("round-trips with numcodecs.js and refuses a declared size over the ceiling", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 5000 }), fc.boolean(), async (data, checksum) => {
        const frame = await zstdCompress(data, 3, checksum);
        expect(await Zstd.fromConfig({ id: "zstd" }).decode(frame)).toEqual(data);
        expect(await zstdDecompress(frame, data.length)).toEqual(data);
        if (data.length > 0) {
          await expect(zstdDecompress(frame, data.length - 1)).rejects.toThrow(/more than/);
          expect(zstdDecompressInto(frame, new Uint8Array(data.length))).toBe(false);
        }
      }),
      { numRuns: 40 },
    );
  });
});
