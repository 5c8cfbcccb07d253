/**
 * Variable-length chunks state no size, so the codecs in front of `vlen-utf8` / `vlen-bytes` /
 * `json2` decode under MAX_VARIABLE_LENGTH_CHUNK_BYTES: a tiny zstd frame claiming 1 GiB is a
 * CodecError before anything is allocated.
 */
import { describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import { CodecError } from "../../../src/core/errors.js";
import { MAX_VARIABLE_LENGTH_CHUNK_BYTES } from "../../../src/format/codecs/ceiling.js";
import { createCodecPipeline } from "../../../src/format/codecs/index.js";

describe("decode ceiling of variable-length chunks", () => {
  it("a 13-byte zstd frame declaring 1 GiB is refused with the ceiling in the message", async () => {
    const spec = { shape: [4], dataType: dataType("string"), fillValue: "" };
    const p = createCodecPipeline(
      [{ name: "vlen-utf8" }, { name: "zstd", configuration: { level: 1, checksum: false } }],
      spec,
      "s/zarr.json",
    );
    expect(p.maxEncodedSize()).toBeGreaterThanOrEqual(MAX_VARIABLE_LENGTH_CHUNK_BYTES);
    // Magic, a single-segment frame header with an 8-byte Frame_Content_Size of 2^30.
    const frame = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0x40, 0, 0, 0, 0]);
    const err = await p.decode(frame, { key: "s/c/0" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodecError);
    expect((err as CodecError).key).toBe("s/c/0");
    expect((err as Error).message).toMatch(new RegExp(`${MAX_VARIABLE_LENGTH_CHUNK_BYTES}`));
  });
});
