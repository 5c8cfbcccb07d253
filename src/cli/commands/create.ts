/**
 * `zarr-plan create SPEC.json DIR [--overwrite] [--consolidate] [--zarr-format 2|3]`: creates a
 * hierarchy of groups and arrays from a JSON spec (`createHierarchy`), in a directory (created when
 * missing) through `FileSystemStore`, and prints the tree of the nodes it wrote.
 * @module
 */
import { mkdir, readFile, stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { type Command, InvalidArgumentError } from "commander";
import {
  createHierarchy,
  FileSystemStore,
  type HierarchyNodeSpec,
  isZarrPlanError,
  type TreeNode,
  ZarrGroup,
  type ZarrNode,
} from "../../index.js";
import type { Io } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { addSessionOptions, type SessionOptions, withSession } from "../session.js";
import { cloudUrl } from "../store-from-arg.js";
import { treeText } from "./tree.js";

/** Largest spec file read, bytes (a spec of tens of thousands of nodes fits). */
export const MAX_SPEC_BYTES = 16 * 1024 * 1024;

interface CreateOptions extends SessionOptions {
  overwrite?: boolean;
  consolidate?: boolean;
  zarrFormat?: 2 | 3;
}

/** Commander parser of `--zarr-format`. */
function zarrFormat(text: string): 2 | 3 {
  if (text === "2" || text === "3") return Number(text) as 2 | 3;
  throw new InvalidArgumentError(`expected 2 or 3, got ${JSON.stringify(text)}`);
}

/** Whether `v` is a JSON object (not an array, not null). */
function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The node specs of a spec file's JSON: `{"nodes": {path: spec}}`, or the record itself.
 * @throws UsageError when it is neither.
 */
export function nodesOfSpec(json: unknown, file: string): Record<string, HierarchyNodeSpec> {
  if (!isObject(json)) {
    throw new UsageError(
      `${file}: expected a JSON object of node specs by path, or {"nodes": {…}}`,
    );
  }
  const keys = Object.keys(json);
  const wrapped = keys.length === 1 && keys[0] === "nodes" && isObject(json.nodes);
  // A node at path "nodes" is a spec itself (it has "kind" or "zarr_format").
  const inner = wrapped ? (json.nodes as Record<string, unknown>) : undefined;
  if (inner && !("kind" in inner) && !("zarr_format" in inner)) {
    return inner as Record<string, HierarchyNodeSpec>;
  }
  return json as Record<string, HierarchyNodeSpec>;
}

/** Reads and parses the spec file. @throws CliError when it is missing, too large or not JSON. */
async function readSpec(file: string): Promise<unknown> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw new CliError(`spec file "${file}" does not exist`);
  }
  if (size > MAX_SPEC_BYTES) {
    throw new CliError(`spec file "${file}" is ${size} bytes, more than ${MAX_SPEC_BYTES}`);
  }
  try {
    return JSON.parse(await readFile(file, "utf8"));
  } catch (e) {
    throw new CliError(`spec file "${file}" is not JSON: ${(e as Error).message}`);
  }
}

/**
 * A directory store for writing: created (with its parents) when missing.
 * @throws CliError for a URL (HTTP stores cannot be written) or a path that is not a directory.
 */
export async function writableDir(arg: string): Promise<FileSystemStore> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(arg) && !/^file:\/\//i.test(arg)) {
    cloudUrl(arg); // its own message for malformed s3:// and gs:// URLs
    throw new CliError(`store "${arg}": create writes to a local directory, not a URL`);
  }
  const dir = /^file:\/\//i.test(arg) ? fileURLToPath(arg) : arg;
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new CliError(`cannot create directory "${arg}": ${(e as Error).message}`);
  }
  if (!(await stat(dir)).isDirectory()) throw new CliError(`store "${arg}" is not a directory`);
  return new FileSystemStore(dir);
}

/** The created nodes as a tree below the root (parents that were already there are skipped). */
function createdTree(root: ZarrNode, nodes: ReadonlyMap<string, ZarrNode>): TreeNode {
  const top: TreeNode = { path: "", name: "", node: root, children: [] };
  const byPath = new Map<string, TreeNode>([["", top]]);
  const paths = [...nodes.keys()].filter((p) => p !== "").sort();
  for (const p of paths) {
    const node = nodes.get(p)!;
    const t: TreeNode = { path: p, name: p, node };
    if (node instanceof ZarrGroup) t.children = [];
    // The nearest created ancestor holds it (its name is the rest of the path).
    let parent = top;
    for (let i = p.lastIndexOf("/"); i > 0; i = p.lastIndexOf("/", i - 1)) {
      const found = byPath.get(p.slice(0, i));
      if (found) {
        parent = found;
        t.name = p.slice(i + 1);
        break;
      }
    }
    parent.children!.push(t);
    byPath.set(p, t);
  }
  return top;
}

export function createCommand(cmd: Command, io: Io): void {
  addSessionOptions(cmd, false)
    .description("create groups and arrays from a JSON spec (createHierarchy) in a directory")
    .argument("<spec>", 'JSON file: {"nodes": {path: spec}} or {path: spec} (see docs/cli.md)')
    .argument("<store>", "directory to create them in (created when missing)")
    .option("--overwrite", "replace nodes that exist at the given paths")
    .option("--consolidate", "write consolidated metadata for the root group")
    .option(
      "--zarr-format <n>",
      "Zarr format of every node: 2 or 3 (default: the spec's, else 3)",
      zarrFormat,
    )
    .action((specArg: string, storeArg: string, opts: CreateOptions) =>
      withSession(opts, io, async (session) => {
        const nodes = nodesOfSpec(await readSpec(specArg), specArg);
        const store = await writableDir(storeArg);
        session.label(store, storeArg);
        const { root, nodes: created } = await createHierarchy(store, nodes, {
          context: session.context,
          signal: io.signal,
          ...(opts.overwrite ? { overwrite: true } : {}),
          ...(opts.consolidate ? { consolidate: true } : {}),
          ...(opts.zarrFormat ? { zarrFormat: opts.zarrFormat } : {}),
        }).catch((e: unknown) => {
          // The command line's name of the option.
          if (isZarrPlanError(e, "ERR_NODE_EXISTS")) {
            throw new CliError(e.message.replace("pass overwrite: true", "pass --overwrite"), {
              cause: e,
            });
          }
          throw e;
        });
        const n = created.size;
        io.stdout(`created ${n} node${n === 1 ? "" : "s"} in ${storeArg}\n`);
        io.stdout(`${treeText(createdTree(root, created), storeArg).join("\n")}\n`);
      }),
    );
}
