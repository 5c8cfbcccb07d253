/**
 * `zarr-plan info STORE [PATH]`: one node's metadata and attributes, readable; with `--json` the
 * raw metadata document (`zarr.json`; for Zarr v2 `.zarray` / `.zgroup` with `.zattrs` merged in as
 * `attributes`).
 * @module
 */
import type { Command } from "commander";
import { ZarrArray, type ZarrGroup, ZarrPlanError } from "../../index.js";
import {
  bytesText,
  chunkLevels,
  codecLines,
  countText,
  dtypeLabel,
  gridOf,
  gridText,
  scalarText,
  shapeText,
} from "../../present/describe.js";
import { rawMetadata } from "../../present/metadata.js";
import { alignRows } from "../../present/tree.js";
import type { Io } from "../context.js";
import { addSessionOptions, type SessionOptions, withSession } from "../session.js";
import { openNode } from "../store-from-arg.js";

const ATTRIBUTE_WIDTH = 200;

function attributeRows(attrs: Readonly<Record<string, unknown>>): string[][] {
  const entries = Object.entries(attrs);
  if (entries.length === 0) return [["  attributes", "(none)"]];
  return entries.map(([k, v], i) => {
    let text = JSON.stringify(v) ?? String(v);
    if (text.length > ATTRIBUTE_WIDTH) text = `${text.slice(0, ATTRIBUTE_WIDTH - 1)}…`;
    return [i === 0 ? "  attributes" : "", `${k}: ${text}`];
  });
}

function arrayInfo(a: ZarrArray): string[][] {
  const m = a.metadata;
  const rows: string[][] = [];
  const levels = chunkLevels(a);
  const inner = levels[levels.length - 1]!;
  rows.push([
    "  shape",
    `${shapeText(a.shape)}  (${countText(a.size)} elements, ${bytesText(a.size * a.dtype.itemSize)})`,
  ]);
  rows.push([
    "  dtype",
    m.v2DType ? `${dtypeLabel(a.dtype)}  (v2 "${m.v2DType}")` : dtypeLabel(a.dtype),
  ]);
  if (a.chunkGrid) {
    rows.push([
      "  chunks",
      `rectilinear ${JSON.stringify(a.chunkGrid.chunkShapes)}  (largest ${shapeText(inner)}, grid ${gridText(a.chunkGridShape)})`,
    ]);
  } else {
    rows.push(["  chunks", `${shapeText(inner)}  (grid ${gridText(gridOf(a.shape, inner))})`]);
  }
  if (levels.length > 1) {
    for (let k = levels.length - 2; k >= 1; k--) {
      rows.push([
        "  sub-shards",
        `${shapeText(levels[k]!)}  (grid ${gridText(gridOf(a.shape, levels[k]!))})`,
      ]);
    }
    rows.push([
      "  shards",
      `${shapeText(levels[0]!)}  (grid ${gridText(gridOf(a.shape, levels[0]!))})`,
    ]);
  }
  rows.push(["  fill value", scalarText(a.fillValue)]);
  if (m.dimensionNames) {
    rows.push(["  dimensions", m.dimensionNames.map((d) => d ?? "(unnamed)").join(", ")]);
  }
  if (m.order) rows.push(["  order", m.order]);
  rows.push([
    "  chunk keys",
    `${m.chunkKeyEncoding.name}, separator "${m.chunkKeyEncoding.separator}"  (first: ${a.ndim === 0 || a.size > 0 ? a.chunkKey(a.shape.map(() => 0)) : "none"})`,
  ]);
  const codecs = codecLines(m.codecs);
  codecs.forEach((line, i) => {
    rows.push([i === 0 ? "  codecs" : "", line]);
  });
  return rows;
}

async function groupInfo(g: ZarrGroup, signal: AbortSignal): Promise<string[][]> {
  const rows: string[][] = [];
  rows.push(["  consolidated", g.isConsolidated ? "yes" : "no"]);
  try {
    const members = await g.members({ signal });
    const list = [...members.entries()].map(
      ([name, n]) => `${name} (${n instanceof ZarrArray ? "array" : "group"})`,
    );
    rows.push(["  members", list.length === 0 ? "(none)" : list.join(", ")]);
  } catch (e) {
    if (!(e instanceof ZarrPlanError && e.code === "ERR_NOT_LISTABLE")) throw e;
    rows.push([
      "  members",
      "(unknown: the store cannot list and there is no consolidated metadata)",
    ]);
  }
  return rows;
}

export function infoCommand(cmd: Command, io: Io): void {
  addSessionOptions(cmd, false)
    .description("show one node's metadata and attributes")
    .argument("<store>", "store: a directory or an http(s):// URL")
    .argument("[path]", "node inside the store (default: the root)")
    .option("--json", "print the raw metadata document (zarr.json; v2: .zarray/.zgroup + .zattrs)")
    .action(
      (storeArg: string, pathArg: string | undefined, opts: SessionOptions & { json?: boolean }) =>
        withSession(opts, io, async (session) => {
          const { store, node } = await openNode(storeArg, pathArg, session);
          if (opts.json) {
            io.stdout(await rawMetadata(session.context.through(store), node, io.signal));
            return;
          }
          const kind = node instanceof ZarrArray ? "array" : "group";
          const header = `${node.path === "" ? "/" : node.path}: ${kind} (zarr v${node.zarrFormat})`;
          const rows =
            node instanceof ZarrArray ? arrayInfo(node) : await groupInfo(node, io.signal);
          rows.push(...attributeRows(node.attributes));
          io.stdout(`${header}\n${alignRows(rows).join("\n")}\n`);
        }),
    );
}
