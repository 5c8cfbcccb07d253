/**
 * Bad input gives typed errors that name the store key: malformed JSON, schema-invalid metadata,
 * unknown codec, unsupported data type, corrupt compressed bytes, checksum mismatch, truncated shard
 * index, a server answering 200 to a range request or 500; failed writes leave nothing half-written.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import {
  ChecksumError,
  CodecError,
  MetadataError,
  NodeNotFoundError,
  StoreError,
  UnknownCodecError,
  UnsupportedDataTypeError,
} from "../../../src/core/errors.js";
import { zeros } from "../../../src/core/ndarray.js";
import { registerCodec } from "../../../src/format/codecs/index.js";
import { createArray, openArray } from "../../../src/hierarchy/index.js";
import { FetchStore } from "../../../src/store/fetch.js";
import { MemoryStore } from "../../../src/store/memory.js";

const enc = (v: unknown) => new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v));

const goodV3 = {
  zarr_format: 3,
  node_type: "array",
  shape: [4, 4],
  data_type: "int32",
  chunk_grid: { name: "regular", configuration: { chunk_shape: [2, 2] } },
  chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
  fill_value: 0,
  codecs: [{ name: "bytes", configuration: { endian: "little" } }],
};

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

describe("metadata errors", () => {
  it("malformed JSON names the key", async () => {
    const store = new MemoryStore({ "arr/zarr.json": enc("{ not json") });
    const e = await errorOf(openArray(store, "arr"));
    expect(e).toBeInstanceOf(MetadataError);
    expect((e as MetadataError).key).toBe("arr/zarr.json");
  });
  it("schema violations list every offending field", async () => {
    const store = new MemoryStore({
      "arr/zarr.json": enc({ ...goodV3, shape: [4, -1], fill_value: "abc" }),
    });
    const e = (await errorOf(openArray(store, "arr"))) as MetadataError;
    expect(e).toBeInstanceOf(MetadataError);
    expect(e.key).toBe("arr/zarr.json");
    expect(e.issues.length).toBeGreaterThanOrEqual(2);
    expect(e.message).toMatch(/shape/);
    expect(e.message).toMatch(/fill_value/);
  });
  it("unknown codec", async () => {
    const store = new MemoryStore({
      "arr/zarr.json": enc({ ...goodV3, codecs: [...goodV3.codecs, { name: "nosuchcodec" }] }),
    });
    const e = (await errorOf(openArray(store, "arr"))) as UnknownCodecError;
    expect(e).toBeInstanceOf(UnknownCodecError);
    expect(e.key).toBe("arr/zarr.json");
    expect(e.message).toMatch(/nosuchcodec/);
  });
  it("unsupported data type", async () => {
    const store = new MemoryStore({
      "arr/zarr.json": enc({ ...goodV3, data_type: "float8_e4m3fn" }),
    });
    const e = (await errorOf(openArray(store, "arr"))) as UnsupportedDataTypeError;
    expect(e).toBeInstanceOf(UnsupportedDataTypeError);
    expect(e.key).toBe("arr/zarr.json");
    expect(e.message).toMatch(/float8_e4m3fn/);
  });
  it("a missing node", async () => {
    const e = await errorOf(openArray(new MemoryStore(), "nope"));
    expect(e).toBeInstanceOf(NodeNotFoundError);
    expect((e as NodeNotFoundError).path).toBe("nope");
  });
});

describe("chunk errors", () => {
  it("corrupt compressed bytes → CodecError naming key and codec", async () => {
    const store = new MemoryStore();
    const arr = await createArray(store, "a", {
      shape: [8],
      chunks: [4],
      dtype: "int32",
      compressor: { name: "gzip", configuration: { level: 1 } },
    });
    await arr.write({ ...zeros(dataType("int32"), [8]), data: new Int32Array(8).fill(3) });
    const bytes = (await store.get("a/c/1"))!;
    bytes[12] = bytes[12]! ^ 0xff;
    bytes[13] = bytes[13]! ^ 0xff;
    await store.set("a/c/1", bytes.subarray(0, bytes.length - 3));
    const e = (await errorOf(arr.read())) as CodecError;
    expect(e).toBeInstanceOf(CodecError);
    expect(e.key).toBe("a/c/1");
    expect(e.codec).toBe("gzip");
  });
  it("checksum mismatch → ChecksumError naming the key", async () => {
    const store = new MemoryStore();
    const arr = await createArray(store, "a", {
      shape: [8],
      chunks: [8],
      dtype: "uint8",
      compressor: { name: "crc32c" },
    });
    await arr.write({ ...zeros(dataType("uint8"), [8]), data: new Uint8Array(8).fill(9) });
    const bytes = (await store.get("a/c/0"))!;
    bytes[0] = 1;
    await store.set("a/c/0", bytes);
    const e = (await errorOf(arr.read())) as ChecksumError;
    expect(e).toBeInstanceOf(ChecksumError);
    expect(e.key).toBe("a/c/0");
  });
  it("truncated shard index → CodecError naming the key and sharding_indexed", async () => {
    const store = new MemoryStore();
    const arr = await createArray(store, "s", {
      shape: [8],
      chunks: [2],
      shards: [8],
      dtype: "uint16",
    });
    await arr.write({ ...zeros(dataType("uint16"), [8]), data: new Uint16Array(8).fill(4) });
    const bytes = (await store.get("s/c/0"))!;
    await store.set("s/c/0", bytes.subarray(0, 10));
    const e = (await errorOf(arr.read())) as CodecError;
    expect(e).toBeInstanceOf(CodecError);
    expect(e.key).toBe("s/c/0");
    expect(e.codec).toMatch(/sharding_indexed|crc32c/);
  });
});

describe("failed writes leave nothing half-written", () => {
  it("a codec failure on the second chunk stores no chunk at all", async () => {
    let calls = 0;
    registerCodec("test.fail_second", () => ({
      kind: "bytes_to_bytes",
      name: "test.fail_second",
      toJSON: () => ({ name: "test.fail_second" }),
      encode: async (b: Uint8Array, ctx: { key: string }) => {
        if (++calls === 2)
          throw new CodecError("refused", { key: ctx.key, codec: "test.fail_second" });
        return b;
      },
      decode: async (b: Uint8Array) => b,
    }));
    const store = new MemoryStore();
    const arr = await createArray(store, "a", {
      shape: [8],
      chunks: [4],
      dtype: "uint8",
      compressor: { name: "test.fail_second" },
    });
    const value = {
      ...zeros(dataType("uint8"), [8]),
      data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]),
    };
    const e = (await errorOf(arr.write(value))) as CodecError;
    expect(e).toBeInstanceOf(CodecError);
    expect(e.key).toBe("a/c/1");
    expect(await store.list("a/c")).toEqual([]);
  });
});

describe("HTTP errors", () => {
  let server: Server;
  let url = "";
  let mode: "ok" | "full200" | "500" = "ok";
  const meta = enc({
    ...goodV3,
    shape: [4],
    chunk_grid: { name: "regular", configuration: { chunk_shape: [4] } },
  });
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url?.endsWith("zarr.json")) {
        res.writeHead(200).end(meta);
        return;
      }
      if (mode === "500") {
        res.writeHead(500).end("boom");
        return;
      }
      res.writeHead(200).end(new Uint8Array(16));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const addr = server.address();
    url = typeof addr === "object" && addr ? `http://127.0.0.1:${addr.port}/` : "";
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  it("a 500 → StoreError with status and key", async () => {
    mode = "500";
    const arr = await openArray(new FetchStore(url), "arr");
    const e = (await errorOf(arr.read())) as StoreError;
    expect(e).toBeInstanceOf(StoreError);
    expect(e.status).toBe(500);
    expect(e.key).toBe("arr/c/0");
    expect(e.transient).toBe(true);
  });
  it("a 200 to a range request is sliced, never used as is", async () => {
    mode = "full200";
    const store = new FetchStore(url);
    const part = await store.getRange("arr/c/0", { offset: 4, length: 4 });
    expect(part?.length).toBe(4);
  });
});
