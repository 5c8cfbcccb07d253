/**
 * Zarr v2/v3 metadata: parsing, validation and normalisation into the model of `../model.ts`,
 * and writing back as spec-conformant JSON.
 * @module
 */
export { flattenConsolidated, nestConsolidated } from "./common.js";
export { dimensionNamesOf } from "./dimension-names.js";
export {
  encodeFillValueV2,
  encodeFillValueV3,
  parseFillValueV2,
  parseFillValueV3,
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
} from "./v2.js";
export { parseV3, toV3Json } from "./v3.js";
