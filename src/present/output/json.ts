/**
 * `.json` output: `{"shape": [...], "dtype": "int32", "data": [[...], ...]}` with `data` as nested
 * lists in C order (a bare value for 0-d). 64-bit integers are numbers when they are safe integers
 * and decimal strings otherwise; NaN and ±Infinity are the strings `"NaN"`, `"Infinity"`,
 * `"-Infinity"`; complex values are `[re, im]`; `|S<n>` values are strings.
 * @module
 */
import type { NDArray } from "../../index.js";
import { dtypeLabel, type OutputWriter } from "./types.js";
import { type JsonValue, jsonLeaf, nested } from "./values.js";

/** The JSON document of an array. */
export function toJsonDocument(array: NDArray): { [key: string]: JsonValue } {
  return {
    shape: [...array.shape],
    dtype: dtypeLabel(array.dtype),
    data: nested(array.shape, jsonLeaf(array)) as JsonValue,
  };
}

export const jsonWriter: OutputWriter = {
  extension: ".json",
  description: "JSON {shape, dtype, data: nested lists}, any shape and data type",
  check() {},
  encode: (array) => `${JSON.stringify(toJsonDocument(array))}\n`,
};
