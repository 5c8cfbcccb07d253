/**
 * Preparing one object of a write plan: read it when it is not fully covered (with its version on
 * a conditional store), merge the writes into it, encode it. A chunk is one grid cell; a shard is
 * assembled from its inner chunks: the touched ones merged and encoded, the others copied as
 * stored (never decoded), the index rebuilt.
 * @module
 */

import { copyStrided, cStrides, type NDArray } from "../../core/ndarray.js";
import { assembleShard, indexBytesOf } from "../../format/codecs/index.js";
import type { CodecPipeline } from "../../format/codecs/pipeline.js";
import type { ArrayEntry } from "../../plan/optimize-types.js";
import type { WriteObject } from "../../plan/write-optimize.js";
import type { StoreVersion } from "../../store/types.js";
import type { Entries } from "../scatter.js";
import type { WriteResources } from "./resources.js";
import { applyUses, type RunValue } from "./values.js";

/** An object ready to store. */
export interface PreparedObject {
  readonly object: WriteObject;
  /** The new stored bytes, or `undefined`: the object is deleted (fill value, or no inner chunk left). */
  readonly bytes: Uint8Array | undefined;
  /** The version it was read at (read-modify-write on a conditional store), else `undefined`. */
  readonly version: StoreVersion | undefined;
  /** It existed when read (`false` for a fully covered object, which is not read). */
  readonly existed: boolean;
  /** Bytes read. */
  readonly bytesRead: number;
  /** Inner chunks copied as stored / encoded (`shard`). */
  readonly innerCopied: number;
  readonly innerEncoded: number;
}

/** What preparing needs: the Context, the arrays, the values, how to read. */
export interface PrepareInput {
  readonly context: WriteResources;
  readonly arrays: readonly ArrayEntry[];
  readonly values: readonly RunValue[];
  /** Read with versions (`getVersioned`) for conditional stores. */
  readonly conditional: (array: ArrayEntry) => boolean;
  readonly signal: AbortSignal | undefined;
}

/** The whole stored object at `key` (and its version when conditional). */
async function readObject(
  input: PrepareInput,
  a: ArrayEntry,
  key: string,
  maxBytes: number | undefined,
): Promise<{ bytes: Uint8Array | undefined; version: StoreVersion | undefined }> {
  const store = a.source.storage!.store;
  const signal = input.signal;
  if (input.conditional(a)) {
    // Bounded like a plain read: a stored object larger than its codecs can produce is refused.
    const { value, version } = await input.context.getVersioned(store, key, {
      ...(signal ? { signal } : {}),
      ...(maxBytes === undefined ? {} : { maxBytes }),
    });
    return { bytes: value, version };
  }
  const bytes = await input.context.fetch(store, key, undefined, {
    ...(signal ? { signal } : {}),
    ...(maxBytes === undefined ? {} : { maxBytes }),
  });
  return { bytes, version: undefined };
}

/**
 * A C-order buffer of `cellShape` holding `chunk` at its origin (a chunk of a rectilinear grid can
 * be smaller than the cell). `chunk` itself when it already is one (its memory is then reused).
 */
function toCell(chunk: NDArray, cell: () => NDArray, cellShape: readonly number[]): NDArray {
  const same =
    chunk.shape.length === cellShape.length &&
    chunk.shape.every((s, d) => s === cellShape[d]) &&
    (chunk.offset ?? 0) === 0 &&
    chunk.strides.every((s, d) => s === cStrides(cellShape)[d] || cellShape[d] === 1);
  if (same) return chunk;
  const out = cell();
  const view: NDArray = { ...out, shape: chunk.shape, strides: out.strides };
  copyStrided(chunk, view);
  return out;
}

/** The part of a cell buffer that is the chunk (its own shape, the cell's strides). */
function chunkView(cell: NDArray, shape: readonly number[]): NDArray {
  return { data: cell.data, shape, strides: cell.strides, dtype: cell.dtype };
}

/** Encodes `chunk` with `pipeline`, or `undefined` when it equals the fill value. */
async function encodeOrDelete(
  input: PrepareInput,
  pipeline: CodecPipeline,
  chunk: NDArray,
  key: string,
): Promise<Uint8Array | undefined> {
  if (pipeline.isFill(chunk)) return undefined;
  return input.context.encode(pipeline, chunk, key, input.signal ? { signal: input.signal } : {});
}

/** Prepares a `chunk` object (see the module doc). */
async function prepareChunk(input: PrepareInput, object: WriteObject): Promise<PreparedObject> {
  const a = input.arrays[object.array]!;
  const st = a.source.storage!;
  const pipeline = st.pipelineAt ? st.pipelineAt(object.coords) : st.pipeline;
  const cellShape = a.gridChunkShape;
  // The cell: the grid's largest chunk shape; `pipeline` is bound to this chunk's own shape.
  const fresh = (): NDArray => (st.pipelineAt ? st.pipeline : pipeline).fillChunk();
  let cell: NDArray;
  let version: StoreVersion | undefined;
  let existed = false;
  let bytesRead = 0;
  if (object.full) cell = fresh();
  else {
    const bound = pipeline.maxEncodedSize();
    const read = await readObject(
      input,
      a,
      object.key,
      bound !== undefined && Number.isSafeInteger(bound) ? bound : undefined,
    );
    version = read.version;
    if (read.bytes === undefined) cell = fresh();
    else {
      existed = true;
      bytesRead = read.bytes.length;
      const decoded = await input.context.decodePool.decode(pipeline, read.bytes, object.key);
      cell = toCell(decoded, fresh, cellShape);
    }
  }
  applyUses(cell.data as unknown as Entries, a.source.dtype.lanes, object.uses, input.values);
  const own = pipeline.spec.shape;
  const chunk = own.every((s, d) => s === cellShape[d]) ? cell : chunkView(cell, own);
  return {
    object,
    bytes: await encodeOrDelete(input, pipeline, chunk, object.key),
    version,
    existed,
    bytesRead,
    innerCopied: 0,
    innerEncoded: 0,
  };
}

/** Prepares a `shard` object (see the module doc). */
async function prepareShard(input: PrepareInput, object: WriteObject): Promise<PreparedObject> {
  const a = input.arrays[object.array]!;
  const sh = a.sharding!;
  const inner = sh.innerPipeline;
  const key = object.key;
  const parts = new Array<Uint8Array | undefined>(sh.innerChunkCount).fill(undefined);
  let version: StoreVersion | undefined;
  let existed = false;
  let bytesRead = 0;
  let innerCopied = 0;
  if (!object.full) {
    const bound = a.pipeline!.maxEncodedSize();
    const read = await readObject(
      input,
      a,
      key,
      bound !== undefined && Number.isSafeInteger(bound) ? bound : undefined,
    );
    version = read.version;
    const old = read.bytes;
    if (old !== undefined) {
      existed = true;
      bytesRead = old.length;
      const index = await sh.decodeIndex(indexBytesOf(sh, old, key), { key }, old.length);
      for (let i = 0; i < parts.length; i++) {
        if (index.isEmpty(i)) continue;
        const off = index.offset(i);
        parts[i] = old.subarray(off, off + index.nbytes(i));
        innerCopied++;
      }
    }
  }
  for (const n of object.inner) {
    const stored = parts[n.index];
    if (stored !== undefined) innerCopied--;
    let cell: NDArray;
    if (n.full || stored === undefined) cell = inner.fillChunk();
    else {
      const decoded = await input.context.decodePool.decode(inner, stored, key);
      cell = toCell(decoded, () => inner.fillChunk(), sh.innerChunkShape);
    }
    applyUses(cell.data as unknown as Entries, a.source.dtype.lanes, n.uses, input.values);
    parts[n.index] = await encodeOrDelete(input, inner, cell, key);
  }
  return {
    object,
    bytes: await assembleShard(sh, parts, { key }),
    version,
    existed,
    bytesRead,
    innerCopied,
    innerEncoded: object.inner.length,
  };
}

/** Reads (unless fully covered), merges and encodes `object`. */
export function prepareObject(input: PrepareInput, object: WriteObject): Promise<PreparedObject> {
  return object.kind === "shard" ? prepareShard(input, object) : prepareChunk(input, object);
}
