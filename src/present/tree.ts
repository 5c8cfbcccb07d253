/**
 * The hierarchy below a node as JSON (`zarr-plan tree --json`, the service's `GET /v1/tree`), and
 * aligned text columns shared by `tree`, `info` and `explain`.
 * @module
 */
import { type InvalidTreeMember, type TreeNode, ZarrArray } from "../index.js";
import { chunkLevels, codecSummary, dtypeLabel } from "./describe.js";

/** JSON form of one node of the tree. */
export interface TreeJson {
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

/** The children of a tree node and its members that cannot be opened, by name. */
export function sortedEntries(t: TreeNode): (TreeNode | InvalidTreeMember)[] {
  return [...(t.children ?? []), ...(t.invalid ?? [])].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
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

/** The JSON form of a tree: groups with their children by name, arrays with shape, dtype, chunks, shards, codecs. */
export function treeJson(t: TreeNode): TreeJson {
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
