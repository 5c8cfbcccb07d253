/** Zarr arrays in memory for plan tests: values reveal positions (element i holds i). */
import type { DataTypeName } from "../../src/core/dtype.js";
import { dataType } from "../../src/core/dtype.js";
import { type CreateArrayOptions, createArray, type ZarrArray } from "../../src/hierarchy/index.js";
import type { AnyStore } from "../../src/store/types.js";
import { iota } from "./memory-source.js";

/** Options of {@link iotaArray}. */
export interface IotaArrayOptions extends Partial<CreateArrayOptions> {
  shape: readonly number[];
  dtype?: DataTypeName;
}

/**
 * Creates an array at `path` whose element at flat C-order position i holds i (uncompressed by
 * default, so byte offsets are predictable), and writes every chunk.
 */
export async function iotaArray(
  store: AnyStore,
  path: string,
  options: IotaArrayOptions,
): Promise<ZarrArray> {
  const dtype = options.dtype ?? "int32";
  const arr = await createArray(store, path, { compressor: null, ...options, dtype });
  if (options.shape.every((s) => s > 0)) await arr.write(iota(options.shape, dataType(dtype)));
  return arr;
}
