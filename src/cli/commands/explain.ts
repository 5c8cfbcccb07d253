/**
 * `zarr-plan explain STORE [PATH] [selection options]`: what a read would do, without reading.
 *
 * Prints what the lazy view knows (shape, data type, the chunks and shards its index transform
 * touches), then the plan's own explanation (`plan.explainText()`: objects, requests, byte ranges,
 * coalescing). With `--resolve` the shard indexes are read first (nothing else), so partial-shard
 * reads show their exact byte ranges.
 * @module
 */
import type { Command } from "commander";
import { type LazyArray, labelledPlan, plan, shapeSize, type ZarrArray } from "../../index.js";
import { type ChunkCount, countTouchedChunks } from "../chunks.js";
import type { Io } from "../context.js";
import { bytesText, chunkLevels, countText, dtypeLabel, shapeText } from "../describe.js";
import { hasLabelOptions, type LabelOptions, labelledViewArg } from "../labels.js";
import {
  addSelectionOptions,
  type SelectionOptions,
  selectedView,
  selectionText,
} from "../selection.js";
import { addSessionOptions, type SessionOptions, withSession } from "../session.js";
import { alignRows } from "./tree.js";

/** Structured result of `explain --json`. */
interface ExplainJson {
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

/** What the view alone tells: shapes and touched chunks (and shards, when sharded). */
function explainView(array: ZarrArray, view: LazyArray, opts: SelectionOptions): ExplainJson {
  const levels = chunkLevels(array);
  const inner = levels[levels.length - 1]!;
  const sharded = levels.length > 1;
  return {
    view: {
      selection: selectionText(opts),
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
function explainLines(e: ExplainJson): string[] {
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

export function explainCommand(cmd: Command, io: Io): void {
  addSessionOptions(
    addSelectionOptions(
      cmd
        .description(
          "explain how a selection would be read (only metadata is read; shard indexes too with --resolve)",
        )
        .argument("<store>", "store: a directory or an http(s):// URL")
        .argument("[path]", "array inside the store (default: the root)"),
    ),
    true,
  )
    .option("--json", "print the explanation as JSON")
    .option("--isel <sel>", "by dimension name: 'lat=10:20,time=5' (see get --isel)")
    .option("--sel <sel>", "by label: 'lat=35:71,lon=-10:40' (see get --sel); shows both stages")
    .option("--method <method>", "--sel: nearest or exact (default)")
    .option(
      "--resolve",
      "read the shard indexes first (nothing else) to show exact byte ranges of partial shards",
    )
    .action(
      (
        storeArg: string,
        pathArg: string | undefined,
        opts: SelectionOptions &
          SessionOptions &
          LabelOptions & { json?: boolean; resolve?: boolean },
      ) =>
        withSession(opts, io, async (session) => {
          if (hasLabelOptions(opts)) {
            const view = await labelledViewArg(storeArg, pathArg, opts, session);
            const p = labelledPlan(
              { [view.base.source.path || "view"]: view },
              { context: session.context },
            );
            io.stdout(
              opts.json ? `${JSON.stringify(p.explain(), null, 2)}\n` : `${p.explainText()}\n`,
            );
            return;
          }
          const { array, view } = await selectedView(storeArg, pathArg, opts, session);
          const explained = explainView(array, view, opts);
          const name = array.path === "" ? "view" : array.path;
          const built = plan({ [name]: view });
          const p = opts.resolve ? await built.resolve({ signal: io.signal }) : built;
          if (opts.json) {
            io.stdout(`${JSON.stringify({ ...explained, plan: p.explain() }, null, 2)}\n`);
            return;
          }
          const lines = explainLines(explained);
          lines.push("", p.explainText());
          io.stdout(`${lines.join("\n")}\n`);
        }),
    );
}
