/**
 * Reading and formatting the elements of a C-order NDArray, shared by the JSON and CSV writers,
 * the PNG renderer and the terminal summary.
 * @module
 */
import { type NDArray, shapeSize } from "../../index.js";

/** A JSON value. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** Nested lists of `T` in C order; a bare `T` for a 0-d array. */
export type Nested<T> = T | Nested<T>[];

/** Entry `k` of the TypedArray of `nd` (`number`, or `bigint` for 64-bit integers). */
function entryReader(nd: NDArray): (k: number) => number | bigint {
  const data = nd.data as ArrayLike<number | bigint>;
  return (k) => data[k]!;
}

/** Shortest decimal text that reads back as the same float32 (`0.1`, not `0.10000000149011612`). */
export function formatFloat32(v: number): string {
  if (!Number.isFinite(v) || v === 0) return String(v);
  for (let p = 1; p < 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(Number(v.toPrecision(9)));
}

/** True for data types whose values are single-precision (float32, complex64, float16 widened to float32). */
function isSingle(nd: NDArray): boolean {
  const n = nd.dtype.name;
  return n === "float32" || n === "complex64" || n === "float16" || n === "bfloat16";
}

/** A finite float as text, shortest for its precision. */
function floatText(v: number, single: boolean): string {
  return single ? formatFloat32(v) : String(v);
}

/** A float for JSON: a number, or `"NaN"`, `"Infinity"`, `"-Infinity"`. */
function jsonFloat(v: number, single: boolean): number | string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "Infinity" : "-Infinity";
  return single ? Number(formatFloat32(v)) : v;
}

/** A float for CSV: shortest text, or `NaN`, `inf`, `-inf` (what NumPy, pandas and Python read). */
function csvFloat(v: number, single: boolean): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  return floatText(v, single);
}

/** Python's text of a complex number: `1+2j`, `-0.5-1j`, `nan+infj`. */
export function complexText(re: number, im: number, single = false): string {
  const f = (v: number) => csvFloat(v, single);
  const imText = f(im);
  const sign = imText.startsWith("-") ? "" : "+";
  return `${f(re)}${sign}${imText}j`;
}

/** The bytes of a `|S<n>` element as text (Latin-1, trailing NULs dropped, as NumPy does). */
function bytesText(data: ArrayLike<number | bigint>, start: number, n: number): string {
  let end = start + n;
  while (end > start && data[end - 1] === 0) end--;
  let s = "";
  for (let k = start; k < end; k++) s += String.fromCharCode(Number(data[k]));
  return s;
}

/** A variable-length bytes element as text (Latin-1, every byte kept). */
function elementBytesText(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

/**
 * Element `i` (C order) of `nd` as a JSON value: booleans, numbers, 64-bit integers as numbers when
 * they are safe integers and as decimal strings otherwise, floats with NaN / ±Infinity as the
 * strings `"NaN"`, `"Infinity"`, `"-Infinity"`, complex as `[re, im]`, `|S<n>` as a string.
 */
export function jsonLeaf(nd: NDArray): (i: number) => JsonValue {
  const at = entryReader(nd);
  const base = nd.offset ?? 0;
  const lanes = nd.dtype.lanes;
  const single = isSingle(nd);
  switch (nd.dtype.name) {
    case "bool":
      return (i) => at(base + i) !== 0;
    case "int64":
    case "uint64":
    case "datetime64":
    case "timedelta64":
      return (i) => {
        const v = at(base + i) as bigint;
        const n = Number(v);
        return Number.isSafeInteger(n) ? n : v.toString();
      };
    case "float16":
    case "bfloat16":
    case "float32":
    case "float64":
      return (i) => jsonFloat(at(base + i) as number, single);
    case "complex64":
    case "complex128":
      return (i) => [
        jsonFloat(at((base + i) * 2) as number, single),
        jsonFloat(at((base + i) * 2 + 1) as number, single),
      ];
    case "bytes":
    case "raw":
      return (i) => bytesText(nd.data as ArrayLike<number>, (base + i) * lanes, lanes);
    case "string":
      return (i) => (nd.data as string[])[base + i]!;
    case "variable_length_bytes":
      return (i) => elementBytesText((nd.data as Uint8Array[])[base + i]!);
    default:
      return (i) => Number(at(base + i));
  }
}

/**
 * Element `i` (C order) of `nd` as CSV text: `true`/`false`, integers in full (64-bit included),
 * shortest floats with `NaN`, `inf`, `-inf`, complex as Python's `1+2j`, `|S<n>` as text.
 * The text is not quoted (see {@link csvField}).
 */
export function textLeaf(nd: NDArray): (i: number) => string {
  const at = entryReader(nd);
  const base = nd.offset ?? 0;
  const lanes = nd.dtype.lanes;
  const single = isSingle(nd);
  switch (nd.dtype.name) {
    case "bool":
      return (i) => (at(base + i) !== 0 ? "true" : "false");
    case "float16":
    case "bfloat16":
    case "float32":
    case "float64":
      return (i) => csvFloat(at(base + i) as number, single);
    case "complex64":
    case "complex128":
      return (i) =>
        complexText(at((base + i) * 2) as number, at((base + i) * 2 + 1) as number, single);
    case "bytes":
    case "raw":
      return (i) => bytesText(nd.data as ArrayLike<number>, (base + i) * lanes, lanes);
    case "string":
      return (i) => (nd.data as string[])[base + i]!;
    case "variable_length_bytes":
      return (i) => elementBytesText((nd.data as Uint8Array[])[base + i]!);
    default:
      return (i) => String(at(base + i));
  }
}

/** True for data types with one real number per element (bool, integers, floats). */
export function isRealNumeric(dtypeName: string): boolean {
  return (
    dtypeName !== "bytes" &&
    dtypeName !== "raw" &&
    dtypeName !== "string" &&
    dtypeName !== "variable_length_bytes" &&
    !dtypeName.startsWith("complex")
  );
}

/**
 * Element `i` (C order) of a real numeric `nd` as a number (bool → 0/1; 64-bit integers rounded to
 * the nearest double). Callers check {@link isRealNumeric} first.
 */
export function numberLeaf(nd: NDArray): (i: number) => number {
  const at = entryReader(nd);
  const base = nd.offset ?? 0;
  return (i) => Number(at(base + i));
}

/** The elements of an array of `shape` as nested lists in C order (`leaf(i)` gives element `i`). */
export function nested<T>(shape: readonly number[], leaf: (i: number) => T): Nested<T> {
  if (shape.length === 0) return leaf(0);
  let next = 0;
  const build = (d: number): Nested<T>[] => {
    const n = shape[d]!;
    const out = new Array<Nested<T>>(n);
    if (d === shape.length - 1) for (let k = 0; k < n; k++) out[k] = leaf(next++);
    else for (let k = 0; k < n; k++) out[k] = build(d + 1);
    return out;
  };
  return build(0);
}

/** Summary statistics of a real numeric array, NaN ignored. */
interface Stats {
  min: number;
  max: number;
  mean: number;
  /** Number of NaN elements. */
  nan: number;
}

/** Min, max and mean of the non-NaN elements of `nd` (`undefined` when not real numeric or all NaN). */
export function stats(nd: NDArray): Stats | undefined {
  if (!isRealNumeric(nd.dtype.name)) return undefined;
  const get = numberLeaf(nd);
  const n = shapeSize(nd.shape);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let nan = 0;
  for (let i = 0; i < n; i++) {
    const v = get(i);
    if (Number.isNaN(v)) {
      nan++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  if (nan === n) return undefined;
  return { min, max, mean: sum / (n - nan), nan };
}
