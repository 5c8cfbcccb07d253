/**
 * ndsel, the selection wire format of zarr-python's `zarr-indexing` (ndsel 1.0-draft.2, derived
 * from TensorStore's `IndexTransform` JSON): normalisation, exact JSON, and mapping onto
 * index transforms.
 * @module
 */
import { stringifyExactJson } from "./json.js";

export { ndselToTransform, transformToNdsel } from "./apply.js";
export { normalizeNdsel } from "./normalize.js";
export type {
  NdselArrayMap,
  NdselBound,
  NdselBoundValue,
  NdselConstantMap,
  NdselIndexArray,
  NdselOutputMap,
  NdselSingleMap,
  NdselTransform,
  NdselTransformDocument,
} from "./types.js";

/**
 * JSON text of an ndsel document or body (`bigint` integers written exactly, e.g. the result of
 * `LazyArray.toNdsel()` or `normalizeNdsel`).
 */
export function ndselToJSON(doc: object): string {
  return stringifyExactJson(doc);
}
