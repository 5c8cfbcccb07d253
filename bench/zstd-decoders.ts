/**
 * zstd decoders side by side (issue 6: "the fastest well-kept zstd decoders you can find"):
 * `npx tsx bench/zstd-decoders.ts [--full] [--rounds 12] [--candidates pkg,pkg] [--shard FILE]`.
 *
 * Decodes every inner chunk of one shard of the benchmark's `sharded` array (float32 inner chunks,
 * 256² at full size, zstd level 3), or of the shard `--shard` names (a 2048² float32 shard of 256²
 * inner chunks, such as the peer benchmark's `sharded.zarr/c/0/0`), with each decoder, rounds interleaved, and prints the median time per
 * shard and the decoded MB/s on one thread. The two decoders zarr-plan ships (numcodecs.js and
 * `@thewtex/zstddec`) always run; other candidates run when installed (`npm i --no-save …`):
 * `zstddec`, `fzstd`, `@bokuweb/zstd-wasm`, `@foxglove/wasm-zstd`. Every output is compared with
 * numcodecs.js first.
 * @module
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import Zstd from "numcodecs/zstd";
import { zstdSizedDecoder } from "../src/format/codecs/wasm.js";
import { datasetDir, ensureDatasets, type SizeName, SPECS } from "./datasets.js";

type Decode = (chunk: Uint8Array, size: number) => Uint8Array | Promise<Uint8Array>;

/** Loads an optional candidate by package name; `undefined` when it is not installed. */
async function optional(name: string): Promise<Decode | undefined> {
  const load = (spec: string) => import(spec) as Promise<Record<string, unknown>>;
  try {
    if (name === "zstddec") {
      const m = await load("zstddec");
      const D = m.ZSTDDecoder as new () => { init(): Promise<void>; decode: Decode };
      const d = new D();
      await d.init();
      return (c, n) => d.decode(c, n);
    }
    if (name === "fzstd") {
      const m = await load("fzstd");
      const f = m.decompress as (c: Uint8Array) => Uint8Array;
      return (c) => f(c);
    }
    if (name === "@bokuweb/zstd-wasm") {
      const m = await load("@bokuweb/zstd-wasm");
      await (m.init as () => Promise<void>)();
      return (c) => (m.decompress as (c: Uint8Array) => Uint8Array)(c);
    }
    if (name === "@foxglove/wasm-zstd") {
      const m = (await load("@foxglove/wasm-zstd")) as Record<string, unknown>;
      const mod = (m.default ?? m) as { isLoaded: Promise<unknown>; decompress: Decode };
      await mod.isLoaded;
      return (c, n) => mod.decompress(c, n);
    }
  } catch {
    return undefined;
  }
  return undefined;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      full: { type: "boolean", default: false },
      shard: { type: "string" },
      rounds: { type: "string", default: "12" },
      candidates: {
        type: "string",
        default: "zstddec,fzstd,@bokuweb/zstd-wasm,@foxglove/wasm-zstd",
      },
    },
  });
  const size: SizeName = values.full || values.shard ? "full" : "quick";
  if (!values.shard) await ensureDatasets(size, (l) => console.error(l));
  const shard = await readFile(values.shard ?? join(datasetDir(size), "sharded", "c", "0", "0"));
  const { shard: side, inner } = SPECS[size];
  const count = (side / inner) ** 2;
  const n = shard.length;
  // Index at the end: 16 bytes per inner chunk + 4 bytes crc32c.
  const view = new DataView(shard.buffer, shard.byteOffset, shard.byteLength);
  const chunks: Uint8Array[] = [];
  const raw = inner * inner * 4;
  for (let k = 0; k < count; k++) {
    const at = n - 4 - 16 * count + 16 * k;
    const off = Number(view.getBigUint64(at, true));
    const len = Number(view.getBigUint64(at + 8, true));
    if (off === 2 ** 64 - 1) continue;
    chunks.push(shard.subarray(off, off + len));
  }
  const numcodecs = Zstd.fromConfig({ id: "zstd", level: 1 });
  const sized = await zstdSizedDecoder();
  const decoders: [string, Decode][] = [
    ["numcodecs.js (numcodecs 0.3.2)", (c) => numcodecs.decode(c)],
    ["@thewtex/zstddec 0.2.1 (zarr-plan)", (c, s) => sized.decode(c, s)],
  ];
  for (const name of values.candidates.split(",").filter(Boolean)) {
    const d = await optional(name);
    if (d) decoders.push([name, d]);
    else console.error(`${name}: not installed, skipped`);
  }
  const want = await Promise.all(chunks.map((c) => numcodecs.decode(c)));
  for (const [name, d] of decoders) {
    for (let i = 0; i < chunks.length; i++) {
      const got = await d(chunks[i]!, raw);
      if (Buffer.compare(Buffer.from(got), Buffer.from(want[i]!)) !== 0) {
        throw new Error(`${name}: inner chunk ${i} decodes differently`);
      }
    }
  }
  const times = decoders.map(() => [] as number[]);
  for (let r = 0; r < Number(values.rounds); r++) {
    for (const [i, [, d]] of decoders.entries()) {
      const t0 = performance.now();
      for (const c of chunks) await d(c, raw);
      times[i]!.push(performance.now() - t0);
    }
  }
  const compressed = chunks.reduce((s, c) => s + c.length, 0);
  console.log(
    `${chunks.length} inner chunks of ${inner}² float32 (${values.shard ?? `${size} dataset`}), ${(compressed / 1e6).toFixed(2)} MB compressed → ${((raw * chunks.length) / 1e6).toFixed(2)} MB; median of ${values.rounds} rounds, one thread\n`,
  );
  console.log("| decoder | ms per shard | decoded MB/s |\n|---|---|---|");
  for (const [i, [name]] of decoders.entries()) {
    const t = times[i]!.sort((a, b) => a - b);
    const ms = t[t.length >> 1]!;
    console.log(
      `| ${name} | ${ms.toFixed(1)} | ${((raw * chunks.length) / 1e3 / ms).toFixed(0)} |`,
    );
  }
}

await main();
