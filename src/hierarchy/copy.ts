/**
 * Copying an array into another store or path, re-chunked or re-sharded on the way, with bounded
 * memory: the destination's chunk grid (its shards, when sharded) is walked in C order in batches;
 * each batch is one read plan over the source (every source object fetched once per batch, shard
 * indexes once, byte ranges coalesced) and one write plan over the destination (every destination
 * object fully covered, so written without being read).
 * @module
 */
import { ZarrPlanError } from "../core/errors.js";
import { forEachIndex } from "../core/nd-iter.js";
import type { NDArray } from "../core/ndarray.js";
import { plan, planWrite } from "../exec/api.js";
import type { Context } from "../exec/context.js";
import type { CodecSpec } from "../format/model.js";
import type { LazyArray } from "../index-space/lazy.js";
import { slice } from "../index-space/selection.js";
import type { ZarrArray } from "./array.js";
import { createArray } from "./create.js";

/** Options of {@link copyArray}. */
export interface CopyArrayOptions {
  /** Chunk shape of the destination (inner chunks when sharded); default the source's `chunks`. */
  readonly chunks?: readonly number[];
  /** Shard shape of the destination, `null` for none; default the source's `shards`. */
  readonly shards?: readonly number[] | null;
  /** The destination's compressor (bytes→bytes codec), `null` for none; default zstd level 0 (as `createArray`). */
  readonly compressor?: CodecSpec | null;
  /** Zarr format of the destination (default the source's; sharding needs 3). */
  readonly zarrFormat?: 2 | 3;
  /** Replace an existing node at the destination path. */
  readonly overwrite?: boolean;
  /**
   * Decoded bytes a batch may hold (default 256 MiB): the values read from the source and the
   * destination objects being encoded, about twice the batch's share each. At least one
   * destination object (shard, when sharded) per batch.
   */
  readonly maxBytesInMemory?: number;
  /** The Context of the destination's requests (default: the source's). */
  readonly context?: Context;
  readonly signal?: AbortSignal;
  /** Called after each batch with the destination objects written so far and their total. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** What {@link copyArray} did. */
export interface CopyResult {
  /** The destination array. */
  readonly array: ZarrArray;
  /** Destination objects (chunks or shards) written or deleted (fill value). */
  readonly objects: number;
  /** Batches (each one read plan and one write plan). */
  readonly batches: number;
  /** Bytes stored in the destination. */
  readonly bytesStored: number;
}

/** Default decoded bytes a copy batch holds: 256 MiB. */
export const DEFAULT_COPY_MEMORY = 256 * 1024 * 1024;

/**
 * Copies `source` to `path` of `store` (a new array of the same shape, data type, fill value,
 * attributes and dimension names; chunks, shards, compressor and format as `options` say), in
 * batches of destination objects (see the module doc). The destination is created first (its
 * metadata), then filled; a failure part-way leaves the objects written so far.
 * @throws OptionsError / ZarrPlanError `ERR_NODE_EXISTS` from creating the destination; errors of
 *   the reads and writes (CodecError, StoreError, AbortError); ZarrPlanError `ERR_OPTIONS` for a
 *   `maxBytesInMemory` that is not a positive integer.
 */
export async function copyArray(
  source: ZarrArray,
  store: unknown,
  path: string,
  options: CopyArrayOptions = {},
): Promise<CopyResult> {
  const budget = options.maxBytesInMemory ?? DEFAULT_COPY_MEMORY;
  if (!(Number.isSafeInteger(budget) && budget > 0)) {
    throw new ZarrPlanError(
      "ERR_OPTIONS",
      `copy: maxBytesInMemory must be a positive integer of bytes, got ${budget}`,
    );
  }
  const context = options.context ?? source.context;
  const shards = options.shards === undefined ? source.shards : options.shards;
  const dst = await createArray(store, path, {
    shape: [...source.shape],
    dtype: source.dtype.name,
    chunks: [...(options.chunks ?? source.chunks)],
    ...(shards ? { shards: [...shards] } : {}),
    fillValue: source.fillValue,
    ...(options.compressor !== undefined ? { compressor: options.compressor } : {}),
    zarrFormat: options.zarrFormat ?? source.zarrFormat,
    attributes: { ...source.attributes },
    ...(source.dimensionNames && (options.zarrFormat ?? source.zarrFormat) === 3
      ? { dimensionNames: [...source.dimensionNames] }
      : {}),
    ...(options.overwrite ? { overwrite: true } : {}),
    context,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const cell = dst.chunkShape;
  const shape = dst.shape;
  const grid = shape.map((s, d) => (s === 0 ? 0 : Math.ceil(s / cell[d]!)));
  const cells: number[][] = [];
  forEachIndex(grid, (i) => cells.push([...i]));
  const cellBytes = cell.reduce((p, c) => p * c, 1) * Math.max(1, source.dtype.itemSize);
  // Half the budget for the values read, half for the objects being encoded.
  const perBatch = Math.max(1, Math.floor(budget / (2 * cellBytes)));
  let bytesStored = 0;
  let batches = 0;
  for (let b = 0; b < cells.length; b += perBatch) {
    const batch = cells.slice(b, b + perBatch);
    const boxes = batch.map((c) =>
      c.map((i, d) => slice(i * cell[d]!, Math.min(shape[d]!, (i + 1) * cell[d]!))),
    );
    const reads = plan(
      boxes.map((box, k): [string, LazyArray] => [String(k), source.lazy().get(...box)]),
      { context: source.context },
    );
    const values = await reads.read(options.signal ? { signal: options.signal } : {});
    const w = planWrite(
      boxes.map((box, k) => ({
        target: dst.lazy().get(...box),
        value: values[String(k)] as NDArray,
      })),
      { context },
    );
    const r = await w.write({
      maxBytesInMemory: Math.max(1, Math.floor(budget / 2)),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    bytesStored += r.bytesStored;
    batches++;
    options.onProgress?.(Math.min(cells.length, b + batch.length), cells.length);
  }
  return { array: dst, objects: cells.length, batches, bytesStored };
}
