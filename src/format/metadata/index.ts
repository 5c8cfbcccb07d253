/**
 * Zarr v2/v3 metadata: parsing, validation and normalisation into the model of `../model.ts`,
 * and writing back as spec-conformant JSON.
 * @module
 */
export { parseFillValueV2, parseFillValueV3, zeroFill } from "./fill-value.js";
export { IssueList } from "./issues.js";
export { decodeJsonDocument, encodeJson, stringifyJson } from "./json.js";
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
