/**
 * What a read would do, without reading (`zarr-plan explain`, the service's `GET /v1/explain`):
 * what the lazy view knows (shape, data type, the chunks and shards its index transform touches),
 * then the plan's own explanation (`plan.explainText()`).
 * @module
 */
import { type Context, type LazyArray, plan, shapeSize, type ZarrArray } from "../index.js";
import { type ChunkCount, countTouchedChunks } from "./chunks.js";
import { bytesText, chunkLevels, countText, dtypeLabel, shapeText } from "./describe.js";
import { alignRows } from "./tree.js";

/** Structured result of `explain --json`. */
export interface ExplainJson {
  view: { selection: string; shape: number[]; dtype: string; elements: number; bytes: number };
  array: {
    path: string;
    shape: number[];
    dtype: string;
    chunks: number[];
    shards: number[] | null;
    /** Rectilinear chunk grid: its `chunk_shapes` (then `chunks` is the largest chunk). */
    chunkShapes?: unknown;
  };
  touched: { chunks: ChunkCount; shards: ChunkCount | null };
  plan: unknown;
}

/** What the view alone tells (`selection`: its text, as {@link selectionText} writes it): shapes and touched chunks (and shards, when sharded). */
export function explainView(array: ZarrArray, view: LazyArray, selection: string): ExplainJson {
  const levels = chunkLevels(array);
  const inner = levels[levels.length - 1]!;
  const sharded = levels.length > 1;
  return {
    view: {
      selection,
      shape: [...view.shape],
      dtype: dtypeLabel(view.dtype),
      elements: view.size,
      bytes: view.size * view.dtype.itemSize,
    },
    array: {
      path: array.path,
      shape: [...array.shape],
      dtype: dtypeLabel(array.dtype),
      chunks: [...inner],
      shards: sharded ? [...levels[0]!] : null,
      ...(array.chunkGrid ? { chunkShapes: array.chunkGrid.chunkShapes } : {}),
    },
    touched: {
      chunks: array.chunkGrid
        ? rectilinearCount(array, view)
        : countTouchedChunks(view.transform, inner),
      shards: sharded ? countTouchedChunks(view.transform, levels[0]!) : null,
    },
    plan: null,
  };
}

/**
 * Chunks of a rectilinear grid the view touches: the plan's chunk tasks (one per touched chunk,
 * exact; partitioning is pure and O(chunks) for strided selections).
 */
function rectilinearCount(array: ZarrArray, view: LazyArray): ChunkCount {
  const touched = plan({ view }).explain().reads[0]?.tasks ?? 0;
  return { touched, total: shapeSize(array.chunkGridShape), exact: true };
}

function countLine(c: ChunkCount, what: string): string {
  return `${c.exact ? "" : "at most "}${countText(c.touched)} of ${countText(c.total)} ${what}`;
}

/** The text form of {@link explainView}. */
export function explainLines(e: ExplainJson): string[] {
  const name = e.array.path === "" ? "/" : e.array.path;
  const rows: string[][] = [
    [
      "view",
      `${name}${e.view.selection}: ${e.view.dtype} ${shapeText(e.view.shape)} (${countText(e.view.elements)} elements, ${bytesText(e.view.bytes)})`,
    ],
    [
      "array",
      `${e.array.dtype} ${shapeText(e.array.shape)}, ${e.array.chunkShapes ? `rectilinear chunks ${JSON.stringify(e.array.chunkShapes)} (largest ${shapeText(e.array.chunks)})` : `chunks ${shapeText(e.array.chunks)}`}${e.array.shards ? `, shards ${shapeText(e.array.shards)}` : ""}`,
    ],
    [
      "touches",
      [
        e.touched.shards ? countLine(e.touched.shards, "shards") : undefined,
        countLine(e.touched.chunks, "chunks"),
      ]
        .filter((x) => x !== undefined)
        .join(", "),
    ],
  ];
  return alignRows(rows);
}

/** Options of {@link explainRead}. */
export interface ExplainReadOptions {
  /** Read the shard indexes first (nothing else), so partial-shard reads show exact byte ranges. */
  resolve?: boolean;
  /** Cancels reading the shard indexes. */
  signal?: AbortSignal;
  /** The Context the plan is built with (default: the array's). */
  context?: Context;
}

/**
 * The explanation of reading `view` of `array`: the JSON document of `explain --json` and the text
 * of `explain`. `selection` is the selection's text.
 */
export async function explainRead(
  array: ZarrArray,
  view: LazyArray,
  selection: string,
  options: ExplainReadOptions = {},
): Promise<{ json: ExplainJson; text: string }> {
  const explained = explainView(array, view, selection);
  const name = array.path === "" ? "view" : array.path;
  const built = plan({ [name]: view }, options.context ? { context: options.context } : {});
  const p = options.resolve ? await built.resolve({ signal: options.signal }) : built;
  const lines = explainLines(explained);
  lines.push("", p.explainText());
  return { json: { ...explained, plan: p.explain() }, text: `${lines.join("\n")}\n` };
}
