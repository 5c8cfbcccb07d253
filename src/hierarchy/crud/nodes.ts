/**
 * Nodes by store and path: create (from a metadata model or a raw metadata document), read and
 * delete metadata, with no opened node. Documents are written as the Zarr v3 core specification
 * ("Array metadata", "Group metadata") and the Zarr v2 specification (`.zarray`, `.zgroup`,
 * `.zattrs`) say, validated by the parser that reads them. `createArray` / `createGroup` write
 * through {@link writeNode}.
 * @module
 */
import {
  MetadataError,
  NodeNotFoundError,
  OptionsError,
  ZarrPlanError,
} from "../../core/errors.js";
import { type Context, defaultContext } from "../../exec/context.js";
import {
  encodeJson,
  parseV2Array,
  parseV2Attrs,
  parseV2Group,
  parseV3,
  toV2GroupJson,
  toV2Json,
  toV3Json,
} from "../../format/metadata/index.js";
import type { ArrayMetadata, GroupMetadata, NodeMetadata } from "../../format/model.js";
import {
  isListable,
  isWritable,
  type ReadableStore,
  type Store,
  type WritableStore,
} from "../../store/types.js";
import { asStore } from "../../store/zarrita.js";
import { keyOf, normalizePath, parentPath } from "../paths.js";
import { type OpenOptions, readNodeMetadata, type ZarrFormat } from "../read-metadata.js";
import { arrayPipeline } from "./chunks.js";

/** A node's kind and its metadata (the normalised model of `src/format/model.ts`). */
export type NodeInfo =
  | { readonly kind: "array"; readonly metadata: ArrayMetadata }
  | { readonly kind: "group"; readonly metadata: GroupMetadata };

/** Options of {@link createNode}. */
export interface CreateNodeOptions {
  /** Replace an existing node at the path (its keys are deleted first). Default false. */
  overwrite?: boolean;
  /**
   * The `.zattrs` of a raw Zarr v2 document (v2 keeps attributes in a document of their own);
   * refused with a metadata model or a v3 document, which carry their own `attributes`.
   */
  attributes?: Record<string, unknown>;
  /** The Context the requests go through (and whose pipeline cache validates codecs). Default: the default Context. */
  context?: Context;
  signal?: AbortSignal;
}

/** The store, read and written through `context` (limit, retries, request log). */
export function writableStore(
  store: unknown,
  context: Context | undefined,
): ReadableStore & WritableStore {
  const s = asStore(store);
  if (!isWritable(s)) throw new ZarrPlanError("ERR_READ_ONLY", "the store is read-only");
  return (context ?? defaultContext()).through(s) as ReadableStore & WritableStore;
}

/** Whether a node (any format, unless `zarrFormat`) has metadata at `path`. */
async function hasNode(store: ReadableStore, path: string, options: OpenOptions): Promise<boolean> {
  return readNodeMetadata(store, path, options).then(
    () => true,
    (e: unknown) => {
      if (e instanceof NodeNotFoundError) return false;
      throw e;
    },
  );
}

/**
 * Makes room for a node at `path`: refuses an existing node unless `overwrite` (then deletes
 * it), and writes missing parents as groups (as zarr-python does).
 * @throws ZarrPlanError `ERR_NODE_EXISTS`; the errors of {@link deleteNode}; StoreError.
 */
async function prepare(
  store: ReadableStore & WritableStore,
  path: string,
  zarrFormat: ZarrFormat,
  overwrite: boolean | undefined,
  signal: AbortSignal | undefined,
  context: Context | undefined,
): Promise<void> {
  if (await hasNode(store, path, { signal, context })) {
    if (!overwrite) {
      throw new ZarrPlanError(
        "ERR_NODE_EXISTS",
        `A node already exists at path "${path}" (pass overwrite: true to replace it)`,
      );
    }
    await deleteNode(store, path, { signal });
  }
  // Implicit parents become explicit groups, as zarr-python does.
  const parents: string[] = [];
  for (let p = parentPath(path); p !== undefined; p = parentPath(p)) parents.push(p);
  for (const p of parents.reverse()) {
    if (!(await hasNode(store, p, { signal, zarrFormat }))) {
      await writeGroupDocuments(
        store,
        p,
        { nodeType: "group", zarrFormat, attributes: {} },
        signal,
      );
    }
  }
}

/** Writes a group's documents (v3 `zarr.json`; v2 `.zattrs` when it has attributes, then `.zgroup`). */
async function writeGroupDocuments(
  store: WritableStore,
  path: string,
  meta: GroupMetadata,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (meta.zarrFormat === 3) {
    await store.set(keyOf(path, "zarr.json"), encodeJson(toV3Json(meta)), { signal });
  } else {
    const { zgroup, zattrs } = toV2GroupJson(meta);
    if (zattrs && Object.keys(zattrs).length > 0)
      await store.set(keyOf(path, ".zattrs"), encodeJson(zattrs), { signal });
    await store.set(keyOf(path, ".zgroup"), encodeJson(zgroup), { signal });
  }
}

/** Runs a metadata writer; a failure that is not a ZarrPlanError (a malformed model) becomes a MetadataError. */
function writing<T>(key: string, write: () => T): T {
  try {
    return write();
  } catch (e) {
    if (e instanceof ZarrPlanError) throw e;
    throw new MetadataError(
      key,
      [{ field: "", message: e instanceof Error ? e.message : String(e) }],
      {
        cause: e,
      },
    );
  }
}

/** The documents of a node, validated, and the model they parse back to. */
interface NodeDocuments {
  readonly metadata: NodeMetadata;
  /** key → JSON document, in the order to write (metadata document last). */
  readonly documents: readonly (readonly [string, unknown])[];
}

/**
 * The documents of `meta` at `path`, checked by parsing them back (the zod schemas of
 * `src/format/metadata`) and, for an array, by building its codec pipeline (v3: every codec's
 * configuration completed as its codec writes it, e.g. blosc `typesize`, gzip `level`).
 */
function documentsOf(path: string, meta: NodeMetadata, context: Context): NodeDocuments {
  const v3 = meta.zarrFormat === 3;
  if (meta.nodeType === "array") {
    const key = keyOf(path, v3 ? "zarr.json" : ".zarray");
    if (v3) {
      const codecs = writing(key, () => arrayPipeline(context, meta, key).toJSON());
      const json = writing(key, () => toV3Json({ ...meta, codecs }, key));
      return { metadata: parseV3(json, key), documents: [[key, json]] };
    }
    const { zarray, zattrs } = writing(key, () => toV2Json(meta, key));
    const parsed = parseV2Array(zarray, key, zattrs);
    writing(key, () => arrayPipeline(context, parsed, key));
    const docs: [string, unknown][] =
      Object.keys(zattrs).length > 0 ? [[keyOf(path, ".zattrs"), zattrs]] : [];
    return { metadata: parsed, documents: [...docs, [key, zarray]] };
  }
  if (v3) {
    const key = keyOf(path, "zarr.json");
    const json = writing(key, () => toV3Json(meta, key));
    return { metadata: parseV3(json, key), documents: [[key, json]] };
  }
  const key = keyOf(path, ".zgroup");
  const { zgroup, zattrs } = writing(key, () => toV2GroupJson(meta));
  const attrsKey = keyOf(path, ".zattrs");
  const parsed = parseV2Group(zgroup, key, parseV2Attrs(zattrs, attrsKey));
  const docs: [string, unknown][] = Object.keys(zattrs).length > 0 ? [[attrsKey, zattrs]] : [];
  return { metadata: parsed, documents: [...docs, [key, zgroup]] };
}

/**
 * The documents of `meta` at `path` as bytes to store, validated as {@link writeNode} validates
 * them, and the model they parse back to. No IO (what `createHierarchy` plans with).
 * @throws MetadataError / UnknownCodecError.
 */
export function nodeDocuments(
  path: string,
  meta: NodeMetadata,
  context: Context,
): { metadata: NodeMetadata; documents: (readonly [string, Uint8Array])[] } {
  const { metadata, documents } = documentsOf(path, meta, context);
  return { metadata, documents: documents.map(([k, doc]) => [k, encodeJson(doc)] as const) };
}

/** Options of {@link writeNode}. */
export interface WriteNodeOptions {
  overwrite?: boolean | undefined;
  signal?: AbortSignal | undefined;
  context?: Context | undefined;
}

/**
 * Validates `meta` (see {@link documentsOf}), then makes room for it (refusing an existing node
 * unless `overwrite`; missing parents become groups) and writes its documents.
 * @param store written as is (wrap it with `Context.through` first).
 * @returns the model the written documents parse to.
 * @throws MetadataError / UnknownCodecError before anything is written; ZarrPlanError
 *   `ERR_NODE_EXISTS`; StoreError.
 */
export async function writeNode(
  store: ReadableStore & WritableStore,
  path: string,
  meta: NodeMetadata,
  options: WriteNodeOptions = {},
): Promise<NodeMetadata> {
  const { metadata, documents } = documentsOf(path, meta, options.context ?? defaultContext());
  await prepare(
    store,
    path,
    metadata.zarrFormat,
    options.overwrite,
    options.signal,
    options.context,
  );
  for (const [key, doc] of documents) {
    await store.set(key, encodeJson(doc), { signal: options.signal });
  }
  return metadata;
}

/**
 * The model of `metadata`: itself when it is one (has `nodeType`), else the raw document parsed
 * (v3 `zarr.json`; v2 `.zgroup` when it has no field but `zarr_format`, else `.zarray`).
 * @throws MetadataError naming the field; OptionsError for `attributes` with a model or a v3
 *   document.
 */
function modelOf(
  path: string,
  metadata: NodeMetadata | Record<string, unknown>,
  attributes: Record<string, unknown> | undefined,
): NodeMetadata {
  const obj =
    metadata !== null && typeof metadata === "object" && !Array.isArray(metadata)
      ? (metadata as Record<string, unknown>)
      : undefined;
  const raw = obj !== undefined && Object.hasOwn(obj, "zarr_format");
  if (attributes !== undefined && !(raw && obj.zarr_format === 2)) {
    throw new OptionsError("createNode", [
      {
        option: "attributes",
        message:
          "is for raw Zarr v2 documents only (a metadata model or a v3 document carries its own attributes)",
        value: attributes,
      },
    ]);
  }
  if (raw) {
    if (obj.zarr_format === 3) return parseV3(obj, keyOf(path, "zarr.json"));
    if (obj.zarr_format === 2) {
      const attrs =
        attributes === undefined ? {} : parseV2Attrs(attributes, keyOf(path, ".zattrs"));
      const isGroup = Object.keys(obj).every((k) => k === "zarr_format");
      return isGroup
        ? parseV2Group(obj, keyOf(path, ".zgroup"), attrs)
        : parseV2Array(obj, keyOf(path, ".zarray"), attrs);
    }
    throw new MetadataError(keyOf(path, "zarr.json"), [
      { field: "zarr_format", message: `expected 2 or 3, got ${JSON.stringify(obj.zarr_format)}` },
    ]);
  }
  if (obj && (obj.nodeType === "array" || obj.nodeType === "group")) {
    if (obj.zarrFormat !== 2 && obj.zarrFormat !== 3) {
      throw new MetadataError(keyOf(path, "zarr.json"), [
        { field: "zarrFormat", message: `expected 2 or 3, got ${String(obj.zarrFormat)}` },
      ]);
    }
    return obj as unknown as NodeMetadata;
  }
  throw new MetadataError(keyOf(path, "zarr.json"), [
    {
      field: "",
      message: `expected a metadata model (nodeType "array" or "group") or a Zarr metadata document (with zarr_format), got ${obj === undefined ? (Array.isArray(metadata) ? "an array" : String(metadata)) : "an object with neither"}`,
    },
  ]);
}

/**
 * Creates the array or group at `path` of `store` from its metadata, and any missing parent
 * groups (as zarr-python does). `metadata` is either the normalised model (`ArrayMetadata` /
 * `GroupMetadata`, e.g. from {@link readMetadata} of another node) or a raw metadata document:
 * a Zarr v3 `zarr.json` object, or a Zarr v2 `.zarray` or `.zgroup` object (its `.zattrs` in
 * `options.attributes`). It is validated before anything is read or written: the documents are
 * parsed back by the same parser (zod schemas) that reads them, and an array's codec pipeline is
 * built (in the Context's pipeline cache). Written as the library writes metadata (Zarr v3 core
 * specification "Array metadata" / "Group metadata", Zarr v2 specification): v3 codec
 * configurations completed (blosc `typesize`, gzip `level`, …), fields the model does not hold
 * dropped; v2 `.zattrs` (when there are attributes) before `.zarray` / `.zgroup`.
 * @returns the node's kind and the model of the written documents.
 * @throws MetadataError (`ERR_METADATA`, naming the key and field) / UnknownCodecError /
 *   UnsupportedDataTypeError for invalid metadata; ZarrPlanError `ERR_NODE_EXISTS` when a node
 *   exists at `path` and `overwrite` is not set, `ERR_READ_ONLY` for a read-only store,
 *   `ERR_OPTIONS` for `attributes` with other than a raw v2 document, `ERR_NOT_LISTABLE` when
 *   overwriting needs a listing the store cannot give; InvalidPathError (`ERR_PATH`); StoreError;
 *   AbortError.
 */
export async function createNode(
  store: unknown,
  path: string,
  metadata: NodeMetadata | Record<string, unknown>,
  options: CreateNodeOptions = {},
): Promise<NodeInfo> {
  const p = normalizePath(path);
  const model = modelOf(p, metadata, options.attributes);
  const s = writableStore(store, options.context);
  const written = await writeNode(s, p, model, options);
  return infoOf(written);
}

/** `meta` with its kind. */
export function infoOf(meta: NodeMetadata): NodeInfo {
  return meta.nodeType === "array"
    ? { kind: "array", metadata: meta }
    : { kind: "group", metadata: meta };
}

/**
 * Reads the metadata of the node at `path` (default: the root) of `store` (Zarr v3 `zarr.json`;
 * Zarr v2 `.zarray` / `.zgroup` with `.zattrs`, or consolidated `.zmetadata`), through the
 * Context (its retries, limits and metadata cache). Requests: v3 known → 1; v2 known → 2
 * concurrent; unknown → `zarr.json`, then the v2 documents concurrently.
 * @returns `{ kind: "array" | "group", metadata }`, the normalised model (`src/format/model.ts`).
 * @throws NodeNotFoundError (`ERR_NODE_NOT_FOUND`) when no metadata document exists;
 *   MetadataError / UnsupportedDataTypeError when one is invalid; InvalidPathError (`ERR_PATH`);
 *   StoreError; AbortError.
 */
export async function readMetadata(
  store: unknown,
  path = "",
  options: OpenOptions = {},
): Promise<NodeInfo> {
  return infoOf(await readNodeMetadata(asStore(store), normalizePath(path), options));
}

/**
 * Deletes the node at `path` and every key below it (metadata documents first, so a failure part-way
 * leaves no node whose metadata points at missing data other than missing chunks, which read as fill).
 * @throws InvalidPathError (`ERR_PATH`) for a path with a `.` or `..` segment; ZarrPlanError
 *   `ERR_NOT_LISTABLE` when the store cannot list; StoreError.
 */
export async function deleteNode(
  store: unknown,
  path: string,
  options: { signal?: AbortSignal; context?: Context } = {},
): Promise<void> {
  const s = (options.context ?? defaultContext()).through(asStore(store));
  if (!isWritable(s) || !isListable(s)) {
    throw new ZarrPlanError(
      "ERR_NOT_LISTABLE",
      `cannot delete "${path}": the store must be writable and listable`,
    );
  }
  const full = s as Store;
  const p = normalizePath(path);
  const prefix = p === "" ? "" : `${p}/`;
  const keys = await full.list(prefix, options);
  const isMeta = (k: string) =>
    /(^|\/)(zarr\.json|\.zarray|\.zgroup|\.zattrs|\.zmetadata)$/.test(k);
  const own = keys.filter((k) => k.slice(prefix.length).indexOf("/") < 0 && isMeta(k));
  for (const k of own) await full.delete(k, options);
  for (const k of keys.filter((k) => !own.includes(k))) await full.delete(k, options);
}
