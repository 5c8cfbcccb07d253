/**
 * Human-readable descriptions of arrays: chunking levels (shards and inner chunks), codecs, fill
 * values, sizes. Shared by `tree`, `info` and `explain`.
 * @module
 */
import {
  type CodecPipeline,
  type CodecSpec,
  type Scalar,
  shapeSize,
  type ZarrArray,
} from "../index.js";
import { complexText } from "./output/values.js";

export { dtypeLabel, shapeText } from "./output/types.js";

const SHARDING = "sharding_indexed";

function codecList(v: unknown): CodecSpec[] {
  return Array.isArray(v)
    ? v.filter((c): c is CodecSpec => typeof c === "object" && c !== null && "name" in c)
    : [];
}

/** The inner pipeline of `p` when `p` is exactly one `sharding_indexed` codec (a nested shard). */
function nestedShards(p: CodecPipeline | undefined): CodecPipeline | undefined {
  return p?.sharding && p.arrayToArray.length === 0 && p.bytesToBytes.length === 0 ? p : undefined;
}

/**
 * The chunking levels of an array, outermost first: `[a.chunks]` when not sharded, else
 * `[a.shards, a.chunks, ...]` (one more per nested `sharding_indexed` that is its pipeline's only
 * codec). `a.chunks` / `a.shards` follow zarr-python 3; the last level is what one request of a
 * chunk reads.
 */
export function chunkLevels(a: ZarrArray): (readonly number[])[] {
  if (a.shards === null) return [a.chunks];
  const levels: (readonly number[])[] = [a.shards, a.chunks];
  for (
    let p = nestedShards(a.pipeline.sharding?.innerPipeline);
    p;
    p = nestedShards(p.sharding?.innerPipeline)
  ) {
    levels.push(p.sharding!.innerChunkShape);
  }
  return levels;
}

/** Codec names, sharding with its inner codecs: `sharding_indexed(bytes, zstd)`, `bytes, gzip`. */
export function codecSummary(codecs: readonly CodecSpec[]): string {
  return codecs
    .map((c) =>
      c.name === SHARDING
        ? `${c.name}(${codecSummary(codecList(c.configuration?.codecs))})`
        : c.name,
    )
    .join(", ");
}

function configValue(v: unknown): string {
  if (typeof v === "string") return v;
  return JSON.stringify(v) ?? String(v);
}

/** One codec with its scalar configuration: `zstd(level=3, checksum=false)`. */
function codecText(c: CodecSpec): string {
  const entries = Object.entries(c.configuration ?? {}).filter(
    ([k]) => !(c.name === SHARDING && (k === "codecs" || k === "index_codecs")),
  );
  return entries.length === 0
    ? c.name
    : `${c.name}(${entries.map(([k, v]) => `${k}=${configValue(v)}`).join(", ")})`;
}

/** The codec pipeline, one codec per line, sharding's inner and index codecs indented below it. */
export function codecLines(codecs: readonly CodecSpec[], indent = ""): string[] {
  const lines: string[] = [];
  for (const c of codecs) {
    lines.push(`${indent}${codecText(c)}`);
    if (c.name === SHARDING) {
      lines.push(`${indent}  chunk codecs:`);
      lines.push(...codecLines(codecList(c.configuration?.codecs), `${indent}    `));
      const index = codecList(c.configuration?.index_codecs);
      if (index.length > 0)
        lines.push(`${indent}  index codecs: ${index.map(codecText).join(", ")}`);
    }
  }
  return lines;
}

/** A scalar as text: `NaN`, `-1`, `true`, `1+2j`, `b'abc'`. */
export function scalarText(v: Scalar): string {
  if (v instanceof Uint8Array) {
    let s = "";
    for (const b of v) {
      s +=
        b >= 0x20 && b < 0x7f && b !== 0x27 && b !== 0x5c
          ? String.fromCharCode(b)
          : `\\x${b.toString(16).padStart(2, "0")}`;
    }
    return `b'${s}'`;
  }
  if (Array.isArray(v)) return complexText(v[0] as number, v[1] as number);
  return String(v);
}

/** `1,038,240`. */
export function countText(n: number): string {
  return n.toLocaleString("en-US");
}

/** `3.96 MiB`. */
export function bytesText(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[u]}`;
}

/** Number of chunks of `chunk` over `shape` along each dimension. */
export function gridOf(shape: readonly number[], chunk: readonly number[]): number[] {
  return shape.map((s, i) => Math.ceil(s / Math.max(1, chunk[i]!)));
}

/** `4 × 4 = 16`. */
export function gridText(grid: readonly number[]): string {
  const n = shapeSize(grid);
  return grid.length <= 1 ? countText(n) : `${grid.join(" × ")} = ${countText(n)}`;
}
