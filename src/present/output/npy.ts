/** `.npy` output: NumPy's format, C order, little-endian (`writeNpy`). @module */
import { writeNpy } from "../../index.js";
import type { OutputWriter } from "./types.js";

export const npyWriter: OutputWriter = {
  extension: ".npy",
  description: "NumPy .npy (C order, little-endian), any shape and data type",
  check() {},
  encode: (array) => writeNpy(array),
};
