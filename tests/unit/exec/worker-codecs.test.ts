/**
 * A decode worker loads the codecs it runs, not the registry: `BYTES_CODEC_LOADERS` holds every
 * built-in bytes→bytes codec and builds the same codec as the registry, and the worker's entry
 * point imports no codec module statically (each is loaded when a request first names it).
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import { batchHandler } from "../../../src/exec/decode-handler.js";
import type { WorkerReply } from "../../../src/exec/decode-protocol.js";
import { BUILTIN_CODECS } from "../../../src/format/codecs/builtins.js";
import { BYTES_CODEC_LOADERS } from "../../../src/format/codecs/bytes-codec-loaders.js";
import type { CodecFactoryContext } from "../../../src/format/codecs/types.js";
import { BZ2_DATA, BZ2_STREAM } from "../codecs/helpers.js";

const spec = { shape: [16, 16], dataType: dataType("float32"), fillValue: 0 };
const noNesting: CodecFactoryContext = {
  buildPipeline: () => {
    throw new Error("nested");
  },
};

/**
 * A valid configuration of every built-in codec for a float32 chunk, or the kind of one that
 * needs a nested pipeline or a variable-length data type to be built. Its names must be exactly the registry's: a new built-in codec fails the first
 * test until it is added here (and, when bytes→bytes, to BYTES_CODEC_LOADERS).
 */
const SAMPLES: Record<string, Record<string, unknown> | "array_to_bytes"> = {
  bytes: { endian: "little" },
  transpose: { order: [1, 0] },
  gzip: { level: 1 },
  zlib: { level: 1 },
  zstd: { level: 1, checksum: true },
  blosc: { cname: "lz4", clevel: 5, shuffle: "shuffle", typesize: 4, blocksize: 0 },
  crc32c: {},
  sharding_indexed: "array_to_bytes",
  cast_value: { data_type: "float64" },
  scale_offset: { offset: 1, scale: 2 },
  reshape: { shape: [256] },
  "vlen-utf8": "array_to_bytes",
  "vlen-bytes": "array_to_bytes",
  "numcodecs.vlen-utf8": "array_to_bytes",
  "numcodecs.vlen-bytes": "array_to_bytes",
  "numcodecs.json2": "array_to_bytes",
  "numcodecs.zlib": { level: 1 },
  "numcodecs.gzip": { level: 1 },
  "numcodecs.zstd": { level: 1 },
  "numcodecs.blosc": { cname: "zstd", clevel: 1, shuffle: 1, blocksize: 0 },
  "numcodecs.lz4": { acceleration: 1 },
  "numcodecs.delta": { dtype: "<f4" },
  "numcodecs.shuffle": { elementsize: 4 },
  "numcodecs.adler32": {},
  "numcodecs.crc32": {},
  "numcodecs.fletcher32": {},
  "numcodecs.bitround": { keepbits: 8 },
  "numcodecs.fixedscaleoffset": { dtype: "<f4", astype: "<f4", scale: 10, offset: 0 },
  "numcodecs.quantize": { digits: 2, dtype: "<f4" },
  "numcodecs.astype": { encode_dtype: "<f4", decode_dtype: "<f4" },
  "numcodecs.packbits": {},
  "numcodecs.bz2": { level: 1 },
};

/** The bytes of a 16×16 float32 chunk. */
function chunkBytes(): Uint8Array {
  const f = new Float32Array(256);
  for (let i = 0; i < f.length; i++) f[i] = Math.sin(i / 9) * 50;
  return new Uint8Array(f.buffer);
}

describe("decode workers load codecs on demand", () => {
  it("BYTES_CODEC_LOADERS holds exactly the built-in bytes→bytes codecs", () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(Object.keys(BUILTIN_CODECS).sort());
    const bytesToBytes = Object.entries(SAMPLES)
      .filter(([name, config]) => {
        if (config === "array_to_bytes") return false;
        return (
          BUILTIN_CODECS[name]!(config, spec, "zarr.json", noNesting).kind === "bytes_to_bytes"
        );
      })
      .map(([name]) => name)
      .sort();
    expect(bytesToBytes.length).toBeGreaterThan(15);
    expect(Object.keys(BYTES_CODEC_LOADERS).sort()).toEqual(bytesToBytes);
  });

  it("each loaded factory builds a codec that encodes and decodes as the registry's does", async () => {
    const input = chunkBytes();
    for (const [name, load] of Object.entries(BYTES_CODEC_LOADERS)) {
      const config = SAMPLES[name] as Record<string, unknown>;
      const loaded = (await load())(config, spec, "zarr.json", noNesting);
      const registered = BUILTIN_CODECS[name]!(config, spec, "zarr.json", noNesting);
      expect([name, loaded.kind, loaded.name]).toEqual([name, "bytes_to_bytes", registered.name]);
      if (loaded.kind !== "bytes_to_bytes" || registered.kind !== "bytes_to_bytes") continue;
      // bzip2 is read-only: both refuse to write it alike; its decoding is compared on a stream
      // Python's bz2 module wrote (tests/unit/codecs/bz2.test.ts).
      const encoded =
        name === "numcodecs.bz2"
          ? BZ2_STREAM
          : await registered.encode(input.slice(), { key: "c/0/0" });
      if (name === "numcodecs.bz2") {
        const refused = (c: typeof loaded) =>
          c.kind === "bytes_to_bytes" &&
          c.encode(input.slice(), { key: "c/0/0" }).then(String, (e: Error) => e.message);
        expect(await refused(loaded)).toBe(await refused(registered));
        expect(await loaded.decode(encoded.slice(), { key: "c/0/0", maxDecodedBytes: 30 })).toEqual(
          BZ2_DATA,
        );
        continue;
      }
      expect([name, await loaded.encode(input.slice(), { key: "c/0/0" })]).toEqual([name, encoded]);
      expect([name, await loaded.decode(encoded.slice(), { key: "c/0/0" })]).toEqual([
        name,
        await registered.decode(encoded.slice(), { key: "c/0/0" }),
      ]);
    }
  });

  it("a worker answers a codec it has no loader for with a setup error (the pool decodes it)", async () => {
    const input = new ArrayBuffer(8);
    let reply: WorkerReply | undefined;
    await batchHandler()(
      [
        {
          op: "decode",
          id: 1,
          key: "c/0",
          stageKey: "t",
          codecs: [{ name: "transpose", configuration: { order: [1, 0] } }],
          dataType: "float32",
          itemSize: 4,
          shape: [2, 1],
          input,
          length: 8,
          maxDecodedBytes: [undefined],
        },
      ],
      (replies) => {
        reply = replies[0];
      },
    );
    expect(reply?.error).toMatchObject({
      kind: "setup",
      message: expect.stringContaining("transpose is not a built-in bytes→bytes codec"),
    });
    // The input comes back for reuse.
    expect(reply?.input).toBe(input);
  });

  it("the decode worker's entry point imports no codec module statically", () => {
    const entry = resolve(import.meta.dirname, "../../../src/exec/decode-worker.ts");
    const seen = new Set<string>();
    const external = new Set<string>();
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
      for (const s of source.statements) {
        let spec: ts.Expression | undefined;
        if (ts.isImportDeclaration(s) && !s.importClause?.isTypeOnly) spec = s.moduleSpecifier;
        if (ts.isExportDeclaration(s) && !s.isTypeOnly) spec = s.moduleSpecifier;
        if (!spec || !ts.isStringLiteral(spec)) continue;
        if (!spec.text.startsWith(".")) external.add(spec.text);
        else walk(resolve(dirname(file), spec.text.replace(/\.js$/, ".ts")));
      }
    };
    walk(entry);
    const codecModules = [...seen]
      .map((f) => f.slice(f.indexOf("src/")))
      .filter((f) => f.startsWith("src/format/codecs/"));
    // The loader table, and the decode loops and ceilings every stage needs; no codec.
    expect(codecModules.sort()).toEqual([
      "src/format/codecs/bytes-codec-loaders.ts",
      "src/format/codecs/ceiling.ts",
      "src/format/codecs/encode-stage.ts",
      "src/format/codecs/util.ts",
    ]);
    expect([...external]).toEqual([]);
  });
});
