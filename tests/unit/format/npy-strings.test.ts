/**
 * `.npy` files of string arrays: `writeNpy` writes NumPy's `<U<n>` (longest string) and `|S<n>`
 * for variable-length bytes; `readNpy` reads `<U<n>` / `>U<n>` back as strings. The CLI's JSON
 * and CSV leaves give strings as text.
 */
import { describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import type { NDArray } from "../../../src/core/ndarray.js";
import { readNpy, writeNpy } from "../../../src/format/npy.js";
import { jsonLeaf, textLeaf } from "../../../src/present/output/values.js";

const strings: NDArray = {
  data: ["a", "", "日本🙂", "\u0000x"] as NDArray["data"],
  shape: [2, 2],
  strides: [2, 1],
  dtype: dataType("string"),
};

function header(b: Uint8Array): string {
  const len = new DataView(b.buffer, b.byteOffset).getUint16(8, true);
  return new TextDecoder().decode(b.subarray(10, 10 + len));
}

describe(".npy of strings", () => {
  it("writes <U<longest> and reads it back", () => {
    const b = writeNpy(strings);
    expect(header(b)).toContain("'descr': '<U3'");
    const back = readNpy(b);
    expect(back.dtype).toBe(dataType("string", 3));
    expect(Array.from(back.data as string[])).toEqual(["a", "", "日本🙂", "\u0000x"]);
  });
  it("writes variable-length bytes as |S<longest>", () => {
    const b = writeNpy({
      data: [new Uint8Array([1, 2]), new Uint8Array()] as NDArray["data"],
      shape: [2],
      strides: [1],
      dtype: dataType("variable_length_bytes"),
    });
    expect(header(b)).toContain("'descr': '|S2'");
    expect([...b.subarray(b.length - 4)]).toEqual([1, 2, 0, 0]);
  });
  it("refuses a truncated <U body", () => {
    const b = writeNpy(strings);
    expect(() => readNpy(b.subarray(0, b.length - 4))).toThrow(/truncated/);
  });
});

describe("CLI leaves of string arrays", () => {
  it("JSON and CSV give the strings themselves", () => {
    expect([0, 1, 2, 3].map(jsonLeaf(strings))).toEqual(["a", "", "日本🙂", "\u0000x"]);
    expect([0, 2].map(textLeaf(strings))).toEqual(["a", "日本🙂"]);
  });
});
