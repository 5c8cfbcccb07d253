/**
 * `consolidateMetadata`: gathers the metadata documents of every node below a group into the
 * group's own metadata, so opening the group serves every descendant with no further request.
 * v3: zarr-python 3's inline form in the group's `zarr.json`
 * (`"consolidated_metadata": {"kind": "inline", "must_understand": false, "metadata": {path: doc}}`);
 * v2: the `.zmetadata` document (`{"metadata": {".zgroup": …, "a/.zarray": …}, "zarr_consolidated_format": 1}`).
 * Every read, listing and write goes through the Context's store requests.
 * @module
 */
import { NodeNotFoundError, OptionsError, ZarrPlanError } from "../core/errors.js";
import { type Context, defaultContext } from "../exec/context.js";
import { memberPathIssue } from "../format/metadata/common.js";
import { decodeJsonObject, stringifyJson } from "../format/metadata/index.js";
import { isListable, isWritable, type Store } from "../store/types.js";
import { asStore } from "../store/zarrita.js";
import { DEFAULT_TREE_DEPTH, openGroup, type ZarrGroup } from "./group.js";
import { keyOf, normalizePath } from "./paths.js";
import { MAX_METADATA_BYTES } from "./read-metadata.js";

/** Options of {@link consolidateMetadata}. */
export interface ConsolidateOptions {
  /** The Context whose store requests read, list and write (default: the default Context). */
  context?: Context;
  signal?: AbortSignal;
  /**
   * Deepest level gathered (the group's children are level 1; default 64): a group at this
   * level with members is an error (`ERR_TREE_DEPTH`), so a listing that never ends (a symlink
   * loop) cannot make it run forever.
   */
  maxDepth?: number;
}

/** One metadata document read as JSON, with the key it came from. */
type Doc = Record<string, unknown>;

/**
 * Writes consolidated metadata for the group at `path` (default the root): the metadata
 * document of every node below it, exactly as stored (members zarr-plan cannot open — an
 * unsupported data type or codec — are kept as they are, for readers that can), then opens the
 * group again and returns it. The Zarr format is the group's own.
 *
 * v3 (zarr-python 3's inline convention): the group's `zarr.json` gets
 * `consolidated_metadata: {kind: "inline", must_understand: false, metadata}` where `metadata`
 * maps each descendant's path relative to the group (`"a"`, `"a/b"`) to its `zarr.json`; child
 * groups carry an empty `consolidated_metadata` (as zarr-python writes). Any consolidated
 * metadata the group or its children had is replaced.
 * v2 (zarr-python 2's `consolidate_metadata`): `<path>/.zmetadata` =
 * `{metadata: {".zgroup", ".zattrs", "<p>/.zarray" | "<p>/.zgroup", "<p>/.zattrs"}, zarr_consolidated_format: 1}`.
 *
 * Call it again after changing the hierarchy: readers trust consolidated metadata over the store.
 * @throws NodeNotFoundError when there is no group at `path` (an array is not consolidated);
 *   ZarrPlanError `ERR_READ_ONLY` / `ERR_NOT_LISTABLE` when the store cannot be written or
 *   listed; `ERR_TREE_DEPTH` past `maxDepth`; `ERR_TOO_LARGE` when the consolidated document
 *   would pass 256 MiB (what readers accept); MetadataError for a member document that is not a
 *   JSON object; OptionsError for a bad `maxDepth`; StoreError; AbortError.
 */
export async function consolidateMetadata(
  store: unknown,
  path = "",
  options: ConsolidateOptions = {},
): Promise<ZarrGroup> {
  const { maxDepth = DEFAULT_TREE_DEPTH, signal } = options;
  if (!Number.isSafeInteger(maxDepth) || maxDepth < 0) {
    throw new OptionsError("consolidateMetadata", [
      { option: "maxDepth", message: "expected a non-negative integer", value: maxDepth },
    ]);
  }
  const raw = asStore(store);
  if (!isWritable(raw)) throw new ZarrPlanError("ERR_READ_ONLY", "the store is read-only");
  if (!isListable(raw)) {
    throw new ZarrPlanError(
      "ERR_NOT_LISTABLE",
      `cannot consolidate "${path}": the store cannot list keys`,
    );
  }
  const context = options.context ?? defaultContext();
  const s = context.through(raw) as Store;
  const root = normalizePath(path);
  const get = async (key: string): Promise<Doc | undefined> => {
    const bytes = await s.get(key, { signal });
    return bytes === undefined ? undefined : decodeJsonObject(bytes, key);
  };
  const v3 = await get(keyOf(root, "zarr.json"));
  let text: string;
  let key: string;
  if (v3 !== undefined) {
    if (v3.node_type !== "group") throw notGroup(root);
    const metadata: Record<string, unknown> = {};
    await walk(s, root, maxDepth, signal, async (rel, full) => {
      const doc = await get(keyOf(full, "zarr.json"));
      if (doc === undefined) return false; // an implicit group or a stray prefix: no node
      const isGroup = doc.node_type === "group";
      metadata[rel] = isGroup ? { ...doc, consolidated_metadata: emptyInline() } : doc;
      return isGroup;
    });
    key = keyOf(root, "zarr.json");
    text = stringifyJson({
      ...v3,
      consolidated_metadata: { kind: "inline", must_understand: false, metadata: sorted(metadata) },
    });
  } else {
    const [zgroup, zattrs] = await Promise.all([
      get(keyOf(root, ".zgroup")),
      get(keyOf(root, ".zattrs")),
    ]);
    if (zgroup === undefined) throw notGroup(root);
    const metadata: Record<string, unknown> = { ".zgroup": zgroup };
    if (zattrs !== undefined) metadata[".zattrs"] = zattrs;
    await walk(s, root, maxDepth, signal, async (rel, full) => {
      const [zarray, group, attrs] = await Promise.all([
        get(keyOf(full, ".zarray")),
        get(keyOf(full, ".zgroup")),
        get(keyOf(full, ".zattrs")),
      ]);
      if (zarray !== undefined) metadata[`${rel}/.zarray`] = zarray;
      else if (group !== undefined) metadata[`${rel}/.zgroup`] = group;
      else return false;
      if (attrs !== undefined) metadata[`${rel}/.zattrs`] = attrs;
      return zarray === undefined;
    });
    key = keyOf(root, ".zmetadata");
    text = stringifyJson({ metadata: sorted(metadata), zarr_consolidated_format: 1 });
  }
  const bytes = new TextEncoder().encode(text);
  if (bytes.byteLength > MAX_METADATA_BYTES) {
    throw new ZarrPlanError(
      "ERR_TOO_LARGE",
      `consolidated metadata of group "${root}" would be ${bytes.byteLength} bytes, more than readers accept (${MAX_METADATA_BYTES})`,
    );
  }
  await s.set(key, bytes, { signal });
  return openGroup(raw, root, { context, ...(signal ? { signal } : {}) });
}

/** `o` with its members in key order (the walk visits members concurrently). */
function sorted(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function emptyInline(): Record<string, unknown> {
  return { kind: "inline", must_understand: false, metadata: {} };
}

function notGroup(path: string): NodeNotFoundError {
  return new NodeNotFoundError(path, `No group at "${path}" to consolidate`);
}

/**
 * Visits every node below `root` breadth-first, level by level (one listing per group, the
 * members of a level read concurrently): `visit(relative path, full path)` records the node and
 * says whether it is a group to descend into.
 */
async function walk(
  store: Store,
  root: string,
  maxDepth: number,
  signal: AbortSignal | undefined,
  visit: (rel: string, full: string) => Promise<boolean>,
): Promise<void> {
  let level: string[] = [""];
  for (let depth = 0; level.length > 0; depth++) {
    const next: string[] = [];
    await Promise.all(
      level.map(async (rel) => {
        const full = rel === "" ? root : keyOf(root, rel);
        const prefix = full === "" ? "" : `${full}/`;
        const { prefixes } = await store.listDir(prefix, { signal });
        const names = prefixes.filter((n) => !n.includes("/") && memberPathIssue(n) === undefined);
        if (names.length > 0 && depth >= maxDepth) {
          throw new ZarrPlanError(
            "ERR_TREE_DEPTH",
            `group "${full}" is ${depth} levels down and has members: the hierarchy is deeper than maxDepth ${maxDepth}`,
          );
        }
        await Promise.all(
          names.map(async (name) => {
            const childRel = rel === "" ? name : `${rel}/${name}`;
            if (await visit(childRel, keyOf(root, childRel))) next.push(childRel);
          }),
        );
      }),
    );
    level = next.sort();
  }
}
