/**
 * A deliberately small, plain reference model of NumPy indexing, independent of `src/plan`:
 * arrays are `{ shape, data }` with `data` a flat C-order `number[]`, every selection is applied
 * element by element and materialised before the next one. Cross-checked against NumPy 2.4.6 by
 * `numpy-vectors.test.ts`.
 *
 * - `get`: NumPy `a[...]` (basic + advanced indexing, placement of broadcast dims by adjacency,
 *   integers count as advanced when an array is present, arrays bounds-checked only when the
 *   broadcast is non-empty).
 * - `oindex`: each 1-D array / 1-D bool mask selects along its own axis (np.ix_).
 * - `vindex`: NEP 21, broadcast dims first.
 * - `mask`: full-shape boolean mask, 1-D C-order result.
 */

export interface RefArray {
  readonly shape: readonly number[];
  readonly data: readonly number[];
}

export type RefItem =
  | { readonly kind: "int"; readonly value: number }
  | {
      readonly kind: "slice";
      readonly start: number | null;
      readonly stop: number | null;
      readonly step: number | null;
    }
  | { readonly kind: "ellipsis" }
  | { readonly kind: "newaxis" }
  | { readonly kind: "array"; readonly shape: readonly number[]; readonly data: readonly number[] }
  | { readonly kind: "bool"; readonly shape: readonly number[]; readonly data: readonly boolean[] };

export type RefOp =
  | { readonly op: "get" | "oindex" | "vindex"; readonly items: readonly RefItem[] }
  | {
      readonly op: "mask";
      readonly mask: { readonly shape: readonly number[]; readonly data: readonly boolean[] };
    };

/** Raised where NumPy raises IndexError/ValueError for a selection. */
export class RefIndexError extends Error {}

function prod(s: readonly number[]): number {
  return s.reduce((a, b) => a * b, 1);
}

/** Python's `range(n)[start:stop:step]`, written as an explicit walk. */
export function sliceList(
  n: number,
  start: number | null,
  stop: number | null,
  step: number | null,
): number[] {
  const k = step ?? 1;
  if (k === 0) throw new RefIndexError("slice step cannot be zero");
  const out: number[] = [];
  if (k > 0) {
    let lo = start ?? 0;
    if (lo < 0) lo = Math.max(0, lo + n);
    lo = Math.min(lo, n);
    let hi = stop ?? n;
    if (hi < 0) hi = Math.max(0, hi + n);
    hi = Math.min(hi, n);
    for (let i = lo; i < hi; i += k) out.push(i);
  } else {
    let hi = start ?? n - 1;
    if (hi < 0) hi += n; // may stay negative: nothing selected
    hi = Math.min(hi, n - 1);
    let lo = stop ?? -1;
    if (stop !== null && lo < 0) lo = Math.max(-1, lo + n);
    lo = Math.min(lo, n - 1);
    for (let i = hi; i > lo && i >= 0; i += k) out.push(i);
  }
  return out;
}

function wrap(i: number, n: number): number {
  if (!Number.isInteger(i)) throw new RefIndexError(`non-integer index ${i}`);
  if (i < -n || i >= n) throw new RefIndexError(`index ${i} out of bounds for size ${n}`);
  return i < 0 ? i + n : i;
}

function nonzero(shape: readonly number[], data: readonly boolean[]): number[][] {
  const rows: number[][] = shape.map(() => []);
  data.forEach((v, flat) => {
    if (!v) return;
    let r = flat;
    for (let a = shape.length - 1; a >= 0; a--) {
      rows[a]!.push(r % shape[a]!);
      r = Math.floor(r / shape[a]!);
    }
  });
  return rows;
}

/** Read element at a full multi-index. */
function at(a: RefArray, idx: readonly number[]): number {
  let flat = 0;
  for (let d = 0; d < a.shape.length; d++) flat = flat * a.shape[d]! + idx[d]!;
  return a.data[flat]!;
}

/** Iterate all multi-indices of `shape` in C order. */
function* cOrder(shape: readonly number[]): Generator<number[]> {
  const n = prod(shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    yield [...idx];
    for (let a = shape.length - 1; a >= 0; a--) {
      idx[a]!++;
      if (idx[a]! < shape[a]!) break;
      idx[a] = 0;
    }
  }
}

/** An expanded item bound to array dimensions. */
type Bound =
  | { t: "int"; dim: number; value: number }
  | { t: "list"; dim: number; list: number[] } // slice (or oindex array) → explicit positions
  | { t: "adv"; dim: number; shape: number[]; data: number[] } // advanced array (get/vindex)
  | { t: "new" }
  | { t: "sep" }; // an ellipsis marker: separates advanced indices

function bind(a: RefArray, items: readonly RefItem[], op: "get" | "oindex" | "vindex"): Bound[] {
  const ndim = a.shape.length;
  if (items.filter((i) => i.kind === "ellipsis").length > 1) {
    throw new RefIndexError("an index can only have a single ellipsis");
  }
  let used = 0;
  for (const it of items) {
    if (it.kind === "int" || it.kind === "slice" || it.kind === "array") used += 1;
    if (it.kind === "bool") used += it.shape.length;
  }
  if (used > ndim) throw new RefIndexError("too many indices");
  const out: Bound[] = [];
  let dim = 0;
  for (const it of items) {
    switch (it.kind) {
      case "ellipsis":
        out.push({ t: "sep" });
        for (let k = 0; k < ndim - used; k++) {
          out.push({ t: "list", dim, list: sliceList(a.shape[dim]!, null, null, null) });
          dim++;
        }
        break;
      case "newaxis":
        out.push({ t: "new" });
        break;
      case "int":
        out.push({ t: "int", dim, value: it.value });
        dim++;
        break;
      case "slice":
        out.push({ t: "list", dim, list: sliceList(a.shape[dim]!, it.start, it.stop, it.step) });
        dim++;
        break;
      case "array":
        if (op === "oindex") {
          if (it.shape.length !== 1) throw new RefIndexError("oindex arrays must be 1-D");
          out.push({ t: "list", dim, list: it.data.map((v) => wrap(v, a.shape[dim]!)) });
        } else out.push({ t: "adv", dim, shape: [...it.shape], data: [...it.data] });
        dim++;
        break;
      case "bool": {
        if (it.shape.length === 0) throw new RefIndexError("0-d bool not supported");
        if (op === "oindex" && it.shape.length !== 1) throw new RefIndexError("oindex masks 1-D");
        it.shape.forEach((s, k) => {
          if (s !== a.shape[dim + k]) throw new RefIndexError("boolean index did not match");
        });
        const rows = nonzero(it.shape, it.data);
        rows.forEach((r, k) => {
          if (op === "oindex") out.push({ t: "list", dim: dim + k, list: r });
          else out.push({ t: "adv", dim: dim + k, shape: [r.length], data: r });
        });
        dim += it.shape.length;
        break;
      }
    }
  }
  while (dim < ndim) {
    out.push({ t: "list", dim, list: sliceList(a.shape[dim]!, null, null, null) });
    dim++;
  }
  return out;
}

function broadcast(shapes: readonly (readonly number[])[]): number[] {
  const r = Math.max(0, ...shapes.map((s) => s.length));
  const B: number[] = [];
  for (let i = 0; i < r; i++) {
    let e = 1;
    for (const s of shapes) {
      const v = s[s.length - r + i] ?? 1;
      if (v === 1) continue;
      if (e !== 1 && e !== v) throw new RefIndexError("shape mismatch");
      e = v;
    }
    B.push(e);
  }
  return B;
}

/** Applies one selection to a materialised array. */
export function refApply(a: RefArray, op: RefOp): RefArray {
  if (op.op === "mask") {
    const m = op.mask;
    if (m.shape.length !== a.shape.length || m.shape.some((s, i) => s !== a.shape[i])) {
      throw new RefIndexError("mask shape mismatch");
    }
    const data = a.data.filter((_, i) => m.data[i]);
    return { shape: [data.length], data };
  }
  const bound = bind(a, op.items, op.op);
  // Integers: always bounds-checked.
  for (const b of bound) if (b.t === "int") b.value = wrap(b.value, a.shape[b.dim]!);
  const advs = bound.filter((b): b is Extract<Bound, { t: "adv" }> => b.t === "adv");

  // Output axes: each is either one "basic" axis or the block of broadcast dims.
  type Axis = { t: "list"; dim: number; list: number[] } | { t: "new" } | { t: "B" };
  const axes: Axis[] = [];
  let B: number[] = [];
  if (advs.length > 0) {
    B = broadcast(advs.map((x) => x.shape));
    if (prod(B) > 0) for (const x of advs) x.data = x.data.map((v) => wrap(v, a.shape[x.dim]!));
    else {
      // Empty broadcast: NumPy checks nothing but the index type (integers only).
      for (const x of advs) for (const v of x.data) wrap(v, Number.MAX_SAFE_INTEGER);
    }
    let first = op.op === "vindex";
    if (op.op === "get") {
      // Adjacent? No non-advanced item between the first and last advanced one (ints are advanced).
      const isAdv = bound.map((b) => b.t === "adv" || b.t === "int");
      const firstI = isAdv.indexOf(true);
      const lastI = isAdv.lastIndexOf(true);
      for (let i = firstI; i <= lastI; i++) if (!isAdv[i]) first = true;
    }
    if (first) axes.push({ t: "B" });
    let placed = first;
    for (const b of bound) {
      if ((b.t === "adv" || (b.t === "int" && op.op === "get")) && !placed) {
        axes.push({ t: "B" });
        placed = true;
      }
      if (b.t === "list") axes.push(b);
      if (b.t === "new") axes.push(b);
    }
  } else {
    for (const b of bound) if (b.t === "list" || b.t === "new") axes.push(b);
  }
  const shape: number[] = [];
  for (const ax of axes) {
    if (ax.t === "list") shape.push(ax.list.length);
    else if (ax.t === "new") shape.push(1);
    else shape.push(...B);
  }
  const data: number[] = [];
  for (const out of cOrder(shape)) {
    const src = new Array<number>(a.shape.length).fill(0);
    let o = 0;
    for (const ax of axes) {
      if (ax.t === "list") src[ax.dim] = ax.list[out[o++]!]!;
      else if (ax.t === "new") o++;
      else {
        const bi = out.slice(o, o + B.length);
        o += B.length;
        for (const x of advs) {
          let flat = 0;
          const q = x.shape.length;
          for (let i = 0; i < q; i++) {
            const e = x.shape[i]!;
            flat = flat * e + (e === 1 ? 0 : bi[B.length - q + i]!);
          }
          src[x.dim] = x.data[flat]!;
        }
      }
    }
    for (const b of bound) if (b.t === "int") src[b.dim] = b.value;
    data.push(at(a, src));
  }
  return { shape, data };
}

/** `np.arange(prod(shape)).reshape(shape)`: values are source flat positions. */
export function refIota(shape: readonly number[]): RefArray {
  return { shape: [...shape], data: Array.from({ length: prod(shape) }, (_, i) => i) };
}
