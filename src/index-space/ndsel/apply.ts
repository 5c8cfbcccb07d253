/**
 * ndsel ⇄ {@link IndexTransform}: a canonical ndsel body as a transform from its (origin-0) view
 * to a view of shape `outputShape`, and a transform exported as an ndsel `transform` document.
 *
 * An ndsel domain may start anywhere; the view starts at 0, so dimension `d` of the view is the
 * ndsel input coordinate `input_inclusive_min[d] + x` (a single map's offset absorbs the shift;
 * index arrays are stored relative to the domain's origin, as in TensorStore). An infinite bound
 * is resolved from the array only when its input dimension is read by exactly one map, a
 * single-input-dimension map of stride ±1 (TensorStore's implicit-bound resolution for that case).
 * @module
 */
import { IndexError, NdselError } from "../../core/errors.js";
import { arrayMap, constantMap, type IndexData, type OutputIndexMap, singleMap } from "../maps.js";
import { type IndexTransform, makeTransform } from "../transform.js";
import {
  isArrayMap,
  isSingleMap,
  type NdselArrayMap,
  type NdselBound,
  type NdselBoundValue,
  type NdselIndexArray,
  type NdselOutputMap,
  type NdselTransform,
  type NdselTransformDocument,
} from "./types.js";

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function value(b: NdselBound): NdselBoundValue {
  return Array.isArray(b) ? (b as readonly [NdselBoundValue])[0] : (b as NdselBoundValue);
}

function safe(v: bigint, what: string, path: string): number {
  if (v > SAFE || v < -SAFE) {
    throw new NdselError("not_applicable", `${what} ${v} is beyond 2^53`, { path, value: v });
  }
  return Number(v);
}

/** The `[lo, hi)` of input dimension `d`, infinite bounds resolved from `outputShape`. */
function resolveDim(
  body: NdselTransform,
  d: number,
  outputShape: readonly number[],
  path: string,
): [bigint, bigint] {
  let lo = value(body.input_inclusive_min[d]!);
  let hi = value(body.input_exclusive_max[d]!);
  if (typeof lo === "bigint" && typeof hi === "bigint") return [lo, hi];
  const users = body.output
    .map((m, j) => [m, j] as const)
    .filter(([m]) => (isSingleMap(m) && m.input_dimension === d) || isArrayMap(m));
  const [m, j] = users.length === 1 ? users[0]! : [undefined, -1];
  if (!m || !isSingleMap(m) || (m.stride !== 1n && m.stride !== -1n)) {
    throw new NdselError(
      "not_applicable",
      `input dimension ${d} has an infinite bound that the array does not resolve (only a dimension read by one map of stride ±1 is resolved)`,
      { member: `input_inclusive_min[${d}]`, path },
    );
  }
  const n = BigInt(outputShape[j]!);
  // Source coordinate offset + stride·x lies in [0, n).
  if (lo === "-inf") lo = m.stride === 1n ? -m.offset : m.offset - n + 1n;
  if (hi === "+inf") hi = m.stride === 1n ? n - m.offset : m.offset + 1n;
  if (typeof lo !== "bigint" || typeof hi !== "bigint") {
    throw new NdselError("not_applicable", `input dimension ${d} has an unusable bound`, { path });
  }
  return [lo, hi > lo ? hi : lo];
}

function outOfBounds(j: number, v: bigint, n: number, path: string): never {
  throw new IndexError(`ndsel output ${j} reads index ${v}, outside [0, ${n}) of dimension ${j}`, {
    path,
    dimension: j,
    value: v,
  });
}

function isEmptyArray(a: NdselIndexArray): boolean {
  return typeof a !== "bigint" && a.every(isEmptyArray);
}

/** Shape of a nested index array, checked rectangular; `rank` levels deep. */
function arrayShape(a: NdselArrayMap, j: number, rank: number, path: string): number[] {
  const shape: number[] = [];
  let level: NdselIndexArray = a.index_array;
  for (let k = 0; k < rank; k++) {
    if (!Array.isArray(level)) break;
    shape.push(level.length);
    level = level[0] ?? [];
  }
  const refuse = (why: string): never => {
    throw new NdselError(
      "not_applicable",
      `output[${j}].index_array ${why} (an index array has one level per input dimension, each of the domain's extent or 1)`,
      { member: `output[${j}].index_array`, path },
    );
  };
  if (shape.length !== rank) refuse(`has ${shape.length} levels, the input rank is ${rank}`);
  const walk = (x: NdselIndexArray, k: number): void => {
    if (k === rank) {
      if (typeof x !== "bigint") refuse("is nested deeper than the input rank");
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[k]) refuse("is not rectangular");
    for (const y of x as readonly NdselIndexArray[]) walk(y, k + 1);
  };
  walk(a.index_array, 0);
  return shape;
}

/**
 * The {@link IndexTransform} of a canonical ndsel body over a view of shape `outputShape` (the
 * body's output rank must equal `outputShape.length`). Every source index the transform reads is
 * bounds-checked (index arrays and slices only when the domain is not empty, as NumPy does).
 * @param path the array path, for errors.
 * @throws NdselError `rank_mismatch` when the output rank differs from the view's;
 * `not_applicable` for an infinite bound that cannot be resolved, an index array not shaped like
 * the domain, or a value beyond 2^53. IndexError for an index outside the view or an index-array
 * value outside its `index_array_bounds`.
 */
export function ndselToTransform(
  body: NdselTransform,
  outputShape: readonly number[],
  path = "",
): IndexTransform {
  if (body.output.length !== outputShape.length) {
    throw new NdselError(
      "rank_mismatch",
      `selects ${body.output.length} dimensions, the view has ${outputShape.length}`,
      { member: "output", path, value: body.output.length },
    );
  }
  const rank = body.input_rank;
  const dom = Array.from({ length: rank }, (_, d) => resolveDim(body, d, outputShape, path));
  const inputShape = dom.map(([lo, hi]) => safe(hi - lo, "extent", path));
  const empty = inputShape.some((n) => n === 0);
  const maps = body.output.map((m: NdselOutputMap, j): OutputIndexMap => {
    const n = outputShape[j]!;
    const inBounds = (v: bigint) => v >= 0n && v < BigInt(n);
    if (isSingleMap(m)) {
      const d = m.input_dimension;
      const offset = m.offset + m.stride * dom[d]![0];
      const last = offset + m.stride * BigInt(Math.max(inputShape[d]! - 1, 0));
      if (!empty && !inBounds(offset)) outOfBounds(j, offset, n, path);
      if (!empty && !inBounds(last)) outOfBounds(j, last, n, path);
      return singleMap(safe(offset, "offset", path), safe(m.stride, "stride", path), d);
    }
    if (isArrayMap(m)) {
      if (empty && isEmptyArray(m.index_array)) {
        // Nested JSON cannot show the shape of an empty array; over an empty domain none is needed.
        const zero = inputShape.indexOf(0);
        return arrayMap(0, 1, new Float64Array(0), [zero], inputShape);
      }
      const shape = arrayShape(m, j, rank, path);
      shape.forEach((e, d) => {
        if (e !== 1 && e !== inputShape[d]) {
          throw new NdselError(
            "not_applicable",
            `output[${j}].index_array has extent ${e} in dimension ${d}, the domain has ${inputShape[d]}`,
            { member: `output[${j}].index_array`, path },
          );
        }
      });
      const [blo, bhi] = m.index_array_bounds;
      const flat: bigint[] = [];
      const collect = (x: NdselIndexArray): void => {
        if (typeof x === "bigint") flat.push(x);
        else for (const y of x) collect(y);
      };
      collect(m.index_array);
      const index = new Float64Array(flat.length);
      flat.forEach((v, p) => {
        if (!empty) {
          if ((typeof blo === "bigint" && v < blo) || (typeof bhi === "bigint" && v >= bhi)) {
            throw new IndexError(
              `ndsel output ${j}: index ${v} outside its index_array_bounds [${blo}, ${bhi})`,
              { path, dimension: j, value: v },
            );
          }
          const c = m.offset + m.stride * v;
          if (!inBounds(c)) outOfBounds(j, c, n, path);
        }
        index[p] = safe(v, "index", path);
      });
      const fits = index.every((x) => x >= -(2 ** 31) && x < 2 ** 31);
      const data: IndexData = fits ? Int32Array.from(index) : index;
      const dims = shape.flatMap((e, d) => (e === 1 ? [] : [d]));
      if (dims.length === 0 && index.length === 1) {
        return constantMap(safe(m.offset + m.stride * flat[0]!, "offset", path));
      }
      return arrayMap(
        safe(m.offset, "offset", path),
        safe(m.stride, "stride", path),
        data,
        dims,
        inputShape,
      );
    }
    if (!inBounds(m.offset)) outOfBounds(j, m.offset, n, path);
    return constantMap(Number(m.offset));
  });
  return makeTransform(inputShape, outputShape, maps);
}

/** Nested index values of an array map over all `inputShape` dims (extent 1 off `inputDims`). */
function nested(
  index: IndexData,
  inputDims: readonly number[],
  inputShape: readonly number[],
): NdselIndexArray[] {
  const ext = inputShape.map((n, d) => (inputDims.includes(d) ? n : 1));
  let p = 0;
  const build = (k: number): NdselIndexArray[] =>
    Array.from({ length: ext[k]! }, () =>
      k === ext.length - 1 ? BigInt(index[p++]!) : build(k + 1),
    );
  return build(0);
}

/**
 * An {@link IndexTransform} as an ndsel `transform` document (canonical form): domain
 * `[0, inputShape)`, `labels` (`null` → `""`, and a name used twice → `""`), one map per source dimension (constant,
 * single-input-dimension, or an index array nested over every input dimension, extent 1 where it
 * broadcasts).
 */
export function transformToNdsel(
  t: IndexTransform,
  labels: readonly (string | null)[] = [],
): NdselTransformDocument {
  const shape = t.inputShape;
  return {
    kind: "transform",
    input_rank: shape.length,
    input_inclusive_min: shape.map(() => 0n),
    input_exclusive_max: shape.map((n) => BigInt(n)),
    // Labels must be unique (TensorStore): a name two view dimensions share is left out.
    input_labels: shape.map((_, d) => {
      const l = labels[d] ?? "";
      return labels.indexOf(l) === labels.lastIndexOf(l) ? l : "";
    }),
    output: t.maps.map((m): NdselOutputMap => {
      if (m.kind === "constant") return { offset: BigInt(m.offset) };
      if (m.kind === "single") {
        return { offset: BigInt(m.offset), stride: BigInt(m.stride), input_dimension: m.inputDim };
      }
      return {
        offset: BigInt(m.offset),
        stride: BigInt(m.stride),
        index_array: nested(m.index, m.inputDims, shape),
        index_array_bounds: ["-inf", "+inf"],
      };
    }),
  };
}
