/**
 * Turns one selection (`get` / `oindex` / `vindex` / `mask`) on a view of a known shape into the
 * output index maps from the new view to that view: the *outer* transform that `compose` composes
 * with the view's own transform. All validation happens here, before any IO.
 *
 * Semantics (NumPy user guide "Indexing on ndarrays"; NEP 21 "Simplified and explicit advanced
 * indexing" for `oindex`/`vindex`):
 * - `get`: NumPy `a[...]`, basic and advanced. With any index array or mask present, integers count
 *   as advanced indices; the broadcast dimensions replace the advanced indices in place when these
 *   are adjacent (no slice, `...` or newaxis between any two of them), else they come first.
 *   An n-d boolean array consumes n dimensions and acts as its `nonzero()` index arrays.
 * - `oindex`: every 1-D integer array or 1-D boolean mask selects along its own dimension, in place
 *   (the outer product, NumPy `a[np.ix_(...)]`); integers drop dimensions.
 * - `vindex`: integer arrays (and the `nonzero()` arrays of boolean arrays) broadcast together; the
 *   broadcast dimensions come first, then the sliced / newaxis dimensions in order; integers drop
 *   their dimension.
 * - `mask`: a boolean array of exactly the view's shape; result 1-D, C order of the `true`s.
 * @module
 */

import { type DataType, type DataTypeName, INTEGER_DATA_TYPES } from "../core/dtype.js";
import { IndexError } from "../core/errors.js";
import { copyStrided, isCContiguous, type NDArray, shapeSize, zeros } from "../core/ndarray.js";
import { arrayMap, constantMap, type IndexData, type OutputIndexMap, singleMap } from "./maps.js";
import {
  describeValue,
  isNDArray,
  type ResolvedSlice,
  resolveSlice,
  type Selection,
  type SelectionItem,
  type Slice,
} from "./selection.js";

/** Which indexing flavour a selection uses. */
export type SelectionKind = "get" | "oindex" | "vindex" | "mask";

/** A selection resolved against a view: the new view's shape and one map per old-view dimension. */
export interface BuiltSelection {
  readonly shape: readonly number[];
  readonly maps: readonly OutputIndexMap[];
}

type Values = ArrayLike<number | bigint | boolean>;

/**
 * What an index array holds: integers by construction (integer TypedArrays), numbers that must
 * be checked for integrality, or anything (bigints mixed in).
 */
type Elems = "integer" | "number" | "any";

function elemsOf(data: ArrayLike<unknown>): Elems {
  if (ArrayBuffer.isView(data)) {
    if (isIntegerTypedArray(data)) return "integer";
    if (data instanceof Float32Array || data instanceof Float64Array) return "number";
  }
  return "any";
}

type Parsed =
  | { t: "int"; value: unknown }
  | { t: "slice"; s: Slice }
  | { t: "ellipsis" }
  | { t: "newaxis" }
  | { t: "array"; shape: readonly number[]; data: Values; elems: Elems; raw: unknown }
  | { t: "bool"; shape: readonly number[]; data: Values; raw: unknown }
  | { t: "invalid"; raw: unknown; reason: string };

const MAX_INT32 = 2 ** 31 - 1;

/**
 * Most dimensions an index array or mask may have (NumPy's `NPY_MAXDIMS`): nested JS arrays
 * deeper than this are rejected before they are walked (no stack overflow).
 */
export const MAX_INDEX_DIMS = 64;

const isCount = (v: unknown): v is number =>
  typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/**
 * Why the NDArray-like `a` cannot be used as an index array or mask, or `undefined`: its dtype
 * must be an integer type (index array) or `bool` (mask); `data` a TypedArray; `shape`
 * non-negative integers with as many integer `strides`; `offset` a non-negative integer; and
 * every element the shape, strides and offset address must lie inside `data`.
 */
function ndArrayIssue(a: NDArray): string | undefined {
  const name = (a.dtype as { name?: unknown } | null)?.name;
  if (
    typeof name !== "string" ||
    (name !== "bool" && !INTEGER_DATA_TYPES.has(name as DataTypeName))
  ) {
    return `arrays used as indices must be of integer or boolean type, got ${typeof name === "string" ? name : describeValue(a.dtype)}`;
  }
  const data = a.data as unknown;
  if (!ArrayBuffer.isView(data) || data instanceof DataView) {
    return `an index NDArray's data must be a TypedArray, got ${describeValue(data)}`;
  }
  const { shape, strides } = a as { shape: unknown; strides: unknown };
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    return `an index NDArray's shape must be a list of non-negative integers, got ${describeValue(shape)}`;
  }
  if (shape.length > MAX_INDEX_DIMS) {
    return `an index NDArray may have at most ${MAX_INDEX_DIMS} dimensions, got ${shape.length}`;
  }
  if (
    !Array.isArray(strides) ||
    strides.length !== shape.length ||
    !strides.every((x) => typeof x === "number" && Number.isSafeInteger(x))
  ) {
    return `an index NDArray's strides must be ${shape.length} integers (one per dimension of shape [${shape.join(", ")}]), got ${describeValue(strides)}`;
  }
  const offset = a.offset ?? 0;
  if (!isCount(offset)) {
    return `an index NDArray's offset must be a non-negative integer, got ${describeValue(offset)}`;
  }
  if (shape.includes(0)) return undefined; // addresses no element
  let lo = offset;
  let hi = offset;
  shape.forEach((n: number, i) => {
    const step = (n - 1) * (strides[i] as number);
    if (step < 0) lo += step;
    else hi += step;
  });
  const length = (data as unknown as ArrayLike<unknown>).length;
  if (lo < 0 || hi >= length) {
    return `an index NDArray of shape [${shape.join(", ")}], strides [${strides.join(", ")}] and offset ${offset} addresses data elements ${lo} to ${hi}, but its data has ${length} (${lo < 0 ? "below 0" : "past the end"})`;
  }
  return undefined;
}

function isIntegerTypedArray(v: ArrayBufferView): boolean {
  return (
    v instanceof Int8Array ||
    v instanceof Uint8Array ||
    v instanceof Uint8ClampedArray ||
    v instanceof Int16Array ||
    v instanceof Uint16Array ||
    v instanceof Int32Array ||
    v instanceof Uint32Array
  );
}

/**
 * Nested JS arrays → shape + flat C-order leaves, or an error reason. A 1-D array is returned
 * as is (read, never stored); deeper nestings are copied once into a preallocated array.
 */
function flattenNested(
  v: readonly unknown[],
): { shape: number[]; leaves: ArrayLike<unknown> } | string {
  const shape: number[] = [];
  let cur: unknown = v;
  for (;;) {
    if (Array.isArray(cur)) {
      shape.push(cur.length);
      if (cur.length === 0) break;
      cur = cur[0];
    } else if (ArrayBuffer.isView(cur) && !(cur instanceof DataView)) {
      shape.push((cur as unknown as ArrayLike<unknown>).length);
      break;
    } else break;
  }
  const depth = shape.length;
  if (depth > MAX_INDEX_DIMS) {
    return `nested arrays deeper than ${MAX_INDEX_DIMS} levels (an index array or mask has at most ${MAX_INDEX_DIMS} dimensions)`;
  }
  if (depth === 1) return { shape, leaves: v };
  const leaves = new Array<unknown>(shapeSize(shape));
  let k = 0;
  let error: string | undefined;
  const walk = (x: unknown, d: number): void => {
    let items: ArrayLike<unknown>;
    if (Array.isArray(x)) items = x;
    else if (ArrayBuffer.isView(x) && !(x instanceof DataView) && d === depth - 1) {
      items = x as unknown as ArrayLike<unknown>;
    } else {
      error = "ragged nested arrays";
      return;
    }
    if (items.length !== shape[d]) {
      error = `ragged nested arrays (length ${items.length} where ${shape[d]} was expected)`;
      return;
    }
    if (d === depth - 1) {
      for (let i = 0; i < items.length; i++) leaves[k++] = items[i];
      return;
    }
    for (let i = 0; i < items.length && error === undefined; i++) walk(items[i], d + 1);
  };
  walk(v, 0);
  return error ?? { shape, leaves };
}

/**
 * C-order values of an NDArray with one lane per element (an integer or bool index array:
 * {@link ndArrayIssue} has checked that its data is a TypedArray).
 */
function ndValues(a: NDArray): Values {
  const size = shapeSize(a.shape);
  const data = a.data as Int32Array;
  if (isCContiguous(a)) {
    return data.length === size ? data : data.subarray(0, size);
  }
  const out = zeros(a.dtype as DataType, a.shape);
  copyStrided(a, out);
  return out.data as Values;
}

function parseItem(item: SelectionItem | boolean | undefined): Parsed {
  if (typeof item === "number" || typeof item === "bigint") return { t: "int", value: item };
  if (item === null) return { t: "newaxis" };
  if (item === "...") return { t: "ellipsis" };
  if (typeof item === "boolean") {
    return {
      t: "invalid",
      raw: item,
      reason:
        "a boolean is not an integer index (0-d boolean indices are not supported; use newaxis, or a boolean array as a mask)",
    };
  }
  if (typeof item !== "object" || item === undefined) {
    return { t: "invalid", raw: item, reason: `unsupported selection item ${describeValue(item)}` };
  }
  if (isNDArray(item)) {
    const issue = ndArrayIssue(item);
    if (issue !== undefined) return { t: "invalid", raw: item, reason: issue };
    const data = ndValues(item);
    if (item.dtype.name === "bool") return { t: "bool", shape: item.shape, data, raw: item };
    if (item.shape.length === 0) return { t: "int", value: data[0] };
    return { t: "array", shape: item.shape, data, elems: elemsOf(data), raw: item };
  }
  if (ArrayBuffer.isView(item)) {
    if (item instanceof DataView) {
      return { t: "invalid", raw: item, reason: "a DataView is not an index array" };
    }
    const data = item as unknown as ArrayLike<number | bigint>;
    return { t: "array", shape: [data.length], data, elems: elemsOf(item), raw: item };
  }
  if (Array.isArray(item)) {
    const flat = flattenNested(item);
    if (typeof flat === "string") return { t: "invalid", raw: item, reason: flat };
    const { shape, leaves } = flat;
    const n = leaves.length;
    let bools = 0;
    let numbers = 0;
    let bigints = 0;
    let nested = false;
    for (let i = 0; i < n; i++) {
      const x = leaves[i];
      const t = typeof x;
      if (t === "number") numbers++;
      else if (t === "boolean") bools++;
      else if (t === "bigint") bigints++;
      else if (Array.isArray(x) || ArrayBuffer.isView(x)) nested = true;
    }
    if (n === 0 || numbers === n) {
      return { t: "array", shape, data: leaves as Values, elems: "number", raw: item };
    }
    if (bools === n) return { t: "bool", shape, data: leaves as Values, raw: item };
    if (numbers + bigints === n) {
      return { t: "array", shape, data: leaves as Values, elems: "any", raw: item };
    }
    return {
      t: "invalid",
      raw: item,
      reason: nested
        ? "ragged nested arrays"
        : "index arrays must hold only integers (an index array) or only booleans (a mask); a tuple is written as separate arguments",
    };
  }
  const kind = (item as { kind?: unknown }).kind;
  if (kind === "slice") return { t: "slice", s: item as Slice };
  if (kind === "ellipsis") return { t: "ellipsis" };
  if (kind === "newaxis") return { t: "newaxis" };
  return { t: "invalid", raw: item, reason: `unsupported selection item ${describeValue(item)}` };
}

function consumes(p: Parsed): number {
  switch (p.t) {
    case "ellipsis":
    case "newaxis":
      return 0;
    case "bool":
      return p.shape.length;
    default:
      return 1;
  }
}

function validRange(n: number): string {
  return n > 0 ? `valid range [${-n}, ${n - 1}]` : "no valid index: the dimension has size 0";
}

function outOfBounds(path: string, dim: number, n: number, value: unknown, what = "index"): never {
  throw new IndexError(
    `${what} ${describeValue(value)} is out of bounds for dimension ${dim} with size ${n} (${validRange(n)})`,
    { path, dimension: dim, value },
  );
}

function notInteger(path: string, dim: number, value: unknown, n: number, what = "index"): never {
  throw new IndexError(
    `${what} ${describeValue(value)} for dimension ${dim} is not an integer (${validRange(n)}; only integers, slices, ellipsis, newaxis and integer or boolean arrays are valid indices)`,
    { path, dimension: dim, value },
  );
}

/** Validates and wraps one integer index against a dimension of length `n`. */
function wrapInt(value: unknown, n: number, dim: number, path: string): number {
  let x: number;
  if (typeof value === "bigint") {
    if (value < -BigInt(n) || value >= BigInt(n)) outOfBounds(path, dim, n, value);
    x = Number(value);
  } else if (typeof value === "number") {
    if (!Number.isInteger(value)) notInteger(path, dim, value, n);
    x = value;
  } else return notInteger(path, dim, value, n);
  if (x < -n || x >= n) outOfBounds(path, dim, n, value);
  return x < 0 ? x + n : x === 0 ? 0 : x; // normalises -0
}

function newIndex(n: number, length: number): IndexData {
  return n - 1 <= MAX_INT32 ? new Int32Array(length) : new Float64Array(length);
}

/**
 * Validates every value of an integer index array (integers only; in bounds when `check`) and
 * returns the wrapped (non-negative) copy. The caller's data is only read.
 */
function wrapArray(
  data: Values,
  elems: Elems,
  n: number,
  dim: number,
  path: string,
  check: boolean,
): IndexData {
  const len = data.length;
  if (!check) {
    // Values are never used (the broadcast selection is empty), but must still be integers.
    if (elems !== "integer") {
      for (let i = 0; i < len; i++) {
        const v = data[i];
        if (typeof v === "bigint") continue;
        if (typeof v !== "number" || !Number.isInteger(v)) {
          notInteger(path, dim, v, n, "index array value");
        }
      }
    }
    return new Int32Array(0);
  }
  const out = newIndex(n, len);
  if (elems !== "any") {
    const d = data as ArrayLike<number>;
    const checkInteger = elems === "number";
    for (let i = 0; i < len; i++) {
      const v = d[i]!;
      if (checkInteger && !Number.isInteger(v)) notInteger(path, dim, v, n, "index array value");
      if (v < 0) {
        if (v < -n) outOfBounds(path, dim, n, v, "index array value");
        out[i] = v + n;
      } else {
        if (v >= n) outOfBounds(path, dim, n, v, "index array value");
        out[i] = v;
      }
    }
    return out;
  }
  const bn = BigInt(n);
  for (let i = 0; i < len; i++) {
    const v = data[i];
    let x: number;
    if (typeof v === "number") {
      if (!Number.isInteger(v)) notInteger(path, dim, v, n, "index array value");
      x = v;
    } else if (typeof v === "bigint") {
      if (v < -bn || v >= bn) outOfBounds(path, dim, n, v, "index array value");
      x = Number(v);
    } else return notInteger(path, dim, v, n, "index array value");
    if (x < -n || x >= n) outOfBounds(path, dim, n, v, "index array value");
    out[i] = x < 0 ? x + n : x;
  }
  return out;
}

/** `nonzero()` of a C-order boolean array: one coordinate array per dimension (C order). */
function nonzero(shape: readonly number[], data: Values): IndexData[] {
  const k = shape.length;
  const size = data.length;
  let count = 0;
  for (let i = 0; i < size; i++) if (data[i]) count++;
  const coords = shape.map((n) => newIndex(n, count));
  if (count === 0 || k === 0) return coords;
  const last = shape[k - 1]!;
  const lastCoords = coords[k - 1]!;
  const idx = new Array<number>(k - 1).fill(0);
  let c = 0;
  for (let base = 0; base < size; base += last) {
    for (let j = 0; j < last; j++) {
      if (data[base + j]) {
        for (let a = 0; a < k - 1; a++) coords[a]![c] = idx[a]!;
        lastCoords[c++] = j;
      }
    }
    for (let a = k - 2; a >= 0; a--) {
      idx[a]!++;
      if (idx[a]! < shape[a]!) break;
      idx[a] = 0;
    }
  }
  return coords;
}

function checkMaskShape(
  shape: readonly number[],
  viewShape: readonly number[],
  dim: number,
  path: string,
): void {
  for (let a = 0; a < shape.length; a++) {
    const n = viewShape[dim + a]!;
    if (shape[a] !== n) {
      throw new IndexError(
        `boolean index did not match indexed array along dimension ${dim + a}; dimension is ${n} but corresponding boolean dimension is ${shape[a]} (valid length ${n})`,
        { path, dimension: dim + a, value: shape[a] },
      );
    }
  }
}

function fmtShape(s: readonly number[]): string {
  return `(${s.join(",")}${s.length === 1 ? "," : ""})`;
}

type Entry =
  | { t: "int"; dim: number; value: unknown }
  | { t: "slice"; dim: number; s: Slice | null }
  | { t: "ellipsis" }
  | { t: "newaxis" }
  | { t: "array"; dim: number; p: Extract<Parsed, { t: "array" }> }
  | { t: "bool"; dim: number; p: Extract<Parsed, { t: "bool" }> };

/** Expands `...` and trailing dimensions; checks counts; assigns view dimensions to items. */
function expand(items: Selection, ndim: number, path: string): Entry[] {
  const parsed = items.map((it) => parseItem(it));
  let ellipses = 0;
  let consumed = 0;
  parsed.forEach((p, i) => {
    if (p.t === "ellipsis") {
      ellipses++;
      if (ellipses > 1) {
        throw new IndexError(
          `an index can only have a single ellipsis ('...'); found a second one at selection position ${i}, after dimension ${consumed - 1} (at most one is allowed)`,
          { path, dimension: consumed, value: "..." },
        );
      }
    }
    consumed += consumes(p);
    if (consumed > ndim) {
      throw new IndexError(
        `too many indices for array: array is ${ndim}-dimensional, but ${consumed} were indexed (offending item ${describeValue(items[i])} at selection position ${i}; at most ${ndim} dimensions can be indexed)`,
        { path, dimension: consumed - 1, value: items[i] },
      );
    }
  });
  const entries: Entry[] = [];
  let dim = 0;
  for (const p of parsed) {
    switch (p.t) {
      case "ellipsis":
        entries.push({ t: "ellipsis" });
        for (let k = 0; k < ndim - consumed; k++) entries.push({ t: "slice", dim: dim++, s: null });
        break;
      case "newaxis":
        entries.push({ t: "newaxis" });
        break;
      case "int":
        entries.push({ t: "int", dim: dim++, value: p.value });
        break;
      case "slice":
        entries.push({ t: "slice", dim: dim++, s: p.s });
        break;
      case "array":
        entries.push({ t: "array", dim: dim++, p });
        break;
      case "bool":
        if (p.shape.length === 0) {
          throw new IndexError(
            `0-d boolean indices are not supported (at dimension ${dim}); use newaxis, or mask() on a 0-d view`,
            { path, dimension: dim, value: p.raw },
          );
        }
        entries.push({ t: "bool", dim, p });
        dim += p.shape.length;
        break;
      case "invalid":
        throw new IndexError(`${p.reason} (at dimension ${dim})`, {
          path,
          dimension: dim,
          value: p.raw,
        });
    }
  }
  while (dim < ndim) entries.push({ t: "slice", dim: dim++, s: null });
  return entries;
}

function resolve(s: Slice | null, n: number, dim: number, path: string): ResolvedSlice {
  return s === null
    ? { start: 0, step: 1, length: n }
    : resolveSlice(s, n, { path, dimension: dim });
}

/** One advanced index array (user array or a `nonzero()` row) before placement. */
interface Adv {
  dim: number;
  shape: readonly number[];
  /** Raw values (user arrays, to be validated and wrapped) … */
  p?: Extract<Parsed, { t: "array" }>;
  /** … or already-valid coordinates (`nonzero()` of a mask). */
  coords?: IndexData;
}

function broadcastShapes(advs: readonly Adv[], path: string): number[] {
  const r = Math.max(0, ...advs.map((a) => a.shape.length));
  const B = new Array<number>(r).fill(1);
  for (const a of advs) {
    const off = r - a.shape.length;
    a.shape.forEach((e, i) => {
      const b = B[off + i]!;
      if (b === 1) B[off + i] = e;
      else if (e !== 1 && e !== b) {
        throw new IndexError(
          `shape mismatch: indexing arrays could not be broadcast together with shapes ${advs.map((x) => fmtShape(x.shape)).join(" ")} (at dimension ${a.dim})`,
          { path, dimension: a.dim, value: a.shape },
        );
      }
    });
  }
  return B;
}

/**
 * Resolves `items` of selection `kind` against a view of shape `viewShape`.
 * @throws IndexError for every invalid selection (see the module documentation).
 */
export function buildSelection(
  viewShape: readonly number[],
  kind: SelectionKind,
  items: Selection,
  path: string,
): BuiltSelection {
  const ndim = viewShape.length;
  if (kind === "mask") return buildMask(viewShape, items, path);
  const entries = expand(items, ndim, path);
  const shape: number[] = [];
  const maps = new Array<OutputIndexMap>(ndim);

  const advs: Adv[] = [];
  for (const e of entries) {
    if (e.t === "array") {
      if (kind === "oindex" && e.p.shape.length !== 1) {
        throw new IndexError(
          `oindex index arrays must be 1-D, got shape [${e.p.shape.join(", ")}] for dimension ${e.dim}`,
          { path, dimension: e.dim, value: e.p.raw },
        );
      }
      advs.push({ dim: e.dim, shape: e.p.shape, p: e.p });
    } else if (e.t === "bool") {
      if (kind === "oindex" && e.p.shape.length !== 1) {
        throw new IndexError(
          `oindex boolean masks must be 1-D, got shape [${e.p.shape.join(", ")}] for dimension ${e.dim}`,
          { path, dimension: e.dim, value: e.p.raw },
        );
      }
      checkMaskShape(e.p.shape, viewShape, e.dim, path);
      const coords = nonzero(e.p.shape, e.p.data);
      coords.forEach((c, a) => {
        advs.push({ dim: e.dim + a, shape: [c.length], coords: c });
      });
    }
  }

  if (kind === "oindex") {
    for (const e of entries) {
      if (e.t === "int")
        maps[e.dim] = constantMap(wrapInt(e.value, viewShape[e.dim]!, e.dim, path));
      else if (e.t === "slice") pushSlice(e, viewShape, shape, maps, path);
      else if (e.t === "newaxis") shape.push(1);
      else if (e.t === "array" || e.t === "bool") {
        const a = advs.find((x) => x.dim === e.dim)!; // oindex items are 1-D: one per dimension
        const n = viewShape[a.dim]!;
        const index = a.coords ?? wrapArray(a.p!.data, a.p!.elems, n, a.dim, path, true);
        const d = shape.length;
        shape.push(index.length);
        maps[a.dim] = arrayMap(0, 1, index, [d], shape);
      }
    }
    return { shape, maps };
  }

  if (advs.length === 0) {
    // Basic indexing only.
    for (const e of entries) {
      if (e.t === "int")
        maps[e.dim] = constantMap(wrapInt(e.value, viewShape[e.dim]!, e.dim, path));
      else if (e.t === "slice") pushSlice(e, viewShape, shape, maps, path);
      else if (e.t === "newaxis") shape.push(1);
    }
    return { shape, maps };
  }

  // Advanced indexing (get with arrays, or vindex).
  const B = broadcastShapes(advs, path);
  const bSize = shapeSize(B);
  let first = kind === "vindex";
  if (kind === "get") {
    // NumPy: integers count as advanced; adjacent advanced indices keep their place.
    let state = 0; // 0: none seen yet, 1: in the run, 2: run ended, 3: separated
    for (const e of entries) {
      const adv = e.t === "int" || e.t === "array" || e.t === "bool";
      if (adv) {
        if (state === 0) state = 1;
        else if (state === 2) state = 3;
      } else if (state === 1) state = 2;
    }
    first = state === 3;
  }
  let bStart = -1;
  const place = () => {
    bStart = shape.length;
    shape.push(...B);
  };
  if (first) place();
  for (const e of entries) {
    if (e.t === "int") {
      if (bStart < 0 && kind === "get") place();
      maps[e.dim] = constantMap(wrapInt(e.value, viewShape[e.dim]!, e.dim, path));
    } else if (e.t === "array" || e.t === "bool") {
      if (bStart < 0) place();
    } else if (e.t === "slice") pushSlice(e, viewShape, shape, maps, path);
    else if (e.t === "newaxis") shape.push(1);
  }
  const zeroAxis = B.indexOf(0);
  for (const a of advs) {
    const n = viewShape[a.dim]!;
    if (bSize === 0) {
      // Empty broadcast: NumPy does not bounds-check the arrays; only integrality is checked.
      if (a.p) wrapArray(a.p.data, a.p.elems, n, a.dim, path, false);
      maps[a.dim] = arrayMap(0, 1, newIndex(n, 0), [bStart + zeroAxis], shape);
      continue;
    }
    const index = a.coords ?? wrapArray(a.p!.data, a.p!.elems, n, a.dim, path, true);
    const r = a.shape.length;
    const dims: number[] = [];
    for (let i = 0; i < r; i++) {
      const bAxis = B.length - r + i;
      if (a.shape[i] !== 1 && a.shape[i] === B[bAxis]) dims.push(bStart + bAxis);
    }
    maps[a.dim] = arrayMap(0, 1, index, dims, shape);
  }
  return { shape, maps };
}

function pushSlice(
  e: Extract<Entry, { t: "slice" }>,
  viewShape: readonly number[],
  shape: number[],
  maps: OutputIndexMap[],
  path: string,
): void {
  const r = resolve(e.s, viewShape[e.dim]!, e.dim, path);
  maps[e.dim] = singleMap(r.start, r.step, shape.length);
  shape.push(r.length);
}

function buildMask(viewShape: readonly number[], items: Selection, path: string): BuiltSelection {
  const ndim = viewShape.length;
  const item = items[0] as SelectionItem | boolean | undefined;
  if (items.length !== 1) {
    throw new IndexError(`mask() takes exactly one boolean array, got ${items.length} items`, {
      path,
      value: items,
    });
  }
  let p: Parsed =
    typeof item === "boolean" && ndim === 0
      ? { t: "bool", shape: [], data: [item], raw: item }
      : parseItem(item);
  if (p.t === "array" && p.data.length === 0 && p.shape.every((s, i) => s === viewShape[i])) {
    p = { t: "bool", shape: p.shape, data: [], raw: p.raw }; // `[]` / `[[]]` as an empty mask
  }
  if (p.t === "invalid" && isNDArray(item)) {
    throw new IndexError(p.reason, { path, value: item });
  }
  if (p.t !== "bool") {
    throw new IndexError(
      `mask must be a boolean array (boolean[] or an NDArray of dtype bool) of the view's shape [${viewShape.join(", ")}], got ${describeValue(item)}`,
      { path, value: item },
    );
  }
  if (p.shape.length !== ndim) {
    throw new IndexError(
      `mask has ${p.shape.length} dimensions but the view has ${ndim} (valid shape [${viewShape.join(", ")}])`,
      { path, dimension: Math.min(p.shape.length, ndim), value: p.shape },
    );
  }
  checkMaskShape(p.shape, viewShape, 0, path);
  const coords = nonzero(p.shape, p.data);
  const count = ndim > 0 ? coords[0]!.length : p.data[0] ? 1 : 0;
  const shape = [count];
  const maps = coords.map((c) => arrayMap(0, 1, c, [0], shape));
  return { shape, maps };
}
