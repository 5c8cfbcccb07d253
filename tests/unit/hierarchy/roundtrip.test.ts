/**
 * Arrays written by zarr-plan (every data type, every codec, sharded and not, v2 and v3) read back
 * identically; region writes do read-modify-write; chunks equal to the fill value are not stored.
 */
import { describe, expect, it } from "vitest";
import { type DataTypeName, dataType, NUMERIC_DATA_TYPES } from "../../../src/core/dtype.js";
import { cStrides, type NDArray, zeros } from "../../../src/core/ndarray.js";
import {
  createArray,
  createGroup,
  deleteNode,
  openArray,
  openGroup,
} from "../../../src/hierarchy/index.js";
import { MemoryStore } from "../../../src/store/memory.js";
import { diffArrays } from "../../helpers/compare.js";

const DTYPES: DataTypeName[] = [...NUMERIC_DATA_TYPES];

/** Distinct values per element (bools alternate), so any indexing or byte-order mistake shows. */
function sample<N extends DataTypeName>(name: N, shape: number[], bytesLength = 0): NDArray<N> {
  const dt = dataType(name, name === "bytes" ? bytesLength : undefined);
  const a = zeros(dt, shape);
  const n = a.data.length / dt.lanes;
  const d = a.data as unknown as { [i: number]: number | bigint };
  for (let i = 0; i < n; i++) {
    for (let l = 0; l < dt.lanes; l++) {
      const v =
        name === "bool"
          ? i % 3 === 0
            ? 1
            : 0
          : name === "bytes"
            ? 65 + ((i + l) % 26)
            : ((i * 7 + l * 3) % 120) - (name.startsWith("uint") ? 0 : 50);
      d[i * dt.lanes + l] = name === "int64" || name === "uint64" ? BigInt(v) : v;
    }
  }
  return a;
}

const V3_CODECS: Record<
  string,
  { compressor?: { name: string; configuration?: Record<string, unknown> } | null }
> = {
  raw: { compressor: null },
  gzip: { compressor: { name: "gzip", configuration: { level: 5 } } },
  zstd: { compressor: { name: "zstd", configuration: { level: 3, checksum: true } } },
  blosc: {
    compressor: {
      name: "blosc",
      configuration: { cname: "lz4", clevel: 5, shuffle: "shuffle", typesize: 4, blocksize: 0 },
    },
  },
  crc32c: { compressor: { name: "crc32c" } },
};

describe("v3 round trips", () => {
  for (const name of DTYPES) {
    for (const [codecName, opts] of Object.entries(V3_CODECS)) {
      for (const sharded of [false, true]) {
        it(`${name} ${codecName}${sharded ? " sharded" : ""}`, async () => {
          const store = new MemoryStore();
          const value = sample(name, [9, 13]);
          const arr = await createArray(store, "a/b", {
            shape: [9, 13],
            chunks: [2, 3],
            ...(sharded ? { shards: [4, 6] } : {}),
            dtype: name,
            ...opts,
          });
          await arr.write(value);
          const again = await openArray(store, "a/b");
          expect(diffArrays(await again.read(), value)).toBeUndefined();
          // The parent group was created.
          expect((await openGroup(store, "a")).zarrFormat).toBe(3);
        });
      }
    }
  }
  it("big-endian bytes and a transpose codec", async () => {
    const store = new MemoryStore();
    const value = sample("int32", [5, 6, 7]);
    const arr = await createArray(store, "t", {
      shape: [5, 6, 7],
      dtype: "int32",
      codecs: [
        { name: "transpose", configuration: { order: [2, 0, 1] } },
        { name: "bytes", configuration: { endian: "big" } },
        { name: "zstd", configuration: { level: 1, checksum: false } },
      ],
      chunks: [2, 3, 4],
    });
    await arr.write(value);
    expect(diffArrays(await (await openArray(store, "t")).read(), value)).toBeUndefined();
  });
  it("nested sharding and index at the start", async () => {
    const store = new MemoryStore();
    const value = sample("float32", [16, 16]);
    const arr = await createArray(store, "n", {
      shape: [16, 16],
      dtype: "float32",
      chunks: [16, 16],
      codecs: [
        {
          name: "sharding_indexed",
          configuration: {
            chunk_shape: [8, 8],
            index_location: "start",
            index_codecs: [
              { name: "bytes", configuration: { endian: "little" } },
              { name: "crc32c" },
            ],
            codecs: [
              {
                name: "sharding_indexed",
                configuration: {
                  chunk_shape: [4, 4],
                  index_codecs: [{ name: "bytes", configuration: { endian: "little" } }],
                  codecs: [
                    { name: "bytes", configuration: { endian: "little" } },
                    { name: "gzip", configuration: { level: 1 } },
                  ],
                },
              },
            ],
          },
        },
      ],
    });
    await arr.write(value);
    expect(diffArrays(await (await openArray(store, "n")).read(), value)).toBeUndefined();
  });

  it("shards with codecs: the codecs are the inner chunks' (not dropped); with a sharding codec, refused", async () => {
    const store = new MemoryStore();
    const value = sample("int32", [12, 8]);
    const inner = [
      { name: "transpose", configuration: { order: [1, 0] } },
      { name: "bytes", configuration: { endian: "big" } },
      { name: "gzip", configuration: { level: 1 } },
    ];
    const arr = await createArray(store, "s", {
      shape: [12, 8],
      dtype: "int32",
      chunks: [3, 4],
      shards: [6, 8],
      codecs: inner,
      indexLocation: "start",
    });
    expect(arr.chunks).toEqual([3, 4]);
    expect(arr.shards).toEqual([6, 8]);
    const meta = JSON.parse(new TextDecoder().decode((await store.get("s/zarr.json"))!));
    expect(meta.chunk_grid.configuration.chunk_shape).toEqual([6, 8]);
    expect(meta.codecs).toHaveLength(1);
    expect(meta.codecs[0].name).toBe("sharding_indexed");
    expect(meta.codecs[0].configuration.chunk_shape).toEqual([3, 4]);
    expect(meta.codecs[0].configuration.index_location).toBe("start");
    expect(meta.codecs[0].configuration.codecs.map((c: { name: string }) => c.name)).toEqual([
      "transpose",
      "bytes",
      "gzip",
    ]);
    await arr.write(value);
    expect(diffArrays(await (await openArray(store, "s")).read(), value)).toBeUndefined();
    // Two shards stored, not 8 chunks.
    expect((await store.list()).filter((k) => k.startsWith("s/c/")).sort()).toEqual([
      "s/c/0/0",
      "s/c/1/0",
    ]);

    const refused = await createArray(store, "t", {
      shape: [12, 8],
      dtype: "int32",
      chunks: [6, 8],
      shards: [6, 8],
      codecs: [
        {
          name: "sharding_indexed",
          configuration: { chunk_shape: [3, 4], codecs: [{ name: "bytes" }] },
        },
      ],
    }).catch((e: unknown) => e);
    expect((refused as { code?: string }).code).toBe("ERR_OPTIONS");
    expect(String(refused)).toContain("shards");
    expect(await store.get("t/zarr.json")).toBeUndefined();
  });
});

const V2_COMPRESSORS: Record<
  string,
  { name: string; configuration?: Record<string, unknown> } | null
> = {
  none: null,
  zlib: { name: "zlib", configuration: { level: 3 } },
  gzip: { name: "gzip", configuration: { level: 3 } },
  zstd: { name: "zstd", configuration: { level: 3 } },
  lz4: { name: "lz4", configuration: { acceleration: 1 } },
  blosc: { name: "blosc", configuration: { cname: "zstd", clevel: 3, shuffle: 2, blocksize: 0 } },
};

describe("v2 round trips", () => {
  for (const name of [...DTYPES, "bytes" as const]) {
    for (const [cname, compressor] of Object.entries(V2_COMPRESSORS)) {
      for (const order of ["C", "F"] as const) {
        it(`${name} ${cname} order ${order}`, async () => {
          const store = new MemoryStore();
          const value = sample(name, [7, 5], 6);
          const arr = await createArray(store, "x", {
            shape: [7, 5],
            chunks: [3, 2],
            dtype: name,
            bytesLength: 6,
            zarrFormat: 2,
            compressor,
            order,
            endian: name === "int32" ? "big" : "little",
          });
          await arr.write(value);
          const again = await openArray(store, "x", { zarrFormat: 2 });
          expect(again.zarrFormat).toBe(2);
          expect(diffArrays(await again.read(), value)).toBeUndefined();
        });
      }
    }
  }
  it("the delta filter", async () => {
    const store = new MemoryStore();
    const value = sample("int32", [20]);
    const arr = await createArray(store, "d", {
      shape: [20],
      chunks: [6],
      dtype: "int32",
      zarrFormat: 2,
      filters: [{ name: "delta", configuration: { dtype: "<i4" } }],
      compressor: { name: "zlib", configuration: { level: 1 } },
    });
    await arr.write(value);
    expect(diffArrays(await (await openArray(store, "d")).read(), value)).toBeUndefined();
  });
});

describe("region writes", () => {
  it("read-modify-write of partial chunks, fill chunks not stored", async () => {
    const store = new MemoryStore();
    const arr = await createArray(store, "r", {
      shape: [10, 10],
      chunks: [4, 4],
      dtype: "int32",
      fillValue: -1,
    });
    const block = zeros(dataType("int32"), [3, 5]);
    (block.data as Int32Array).set(Array.from({ length: 15 }, (_, i) => i + 1));
    await arr.write(block, { start: [3, 2] });
    const out = (await arr.read()).data as Int32Array;
    for (let r = 0; r < 10; r++) {
      for (let c = 0; c < 10; c++) {
        const inside = r >= 3 && r < 6 && c >= 2 && c < 7;
        expect(out[r * 10 + c]).toBe(inside ? (r - 3) * 5 + (c - 2) + 1 : -1);
      }
    }
    // Chunks touched: rows 0-1 × cols 0-1 of the grid → 4 chunks stored; untouched ones absent.
    const keys = (await store.list("r/c/")).sort();
    expect(keys).toEqual(["r/c/0/0", "r/c/0/1", "r/c/1/0", "r/c/1/1"]);
    // Writing the fill value back deletes the chunks.
    await arr.write(-1);
    expect(await store.list("r/c/")).toEqual([]);
  });
  it("scalar fill of a box and out-of-bounds regions", async () => {
    const store = new MemoryStore();
    const arr = await createArray(store, "s", {
      shape: [6],
      chunks: [4],
      dtype: "float64",
      fillValue: Number.NaN,
    });
    await arr.write(2.5, { start: [1], stop: [5] });
    expect(Array.from((await arr.read()).data as Float64Array)).toEqual([
      Number.NaN,
      2.5,
      2.5,
      2.5,
      2.5,
      Number.NaN,
    ]);
    await expect(arr.write(1, { start: [4], stop: [7] })).rejects.toThrow(/outside the array/);
  });
  it("a 0-d array", async () => {
    const store = new MemoryStore();
    const arr = await createArray(store, "z", { shape: [], dtype: "int16", fillValue: 3 });
    expect(Array.from((await arr.read()).data as Int16Array)).toEqual([3]);
    await arr.write(7);
    expect(Array.from((await (await openArray(store, "z")).read()).data as Int16Array)).toEqual([
      7,
    ]);
    expect(await store.get("z/c")).toBeDefined();
  });
  it("writes keep strides of the source value", async () => {
    const store = new MemoryStore();
    const arr = await createArray(store, "f", { shape: [3, 4], chunks: [2, 2], dtype: "uint8" });
    const src = sample("uint8", [4, 3]);
    // A transposed view of src: shape [3, 4] with swapped strides.
    const view: NDArray<"uint8"> = { ...src, shape: [3, 4], strides: [1, 3] };
    await arr.write(view);
    const out = (await arr.read()).data as Uint8Array;
    const s = src.data as Uint8Array;
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 4; c++) expect(out[r * 4 + c]).toBe(s[c * 3 + r]);
    expect(cStrides([3, 4])).toEqual([4, 1]);
  });
});

describe("groups and deletion", () => {
  it("members without consolidated metadata, tree, delete", async () => {
    const store = new MemoryStore();
    await createGroup(store, "", { attributes: { title: "t" } });
    await createArray(store, "g/a", { shape: [4], dtype: "uint8" });
    await createArray(store, "g/b", { shape: [4], dtype: "uint8", zarrFormat: 3 });
    await createGroup(store, "g/h");
    const root = await openGroup(store);
    expect(root.attributes).toEqual({ title: "t" });
    const g = await openGroup(store, "g");
    expect([...(await g.members()).keys()]).toEqual(["a", "b", "h"]);
    const tree = await root.tree();
    expect(tree.children!.map((c) => c.name)).toEqual(["g"]);
    await (await openArray(store, "g/a")).write(5);
    await deleteNode(store, "g/a");
    expect([...(await g.members()).keys()]).toEqual(["b", "h"]);
    expect(await store.list("g/a")).toEqual([]);
  });
  it("refuses to overwrite unless asked", async () => {
    const store = new MemoryStore();
    await createArray(store, "a", { shape: [4], dtype: "uint8" });
    await expect(createArray(store, "a", { shape: [4], dtype: "uint8" })).rejects.toThrow(
      /already exists/,
    );
    const again = await createArray(store, "a", { shape: [8], dtype: "int8", overwrite: true });
    expect(again.shape).toEqual([8]);
  });
});
