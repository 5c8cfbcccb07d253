/**
 * Writes follow NumPy's assignment rules (`a[...] = value`): no silent wrap-around, no NaN turned
 * into 0, no fractional region bounds, no NDArray whose data is shorter than its shape; and a
 * refused write stores nothing.
 */
import { describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import { ZarrPlanError } from "../../../src/core/errors.js";
import { createArray } from "../../../src/hierarchy/index.js";
import { MemoryStore } from "../../../src/store/memory.js";

async function arrayOf(
  dtype: "int8" | "uint8" | "int32" | "int64" | "uint64" | "bool" | "float32",
) {
  const store = new MemoryStore();
  const a = await createArray(store, "a", { shape: [4], chunks: [2], dtype });
  const keys = async () => (await store.list("")).filter((k) => k.startsWith("a/c")).sort();
  return { a, store, keys };
}

async function code(p: Promise<unknown>): Promise<string | undefined> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  return e instanceof ZarrPlanError ? e.code : e === undefined ? undefined : String(e);
}

describe("scalars into integer arrays (NumPy: OverflowError / ValueError)", () => {
  it.each([
    ["int8", 300],
    ["int8", -129],
    ["uint8", -1],
    ["uint8", 256],
    ["int32", 2 ** 31],
    ["int8", Number.NaN],
    ["int32", Number.POSITIVE_INFINITY],
    ["int32", 1e300],
    ["int64", 2n ** 63n],
    ["uint64", -1n],
  ] as const)("%s ← %s is ERR_VALUE and writes nothing", async (dtype, value) => {
    const { a, keys } = await arrayOf(dtype);
    expect(await code(a.write(value))).toBe("ERR_VALUE");
    expect(await keys()).toEqual([]);
  });

  it("in-range values, and fractions truncated toward zero as NumPy does", async () => {
    const { a } = await arrayOf("int8");
    await a.write(127, { start: [0], stop: [1] });
    await a.write(-128, { start: [1], stop: [2] });
    await a.write(1.9, { start: [2], stop: [3] });
    await a.write(-1.9, { start: [3], stop: [4] });
    expect(Array.from((await a.read()).data as ArrayLike<number>)).toEqual([127, -128, 1, -1]);
    const { a: b } = await arrayOf("int64");
    await b.write(2n ** 63n - 1n);
    expect((await b.read()).data[0]).toBe(2n ** 63n - 1n);
  });

  it("bool takes any number's truth value; float32 rounds (1e300 is Infinity)", async () => {
    const { a } = await arrayOf("bool");
    await a.write(5);
    expect(Array.from((await a.read()).data as ArrayLike<number>)).toEqual([1, 1, 1, 1]);
    const { a: f } = await arrayOf("float32");
    await f.write(1e300);
    expect((await f.read()).data[0]).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("regions and NDArray values", () => {
  it("fractional or NaN start/stop is ERR_WRITE and writes nothing", async () => {
    const { a, keys } = await arrayOf("int32");
    for (const region of [{ start: [Number.NaN] }, { start: [1.5] }, { start: [0], stop: [2.5] }]) {
      expect(await code(a.write(1, region))).toBe("ERR_WRITE");
    }
    expect(await keys()).toEqual([]);
  });

  it("an NDArray whose data is shorter than its shape, or with strides reaching outside it, is ERR_WRITE", async () => {
    const { a, keys } = await arrayOf("int32");
    const dt = dataType("int32");
    const short = { data: new Int32Array(2), shape: [4], strides: [1], dtype: dt };
    const reach = { data: new Int32Array(4), shape: [4], strides: [2], dtype: dt };
    const negative = { data: new Int32Array(4), shape: [4], strides: [-1], dtype: dt };
    const fractional = {
      data: new Int32Array(4),
      shape: [4],
      strides: [1],
      offset: 0.5,
      dtype: dt,
    };
    for (const v of [short, reach, negative, fractional]) {
      expect(await code(a.write(v))).toBe("ERR_WRITE");
    }
    expect(
      await code(a.write({ data: new Int32Array(4), shape: [2, 2], strides: [2, 1], dtype: dt })),
    ).toBe("ERR_WRITE");
    expect(await keys()).toEqual([]);
    // Reversed strides inside the data are fine.
    await a.write({
      data: Int32Array.from([1, 2, 3, 4]),
      shape: [4],
      strides: [-1],
      offset: 3,
      dtype: dt,
    });
    expect(Array.from((await a.read()).data as ArrayLike<number>)).toEqual([4, 3, 2, 1]);
  });

  it("a region outside the array keeps its message", async () => {
    const { a } = await arrayOf("int32");
    await expect(a.write(1, { start: [3], stop: [7] })).rejects.toThrow(/outside the array/);
  });
});
