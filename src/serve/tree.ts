/**
 * `GET /v1/tree`: the hierarchy of the served root as `zarr-plan tree --json` prints it, or, for a
 * plain directory (no Zarr node at its root), the Zarr nodes found below it, each with its tree.
 * @module
 */
import {
  type AnyStore,
  type Context,
  NodeNotFoundError,
  open,
  type TreeNode,
  ZarrGroup,
  type ZarrNode,
} from "../index.js";
import { type TreeJson, treeJson } from "../present/tree.js";
import { joinPath } from "./paths.js";

/** Deepest directory level searched for Zarr nodes below a plain directory. */
const MAX_SCAN_DEPTH = 6;
/** Most directory listings one scan makes. */
const MAX_SCAN_LISTINGS = 2000;

/** Keys that mark a Zarr node (v3, v2 group, v2 array). */
const NODE_KEYS = ["zarr.json", ".zgroup", ".zarray"];

/** The tree below a plain directory: the Zarr nodes found in it, by path. */
export interface DirectoryJson {
  name: string;
  path: string;
  kind: "directory";
  children: (TreeJson | DirectoryJson)[];
  /** True when the search stopped at its depth or listing limit. */
  truncated?: boolean;
}

/** The tree of an opened node. */
async function nodeTree(node: ZarrNode, signal: AbortSignal): Promise<TreeJson> {
  const tree: TreeNode =
    node instanceof ZarrGroup
      ? await node.tree({ signal })
      : { path: node.path, name: node.path.split("/").pop() ?? "", node };
  return treeJson(tree);
}

type Lister = (
  prefix: string,
  o: { signal: AbortSignal },
) => Promise<{ keys: string[]; prefixes: string[] }>;

/**
 * The tree of `store`'s root: `tree --json` of the node there; for a plain directory, every Zarr
 * node below it (not below another node), searched down to 6 levels and 2,000 listings.
 * @throws NodeNotFoundError when there is no node at the root and the store cannot list.
 */
export async function rootTree(
  store: AnyStore,
  context: Context,
  signal: AbortSignal,
): Promise<TreeJson | DirectoryJson> {
  try {
    return await nodeTree(await open(store, "", { context, signal }), signal);
  } catch (e) {
    if (!(e instanceof NodeNotFoundError)) throw e;
  }
  const listDir = (store as { listDir?: Lister }).listDir?.bind(store);
  if (!listDir)
    throw new NodeNotFoundError(
      "",
      "no Zarr node at the served root, and its store cannot list to find nodes below it",
    );
  let listings = 0;
  let truncated = false;
  // The nodes at or below `path`: the node itself when the directory holds a node key, else the
  // nodes below its subdirectories (a subdirectory with none is left out).
  const scan = async (path: string, depth: number): Promise<(TreeJson | DirectoryJson)[]> => {
    if (depth > MAX_SCAN_DEPTH || listings >= MAX_SCAN_LISTINGS) {
      truncated = true;
      return [];
    }
    listings++;
    const { keys, prefixes } = await listDir(path === "" ? "" : `${path}/`, { signal });
    if (path !== "" && keys.some((k) => NODE_KEYS.includes(k))) {
      return [await nodeTree(await open(store, path, { context, signal }), signal)];
    }
    const out: (TreeJson | DirectoryJson)[] = [];
    for (const name of [...prefixes].sort()) {
      if (name.startsWith(".")) continue;
      const child = joinPath(path, name);
      const found = await scan(child, depth + 1);
      if (found.length === 1 && found[0]!.path === child) out.push(found[0]!);
      else if (found.length > 0)
        out.push({ name, path: child, kind: "directory", children: found });
    }
    return out;
  };
  const children = await scan("", 0);
  return { name: "", path: "", kind: "directory", children, ...(truncated ? { truncated } : {}) };
}
