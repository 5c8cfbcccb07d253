/**
 * The direct children of a group by store and path: from its consolidated metadata when it has
 * some (no IO; v3 inline `consolidated_metadata`, v2 `.zmetadata`), else one listing of the
 * group's prefix plus concurrent metadata reads (Zarr v3 core specification, "Hierarchy",
 * "Listing"). `ZarrGroup.members` / `inspectMembers` list through {@link childMetadata}.
 * @module
 */
import { NodeNotFoundError, ZarrPlanError } from "../../core/errors.js";
import { defaultContext } from "../../exec/context.js";
import { memberPathIssue } from "../../format/metadata/common.js";
import type {
  ArrayMetadata,
  GroupMetadata,
  InvalidMember,
  NodeMetadata,
} from "../../format/model.js";
import { type AnyStore, isListable } from "../../store/types.js";
import { asStore } from "../../store/zarrita.js";
import { joinPath, normalizePath } from "../paths.js";
import { type OpenOptions, readNodeMetadata } from "../read-metadata.js";

/**
 * Whether reading a child failed for a reason that concerns that child only (its metadata: an
 * unsupported data type or codec, an invalid document), not the store or the request.
 */
export function isMemberProblem(e: unknown): e is ZarrPlanError {
  return (
    e instanceof ZarrPlanError &&
    (e.code === "ERR_METADATA" ||
      e.code === "ERR_UNSUPPORTED_DATA_TYPE" ||
      e.code === "ERR_UNKNOWN_CODEC" ||
      e.code === "ERR_UNSUPPORTED")
  );
}

/** Whether `name` can be a direct child's name: one valid path segment. */
export function isChildName(name: string): boolean {
  return typeof name === "string" && !name.includes("/") && memberPathIssue(name) === undefined;
}

/**
 * Restricts a group's consolidated map (and its invalid entries) to the descendants of `rel`,
 * with paths relative to it.
 */
export function rebase(meta: NodeMetadata, group: GroupMetadata, rel: string): NodeMetadata {
  if (meta.nodeType !== "group") return meta;
  const sub = new Map<string, NodeMetadata>();
  const prefix = `${rel}/`;
  for (const [k, v] of group.consolidated ?? []) {
    if (k.startsWith(prefix)) sub.set(k.slice(prefix.length), v);
  }
  const { invalidMembers: _, ...rest } = meta;
  const invalid: InvalidMember[] = [];
  for (const m of group.invalidMembers ?? []) {
    if (m.name.startsWith(prefix)) invalid.push({ ...m, name: m.name.slice(prefix.length) });
  }
  return invalid.length > 0
    ? { ...rest, consolidated: sub, invalidMembers: invalid }
    : { ...rest, consolidated: sub };
}

/** A direct child of a group. */
export interface ChildMetadata {
  /** Last path segment. */
  readonly name: string;
  /** Full node path in the store. */
  readonly path: string;
  readonly metadata: NodeMetadata;
}

const byName = (a: readonly [string, unknown], b: readonly [string, unknown]) =>
  a[0] < b[0] ? -1 : 1;

/**
 * The direct children of the group at normalised `path` whose metadata is `group`: from its
 * consolidated metadata (no IO), else a listing plus concurrent metadata reads (format as
 * `options.zarrFormat`, else the group's). Names that cannot be a child are left out; children
 * whose metadata cannot be read (member problems) are in `invalid` with their error.
 * @returns `children` and `invalid`, each sorted by name.
 * @throws ZarrPlanError `ERR_NOT_LISTABLE` when the store cannot list and there is no
 *   consolidated metadata; StoreError, AbortError.
 */
export async function childMetadata(
  store: AnyStore,
  path: string,
  group: GroupMetadata,
  options: OpenOptions = {},
): Promise<{ children: ChildMetadata[]; invalid: Map<string, ZarrPlanError> }> {
  const cons = group.consolidated;
  if (cons) {
    const children = [...cons.keys()]
      .filter(isChildName)
      .sort()
      .map((name) => ({
        name,
        path: joinPath(path, name),
        metadata: rebase(cons.get(name)!, group, name),
      }));
    const invalid = (group.invalidMembers ?? [])
      .filter((m) => m.error !== undefined && isChildName(m.name))
      .map((m) => [m.name, m.error!] as const)
      .sort(byName);
    return { children, invalid: new Map(invalid) };
  }
  if (!isListable(store)) {
    throw new ZarrPlanError(
      "ERR_NOT_LISTABLE",
      `group "${path}": the store cannot list keys and the group has no consolidated metadata`,
    );
  }
  const context = options.context ?? defaultContext();
  const prefix = path === "" ? "" : `${path}/`;
  const { prefixes } = await context.listDir(store, prefix, { signal: options.signal });
  const read = await Promise.all(
    prefixes.filter(isChildName).map(async (name) => {
      const childPath = joinPath(path, name);
      try {
        const metadata = await readNodeMetadata(store, childPath, {
          zarrFormat: group.zarrFormat,
          ...options,
          context,
        });
        return [name, { name, path: childPath, metadata }] as const;
      } catch (e) {
        if (e instanceof NodeNotFoundError) return undefined;
        if (isMemberProblem(e)) return [name, e] as const;
        throw e;
      }
    }),
  );
  const children: ChildMetadata[] = [];
  const invalid = new Map<string, ZarrPlanError>();
  for (const [name, entry] of read.filter((e) => e !== undefined).sort(byName)) {
    if (entry instanceof ZarrPlanError) invalid.set(name, entry);
    else children.push(entry);
  }
  return { children, invalid };
}

/** A direct child as {@link listChildren} returns it. */
export type ChildInfo =
  | {
      readonly path: string;
      readonly name: string;
      readonly kind: "array";
      readonly metadata: ArrayMetadata;
    }
  | {
      readonly path: string;
      readonly name: string;
      readonly kind: "group";
      readonly metadata: GroupMetadata;
    };

/** Options of {@link listChildren}. */
export interface ListChildrenOptions extends OpenOptions {
  /**
   * Throw the error of the first child (by name) whose metadata cannot be read (invalid, an
   * unsupported data type) instead of leaving it out. Default false.
   */
  strict?: boolean;
}

/**
 * The direct children of the group at `path` (default: the root) of `store`, each with its kind
 * and metadata (the normalised model), sorted by name. Reads the group's metadata, then uses its
 * consolidated metadata when it has some (no further IO), else lists the group's prefix and reads
 * every child's metadata concurrently (one round trip; Zarr v3 core specification "Listing",
 * Zarr v2 `.zmetadata`). Names that cannot be a child (`""`, `"."`, `".."`, names with `/`) and
 * prefixes with no metadata document are left out; a child whose metadata is invalid or of an
 * unsupported data type is left out too, unless `strict`. Codec pipelines are not built, so a
 * child with an unknown codec is listed.
 * @returns `[{ path, name, kind: "array" | "group", metadata }]`.
 * @throws NodeNotFoundError (`ERR_NODE_NOT_FOUND`) when there is no node at `path` or it is an
 *   array; ZarrPlanError `ERR_NOT_LISTABLE` when the store cannot list and the group has no
 *   consolidated metadata; with `strict`, the first child's MetadataError /
 *   UnsupportedDataTypeError; InvalidPathError (`ERR_PATH`); StoreError; AbortError.
 */
export async function listChildren(
  store: unknown,
  path = "",
  options: ListChildrenOptions = {},
): Promise<ChildInfo[]> {
  const { strict = false, ...open } = options;
  const s = asStore(store);
  const p = normalizePath(path);
  const group = await readNodeMetadata(s, p, open);
  if (group.nodeType !== "group") {
    throw new NodeNotFoundError(p, `Node "${p}" is an array, not a group`);
  }
  const { children, invalid } = await childMetadata(s, p, group, open);
  if (strict) {
    const first = invalid.values().next();
    if (!first.done) throw first.value;
  }
  return children.map(({ name, path: childPath, metadata }) =>
    metadata.nodeType === "array"
      ? { path: childPath, name, kind: "array", metadata }
      : { path: childPath, name, kind: "group", metadata },
  );
}
