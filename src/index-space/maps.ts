/**
 * Output index maps, the building blocks of an `IndexTransform` (see `transform.ts`).
 * @module
 */
/** Index values of an array map: `Int32Array` when every value fits, else `Float64Array`. */
export type IndexData = Int32Array | Float64Array;

/** Source coordinate `offset` whatever the input point (the dimension was indexed by an integer). */
export interface ConstantMap {
  readonly kind: "constant";
  readonly offset: number;
}

/** Source coordinate `offset + stride * x[inputDim]` (stride is never 0). */
export interface SingleMap {
  readonly kind: "single";
  readonly offset: number;
  readonly stride: number;
  readonly inputDim: number;
}

/**
 * Source coordinate `offset + stride * index[x]`, where `index` is a C-order array over the input
 * dimensions `inputDims` (ascending; its shape is `inputDims.map(d => inputShape[d])`) that
 * broadcasts over every other input dimension. The TypedArray is shared between transforms and
 * must never be mutated.
 */
export interface ArrayMap {
  readonly kind: "array";
  readonly offset: number;
  readonly stride: number;
  readonly index: IndexData;
  readonly inputDims: readonly number[];
}

/** One output index map: how one source dimension's coordinate is computed from a view point. */
export type OutputIndexMap = ConstantMap | SingleMap | ArrayMap;

/** A frozen constant map. */
export function constantMap(offset: number): ConstantMap {
  return Object.freeze({ kind: "constant" as const, offset });
}

/** A frozen single-input-dimension map. */
export function singleMap(offset: number, stride: number, inputDim: number): SingleMap {
  return Object.freeze({ kind: "single" as const, offset, stride, inputDim });
}

/**
 * An array map, normalised: input dimensions of extent 1 are dropped from `inputDims` (the data
 * layout does not change), and an array with a single element over no remaining dimension becomes
 * a constant map. `index` is not copied (the caller hands over ownership).
 */
export function arrayMap(
  offset: number,
  stride: number,
  index: IndexData,
  inputDims: readonly number[],
  inputShape: readonly number[],
): OutputIndexMap {
  const dims = inputDims.filter((d) => inputShape[d] !== 1);
  if (dims.length === 0) {
    if (index.length !== 1) {
      throw new RangeError(`array map over no dimension must hold 1 value, got ${index.length}`);
    }
    return constantMap(offset + stride * index[0]!);
  }
  return Object.freeze({
    kind: "array" as const,
    offset,
    stride,
    index,
    inputDims: Object.freeze(dims),
  });
}
