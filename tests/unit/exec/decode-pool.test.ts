/**
 * The decode worker pool: same bytes and same typed errors as decoding on the calling thread,
 * custom codecs stay on the calling thread, and whole datasets read identically through workers.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import { ChecksumError, CodecError } from "../../../src/core/errors.js";
import { Context } from "../../../src/exec/context.js";
import { batchHandler, MAX_WORKER_STAGES } from "../../../src/exec/decode-handler.js";
import { DecodePool } from "../../../src/exec/decode-pool.js";
import type { WorkerReply, WorkerRequest } from "../../../src/exec/decode-protocol.js";
import { createCodecPipeline, registerCodec } from "../../../src/format/codecs/index.js";
import type { BytesToBytesCodec } from "../../../src/format/codecs/types.js";
import type { CodecSpec } from "../../../src/format/model.js";
import { readNpy } from "../../../src/format/npy.js";
import { FileSystemStore, openArray } from "../../../src/index.js";
import { diffArrays } from "../../helpers/compare.js";

const DATASETS = join(import.meta.dirname, "../../../data/datasets");
const spec = { shape: [64, 64], dataType: dataType("float32"), fillValue: 0 };
const key = "a/c/0/0";

function chunk(seed: number) {
  const data = new Float32Array(64 * 64);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.01 + seed) * 100 + (i % 7);
  return { data, shape: [64, 64], strides: [64, 1], dtype: spec.dataType };
}

const CHAINS: Record<string, CodecSpec[]> = {
  zstd: [{ name: "zstd", configuration: { level: 3, checksum: true } }],
  gzip: [{ name: "gzip", configuration: { level: 5 } }],
  "blosc lz4 shuffle": [
    {
      name: "blosc",
      configuration: { cname: "lz4", clevel: 5, shuffle: "shuffle", typesize: 4, blocksize: 0 },
    },
  ],
  "zstd + crc32c": [{ name: "zstd", configuration: { level: 1 } }, { name: "crc32c" }],
};

const pool = new DecodePool({ workers: 2, minBytes: 0 });

/** A zstd pipeline for `spec` and one chunk it encoded. */
async function zstdChunk(seed: number) {
  const p = createCodecPipeline(
    [{ name: "bytes", configuration: { endian: "little" } }, ...CHAINS.zstd!],
    spec,
    "zarr.json",
  );
  return { p, encoded: await p.encode(chunk(seed), { key }), stage: p.bytesStage! };
}

/** A worker's decode request for `encoded` (copied into a buffer of its own) by `stageKey`. */
function decodeRequest(
  id: number,
  stageKey: string,
  codecs: readonly CodecSpec[],
  encoded: Uint8Array,
  maxDecodedBytes: readonly (number | undefined)[],
): WorkerRequest {
  const input = new ArrayBuffer(encoded.length);
  new Uint8Array(input).set(encoded);
  return {
    op: "decode",
    id,
    key,
    stageKey,
    codecs,
    dataType: "float32",
    itemSize: 4,
    shape: [64, 64],
    input,
    length: encoded.length,
    maxDecodedBytes,
  };
}
afterAll(() => pool.close());

describe("DecodePool", () => {
  for (const [name, b2b] of Object.entries(CHAINS)) {
    it(`${name}: worker decode equals the calling thread's`, async () => {
      const p = createCodecPipeline(
        [{ name: "bytes", configuration: { endian: "little" } }, ...b2b],
        spec,
        "zarr.json",
      );
      expect(pool.offloads(p, 1)).toBe(true);
      const encoded = await Promise.all([0, 1, 2, 3, 4, 5].map((s) => p.encode(chunk(s), { key })));
      const viaPool = await Promise.all(encoded.map((e) => pool.decode(p, e, key)));
      for (const [i, e] of encoded.entries()) {
        const inline = await p.decode(e, { key });
        expect(Array.from(viaPool[i]!.data as Float32Array)).toEqual(
          Array.from(inline.data as Float32Array),
        );
        expect(viaPool[i]!.shape).toEqual([64, 64]);
      }
      expect(pool.workers).toBe(2);
    });
  }

  it("decodeWith reuses buffers across many concurrent chunks without mixing them up", async () => {
    const p = createCodecPipeline(
      [{ name: "bytes", configuration: { endian: "little" } }, ...CHAINS.zstd!],
      spec,
      "zarr.json",
    );
    expect(p.bytesStage?.decodedSize).toBe(64 * 64 * 4);
    const seeds = Array.from({ length: 40 }, (_, i) => i);
    const encoded = await Promise.all(seeds.map((s) => p.encode(chunk(s), { key })));
    for (let round = 0; round < 3; round++) {
      const got = await Promise.all(
        encoded.map((e) =>
          pool.decodeWith(p, e, key, (c) => Array.from(c.data as Float32Array).slice(0, 100)),
        ),
      );
      for (const s of seeds) expect(got[s]).toEqual(Array.from(chunk(s).data).slice(0, 100));
    }
    await expect(
      pool.decodeWith(p, encoded[0]!, key, () => {
        throw new RangeError("from use");
      }),
    ).rejects.toThrow("from use");
  });

  it("chunks sent while a worker's messages are out go together, each answered on its own", async () => {
    const one = new DecodePool({ workers: 1, minBytes: 0 });
    try {
      const p = createCodecPipeline(
        [{ name: "bytes", configuration: { endian: "little" } }, ...CHAINS.zstd!],
        spec,
        "zarr.json",
      );
      const seeds = Array.from({ length: 30 }, (_, i) => i);
      const encoded = await Promise.all(seeds.map((s) => p.encode(chunk(s), { key })));
      // One corrupt chunk in the middle of a batch fails alone.
      const bad = encoded[13]!.slice();
      bad[40] = bad[40]! ^ 0xff;
      encoded[13] = bad;
      const got = await Promise.allSettled(
        encoded.map((e) =>
          one.decodeWith(p, e, key, (c) => Array.from(c.data as Float32Array).slice(0, 50)),
        ),
      );
      for (const s of seeds) {
        const r = got[s]!;
        if (s === 13) expect(r.status === "rejected" && r.reason).toBeInstanceOf(CodecError);
        else {
          expect(r.status).toBe("fulfilled");
          if (r.status === "fulfilled") {
            expect(r.value).toEqual(Array.from(chunk(s).data).slice(0, 50));
          }
        }
      }
      expect(one.offloaded).toBe(29);
      // Two single-chunk messages first, then batches of what waited meanwhile.
      expect(one.messages).toBeGreaterThanOrEqual(3);
      expect(one.messages).toBeLessThan(30);
    } finally {
      one.close();
    }
  });

  it("a worker whose answer cannot be sent answers every request of the batch with a setup error", async () => {
    const { encoded, stage } = await zstdChunk(1);
    const reqs: WorkerRequest[] = [
      decodeRequest(7, "s", stage.codecs, encoded, stage.maxDecodedBytes),
      { op: "allocate", id: 8, bytes: 4096 },
    ];
    const sent: WorkerReply[][] = [];
    await batchHandler()(reqs, (replies, transfer) => {
      if (transfer.length > 0) throw new Error("DataCloneError (simulated)");
      sent.push(replies);
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.map((r) => [r.id, r.key, r.error?.kind, r.bytes])).toEqual([
      [7, key, "setup", undefined],
      [8, "", "setup", undefined],
    ]);
    expect(sent[0]![0]!.error!.message).toContain("DataCloneError (simulated)");
  });

  it("a worker keeps at most MAX_WORKER_STAGES stages, dropping the least recently used", async () => {
    const { encoded, stage } = await zstdChunk(2);
    const handle = batchHandler();
    /** Decodes with the stage kept as `stageKey`, rebuilt from `codecs` when not kept. */
    const decodeAs = async (stageKey: string, codecs: readonly CodecSpec[]) => {
      let reply: WorkerReply | undefined;
      await handle(
        [decodeRequest(1, stageKey, codecs, encoded, stage.maxDecodedBytes)],
        (replies) => {
          reply = replies[0];
        },
      );
      return reply!.error?.kind ?? "ok";
    };
    const broken: CodecSpec[] = [{ name: "no-such-codec" }];
    expect(await decodeAs("first", stage.codecs)).toBe("ok");
    expect(await decodeAs("second", stage.codecs)).toBe("ok");
    // Kept: the stage key alone finds them, whatever codecs come with it.
    expect(await decodeAs("first", broken)).toBe("ok");
    for (let i = 0; i < MAX_WORKER_STAGES - 1; i++) {
      expect(await decodeAs(`other ${i}`, stage.codecs)).toBe("ok");
    }
    // "second" was the least recently used ("first" was used after it): dropped, so rebuilt.
    expect(await decodeAs("second", broken)).toBe("setup");
    expect(await decodeAs("first", broken)).toBe("ok");
  });

  it("corrupt data raises the same CodecError (key, codec, message) as on the calling thread", async () => {
    const p = createCodecPipeline([{ name: "bytes" }, ...CHAINS.zstd!], spec, "zarr.json");
    const bad = (await p.encode(chunk(9), { key })).slice();
    bad[40] = bad[40]! ^ 0xff;
    const inline = await p.decode(bad, { key }).catch((e: unknown) => e);
    const viaPool = await pool.decode(p, bad, key).catch((e: unknown) => e);
    expect(viaPool).toBeInstanceOf(CodecError);
    expect(inline).toBeInstanceOf(CodecError);
    expect((viaPool as CodecError).key).toBe(key);
    expect((viaPool as CodecError).codec).toBe("zstd");
    expect((viaPool as Error).message).toBe((inline as Error).message);
  });

  it("a crc32c mismatch raises ChecksumError with the stored and computed values", async () => {
    const p = createCodecPipeline(
      [{ name: "bytes" }, ...CHAINS["zstd + crc32c"]!],
      spec,
      "zarr.json",
    );
    const bad = (await p.encode(chunk(3), { key })).slice();
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 1;
    const inline = (await p.decode(bad, { key }).catch((e: unknown) => e)) as ChecksumError;
    const viaPool = (await pool.decode(p, bad, key).catch((e: unknown) => e)) as ChecksumError;
    expect(viaPool).toBeInstanceOf(ChecksumError);
    expect([viaPool.expected, viaPool.actual, viaPool.message]).toEqual([
      inline.expected,
      inline.actual,
      inline.message,
    ]);
  });

  it("pipelines with a codec registered by the user stay on the calling thread", async () => {
    const reverse: BytesToBytesCodec = {
      kind: "bytes_to_bytes",
      name: "test.reverse",
      encode: async (b) => b.slice().reverse(),
      decode: async (b) => b.slice().reverse(),
      encodedSize: (n) => n,
      toJSON: () => ({ name: "test.reverse" }),
    } as BytesToBytesCodec;
    registerCodec("test.reverse", () => reverse);
    const p = createCodecPipeline([{ name: "bytes" }, { name: "test.reverse" }], spec, "zarr.json");
    expect(pool.offloads(p, 1 << 20)).toBe(false);
    const e = await p.encode(chunk(1), { key });
    expect(Array.from((await pool.decode(p, e, key)).data as Float32Array)).toEqual(
      Array.from(chunk(1).data),
    );
  });

  it("small chunks (below minBytes) and pipelines without bytes→bytes codecs stay here", () => {
    const small = new DecodePool({ workers: 2, minBytes: 1000 });
    const p = createCodecPipeline([{ name: "bytes" }, ...CHAINS.zstd!], spec, "zarr.json");
    expect(small.offloads(p, 999)).toBe(false);
    expect(small.offloads(p, 1000)).toBe(true);
    expect(small.offloads(createCodecPipeline([{ name: "bytes" }], spec, "zarr.json"), 1e6)).toBe(
      false,
    );
    expect(new DecodePool({ workers: 0 }).offloads(p, 1e6)).toBe(false);
    expect(() => small.configure({ workers: -1 })).toThrow(RangeError);
    expect(() => small.configure({ minBytes: Number.NaN })).toThrow(RangeError);
  });

  it("EGM96 (sharded v3 and v2) reads identically with every chunk decoded on workers", async () => {
    const expected = readNpy(readFileSync(join(DATASETS, "egm96_geoid.npy")));
    const context = new Context({ decodeWorkers: { workers: 2, minBytes: 0 } });
    const decodePool = context.decodePool;
    try {
      for (const name of ["egm96.zarr", "egm96_v2.zarr"]) {
        const store = new FileSystemStore(join(DATASETS, name));
        const arr = await openArray(store, "geoid", { context });
        expect(diffArrays(await arr.lazy().read(), expected)).toBeUndefined();
      }
      expect(decodePool.workers).toBe(2);
      expect(decodePool.offloaded).toBeGreaterThanOrEqual(8);
    } finally {
      context.close();
    }
  });
});
