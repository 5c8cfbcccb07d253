/**
 * Sparse reads decode only the prefix of a chunk they need (`run/prefix.ts`,
 * `CodecContext.decodedPrefix`): a read whose last element in a chunk (C order) lies in its first
 * zstd blocks (native binding) or blosc blocks (everywhere) decodes those blocks only, on decode
 * workers and on the calling thread alike. The values are those of the whole decode for points,
 * orthogonal selections and slices (negative steps too), in chunks and in inner chunks of shards,
 * little- and big-endian, with and without the zstd content checksum; a chunk damaged after the
 * blocks a read needs is read by that read and refused by one that needs the damaged block.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import { CodecError } from "../../../src/core/errors.js";
import { Context } from "../../../src/exec/context.js";
import { decodedPrefixOf } from "../../../src/exec/run/prefix.js";
import { createCodecPipeline } from "../../../src/format/codecs/index.js";
import { nativeZstd } from "../../../src/format/codecs/native-zstd.js";
import type { CodecSpec } from "../../../src/format/model.js";
import { createArray, openArray } from "../../../src/hierarchy/index.js";
import { slice } from "../../../src/index-space/selection.js";
import { MemoryStore } from "../../../src/store/memory.js";

/** 512 × 512 float32 in 256 × 256 chunks: 256 KiB decoded, two zstd blocks of 128 KiB each. */
const N = 512;
const C = 256;
/** Incompressible enough that each block is a real compressed block (not RLE). */
const value = (i: number) => ((i * 2654435761) >>> 7) / 1024;
const reference = Float32Array.from({ length: N * N }, (_, i) => value(i));

const zstd = (checksum: boolean): CodecSpec => ({
  name: "zstd",
  configuration: { level: 1, checksum },
});
const bytes = (endian: "little" | "big"): CodecSpec => ({
  name: "bytes",
  configuration: { endian },
});

/** blosc with 16 KiB blocks (16 per chunk) and byte shuffle. */
const blosc: CodecSpec = {
  name: "blosc",
  configuration: { cname: "zstd", clevel: 1, shuffle: "shuffle", typesize: 4, blocksize: 16384 },
};

interface Variant {
  readonly name: string;
  readonly chunks: number[];
  readonly codecs: CodecSpec[];
  /** Decodes a prefix only with the native zstd binding (blosc does everywhere). */
  readonly native?: boolean;
}

const VARIANTS: Variant[] = [
  {
    name: "zstd chunks, little-endian",
    chunks: [C, C],
    codecs: [bytes("little"), zstd(false)],
    native: true,
  },
  {
    name: "zstd chunks, big-endian",
    chunks: [C, C],
    codecs: [bytes("big"), zstd(false)],
    native: true,
  },
  {
    name: "zstd chunks, content checksum",
    chunks: [C, C],
    codecs: [bytes("little"), zstd(true)],
    native: true,
  },
  { name: "blosc chunks", chunks: [C, C], codecs: [bytes("little"), blosc] },
  {
    name: "zstd inner chunks of 512² shards",
    native: true,
    chunks: [N, N],
    codecs: [
      {
        name: "sharding_indexed",
        configuration: {
          chunk_shape: [C, C],
          codecs: [bytes("little"), zstd(false)],
          index_codecs: [bytes("little"), { name: "crc32c" }],
        },
      },
    ],
  },
];

const contexts: Context[] = [];
afterAll(() => {
  for (const c of contexts) c.close();
});
function context(workers: number): Context {
  const c = new Context({ decodeWorkers: { workers, minBytes: 0 } });
  contexts.push(c);
  return c;
}

/** A store holding "a": the reference array written with `codecs` in chunks of `chunks`. */
async function written(codecs: CodecSpec[], chunks = [C, C]): Promise<MemoryStore> {
  const store = new MemoryStore();
  const a = await createArray(store, "a", {
    shape: [N, N],
    chunks,
    dtype: "float32",
    fillValue: 0,
    codecs,
    context: context(0),
  });
  await a.lazy().write({ data: reference, shape: [N, N], strides: [N, 1], dtype: a.dtype });
  return store;
}

/**
 * With chunk `a/c/0/0` of `store` damaged after its first block: in every context, a point in
 * that block reads its value and the chunk's last element is a CodecError naming the chunk (whose
 * text contains `says`, when given).
 */
async function servedThenRefused(
  store: MemoryStore,
  contexts: readonly Context[],
  says?: string,
): Promise<void> {
  for (const ctx of contexts) {
    const b = await openArray(store, "a", { context: ctx });
    expect((await b.lazy().vindex([3], [7]).read()).data[0]).toBe(reference[3 * N + 7]);
    const err = await b
      .lazy()
      .vindex([C - 1], [C - 1])
      .read()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodecError);
    expect((err as CodecError).key).toBe("a/c/0/0");
    if (says !== undefined) expect(String(err)).toContain(says);
  }
}

const stores = new Map<string, MemoryStore>();
beforeAll(async () => {
  for (const v of VARIANTS) stores.set(v.name, await written(v.codecs, v.chunks));
});

const coord = fc.integer({ min: 0, max: N - 1 });

describe("memory made before decoding", () => {
  it("a chunk its metadata declares absurdly large is a CodecError, on workers and here, for sparse and whole reads", async () => {
    // What the fuzzer found: chunks [90, 2^50] float32 (4·10^17 bytes) in the metadata, a stored
    // chunk of 90 × 180 float32. Nothing may be allocated at the metadata's word.
    const spec = { shape: [90, 2 ** 50], dataType: dataType("float32"), fillValue: 0 };
    const p = createCodecPipeline([bytes("little"), zstd(false)], spec, "zarr.json");
    const small = createCodecPipeline(
      [bytes("little"), zstd(false)],
      { shape: [90, 180], dataType: dataType("float32"), fillValue: 0 },
      "zarr.json",
    );
    const stored = await small.encode(
      {
        data: Float32Array.from({ length: 90 * 180 }, (_, i) => value(i)),
        shape: [90, 180],
        strides: [180, 1],
        dtype: dataType("float32"),
      },
      { key: "c/0/0" },
    );
    for (const ctx of [context(1), context(0)]) {
      for (const prefix of [400, undefined]) {
        const err = await ctx.decodePool
          .decodeWith(p, stored, "c/0/0", (c) => c.data[0], prefix)
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(CodecError);
        expect((err as CodecError).key).toBe("c/0/0");
      }
    }
  });
});

describe("decodedPrefixOf", () => {
  const f32 = dataType("float32");
  const spec = { shape: [C, C], dataType: f32, fillValue: 0 };
  const task = (last: number) => ({
    read: 0,
    task: { coords: [0, 0], chunkOffset: last, outOffset: 0, factors: [], count: 1 },
  });

  it("is the bytes up to the last element read, only where elements are stored in C order", () => {
    const plain = createCodecPipeline([bytes("little"), zstd(false)], spec, "zarr.json");
    expect(decodedPrefixOf(plain, [task(10), task(3)])).toBe(11 * 4);
    // The last element of the chunk: the whole chunk.
    expect(decodedPrefixOf(plain, [task(C * C - 1)])).toBeUndefined();
    // transpose moves elements; no bytes→bytes codec decodes nothing.
    const transposed = createCodecPipeline(
      [{ name: "transpose", configuration: { order: [1, 0] } }, bytes("little"), zstd(false)],
      spec,
      "zarr.json",
    );
    expect(decodedPrefixOf(transposed, [task(10)])).toBeUndefined();
    const raw = createCodecPipeline([bytes("little")], spec, "zarr.json");
    expect(decodedPrefixOf(raw, [task(10)])).toBeUndefined();
  });
});

/** zstd decodes a prefix only through the optional native binding. */
const noNative = nativeZstd?.prefixDecoder === undefined;
const SKIP_NATIVE = " (skipped: the optional zstd-napi binding is not installed here)";

describe("sparse reads decode a prefix", () => {
  const workers = context(2);

  const here = context(0);
  for (const [where, ctx] of [
    ["on workers", workers],
    ["on the calling thread", here],
  ] as const)
    for (const v of VARIANTS) {
      const skip = v.native === true && noNative;
      it.skipIf(skip)(
        `${v.name}, ${where}: points, orthogonal selections and slices equal the reference${skip ? SKIP_NATIVE : ""}`,
        async () => {
          const a = await openArray(stores.get(v.name)!, "a", { context: ctx });
          await fc.assert(
            fc.asyncProperty(
              fc.array(fc.tuple(coord, coord), { minLength: 1, maxLength: 12 }),
              fc.uniqueArray(coord, { minLength: 1, maxLength: 6 }),
              fc.uniqueArray(coord, { minLength: 1, maxLength: 6 }),
              fc.integer({ min: 0, max: C - 1 }),
              fc.integer({ min: 1, max: 40 }),
              async (points, rows, cols, row, n) => {
                const p = await a
                  .lazy()
                  .vindex(
                    points.map(([r]) => r),
                    points.map(([, c]) => c),
                  )
                  .read();
                expect([...p.data]).toEqual(points.map(([r, c]) => reference[r * N + c]));
                rows.sort((x, y) => x - y);
                const o = await a.lazy().oindex(rows, cols).read();
                expect([...o.data]).toEqual(
                  rows.flatMap((r) => cols.map((c) => reference[r * N + c])),
                );
                // The first rows of chunks, and a negative step across the chunk boundary.
                const s = await a
                  .lazy()
                  .get(slice(row, row + n > N ? N : row + n), slice(C + 10, C - 10, -3))
                  .read();
                const want: number[] = [];
                for (let r = row; r < Math.min(row + n, N); r++)
                  for (let c = C + 10; c > C - 10; c -= 3) want.push(reference[r * N + c]!);
                expect([...s.data]).toEqual(want);
              },
            ),
            { numRuns: 25 },
          );
        },
      );
    }

  it("blosc: a chunk whose last block is damaged serves reads of its first blocks and refuses reads of the last", async () => {
    const store = await written([bytes("little"), blosc]);
    const stored = (await store.get("a/c/0/0"))!.slice();
    // The block table (after the 16-byte header): the last block's start points past the frame.
    const blocks = (C * C * 4) / 16384;
    new DataView(stored.buffer).setInt32(16 + 4 * (blocks - 1), stored.length + 1000, true);
    await store.set("a/c/0/0", stored);
    await servedThenRefused(store, [workers, here], "block table");
  });

  it.skipIf(noNative)(
    `zstd: a chunk cut short after its first block: a read of the first block succeeds, one of the last fails${noNative ? SKIP_NATIVE : ""}`,
    async () => {
      const store = await written([bytes("little"), zstd(false)]);
      const stored = (await store.get("a/c/0/0"))!;
      await store.set("a/c/0/0", stored.slice(0, stored.length - 200));
      // (3, 7) lies in the first 128 KiB block, decoded from it alone; (255, 255) needs the cut one.
      await servedThenRefused(store, [workers, here]);
      const b = await openArray(store, "a", { context: workers });
      // A read of the whole chunk (its last element included) decodes it whole: refused.
      const whole = await b
        .lazy()
        .get(slice(0, C), slice(0, C))
        .read()
        .catch((e: unknown) => e);
      expect(whole).toBeInstanceOf(CodecError);
    },
  );
});
