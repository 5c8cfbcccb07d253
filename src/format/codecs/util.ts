/**
 * Helpers shared by the codecs: configuration parsing, error conversion, byte swapping,
 * fill-value checks and contiguous views.
 * @module
 */

import { allocate, type Lane, type TypedArray } from "../../core/dtype.js";
import { CodecError, MetadataError, UnknownCodecError, ZarrPlanError } from "../../core/errors.js";
import { longRowsLast, RowCursor } from "../../core/nd-iter.js";
import { copyStrided, cStrides, hasCStrides, type NDArray, shapeSize } from "../../core/ndarray.js";

/** Indexable view of any TypedArray (numbers or bigints). */
export type Entries = { [i: number]: number | bigint; readonly length: number };

/** Indexable entries of any data, string and variable-length bytes data included. */
type LaneEntries = { [i: number]: Lane; readonly length: number };

/** Reads and validates the fields of a codec `configuration`; errors name `configuration.<field>`. */
export class ConfigReader {
  constructor(
    readonly config: Readonly<Record<string, unknown>>,
    readonly metadataKey: string,
    readonly codec: string,
  ) {}

  /** Throws a `MetadataError` naming `configuration.<field>`. */
  fail(field: string, message: string): never {
    throw new MetadataError(this.metadataKey, [
      { field: field ? `configuration.${field}` : "configuration", message },
    ]);
  }

  /** True when `field` is present (neither `undefined` nor `null`). */
  has(field: string): boolean {
    return this.config[field] !== undefined && this.config[field] !== null;
  }

  /** An integer in `[min, max]`, or `fallback` when absent. */
  int(field: string, min: number, max: number, fallback?: number): number {
    const v = this.config[field];
    if (v === undefined || v === null) {
      if (fallback === undefined) this.fail(field, `${this.codec} needs an integer "${field}"`);
      return fallback;
    }
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      this.fail(field, `expected an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
    }
    return v;
  }

  /** A boolean, or `fallback` when absent. */
  bool(field: string, fallback: boolean): boolean {
    const v = this.config[field];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "boolean") this.fail(field, `expected a boolean, got ${JSON.stringify(v)}`);
    return v;
  }

  /** One of `values`, or `fallback` when absent. */
  oneOf<T extends string | number>(field: string, values: readonly T[], fallback?: T): T {
    const v = this.config[field];
    if (v === undefined || v === null) {
      if (fallback === undefined) {
        this.fail(field, `${this.codec} needs "${field}", one of ${JSON.stringify(values)}`);
      }
      return fallback;
    }
    if (!values.includes(v as T)) {
      this.fail(field, `expected one of ${JSON.stringify(values)}, got ${JSON.stringify(v)}`);
    }
    return v as T;
  }

  /** A string, or `fallback` when absent. */
  string(field: string, fallback?: string): string {
    const v = this.config[field];
    if (v === undefined || v === null) {
      if (fallback === undefined) this.fail(field, `${this.codec} needs a string "${field}"`);
      return fallback;
    }
    if (typeof v !== "string") this.fail(field, `expected a string, got ${JSON.stringify(v)}`);
    return v;
  }

  /** An array of integers ≥ `min`. */
  intArray(field: string, min: number): number[] {
    const v = this.config[field];
    if (
      !Array.isArray(v) ||
      v.some((x) => typeof x !== "number" || !Number.isInteger(x) || x < min)
    ) {
      this.fail(field, `expected an array of integers >= ${min}, got ${JSON.stringify(v)}`);
    }
    return [...(v as number[])];
  }
}

/**
 * Re-throws a `MetadataError` raised while building a codec with every `field` prefixed by
 * `prefix` (e.g. `"codecs[1]"`), keeping `UnknownCodecError`'s class. Other errors pass through.
 */
export function prefixMetadataError(e: unknown, prefix: string): unknown {
  const join = (f: string): string => (f ? `${prefix}.${f}` : prefix);
  if (e instanceof UnknownCodecError) {
    return new UnknownCodecError(e.key, e.codec, join(e.issues[0]?.field ?? ""), e.reason);
  }
  if (e instanceof MetadataError) {
    return new MetadataError(
      e.key,
      e.issues.map((i) => ({ field: join(i.field), message: i.message })),
      { cause: e.cause, code: e.code },
    );
  }
  return e;
}

/**
 * Converts anything a codec (or a third-party decoder it calls) threw into a zarr-plan error:
 * `ZarrPlanError`s (`CodecError`, `ChecksumError`, `AbortError`, …) pass through, anything else
 * becomes a `CodecError` naming `key` and `codec`, with the original as `cause`.
 */
export function toCodecError(e: unknown, key: string, codec: string): ZarrPlanError {
  if (e instanceof ZarrPlanError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new CodecError(message || "unknown error", { key, codec, cause: e });
}

/**
 * A copy of `src` with the bytes of every `width`-byte word reversed (little ↔ big endian).
 * `width` is 1, 2, 4, 8 or 16 bytes; `src.length` must be a multiple of it. Width 1 copies.
 */
export function byteSwap(src: Uint8Array, width: number): Uint8Array {
  const n = src.length;
  const out = new Uint8Array(n);
  switch (width) {
    case 1:
      out.set(src);
      break;
    case 2:
      for (let i = 0; i < n; i += 2) {
        out[i] = src[i + 1]!;
        out[i + 1] = src[i]!;
      }
      break;
    case 4:
      for (let i = 0; i < n; i += 4) {
        out[i] = src[i + 3]!;
        out[i + 1] = src[i + 2]!;
        out[i + 2] = src[i + 1]!;
        out[i + 3] = src[i]!;
      }
      break;
    case 8:
      for (let i = 0; i < n; i += 8) {
        out[i] = src[i + 7]!;
        out[i + 1] = src[i + 6]!;
        out[i + 2] = src[i + 5]!;
        out[i + 3] = src[i + 4]!;
        out[i + 4] = src[i + 3]!;
        out[i + 5] = src[i + 2]!;
        out[i + 6] = src[i + 1]!;
        out[i + 7] = src[i]!;
      }
      break;
    default:
      for (let i = 0; i < n; i += width) {
        for (let k = 0; k < width; k++) out[i + k] = src[i + width - 1 - k]!;
      }
  }
  return out;
}

/**
 * The entries of `a` in C order as one TypedArray (`size * lanes` entries): a zero-copy
 * `subarray` when `a` is C-contiguous (at any offset), else a copy.
 */
export function cOrderData(a: NDArray): TypedArray {
  const n = shapeSize(a.shape);
  const lanes = a.dtype.lanes;
  if (hasCStrides(a)) {
    const start = (a.offset ?? 0) * lanes;
    const end = start + n * lanes;
    if (start === 0 && end === a.data.length) return a.data;
    const d = a.data;
    return (ArrayBuffer.isView(d) ? d.subarray(start, end) : d.slice(start, end)) as TypedArray;
  }
  const data = allocate(a.dtype, n);
  copyStrided(a, { data, shape: a.shape, strides: cStrides(a.shape), dtype: a.dtype });
  return data;
}

/** `a` as a C-order NDArray with offset 0 and exactly `cStrides(shape)` (copies only when needed). */
export function toCContiguous(a: NDArray): NDArray {
  return { data: cOrderData(a), shape: [...a.shape], strides: cStrides(a.shape), dtype: a.dtype };
}

/**
 * True when every element of `a` (any strides and offset) equals the element `entries`
 * (from `scalarLanes`); NaN equals NaN, `-0` equals `0`.
 */
export function allElementsEqual(a: NDArray, entries: readonly Lane[]): boolean {
  const shape = a.shape;
  const n = shapeSize(shape);
  if (n === 0) return true;
  const lanes = a.dtype.lanes;
  const d = a.data as unknown as LaneEntries;
  const nan = entries.map((e) => typeof e === "number" && Number.isNaN(e));
  if (hasCStrides(a)) {
    return runEqual(d, (a.offset ?? 0) * lanes, n, lanes, lanes, entries, nan);
  }
  const rows = longRowsLast(shape, [a.strides]);
  const last = shape.length - 1;
  const len = rows.shape[last]!;
  const step = rows.strides[0]![last]! * lanes;
  const cursor = new RowCursor(rows.shape, rows.strides, [a.offset ?? 0]);
  while (cursor.next()) {
    if (!runEqual(d, cursor.offsets[0]! * lanes, len, step, lanes, entries, nan)) return false;
  }
  return true;
}

/** Compares `elements` elements, the first at entry `start`, consecutive ones `step` entries apart. */
function runEqual(
  d: LaneEntries,
  start: number,
  elements: number,
  step: number,
  lanes: number,
  entries: readonly Lane[],
  nan: readonly boolean[],
): boolean {
  if (lanes === 1) {
    const f = entries[0]!;
    if (nan[0]) {
      for (let e = 0, i = start; e < elements; e++, i += step) {
        if (!Number.isNaN(d[i])) return false;
      }
    } else {
      for (let e = 0, i = start; e < elements; e++, i += step) if (d[i] !== f) return false;
    }
    return true;
  }
  for (let e = 0, pos = start; e < elements; e++, pos += step) {
    for (let l = 0; l < lanes; l++) {
      const v = d[pos + l]!;
      if (nan[l] ? !Number.isNaN(v) : v !== entries[l]) return false;
    }
  }
  return true;
}

/** Formats a shape for messages: `[2, 3]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/** True when two shapes are equal. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Reads a little-endian uint32 at `pos`. */
export function readU32LE(b: Uint8Array, pos: number): number {
  return (b[pos]! | (b[pos + 1]! << 8) | (b[pos + 2]! << 16) | (b[pos + 3]! << 24)) >>> 0;
}

/** Writes `v` as a little-endian uint32 at `pos`. */
export function writeU32LE(b: Uint8Array, pos: number, v: number): void {
  b[pos] = v & 0xff;
  b[pos + 1] = (v >>> 8) & 0xff;
  b[pos + 2] = (v >>> 16) & 0xff;
  b[pos + 3] = (v >>> 24) & 0xff;
}
