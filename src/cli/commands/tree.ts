/**
 * `zarr-plan tree STORE [PATH]`: the hierarchy below a node, every level opened concurrently
 * (`ZarrGroup.tree()`), with shape, data type, chunks, shards and codecs of every array.
 * @module
 */
import type { Command } from "commander";
import { type InvalidTreeMember, type TreeNode, ZarrArray, ZarrGroup } from "../../index.js";
import type { Io } from "../context.js";
import { chunkLevels, codecSummary, dtypeLabel, shapeText } from "../describe.js";
import { addSessionOptions, type SessionOptions, withSession } from "../session.js";
import { openNode } from "../store-from-arg.js";

/** JSON form of one node of the tree. */
interface TreeJson {
  name: string;
  path: string;
  /** `"invalid"`: a member that cannot be opened (unsupported data type or codec, bad metadata). */
  kind: "group" | "array" | "invalid";
  zarr_format?: 2 | 3;
  /** Why an `"invalid"` member cannot be opened: the error code and message opening it raises. */
  error?: { code: string; message: string };
  consolidated?: boolean;
  shape?: number[];
  dtype?: string;
  /** Read chunk shape: the inner chunk shape when sharded. */
  chunks?: number[];
  /** Shard shape, or null when not sharded. */
  shards?: number[] | null;
  codecs?: string;
  children?: TreeJson[];
}

/** Array columns: dtype, shape, chunks, shards, codecs. */
function arrayCells(a: ZarrArray): string[] {
  const levels = chunkLevels(a);
  const inner = levels[levels.length - 1]!;
  return [
    dtypeLabel(a.dtype),
    shapeText(a.shape),
    `chunks ${shapeText(inner)}`,
    levels.length > 1 ? `shards ${shapeText(levels[0]!)}` : "",
    a.metadata.codecs.length > 0 ? codecSummary(a.metadata.codecs) : "",
  ];
}

function groupCells(g: ZarrGroup, root: boolean): string[] {
  if (!root) return ["group"];
  return [`group, zarr v${g.zarrFormat}${g.isConsolidated ? ", consolidated metadata" : ""}`];
}

/** Rows of cells below the root, the first cell holding the tree drawing and the name. */
function childRows(t: TreeNode): string[][] {
  const rows: string[][] = [];
  const walk = (t: TreeNode, prefix: string) => {
    const entries = sortedEntries(t);
    entries.forEach((c, i) => {
      const last = i === entries.length - 1;
      const branch = `${prefix}${last ? "└── " : "├── "}`;
      if (!("node" in c)) {
        rows.push([`${branch}${c.name}`, `unsupported (${c.error.code}): ${c.error.message}`]);
        return;
      }
      const n = c.node;
      const name = n instanceof ZarrGroup ? `${c.name}/` : c.name;
      const cells = n instanceof ZarrArray ? arrayCells(n) : groupCells(n, false);
      rows.push([`${branch}${name}`, ...cells]);
      if (c.children) walk(c, `${prefix}${last ? "    " : "│   "}`);
    });
  };
  walk(t, "");
  return rows;
}

/** The children of a tree node and its members that cannot be opened, by name. */
function sortedEntries(t: TreeNode): (TreeNode | InvalidTreeMember)[] {
  return [...(t.children ?? []), ...(t.invalid ?? [])].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
}

/** The tree as text: the root on the first line, the descendants in aligned columns below. */
export function treeText(t: TreeNode, label: string): string[] {
  const n = t.node;
  const rootCells = n instanceof ZarrArray ? arrayCells(n) : groupCells(n, true);
  return [...alignRows([[label, ...rootCells]]), ...alignRows(childRows(t))];
}

/** Aligns cells in columns, two spaces apart; columns empty in every row are dropped. */
export function alignRows(rows: readonly (readonly string[])[]): string[] {
  const width = (cell: string) => [...cell].length;
  const widths: number[] = [];
  const used: boolean[] = [];
  for (const r of rows) {
    r.forEach((cell, i) => {
      if (cell !== "") used[i] = true;
      if (i < r.length - 1) widths[i] = Math.max(widths[i] ?? 0, width(cell));
    });
  }
  return rows.map((r) => {
    let line = "";
    r.forEach((cell, i) => {
      if (!used[i]) return;
      line += i < r.length - 1 ? cell + " ".repeat((widths[i] ?? 0) - width(cell) + 2) : cell;
    });
    return line.trimEnd();
  });
}

function treeJson(t: TreeNode): TreeJson {
  const n = t.node;
  if (n instanceof ZarrArray) {
    const levels = chunkLevels(n);
    return {
      name: t.name,
      path: t.path,
      kind: "array",
      zarr_format: n.zarrFormat,
      shape: [...n.shape],
      dtype: dtypeLabel(n.dtype),
      chunks: [...levels[levels.length - 1]!],
      shards: levels.length > 1 ? [...levels[0]!] : null,
      codecs: codecSummary(n.metadata.codecs),
    };
  }
  return {
    name: t.name,
    path: t.path,
    kind: "group",
    zarr_format: n.zarrFormat,
    consolidated: n.isConsolidated,
    children: sortedEntries(t).map((c) =>
      "node" in c
        ? treeJson(c)
        : {
            name: c.name,
            path: c.path,
            kind: "invalid" as const,
            error: { code: c.error.code, message: c.error.message },
          },
    ),
  };
}

export function treeCommand(cmd: Command, io: Io): void {
  addSessionOptions(cmd, false)
    .description(
      "show the hierarchy: groups, and arrays with dtype, shape, chunks, shards and codecs",
    )
    .argument("<store>", "store: a directory or an http(s):// URL")
    .argument("[path]", "node inside the store (default: the root)")
    .option("--json", "print the tree as JSON")
    .action(
      (storeArg: string, pathArg: string | undefined, opts: SessionOptions & { json?: boolean }) =>
        withSession(opts, io, async (session) => {
          const { node } = await openNode(storeArg, pathArg, session);
          const tree: TreeNode =
            node instanceof ZarrGroup
              ? await node.tree({ signal: io.signal })
              : { path: node.path, name: node.path.split("/").pop() ?? "", node };
          if (opts.json) {
            io.stdout(`${JSON.stringify(treeJson(tree), null, 2)}\n`);
            return;
          }
          const label = node.path === "" ? storeArg : `${storeArg} ${node.path}`;
          io.stdout(`${treeText(tree, label).join("\n")}\n`);
        }),
    );
}
