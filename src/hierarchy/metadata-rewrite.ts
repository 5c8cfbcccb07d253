/**
 * Read-modify-write of one metadata document (`zarr.json`, `.zarray`, `.zattrs`): read it, let the
 * caller compute the new document, store it — conditionally (`getVersioned` / `setIf`) when the
 * store has conditional writes, so concurrent updates of one document (two `updateAttributes` of
 * different keys, a resize and an attribute update) both land instead of the last one erasing the
 * other. Every request goes through the Context's scheduler of the store (limit, retries, log).
 * @module
 */
import { AbortError, WriteConflictError, ZarrPlanError } from "../core/errors.js";
import type { Context } from "../exec/context.js";
import { decodeJsonObject, encodeJson, type JsonObject } from "../format/metadata/index.js";
import {
  type AnyStore,
  isConditional,
  isWritable,
  type ReadableStore,
  type WritableStore,
} from "../store/types.js";
import { MAX_METADATA_BYTES } from "./read-metadata.js";

/**
 * Tries of one conditional metadata update before it gives up with a `WriteConflictError` (each
 * failed try reads the document again and recomputes it).
 */
export const METADATA_UPDATE_ATTEMPTS = 16;
/** Longest pause before re-reading a document another writer changed, ms (random, doubling). */
const BACKOFF_MAX_MS = 50;

/** What {@link rewriteDocument} needs to know about the update. */
export interface RewriteTarget {
  /** The store (raw or a Context view); written through `context`. */
  readonly store: AnyStore;
  /** The Context whose scheduler of the store makes every request. */
  readonly context: Context;
  /** Node path, for error messages. */
  readonly path: string;
  /** Store key of the document. */
  readonly key: string;
  readonly signal?: AbortSignal | undefined;
}

/**
 * The store as a Context view, written through the Context.
 * @throws ZarrPlanError `ERR_READ_ONLY` naming the node when the store cannot be written.
 */
export function writableThrough(
  store: AnyStore,
  context: Context,
  path: string,
): ReadableStore & WritableStore {
  if (!isWritable(store)) {
    throw new ZarrPlanError("ERR_READ_ONLY", `node "${path}": the store is read-only`);
  }
  return context.through(store) as ReadableStore & WritableStore;
}

/**
 * Reads the JSON object at `target.key` (`undefined` when missing), lets `edit` compute the new
 * document (it may do IO of its own, e.g. a resize clearing chunks, and may throw to store
 * nothing), and stores it. With a conditional store the document is stored only if nobody changed
 * it since it was read; otherwise it is read again and `edit` runs again on the fresh document (up
 * to {@link METADATA_UPDATE_ATTEMPTS} times, with a short random backoff). Without conditional
 * writes it is a plain read, edit, `set` (the last of two concurrent writers wins).
 * @returns the document stored.
 * @throws WriteConflictError (`ERR_WRITE_CONFLICT`, naming the node and the key) when another
 *   writer changed the document before each of the tries; MetadataError when the stored document
 *   is not a JSON object or larger than 256 MiB; what `edit` throws; StoreError; AbortError.
 */
export async function rewriteDocument(
  target: RewriteTarget,
  edit: (doc: JsonObject | undefined) => Promise<JsonObject> | JsonObject,
): Promise<JsonObject> {
  const store = writableThrough(target.store, target.context, target.path);
  const o = target.signal ? { signal: target.signal } : {};
  const decode = (bytes: Uint8Array | undefined): JsonObject | undefined => {
    if (bytes === undefined) return undefined;
    if (bytes.byteLength > MAX_METADATA_BYTES) {
      throw new ZarrPlanError(
        "ERR_TOO_LARGE",
        `node "${target.path}": metadata document "${target.key}" is ${bytes.byteLength} bytes, more than ${MAX_METADATA_BYTES}`,
      );
    }
    return decodeJsonObject(bytes, target.key);
  };
  if (!isConditional(store)) {
    const doc = await edit(decode(await store.get(target.key, o)));
    await store.set(target.key, encodeJson(doc), o);
    return doc;
  }
  for (let attempt = 1; ; attempt++) {
    const { value, version } = await store.getVersioned(target.key, o);
    const doc = await edit(decode(value));
    if (await store.setIf(target.key, encodeJson(doc), version, o)) return doc;
    if (attempt >= METADATA_UPDATE_ATTEMPTS) {
      throw new WriteConflictError({
        path: target.path,
        key: target.key,
        attempts: attempt,
        what: "metadata document",
      });
    }
    await pause(Math.random() * Math.min(BACKOFF_MAX_MS, 2 ** attempt), target);
  }
}

/** Waits `ms` milliseconds. @throws AbortError naming the key when the signal aborts. */
function pause(ms: number, target: RewriteTarget): Promise<void> {
  const signal = target.signal;
  return new Promise<void>((resolve, reject) => {
    const aborted = () =>
      new AbortError("metadata update aborted", target.key, { cause: signal?.reason });
    if (signal?.aborted) {
      reject(aborted());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(aborted());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
