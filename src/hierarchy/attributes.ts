/**
 * Updating the user attributes of an array or group (zarr-python 3's `update_attributes`, which
 * merges; `replace: true` as its `attrs.put`): v3 rewrites the `attributes` member of the node's
 * `zarr.json` and keeps every other member as stored; v2 rewrites `.zattrs`. The document is
 * read, changed and stored conditionally when the store has conditional writes, so concurrent
 * updates of different attributes all land. Consolidated metadata of a parent group is not
 * updated (call `consolidateMetadata` again).
 *
 * The handles are made by the caller (`array.ts`, `group.ts`), which keeps the import graph free
 * of cycles.
 * @module
 */
import { NodeNotFoundError, OptionsError } from "../core/errors.js";
import type { Context } from "../exec/context.js";
import {
  decodeJsonObject,
  isJsonObject,
  type JsonObject,
  parseV2Array,
  parseV2Group,
  parseV3,
  stringifyJson,
} from "../format/metadata/index.js";
import type { NodeMetadata } from "../format/model.js";
import type { AnyStore } from "../store/types.js";
import { rewriteDocument, writableThrough } from "./metadata-rewrite.js";
import { keyOf } from "./paths.js";

/** Options of `updateAttributes`. */
export interface UpdateAttributesOptions {
  /**
   * Replace every attribute by the given ones (zarr-python's `attrs.put`) instead of merging them
   * into the stored ones (`update_attributes`, a shallow merge: a given key replaces the stored
   * value of that key whole). Default false.
   */
  replace?: boolean;
  signal?: AbortSignal;
}

/** What an attribute update needs of a node handle (a `ZarrArray` or `ZarrGroup` is one). */
export interface AttributesTarget {
  readonly store: AnyStore;
  readonly path: string;
  readonly context: Context;
  readonly metadata: NodeMetadata;
}

/**
 * Checks `attrs` (a JSON object) and the options.
 * @throws OptionsError (`ERR_OPTIONS`, naming the node) otherwise.
 */
function checkInput(path: string, attrs: unknown, options: unknown): void {
  const issues: { option: string; message: string; value: unknown }[] = [];
  if (!isJsonObject(attrs) || ArrayBuffer.isView(attrs)) {
    issues.push({
      option: "attributes",
      message: "expected an object of JSON values",
      value: attrs,
    });
  } else {
    try {
      stringifyJson(attrs);
    } catch (e) {
      const why = e instanceof RangeError ? "nested too deeply" : (e as Error).message;
      issues.push({
        option: "attributes",
        message: `cannot be written as JSON (${why})`,
        value: attrs,
      });
    }
  }
  if (typeof options !== "object" || options === null) {
    issues.push({ option: "options", message: "expected an object", value: options });
  } else {
    const o = options as Record<string, unknown>;
    if (o.replace !== undefined && typeof o.replace !== "boolean") {
      issues.push({ option: "replace", message: "expected a boolean", value: o.replace });
    }
    for (const k of Object.keys(o)) {
      if (k !== "replace" && k !== "signal") {
        issues.push({ option: k, message: "unknown option", value: o[k] });
      }
    }
  }
  if (issues.length > 0) throw new OptionsError(`updateAttributes of node "${path}"`, issues);
}

/** `stored` with `attrs` merged in (or replacing it). */
function merged(stored: unknown, attrs: Record<string, unknown>, replace: boolean): JsonObject {
  const base = !replace && isJsonObject(stored) ? stored : {};
  return { ...base, ...attrs } as JsonObject;
}

/**
 * Updates the attributes of the node `target` names and returns its metadata as now stored.
 * The node must still be of the handle's kind (array or group) and Zarr format.
 * @throws OptionsError (`ERR_OPTIONS`) for attributes that are not a JSON object (or cannot be
 *   written as JSON) and unknown options; NodeNotFoundError when the node's document is gone or
 *   is now of the other kind; WriteConflictError (`ERR_WRITE_CONFLICT`) after 16 conflicting
 *   tries; ZarrPlanError `ERR_READ_ONLY`; MetadataError; StoreError; AbortError.
 */
export async function updateNodeAttributes(
  target: AttributesTarget,
  attrs: Record<string, unknown>,
  options: UpdateAttributesOptions = {},
): Promise<NodeMetadata> {
  const { path, context } = target;
  checkInput(path, attrs, options);
  const replace = options.replace === true;
  const signal = options.signal;
  const kind = target.metadata.nodeType;
  const store = writableThrough(target.store, context, path);
  const gone = () => new NodeNotFoundError(path, `No ${kind} at "${path}" to update`);
  if (target.metadata.zarrFormat === 3) {
    const key = keyOf(path, "zarr.json");
    const doc = await rewriteDocument({ store, context, path, key, signal }, (stored) => {
      if (stored === undefined || stored.node_type !== kind) throw gone();
      const out: JsonObject = { ...stored, attributes: merged(stored.attributes, attrs, replace) };
      return out;
    });
    return parseV3(decodeJsonObject(doc, key), key);
  }
  // v2: the node document (.zarray / .zgroup) stays; .zattrs is rewritten.
  const nodeKey = keyOf(path, kind === "array" ? ".zarray" : ".zgroup");
  const nodeDoc = await store.get(nodeKey, signal ? { signal } : {});
  if (nodeDoc === undefined) throw gone();
  const key = keyOf(path, ".zattrs");
  const zattrs = await rewriteDocument({ store, context, path, key, signal }, (stored) =>
    merged(stored, attrs, replace),
  );
  return kind === "array"
    ? parseV2Array(nodeDoc, nodeKey, zattrs)
    : parseV2Group(nodeDoc, nodeKey, zattrs);
}
