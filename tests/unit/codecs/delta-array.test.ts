/**
 * numcodecs.delta before the array→bytes codec (where zarr-python 3's `numcodecs.zarr3.Delta`,
 * an array→array codec, writes it): chunk bytes are the C-order differences, as numcodecs Delta
 * encodes a chunk's flattened buffer; the chunk's data type must be the delta `dtype`.
 */
import { describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import { MetadataError } from "../../../src/core/errors.js";
import { cStrides } from "../../../src/core/ndarray.js";
import { createCodecPipeline } from "../../../src/format/codecs/index.js";

const ctx = { key: "a/c/0/0" };
const codecs = [
  { name: "numcodecs.delta", configuration: { dtype: "int32" } },
  { name: "bytes", configuration: { endian: "little" } },
];

describe("numcodecs.delta as an array→array codec", () => {
  it("encodes a 2-D chunk to its C-order differences and decodes them back", async () => {
    const spec = { shape: [2, 3], dataType: dataType("int32"), fillValue: 0 };
    const p = createCodecPipeline(codecs, spec, "a/zarr.json");
    const values = Int32Array.from([5, 7, 10, 10, -4, 2_000_000_000]);
    const chunk = { data: values, shape: [2, 3], strides: cStrides([2, 3]), dtype: spec.dataType };
    const bytes = await p.encode(chunk, ctx);
    const diffs = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    expect(Array.from(diffs)).toEqual([5, 2, 3, 0, -14, 2_000_000_004]);
    const back = await p.decode(bytes, ctx);
    expect(Array.from(back.data as Int32Array)).toEqual(Array.from(values));
    expect(back.shape).toEqual([2, 3]);
  });

  it("a chunk of another data type is a MetadataError naming configuration.dtype", () => {
    const spec = { shape: [4], dataType: dataType("float64"), fillValue: 0 };
    expect(() => createCodecPipeline(codecs, spec, "a/zarr.json")).toThrow(MetadataError);
    expect(() => createCodecPipeline(codecs, spec, "a/zarr.json")).toThrow(/configuration\.dtype/);
  });
});
