/**
 * Encoding on the decode workers (`DecodePool.encode`, `Context.encode`): the bytes→bytes stage
 * of an encode runs on a worker and gives the same bytes and the same typed errors as
 * `pipeline.encode` on the calling thread, for every compressing codec, for sharded pipelines
 * (inner chunks through the pool) and when no worker is there.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { type DataType, dataType } from "../../../src/core/dtype.js";
import { AbortError, CodecError, ZarrPlanError } from "../../../src/core/errors.js";
import { cStrides, type NDArray } from "../../../src/core/ndarray.js";
import { Context } from "../../../src/exec/context.js";
import { DecodePool } from "../../../src/exec/decode-pool.js";
import { createCodecPipeline } from "../../../src/format/codecs/index.js";
import type { CodecPipeline } from "../../../src/format/codecs/pipeline.js";
import type { CodecSpec } from "../../../src/format/model.js";

const key = "a/c/0/0";
const crc: CodecSpec = { name: "crc32c" };

/** The bytes→bytes codecs the pool offloads, after the array→bytes codec. */
const CHAINS: Record<string, CodecSpec[]> = {
  gzip: [{ name: "gzip", configuration: { level: 5 } }],
  "numcodecs.gzip": [{ name: "numcodecs.gzip", configuration: { level: 1 } }],
  zlib: [{ name: "zlib", configuration: { level: 1 } }],
  "numcodecs.zlib": [{ name: "numcodecs.zlib", configuration: { level: 3 } }],
  zstd: [{ name: "zstd", configuration: { level: 3, checksum: true } }],
  "numcodecs.zstd": [{ name: "numcodecs.zstd", configuration: { level: 1 } }],
  "blosc lz4 shuffle": [
    {
      name: "blosc",
      configuration: { cname: "lz4", clevel: 5, shuffle: "shuffle", typesize: 4, blocksize: 0 },
    },
  ],
  "blosc zstd bitshuffle": [
    { name: "blosc", configuration: { cname: "zstd", clevel: 3, shuffle: "bitshuffle" } },
  ],
  "blosc zlib noshuffle": [
    { name: "blosc", configuration: { cname: "zlib", clevel: 5, shuffle: "noshuffle" } },
  ],
  "numcodecs.blosc bitshuffle": [
    { name: "numcodecs.blosc", configuration: { cname: "blosclz", clevel: 9, shuffle: 2 } },
  ],
  "numcodecs.lz4": [{ name: "numcodecs.lz4", configuration: { acceleration: 1 } }],
  crc32c: [crc],
  "zstd + crc32c": [{ name: "zstd", configuration: { level: 1 } }, crc],
};

/** Data types and the `bytes` configuration they are written with. */
const DTYPES: { dt: DataType; endian: "little" | "big" }[] = [
  { dt: dataType("float64"), endian: "little" },
  { dt: dataType("uint16"), endian: "big" },
  { dt: dataType("int32"), endian: "little" },
  { dt: dataType("uint8"), endian: "little" },
];

/** A random 2-d chunk of `dt`, C order or a Fortran-order (strided) view. */
function chunkOf(dt: DataType): fc.Arbitrary<NDArray> {
  const values = (n: number): fc.Arbitrary<ArrayLike<number>> => {
    switch (dt.name) {
      case "float64":
        return fc.float64Array({ minLength: n, maxLength: n });
      case "uint16":
        return fc.uint16Array({ minLength: n, maxLength: n });
      case "int32":
        return fc.int32Array({ minLength: n, maxLength: n });
      default:
        // Long runs, so that compressors find something to compress.
        return fc
          .array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n })
          .map((a) => Uint8Array.from(a));
    }
  };
  return fc
    .tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.boolean())
    .chain(([rows, cols, fortran]) =>
      values(rows * cols).map((data): NDArray => {
        const shape = [rows, cols];
        return {
          data: data as NDArray["data"],
          shape,
          strides: fortran ? [1, rows] : cStrides(shape),
          dtype: dt,
        };
      }),
    );
}

/** The elements of `a` in C order. */
function cOrder(a: NDArray): number[] {
  const [rows, cols] = a.shape as [number, number];
  const out: number[] = [];
  const d = a.data as ArrayLike<number>;
  const off = a.offset ?? 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out.push(d[off + i * a.strides[0]! + j * a.strides[1]!]!);
  }
  return out;
}

function pipelineFor(chunk: NDArray, endian: string, b2b: CodecSpec[]): CodecPipeline {
  return createCodecPipeline(
    [{ name: "bytes", configuration: { endian } }, ...b2b],
    { shape: chunk.shape, dataType: chunk.dtype, fillValue: 0 },
    "zarr.json",
  );
}

const context = new Context({ decodeWorkers: { workers: 2, minBytes: 0 } });
afterAll(() => context.close());

describe("DecodePool.encode", () => {
  for (const [name, b2b] of Object.entries(CHAINS)) {
    it(`${name}: bytes encoded on a worker equal pipeline.encode and decode back`, async () => {
      const pool = context.decodePool;
      const before = pool.encodesOffloaded;
      let runs = 0;
      for (const { dt, endian } of DTYPES) {
        await fc.assert(
          fc.asyncProperty(chunkOf(dt), async (chunk) => {
            const p = pipelineFor(chunk, endian, b2b);
            expect(pool.offloads(p, 1)).toBe(true);
            const values = cOrder(chunk);
            const viaPool = await context.encode(p, chunk, key);
            const inline = await p.encode(chunk, { key });
            expect(viaPool).toEqual(inline);
            // The chunk was neither transferred nor changed.
            expect(cOrder(chunk)).toEqual(values);
            const back = await p.decode(viaPool, { key });
            expect(Array.from(back.data as ArrayLike<number>)).toEqual(values);
            runs++;
          }),
          { numRuns: 6 },
        );
      }
      expect(pool.encodesOffloaded - before).toBe(runs);
      expect(pool.workers).toBe(2);
    });
  }

  it("many concurrent encodes through the shared queues keep their own bytes", async () => {
    const dt = dataType("float32");
    const p = createCodecPipeline(
      [{ name: "bytes" }, ...CHAINS["zstd + crc32c"]!],
      { shape: [32, 32], dataType: dt, fillValue: 0 },
      "zarr.json",
    );
    const chunks = Array.from({ length: 30 }, (_, s): NDArray => {
      const data = new Float32Array(32 * 32);
      for (let i = 0; i < data.length; i++) data[i] = Math.round(Math.sin(i * 0.05 + s) * 50);
      return { data, shape: [32, 32], strides: [32, 1], dtype: dt };
    });
    const before = context.decodePool.encodesOffloaded;
    const got = await Promise.all(chunks.map((c, i) => context.encode(p, c, `a/c/${i}`)));
    for (const [i, c] of chunks.entries()) {
      expect(got[i]).toEqual(await p.encode(c, { key: `a/c/${i}` }));
    }
    expect(context.decodePool.encodesOffloaded - before).toBe(chunks.length);
  });

  it("a codec error on a worker is the calling thread's error (class, code, key, codec, message)", async () => {
    const dt = dataType("float32");
    const spec = { shape: [64, 64], dataType: dt, fillValue: 0 };
    const data = new Float32Array(64 * 64).map((_, i) => i % 17);
    const chunk: NDArray = { data, shape: [64, 64], strides: [64, 1], dtype: dt };
    const failing: CodecSpec[][] = [
      [{ name: "numcodecs.bz2", configuration: { level: 9 } }],
      [{ name: "blosc", configuration: { cname: "snappy", clevel: 5, shuffle: "shuffle" } }],
      [crc, { name: "numcodecs.bz2", configuration: { level: 1 } }],
    ];
    for (const b2b of failing) {
      const p = createCodecPipeline([{ name: "bytes" }, ...b2b], spec, "zarr.json");
      expect(context.decodePool.offloads(p, 1)).toBe(true);
      const inline = await p.encode(chunk, { key }).catch((e: unknown) => e);
      const viaPool = await context.encode(p, chunk, key).catch((e: unknown) => e);
      expect(inline).toBeInstanceOf(CodecError);
      expect(viaPool).toBeInstanceOf(CodecError);
      const [a, b] = [inline as CodecError, viaPool as CodecError];
      expect([b.constructor, b.code, b.key, b.codec, b.message]).toEqual([
        a.constructor,
        a.code,
        a.key,
        a.codec,
        a.message,
      ]);
    }
  });

  it("sharded pipelines encode each stored inner chunk through the pool, bytes equal to pipeline.encode", async () => {
    const dt = dataType("int32");
    const spec = { shape: [32, 24], dataType: dt, fillValue: 0 };
    const inner: CodecSpec[] = [{ name: "bytes" }, { name: "zstd", configuration: { level: 1 } }];
    const index: CodecSpec[] = [{ name: "bytes" }, crc];
    const sharding = (location: string, codecs: CodecSpec[]): CodecSpec => ({
      name: "sharding_indexed",
      configuration: {
        chunk_shape: [8, 8],
        codecs,
        index_codecs: index,
        index_location: location,
      },
    });
    const pipelines: Record<string, { p: CodecPipeline; outer: number }> = {
      "index at the end": {
        p: createCodecPipeline([sharding("end", inner)], spec, "zarr.json"),
        outer: 0,
      },
      "index at the start, gzip on the whole shard": {
        p: createCodecPipeline(
          [sharding("start", inner), { name: "gzip", configuration: { level: 1 } }],
          spec,
          "zarr.json",
        ),
        outer: 1,
      },
      "nested sharding": {
        p: createCodecPipeline(
          [
            {
              name: "sharding_indexed",
              configuration: {
                chunk_shape: [16, 8],
                codecs: [sharding("end", inner)],
                index_codecs: index,
              },
            },
          ],
          spec,
          "zarr.json",
        ),
        outer: 0,
      },
    };
    await fc.assert(
      fc.asyncProperty(
        fc.int32Array({ minLength: 32 * 24, maxLength: 32 * 24 }),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        async (data, blank) => {
          // Some inner chunks hold only the fill value: they are left out, not encoded.
          for (let i = 0; i < 32; i++) {
            for (let j = 0; j < 24; j++) {
              if (blank[Math.floor(i / 8) * 3 + Math.floor(j / 8)]) data[i * 24 + j] = 0;
            }
          }
          const chunk: NDArray = { data, shape: [32, 24], strides: [24, 1], dtype: dt };
          for (const { p, outer } of Object.values(pipelines)) {
            const before = context.decodePool.encodesOffloaded;
            const viaPool = await context.encode(p, chunk, "a/c/0/0");
            expect(viaPool).toEqual(await p.encode(chunk, { key: "a/c/0/0" }));
            const back = await p.decode(viaPool, { key: "a/c/0/0" });
            expect(Array.from(back.data as Int32Array)).toEqual(Array.from(data));
            // Every inner chunk that is not all fill went to a worker, and the whole shard's
            // gzip; the index (bytes + crc32c) is encoded here.
            const stored = new Set<number>();
            for (let i = 0; i < data.length; i++) {
              if (data[i] !== 0) stored.add(Math.floor(i / 24 / 8) * 3 + Math.floor((i % 24) / 8));
            }
            expect(context.decodePool.encodesOffloaded - before).toBe(stored.size + outer);
          }
        },
      ),
      { numRuns: 6 },
    );
  });

  it("without workers (workers: 0, a closed pool) encodes here with identical bytes", async () => {
    const dt = dataType("uint16");
    const p = createCodecPipeline(
      [{ name: "bytes", configuration: { endian: "big" } }, ...CHAINS["zstd + crc32c"]!],
      { shape: [40, 40], dataType: dt, fillValue: 0 },
      "zarr.json",
    );
    const chunks = Array.from({ length: 24 }, (_, s): NDArray => {
      const data = new Uint16Array(40 * 40).map((_, i) => (i * 7 + s * 131) % 300);
      return { data, shape: [40, 40], strides: [40, 1], dtype: dt };
    });
    const expected = await Promise.all(chunks.map((c) => p.encode(c, { key })));

    const none = new Context({ decodeWorkers: { workers: 0, minBytes: 0 } });
    try {
      expect(none.decodePool.offloads(p, 1 << 20)).toBe(false);
      const got = await Promise.all(chunks.map((c) => none.encode(p, c, key)));
      expect(got).toEqual(expected);
      expect(none.decodePool.encodesOffloaded).toBe(0);
    } finally {
      none.close();
    }

    // Closing the pool while encodes are queued or on its workers: they finish on the calling
    // thread (the transferred unencoded bytes are encoded again from the chunk), or on new
    // workers for those not yet sent.
    const pool = new DecodePool({ workers: 2, minBytes: 0 });
    try {
      const pending = chunks.map((c) => pool.encode(p, c, key));
      await pending[0];
      pool.close();
      expect(await Promise.all(pending)).toEqual(expected);
      // A closed pool starts new workers for the next encode.
      expect(await pool.encode(p, chunks[1]!, key)).toEqual(expected[1]);
      // Decodes share the queues and the same close path.
      const decodes = expected.map((e) => pool.decode(p, e, key));
      await decodes[0];
      pool.close();
      const decoded = await Promise.all(decodes);
      for (const [i, c] of chunks.entries()) {
        expect(Array.from(decoded[i]!.data as Uint16Array)).toEqual(
          Array.from(c.data as Uint16Array),
        );
      }
    } finally {
      pool.close();
    }
  });

  it("Context.encode honours a closed Context and an aborted signal", async () => {
    const dt = dataType("float64");
    const p = createCodecPipeline(
      [{ name: "bytes" }, ...CHAINS.gzip!],
      { shape: [8], dataType: dt, fillValue: 0 },
      "zarr.json",
    );
    const chunk: NDArray = {
      data: new Float64Array(8).map((_, i) => i / 3),
      shape: [8],
      strides: [1],
      dtype: dt,
    };
    const c = new Context({ decodeWorkers: { workers: 1, minBytes: 0 } });
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    const aborted = await c
      .encode(p, chunk, key, { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(aborted).toBeInstanceOf(AbortError);
    expect((aborted as AbortError).key).toBe(key);
    expect(await c.encode(p, chunk, key)).toEqual(await p.encode(chunk, { key }));
    // Aborted while a shard's inner chunks are on their way: AbortError, nothing left unobserved.
    const dt32 = dataType("int32");
    const sharded = createCodecPipeline(
      [
        {
          name: "sharding_indexed",
          configuration: {
            chunk_shape: [4, 4],
            codecs: [{ name: "bytes" }, ...CHAINS.zstd!],
            index_codecs: [{ name: "bytes" }, crc],
          },
        },
      ],
      { shape: [64, 64], dataType: dt32, fillValue: 0 },
      "zarr.json",
    );
    const shard: NDArray = {
      data: new Int32Array(64 * 64).map((_, i) => i + 1),
      shape: [64, 64],
      strides: [64, 1],
      dtype: dt32,
    };
    const stop = new AbortController();
    const during = c.encode(sharded, shard, key, { signal: stop.signal });
    stop.abort();
    expect(await during.catch((e: unknown) => e)).toBeInstanceOf(AbortError);
    expect(await c.encode(sharded, shard, key)).toEqual(await sharded.encode(shard, { key }));
    c.close();
    const closed = await c.encode(p, chunk, key).catch((e: unknown) => e);
    expect(closed).toBeInstanceOf(ZarrPlanError);
    expect((closed as ZarrPlanError).code).toBe("ERR_CONTEXT_CLOSED");
  });

  it("small chunks (below minBytes) encode on the calling thread", async () => {
    const dt = dataType("uint8");
    const c = new Context({ decodeWorkers: { workers: 1, minBytes: 1000 } });
    try {
      const p = createCodecPipeline(
        [{ name: "bytes" }, ...CHAINS.zlib!],
        { shape: [999], dataType: dt, fillValue: 0 },
        "zarr.json",
      );
      const chunk: NDArray = {
        data: new Uint8Array(999).map((_, i) => i % 5),
        shape: [999],
        strides: [1],
        dtype: dt,
      };
      expect(await c.encode(p, chunk, key)).toEqual(await p.encode(chunk, { key }));
      expect(c.decodePool.encodesOffloaded).toBe(0);
    } finally {
      c.close();
    }
  });
});
