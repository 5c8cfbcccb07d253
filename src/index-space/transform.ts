/**
 * Index transforms: the one representation every chain of selections collapses into.
 *
 * An {@link IndexTransform} maps each point `x` of the view (its *input domain*, the box
 * `[0, inputShape[d])` in every dimension `d`, origin 0: the positional dialect of NumPy) to a
 * point of the source array through one *output index map* per source dimension `j`:
 *
 * | kind | source coordinate `y[j]` |
 * |---|---|
 * | `constant` | `offset` (an integer index dropped the dimension) |
 * | `single` | `offset + stride * x[inputDim]` (a slice, or a dimension carried through) |
 * | `array` | `offset + stride * index[x restricted to inputDims]` (an index array) |
 *
 * An `array` map's `index` is stored in C order over the input dimensions it varies along
 * (`inputDims`, ascending, each of extent `inputShape[d]`) and broadcasts over all others: this is
 * TensorStore's zero-byte-stride representation without the zeros. Arrays that share input
 * dimensions are correlated (vectorized indexing); arrays on private dimensions are outer
 * (orthogonal indexing). An input dimension that no map reads is a broadcast (`newaxis`).
 *
 * Composition is arithmetic on maps (slice ∘ slice is closed form); only an array map composed
 * with a selection gathers a new index array. Follows TensorStore's "Index transform" and
 * "Output index methods" documentation (`docs/index_space.rst`).
 * @module
 */
import { RowCursor } from "../core/nd-iter.js";
import { cStrides, shapeSize } from "../core/ndarray.js";
import { type BuiltSelection, buildSelection, type SelectionKind } from "./indexing.js";
import {
  type ArrayMap,
  arrayMap,
  constantMap,
  type IndexData,
  type OutputIndexMap,
  type SingleMap,
  singleMap,
} from "./maps.js";
import type { Selection } from "./selection.js";

export type { ArrayMap, OutputIndexMap } from "./maps.js";
export { arrayMap, constantMap, singleMap } from "./maps.js";

/**
 * An immutable (frozen) index transform from a view (`inputShape`) to its source (`outputShape`).
 * `maps[j]` computes the coordinate along source dimension `j`. Every coordinate it produces for
 * a point of the input domain lies in `[0, outputShape[j])`.
 */
export interface IndexTransform {
  /** Shape of the view (elements); `[]` for a 0-d view. */
  readonly inputShape: readonly number[];
  /** Shape of the source array. */
  readonly outputShape: readonly number[];
  /** One map per source dimension (`maps.length === outputShape.length`). */
  readonly maps: readonly OutputIndexMap[];
}

/** A frozen transform; shapes are copied. */
export function makeTransform(
  inputShape: readonly number[],
  outputShape: readonly number[],
  maps: readonly OutputIndexMap[],
): IndexTransform {
  if (maps.length !== outputShape.length) {
    throw new RangeError(`transform needs ${outputShape.length} output maps, got ${maps.length}`);
  }
  return Object.freeze({
    inputShape: Object.freeze([...inputShape]),
    outputShape: Object.freeze([...outputShape]),
    maps: Object.freeze([...maps]),
  });
}

/** The identity transform of `shape`: view = source, `maps[j] = single(0, 1, j)`. */
export function identity(shape: readonly number[]): IndexTransform {
  return makeTransform(
    shape,
    shape,
    shape.map((_, j) => singleMap(0, 1, j)),
  );
}

/** True when no map is an index array (the view is a strided box of the source). */
export function isBox(t: IndexTransform): boolean {
  return t.maps.every((m) => m.kind !== "array");
}

/**
 * The source coordinates of one view point (slow; for tests, debugging and `explain`).
 * @throws RangeError when `point` is not inside the input domain.
 */
export function applyTransform(t: IndexTransform, point: readonly number[]): number[] {
  if (point.length !== t.inputShape.length) {
    throw new RangeError(`point has ${point.length} coordinates, view has ${t.inputShape.length}`);
  }
  point.forEach((x, d) => {
    if (!Number.isInteger(x) || x < 0 || x >= t.inputShape[d]!) {
      throw new RangeError(`coordinate ${x} outside [0, ${t.inputShape[d]}) in dimension ${d}`);
    }
  });
  return t.maps.map((m) => {
    if (m.kind === "constant") return m.offset;
    if (m.kind === "single") return m.offset + m.stride * point[m.inputDim]!;
    let flat = 0;
    for (const d of m.inputDims) flat = flat * t.inputShape[d]! + point[d]!;
    return m.offset + m.stride * m.index[flat]!;
  });
}

// ---------------------------------------------------------------------------------------------
// composition

/**
 * Composes two transforms: `outer` maps the new view to the old view, `inner` the old view to the
 * source; the result maps the new view to the source. Per inner map (TensorStore composition):
 * constant stays; single ∘ constant → constant; single ∘ single → single with
 * `offset = o_i + s_i·o_o`, `stride = s_i·s_o` (closed form, no per-element data);
 * single ∘ array → the outer array re-scaled (shared, not copied); array ∘ anything → the inner
 * index array gathered at the outer's coordinates (a constant when one element is left).
 * `outer`'s coordinates must lie inside `inner`'s input domain (true for transforms built from
 * selections, which are validated against the view).
 * @throws RangeError when `outer.outputShape` differs from `inner.inputShape`.
 */
export function composeTransforms(outer: IndexTransform, inner: IndexTransform): IndexTransform {
  const mid = inner.inputShape;
  if (outer.outputShape.length !== mid.length || outer.outputShape.some((s, i) => s !== mid[i])) {
    throw new RangeError(
      `cannot compose: outer output shape [${outer.outputShape}] differs from inner input shape [${mid}]`,
    );
  }
  const maps = inner.maps.map((m) => composeMap(m, outer, mid));
  return makeTransform(outer.inputShape, inner.outputShape, maps);
}

function composeMap(
  m: OutputIndexMap,
  outer: IndexTransform,
  mid: readonly number[],
): OutputIndexMap {
  if (m.kind === "constant") return m;
  if (m.kind === "single") {
    const om = outer.maps[m.inputDim]!;
    const offset = m.offset + m.stride * om.offset;
    if (om.kind === "constant") return constantMap(offset);
    const stride = m.stride * om.stride;
    if (om.kind === "single") return singleMap(offset, stride, om.inputDim);
    return Object.freeze({ ...om, offset, stride });
  }
  return gather(m, outer, mid);
}

/** Evaluates the inner array map `m` (over old-view dims) at every point of the new view it depends on. */
function gather(m: ArrayMap, outer: IndexTransform, mid: readonly number[]): OutputIndexMap {
  const X = m.inputDims;
  const newShape = outer.inputShape;
  const oms = X.map((x) => outer.maps[x]!);

  // Fast path: each x is carried through unchanged to a new input dim, in the same order.
  let carried = true;
  let prev = -1;
  for (let i = 0; i < X.length && carried; i++) {
    const om = oms[i]!;
    if (
      om.kind !== "single" ||
      om.offset !== 0 ||
      om.stride !== 1 ||
      om.inputDim <= prev ||
      newShape[om.inputDim] !== mid[X[i]!]
    ) {
      carried = false;
    } else prev = om.inputDim;
  }
  if (carried) {
    return arrayMap(
      m.offset,
      m.stride,
      m.index,
      oms.map((om) => (om as SingleMap).inputDim),
      newShape,
    );
  }

  // The new input dims the result depends on.
  const ySet = new Set<number>();
  for (const om of oms) {
    if (om.kind === "single") ySet.add(om.inputDim);
    else if (om.kind === "array") for (const d of om.inputDims) ySet.add(d);
  }
  const Y = [...ySet].sort((a, b) => a - b);
  const ext = Y.map((y) => newShape[y]!);
  const count = shapeSize(ext);
  const out: IndexData =
    m.index instanceof Int32Array ? new Int32Array(count) : new Float64Array(count);
  if (count > 0)
    gatherInto(
      m,
      oms,
      X.map((x) => mid[x]!),
      Y,
      ext,
      newShape,
      out,
    );
  return arrayMap(m.offset, m.stride, out, Y, newShape);
}

/**
 * Linear evaluation plan shared by gathers and partitioning: for each map, a value that is
 * `base + Σ_k coef[k] · y[k]` over an odometer of dims `Y`; for array maps that value is the flat
 * position into `index`, for single/constant maps it is the coordinate itself.
 */
interface LinearPlan {
  readonly base: Float64Array;
  /** `coef[i * Y.length + k]`. */
  readonly coef: Float64Array;
}

/** Builds the {@link LinearPlan} of `maps` over the new input dims `Y` of a view of shape `shape`. */
export function linearPlan(
  maps: readonly OutputIndexMap[],
  Y: readonly number[],
  shape: readonly number[],
): LinearPlan {
  const ny = Y.length;
  const base = new Float64Array(maps.length);
  const coef = new Float64Array(maps.length * ny);
  maps.forEach((om, i) => {
    if (om.kind === "constant") base[i] = om.offset;
    else if (om.kind === "single") {
      base[i] = om.offset;
      coef[i * ny + Y.indexOf(om.inputDim)] = om.stride;
    } else {
      let s = 1;
      for (let a = om.inputDims.length - 1; a >= 0; a--) {
        const d = om.inputDims[a]!;
        coef[i * ny + Y.indexOf(d)] = s;
        s *= shape[d]!;
      }
    }
  });
  return { base, coef };
}

function gatherInto(
  m: ArrayMap,
  oms: readonly OutputIndexMap[],
  xExt: readonly number[],
  Y: readonly number[],
  ext: readonly number[],
  newShape: readonly number[],
  out: IndexData,
): void {
  const nx = oms.length;
  const ny = Y.length;
  const { base, coef } = linearPlan(oms, Y, newShape);
  const bStride = cStrides(xExt);
  const B = m.index;
  const isArr = oms.map((om) => om.kind === "array");
  const arrs = oms.map((om) => (om.kind === "array" ? om.index : null));
  const aOff = oms.map((om) => (om.kind === "array" ? om.offset : 0));
  const aStr = oms.map((om) => (om.kind === "array" ? om.stride : 1));

  // Fast path: one old dim, read by one array over exactly Y in order (vindex after vindex).
  if (nx === 1 && isArr[0] && base[0] === 0) {
    const A = arrs[0]!;
    const o = aOff[0]!;
    const s = aStr[0]!;
    if (A.length === out.length) {
      for (let p = 0; p < out.length; p++) out[p] = B[o + s * A[p]!]!;
      return;
    }
  }

  // lin[i] (map i's linear term) walks ext with strides coef[i·ny + k], a row (last dim) at a time.
  const strides = oms.map((_, i) => coef.slice(i * ny, (i + 1) * ny));
  const rowStep = strides.map((s) => s[ny - 1] ?? 0);
  const len = ext[ny - 1] ?? 1;
  const rows = new RowCursor(ext, strides, base);
  const lin = rows.offsets;
  let p = 0;
  while (rows.next()) {
    for (let e = 0; e < len; e++, p++) {
      let flat = 0;
      for (let i = 0; i < nx; i++) {
        const l = lin[i]! + e * rowStep[i]!;
        const v = isArr[i] ? aOff[i]! + aStr[i]! * arrs[i]![l]! : l;
        flat += v * bStride[i]!;
      }
      out[p] = B[flat]!;
    }
  }
}

/**
 * Applies a selection to a transform: `kind` is `"get"` (NumPy `a[...]`), `"oindex"`, `"vindex"`
 * or `"mask"` (`items` is then `[mask]`); positions are relative to `t`'s view (positional
 * dialect). Returns the composed transform; `t` is unchanged.
 * @throws IndexError (naming `path`, the view dimension, the value and the valid range) for any
 * invalid selection; see `LazyArray.get` for the rules.
 */
export function compose(
  t: IndexTransform,
  selection: { readonly kind: SelectionKind; readonly items: Selection },
  path = "",
): IndexTransform {
  const built: BuiltSelection = buildSelection(t.inputShape, selection.kind, selection.items, path);
  return composeTransforms(makeTransform(built.shape, t.inputShape, built.maps), t);
}
