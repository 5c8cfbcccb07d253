/**
 * A node's metadata as JSON: the raw document (`zarr-plan info --json`) and a summary of an array
 * (the service's `GET /v1/info`).
 * @module
 */
import { type AnyStore, type Scalar, ZarrArray, type ZarrGroup } from "../index.js";
import { chunkLevels, codecSummary, dtypeLabel, scalarText } from "./describe.js";
import { CliError } from "./errors.js";
import type { JsonValue } from "./output/values.js";

function keyOf(path: string, name: string): string {
  return path === "" ? name : `${path}/${name}`;
}

async function readJson(
  store: AnyStore,
  key: string,
  signal: AbortSignal,
): Promise<Record<string, unknown> | undefined> {
  const bytes = await store.get(key, { signal });
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  } catch (e) {
    throw new CliError(`"${key}" is not valid JSON (${e instanceof Error ? e.message : e})`);
  }
}

/**
 * The raw metadata document of a node: `zarr.json` as stored (text), or for Zarr v2 `.zarray` /
 * `.zgroup` with `.zattrs` merged in as `attributes`.
 */
export async function rawMetadata(
  store: AnyStore,
  node: ZarrArray | ZarrGroup,
  signal: AbortSignal,
): Promise<string> {
  if (node.zarrFormat === 3) {
    const key = keyOf(node.path, "zarr.json");
    const bytes = await store.get(key, { signal });
    if (bytes === undefined) {
      throw new CliError(`"${key}" is missing (the node is known from consolidated metadata only)`);
    }
    const text = new TextDecoder().decode(bytes);
    return text.endsWith("\n") ? text : `${text}\n`;
  }
  const docKey = keyOf(node.path, node instanceof ZarrArray ? ".zarray" : ".zgroup");
  const [doc, attrs] = await Promise.all([
    readJson(store, docKey, signal),
    readJson(store, keyOf(node.path, ".zattrs"), signal),
  ]);
  if (doc === undefined) {
    throw new CliError(
      `"${docKey}" is missing (the node is known from consolidated metadata only)`,
    );
  }
  return `${JSON.stringify({ ...doc, attributes: attrs ?? {} }, null, 2)}\n`;
}

/** Summary of a node's metadata (`GET /v1/info`). */
export interface NodeInfoJson {
  path: string;
  kind: "array" | "group";
  zarr_format: 2 | 3;
  shape?: number[];
  dtype?: string;
  /** Read chunk shape: the inner chunk shape when sharded. */
  chunks?: number[];
  /** Shard shape, or null when not sharded. */
  shards?: number[] | null;
  /** Rectilinear chunk grid: its chunk shapes (then `chunks` is the largest chunk). */
  chunk_shapes?: unknown;
  /** As in `.json` output: numbers, `"NaN"`, `"Infinity"`, decimal strings for large 64-bit integers. */
  fill_value?: JsonValue;
  dimension_names?: (string | null)[] | null;
  codecs?: string;
  attributes: Readonly<Record<string, unknown>>;
}

/**
 * A fill value as JSON, as `.json` output writes values: finite numbers as numbers, NaN and
 * ±Infinity as `"NaN"`, `"Infinity"`, `"-Infinity"`, 64-bit integers beyond 2^53 as decimal
 * strings, complex as `[re, im]`, bytes as Python's `b'..'` text.
 */
function fillValueJson(v: Scalar): JsonValue {
  if (typeof v === "number") {
    if (Number.isNaN(v)) return "NaN";
    return Number.isFinite(v) ? v : v > 0 ? "Infinity" : "-Infinity";
  }
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === "boolean" || typeof v === "string") return v;
  if (v instanceof Uint8Array) return scalarText(v);
  return [fillValueJson(v[0]) as number, fillValueJson(v[1]) as number];
}

/** The summary of a node: for an array shape, dtype, chunks, shards, fill value, dimension names, codecs; attributes. */
export function nodeInfo(node: ZarrArray | ZarrGroup): NodeInfoJson {
  const base = { path: node.path, zarr_format: node.zarrFormat, attributes: node.attributes };
  if (!(node instanceof ZarrArray)) return { ...base, kind: "group" };
  const levels = chunkLevels(node);
  return {
    ...base,
    kind: "array",
    shape: [...node.shape],
    dtype: dtypeLabel(node.dtype),
    chunks: [...levels[levels.length - 1]!],
    shards: levels.length > 1 ? [...levels[0]!] : null,
    ...(node.chunkGrid ? { chunk_shapes: node.chunkGrid.chunkShapes } : {}),
    fill_value: fillValueJson(node.fillValue),
    dimension_names: node.metadata.dimensionNames ? [...node.metadata.dimensionNames] : null,
    codecs: codecSummary(node.metadata.codecs),
  };
}
