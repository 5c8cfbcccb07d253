/**
 * Turning the STORE and PATH arguments into a store and an opened node.
 * @module
 */
import { stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import {
  FetchStore,
  FileSystemStore,
  NodeNotFoundError,
  open,
  ZarrArray,
  ZarrGroup,
  type ZarrNode,
} from "../index.js";
import { CliError } from "./errors.js";

/** A store the command line can read: a directory or an HTTP(S) base URL. */
type CliStore = FileSystemStore | FetchStore;

/** True when `arg` names an HTTP(S) store rather than a path. */
function isUrl(arg: string): boolean {
  return /^https?:\/\//i.test(arg);
}

/**
 * The store named by a STORE argument: an `http://` / `https://` URL is a {@link FetchStore}, a
 * `file://` URL or any other text is a directory read through a {@link FileSystemStore}.
 * @throws CliError when the directory does not exist or is not a directory.
 */
export async function storeFromArg(arg: string): Promise<CliStore> {
  if (isUrl(arg)) {
    try {
      return new FetchStore(arg);
    } catch {
      throw new CliError(`invalid store URL ${JSON.stringify(arg)}`);
    }
  }
  const dir = /^file:\/\//i.test(arg) ? fileURLToPath(arg) : arg;
  let isDir: boolean;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    throw new CliError(`store "${arg}" does not exist`);
  }
  if (!isDir) throw new CliError(`store "${arg}" is not a directory`);
  return new FileSystemStore(dir);
}

/** The node path of a PATH argument: `""`, `"/"` and `"."` are the store root. */
export function nodePath(arg: string | undefined): string {
  const p = (arg ?? "").trim().replace(/^\/+|\/+$/g, "");
  return p === "." ? "" : p;
}

/** How a node of a store reads in messages: `the root of store "x.zarr"`, `"a/b" in store "x.zarr"`. */
function describeNode(path: string, storeArg: string): string {
  return path === "" ? `the root of store "${storeArg}"` : `"${path}" in store "${storeArg}"`;
}

/**
 * Opens the node at `pathArg` of the store `storeArg`.
 * @throws CliError naming the store when there is no node there; the library's typed errors otherwise.
 */
export async function openNode(
  storeArg: string,
  pathArg: string | undefined,
): Promise<{ store: CliStore; node: ZarrNode }> {
  const store = await storeFromArg(storeArg);
  const path = nodePath(pathArg);
  try {
    return { store, node: await open(store, path) };
  } catch (e) {
    if (e instanceof NodeNotFoundError) {
      throw new CliError(`no Zarr array or group at ${describeNode(path, storeArg)}`, {
        cause: e,
      });
    }
    throw e;
  }
}

/** Opens the array at `pathArg`. @throws CliError when the node is a group. */
export async function openArrayArg(
  storeArg: string,
  pathArg: string | undefined,
): Promise<ZarrArray> {
  const { node } = await openNode(storeArg, pathArg);
  if (node instanceof ZarrGroup) {
    throw new CliError(
      `${describeNode(node.path, storeArg)} is a group, not an array (see: zarr-plan tree ${storeArg})`,
    );
  }
  if (!(node instanceof ZarrArray)) throw new CliError("unexpected node kind");
  return node;
}
