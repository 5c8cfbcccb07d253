/** One scalar of a data type as TypedArray entries (`scalarLanes`), and filling with it (`fillLanes`). */
import { describe, expect, it } from "vitest";
import { allocate, dataType } from "../../../src/core/dtype.js";
import { ZarrPlanError } from "../../../src/core/errors.js";
import { fillLanes, scalarLanes } from "../../../src/core/scalar.js";

describe("scalarLanes", () => {
  it("reads back as the TypedArray stores the value", () => {
    expect(scalarLanes(dataType("float32"), 0.1)).toEqual([Math.fround(0.1)]);
    expect(scalarLanes(dataType("int8"), 300)).toEqual([44]);
    expect(scalarLanes(dataType("uint64"), -1n)).toEqual([2n ** 64n - 1n]);
    expect(scalarLanes(dataType("float16"), 0.1)).toEqual([0.0999755859375]);
    expect(scalarLanes(dataType("bool"), 2)).toEqual([1]);
    // Python's truth value (NumPy assigns it): NaN is True, only zeros are False.
    expect(scalarLanes(dataType("bool"), Number.NaN)).toEqual([1]);
    expect(scalarLanes(dataType("bool"), -0)).toEqual([0]);
    expect(scalarLanes(dataType("bool"), 0n)).toEqual([0]);
    expect(scalarLanes(dataType("bool"), -3n)).toEqual([1]);
    expect(scalarLanes(dataType("int32"), true)).toEqual([1]);
    expect(scalarLanes(dataType("complex64"), [0.1, 2])).toEqual([Math.fround(0.1), 2]);
    expect(scalarLanes(dataType("bytes", 2), Uint8Array.from([1, 2, 3]))).toEqual([1, 2]);
    expect(scalarLanes(dataType("bytes", 3), 0)).toEqual([0, 0, 0]);
  });

  it("rejects values that are no scalar of the data type with ERR_FILL_VALUE", () => {
    for (const [dt, v] of [
      [dataType("bytes", 2), 1],
      [dataType("int16"), Uint8Array.from([1])],
      [dataType("uint64"), Number.NaN],
    ] as const) {
      expect(() => scalarLanes(dt, v)).toThrow(
        expect.objectContaining({ code: "ERR_FILL_VALUE", constructor: ZarrPlanError }),
      );
    }
  });
});

describe("fillLanes", () => {
  it("fills every element, lanes in order", () => {
    const dt = dataType("complex128");
    const data = allocate(dt, 3);
    fillLanes(data, dt, scalarLanes(dt, [1, -2]));
    expect(Array.from(data as Float64Array)).toEqual([1, -2, 1, -2, 1, -2]);
    const i64 = dataType("int64");
    const big = allocate(i64, 2);
    fillLanes(big, i64, scalarLanes(i64, 7));
    expect(Array.from(big as BigInt64Array)).toEqual([7n, 7n]);
  });
});
