/** `.npy` helpers for the codec tests: thin aliases of the library's own reader (src/format/npy.ts). */
import type { DataType } from "../../../src/core/dtype.js";
import { parseNpyDescr, readNpy } from "../../../src/format/npy.js";

/** The data type of a NumPy `descr` string (`"<i4"`, `"|S8"`). */
export function dtypeOfDescr(descr: string): DataType {
  return parseNpyDescr(descr).dtype;
}

/** Parses a `.npy` file into a C-order NDArray. */
export const parseNpy = readNpy;
