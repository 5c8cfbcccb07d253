/**
 * numcodecs `bz2` (read-only): streams decode within the chunk's size, a larger, corrupt or
 * truncated stream or a missing size bound is a CodecError naming the key, and encoding is refused.
 */

import { describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import { CodecError } from "../../../src/core/errors.js";
import { createCodec } from "../../../src/format/codecs/index.js";
import type { BytesToBytesCodec } from "../../../src/format/codecs/types.js";
import { BZ2_DATA, BZ2_STREAM } from "./helpers.js";

const STREAM = BZ2_STREAM;
const DATA = BZ2_DATA;
const ctx = (maxDecodedBytes?: number) => ({ key: "g/a/0", maxDecodedBytes });

function codec(): BytesToBytesCodec {
  const spec = { shape: [30], dataType: dataType("uint8"), fillValue: 0 };
  return createCodec(
    { name: "numcodecs.bz2", configuration: { level: 9 } },
    spec,
    ".zarray",
  ) as BytesToBytesCodec;
}

async function failure(p: Promise<unknown>): Promise<CodecError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CodecError);
  expect((e as CodecError).key).toBe("g/a/0");
  return e as CodecError;
}

describe("numcodecs.bz2", () => {
  it("decodes a stream Python wrote", async () => {
    expect(await codec().decode(STREAM, ctx(30))).toEqual(DATA);
  });

  it("refuses more than the ceiling, corrupt and truncated streams, and no ceiling", async () => {
    expect((await failure(codec().decode(STREAM, ctx(29)))).message).toMatch(
      /more than the expected 29/,
    );
    const bad = new Uint8Array(STREAM);
    bad[20] = bad[20]! ^ 0xff;
    expect((await failure(codec().decode(bad, ctx(30)))).message).toMatch(/corrupt bzip2/);
    expect((await failure(codec().decode(STREAM.subarray(0, 25), ctx(30)))).message).toMatch(
      /corrupt bzip2/,
    );
    expect((await failure(codec().decode(new Uint8Array(8), ctx(30)))).message).toMatch(/header/);
    expect((await failure(codec().decode(STREAM, ctx()))).message).toMatch(/size bound/);
  });

  it("refuses to encode, saying why", async () => {
    expect((await failure(codec().encode(DATA, ctx()))).message).toMatch(/not supported/);
  });
});
