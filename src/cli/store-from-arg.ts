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
import type { Session } from "./session.js";

/** A store the command line can read: a directory or an HTTP(S) base URL. */
type CliStore = FileSystemStore | FetchStore;

/** True when `arg` names an HTTP(S) store rather than a path. */
function isUrl(arg: string): boolean {
  return /^https?:\/\//i.test(arg);
}

/**
 * The public HTTPS endpoint of an `s3://bucket/key` or `gs://bucket/key` URL (virtual-hosted S3:
 * `https://bucket.s3.amazonaws.com/key`; GCS: `https://storage.googleapis.com/bucket/key`), or
 * `undefined` for any other text. Buckets outside `us-east-1` answer there with a redirect to
 * their region, which `FetchStore` follows.
 * @throws CliError for an `s3://` / `gs://` URL without a bucket.
 */
export function cloudUrl(arg: string): string | undefined {
  const m = /^(s3|gs|gcs):\/\/([^/?#]*)(\/[^?#]*)?$/i.exec(arg);
  if (!m) {
    if (/^(s3|gs|gcs|az|abfss?|wasbs?):\/\//i.test(arg)) {
      throw new CliError(
        `store ${JSON.stringify(arg)}: use s3://bucket/key, gs://bucket/key or an https:// URL (see docs/cloud-stores.md)`,
      );
    }
    return undefined;
  }
  const bucket = m[2]!;
  const key = (m[3] ?? "/").replace(/^\/+/, "");
  if (bucket === "") throw new CliError(`store ${JSON.stringify(arg)} names no bucket`);
  return m[1]!.toLowerCase() === "s3"
    ? `https://${bucket}.s3.amazonaws.com/${key}`
    : `https://storage.googleapis.com/${bucket}/${key}`;
}

/**
 * The store named by a STORE argument: an `http://` / `https://` URL is a {@link FetchStore}
 * (with the session's `--header`s), `s3://` and `gs://` are read over their public HTTPS
 * endpoints ({@link cloudUrl}), a `file://` URL or any other text is a directory read through a
 * {@link FileSystemStore}. A relative path is resolved from `baseDir` when given (plan files).
 * @throws CliError when the directory does not exist or is not a directory.
 */
export async function storeFromArg(
  arg: string,
  session?: Session,
  baseDir?: string,
): Promise<CliStore> {
  const cloud = cloudUrl(arg);
  const url = cloud ?? (isUrl(arg) ? arg : undefined);
  if (url !== undefined) {
    let store: FetchStore;
    try {
      store = new FetchStore(url, {
        ...(session ? { headers: { ...session.headers } } : {}),
        // A public S3 bucket without list permission answers 403 for a key that does not exist.
        ...(/^s3:/i.test(arg) ? { missingStatuses: [403, 404] } : {}),
      });
    } catch {
      throw new CliError(`invalid store URL ${JSON.stringify(arg)}`);
    }
    session?.label(store, arg);
    return store;
  }
  const given = /^file:\/\//i.test(arg) ? fileURLToPath(arg) : arg;
  const dir = baseDir !== undefined && !isAbsolute(given) ? joinPath(baseDir, given) : given;
  let isDir: boolean;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    throw new CliError(`store "${arg}"${dir === given ? "" : ` (${dir})`} does not exist`);
  }
  if (!isDir) {
    throw new CliError(`store "${arg}"${dir === given ? "" : ` (${dir})`} is not a directory`);
  }
  const store = new FileSystemStore(dir);
  session?.label(store, arg);
  return store;
}

/** True for an absolute filesystem path (POSIX or Windows). */
function isAbsolute(p: string): boolean {
  return p.startsWith("/") || p.startsWith("\\") || /^[a-z]:[\\/]/i.test(p);
}

/** `base/rel` with one separator. */
function joinPath(base: string, rel: string): string {
  return `${base.replace(/[\\/]+$/, "")}/${rel}`;
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
 * Opens the node at `pathArg` of the store `storeArg` through the session's Context.
 * @throws CliError naming the store when there is no node there; the library's typed errors otherwise.
 */
export async function openNode(
  storeArg: string,
  pathArg: string | undefined,
  session?: Session,
): Promise<{ store: CliStore; node: ZarrNode }> {
  const store = await storeFromArg(storeArg, session);
  const path = nodePath(pathArg);
  try {
    return {
      store,
      node: await open(store, path, session ? { context: session.context } : {}),
    };
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
  session?: Session,
): Promise<ZarrArray> {
  const { node } = await openNode(storeArg, pathArg, session);
  if (node instanceof ZarrGroup) {
    throw new CliError(
      `${describeNode(node.path, storeArg)} is a group, not an array (see: zarr-plan tree ${storeArg})`,
    );
  }
  if (!(node instanceof ZarrArray)) throw new CliError("unexpected node kind");
  return node;
}
