/**
 * Write plans: values assigned to lazy selections of one or many arrays, planned together and
 * stored object by object.
 *
 * ```ts
 * const w = planWrite([
 *   { target: a.lazy().get(slice(0, 256), slice(0, 256)), value: tile },
 *   { target: a.lazy().vindex([3, 9], [4, 1]), value: 0 },
 * ]);
 * console.log(w.explainText()); // objects written, which are read first, before any IO
 * await w.write();
 * ```
 *
 * Assignment follows NumPy (`a[sel] = value`, "Assigning values to indexed arrays" in the NumPy
 * indexing guide): an NDArray value is broadcast to the selection's shape (trailing dimensions
 * aligned, each equal or 1; leading dimensions of length 1 dropped), a scalar fills the selection,
 * and where writes touch the same element (repeated `vindex` points, overlapping writes) the last
 * one wins. Values must be of the array's data type (no implicit casts); scalars are checked as
 * NumPy's assignment checks them (`ERR_VALUE`).
 *
 * A `WritePlan` is immutable and pure: building it checks everything that can be checked without
 * IO and runs the write optimizer (`write-optimize.ts`); `write()` hands it to its
 * {@link WriteEngine} (a `Context`).
 * @module
 */
import type { DataType, Lane, Scalar } from "../core/dtype.js";
import { ZarrPlanError } from "../core/errors.js";
import { type NDArray, ndarrayProblem, shapeSize } from "../core/ndarray.js";
import { assignedLanes } from "../core/scalar.js";
import type { LazyArray } from "../index-space/lazy.js";
import { isNDArray } from "../index-space/selection.js";
import type { WritePlanOptions, WriteResult } from "../index-space/source.js";
import { storeLabel } from "../store/location.js";
import { isWritable } from "../store/types.js";
import { optimizeWrites, type WriteOptimized } from "./write-optimize.js";

/** One write: a value for a selection (`target`, a lazy view of an array). */
export interface WriteEntry {
  /** The elements written: any lazy selection of an array with storage (basic, `oindex`, `vindex`, mask). */
  readonly target: LazyArray;
  /** An NDArray of the array's data type, broadcastable to `target.shape`, or a scalar. */
  readonly value: NDArray | Scalar;
}

/**
 * A write's value, checked: an NDArray with the strides that broadcast it to the target's shape
 * (stride 0 along broadcast dimensions; not copied), or the lanes of a scalar.
 */
export type CheckedValue =
  | { readonly kind: "array"; readonly array: NDArray }
  | { readonly kind: "scalar"; readonly lanes: readonly Lane[] };

export type { WritePlanOptions, WriteResult };

/** What runs a write plan: a `Context` (`src/exec/context.ts`). */
export interface WriteEngine {
  writePlan(plan: WritePlan, options: WritePlanOptions): Promise<WriteResult>;
}

/** One array of {@link WriteExplanation}. */
export interface WriteArrayExplanation {
  /** The store (its location, else its class name, as `explain()` of reads names it) and node path. */
  readonly array: string;
  readonly kind: "chunks" | "shards";
  /** Objects (chunks or shards) written. */
  readonly objects: number;
  /** Of which written without reading (fully covered). */
  readonly full: number;
  /** Of which read, merged and written (read-modify-write). */
  readonly readModifyWrite: number;
  /** Inner chunks encoded (`shards` only). */
  readonly innerEncoded: number;
  /** Inner chunks read and decoded to be merged (`shards` only). */
  readonly innerMerged: number;
  /** Inner chunks copied as stored, at most (shards read whole, inner chunks no write touches). */
  readonly innerCopiedAtMost: number;
  /** Elements assigned by the writes on this array (repeats counted). */
  readonly elements: number;
  /** Decoded bytes encoded (the touched chunks or inner chunks, in full). */
  readonly bytesEncoded: number;
}

/** {@link WritePlan.explain}: what a write plan does, known before IO. */
export interface WriteExplanation {
  readonly writes: number;
  readonly arrays: readonly WriteArrayExplanation[];
  /** Objects written (each one `set` or, when it comes out as fill value, one `delete`). */
  readonly objects: number;
  /** Requests before writing: one whole-object read per read-modify-written object. */
  readonly reads: number;
}

/** The NumPy broadcast of `value` to `shape`: its strides, or why it cannot be. */
function broadcastStrides(value: NDArray, shape: readonly number[]): number[] | string {
  let vs = [...value.shape];
  let st = [...value.strides];
  // Leading dimensions of length 1 beyond the selection's rank are dropped.
  while (vs.length > shape.length && vs[0] === 1) {
    vs = vs.slice(1);
    st = st.slice(1);
  }
  if (vs.length > shape.length) {
    return `could not broadcast shape [${value.shape}] into the selection's shape [${shape}]`;
  }
  const skip = shape.length - vs.length;
  const out: number[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (d < skip) {
      out.push(0);
      continue;
    }
    const n = vs[d - skip]!;
    if (n === shape[d]) out.push(n === 1 ? 0 : st[d - skip]!);
    else if (n === 1) out.push(0);
    else return `could not broadcast shape [${value.shape}] into the selection's shape [${shape}]`;
  }
  return out;
}

/**
 * The value of one write, checked against its target (see the module doc).
 * @throws ZarrPlanError `ERR_WRITE` (invalid NDArray, other data type, shape not broadcastable)
 *   or `ERR_VALUE` (scalar not representable), naming the array path.
 */
export function checkWriteValue(
  target: LazyArray,
  value: NDArray | Scalar,
  where: string,
): CheckedValue {
  const dt: DataType = target.dtype;
  if (isNDArray(value)) {
    const problem = ndarrayProblem(value);
    if (problem) {
      throw new ZarrPlanError(
        "ERR_WRITE",
        `${where}: the value is not a valid NDArray: ${problem}`,
      );
    }
    if (value.dtype.name !== dt.name) {
      throw new ZarrPlanError(
        "ERR_WRITE",
        `${where}: cannot assign ${value.dtype.name} values to a ${dt.name} array (no implicit casts)`,
      );
    }
    const strides = broadcastStrides(value, target.shape);
    if (typeof strides === "string") throw new ZarrPlanError("ERR_WRITE", `${where}: ${strides}`);
    return Object.freeze({
      kind: "array" as const,
      array: Object.freeze({
        data: value.data,
        shape: Object.freeze([...target.shape]),
        strides: Object.freeze(strides),
        dtype: value.dtype,
        offset: value.offset ?? 0,
      }) as NDArray,
    });
  }
  return Object.freeze({
    kind: "scalar" as const,
    lanes: Object.freeze(assignedLanes(dt, value as Scalar, where)),
  });
}

/**
 * An immutable plan of writes (see the module doc). Build it with `planWrite` (or
 * `LazyArray.write` for one write).
 */
export class WritePlan {
  readonly entries: readonly WriteEntry[];
  /** Each entry's value, checked and broadcast to its target's shape. */
  readonly values: readonly CheckedValue[];
  /** The optimizer's result: objects to write, what is read first. */
  readonly optimized: WriteOptimized;
  readonly #engine: WriteEngine;

  /**
   * @throws ZarrPlanError `ERR_WRITE` when a target's array has no storage (not an opened Zarr
   *   array) or a value does not fit its target; `ERR_READ_ONLY` when a store cannot be written;
   *   `ERR_VALUE` for a scalar the data type cannot hold.
   */
  constructor(entries: readonly WriteEntry[], engine: WriteEngine) {
    const values: CheckedValue[] = [];
    for (const { target, value } of entries) {
      const where = `array "${target.source.path}"`;
      const st = target.source.storage;
      if (!st) {
        throw new ZarrPlanError(
          "ERR_WRITE",
          `${where}: only arrays with storage (opened or created Zarr arrays) can be written`,
        );
      }
      if (!isWritable(st.store)) {
        throw new ZarrPlanError("ERR_READ_ONLY", `${where}: the store is read-only`);
      }
      values.push(checkWriteValue(target, value, where));
    }
    this.entries = Object.freeze([...entries]);
    this.values = Object.freeze(values);
    this.optimized = optimizeWrites(
      entries.map((e, i) => ({
        name: String(i),
        source: e.target.source,
        transform: e.target.transform,
      })),
    );
    this.#engine = engine;
    Object.freeze(this);
  }

  /** What the plan does, before any IO: objects, which are read first, inner chunks, bytes. */
  explain(): WriteExplanation {
    const o = this.optimized;
    const rows = o.arrays.map((a) => {
      const objs = o.objects.filter((x) => x.array === a.id);
      const full = objs.filter((x) => x.full).length;
      const inner = objs.flatMap((x) => x.inner);
      const elements = o.writeArrays.reduce(
        (s, arr, i) => (arr === a.id ? s + o.writeElements[i]! : s),
        0,
      );
      const cellBytes = shapeSize(a.gridChunkShape) * a.source.dtype.itemSize;
      return Object.freeze({
        array: `${storeLabel(a.source.storage!.store)} ${a.source.path || "/"}`,
        kind: a.layout === "shards" ? ("shards" as const) : ("chunks" as const),
        objects: objs.length,
        full,
        readModifyWrite: objs.length - full,
        innerEncoded: inner.length,
        innerMerged: inner.filter((n) => !n.full).length,
        innerCopiedAtMost: objs.reduce(
          (s, x) => (x.kind === "shard" && !x.full ? s + x.innerInBounds - x.inner.length : s),
          0,
        ),
        elements,
        bytesEncoded: (a.layout === "shards" ? inner.length : objs.length) * cellBytes,
      });
    });
    const reads = o.objects.filter((x) => !x.full).length;
    return Object.freeze({
      writes: this.entries.length,
      arrays: Object.freeze(rows),
      objects: o.objects.length,
      reads,
    });
  }

  /** {@link explain} as a table. */
  explainText(): string {
    const e = this.explain();
    const head = [
      "array",
      "kind",
      "objects",
      "no read",
      "read-modify-write",
      "inner encoded",
      "inner merged",
      "inner copied ≤",
      "elements",
      "bytes encoded",
    ];
    const rows = e.arrays.map((r) => [
      r.array,
      r.kind,
      String(r.objects),
      String(r.full),
      String(r.readModifyWrite),
      r.kind === "shards" ? String(r.innerEncoded) : "—",
      r.kind === "shards" ? String(r.innerMerged) : "—",
      r.kind === "shards" ? String(r.innerCopiedAtMost) : "—",
      String(r.elements),
      String(r.bytesEncoded),
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: readonly string[]) =>
      cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
    return [
      `write plan: ${e.writes} write${e.writes === 1 ? "" : "s"} on ${e.arrays.length} array${e.arrays.length === 1 ? "" : "s"}, ${e.objects} object${e.objects === 1 ? "" : "s"} to store`,
      line(head),
      ...rows.map(line),
      `requests before writing: ${e.reads} whole-object read${e.reads === 1 ? "" : "s"} (read-modify-write); then ${e.objects} set or delete`,
    ].join("\n");
  }

  /**
   * Runs the plan in its engine (see {@link WritePlanOptions} for batching and atomicity).
   * @throws WriteConflictError (`ERR_WRITE_CONFLICT`) when another writer kept changing an
   *   object; CodecError; StoreError; AbortError; ZarrPlanError `ERR_CONTEXT_CLOSED`.
   */
  write(options: WritePlanOptions = {}): Promise<WriteResult> {
    return this.#engine.writePlan(this, options);
  }
}
