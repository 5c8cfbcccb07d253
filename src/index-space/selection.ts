/**
 * Selection items: what a user writes between the brackets of NumPy's `a[...]`, as JavaScript values.
 *
 * | NumPy | zarr-plan |
 * |---|---|
 * | `a[3]`, `a[-1]` | `get(3)`, `get(-1)` (also `bigint`) |
 * | `a[2:10:3]`, `a[::-1]` | `get(slice(2, 10, 3))`, `get(slice(null, null, -1))` |
 * | `a[..., 0]` | `get(ellipsis, 0)` or `get("...", 0)` |
 * | `a[None]`, `a[np.newaxis]` | `get(newaxis)` or `get(null)` |
 * | `a[[0, 2, 2]]`, `a[[[0], [1]]]` | `get([0, 2, 2])`, `get([[0], [1]])`, any integer TypedArray or NDArray |
 * | `a[[True, False]]` | `get([true, false])`, or an NDArray with dtype `bool` |
 * | `a[0, 1:3]` (a tuple) | `get(0, slice(1, 3))` — the items of the tuple are the arguments |
 *
 * A JavaScript array is always an index array or a mask, never a tuple: NumPy's `a[[0, 1]]` is
 * `get([0, 1])` and NumPy's `a[0, 1]` is `get(0, 1)`.
 * A `Uint8Array` is an integer index array; only `boolean` arrays and NDArrays of dtype `bool` are masks.
 *
 * Follows the NumPy user guide, "Indexing on ndarrays" (basic and advanced indexing).
 * @module
 */

import type { TypedArray } from "../core/dtype.js";
import { IndexError } from "../core/errors.js";
import type { NDArray } from "../core/ndarray.js";

/** A slice `start:stop:step`; `null` parts take NumPy's defaults. Create with {@link slice}. */
export interface Slice {
  readonly kind: "slice";
  readonly start: number | bigint | null;
  readonly stop: number | bigint | null;
  readonly step: number | bigint | null;
}

/** The ellipsis `...`: expands to as many full slices as needed. See {@link ellipsis}. */
export interface Ellipsis {
  readonly kind: "ellipsis";
}

/** NumPy's `newaxis` (`None`): inserts a dimension of length 1. See {@link newaxis}. */
export interface NewAxis {
  readonly kind: "newaxis";
}

/** Any TypedArray accepted as an integer index array (a `Uint8Array` is an index array, not a mask). */
export type IndexTypedArray = TypedArray | Uint8ClampedArray;

/** Nested JavaScript arrays of integers: `[0, 2]`, `[[0], [1]]`, `[1n, 2n]`. */
export type NestedIntegers = readonly (number | bigint | NestedIntegers | IndexTypedArray)[];

/** Nested JavaScript arrays of booleans: `[true, false]`, `[[true], [false]]`. */
export type NestedBooleans = readonly (boolean | NestedBooleans)[];

/** An integer index array: nested JS arrays, a TypedArray (1-D) or an NDArray whose dtype is not `bool`. */
export type IndexArrayLike = NestedIntegers | IndexTypedArray | NDArray;

/** A boolean mask: nested JS arrays of booleans or an NDArray of dtype `bool`. */
export type MaskLike = NestedBooleans | NDArray;

/** One item of a selection (one position of NumPy's indexing tuple). */
export type SelectionItem =
  | number
  | bigint
  | Slice
  | Ellipsis
  | "..."
  | NewAxis
  | null
  | IndexArrayLike
  | MaskLike;

/** A selection: the items of NumPy's indexing tuple, in order. `[]` is NumPy's `a[()]`. */
export type Selection = readonly SelectionItem[];

/** The ellipsis constant (`...`); the string `"..."` is accepted as well. */
export const ellipsis: Ellipsis = Object.freeze({ kind: "ellipsis" as const });

/** The newaxis constant (NumPy `np.newaxis`); `null` is accepted as well, like NumPy's `None`. */
export const newaxis: NewAxis = Object.freeze({ kind: "newaxis" as const });

/**
 * A frozen slice `start:stop:step` (Python's `slice(start, stop, step)`). Omitted, `null` or
 * `undefined` parts take the defaults (start 0 / n-1, stop n / "before 0", step 1). Values are
 * validated when the slice is applied to an array (integers only; step 0 raises {@link IndexError}).
 */
export function slice(
  start?: number | bigint | null,
  stop?: number | bigint | null,
  step?: number | bigint | null,
): Slice {
  return Object.freeze({
    kind: "slice" as const,
    start: start ?? null,
    stop: stop ?? null,
    step: step ?? null,
  });
}

/** `slice(start, stop, step)` resolved against a dimension of length `n` (NumPy `slice.indices(n)`). */
export interface ResolvedSlice {
  /** First selected index (meaningless when `length` is 0). */
  readonly start: number;
  /** Distance between selected indices; never 0. */
  readonly step: number;
  /** Number of selected indices. */
  readonly length: number;
}

function sliceBound(v: number | bigint | null, name: string, ctx: IndexContext): number | null {
  if (v === null) return null;
  if (typeof v === "bigint") return Number(v);
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new IndexError(
      `slice ${name} must be an integer or null, got ${describeValue(v)} for dimension ${ctx.dimension}`,
      { path: ctx.path, dimension: ctx.dimension, value: v },
    );
  }
  return v;
}

/** Where an item is applied, for error messages. */
interface IndexContext {
  /** Array path (see `ArraySource.path`). */
  readonly path: string;
  /** Dimension of the indexed view. */
  readonly dimension: number;
}

/**
 * Resolves a slice against a dimension of length `n` with NumPy/Python clamping rules
 * (CPython `PySlice_AdjustIndices`): negative bounds count from the end, out-of-range bounds clamp,
 * `start >= stop` (step > 0) or `start <= stop` (step < 0) is empty.
 * @throws IndexError for step 0 or non-integer parts.
 */
export function resolveSlice(
  s: Slice,
  n: number,
  ctx: IndexContext = { path: "", dimension: 0 },
): ResolvedSlice {
  const stepIn = sliceBound(s.step, "step", ctx);
  const step = stepIn ?? 1;
  if (step === 0) {
    throw new IndexError(
      `slice step cannot be zero (dimension ${ctx.dimension}; valid steps: any non-zero integer or null)`,
      {
        path: ctx.path,
        dimension: ctx.dimension,
        value: s,
      },
    );
  }
  let start = sliceBound(s.start, "start", ctx);
  let stop = sliceBound(s.stop, "stop", ctx);
  const neg = step < 0;
  if (start === null) start = neg ? n - 1 : 0;
  else if (start < 0) {
    start += n;
    if (start < 0) start = neg ? -1 : 0;
  } else if (start >= n) start = neg ? n - 1 : n;
  if (stop === null) stop = neg ? -1 : n;
  else if (stop < 0) {
    stop += n;
    if (stop < 0) stop = neg ? -1 : 0;
  } else if (stop >= n) stop = neg ? n - 1 : n;
  let length = 0;
  if (neg) {
    if (stop < start) length = Math.floor((start - stop - 1) / -step) + 1;
  } else if (start < stop) length = Math.floor((stop - start - 1) / step) + 1;
  return { start, step, length };
}

/**
 * Human-readable rendering of an offending value for messages: at most 8 items per list and 4
 * levels of nesting (deeper lists are `[…]`), so any value renders in bounded time and stack.
 */
export function describeValue(v: unknown, depth = 0): string {
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "string") return JSON.stringify(v.length > 64 ? `${v.slice(0, 64)}…` : v);
  if (typeof v === "number" || typeof v === "boolean" || v === null || v === undefined) {
    return String(v);
  }
  if (Array.isArray(v)) {
    if (depth >= 4) return "[…]";
    const items = v.slice(0, 8).map((x) => describeValue(x, depth + 1));
    return `[${items.join(", ")}${v.length > 8 ? ", …" : ""}]`;
  }
  if (ArrayBuffer.isView(v))
    return `${v.constructor.name}(${(v as unknown as ArrayLike<unknown>).length})`;
  if (typeof v === "object" && "kind" in v) return formatItem(v as SelectionItem);
  return Object.prototype.toString.call(v);
}

function formatBound(v: number | bigint | null): string {
  return v === null ? "" : String(v);
}

/** NumPy text for one selection item (`"2:10:3"`, `"..."`, `"None"`, `"[0, 1]"`). */
function formatItem(item: SelectionItem): string {
  if (item === null) return "None";
  if (item === "...") return "...";
  if (typeof item === "number" || typeof item === "bigint") return String(item);
  if (isNDArray(item)) {
    return `ndarray(${item.dtype.name}, shape=[${item.shape.join(", ")}])`;
  }
  if (ArrayBuffer.isView(item)) {
    const a = item as unknown as ArrayLike<number | bigint>;
    return `[${Array.from(a, (x) => String(x)).join(", ")}]`;
  }
  if (Array.isArray(item)) {
    return `[${(item as readonly SelectionItem[]).map((x) => (typeof x === "boolean" ? (x ? "True" : "False") : formatItem(x))).join(", ")}]`;
  }
  const k = (item as { kind?: string }).kind;
  if (k === "ellipsis") return "...";
  if (k === "newaxis") return "None";
  if (k === "slice") {
    const s = item as Slice;
    return `${formatBound(s.start)}:${formatBound(s.stop)}${s.step === null ? "" : `:${s.step}`}`;
  }
  return String(item);
}

/** NumPy text for a whole selection: `"0:10, ..., None, [1, 2]"`; `"()"` for the empty selection. */
export function formatSelection(items: Selection): string {
  return items.length === 0 ? "()" : items.map(formatItem).join(", ");
}

/** True for objects shaped like an {@link NDArray}. */
export function isNDArray(v: unknown): v is NDArray {
  return (
    typeof v === "object" &&
    v !== null &&
    !ArrayBuffer.isView(v) &&
    "data" in v &&
    "shape" in v &&
    "strides" in v &&
    "dtype" in v
  );
}

// ---------------------------------------------------------------------------------------------
// parseSelection

/** Deepest nesting of bracketed lists {@link parseSelection} accepts. */
export const MAX_SELECTION_NESTING = 32;

/**
 * Parses NumPy indexing text into a selection, e.g. `"0:100, ::-2, ..."`, `"None, [0, 2], -1"`,
 * `"[True, False, True]"`, `"[[0], [1]]"`, `"()"` or `""` (empty selection). Accepted items:
 * integers, slices, `...`, `None` / `newaxis` / `np.newaxis`, and bracketed (nested) lists of
 * integers or of `True`/`False` (also `true`/`false`). Surrounding parentheses are allowed.
 * @returns a frozen array of items, ready for `get(...items)` / `oindex(...items)` / `vindex(...items)`.
 * Lists may nest at most {@link MAX_SELECTION_NESTING} levels deep.
 * @throws IndexError (`dimension` undefined, `value` the text) when the text cannot be parsed or
 *   nests lists deeper than that, naming the offset.
 */
export function parseSelection(text: string): Selection {
  let pos = 0;
  const fail = (what: string): never => {
    throw new IndexError(
      `cannot parse selection ${JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text)}: ${what} at offset ${pos}`,
      {
        path: "",
        value: text,
      },
    );
  };
  const ws = () => {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  };
  const peek = () => {
    ws();
    return text[pos];
  };
  const intToken = (): number | bigint | null => {
    ws();
    // A decimal number is read whole so that `2.5` is named as such (not as `2` then `.5`).
    const m = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(pos));
    if (!m) return null;
    if (!/^[+-]?\d+$/.test(m[0])) fail(`${m[0]} is not an integer`);
    pos += m[0].length;
    const n = Number(m[0]);
    return Number.isSafeInteger(n) ? n : BigInt(m[0]);
  };
  /** Start of the last word read (errors about a word point at its first character). */
  let wordStart = 0;
  const word = (): string | null => {
    ws();
    const m = /^[A-Za-z_][A-Za-z_0-9.]*/.exec(text.slice(pos));
    if (!m) return null;
    wordStart = pos;
    pos += m[0].length;
    return m[0];
  };
  const failWord = (what: string): never => {
    pos = wordStart;
    return fail(what);
  };
  const list = (depth: number): unknown[] => {
    if (depth > MAX_SELECTION_NESTING) {
      fail(`lists nested deeper than ${MAX_SELECTION_NESTING} levels`);
    }
    pos++; // [
    const out: unknown[] = [];
    for (;;) {
      const c = peek();
      if (c === "]") {
        pos++;
        return out;
      }
      if (c === "[") out.push(list(depth + 1));
      else if (c !== undefined && /[A-Za-z]/.test(c)) {
        const w = word();
        if (w === "True" || w === "true") out.push(true);
        else if (w === "False" || w === "false") out.push(false);
        else failWord(`unexpected ${JSON.stringify(w)} in list`);
      } else {
        const n = intToken();
        if (n === null) fail("expected an integer, a boolean or a list");
        out.push(n);
      }
      const d = peek();
      if (d === ",") pos++;
      else if (d !== "]") fail("expected ',' or ']'");
    }
  };
  const item = (): SelectionItem => {
    const c = peek();
    if (text.startsWith("...", pos)) {
      pos += 3;
      return ellipsis;
    }
    if (c === "[") return list(1) as SelectionItem;
    if (c !== undefined && /[A-Za-z]/.test(c)) {
      const w = word();
      if (w === "None" || w === "newaxis" || w === "np.newaxis" || w === "numpy.newaxis") {
        return newaxis;
      }
      return failWord(`unexpected ${JSON.stringify(w)}`);
    }
    const parts: (number | bigint | null)[] = [intToken()];
    while (peek() === ":" && parts.length < 3) {
      pos++;
      parts.push(intToken());
    }
    if (parts.length === 1) {
      if (parts[0] === null) fail("expected a selection item");
      return parts[0]!;
    }
    return slice(parts[0], parts[1], parts[2]);
  };

  let end = text.length;
  ws();
  if (text[pos] === "(") {
    const close = text.lastIndexOf(")");
    if (close < 0 || text.slice(close + 1).trim() !== "") fail("unbalanced '('");
    pos++;
    end = close;
  }
  const items: SelectionItem[] = [];
  ws();
  if (pos < end) {
    for (;;) {
      items.push(item());
      ws();
      if (pos >= end) break;
      if (text[pos] !== ",") fail("expected ','");
      pos++;
      ws();
      if (pos >= end) break; // trailing comma
    }
  }
  if (pos !== end) fail("unexpected text");
  return Object.freeze(items);
}
