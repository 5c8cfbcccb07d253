/** sharding_indexed: layout, empty inner chunks, index location, nesting, errors, real shards. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import {
  ChecksumError,
  CodecError,
  MetadataError,
  UnknownCodecError,
} from "../../../src/core/errors.js";
import type { NDArray } from "../../../src/core/ndarray.js";
import {
  type CodecPipeline,
  createCodecPipeline,
  ShardingCodec,
} from "../../../src/format/codecs/index.js";
import type { CodecSpec } from "../../../src/format/model.js";
import { diff, FIXTURES, openFixture, sample, slice } from "./helpers.js";
import { parseNpy } from "./npy.js";

const LE: CodecSpec = { name: "bytes", configuration: { endian: "little" } };
const ctx = { key: "arr/c/0/0" };

function sharded(
  location: "start" | "end",
  inner: CodecSpec[] = [LE],
  indexCodecs: CodecSpec[] = [LE, { name: "crc32c" }],
): CodecSpec[] {
  return [
    {
      name: "sharding_indexed",
      configuration: {
        chunk_shape: [2, 3],
        codecs: inner,
        index_codecs: indexCodecs,
        index_location: location,
      },
    },
  ];
}

const spec = { shape: [4, 6], dataType: dataType("int32"), fillValue: -1 };

function chunkWithEmpties(p: CodecPipeline): NDArray {
  // inner grid 2x2; inner chunks (0,1) and (1,0) stay at the fill value
  const a = p.fillChunk();
  const d = a.data as Int32Array;
  for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) d[i * 6 + j] = 100 + i * 6 + j;
  for (let i = 2; i < 4; i++) for (let j = 3; j < 6; j++) d[i * 6 + j] = 200 + i * 6 + j;
  return a;
}

describe("sharding_indexed layout", () => {
  for (const location of ["start", "end"] as const) {
    it(`index at the ${location}: inner chunks in C order, empty ones marked 2^64-1`, async () => {
      const p = createCodecPipeline(sharded(location), spec, "zarr.json");
      const s = p.sharding!;
      expect(s).toBeInstanceOf(ShardingCodec);
      expect(s.chunksPerShard).toEqual([2, 2]);
      expect(s.innerChunkShape).toEqual([2, 3]);
      expect(s.indexLocation).toBe(location);
      expect(s.indexByteLength).toBe(4 * 16 + 4);
      expect(s.indexByteRange()).toEqual(
        location === "start" ? { offset: 0, length: 68 } : { suffixLength: 68 },
      );
      const a = chunkWithEmpties(p);
      const bytes = await p.encode(a, ctx);
      expect(bytes.length).toBe(68 + 2 * 24);
      const indexBytes =
        location === "start" ? bytes.subarray(0, 68) : bytes.subarray(bytes.length - 68);
      const index = await s.decodeIndex(indexBytes, ctx, bytes.length);
      expect(index.count).toBe(4);
      expect([0, 1, 2, 3].map((i) => index.isEmpty(i))).toEqual([false, true, true, false]);
      const base = location === "start" ? 68 : 0;
      expect([index.offset(0), index.nbytes(0), index.offset(3), index.nbytes(3)]).toEqual([
        base,
        24,
        base + 24,
        24,
      ]);
      const words = new Uint32Array(indexBytes.slice(0, 64).buffer);
      expect([...words.subarray(4, 8)]).toEqual([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]);
      // an inner chunk read on its own through the inner pipeline
      const inner3 = await s.innerPipeline.decode(
        bytes.subarray(index.offset(3), index.offset(3) + index.nbytes(3)),
        ctx,
      );
      expect(diff(inner3, slice(a, [2, 3], [2, 3]))).toBeUndefined();
      expect(s.innerChunkIndex([1, 1])).toBe(3);
      expect(s.innerChunkCoords(2)).toEqual([1, 0]);
      const back = await p.decode(bytes, ctx);
      expect(diff(back, a)).toBeUndefined();
      expect([...(back.data as Int32Array).subarray(3, 6)]).toEqual([-1, -1, -1]);
    });
  }

  it("a shard of fill values is all index, every entry empty", async () => {
    const p = createCodecPipeline(sharded("end"), spec, "zarr.json");
    const bytes = await p.encode(p.fillChunk(), ctx);
    expect(bytes.length).toBe(68);
    const index = await p.sharding!.decodeIndex(bytes, ctx);
    expect(index.allEmpty).toBe(true);
    const back = await p.decode(bytes, ctx);
    expect(p.isFill(back)).toBe(true);
  });

  it("NaN fill values are recognised for empty inner chunks", async () => {
    const s = { shape: [4, 6], dataType: dataType("float64"), fillValue: Number.NaN };
    const p = createCodecPipeline(
      sharded("start", [LE, { name: "zstd", configuration: { level: 1 } }]),
      s,
      "zarr.json",
    );
    const a = p.fillChunk();
    (a.data as Float64Array)[0] = 1.5;
    const bytes = await p.encode(a, ctx);
    const index = await p.sharding!.decodeIndex(bytes.subarray(0, 68), ctx);
    expect([0, 1, 2, 3].map((i) => index.isEmpty(i))).toEqual([false, true, true, true]);
    expect(diff(await p.decode(bytes, ctx), a)).toBeUndefined();
  });

  it("nested sharding round trips and exposes the inner sharding", async () => {
    const dt = dataType("float32");
    const codecs: CodecSpec[] = [
      {
        name: "sharding_indexed",
        configuration: {
          chunk_shape: [4, 6],
          codecs: [
            {
              name: "sharding_indexed",
              configuration: {
                chunk_shape: [2, 3],
                codecs: [LE, { name: "gzip", configuration: { level: 1 } }],
                index_codecs: [LE, { name: "crc32c" }],
                index_location: "start",
              },
            },
          ],
          index_codecs: [LE, { name: "crc32c" }],
        },
      },
    ];
    const p = createCodecPipeline(
      codecs,
      { shape: [8, 12], dataType: dt, fillValue: 0 },
      "zarr.json",
    );
    expect(p.sharding!.innerPipeline.sharding!.chunksPerShard).toEqual([2, 2]);
    const a = sample(dt, [8, 12]);
    const bytes = await p.encode(a, ctx);
    expect(diff(await p.decode(bytes, ctx), a)).toBeUndefined();
    expect(p.toJSON()).toEqual([
      {
        name: "sharding_indexed",
        configuration: {
          chunk_shape: [4, 6],
          codecs: [
            {
              name: "sharding_indexed",
              configuration: {
                chunk_shape: [2, 3],
                codecs: [LE, { name: "gzip", configuration: { level: 1 } }],
                index_codecs: [LE, { name: "crc32c" }],
                index_location: "start",
              },
            },
          ],
          index_codecs: [LE, { name: "crc32c" }],
          index_location: "end",
        },
      },
    ]);
  });
});

describe("sharding_indexed errors", () => {
  it("a shard shorter than its index is a CodecError naming the key and sharding_indexed", async () => {
    for (const location of ["start", "end"] as const) {
      const p = createCodecPipeline(sharded(location), spec, "zarr.json");
      const err = await p.decode(new Uint8Array(67), { key: "a/c/1/2" }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CodecError);
      expect((err as CodecError).key).toBe("a/c/1/2");
      expect((err as CodecError).codec).toBe("sharding_indexed");
      expect((err as Error).message).toMatch(/truncated/);
    }
  });

  it("a truncated shard is detected through the index (start) or its checksum (end)", async () => {
    const pStart = createCodecPipeline(sharded("start"), spec, "zarr.json");
    const bytes = await pStart.encode(chunkWithEmpties(pStart), ctx);
    const e1 = await pStart
      .decode(bytes.subarray(0, bytes.length - 5), ctx)
      .catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(CodecError);
    expect((e1 as CodecError).codec).toBe("sharding_indexed");
    expect((e1 as Error).message).toMatch(/truncated|corrupt shard index/);
    const pEnd = createCodecPipeline(sharded("end"), spec, "zarr.json");
    const b2 = await pEnd.encode(chunkWithEmpties(pEnd), ctx);
    await expect(pEnd.decode(b2.subarray(0, b2.length - 5), ctx)).rejects.toBeInstanceOf(
      ChecksumError,
    );
    // without a checksum, the shifted index points past the shard
    const pNoCrc = createCodecPipeline(sharded("end", [LE], [LE]), spec, "zarr.json");
    const b3 = await pNoCrc.encode(chunkWithEmpties(pNoCrc), ctx);
    const e3 = await pNoCrc.decode(b3.subarray(0, b3.length - 8), ctx).catch((e: unknown) => e);
    expect(e3).toBeInstanceOf(CodecError);
  });

  it("decodeIndex validates the length and the entries", async () => {
    const p = createCodecPipeline(sharded("end", [LE], [LE]), spec, "zarr.json");
    const s = p.sharding!;
    await expect(s.decodeIndex(new Uint8Array(63), ctx)).rejects.toThrow(/truncated/);
    const half = new Uint8Array(64).fill(0xff);
    half.fill(0, 0, 8); // offset 0, nbytes 2^64-1
    await expect(s.decodeIndex(half, ctx)).rejects.toThrow(/corrupt shard index/);
    const far = new Uint8Array(64).fill(0xff);
    far.fill(0, 0, 16);
    far[0] = 200;
    far[8] = 10;
    await expect(s.decodeIndex(far, ctx, 100)).rejects.toThrow(/past the end/);
    const ok = await s.decodeIndex(far, ctx, 210);
    expect([ok.offset(0), ok.nbytes(0), ok.isEmpty(1)]).toEqual([200, 10, true]);
  });

  it("a corrupt inner chunk names the shard key and the inner codec", async () => {
    const p = createCodecPipeline(
      sharded("end", [LE, { name: "gzip", configuration: { level: 1 } }]),
      spec,
      "zarr.json",
    );
    const bytes = await p.encode(chunkWithEmpties(p), ctx);
    bytes[12] = bytes[12]! ^ 0xff;
    const err = await p.decode(bytes, ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodecError);
    expect((err as CodecError).key).toBe(ctx.key);
    expect((err as CodecError).codec).toBe("gzip");
  });

  it("bad configurations are MetadataErrors naming the nested field", () => {
    const fieldOf = (codecs: CodecSpec[]): string => {
      try {
        createCodecPipeline(codecs, spec, "g/zarr.json");
      } catch (e) {
        expect(e).toBeInstanceOf(MetadataError);
        return (e as MetadataError).issues[0]!.field;
      }
      throw new Error("no error");
    };
    const base = sharded("end")[0]!.configuration!;
    expect(
      fieldOf([{ name: "sharding_indexed", configuration: { ...base, chunk_shape: [3, 3] } }]),
    ).toBe("codecs[0].configuration.chunk_shape");
    expect(
      fieldOf([{ name: "sharding_indexed", configuration: { ...base, index_location: "middle" } }]),
    ).toBe("codecs[0].configuration.index_location");
    expect(
      fieldOf([
        {
          name: "sharding_indexed",
          configuration: {
            ...base,
            index_codecs: [LE, { name: "gzip", configuration: { level: 1 } }],
          },
        },
      ]),
    ).toBe("codecs[0].configuration.index_codecs");
    expect(
      fieldOf([
        {
          name: "sharding_indexed",
          configuration: { ...base, codecs: [{ name: "bytes", configuration: { endian: "x" } }] },
        },
      ]),
    ).toBe("codecs[0].configuration.codecs[0].configuration.endian");
    try {
      createCodecPipeline(
        [{ name: "sharding_indexed", configuration: { ...base, codecs: [LE, { name: "lzma" }] } }],
        spec,
        "g/zarr.json",
      );
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UnknownCodecError);
      expect((e as UnknownCodecError).codec).toBe("lzma");
      expect((e as UnknownCodecError).issues[0]!.field).toBe(
        "codecs[0].configuration.codecs[1].name",
      );
    }
  });
});

describe("real shards", () => {
  it("tensorstore sharded_int32 c/0/0: whole shard and one inner chunk by byte range", async () => {
    const fx = openFixture("v3/tensorstore/sharded_int32.zarr");
    const expected = parseNpy(
      readFileSync(join(FIXTURES, "expected/v3/tensorstore/sharded_int32.npy")),
    );
    const p = createCodecPipeline(
      fx.codecs,
      { shape: fx.chunks, dataType: fx.dataType, fillValue: fx.fillValue },
      "zarr.json",
    );
    const shard = new Uint8Array(readFileSync(join(fx.dir, "c/0/0")));
    const whole = await p.decode(shard, { key: "c/0/0" });
    expect(diff(whole, slice(expected, [0, 0], [20, 25]))).toBeUndefined();
    const s = p.sharding!;
    expect(s.chunksPerShard).toEqual([2, 5]);
    const index = await s.decodeIndex(
      shard.subarray(shard.length - s.indexByteLength),
      { key: "c/0/0" },
      shard.length,
    );
    const i = s.innerChunkIndex([1, 3]);
    const inner = await s.innerPipeline.decode(
      shard.subarray(index.offset(i), index.offset(i) + index.nbytes(i)),
      { key: "c/0/0" },
    );
    expect(diff(inner, slice(expected, [10, 15], [10, 5]))).toBeUndefined();
  });

  it("zarr-python shard with the index at the start and a NaN-filled overhanging shard", async () => {
    for (const [store, key, origin] of [
      ["v3/zarr-python/sharded_index_start_uint16", "c/1/1", [20, 25]],
      ["v3/zarr-python/sharded_partial_nan_float64", "c/2/2", [40, 50]],
    ] as const) {
      const fx = openFixture(`${store}.zarr`);
      const expected = parseNpy(readFileSync(join(FIXTURES, `expected/${store}.npy`)));
      const p = createCodecPipeline(
        fx.codecs,
        { shape: fx.chunks, dataType: fx.dataType, fillValue: fx.fillValue },
        "zarr.json",
      );
      const shard = await p.decode(new Uint8Array(readFileSync(join(fx.dir, key))), { key });
      const extent = origin.map((o, d) => Math.min(fx.chunks[d]!, fx.shape[d]! - o));
      expect(diff(slice(shard, [0, 0], extent), slice(expected, origin, extent))).toBeUndefined();
    }
  });
});
