/**
 * Zarr v2/v3 metadata: parsing, validation and normalisation into the model of `../model.ts`,
 * and writing back as spec-conformant JSON.
 * @module
 */
export { flattenConsolidated, nestConsolidated } from "./common.js";
export {
  encodeFillValueV2,
  encodeFillValueV3,
  fromBase64,
  parseFillValueV2,
  parseFillValueV3,
  toBase64,
  zeroFill,
} from "./fill-value.js";
export {
  formatPath,
  IssueList,
  isJsonObject,
  type JsonObject,
  optionIssues,
  type PathSegment,
} from "./issues.js";
export { decodeJsonDocument, decodeJsonObject, encodeJson, stringifyJson } from "./json.js";
export {
  parseV2Array,
  parseV2Attrs,
  parseV2Consolidated,
  parseV2Group,
  toV2ConsolidatedJson,
  toV2GroupJson,
  toV2Json,
  V2_COMPRESSOR_IDS,
} from "./v2.js";
export { parseV2DType, toV2DType, type V2DType } from "./v2-dtype.js";
export { parseCodecList, parseV3, toV3Json, V3_DATA_TYPES } from "./v3.js";
