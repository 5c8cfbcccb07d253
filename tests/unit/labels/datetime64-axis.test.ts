/**
 * A numpy.datetime64 coordinate is a time axis for `sel`: ISO dates and partial dates (a whole
 * month) resolve on its int64 counts, in v3 (`numpy.datetime64` extension type) and v2 (`<M8[D]`).
 */
import { describe, expect, it } from "vitest";
import {
  createArray,
  createGroup,
  labelSlice,
  MemoryStore,
  openDataset,
} from "../../../src/index.js";

async function dataset(zarrFormat: 2 | 3): Promise<MemoryStore> {
  const store = new MemoryStore();
  await createGroup(store, "", { zarrFormat });
  const time = await createArray(store, "time", {
    shape: [60],
    chunks: [16],
    dtype: "datetime64",
    timeUnit: "D",
    zarrFormat,
    ...(zarrFormat === 3
      ? { dimensionNames: ["time"] }
      : { attributes: { _ARRAY_DIMENSIONS: ["time"] } }),
  });
  // 2020-01-01 is day 18262 since 1970-01-01.
  await time.write({
    data: BigInt64Array.from({ length: 60 }, (_, i) => BigInt(18262 + i)),
    shape: [60],
    strides: [1],
    offset: 0,
    dtype: time.dtype,
  } as never);
  const temp = await createArray(store, "temp", {
    shape: [60],
    chunks: [16],
    dtype: "float64",
    zarrFormat,
    ...(zarrFormat === 3
      ? { dimensionNames: ["time"] }
      : { attributes: { _ARRAY_DIMENSIONS: ["time"] } }),
  });
  await temp.write({
    data: Float64Array.from({ length: 60 }, (_, i) => i),
    shape: [60],
    strides: [1],
    offset: 0,
    dtype: temp.dtype,
  } as never);
  return store;
}

describe.each([3, 2] as const)("a datetime64[D] time axis (zarr v%i)", (zarrFormat) => {
  it("a month label selects the whole month; a date range both ends", async () => {
    const ds = await openDataset(await dataset(zarrFormat));
    const jan = await ds.view("temp").sel({ time: "2020-01" }).read();
    expect(jan.shape).toEqual([31]);
    expect(Array.from(jan.data as Float64Array)).toEqual(Array.from({ length: 31 }, (_, i) => i));
    const feb = await ds
      .view("temp")
      .sel({ time: labelSlice("2020-02-03", "2020-02-05") })
      .read();
    expect(Array.from(feb.data as Float64Array)).toEqual([33, 34, 35]);
    expect(feb.dims).toEqual(["time"]);
    expect(feb.coords.time).toHaveLength(3);
  });
});
