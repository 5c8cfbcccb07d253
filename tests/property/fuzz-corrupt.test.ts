/**
 * Fuzz test: corrupted stores. Takes a real store (every array of the bundled fixtures in
 * `data/fixtures`, written by zarr-python and tensorstore, and EGM96 in `data/datasets`), loads
 * it into a `MemoryStore` and corrupts one of its files:
 *
 * - a chunk or shard file: bits flipped, truncated, extended, zero- or 0xff-filled, random bytes
 *   spliced in (a chunk's crc32c sometimes recomputed, so the damage reaches the codecs);
 * - the index region of a shard (its last or first `16·n (+ 4)` bytes): the same byte mutations,
 *   or index entries set to edge values (2^64-1, 2^53, past the end, 0…) with the checksum
 *   recomputed so that the entries themselves reach the reader;
 * - a metadata document (`zarr.json`, `.zarray`, `.zattrs`, the consolidated `zarr.json` /
 *   `.zmetadata`): byte mutations; JSON-level ones (plausible values: other data types, codecs,
 *   endians, orders, numbers near the old one; numbers made huge, negative, fractional,
 *   infinite; wrong types; keys deleted; array elements duplicated or removed; nested arrays);
 *   or the shape, chunk grid or inner chunk shape resized (shrunk, grown, up to 2^53 - 1).
 *
 * Then it opens the array (directly, or through its consolidated group) and reads it whole, reads
 * a random selection, and reads a plan of the selection, a few points and sometimes the whole
 * array (`explain()` before and after `resolve()`), each under a `Context` with decode workers
 * off. Properties:
 *
 * - every operation resolves or rejects with a `ZarrPlanError` (never a plain TypeError,
 *   RangeError, Error…), within FC_READ_TIMEOUT_MS (default 5 s; "hang" otherwise);
 * - no unhandled rejection reaches the process; `arrayBuffers` stays under 1 GiB; a whole read of
 *   more entries than a TypedArray may have fails (typed) instead of returning;
 * - no wrong values: when the corruption is covered by a checksum (`crc32c` on the chunk, or on
 *   the shard index when only the index was touched), or only truncates or extends a file at its
 *   end (the chunk's length is then wrong), a read either fails or returns exactly the reference
 *   `.npy`; otherwise everything outside the corrupted chunk or shard must still be exact; after
 *   a resize of the shape alone, every element inside both shapes must be exact.
 *
 * Whole reads over the Context's default limits (output bytes, chunk tasks) must fail at once
 * with ERR_TOO_LARGE. Not run: whole reads of more than 16 MiB (valid, just slow to check), and
 * whole reads within the limits over more than CHUNK_LIMIT chunks or inner chunks. The latter is
 * a known limit, not a choice: planning costs about 1 KB of heap per chunk task and executing
 * about 10 KB more (and 80 µs), so a read over about half a million chunks exhausts the V8
 * heap (the default `maxTasks`, 2^17, now refuses such reads with ERR_TOO_LARGE; within it a whole
 * read is still slow to check). Skipped reads are counted (printed at the end).
 *
 * Run count: FC_NUM_RUNS (default 100, a few seconds). Replay: FC_SEED=<seed> FC_PATH=<path>.
 * The seed is printed first, so that even a crash or a hang that blocks the event loop can be
 * replayed; FC_TRACE=<file> keeps the running case and operation in that file. The whole check,
 * shrinking included, is bounded by FC_TIME_LIMIT_MS (default NUM_RUNS × 300 ms + 60 s).
 */
import { constants } from "node:buffer";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, it } from "vitest";
import { isZarrPlanError } from "../../src/core/errors.js";
import { cStrides, type NDArray, shapeSize, toCOrder } from "../../src/core/ndarray.js";
import { scalarLanes } from "../../src/core/scalar.js";
import { plan } from "../../src/exec/api.js";
import { Context } from "../../src/exec/context.js";
import { crc32c } from "../../src/format/codecs/checksums.js";
import { readNpy } from "../../src/format/npy.js";
import { openArray, openGroup, type ZarrArray } from "../../src/hierarchy/index.js";
import { type SelectionItem, slice } from "../../src/index-space/selection.js";
import { DEFAULT_PLAN_LIMITS, limitError, planSize } from "../../src/plan/limits.js";
import { MemoryStore } from "../../src/store/memory.js";
import { chance, type G, int, oneOf } from "./selection-gen.js";

const NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 100);
const SEED =
  process.env.FC_SEED === undefined
    ? Math.floor(Math.random() * 2 ** 31)
    : Number(process.env.FC_SEED);
const PATH = process.env.FC_PATH;
const READ_TIMEOUT_MS = Number(process.env.FC_READ_TIMEOUT_MS ?? 5000);
/** Debugging: a file that always holds the case and operation running now (for crashes). */
const TRACE = process.env.FC_TRACE;
const TIME_LIMIT_MS = Number(process.env.FC_TIME_LIMIT_MS ?? NUM_RUNS * 300 + 60_000);
/** Whole reads needing more than this for their output are not run (see above). */
const ALLOC_LIMIT = 16 * 2 ** 20;
/** Whole reads over more chunks (or inner chunks) than this are not run (the known limit above). */
const CHUNK_LIMIT = 5000;
/** More entries than a TypedArray may have (2^32 in Node 20): reading that must fail, typed. */
const MAX_ENTRIES = constants.MAX_LENGTH;
/** `process.memoryUsage().arrayBuffers` above this after an operation is a finding. */
const MEMORY_LIMIT = 2 ** 30;

const FIXTURES = join(import.meta.dirname, "../../data/fixtures");
const DATASETS = join(import.meta.dirname, "../../data/datasets");

// ---------------------------------------------------------------------------------------------
// Targets: every fixture array and EGM96's geoid (v3 sharded + consolidated, v2 consolidated).

interface Target {
  id: string;
  /** Absolute directory of the store. */
  dir: string;
  /** Node path of the array in the store. */
  path: string;
  /** Absolute path of the reference `.npy`. */
  npy: string;
  format: 2 | 3;
  shape: number[];
  /** Chunk grid cell: the shard shape when sharded. */
  chunks: number[];
  keyEncoding: "default" | "v2";
  separator: string;
  /** Sharding: index location, entries of the index, whether the index ends with a crc32c. */
  shard: null | { location: "start" | "end"; entries: number; crc: boolean };
  /** The chunk's codecs end with crc32c (unsharded arrays). */
  chunkCrc: boolean;
  /** The store root is a group with consolidated metadata (the array can be opened through it). */
  consolidated: boolean;
}

interface ManifestArray {
  id: string;
  store: string;
  path: string;
  zarr_format: 2 | 3;
  shape: number[];
  chunks: number[];
  npy: string;
  codecs: string[];
  chunk_key_encoding: { name: "default" | "v2"; separator: string };
  sharding: null | {
    chunk_shape: number[];
    index_location: "start" | "end";
    index_codecs: string[];
  };
}
interface ManifestGroup {
  store: string;
  path: string;
  consolidated: string | null;
}

function loadTargets(): Target[] {
  const manifest = JSON.parse(readFileSync(join(FIXTURES, "manifest.json"), "utf8")) as {
    arrays: ManifestArray[];
    groups: ManifestGroup[];
  };
  const consolidatedStores = new Set(
    manifest.groups.filter((g) => g.path === "" && g.consolidated !== null).map((g) => g.store),
  );
  const targets: Target[] = manifest.arrays.map((a) => ({
    id: a.id,
    dir: join(FIXTURES, a.store),
    path: a.path,
    npy: join(FIXTURES, a.npy),
    format: a.zarr_format,
    shape: a.shape,
    chunks: a.chunks,
    keyEncoding: a.chunk_key_encoding.name,
    separator: a.chunk_key_encoding.separator,
    shard: a.sharding && {
      location: a.sharding.index_location,
      entries: shapeSize(a.chunks.map((c, d) => c / a.sharding!.chunk_shape[d]!)),
      crc: a.sharding.index_codecs.includes("crc32c"),
    },
    chunkCrc: !a.sharding && a.codecs.includes("crc32c"),
    consolidated: consolidatedStores.has(a.store),
  }));
  targets.push(
    {
      id: "datasets/egm96.zarr/geoid",
      dir: join(DATASETS, "egm96.zarr"),
      path: "geoid",
      npy: join(DATASETS, "egm96_geoid.npy"),
      format: 3,
      shape: [721, 1440],
      chunks: [180, 360],
      keyEncoding: "default",
      separator: "/",
      shard: { location: "end", entries: 16, crc: true },
      chunkCrc: false,
      consolidated: true,
    },
    {
      id: "datasets/egm96_v2.zarr/geoid",
      dir: join(DATASETS, "egm96_v2.zarr"),
      path: "geoid",
      npy: join(DATASETS, "egm96_geoid.npy"),
      format: 2,
      shape: [721, 1440],
      chunks: [90, 180],
      keyEncoding: "v2",
      separator: ".",
      shard: null,
      chunkCrc: false,
      consolidated: true,
    },
  );
  return targets;
}

const TARGETS = loadTargets();
/** Targets with a checksum or sharding, drawn more often than the plain ones. */
const SPECIAL = TARGETS.filter((t) => t.shard || t.chunkCrc);
const EGM = TARGETS.filter((t) => t.id.startsWith("datasets/"));

const META_NAMES = new Set(["zarr.json", ".zarray", ".zattrs", ".zgroup", ".zmetadata"]);

const storeCache = new Map<string, ReadonlyMap<string, Uint8Array>>();
/** Every file of a store directory, by store key (read once). */
function storeFiles(dir: string): ReadonlyMap<string, Uint8Array> {
  let files = storeCache.get(dir);
  if (!files) {
    const out = new Map<string, Uint8Array>();
    const walk = (sub: string) => {
      for (const e of readdirSync(join(dir, sub), { withFileTypes: true })) {
        const key = sub === "" ? e.name : `${sub}/${e.name}`;
        if (e.isDirectory()) walk(key);
        else out.set(key, new Uint8Array(readFileSync(join(dir, key))));
      }
    };
    walk("");
    files = out;
    storeCache.set(dir, files);
  }
  return files;
}

const npyCache = new Map<string, NDArray>();
function reference(t: Target): NDArray {
  let a = npyCache.get(t.npy);
  if (!a) {
    a = toCOrder(readNpy(readFileSync(t.npy)));
    npyCache.set(t.npy, a);
  }
  return a;
}

function nodeKey(path: string, name: string): string {
  return path === "" ? name : `${path}/${name}`;
}

/** Chunk (or shard) files of the array: keys under its path that are not metadata documents. */
function chunkKeys(t: Target, files: ReadonlyMap<string, Uint8Array>): string[] {
  const prefix = t.path === "" ? "" : `${t.path}/`;
  return [...files.keys()]
    .filter((k) => k.startsWith(prefix) && !META_NAMES.has(k.slice(k.lastIndexOf("/") + 1)))
    .sort();
}

/** Grid coordinates of a chunk key, or undefined when the key does not parse. */
function chunkCoords(t: Target, key: string): number[] | undefined {
  const rel = t.path === "" ? key : key.slice(t.path.length + 1);
  let parts: string[];
  if (t.keyEncoding === "default") {
    if (rel === "c") return t.shape.length === 0 ? [] : undefined;
    parts = rel.slice(2).split(t.separator);
  } else {
    if (t.shape.length === 0) return rel === "0" ? [] : undefined;
    parts = rel.split(t.separator);
  }
  const c = parts.map(Number);
  return c.length === t.shape.length && c.every((x) => Number.isInteger(x) && x >= 0)
    ? c
    : undefined;
}

// ---------------------------------------------------------------------------------------------
// Byte mutations.

/** A position in [lo, hi], biased toward both ends (headers, trailers, index entries). */
function pos(g: G, lo: number, hi: number): number {
  if (hi <= lo) return lo;
  switch (int(g, 0, 2)) {
    case 0:
      return Math.min(hi, lo + int(g, 0, 15));
    case 1:
      return Math.max(lo, hi - int(g, 0, 15));
    default:
      return lo + int(g, 0, hi - lo);
  }
}

function randomBytes(g: G, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = int(g, 0, 255);
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

type ByteOp = "flip" | "zero" | "ones" | "random" | "splice" | "truncate" | "append" | "insert";

/**
 * One mutation of `bytes` inside the region [lo, hi) (the whole file, or a shard index).
 * "truncate" cuts the file inside the region (for a region at the start: drops leading bytes),
 * "append" adds bytes at the end of the file (region at the end) or inside the region.
 */
function mutateBytes(
  g: G,
  bytes: Uint8Array,
  lo: number,
  hi: number,
  log: string[],
): { bytes: Uint8Array; op: ByteOp } {
  const op = oneOf<ByteOp>(g, [
    "flip",
    "flip",
    "zero",
    "ones",
    "random",
    "splice",
    "truncate",
    "truncate",
    "append",
    "insert",
  ]);
  const n = bytes.length;
  const atEnd = hi >= n;
  const out = bytes.slice();
  switch (op) {
    case "flip": {
      if (hi <= lo) return { bytes, op };
      const k = int(g, 1, 8);
      const bits: string[] = [];
      for (let i = 0; i < k; i++) {
        const p = pos(g, lo, hi - 1);
        const bit = int(g, 0, 7);
        out[p]! ^= 1 << bit;
        bits.push(`${p}.${bit}`);
      }
      log.push(`flip bits [${bits.join(" ")}]`);
      return { bytes: out, op };
    }
    case "zero":
    case "ones":
    case "random": {
      const a = pos(g, lo, hi);
      const b = Math.min(hi, a + int(g, 1, Math.max(1, Math.min(64, hi - lo))));
      if (op === "random") out.set(randomBytes(g, b - a), a);
      else out.fill(op === "zero" ? 0 : 0xff, a, b);
      log.push(`${op}-fill [${a}, ${b})`);
      return { bytes: out, op };
    }
    case "splice": {
      const a = pos(g, lo, hi);
      const b = Math.min(hi, a + int(g, 0, 32));
      const ins = randomBytes(g, int(g, 0, 32));
      log.push(`splice [${a}, ${b}) → ${ins.length} random bytes`);
      return { bytes: concat(bytes.subarray(0, a), ins, bytes.subarray(b)), op };
    }
    case "truncate": {
      if (!atEnd) {
        const k = int(g, 1, Math.max(1, hi));
        log.push(`drop the first ${k} bytes`);
        return { bytes: bytes.slice(Math.min(k, n)), op: "insert" };
      }
      const cut = chance(g, 6) ? 0 : pos(g, lo, Math.max(lo, hi - 1));
      log.push(`truncate to ${cut} of ${n} bytes`);
      return { bytes: bytes.slice(0, Math.min(cut, n)), op };
    }
    case "append": {
      const ins = chance(g, 2) ? new Uint8Array(int(g, 1, 64)) : randomBytes(g, int(g, 1, 64));
      if (atEnd) {
        log.push(`append ${ins.length} bytes`);
        return { bytes: concat(bytes, ins), op };
      }
      const a = pos(g, lo, hi);
      log.push(`insert ${ins.length} bytes at ${a}`);
      return { bytes: concat(bytes.subarray(0, a), ins, bytes.subarray(a)), op: "insert" };
    }
    default: {
      const a = pos(g, lo, hi);
      const ins = randomBytes(g, int(g, 1, 16));
      log.push(`insert ${ins.length} bytes at ${a}`);
      return { bytes: concat(bytes.subarray(0, a), ins, bytes.subarray(a)), op: "insert" };
    }
  }
}

/** Rewrites the little-endian crc32c at [at, at+4) over bytes [from, at). */
async function forgeCrc(bytes: Uint8Array, from: number, at: number): Promise<void> {
  if (from < 0 || at + 4 > bytes.length || at < from) return;
  const c = await crc32c(bytes.subarray(from, at));
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(at, c, true);
}

const EDGE_U64 = [
  2n ** 64n - 1n,
  2n ** 63n,
  2n ** 53n + 1n,
  2n ** 53n,
  2n ** 32n,
  2n ** 32n - 1n,
  2n ** 31n,
  0n,
  1n,
];

/** Sets 1–3 index entries (offset, nbytes) to edge values; the caller recomputes the crc. */
function editIndex(
  g: G,
  bytes: Uint8Array,
  indexStart: number,
  entries: number,
  log: string[],
): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const k = int(g, 1, 3);
  for (let j = 0; j < k; j++) {
    const e = int(g, 0, entries - 1);
    const field = int(g, 0, 2); // 0 offset, 1 nbytes, 2 both
    const at = indexStart + 16 * e;
    const other = indexStart + 16 * int(g, 0, entries - 1);
    for (const f of field === 2 ? [0, 8] : [field * 8]) {
      const old = view.getBigUint64(at + f, true);
      const choices = [
        ...EDGE_U64,
        BigInt(bytes.length),
        BigInt(bytes.length) + 1n,
        BigInt(Math.max(0, bytes.length - 1)),
        old + 1n,
        old === 0n ? 0n : old - 1n,
        view.getBigUint64(other + f, true),
        view.getBigUint64(other + (8 - f), true),
      ];
      const v = oneOf(g, choices) & (2n ** 64n - 1n);
      view.setBigUint64(at + f, v, true);
      log.push(`index entry ${e} ${f === 0 ? "offset" : "nbytes"} ${old} → ${v}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// JSON mutations of metadata documents.

type JsonPath = (string | number)[];

function jsonPaths(v: unknown, prefix: JsonPath, out: JsonPath[]): void {
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      out.push([...prefix, i]);
      jsonPaths(x, [...prefix, i], out);
    });
  } else if (v !== null && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      out.push([...prefix, k]);
      jsonPaths(x, [...prefix, k], out);
    }
  }
}

function getAt(v: unknown, path: JsonPath): unknown {
  let cur = v;
  for (const p of path) cur = (cur as Record<string | number, unknown>)?.[p];
  return cur;
}

/** Placeholders replaced in the serialised text by tokens JSON.stringify cannot write. */
const RAW_TOKENS: Record<string, string> = {
  "@@INF@@": "1e999",
  "@@NINF@@": "-1e999",
  "@@NAN@@": "NaN",
  "@@BIGINT@@": "123456789012345678901234567890",
  "@@NEGZERO@@": "-0",
};

const NUMBERS: unknown[] = [
  2 ** 53,
  2 ** 53 + 2,
  2 ** 32,
  2 ** 31,
  2 ** 31 - 1,
  2 ** 30,
  1e6,
  1e300,
  1e21,
  -1,
  -(2 ** 31),
  0,
  1,
  0.5,
  1.5,
  1e-7,
  "@@INF@@",
  "@@NINF@@",
  "@@NAN@@",
  "@@BIGINT@@",
  "@@NEGZERO@@",
];
const WRONG_TYPES: unknown[] = [
  "",
  "x",
  "1",
  null,
  true,
  false,
  {},
  [],
  [[1]],
  [1, [2]],
  [[]],
  { k: 1 },
  [null],
];

/** The JSON node of the array inside a consolidated document, when it has one. */
function arraySubtree(t: Target, doc: string): JsonPath | undefined {
  if (doc === "zarr.json" && t.path !== "") return ["consolidated_metadata", "metadata", t.path];
  if (doc === ".zmetadata") return ["metadata", nodeKey(t.path, ".zarray")];
  return undefined;
}

/** Fields most worth breaking: shape, chunk shapes, codecs, data type, fill value. */
const KEY_FIELDS =
  /^(shape|chunks|chunk_shape|chunk_grid|codecs|index_codecs|compressor|filters|dtype|data_type|fill_value|order|dimension_separator|index_location|configuration|chunk_key_encoding|zarr_format|node_type|typesize|blocksize|cname|shuffle|endian|level|elementsize|astype|separator)$/;

/** Values of the right type a metadata field could plausibly hold (data types, codec names…). */
const STRINGS = [
  "<i4",
  ">i4",
  "<f8",
  ">f8",
  "|u1",
  "|i1",
  "<u2",
  ">u2",
  "<i8",
  "<c16",
  "<c8",
  "|b1",
  "|S8",
  "|S0",
  "<f2",
  "<U4",
  "|O",
  "<M8[ns]",
  "int8",
  "int16",
  "int32",
  "int64",
  "uint8",
  "uint16",
  "uint32",
  "uint64",
  "float16",
  "float32",
  "float64",
  "complex64",
  "complex128",
  "bool",
  "string",
  "r16",
  "little",
  "big",
  "C",
  "F",
  "start",
  "end",
  "/",
  ".",
  "default",
  "v2",
  "regular",
  "rectangular",
  "gzip",
  "zstd",
  "blosc",
  "bytes",
  "crc32c",
  "transpose",
  "sharding_indexed",
  "zlib",
  "lz4",
  "delta",
  "numcodecs.delta",
  "lz4hc",
  "blosclz",
  "snappy",
  "noshuffle",
  "shuffle",
  "bitshuffle",
  "NaN",
  "Infinity",
  "-Infinity",
  "AAAAAAAA+H8=",
  "0x7fc00000",
  "array",
  "group",
];
const V3_CODECS: unknown[] = [
  { name: "bytes", configuration: { endian: "little" } },
  { name: "bytes", configuration: { endian: "big" } },
  { name: "bytes" },
  { name: "crc32c" },
  { name: "gzip", configuration: { level: 1 } },
  { name: "zstd", configuration: { level: 0, checksum: false } },
  { name: "zstd", configuration: { level: 3, checksum: true } },
  {
    name: "blosc",
    configuration: { typesize: 4, cname: "lz4", clevel: 5, shuffle: "shuffle", blocksize: 0 },
  },
  {
    name: "blosc",
    configuration: { typesize: 1, cname: "zstd", clevel: 5, shuffle: "bitshuffle", blocksize: 0 },
  },
  { name: "transpose", configuration: { order: [1, 0] } },
  { name: "transpose", configuration: { order: [0] } },
  {
    name: "sharding_indexed",
    configuration: {
      chunk_shape: [2, 2],
      codecs: [{ name: "bytes", configuration: { endian: "little" } }],
      index_codecs: [{ name: "bytes", configuration: { endian: "little" } }, { name: "crc32c" }],
      index_location: "end",
    },
  },
  { name: "numcodecs.delta", configuration: { dtype: "<i4" } },
];
const V2_CODECS: unknown[] = [
  { id: "zlib", level: 1 },
  { id: "gzip", level: 5 },
  { id: "zstd", level: 1 },
  { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 },
  { id: "blosc", cname: "zstd", clevel: 5, shuffle: 2, blocksize: 0 },
  { id: "lz4", acceleration: 1 },
  { id: "delta", dtype: "<i4" },
  { id: "delta", dtype: "<u2", astype: "<u1" },
  null,
];

/** A value of the same kind as `old` that the schema may well accept. */
function plausible(g: G, old: unknown, format: 2 | 3): unknown {
  if (typeof old === "number") {
    return oneOf(g, [old + 1, old - 1, old * 2, Math.floor(old / 2), 1, 0, old * int(g, 2, 9)]);
  }
  if (typeof old === "string") return oneOf(g, STRINGS);
  if (typeof old === "boolean") return !old;
  if (Array.isArray(old)) {
    const copy = structuredClone(old) as unknown[];
    if (chance(g, 2)) return copy.reverse();
    copy.push(structuredClone(oneOf(g, format === 3 ? V3_CODECS : V2_CODECS)));
    return copy;
  }
  return structuredClone(oneOf(g, format === 3 ? V3_CODECS : V2_CODECS));
}

/** 1–3 JSON-level edits of a metadata document (within the array's node when consolidated). */
function mutateJson(
  g: G,
  text: string,
  subtree: JsonPath | undefined,
  format: 2 | 3,
  log: string[],
): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  const edits = chance(g, 2) ? int(g, 2, 3) : 1;
  for (let e = 0; e < edits; e++) {
    const within = subtree && chance(g, 5) ? [] : (subtree ?? []);
    const root = getAt(doc, within);
    const all: JsonPath[] = [];
    jsonPaths(root, within, all);
    if (all.length === 0) break;
    const keyed = all.filter((p) => p.some((s) => typeof s === "string" && KEY_FIELDS.test(s)));
    const path = oneOf(g, keyed.length > 0 && !chance(g, 4) ? keyed : all);
    const parent = getAt(doc, path.slice(0, -1)) as Record<string | number, unknown>;
    const last = path[path.length - 1]!;
    const old = parent[last];
    const where = path.join(".");
    const op = int(g, 0, 11);
    if (op <= 5) {
      const v = plausible(g, old, format);
      parent[last] = v;
      log.push(`${where}: ${JSON.stringify(old)} → ${JSON.stringify(v)}`);
    } else if (op <= 7) {
      let v = oneOf(g, NUMBERS);
      if (typeof old === "number" && chance(g, 2)) {
        v = oneOf(g, [old * 2 ** int(g, 1, 40), -old, old + 0.5, old * 1e6]);
      }
      parent[last] = v;
      log.push(`${where}: ${JSON.stringify(old)} → ${String(v)}`);
    } else if (op === 8) {
      const v = oneOf(g, WRONG_TYPES);
      parent[last] = structuredClone(v);
      log.push(`${where}: ${JSON.stringify(old)} → ${JSON.stringify(v)}`);
    } else if (op === 9) {
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
      log.push(`${where}: deleted`);
    } else if (op === 10 && Array.isArray(parent)) {
      parent.splice(last as number, 0, structuredClone(old));
      log.push(`${where}: duplicated`);
    } else {
      parent[last] = [structuredClone(old)];
      log.push(`${where}: wrapped in an array`);
    }
  }
  let out = JSON.stringify(doc);
  for (const [k, v] of Object.entries(RAW_TOKENS)) out = out.replaceAll(`"${k}"`, v);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Selections and value checks.

/** One dimension of a basic selection: the source indices it picks, and whether it is kept. */
interface Dim {
  item: SelectionItem;
  indices: number[];
  keep: boolean;
}

/** A random basic selection (ints and slices) of at most ~4096 elements. */
function genSelection(g: G, shape: readonly number[]): Dim[] {
  const budget = Math.max(1, Math.floor(4096 ** (1 / Math.max(1, shape.length))));
  return shape.map((n) => {
    if (n > 0 && chance(g, 5)) {
      const i = pickIndex(g, n);
      const neg = chance(g, 3) && i - n >= -n;
      return { item: neg ? i - n : i, indices: [i], keep: false };
    }
    if (n === 0) return { item: slice(), indices: [], keep: true };
    const step = oneOf(g, [1, 1, 1, 2, 3, 7, -1, -2]);
    const len = Math.min(n, int(g, 0, budget));
    if (step > 0) {
      const start = pickIndex(g, n);
      const stop = Math.min(n, start + len * step);
      const indices: number[] = [];
      for (let i = start; i < stop; i += step) indices.push(i);
      return { item: slice(start, stop, step), indices, keep: true };
    }
    const start = pickIndex(g, n);
    const stop = Math.max(-1, start + len * step);
    const indices: number[] = [];
    for (let i = start; i > stop; i += step) indices.push(i);
    return { item: slice(start, stop < 0 ? null : stop, step), indices, keep: true };
  });
}

/** An index in [0, n): often near the origin (where the stored data is), else anywhere. */
function pickIndex(g: G, n: number): number {
  if (chance(g, 3)) return int(g, 0, Math.min(n, 64) - 1);
  if (n <= 0x7fffffff) return int(g, 0, n - 1);
  return chance(g, 2) ? int(g, 0, 100) : n - 1 - int(g, 0, 100);
}

/** Calls `f(k, coords)` for every output element k of a basic selection, in C order. */
function forEachSelected(dims: readonly Dim[], f: (k: number, coords: number[]) => boolean): void {
  const nd = dims.length;
  if (dims.some((d) => d.indices.length === 0)) return;
  const idx = new Array<number>(nd).fill(0);
  const coords = dims.map((d) => d.indices[0]!);
  for (let k = 0; ; k++) {
    if (!f(k, coords)) return;
    let d = nd - 1;
    for (; d >= 0; d--) {
      const ix = dims[d]!.indices;
      if (++idx[d]! < ix.length) {
        coords[d] = ix[idx[d]!]!;
        break;
      }
      idx[d] = 0;
      coords[d] = ix[0]!;
    }
    if (d < 0) return;
  }
}

function entriesEqual(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") {
    return Object.is(a, b) || a === b || (Number.isNaN(a) && Number.isNaN(b));
  }
  return a === b;
}

/** What a successful read must equal. */
interface Expect {
  /**
   * The reference array (the `.npy`). Elements outside its shape (a grown array) are checked only
   * with `beyond`.
   */
  ref: NDArray;
  /**
   * A grown array: elements in grid cells wholly past the original grid (`cells` of shape
   * `cell`) are not stored, so they read as the fill value (`fill`: its entries, set once open).
   */
  beyond?: { cell: readonly number[]; cells: readonly number[]; fill?: (number | bigint)[] };
  /** "all": every element exact; "outside": elements outside `box` exact. */
  scope: "all" | "outside";
  /** The corrupted chunk's or shard's region [start, stop) of the array (undefined: unknown). */
  box?: { start: number[]; stop: number[] } | undefined;
  why: string;
}

/**
 * Checks a read's output against the reference; `visit` enumerates (output index, source
 * coordinates) pairs. Returns a description of the first mismatch, or undefined.
 */
function checkValues(
  out: NDArray,
  outShape: readonly number[],
  visit: (f: (k: number, coords: number[]) => boolean) => void,
  ex: Expect,
): string | undefined {
  if (out.shape.join() !== outShape.join()) return `shape [${out.shape}] != [${outShape}]`;
  if (out.dtype.name !== ex.ref.dtype.name)
    return `dtype ${out.dtype.name} != ${ex.ref.dtype.name}`;
  if (ex.scope === "outside" && !ex.box) return undefined;
  const o = toCOrder(out);
  const lanes = o.dtype.lanes;
  const shape = ex.ref.shape;
  const strides = cStrides(shape);
  const od = o.data as unknown as ArrayLike<unknown>;
  const rd = ex.ref.data as unknown as ArrayLike<unknown>;
  const box = ex.scope === "outside" ? ex.box : undefined;
  let mismatch: string | undefined;
  const beyond = ex.beyond;
  visit((k, c) => {
    let p = 0;
    for (let d = 0; d < shape.length; d++) {
      if (c[d]! >= shape[d]!) {
        const fill = beyond?.fill;
        if (!fill || !c.some((x, e) => Math.floor(x / beyond.cell[e]!) >= beyond.cells[e]!)) {
          return true;
        }
        for (let l = 0; l < lanes; l++) {
          const a = od[k * lanes + l];
          if (!entriesEqual(a, fill[l])) {
            mismatch = `element [${c}] (output ${k}, in a grid cell past the stored ones) is ${String(a)}, not the fill value ${String(fill[l])}`;
            return false;
          }
        }
        return true;
      }
      p += c[d]! * strides[d]!;
    }
    if (box && c.every((x, d) => x >= box.start[d]! && x < box.stop[d]!)) return true;
    for (let l = 0; l < lanes; l++) {
      const a = od[k * lanes + l];
      const b = rd[p * lanes + l];
      if (!entriesEqual(a, b)) {
        mismatch = `element [${c}] (output ${k}) is ${String(a)}, the reference holds ${String(b)}`;
        return false;
      }
    }
    return true;
  });
  return mismatch;
}

// ---------------------------------------------------------------------------------------------
// One case.

/** A property violation: untyped error, hang, wrong value, memory. */
class Finding extends Error {}

const escaped: unknown[] = [];
const onUnhandled = (reason: unknown) => {
  escaped.push(reason);
};
let skippedLarge = 0;
let typedErrors = 0;
let results = 0;

function describeError(e: unknown): string {
  if (e instanceof Error) {
    const stack = (e.stack ?? "").split("\n").slice(0, 9).join("\n    ");
    return `${e.constructor.name}: ${stack}`;
  }
  return `non-Error ${typeof e}: ${String(e)}`;
}

/**
 * Runs `fn` with a timeout: resolves its value, or undefined when it rejected with a
 * ZarrPlanError; throws a Finding for any other error, a timeout or memory past the limit.
 */
async function guard<T>(
  what: string,
  log: string[],
  fn: (signal: AbortSignal) => Promise<T> | T,
): Promise<T | undefined> {
  if (TRACE) writeFileSync(TRACE, `${log.join("\n")}\n${what} …\n`);
  const ac = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), READ_TIMEOUT_MS);
  });
  try {
    const r = await Promise.race([
      Promise.resolve()
        .then(() => fn(ac.signal))
        .then(
          (v) => ({ ok: true as const, v }),
          (e: unknown) => ({ ok: false as const, e }),
        ),
      timeout,
    ]);
    if (r === "timeout") {
      ac.abort();
      throw new Finding(`${what}: no answer within ${READ_TIMEOUT_MS} ms (hang)`);
    }
    const mem = process.memoryUsage().arrayBuffers;
    if (mem > MEMORY_LIMIT) {
      throw new Finding(`${what}: arrayBuffers at ${(mem / 2 ** 20).toFixed(0)} MiB`);
    }
    if (!r.ok) {
      if (isZarrPlanError(r.e)) {
        typedErrors++;
        log.push(`${what} → ${r.e.code}: ${r.e.message.slice(0, 160)}`);
        return undefined;
      }
      throw new Finding(`${what}: untyped error ${describeError(r.e)}`, { cause: r.e });
    }
    results++;
    log.push(`${what} → ok`);
    return r.v;
  } finally {
    clearTimeout(timer);
  }
}

/** Bytes the largest of `shapes` needs in memory with `arr`'s data type. */
function bytesOf(arr: ZarrArray, ...shapes: (readonly number[])[]): number {
  let max = 0;
  for (const s of shapes) max = Math.max(max, shapeSize(s) * arr.dtype.entrySize * arr.dtype.lanes);
  return max;
}

const SIZES = [
  0,
  1,
  2,
  2 ** 20,
  2 ** 26,
  2 ** 31,
  2 ** 32 + 1,
  2 ** 40,
  2 ** 44,
  2 ** 48,
  2 ** 50,
  2 ** 52,
  2 ** 53 - 1,
];

/**
 * Sets some entries of the array's shape (the node at `at`) to other sizes (shrunk, grown, huge),
 * or of its chunk grid's chunk shape, or of the sharding codec's inner chunk shape. Returns the
 * new text and whether only the shape changed (stored values then keep their positions).
 */
function resize(
  g: G,
  text: string,
  at: JsonPath,
  format: 2 | 3,
  log: string[],
): { text: string; sameGrid: boolean } | undefined {
  const doc = JSON.parse(text) as unknown;
  const node = (getAt(doc, at) ?? {}) as Record<string, unknown>;
  const shape = node.shape;
  if (!Array.isArray(shape) || shape.length === 0) return undefined;
  const targets: [string, unknown][] = [
    ["shape", shape],
    ["shape", shape],
    format === 3
      ? [
          "chunk_grid.configuration.chunk_shape",
          getAt(node, ["chunk_grid", "configuration", "chunk_shape"]),
        ]
      : ["chunks", node.chunks],
    [
      "codecs.0.configuration.chunk_shape",
      getAt(node, ["codecs", 0, "configuration", "chunk_shape"]),
    ],
  ];
  let sameGrid = true;
  const k = int(g, 1, Math.max(2, shape.length));
  for (let i = 0; i < k; i++) {
    const [name, list] = oneOf(g, targets);
    if (!Array.isArray(list) || list.length !== shape.length) continue;
    const d = int(g, 0, shape.length - 1);
    const old = list[d] as number;
    const v = !chance(g, 3)
      ? oneOf(g, SIZES)
      : oneOf(g, [old - 1, old + 1, old * 2, old + int(g, 1, 100), Math.floor(old / 2)]);
    list[d] = Math.max(0, v);
    log.push(`${[...at, name].join(".")}[${d}]: ${old} → ${list[d]}`);
    if (list !== shape) sameGrid = false;
  }
  return { text: JSON.stringify(doc), sameGrid };
}

async function runCase(g: G, log: string[]): Promise<void> {
  const t = chance(g, 8) ? oneOf(g, EGM) : chance(g, 3) ? oneOf(g, SPECIAL) : oneOf(g, TARGETS);
  const files = new Map(storeFiles(t.dir));
  const viaGroup = t.consolidated && chance(g, 2);
  log.push(`${t.id}${viaGroup ? " (through its consolidated group)" : ""}`);
  const keys = chunkKeys(t, files);
  let where = oneOf(g, ["data", "data", "index", "meta", "meta"] as const);
  if (where === "index" && !t.shard) where = "data";
  if (where !== "meta" && keys.length === 0) where = "meta";

  let expect: Expect | undefined;
  if (where === "meta") {
    let doc: string;
    if (viaGroup) doc = t.format === 3 ? "zarr.json" : ".zmetadata";
    else if (t.format === 3) doc = nodeKey(t.path, "zarr.json");
    else doc = nodeKey(t.path, chance(g, 4) ? ".zattrs" : ".zarray");
    const bytes = files.get(doc);
    if (!bytes) return;
    let text: string | undefined;
    if (t.shape.length > 0 && !doc.endsWith(".zattrs") && chance(g, 3)) {
      // Resized: elements inside both the old and the new shape keep their values.
      log.push(`${doc}:`);
      const at = viaGroup ? (arraySubtree(t, doc) ?? []) : [];
      const r = resize(g, new TextDecoder().decode(bytes), at, t.format, log);
      text = r?.text;
      if (r?.sameGrid) {
        const cells = t.shape.map((n, d) => Math.ceil(n / t.chunks[d]!));
        expect = {
          ref: reference(t),
          scope: "all",
          beyond: { cell: t.chunks, cells },
          why: "array resized",
        };
      }
    } else if (!chance(g, 4)) {
      log.push(`${doc}:`);
      text = mutateJson(g, new TextDecoder().decode(bytes), arraySubtree(t, doc), t.format, log);
    }
    if (text !== undefined) files.set(doc, new TextEncoder().encode(text));
    else {
      log.push(`${doc} bytes:`);
      files.set(doc, mutateBytes(g, bytes, 0, bytes.length, log).bytes);
    }
  } else {
    const key = oneOf(g, keys);
    let bytes = files.get(key)!;
    const coords = chunkCoords(t, key);
    const box = coords && {
      start: coords.map((c, d) => c * t.chunks[d]!),
      stop: coords.map((c, d) => Math.min(t.shape[d]!, (c + 1) * t.chunks[d]!)),
    };
    log.push(
      `${key} (${bytes.length} bytes${box ? `, region [${box.start}]–[${box.stop})` : ""}):`,
    );
    let covered = false;
    let why = "";
    if (where === "index") {
      const sh = t.shard!;
      const size = 16 * sh.entries + (sh.crc ? 4 : 0);
      const lo = sh.location === "end" ? Math.max(0, bytes.length - size) : 0;
      const hi = sh.location === "end" ? bytes.length : Math.min(size, bytes.length);
      log.push(`  index region [${lo}, ${hi})`);
      if (chance(g, 2)) {
        bytes = bytes.slice();
        editIndex(g, bytes, lo, sh.entries, log);
        if (sh.crc) await forgeCrc(bytes, lo, lo + 16 * sh.entries);
        why = "index entries edited, crc recomputed";
      } else {
        const k = int(g, 1, 2);
        for (let i = 0; i < k; i++) {
          const end = sh.location === "end" ? bytes.length : hi;
          const lo2 = sh.location === "end" ? Math.max(0, bytes.length - size) : 0;
          bytes = mutateBytes(g, bytes, lo2, Math.min(end, bytes.length), log).bytes;
        }
        covered = sh.crc;
        why = "shard index protected by crc32c";
      }
    } else {
      const k = int(g, 1, 3);
      const ops: ByteOp[] = [];
      for (let i = 0; i < k; i++) {
        const r = mutateBytes(g, bytes, 0, bytes.length, log);
        bytes = r.bytes;
        ops.push(r.op);
      }
      const lengthOnly = ops.every((o) => o === "truncate" || o === "append");
      if (t.chunkCrc && chance(g, 3)) {
        await forgeCrc(bytes, 0, bytes.length - 4);
        log.push("  crc32c recomputed");
      } else if (t.chunkCrc) {
        covered = true;
        why = "chunk protected by crc32c";
      }
      if (!covered && lengthOnly && (!t.shard || t.shard.crc)) {
        covered = true;
        why = "truncated or extended at the end";
      }
    }
    files.set(key, bytes);
    expect = {
      ref: reference(t),
      scope: covered ? "all" : "outside",
      box,
      why: covered ? why : "outside the corrupted chunk",
    };
  }

  const store = new MemoryStore(files);
  const context = new Context({ decodeWorkers: { workers: 0 } });
  try {
    await exercise(g, t, store, context, viaGroup, expect, log);
  } finally {
    context.close();
  }
  await new Promise((r) => setImmediate(r));
  if (escaped.length > 0) {
    throw new Finding(`unhandled rejection: ${describeError(escaped[0])}`);
  }
}

async function exercise(
  g: G,
  t: Target,
  store: MemoryStore,
  context: Context,
  viaGroup: boolean,
  expect: Expect | undefined,
  log: string[],
): Promise<void> {
  const arr = await guard("open", log, async () =>
    viaGroup
      ? (await openGroup(store, "", { context })).openArray(t.path)
      : openArray(store, t.path, { context }),
  );
  if (!arr) return;
  log.push(
    `opened: ${arr.dtype.name} shape [${arr.shape}] grid cell [${arr.chunkShape}] chunks [${arr.chunks}]`,
  );
  if (expect?.beyond)
    expect.beyond.fill = scalarLanes(arr.dtype, arr.fillValue) as (number | bigint)[];
  const fail = (what: string, msg: string): never => {
    throw new Finding(`${what}: wrong values (${expect?.why}): ${msg}`);
  };
  const shape = arr.shape;
  const all = (n: number) => Array.from({ length: n }, (_, i) => i);
  const wholeDims = (): Dim[] =>
    shape.map((n) => ({ item: slice(), indices: arr.size === 0 ? [] : all(n), keep: true }));
  const selected = (dims: Dim[]) => (f: (k: number, c: number[]) => boolean) =>
    forEachSelected(dims, f);

  // The whole array: read when small; when no TypedArray can hold it, the read must fail (typed).
  // Over the default limits it must fail at once (ERR_TOO_LARGE); within them, not over more
  // than CHUNK_LIMIT chunks (memory and time per chunk: see the file comment).
  const entries = arr.size * arr.dtype.lanes;
  const gridCells = Math.max(
    shapeSize(arr.chunkGridShape),
    shapeSize(shape.map((n, d) => Math.ceil(n / arr.chunks[d]!))),
  );
  const wholeOk = bytesOf(arr, shape) <= ALLOC_LIMIT && gridCells <= CHUNK_LIMIT;
  const overLimits = limitError(planSize([arr.lazy()]), DEFAULT_PLAN_LIMITS, "") !== undefined;
  if (wholeOk || overLimits || (entries > MAX_ENTRIES && gridCells <= CHUNK_LIMIT)) {
    const out = await guard("read()", log, (signal) => arr.read({ signal }));
    if (out && !wholeOk) {
      throw new Finding(
        `read() of ${entries} entries over ${gridCells} chunks returned, not failed`,
      );
    }
    if (out && expect) {
      const m = checkValues(out, shape, selected(wholeDims()), expect);
      if (m) fail("read()", m);
    }
  } else {
    skippedLarge++;
    log.push(`whole read skipped: ${bytesOf(arr, shape)} bytes, ${gridCells} chunks`);
  }

  const dims = genSelection(g, shape);
  const selShape = dims.filter((d) => d.keep).map((d) => d.indices.length);
  const items = dims.map((d) => d.item);
  log.push(`selection [${items.map(describeItem).join(", ")}]`);
  const sel = await guard("get(…).read()", log, (signal) =>
    arr
      .lazy()
      .get(...items)
      .read({ signal }),
  );
  if (sel && expect) {
    const m = checkValues(sel, selShape, selected(dims), expect);
    if (m) fail("get(…).read()", m);
  }

  // A plan of the selection, a few points and (when small) the whole array.
  const npts = shape.every((n) => n > 0) && shape.length > 0 ? int(g, 1, 8) : 0;
  const pts = shape.map(() => [] as number[]);
  for (let k = 0; k < npts; k++) {
    shape.forEach((n, d) => {
      pts[d]!.push(pickIndex(g, n));
    });
  }
  if (npts > 0) log.push(`points ${pts.map((p) => `[${p}]`).join(" ")}`);
  const withWhole = wholeOk && chance(g, 2);
  const p = await guard("plan(…).explain()", log, () => {
    const reads: Record<string, ReturnType<ZarrArray["lazy"]>> = {
      sel: arr.lazy().get(...items),
    };
    if (npts > 0) reads.pts = arr.lazy().vindex(...pts);
    if (withWhole) reads.whole = arr.lazy();
    const pl = plan(reads, { context });
    pl.explain();
    pl.explainText();
    return pl;
  });
  if (!p) return;
  let runnable = p;
  if (chance(g, 2)) {
    const r = await guard("plan.resolve()", log, async (signal) => {
      const resolved = await p.resolve({ signal });
      resolved.explain();
      resolved.explainText();
      return resolved;
    });
    if (!r) return;
    runnable = r;
  }
  const res = await guard("plan.read()", log, (signal) => runnable.read({ signal }));
  if (res && expect) {
    let m = checkValues(res.sel!, selShape, selected(dims), expect);
    if (m) fail("plan.read() sel", m);
    if (npts > 0) {
      const visit = (f: (k: number, c: number[]) => boolean) => {
        for (let k = 0; k < npts; k++)
          if (
            !f(
              k,
              pts.map((q) => q[k]!),
            )
          )
            return;
      };
      m = checkValues(res.pts!, [npts], visit, expect);
      if (m) fail("plan.read() pts", m);
    }
    if (withWhole) {
      m = checkValues(res.whole!, shape, selected(wholeDims()), expect);
      if (m) fail("plan.read() whole", m);
    }
  }
}

function describeItem(item: SelectionItem): string {
  if (typeof item === "number") return String(item);
  if (typeof item === "object" && item !== null && "kind" in item && item.kind === "slice") {
    const s = item as { start: unknown; stop: unknown; step: unknown };
    const f = (v: unknown) => (v === null ? "" : String(v));
    return `${f(s.start)}:${f(s.stop)}:${f(s.step)}`;
  }
  return String(item);
}

describe("fuzz: corrupted chunks, shard indexes and metadata", () => {
  beforeAll(() => {
    process.on("unhandledRejection", onUnhandled);
  });
  afterAll(() => {
    process.off("unhandledRejection", onUnhandled);
  });

  it(
    `typed errors or exact values, no hang (${NUM_RUNS} runs)`,
    async () => {
      console.info(
        `fuzz-corrupt: FC_SEED=${SEED} (${NUM_RUNS} runs, ${TARGETS.length} arrays); replay a hang with FC_SEED=${SEED}`,
      );
      const property = fc.asyncProperty(fc.limitShrink(fc.gen(), 300), async (g) => {
        const log: string[] = [];
        try {
          await runCase(g, log);
        } catch (e) {
          escaped.length = 0;
          if (e instanceof Finding)
            throw new Finding(`${e.message}\n  case: ${log.join("\n    ")}`);
          throw new Finding(`test error ${describeError(e)}\n  case: ${log.join("\n    ")}`);
        }
      });
      const t0 = performance.now();
      const details = await fc.check(property, {
        numRuns: NUM_RUNS,
        seed: SEED,
        ...(PATH === undefined ? {} : { path: PATH }),
        plugins: [fc.interruptAfterTimeLimit(TIME_LIMIT_MS)],
      });
      console.info(
        `fuzz-corrupt: ${details.numRuns} runs in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${results} results, ${typedErrors} typed errors, ${skippedLarge} reads skipped as too large`,
      );
      if (details.failed) {
        throw new Error(await fc.asyncDefaultReportMessage(details), {
          cause: details.errorInstance,
        });
      }
      if (details.interrupted) {
        throw new Error(
          `interrupted by FC_TIME_LIMIT_MS=${TIME_LIMIT_MS} after ${details.numRuns} of ${NUM_RUNS} runs without a failure (seed ${details.seed}); raise FC_TIME_LIMIT_MS`,
        );
      }
      if (escaped.length > 0) throw new Error(`unhandled rejection: ${describeError(escaped[0])}`);
    },
    TIME_LIMIT_MS + 30_000,
  );
});
