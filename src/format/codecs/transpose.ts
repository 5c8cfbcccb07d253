/**
 * The `transpose` array→array codec: permutes the dimensions of a chunk.
 * Zarr v3 core specification, "Codecs" → "transpose".
 * @module
 */

import type { NDArray } from "../../core/ndarray.js";
import type { CodecSpec } from "../model.js";
import type { ArrayToArrayCodec, ChunkSpec, CodecContext } from "./types.js";
import { ConfigReader, toCContiguous } from "./util.js";

/**
 * `transpose` with permutation `order`: encoded dimension `i` is decoded dimension `order[i]`.
 * Encoding returns a strided view (no copy); decoding returns a C-order copy in the original
 * dimension order.
 */
class TransposeCodec implements ArrayToArrayCodec {
  readonly kind = "array_to_array" as const;
  readonly name = "transpose";
  /** The permutation: encoded dimension `i` is decoded dimension `order[i]`. */
  readonly order: readonly number[];

  constructor(order: readonly number[]) {
    this.order = [...order];
  }

  /** The encoded spec: `shape[order[i]]` for each `i`. */
  resolveSpec(spec: ChunkSpec): ChunkSpec {
    return { ...spec, shape: this.order.map((o) => spec.shape[o]!) };
  }

  /** A view of `a` with permuted shape and strides (shares memory with `a`). */
  encode(a: NDArray, _spec: ChunkSpec, _ctx: CodecContext): NDArray {
    return {
      data: a.data,
      dtype: a.dtype,
      offset: a.offset ?? 0,
      shape: this.order.map((o) => a.shape[o]!),
      strides: this.order.map((o) => a.strides[o]!),
    };
  }

  /** `a` (shape `resolveSpec(spec).shape`) in the original dimension order, as a C-order copy. */
  decode(a: NDArray, _spec: ChunkSpec, _ctx: CodecContext): NDArray {
    const n = this.order.length;
    const shape = new Array<number>(n);
    const strides = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      shape[this.order[i]!] = a.shape[i]!;
      strides[this.order[i]!] = a.strides[i]!;
    }
    return toCContiguous({ data: a.data, dtype: a.dtype, offset: a.offset ?? 0, shape, strides });
  }

  /** The codec in v3 metadata form: `{ name, configuration }`. */
  toJSON(): CodecSpec {
    return { name: this.name, configuration: { order: [...this.order] } };
  }
}

/**
 * Factory of `transpose`. `order` must be a permutation of `0 … ndim-1`; the legacy strings
 * `"C"` (identity) and `"F"` (reversed) are accepted too.
 * @throws MetadataError naming `configuration.order` otherwise.
 */
export function createTransposeCodec(
  configuration: Readonly<Record<string, unknown>>,
  spec: ChunkSpec,
  metadataKey: string,
): TransposeCodec {
  const r = new ConfigReader(configuration, metadataKey, "transpose");
  const nd = spec.shape.length;
  const raw = configuration.order;
  let order: number[];
  if (raw === "C") order = Array.from({ length: nd }, (_, i) => i);
  else if (raw === "F") order = Array.from({ length: nd }, (_, i) => nd - 1 - i);
  else order = r.intArray("order", 0);
  const seen = new Set(order);
  if (order.length !== nd || seen.size !== nd || order.some((o) => o >= nd)) {
    r.fail(
      "order",
      `expected a permutation of 0..${nd - 1} (${nd} dimensions), got ${JSON.stringify(raw)}`,
    );
  }
  return new TransposeCodec(order);
}
