/**
 * Opened Zarr groups and opening nodes: `open`, `openArray`, `openGroup`, `members()`, `tree()`.
 * Follows the Zarr v3 core specification ("Group metadata", "Hierarchy") and Zarr v2 (`.zgroup`,
 * consolidated `.zmetadata`); v3 consolidated metadata follows zarr-python's inline convention.
 * @module
 */
import type { DataTypeName } from "../core/dtype.js";
import {
  DataTypeMismatchError,
  MetadataError,
  NodeNotFoundError,
  OptionsError,
  throwIfAborted,
  ZarrPlanError,
} from "../core/errors.js";
import { type Context, defaultContext } from "../exec/context.js";
import type { GroupMetadata, NodeMetadata } from "../format/model.js";
import type { AnyStore } from "../store/types.js";
import { asStore } from "../store/zarrita.js";
import { ZarrArray } from "./array.js";
import { type UpdateAttributesOptions, updateNodeAttributes } from "./attributes.js";
import { childMetadata, isMemberProblem, rebase } from "./crud/children.js";
import { baseName, joinPath, normalizePath } from "./paths.js";
import { type OpenOptions, readNodeMetadata } from "./read-metadata.js";

/** An opened node. */
export type ZarrNode = ZarrArray | ZarrGroup;

/**
 * Options for opening an array whose data type the caller knows: `dtype` is checked once the
 * metadata is read, and the array is typed by it (`ZarrArray<"float32">`).
 */
export interface OpenArrayOptions<N extends DataTypeName = DataTypeName> extends OpenOptions {
  /** The data type the array must have; a different one throws `DataTypeMismatchError`. */
  dtype?: N;
}

/** True when `node` is an opened array (`ZarrArray`); narrows a {@link ZarrNode}. */
export function isArray(node: unknown): node is ZarrArray {
  return node instanceof ZarrArray;
}

/** True when `node` is an opened group (`ZarrGroup`); narrows a {@link ZarrNode}. */
export function isGroup(node: unknown): node is ZarrGroup {
  return node instanceof ZarrGroup;
}

/**
 * `node` as an array, checked against `dtype` when given.
 * @throws NodeNotFoundError when `node` is a group; DataTypeMismatchError (`ERR_DTYPE`) when its
 * data type is not `dtype`.
 */
function asArray(node: ZarrNode, dtype: DataTypeName | undefined): ZarrArray {
  if (!(node instanceof ZarrArray))
    throw new NodeNotFoundError(node.path, `Node "${node.path}" is a group, not an array`);
  if (dtype !== undefined && node.dtype.name !== dtype)
    throw new DataTypeMismatchError(node.path, dtype, node.dtype.name);
  return node;
}

/** `node` as a group. @throws NodeNotFoundError when `node` is an array. */
function asGroup(node: ZarrNode): ZarrGroup {
  if (!(node instanceof ZarrGroup))
    throw new NodeNotFoundError(node.path, `Node "${node.path}" is an array, not a group`);
  return node;
}

/** `options` without `dtype` (what opening a node takes). */
function openOptionsOf(options: OpenArrayOptions): OpenOptions {
  const { dtype: _, ...rest } = options;
  return rest;
}

/** Default of {@link TreeOptions.maxDepth}. */
export const DEFAULT_TREE_DEPTH = 64;

/** Options of {@link ZarrGroup.tree}. */
export interface TreeOptions extends OpenOptions {
  /**
   * Deepest level the walk goes to (the group's children are level 1; default
   * {@link DEFAULT_TREE_DEPTH}): a group at this level that has members makes `tree()` throw
   * (`ERR_TREE_DEPTH`) instead of walking on, so a store whose listing never ends (a symlink
   * loop, a hostile server) cannot make it run forever. A non-negative integer.
   */
  maxDepth?: number;
}

/** One node of {@link ZarrGroup.tree}. */
export interface TreeNode {
  /** Full node path in the store. */
  path: string;
  /** Last path segment (`""` for the root). */
  name: string;
  node: ZarrNode;
  /** Children sorted by name (groups only). */
  children?: TreeNode[];
  /**
   * Children that could not be opened (groups only; absent when none), sorted by name, each
   * with the typed error opening it raises ({@link ZarrGroup.inspectMembers}).
   */
  invalid?: InvalidTreeMember[];
}

/** A child {@link ZarrGroup.tree} could not open: an unsupported data type or codec, invalid metadata. */
export interface InvalidTreeMember {
  /** Full node path in the store. */
  path: string;
  /** Last path segment. */
  name: string;
  /** What opening it raises (`UnsupportedDataTypeError`, `UnknownCodecError`, `MetadataError`, …). */
  error: ZarrPlanError;
}

/** An opened group. */
export class ZarrGroup {
  readonly store: AnyStore;
  /** Node path inside the store (`""` = the store root). */
  readonly path: string;
  readonly metadata: GroupMetadata;
  /** The Context its opens and its members' reads run in. */
  readonly context: Context;

  /** @param context runs its opens and its members' reads (default: the default Context). */
  constructor(
    store: AnyStore,
    path: string,
    metadata: GroupMetadata,
    context: Context = defaultContext(),
  ) {
    this.store = store;
    this.path = path;
    this.metadata = metadata;
    this.context = context;
  }

  /** `"group"`. */
  get kind(): "group" {
    return "group";
  }
  get attributes(): Readonly<Record<string, unknown>> {
    return this.metadata.attributes;
  }
  get zarrFormat(): 2 | 3 {
    return this.metadata.zarrFormat;
  }
  /** Whether this group carries consolidated metadata for its descendants (opens need no IO). */
  get isConsolidated(): boolean {
    return this.metadata.consolidated !== undefined;
  }

  /**
   * Opens the descendant at relative path `path` (e.g. `"multiscale/0"`). With consolidated metadata no
   * request is made; otherwise one metadata read (format known from this group).
   * @throws InvalidPathError (`ERR_PATH`) for a path with a `.` or `..` segment;
   * NodeNotFoundError; MetadataError, also when `path` names an entry of the consolidated
   * metadata whose name is not a valid path ({@link GroupMetadata.invalidMembers}, e.g. `"a/"`);
   * StoreError; AbortError.
   */
  async open(path: string, options: OpenOptions = {}): Promise<ZarrNode> {
    const rel = normalizePath(path);
    if (rel === "") return this;
    const full = joinPath(this.path, rel);
    const cons = this.metadata.consolidated;
    if (cons) {
      const meta = cons.get(rel);
      if (!meta) {
        const bad = this.metadata.invalidMembers?.find((m) => lenientPath(m.name) === rel);
        if (bad?.error) throw bad.error;
        if (bad) {
          throw new MetadataError(bad.key, [{ field: bad.field, message: bad.message }], {
            summary: `Invalid member ${JSON.stringify(bad.name)} of group "${this.path}"`,
          });
        }
        throw new NodeNotFoundError(
          full,
          `No node "${rel}" in the consolidated metadata of group "${this.path}"`,
        );
      }
      return nodeFromMetadata(this.store, full, rebase(meta, this.metadata, rel), this.context);
    }
    return openNode(this.store, full, {
      zarrFormat: this.zarrFormat,
      context: this.context,
      ...options,
    });
  }

  /**
   * Opens the array at relative path `path`, as {@link open}. With `options.dtype` the array's data
   * type is checked and the result typed by it (`ZarrArray<"float32">`); without, narrow it with
   * `is()`.
   * @throws InvalidPathError (`ERR_PATH`) for a path with a `.` or `..` segment;
   * NodeNotFoundError when there is no node at `path` or it is a group (`Node "…" is a
   * group, not an array`); DataTypeMismatchError (`ERR_DTYPE`) when `options.dtype` is not its
   * data type; MetadataError; StoreError; AbortError.
   */
  async openArray<N extends DataTypeName>(
    path: string,
    options: OpenArrayOptions<N> & { dtype: N },
  ): Promise<ZarrArray<N>>;
  /** Opens the array at relative path `path`, of any data type (narrow it with `is()`). */
  async openArray(path: string, options?: OpenArrayOptions): Promise<ZarrArray>;
  async openArray(path: string, options: OpenArrayOptions = {}): Promise<ZarrArray> {
    return asArray(await this.open(path, openOptionsOf(options)), options.dtype);
  }

  /**
   * Opens the group at relative path `path` (`""`: this group), as {@link open}.
   * @throws InvalidPathError (`ERR_PATH`) for a path with a `.` or `..` segment;
   * NodeNotFoundError when there is no node at `path` or it is an array (`Node "…" is an
   * array, not a group`); MetadataError; StoreError; AbortError.
   */
  async openGroup(path: string, options: OpenOptions = {}): Promise<ZarrGroup> {
    return asGroup(await this.open(path, options));
  }

  /**
   * Opens every direct child concurrently: from consolidated metadata when present (no IO),
   * otherwise one listing plus concurrent metadata reads (one round trip). Names that cannot be a
   * child (`""`, `"."`, `".."`, names with `/`; in consolidated metadata the
   * {@link GroupMetadata.invalidMembers}) are left out: they never alias this group or another
   * node, and the other children are listed as usual. A child zarr-plan cannot open (an
   * unsupported data type or codec, invalid metadata) is left out too, not thrown: see
   * {@link inspectMembers} for those and their errors.
   * @returns children by name, sorted by name.
   * @throws ZarrPlanError `ERR_NOT_LISTABLE` when the store cannot list and there is no
   * consolidated metadata; StoreError, AbortError from reading a child's metadata.
   */
  async members(options: OpenOptions = {}): Promise<Map<string, ZarrNode>> {
    return (await this.inspectMembers(options)).members;
  }

  /**
   * Opens every direct child as {@link members} does and reports the children that cannot be
   * opened, each with the typed error opening it raises (`UnsupportedDataTypeError` for an
   * unsupported data type, `UnknownCodecError`, `MetadataError` for invalid metadata): one
   * unsupported member does not make the group unusable (the v3 core spec's extension rules).
   * @returns `members` (children by name, sorted) and `invalid` (name → error, sorted by name).
   * @throws ZarrPlanError `ERR_NOT_LISTABLE` when the store cannot list and there is no
   * consolidated metadata; StoreError, AbortError.
   */
  async inspectMembers(options: OpenOptions = {}): Promise<{
    members: Map<string, ZarrNode>;
    invalid: Map<string, ZarrPlanError>;
  }> {
    // Consolidated children open in this group's Context, listed ones in the one of the options.
    const context = this.metadata.consolidated ? this.context : (options.context ?? this.context);
    const { children, invalid } = await childMetadata(this.store, this.path, this.metadata, {
      context: this.context,
      ...options,
    });
    const out = new Map<string, ZarrNode>();
    for (const { name, path, metadata } of children) {
      try {
        out.set(name, nodeFromMetadata(this.store, path, metadata, context));
      } catch (e) {
        // Parsed, but not openable (e.g. an unknown codec: the pipeline is built on open).
        if (!isMemberProblem(e)) throw e;
        invalid.set(name, e);
      }
    }
    return {
      members: out,
      invalid: new Map([...invalid].sort((a, b) => (a[0] < b[0] ? -1 : 1))),
    };
  }

  /**
   * The whole hierarchy below this group, each level opened concurrently (children as
   * {@link members} lists them), at most `options.maxDepth` levels deep (default
   * {@link DEFAULT_TREE_DEPTH}).
   * @throws OptionsError (`ERR_OPTIONS`) when `maxDepth` is not a non-negative integer;
   * ZarrPlanError `ERR_TREE_DEPTH` (naming the group) when a group at level `maxDepth` has
   * members; the errors of {@link members}.
   */
  async tree(options: TreeOptions = {}): Promise<TreeNode> {
    const { maxDepth = DEFAULT_TREE_DEPTH, ...open } = options;
    if (!Number.isSafeInteger(maxDepth) || maxDepth < 0) {
      throw new OptionsError("tree", [
        { option: "maxDepth", message: "expected a non-negative integer", value: maxDepth },
      ]);
    }
    return this.#tree(open, maxDepth, 0);
  }

  async #tree(options: OpenOptions, maxDepth: number, depth: number): Promise<TreeNode> {
    throwIfAborted(options.signal);
    const { members, invalid } = await this.inspectMembers(options);
    if (members.size + invalid.size > 0 && depth >= maxDepth) {
      throw new ZarrPlanError(
        "ERR_TREE_DEPTH",
        `group "${this.path}" is ${depth} levels down and has members: the hierarchy is deeper than maxDepth ${maxDepth} (pass a larger tree({ maxDepth }))`,
      );
    }
    const children = await Promise.all(
      [...members.entries()].map(async ([name, node]): Promise<TreeNode> => {
        if (node instanceof ZarrGroup) {
          return { ...(await node.#tree(options, maxDepth, depth + 1)), name };
        }
        return { path: node.path, name, node };
      }),
    );
    const root: TreeNode = { path: this.path, name: baseName(this.path), node: this, children };
    if (invalid.size === 0) return root;
    root.invalid = [...invalid].map(([name, error]) => ({
      name,
      path: joinPath(this.path, name),
      error,
    }));
    return root;
  }

  /**
   * Merges `attributes` into the group's user attributes (or replaces them with `replace: true`)
   * and returns a new handle (without consolidated metadata for v2; v3 keeps the group's
   * `consolidated_metadata` member as stored); see `updateAttributes`
   * (src/hierarchy/attributes.ts).
   * @throws OptionsError; NodeNotFoundError; WriteConflictError; ZarrPlanError `ERR_READ_ONLY`;
   * StoreError; AbortError.
   */
  async updateAttributes(
    attributes: Record<string, unknown>,
    options: UpdateAttributesOptions = {},
  ): Promise<ZarrGroup> {
    const meta = await updateNodeAttributes(this, attributes, options);
    // The update checked that the node is still a group.
    return new ZarrGroup(this.store, this.path, meta as GroupMetadata, this.context);
  }
}

/** An invalid member name as the path a user would type for it (`"a/"` → `"a"`). */
function lenientPath(name: string): string {
  return name
    .split("/")
    .filter((p) => p !== "")
    .join("/");
}

function nodeFromMetadata(
  store: AnyStore,
  path: string,
  meta: NodeMetadata,
  context: Context,
): ZarrNode {
  return meta.nodeType === "array"
    ? new ZarrArray(store, path, meta, context)
    : new ZarrGroup(store, path, meta, context);
}

async function openNode(store: AnyStore, path: string, options: OpenOptions): Promise<ZarrNode> {
  const context = options.context ?? defaultContext();
  const meta = await readNodeMetadata(store, path, { ...options, context });
  return nodeFromMetadata(store, path, meta, context);
}

/**
 * Opens the array or group at `path` (default: the root) of a store. The store may be a zarr-plan store
 * or any object with zarrita's read shape (`get`, optional `getRange`).
 * Requests: one `zarr.json` for v3 (v3 consolidated metadata then serves every descendant with no IO);
 * v2 documents concurrently otherwise.
 * @throws InvalidPathError (`ERR_PATH`) when `path` is not a string or has a `.` or `..` segment;
 * NodeNotFoundError; MetadataError (with UnknownCodecError / UnsupportedDataTypeError); StoreError;
 * AbortError.
 */
export async function open(
  store: unknown,
  path = "",
  options: OpenOptions = {},
): Promise<ZarrNode> {
  return openNode(asStore(store), normalizePath(path), options);
}

/**
 * Opens an array; see {@link open}. With `options.dtype` the array's data type is checked and the
 * result typed by it: `await openArray(store, "t", { dtype: "float32" })` is a
 * `ZarrArray<"float32">`. Without, it is a `ZarrArray` of any data type (narrow it with `is()`).
 * @throws InvalidPathError (`ERR_PATH`) for a path with a `.` or `..` segment; NodeNotFoundError
 * when there is no node at `path` or it is a group; DataTypeMismatchError (`ERR_DTYPE`, naming
 * path, expected and actual data type) when `options.dtype` is not the array's; MetadataError;
 * StoreError; AbortError.
 */
export async function openArray<N extends DataTypeName>(
  store: unknown,
  path: string,
  options: OpenArrayOptions<N> & { dtype: N },
): Promise<ZarrArray<N>>;
/** Opens an array of any data type (narrow it with `is()`); see the first signature. */
export async function openArray(
  store: unknown,
  path?: string,
  options?: OpenArrayOptions,
): Promise<ZarrArray>;
export async function openArray(
  store: unknown,
  path = "",
  options: OpenArrayOptions = {},
): Promise<ZarrArray> {
  return asArray(await open(store, path, openOptionsOf(options)), options.dtype);
}

/**
 * Opens a group; throws `NodeNotFoundError` when the node is an array, `InvalidPathError` for a
 * path with a `.` or `..` segment. See {@link open}.
 */
export async function openGroup(
  store: unknown,
  path = "",
  options: OpenOptions = {},
): Promise<ZarrGroup> {
  return asGroup(await open(store, path, options));
}
