/**
 * The canonical form of an ndsel document (ndsel 1.0-draft.2, zarr-indexing's selection wire
 * format): TensorStore's `IndexTransform` JSON with every member written out. Integers are exact
 * `bigint`s (signed 64-bit); ranks and dimension numbers are `number`s.
 * @module
 */

/** A bound value: an integer or an infinity (no arithmetic is done on these). */
export type NdselBoundValue = bigint | "-inf" | "+inf";

/** A bound; wrapped in a one-element array it is *implicit* (may be resized to the array). */
export type NdselBound = NdselBoundValue | readonly [NdselBoundValue];

/** Nested index values of an `index_array` map (its shape is the input domain's, or broadcasts). */
export type NdselIndexArray = bigint | readonly NdselIndexArray[];

/** A constant output map: the source coordinate is `offset`. */
export interface NdselConstantMap {
  readonly offset: bigint;
}

/** A single-input-dimension map: `offset + stride · input[input_dimension]`. */
export interface NdselSingleMap {
  readonly offset: bigint;
  readonly stride: bigint;
  readonly input_dimension: number;
}

/** An index-array map: `offset + stride · index_array[input]`. */
export interface NdselArrayMap {
  readonly offset: bigint;
  readonly stride: bigint;
  readonly index_array: readonly NdselIndexArray[];
  readonly index_array_bounds: readonly [NdselBoundValue, NdselBoundValue];
}

/** One output index map (its kind follows from its members). */
export type NdselOutputMap = NdselConstantMap | NdselSingleMap | NdselArrayMap;

/**
 * The canonical transform body: input domain `[input_inclusive_min, input_exclusive_max)` per
 * input dimension, labels, and one output map per output (array) dimension.
 */
export interface NdselTransform {
  readonly input_rank: number;
  readonly input_inclusive_min: readonly NdselBound[];
  readonly input_exclusive_max: readonly NdselBound[];
  readonly input_labels: readonly string[];
  readonly output: readonly NdselOutputMap[];
}

/** A canonical body tagged as an ndsel `transform` document (what `LazyArray.toNdsel` returns). */
export interface NdselTransformDocument extends NdselTransform {
  readonly kind: "transform";
}

/** True when `m` is an index-array map. */
export function isArrayMap(m: NdselOutputMap): m is NdselArrayMap {
  return "index_array" in m;
}

/** True when `m` is a single-input-dimension map. */
export function isSingleMap(m: NdselOutputMap): m is NdselSingleMap {
  return "input_dimension" in m;
}
