/**
 * The sharding read path as one unit (src/format/codecs/sharding/): the layout, index slicing
 * and its truncation check, the shard reader over in-memory and counting byte sources, nested
 * sharding, the sharding capability, and promise safety of concurrent inner decodes.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import { CodecError, MetadataError } from "../../../src/core/errors.js";
import type { NDArray } from "../../../src/core/ndarray.js";
import {
  type ArrayToBytesCodec,
  awaitAll,
  type BytesToBytesCodec,
  type CodecPipeline,
  createCodec,
  createCodecPipeline,
  createShardingCodec,
  createShardLayout,
  decodeShard,
  indexBytesOf,
  memoryByteSource,
  openShard,
  registerCodec,
  type ShardByteRange,
  type ShardByteSource,
  ShardingCodec,
  type ShardLayout,
  ShardReader,
} from "../../../src/format/codecs/index.js";
import type { CodecSpec } from "../../../src/format/model.js";
import { diff, sample, slice } from "./helpers.js";

const LE: CodecSpec = { name: "bytes", configuration: { endian: "little" } };
const CRC: CodecSpec = { name: "crc32c" };
const KEY = "arr/c/0/0";
const ctx = { key: KEY };
const spec = { shape: [4, 6], dataType: dataType("int32"), fillValue: -1 };

function sharded(location: "start" | "end", inner: CodecSpec[] = [LE]): CodecSpec[] {
  return [
    {
      name: "sharding_indexed",
      configuration: {
        chunk_shape: [2, 3],
        codecs: inner,
        index_codecs: [LE, CRC],
        index_location: location,
      },
    },
  ];
}

/** A 4×6 shard whose inner chunks (0,1) and (1,0) hold only the fill value (they are empty). */
function withEmpties(p: CodecPipeline): NDArray {
  const a = p.fillChunk();
  const d = a.data as Int32Array;
  for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) d[i * 6 + j] = 100 + i * 6 + j;
  for (let i = 2; i < 4; i++) for (let j = 3; j < 6; j++) d[i * 6 + j] = 200 + i * 6 + j;
  return a;
}

/** The inner chunk `[r, c]` of a 4×6 shard of 2×3 inner chunks. */
function innerOf(a: NDArray, r: number, c: number): NDArray {
  return slice(a, [2 * r, 3 * c], [2, 3]);
}

/** A byte source over `bytes` that records every `get` (not a whole-shard source). */
function countingSource(bytes: Uint8Array | undefined): ShardByteSource & {
  readonly calls: ShardByteRange[];
} {
  const calls: ShardByteRange[] = [];
  return {
    calls,
    get(range) {
      calls.push(range);
      if (bytes === undefined) return Promise.resolve(undefined);
      return memoryByteSource(bytes).get(range);
    },
  };
}

function layoutOf(p: CodecPipeline): ShardLayout {
  return p.sharding!.layout;
}

describe("ShardLayout", () => {
  it("holds the layout of a 2-D shard as frozen data", () => {
    for (const location of ["start", "end"] as const) {
      const p = createCodecPipeline(sharded(location), spec, "zarr.json");
      const l = layoutOf(p);
      expect(l.name).toBe("sharding_indexed");
      expect(l.shardShape).toEqual([4, 6]);
      expect(l.innerChunkShape).toEqual([2, 3]);
      expect(l.chunksPerShard).toEqual([2, 2]);
      expect(l.innerChunkCount).toBe(4);
      expect(l.indexLocation).toBe(location);
      expect(l.indexByteLength).toBe(4 * 16 + 4); // 4 (offset, nbytes) uint64 pairs + crc32c
      expect(l.indexByteRange()).toEqual(
        location === "start" ? { offset: 0, length: 68 } : { suffixLength: 68 },
      );
      expect(l.innerPipeline.spec.shape).toEqual([2, 3]);
      expect(l.indexPipeline.spec.shape).toEqual([2, 2, 2]);
      expect(l.indexPipeline.spec.dataType.name).toBe("uint64");
      for (let i = 0; i < 4; i++) expect(l.innerChunkIndex(l.innerChunkCoords(i))).toBe(i);
      expect(l.innerChunkCoords(1)).toEqual([0, 1]);
      expect(l.innerChunkIndex([1, 0])).toBe(2);
      expect(Object.isFrozen(l)).toBe(true);
      expect(Object.isFrozen(l.shardShape)).toBe(true);
      expect(Object.isFrozen(l.chunksPerShard)).toBe(true);
    }
  });

  it("the codec is its own sharding capability and delegates to the layout", () => {
    const p = createCodecPipeline(sharded("end"), spec, "zarr.json");
    const s = p.sharding!;
    expect(s).toBe(p.arrayToBytes);
    expect(s).toBeInstanceOf(ShardingCodec);
    expect(p.arrayToBytes.sharding).toBe(s);
    for (const k of [
      "shardShape",
      "innerChunkShape",
      "chunksPerShard",
      "innerChunkCount",
      "indexLocation",
      "indexByteLength",
      "innerPipeline",
      "indexPipeline",
    ] as const) {
      expect(s[k], k).toBe(s.layout[k]);
    }
  });

  it("createShardLayout rejects an inner chunk shape that does not divide the shard", () => {
    const p = createCodecPipeline(sharded("end"), spec, "zarr.json");
    const l = layoutOf(p);
    const init = { ...l, shardShape: [4, 6], innerChunkShape: [3, 3] };
    expect(() => createShardLayout(init)).toThrow(RangeError);
    expect(() => createShardLayout({ ...init, innerChunkShape: [2] })).toThrow(RangeError);
    expect(createShardLayout({ ...init, innerChunkShape: [2, 3] }).chunksPerShard).toEqual([2, 2]);
  });
});

describe("the codec factory", () => {
  it("a shard with so many inner chunks that its index passes 2^53 - 1 bytes is a MetadataError", () => {
    // Found by tests/property/fuzz-corrupt.test.ts (a chunk grid's chunk_shape made huge): the
    // layout's RangeError "index byte length … is not a byte count" escaped from openArray.
    const huge = { ...spec, shape: [2 ** 50, 6] };
    let err: unknown;
    try {
      createCodecPipeline(sharded("end"), huge, "zarr.json");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MetadataError);
    const issue = (err as MetadataError).issues[0]!;
    expect(issue.field).toBe("codecs[0].configuration.chunk_shape");
    expect(issue.message).toMatch(
      /^a shard of \[1125899906842624, 6\] holds 1125899906842624 inner chunks of \[2, 3\]: its index would be 18014398509481988 bytes, more than 2\^53 - 1$/,
    );
    // 2^40 inner chunks: an index of 2^44 + 4 bytes is a byte count; reading it fails later.
    const big = createCodecPipeline(sharded("end"), { ...spec, shape: [2 ** 41, 6] }, "zarr.json");
    expect(layoutOf(big).indexByteLength).toBe(2 ** 41 * 16 + 4);
  });
});

describe("index slicing and the truncation check", () => {
  for (const location of ["start", "end"] as const) {
    it(`indexBytesOf slices the index at the ${location} of a whole shard`, async () => {
      const p = createCodecPipeline(sharded(location), spec, "zarr.json");
      const bytes = await p.encode(withEmpties(p), ctx);
      expect(bytes.length).toBe(68 + 2 * 24);
      const ib = indexBytesOf(layoutOf(p), bytes, KEY);
      expect(ib.length).toBe(68);
      expect(ib.buffer).toBe(bytes.buffer); // a view, no copy
      expect(ib.byteOffset - bytes.byteOffset).toBe(location === "start" ? 0 : 2 * 24);
      const index = await p.sharding!.decodeIndex(ib, ctx, bytes.length);
      expect([0, 1, 2, 3].map((i) => index.isEmpty(i))).toEqual([false, true, true, false]);
    });
  }

  it("a shard shorter than its index is a CodecError naming the key, everywhere", async () => {
    const message =
      'sharding_indexed codec failed on "a/c/1/2": shard is 67 bytes, shorter than its 68-byte index (truncated shard)';
    for (const location of ["start", "end"] as const) {
      const p = createCodecPipeline(sharded(location), spec, "zarr.json");
      const short = new Uint8Array(67);
      const errors = [
        (() => {
          try {
            indexBytesOf(layoutOf(p), short, "a/c/1/2");
          } catch (e) {
            return e;
          }
          return undefined;
        })(),
        await openShard(layoutOf(p), short, "a/c/1/2").catch((e: unknown) => e),
        await decodeShard(layoutOf(p), short, { key: "a/c/1/2" }).catch((e: unknown) => e),
        await p.decode(short, { key: "a/c/1/2" }).catch((e: unknown) => e),
      ];
      for (const err of errors) {
        expect(err).toBeInstanceOf(CodecError);
        expect((err as CodecError).code).toBe("ERR_CODEC");
        expect((err as CodecError).key).toBe("a/c/1/2");
        expect((err as CodecError).codec).toBe("sharding_indexed");
        expect((err as Error).message).toBe(message);
      }
    }
  });

  it("decodeShardIndex keeps its messages", async () => {
    const p = createCodecPipeline(sharded("end"), spec, "zarr.json");
    const err = await p.sharding!.decodeIndex(new Uint8Array(60), ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodecError);
    expect((err as Error).message).toBe(
      `sharding_indexed codec failed on "${KEY}": shard index is 60 bytes, expected 68 (truncated shard)`,
    );
  });
});

describe("ShardReader", () => {
  it("over a whole shard in memory: index, inner chunks, the whole shard, openShard", async () => {
    const p = createCodecPipeline(sharded("end"), spec, "zarr.json");
    const a = withEmpties(p);
    const bytes = await p.encode(a, ctx);
    const layout = layoutOf(p);
    const reader = new ShardReader(layout, memoryByteSource(bytes), ctx);
    const index = (await reader.readIndex())!;
    expect(index.count).toBe(4);
    expect(await reader.readIndex()).toBe(index); // read once, shared
    expect(await reader.decodeInner(1)).toBeUndefined();
    expect(await reader.readInner(2)).toBeUndefined();
    for (const [i, r, c] of [
      [0, 0, 0],
      [3, 1, 1],
    ] as const) {
      const inner = (await reader.decodeInner(i))!;
      expect(diff(inner, innerOf(a, r, c))).toBeUndefined();
      const raw = (await reader.readInner(i))!;
      expect(raw.length).toBe(24);
      expect(raw.byteOffset - bytes.byteOffset).toBe(index.offset(i));
    }
    expect(diff((await reader.readShard())!, a)).toBeUndefined();
    expect(diff(await decodeShard(layout, bytes, ctx), a)).toBeUndefined();
    await expect(reader.readInner(4)).rejects.toThrow(RangeError);

    const shard = await openShard(layout, bytes, KEY);
    expect([...shard.index.offsets]).toEqual([...index.offsets]);
    expect(shard.innerBytes(1)).toBeUndefined();
    const b3 = shard.innerBytes(3)!;
    expect(b3.buffer).toBe(bytes.buffer);
    expect(diff(await layout.innerPipeline.decode(b3, ctx), innerOf(a, 1, 1))).toBeUndefined();
    expect(() => shard.innerBytes(-1)).toThrow(RangeError);
  });

  it("over a counting source: the index once, then one get per stored inner chunk", async () => {
    for (const location of ["start", "end"] as const) {
      const p = createCodecPipeline(sharded(location), spec, "zarr.json");
      const a = withEmpties(p);
      const bytes = await p.encode(a, ctx);
      const layout = layoutOf(p);
      const src = countingSource(bytes);
      const reader = new ShardReader(layout, src, ctx);
      // concurrent first calls share one index request
      const [i0, i1, d0] = await Promise.all([
        reader.readIndex(),
        reader.readIndex(),
        reader.decodeInner(0),
      ]);
      expect(i0).toBe(i1);
      expect(diff(d0!, innerOf(a, 0, 0))).toBeUndefined();
      expect(src.calls).toEqual([
        layout.indexByteRange(),
        { offset: i0!.offset(0), length: i0!.nbytes(0) },
      ]);
      expect(await reader.decodeInner(1)).toBeUndefined(); // empty: no request
      expect(await reader.decodeInner(2)).toBeUndefined();
      expect(src.calls.length).toBe(2);
      expect(diff((await reader.decodeInner(3))!, innerOf(a, 1, 1))).toBeUndefined();
      expect(src.calls.length).toBe(3);

      const src2 = countingSource(bytes);
      const whole = await new ShardReader(layout, src2, ctx).readShard();
      expect(diff(whole!, a)).toBeUndefined();
      expect(src2.calls.length).toBe(1 + 2); // index + the two stored inner chunks
    }
  });

  it("a missing shard reads as absent; a short inner read is a CodecError", async () => {
    const p = createCodecPipeline(sharded("end"), spec, "zarr.json");
    const layout = layoutOf(p);
    const missing = new ShardReader(layout, countingSource(undefined), ctx);
    expect(await missing.readIndex()).toBeNull();
    expect(await missing.decodeInner(0)).toBeUndefined();
    expect(await missing.readShard()).toBeUndefined();

    const bytes = await p.encode(withEmpties(p), ctx);
    const index = (await new ShardReader(layout, memoryByteSource(bytes), ctx).readIndex())!;
    const shortSource: ShardByteSource = {
      get: (range) =>
        Promise.resolve(
          "suffixLength" in range
            ? bytes.subarray(bytes.length - range.suffixLength)
            : bytes.subarray(range.offset, range.offset + range.length - 1),
        ),
    };
    const err = await new ShardReader(layout, shortSource, ctx)
      .readInner(0)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodecError);
    expect((err as CodecError).codec).toBe("sharding_indexed");
    expect((err as Error).message).toMatch(
      `got ${index.nbytes(0) - 1} of ${index.nbytes(0)} bytes (shard truncated or rewritten after its index was read)`,
    );
  });

  it("nested sharding decodes through the codec, the reader and openShard", async () => {
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
                index_codecs: [LE, CRC],
                index_location: "start",
              },
            },
          ],
          index_codecs: [LE, CRC],
        },
      },
    ];
    const p = createCodecPipeline(codecs, { shape: [8, 12], dataType: dt, fillValue: 0 }, "z");
    const a = sample(dt, [8, 12]);
    const bytes = await p.encode(a, ctx);
    expect(diff(await p.decode(bytes, ctx), a)).toBeUndefined();
    const outer = layoutOf(p);
    const inner = outer.innerPipeline.sharding!.layout;
    expect(inner.shardShape).toEqual([4, 6]);
    expect(inner.chunksPerShard).toEqual([2, 2]);
    const src = countingSource(bytes);
    const reader = new ShardReader(outer, src, ctx);
    const i = outer.innerChunkIndex([1, 0]);
    const innerShard = (await reader.decodeInner(i))!;
    expect(diff(innerShard, slice(a, [4, 0], [4, 6]))).toBeUndefined();
    expect(src.calls.length).toBe(2);
    // the inner shard's bytes opened in turn: one inner-inner chunk
    const opened = await openShard(outer, bytes, KEY);
    const innerBytes = opened.innerBytes(i)!;
    const nested = new ShardReader(inner, memoryByteSource(innerBytes), ctx);
    const leaf = (await nested.decodeInner(inner.innerChunkIndex([1, 1])))!;
    expect(diff(leaf, slice(a, [6, 3], [2, 3]))).toBeUndefined();
  });
});

describe("the sharding capability", () => {
  it("pipeline.sharding comes from ArrayToBytesCodec.sharding, not from the class", async () => {
    const real = createShardingCodec(
      { chunk_shape: [2, 3], codecs: [LE], index_codecs: [LE] },
      spec,
      "zarr.json",
      { buildPipeline: createCodecPipeline },
    );
    registerCodec(
      "test.sharding-unit.shard_like",
      (): ArrayToBytesCodec => ({
        kind: "array_to_bytes",
        name: "test.sharding-unit.shard_like",
        sharding: real.sharding,
        encode: (a, s, c) => real.encode(a, s, c),
        decode: (b, s, c) => real.decode(b, s, c),
        toJSON: () => ({ name: "test.sharding-unit.shard_like" }),
      }),
    );
    const p = createCodecPipeline([{ name: "test.sharding-unit.shard_like" }], spec, "zarr.json");
    expect(p.arrayToBytes).not.toBeInstanceOf(ShardingCodec);
    expect(p.sharding).toBe(real);
    expect(p.sharding!.chunksPerShard).toEqual([2, 2]);
    const plain = createCodecPipeline([LE], spec, "zarr.json");
    expect(plain.sharding).toBeUndefined();
  });

  it("createCodec without a pipeline builder cannot nest pipelines", () => {
    const config = { chunk_shape: [2, 3], codecs: [LE], index_codecs: [LE] };
    const err = (() => {
      try {
        createCodec({ name: "sharding_indexed", configuration: config }, spec, "zarr.json");
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(MetadataError);
    expect((err as MetadataError).issues[0]!.field).toBe("codecs.configuration.codecs");
    const ok = createCodec(
      { name: "sharding_indexed", configuration: config },
      spec,
      "zarr.json",
      "codecs[0]",
      { buildPipeline: createCodecPipeline },
    );
    expect(ok).toBeInstanceOf(ShardingCodec);
  });
});

describe("promise safety of concurrent inner decodes", () => {
  const FAIL = "test.sharding-unit.delayed_fail";
  /** Inner chunk → [delay ms, fails?]; the chunk is told by its first int32. */
  const plan = new Map<number, [number, boolean]>([
    [100, [0, false]], // inner chunk 0
    [103, [5, true]], // inner chunk 1
    [112, [15, true]], // inner chunk 2
    [115, [30, false]], // inner chunk 3
  ]);
  let settled = 0;
  let unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };

  beforeEach(() => {
    settled = 0;
    unhandled = [];
    process.on("unhandledRejection", onUnhandled);
  });
  afterEach(() => {
    process.off("unhandledRejection", onUnhandled);
  });

  registerCodec(
    FAIL,
    (): BytesToBytesCodec => ({
      kind: "bytes_to_bytes",
      name: FAIL,
      encode: (b) => Promise.resolve(b),
      async decode(b) {
        const first = new DataView(b.buffer, b.byteOffset).getInt32(0, true);
        const [delay, fails] = plan.get(first)!;
        await new Promise((r) => setTimeout(r, delay));
        settled++;
        if (fails) throw new Error(`inner chunk starting with ${first} is corrupt`);
        return b;
      },
      toJSON: () => ({ name: FAIL }),
    }),
  );

  /** A shard whose four inner chunks are all stored, starting with 100, 103, 112, 115. */
  async function failingShard(): Promise<{ p: CodecPipeline; bytes: Uint8Array }> {
    const p = createCodecPipeline(sharded("end", [LE, { name: FAIL }]), spec, "zarr.json");
    const a = p.fillChunk();
    const d = a.data as Int32Array;
    for (let k = 0; k < 24; k++) d[k] = 100 + k;
    const bytes = await p.encode(a, ctx);
    expect(
      (await p.sharding!.decodeIndex(indexBytesOf(layoutOf(p), bytes, KEY), ctx)).allEmpty,
    ).toBe(false);
    return { p, bytes };
  }

  async function quiet(): Promise<void> {
    // let every straggler settle and Node report unhandled rejections, if any
    await new Promise((r) => setTimeout(r, 60));
  }

  it("the codec's decode rejects with the first failure after every decode settled", async () => {
    const { p, bytes } = await failingShard();
    settled = 0;
    const err = await p.decode(bytes, ctx).catch((e: unknown) => e);
    expect(settled).toBe(4); // nothing still running when the caller sees the error
    expect(err).toBeInstanceOf(CodecError);
    expect((err as CodecError).codec).toBe(FAIL);
    expect((err as CodecError).key).toBe(KEY);
    expect((err as Error).message).toMatch(/starting with 103 is corrupt/);
    await quiet();
    expect(unhandled).toEqual([]);
  });

  it("the reader over a counting source and openShard leave no unhandled rejection", async () => {
    const { p, bytes } = await failingShard();
    const layout = layoutOf(p);
    settled = 0;
    const err = await new ShardReader(layout, countingSource(bytes), ctx)
      .readShard()
      .catch((e: unknown) => e);
    expect(settled).toBe(4);
    expect((err as Error).message).toMatch(/starting with 103 is corrupt/);
    // the executor's pattern: open the shard, decode the stored inner chunks concurrently
    settled = 0;
    const shard = await openShard(layout, bytes, KEY);
    const jobs = [0, 1, 2, 3].map((i) => layout.innerPipeline.decode(shard.innerBytes(i)!, ctx));
    const err2 = await awaitAll(jobs).catch((e: unknown) => e);
    expect(settled).toBe(4);
    expect((err2 as Error).message).toMatch(/starting with 103 is corrupt/);
    await quiet();
    expect(unhandled).toEqual([]);
  });

  it("awaitAll: results in order, earliest rejection, waits for every task", async () => {
    expect(await awaitAll([Promise.resolve(1), Promise.resolve(2)])).toEqual([1, 2]);
    let lateDone = false;
    const late = new Promise<number>((r) =>
      setTimeout(() => {
        lateDone = true;
        r(3);
      }, 20),
    );
    const slowFail = new Promise<number>((_, reject) =>
      setTimeout(() => reject(new Error("slow")), 10),
    );
    const fastFail = Promise.reject(new Error("fast"));
    const err = await awaitAll([slowFail, late, fastFail]).catch((e: unknown) => e);
    expect((err as Error).message).toBe("fast");
    expect(lateDone).toBe(true);
    await quiet();
    expect(unhandled).toEqual([]);
  });
});
