/**
 * `createHierarchy`: creates a whole tree of groups and arrays in one call (zarr-python 3's
 * `create_hierarchy`). The whole tree is validated before anything is written: paths, node
 * specs, no node below an array, one Zarr format, no existing node in the way; then every
 * node's metadata is written concurrently through the Context (its store limit bounds the
 * requests in flight).
 * @module
 */
import {
  NodeNotFoundError,
  type OptionIssue,
  OptionsError,
  ZarrPlanError,
} from "../core/errors.js";
import { type Context, defaultContext } from "../exec/context.js";
import {
  encodeJson,
  IssueList,
  isJsonObject,
  parseFillValueV3,
  parseV2Array,
  parseV2Group,
  parseV3,
} from "../format/metadata/index.js";
import type { GroupMetadata, NodeMetadata } from "../format/model.js";
import { isListable, isWritable, type ReadableStore, type WritableStore } from "../store/types.js";
import { asStore } from "../store/zarrita.js";
import { ZarrArray } from "./array.js";
import { consolidateMetadata } from "./consolidate.js";
import {
  arrayMetadataOf,
  type CreateArrayOptions,
  type CreateGroupOptions,
  deleteNode,
} from "./create.js";
import {
  checkCreateArrayOptions,
  checkCreateGroupOptions,
  dataTypeOfOptions,
} from "./create-options.js";
import { nodeDocuments } from "./crud/nodes.js";
import { ZarrGroup, type ZarrNode } from "./group.js";
import { keyOf, normalizePath, parentPath } from "./paths.js";
import { readNodeMetadata, type ZarrFormat } from "./read-metadata.js";

/** An array of a hierarchy: `createArray`'s options (without the per-call ones) and `kind: "array"`. */
export type ArrayNodeSpec = { readonly kind: "array" } & Omit<
  CreateArrayOptions,
  "overwrite" | "signal" | "context"
>;

/** A group of a hierarchy: `createGroup`'s options (without the per-call ones) and `kind: "group"`. */
export type GroupNodeSpec = { readonly kind: "group" } & Omit<
  CreateGroupOptions,
  "overwrite" | "signal" | "context"
>;

/**
 * A node given as its metadata document, written as given once it parses: a v3 `zarr.json`
 * (`node_type` says array or group; attributes inside), or a v2 `.zarray` (it has `shape`) or
 * `.zgroup` (v2 attributes cannot be given this way: use a spec).
 */
export interface RawNodeDocument {
  readonly zarr_format: 2 | 3;
  readonly [member: string]: unknown;
}

/** One node of {@link createHierarchy}. */
export type HierarchyNodeSpec = ArrayNodeSpec | GroupNodeSpec | RawNodeDocument;

/** Options of {@link createHierarchy}. */
export interface CreateHierarchyOptions {
  /**
   * Replace nodes that exist at the paths the hierarchy names (each is deleted with everything
   * below it first, as `createArray` / `createGroup` with `overwrite` do; the store must be
   * listable). Default false: an existing node is an error and nothing is written. Never
   * replaced: an existing array where the hierarchy needs an implicit parent group.
   */
  overwrite?: boolean;
  /** Write consolidated metadata for the root group at the end (`consolidateMetadata`). Default false. */
  consolidate?: boolean;
  /** Zarr format of every node (default: the one the specs name, else 3). */
  zarrFormat?: ZarrFormat;
  /** The Context every request goes through (default: the default Context). */
  context?: Context;
  signal?: AbortSignal;
}

/** What {@link createHierarchy} returns. */
export interface CreatedHierarchy {
  /**
   * The root node (`""`): the group created, found or consolidated (with `consolidate`, opened
   * again with its consolidated metadata), or the array when the hierarchy is one root array.
   */
  readonly root: ZarrNode;
  /** Every node written (the given ones and the implicit parent groups), by path, sorted. */
  readonly nodes: ReadonlyMap<string, ZarrNode>;
}

/** A metadata document to store: its key and its bytes (UTF-8 JSON). */
type MetadataDocument = readonly [key: string, bytes: Uint8Array];

/** The validated documents of `meta` at `p` and the model they parse back to. */
function documentsFor(
  p: string,
  meta: NodeMetadata,
  context: Context,
): { meta: NodeMetadata; documents: MetadataDocument[] } {
  const { metadata, documents } = nodeDocuments(p, meta, context);
  return { meta: metadata, documents };
}

/** A node about to be written. */
interface PlannedNode {
  readonly meta: NodeMetadata;
  readonly documents: MetadataDocument[];
  /** An implicit parent group (not given). */
  readonly implicit: boolean;
}

const OPTION_NAMES = new Set(["overwrite", "consolidate", "zarrFormat", "context", "signal"]);

/** Issues of `options` (types; unknown options). */
function optionsIssues(options: unknown): OptionIssue[] {
  if (typeof options !== "object" || options === null) {
    return [{ option: "options", message: "expected an object", value: options }];
  }
  const o = options as Record<string, unknown>;
  const out: OptionIssue[] = [];
  for (const k of ["overwrite", "consolidate"]) {
    if (o[k] !== undefined && typeof o[k] !== "boolean") {
      out.push({ option: k, message: "expected a boolean", value: o[k] });
    }
  }
  if (o.zarrFormat !== undefined && o.zarrFormat !== 2 && o.zarrFormat !== 3) {
    out.push({ option: "zarrFormat", message: "expected 2 or 3", value: o.zarrFormat });
  }
  for (const k of Object.keys(o)) {
    if (!OPTION_NAMES.has(k)) out.push({ option: k, message: "unknown option", value: o[k] });
  }
  return out;
}

/** `issues` of one node's options, renamed into the `nodes` record (`nodes["a/b"].shape`). */
function underNode(rawPath: string, issues: readonly OptionIssue[]): OptionIssue[] {
  return issues.map((i) => ({ ...i, option: `nodes[${JSON.stringify(rawPath)}].${i.option}` }));
}

/**
 * A spec's fill value given as Zarr v3 JSON (`"NaN"`, `"Infinity"`, `"0x7fc00000"`, `[re, im]`,
 * an integer for int64) as the scalar `createArray` takes; other values as given.
 */
function fillFromJson(spec: ArrayNodeSpec): ArrayNodeSpec {
  const fv: unknown = spec.fillValue;
  if (fv === undefined || fv === null || typeof fv === "bigint" || typeof fv === "boolean") {
    return spec;
  }
  if (spec.dtype === "string" || spec.dtype === "variable_length_bytes") return spec;
  if (typeof fv !== "string" && typeof fv !== "number" && !Array.isArray(fv)) return spec;
  try {
    const issues = new IssueList();
    const v = parseFillValueV3(dataTypeOfOptions(spec), fv, issues);
    return issues.ok && v !== undefined ? { ...spec, fillValue: v } : spec;
  } catch {
    return spec; // an unknown dtype: the options check reports it
  }
}

/**
 * Plans one given node at normalised path `p`: its metadata and documents.
 * @throws OptionsError for invalid options; MetadataError / UnknownCodecError for a document or
 *   codec the parser rejects; ZarrPlanError `ERR_UNSUPPORTED` (sharding with v2).
 */
function planNode(
  p: string,
  spec: HierarchyNodeSpec,
  zarrFormat: ZarrFormat,
  context: Context,
): { meta: NodeMetadata; documents: MetadataDocument[] } {
  if (!("kind" in spec) && "zarr_format" in spec) return planDocument(p, spec);
  const { kind, ...rest } = spec as ArrayNodeSpec | GroupNodeSpec;
  if (kind === "group") {
    checkCreateGroupOptions(rest);
    const meta: GroupMetadata = {
      nodeType: "group",
      zarrFormat,
      attributes: (rest as GroupNodeSpec).attributes ?? {},
    };
    return documentsFor(p, meta, context);
  }
  if (kind !== "array") {
    throw new OptionsError("createHierarchy", [
      { option: "kind", message: 'expected "array" or "group"', value: kind },
    ]);
  }
  const options = fillFromJson({ kind, ...rest } as ArrayNodeSpec);
  const { kind: _, ...arrayOptions } = options;
  checkCreateArrayOptions(arrayOptions);
  return documentsFor(
    p,
    arrayMetadataOf(p, { ...arrayOptions, zarrFormat } as CreateArrayOptions),
    context,
  );
}

/** A raw metadata document, parsed (validated) and written as given. */
function planDocument(
  p: string,
  doc: RawNodeDocument,
): { meta: NodeMetadata; documents: MetadataDocument[] } {
  if (doc.zarr_format === 3) {
    const key = keyOf(p, "zarr.json");
    return { meta: parseV3(doc, key), documents: [[key, encodeJson(doc)]] };
  }
  if ("shape" in doc) {
    const key = keyOf(p, ".zarray");
    return { meta: parseV2Array(doc, key), documents: [[key, encodeJson(doc)]] };
  }
  const key = keyOf(p, ".zgroup");
  return { meta: parseV2Group(doc, key), documents: [[key, encodeJson(doc)]] };
}

/** The Zarr format a spec names, if any. */
function formatOf(spec: unknown): unknown {
  if (!isJsonObject(spec)) return undefined;
  return "kind" in spec ? spec.zarrFormat : spec.zarr_format;
}

/**
 * What is at `path` in the store: its metadata, `"unreadable"` for a node zarr-plan cannot open
 * (an unsupported data type or codec, invalid metadata), or `undefined` when there is none.
 */
async function existing(
  store: ReadableStore,
  path: string,
  context: Context,
  signal: AbortSignal | undefined,
): Promise<NodeMetadata | "unreadable" | undefined> {
  try {
    return await readNodeMetadata(store, path, { context, consolidated: false, signal });
  } catch (e) {
    if (e instanceof NodeNotFoundError) return undefined;
    if (
      e instanceof ZarrPlanError &&
      [
        "ERR_METADATA",
        "ERR_UNSUPPORTED_DATA_TYPE",
        "ERR_UNKNOWN_CODEC",
        "ERR_UNSUPPORTED",
      ].includes(e.code)
    ) {
      return "unreadable";
    }
    throw e;
  }
}

/**
 * Creates a hierarchy of groups and arrays: `nodes` maps node paths (`""` the root, `"a/b"`) to
 * specs — `{ kind: "group", attributes? }`, `{ kind: "array", shape, dtype, chunks?, shards?,
 * codecs?, fillValue?, … }` (`createArray`'s options; a `fillValue` may also be given as in
 * `zarr.json`: `"NaN"`, `"Infinity"`, `"0x…"`), or a raw metadata document ({@link RawNodeDocument}).
 * As zarr-python 3's `create_hierarchy`, parents that are not given become groups, written
 * explicitly up to the root (v3 allows implicit groups, but zarr-python writes them too).
 *
 * Everything is checked before anything is written — a failure leaves the store as it was:
 * every path and spec (all invalid ones in one `OptionsError`), no node below an array, one Zarr
 * format for all, then the store (its nodes read concurrently): no node at a given path unless
 * `overwrite`, no array or node of another Zarr format where a parent group is needed. Then
 * nodes that `overwrite` replaces are deleted (with everything below them), and every node's
 * metadata documents are written concurrently through the Context (`context.through(store)`: its
 * store limit bounds the requests in flight; v2: `.zattrs` before `.zarray` / `.zgroup`). A store
 * failure while writing can leave some nodes written. With `consolidate`, consolidated metadata
 * is written for the root group at the end (`consolidateMetadata(store, "")`). Existing nodes
 * below a new array (under a parent that is not a node) are not looked for.
 * @returns the root node and every node written (see {@link CreatedHierarchy}).
 * @throws OptionsError (`ERR_OPTIONS`, each issue named `nodes["path"].option`) for invalid
 *   options or specs, a node below an array, mixed Zarr formats, `consolidate` with a root array;
 *   InvalidPathError (`ERR_PATH`) for a path with a `.` or `..` segment (two spellings of one path
 *   are an OptionsError); MetadataError / UnknownCodecError for a codec or raw document the
 *   parser rejects; ZarrPlanError `ERR_UNSUPPORTED` for `shards` with v2, `ERR_READ_ONLY` for a
 *   read-only store, `ERR_NODE_EXISTS` naming every path in the way, `ERR_NOT_LISTABLE` when
 *   `overwrite` must delete or `consolidate` must list on a store that cannot list; StoreError;
 *   AbortError.
 */
export async function createHierarchy(
  store: unknown,
  nodes: Readonly<Record<string, HierarchyNodeSpec>>,
  options: CreateHierarchyOptions = {},
): Promise<CreatedHierarchy> {
  const optionIssues = optionsIssues(options);
  if (!isJsonObject(nodes) || Object.keys(nodes).length === 0) {
    optionIssues.push({
      option: "nodes",
      message: "expected an object of node specs, by path (at least one)",
      value: nodes,
    });
  }
  if (optionIssues.length > 0) throw new OptionsError("createHierarchy", optionIssues);
  const context = options.context ?? defaultContext();
  const signal = options.signal;
  const entries = Object.entries(nodes);
  // The hierarchy's format: the option, else the first spec that names one, else 3.
  const named = entries.map(([, s]) => formatOf(s)).find((f) => f === 2 || f === 3);
  const zarrFormat: ZarrFormat = options.zarrFormat ?? (named as ZarrFormat | undefined) ?? 3;

  // 1. Every spec, every path.
  const issues: OptionIssue[] = [];
  const planned = new Map<string, PlannedNode>();
  const given = new Map<string, string>(); // normalised → as given
  for (const [rawPath, spec] of entries) {
    const p = normalizePath(rawPath);
    const first = given.get(p);
    if (first !== undefined) {
      issues.push({
        option: `nodes[${JSON.stringify(rawPath)}]`,
        message: `names the same node as ${JSON.stringify(first)}`,
        value: rawPath,
      });
      continue;
    }
    given.set(p, rawPath);
    if (!isJsonObject(spec)) {
      issues.push({
        option: `nodes[${JSON.stringify(rawPath)}]`,
        message: 'expected a node spec ({ kind: "array" | "group", … }) or a metadata document',
        value: spec,
      });
      continue;
    }
    const f = formatOf(spec);
    if (f !== undefined && f !== zarrFormat) {
      const option = "kind" in spec ? "zarrFormat" : "zarr_format";
      issues.push(
        ...underNode(rawPath, [
          {
            option,
            message: `every node of a hierarchy has one Zarr format; this one is ${zarrFormat}`,
            value: f,
          },
        ]),
      );
      continue;
    }
    try {
      planned.set(p, { ...planNode(p, spec, zarrFormat, context), implicit: false });
    } catch (e) {
      if (!(e instanceof OptionsError)) throw e;
      issues.push(...underNode(rawPath, e.issues));
    }
  }
  // 2. No node below an array; parents that are not given become groups.
  for (const [p, node] of [...planned]) {
    for (let q = parentPath(p); q !== undefined; q = parentPath(q)) {
      const parent = planned.get(q);
      if (parent?.meta.nodeType === "array") {
        issues.push({
          option: `nodes[${JSON.stringify(given.get(p) ?? p)}]`,
          message: `is below array "${q}" (an array has no children)`,
          value: node.meta.nodeType,
        });
        break;
      }
      if (!parent) {
        const meta: GroupMetadata = { nodeType: "group", zarrFormat, attributes: {} };
        planned.set(q, { ...documentsFor(q, meta, context), implicit: true });
      }
    }
  }
  if (options.consolidate && planned.get("")?.meta.nodeType === "array") {
    issues.push({
      option: "consolidate",
      message: "the root is an array; only a group carries consolidated metadata",
      value: true,
    });
  }
  if (issues.length > 0) throw new OptionsError("createHierarchy", issues);

  // 3. The store: what is in the way.
  const raw = asStore(store);
  if (!isWritable(raw)) throw new ZarrPlanError("ERR_READ_ONLY", "the store is read-only");
  const s = context.through(raw) as ReadableStore & WritableStore;
  const paths = [...planned.keys()].sort();
  const found = await Promise.all(paths.map((p) => existing(s, p, context, signal)));
  const conflicts: string[] = [];
  const replace: string[] = [];
  const present = new Map<string, NodeMetadata>();
  paths.forEach((p, i) => {
    const there = found[i];
    if (there === undefined) return;
    const node = planned.get(p)!;
    if (!node.implicit) {
      if (options.overwrite) replace.push(p);
      else conflicts.push(`"${p}" (a node exists there)`);
      return;
    }
    if (there === "unreadable" || there.nodeType !== "group") {
      conflicts.push(
        `"${p}" (${there === "unreadable" ? "a node" : "an array"} is where a parent group is needed)`,
      );
    } else if (there.zarrFormat !== zarrFormat) {
      conflicts.push(
        `"${p}" (a Zarr v${there.zarrFormat} group is where a v${zarrFormat} parent group is needed)`,
      );
    } else present.set(p, there);
  });
  if (conflicts.length > 0) {
    throw new ZarrPlanError(
      "ERR_NODE_EXISTS",
      `createHierarchy: nodes are in the way at ${conflicts.join(", ")}${options.overwrite ? "" : " (pass overwrite: true to replace given nodes)"}; nothing was written`,
    );
  }
  if ((replace.length > 0 || options.consolidate) && !isListable(raw)) {
    throw new ZarrPlanError(
      "ERR_NOT_LISTABLE",
      `createHierarchy: ${replace.length > 0 ? `replacing ${replace.map((p) => `"${p}"`).join(", ")}` : "consolidating"} needs a store that can list keys; nothing was written`,
    );
  }

  // 4. Replace, then write every node concurrently.
  const deleted: string[] = [];
  for (const p of replace) {
    // A node below one already deleted is gone with it.
    if (deleted.some((d) => d === "" || p.startsWith(`${d}/`))) continue;
    await deleteNode(raw, p, { context, ...(signal ? { signal } : {}) });
    deleted.push(p);
  }
  const toWrite = paths.filter((p) => !present.has(p));
  await Promise.all(
    toWrite.map(async (p) => {
      for (const [key, bytes] of planned.get(p)!.documents) {
        await s.set(key, bytes, signal ? { signal } : {});
      }
    }),
  );
  const handles = new Map<string, ZarrNode>();
  for (const p of toWrite) {
    const meta = planned.get(p)!.meta;
    handles.set(
      p,
      meta.nodeType === "array"
        ? new ZarrArray(raw, p, meta, context)
        : new ZarrGroup(raw, p, meta, context),
    );
  }
  if (options.consolidate) {
    const root = await consolidateMetadata(raw, "", { context, ...(signal ? { signal } : {}) });
    return { root, nodes: handles };
  }
  const root = handles.get("") ?? new ZarrGroup(raw, "", present.get("") as GroupMetadata, context);
  return { root, nodes: handles };
}
