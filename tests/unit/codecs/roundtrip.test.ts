/** Every codec round-trips every data type, from C-order and from strided (Fortran-order) chunks. */
import { describe, expect, it } from "vitest";
import type { DataType } from "../../../src/core/dtype.js";
import { createCodecPipeline } from "../../../src/format/codecs/index.js";
import type { CodecSpec } from "../../../src/format/model.js";
import { ALL_DTYPES, diff, fortranCopy, sample } from "./helpers.js";

const bytesLE: CodecSpec = { name: "bytes", configuration: { endian: "little" } };
const bytesBE: CodecSpec = { name: "bytes", configuration: { endian: "big" } };
const crc: CodecSpec = { name: "crc32c" };

const PIPELINES: Record<string, CodecSpec[]> = {
  "bytes little": [bytesLE],
  "bytes big": [bytesBE],
  "bytes (no configuration)": [{ name: "bytes" }],
  "transpose + bytes big": [{ name: "transpose", configuration: { order: [1, 2, 0] } }, bytesBE],
  gzip: [bytesLE, { name: "gzip", configuration: { level: 5 } }],
  "gzip level 0": [bytesLE, { name: "gzip", configuration: { level: 0 } }],
  zlib: [bytesLE, { name: "zlib", configuration: { level: 1 } }],
  zstd: [bytesLE, { name: "zstd", configuration: { level: 0, checksum: false } }],
  "zstd checksum": [bytesBE, { name: "zstd", configuration: { level: 5, checksum: true } }],
  crc32c: [bytesLE, crc],
  "gzip + crc32c": [bytesLE, { name: "gzip", configuration: { level: 1 } }, crc],
  "blosc lz4 shuffle": [
    bytesLE,
    {
      name: "blosc",
      configuration: { cname: "lz4", clevel: 5, shuffle: "shuffle", typesize: 4, blocksize: 0 },
    },
  ],
  "blosc zstd bitshuffle": [
    bytesLE,
    {
      name: "blosc",
      configuration: { cname: "zstd", clevel: 3, shuffle: "bitshuffle", blocksize: 0 },
    },
  ],
  "blosc blosclz shuffle": [
    bytesLE,
    { name: "blosc", configuration: { cname: "blosclz", clevel: 9, shuffle: "shuffle" } },
  ],
  "blosc zlib noshuffle": [
    bytesLE,
    { name: "blosc", configuration: { cname: "zlib", clevel: 5, shuffle: "noshuffle" } },
  ],
  "blosc lz4hc bitshuffle": [
    bytesLE,
    { name: "blosc", configuration: { cname: "lz4hc", clevel: 9, shuffle: "bitshuffle" } },
  ],
  "numcodecs.zlib": [bytesLE, { name: "numcodecs.zlib", configuration: { level: 3 } }],
  "numcodecs.gzip": [bytesLE, { name: "numcodecs.gzip", configuration: { level: 9 } }],
  "numcodecs.zstd": [bytesLE, { name: "numcodecs.zstd", configuration: { level: 3 } }],
  "numcodecs.blosc shuffle": [
    bytesLE,
    {
      name: "numcodecs.blosc",
      configuration: { cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 },
    },
  ],
  "numcodecs.blosc bitshuffle": [
    bytesBE,
    { name: "numcodecs.blosc", configuration: { cname: "zstd", clevel: 5, shuffle: 2 } },
  ],
  "numcodecs.blosc autoshuffle": [
    bytesLE,
    { name: "numcodecs.blosc", configuration: { cname: "blosclz", clevel: 5, shuffle: -1 } },
  ],
  "numcodecs.lz4": [bytesLE, { name: "numcodecs.lz4", configuration: { acceleration: 1 } }],
  "sharding end": [
    {
      name: "sharding_indexed",
      configuration: {
        chunk_shape: [2, 4, 3],
        codecs: [bytesLE, { name: "zstd", configuration: { level: 1, checksum: false } }],
        index_codecs: [bytesLE, crc],
      },
    },
  ],
  "sharding start + transpose inside": [
    {
      name: "sharding_indexed",
      configuration: {
        chunk_shape: [4, 2, 6],
        codecs: [
          { name: "transpose", configuration: { order: [2, 1, 0] } },
          bytesBE,
          { name: "gzip", configuration: { level: 1 } },
        ],
        index_codecs: [bytesLE, crc],
        index_location: "start",
      },
    },
  ],
  "transpose + sharding": [
    { name: "transpose", configuration: { order: [2, 0, 1] } },
    {
      name: "sharding_indexed",
      configuration: { chunk_shape: [3, 2, 4], codecs: [bytesLE], index_codecs: [bytesLE] },
    },
  ],
};

const SHAPE = [4, 8, 6];

describe("codec round trips for every data type", () => {
  for (const [label, codecs] of Object.entries(PIPELINES)) {
    describe(label, () => {
      for (const dt of ALL_DTYPES) {
        it(dtName(dt), async () => {
          const a = sample(dt, SHAPE);
          const p = createCodecPipeline(
            codecs,
            { shape: SHAPE, dataType: dt, fillValue: 0 },
            "zarr.json",
          );
          const ctx = { key: "c/0/0/0" };
          const encoded = await p.encode(a, ctx);
          const decoded = await p.decode(encoded, ctx);
          expect(diff(decoded, a)).toBeUndefined();
          expect(decoded.offset ?? 0).toBe(0);
          expect(decoded.strides).toEqual([48, 6, 1]);
          // a strided chunk with the same elements encodes to the same elements
          const fromStrided = await p.decode(await p.encode(fortranCopy(a), ctx), ctx);
          expect(diff(fromStrided, a)).toBeUndefined();
          // metadata round trip
          const q = createCodecPipeline(
            p.toJSON(),
            { shape: SHAPE, dataType: dt, fillValue: 0 },
            "zarr.json",
          );
          expect(diff(await q.decode(encoded, ctx), a)).toBeUndefined();
        });
      }
    });
  }
});

function dtName(dt: DataType): string {
  return dt.name === "bytes" ? `|S${dt.itemSize}` : dt.name;
}
