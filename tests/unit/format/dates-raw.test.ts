/**
 * datetime64 / timedelta64 (v2 `<M8[unit]` / `<m8[unit]`, v3 `numpy.datetime64` /
 * `numpy.timedelta64` with `unit` and `scale_factor`, NaT fill as "NaT" or -2^63) and raw bits
 * `rN` (v3 core; Uint8Array, N/8 bytes per element): metadata read and written, values round
 * trip; the `Date` helpers follow NumPy's unit arithmetic.
 */
import { describe, expect, it } from "vitest";
import { dateToDatetime, datetimesToDates, datetimeToDate } from "../../../src/core/datetime.js";
import { dataType, NAT } from "../../../src/core/dtype.js";
import { parseV2Array, parseV3, toV2Json, toV3Json } from "../../../src/format/metadata/index.js";
import { parseV2DType } from "../../../src/format/metadata/v2-dtype.js";
import type { ArrayMetadata } from "../../../src/format/model.js";
import { createArray, openArray } from "../../../src/hierarchy/index.js";
import { MemoryStore } from "../../../src/store/memory.js";

const v3 = (data_type: unknown, fill_value: unknown) => ({
  zarr_format: 3,
  node_type: "array",
  shape: [4],
  data_type,
  chunk_grid: { name: "regular", configuration: { chunk_shape: [2] } },
  chunk_key_encoding: { name: "default" },
  fill_value,
  codecs: [{ name: "bytes", configuration: { endian: "little" } }],
});

describe("v3 numpy.datetime64 / numpy.timedelta64", () => {
  it("parses unit, scale factor and a NaT or integer fill; writes them back", () => {
    const m = parseV3(
      v3({ name: "numpy.datetime64", configuration: { unit: "ns", scale_factor: 10 } }, "NaT"),
      "zarr.json",
    ) as ArrayMetadata;
    expect(m.dataType.name).toBe("datetime64");
    expect(m.dataType.unit).toBe("ns");
    expect(m.dataType.scaleFactor).toBe(10);
    expect(m.fillValue).toBe(NAT);
    const json = toV3Json(m);
    expect(json.data_type).toEqual({
      name: "numpy.datetime64",
      configuration: { unit: "ns", scale_factor: 10 },
    });
    expect(json.fill_value).toBe("NaT");
    const t = parseV3(
      v3({ name: "numpy.timedelta64", configuration: { unit: "D", scale_factor: 1 } }, -5),
      "zarr.json",
    ) as ArrayMetadata;
    expect(t.dataType.name).toBe("timedelta64");
    expect(t.fillValue).toBe(-5n);
    // -2^63 as an integer is NaT too.
    const i = parseV3(
      v3({ name: "numpy.datetime64", configuration: { unit: "s", scale_factor: 1 } }, -(2n ** 63n)),
      "zarr.json",
    ) as ArrayMetadata;
    expect(i.fillValue).toBe(NAT);
  });
});

describe("v2 <M8[unit]> / <m8[unit]>", () => {
  it("parses every unit, a scale factor, byte order and the generic form", () => {
    expect(parseV2DType("<M8[ns]")?.dataType).toMatchObject({
      name: "datetime64",
      unit: "ns",
      scaleFactor: 1,
    });
    expect(parseV2DType(">m8[10s]")).toMatchObject({
      dataType: { name: "timedelta64", unit: "s", scaleFactor: 10 },
      endian: "big",
    });
    expect(parseV2DType("<M8")?.dataType.unit).toBe("generic");
    for (const u of ["Y", "M", "W", "D", "h", "m", "s", "ms", "us", "μs", "ns", "ps", "fs", "as"]) {
      expect(parseV2DType(`<M8[${u}]`)?.dataType.unit).toBe(u);
    }
    for (const bad of ["|M8[ns]", "<M8[sec]", "<M8[0s]", "<M4[s]", "<M8[]"]) {
      expect(parseV2DType(bad), bad).toBeUndefined();
    }
  });

  it("reads the int64 fill value zarr-python 2 writes, and writes it back", () => {
    const zarray = {
      zarr_format: 2,
      shape: [4],
      chunks: [2],
      dtype: "<M8[ms]",
      compressor: null,
      fill_value: -9223372036854775808n,
      filters: null,
      order: "C",
    };
    const m = parseV2Array(zarray, ".zarray");
    expect(m.fillValue).toBe(NAT);
    const back = toV2Json(m).zarray;
    expect(back.dtype).toBe("<M8[ms]");
    expect(back.fill_value).toBe(NAT);
    expect(parseV2Array({ ...zarray, fill_value: "NaT" }, ".zarray").fillValue).toBe(NAT);
  });
});

describe("writing and reading dates", () => {
  for (const zarrFormat of [2, 3] as const) {
    for (const dtype of ["datetime64", "timedelta64"] as const) {
      for (const endian of ["little", "big"] as const) {
        it(`v${zarrFormat} ${dtype} ${endian}-endian round trips, NaT fill`, async () => {
          const store = new MemoryStore();
          const a = await createArray(store, "t", {
            zarrFormat,
            shape: [5],
            chunks: [2],
            dtype,
            timeUnit: "ms",
            scaleFactor: 3,
            endian,
            fillValue: NAT,
          });
          const data = new BigInt64Array([-7n, 0n, NAT, 2n ** 62n]);
          await a.write({ data, shape: [4], strides: [1], dtype: a.dtype });
          const back = await openArray(store, "t", { dtype });
          expect(back.dtype).toBe(dataType(dtype, { unit: "ms", scaleFactor: 3 }));
          const r = await back.read();
          expect([...r.data]).toEqual([...data, NAT]);
          if (zarrFormat === 3) {
            const doc = JSON.parse(new TextDecoder().decode((await store.get("t/zarr.json"))!));
            expect(doc.data_type).toEqual({
              name: `numpy.${dtype}`,
              configuration: { unit: "ms", scale_factor: 3 },
            });
            expect(doc.fill_value).toBe("NaT");
          } else {
            const doc = JSON.parse(new TextDecoder().decode((await store.get("t/.zarray"))!));
            expect(doc.dtype).toBe(
              `${endian === "big" ? ">" : "<"}${dtype === "datetime64" ? "M" : "m"}8[3ms]`,
            );
          }
        });
      }
    }
  }

  it("refuses a date type without a unit, a bad scale factor, a unit on another type", async () => {
    const store = new MemoryStore();
    await expect(
      createArray(store, "a", { shape: [1], dtype: "datetime64" }),
    ).rejects.toMatchObject({
      code: "ERR_OPTIONS",
    });
    await expect(
      createArray(store, "a", { shape: [1], dtype: "datetime64", timeUnit: "s", scaleFactor: 0 }),
    ).rejects.toMatchObject({ code: "ERR_OPTIONS" });
    await expect(
      createArray(store, "a", { shape: [1], dtype: "int64", timeUnit: "s" }),
    ).rejects.toMatchObject({ code: "ERR_OPTIONS" });
  });
});

describe("raw bits rN", () => {
  it("reads and writes r8, r16 and r24 as N/8 bytes per element; fill is a byte array", async () => {
    for (const bytes of [1, 2, 3]) {
      const store = new MemoryStore();
      const fill = Uint8Array.from({ length: bytes }, (_, i) => 0xa0 + i);
      const a = await createArray(store, "r", {
        shape: [3],
        chunks: [2],
        dtype: "raw",
        bytesLength: bytes,
        fillValue: fill,
      });
      const doc = JSON.parse(new TextDecoder().decode((await store.get("r/zarr.json"))!));
      expect(doc.data_type).toBe(`r${bytes * 8}`);
      expect(doc.fill_value).toEqual([...fill]);
      expect(doc.codecs[0]).toEqual({ name: "bytes" });
      const data = Uint8Array.from({ length: 2 * bytes }, (_, i) => i + 1);
      await a.write({ data, shape: [2], strides: [1], dtype: a.dtype });
      const r = await (await openArray(store, "r")).read();
      expect(r.data).toBeInstanceOf(Uint8Array);
      expect([...r.data]).toEqual([...data, ...fill]);
    }
  });

  it("refuses raw bits in v2 and a wrong-length fill", async () => {
    const store = new MemoryStore();
    await expect(
      createArray(store, "r", { shape: [1], dtype: "raw", bytesLength: 2, zarrFormat: 2 }),
    ).rejects.toMatchObject({ code: "ERR_OPTIONS" });
    expect(() => parseV3(v3("r16", [1]), "zarr.json")).toThrow(/array of 2 integers 0-255/);
  });
});

describe("Date helpers", () => {
  const iso = (d: Date | null) => (d === null ? null : d.toISOString());
  it("converts counts of every fixed unit, flooring sub-millisecond units", () => {
    expect(iso(datetimeToDate(1n, { unit: "D" }))).toBe("1970-01-02T00:00:00.000Z");
    expect(iso(datetimeToDate(-1n, { unit: "W" }))).toBe("1969-12-25T00:00:00.000Z");
    expect(iso(datetimeToDate(90n, { unit: "m" }))).toBe("1970-01-01T01:30:00.000Z");
    expect(iso(datetimeToDate(1_500n, { unit: "ms" }))).toBe("1970-01-01T00:00:01.500Z");
    expect(iso(datetimeToDate(-1n, { unit: "ns" }))).toBe("1969-12-31T23:59:59.999Z");
    expect(iso(datetimeToDate(1_999_999n, { unit: "ns" }))).toBe("1970-01-01T00:00:00.001Z");
    expect(iso(datetimeToDate(2n, { unit: "s", scaleFactor: 30 }))).toBe(
      "1970-01-01T00:01:00.000Z",
    );
    expect(iso(datetimeToDate(1_700_000_000_000_000_000n, { unit: "ns" }))).toBe(
      "2023-11-14T22:13:20.000Z",
    );
  });

  it("converts calendar units (years, months), negative ones too", () => {
    expect(iso(datetimeToDate(54n, { unit: "Y" }))).toBe("2024-01-01T00:00:00.000Z");
    expect(iso(datetimeToDate(-1n, { unit: "M" }))).toBe("1969-12-01T00:00:00.000Z");
    expect(iso(datetimeToDate(25n, { unit: "M" }))).toBe("1972-02-01T00:00:00.000Z");
  });

  it("gives null for NaT, an invalid Date past Date's range; refuses the generic unit", () => {
    expect(datetimeToDate(NAT, { unit: "s" })).toBeNull();
    expect(datetimeToDate(2n ** 62n, { unit: "s" })!.getTime()).toBeNaN();
    expect(datetimeToDate(10n ** 9n, { unit: "Y" })!.getTime()).toBeNaN();
    expect(() => datetimeToDate(1n, { unit: "generic" })).toThrow(RangeError);
    expect(
      datetimesToDates(new BigInt64Array([0n, NAT]), dataType("datetime64", { unit: "h" })),
    ).toEqual([new Date(0), null]);
  });

  it("dateToDatetime inverts datetimeToDate (floored to the unit)", () => {
    const d = new Date("2001-02-03T04:05:06.789Z");
    for (const unit of ["Y", "M", "W", "D", "h", "m", "s", "ms", "us", "ns"] as const) {
      const count = dateToDatetime(d, { unit });
      const back = datetimeToDate(count, { unit })!;
      expect(back.getTime()).toBeLessThanOrEqual(d.getTime());
      expect(dateToDatetime(back, { unit })).toBe(count);
    }
    expect(dateToDatetime(d, { unit: "ms" })).toBe(BigInt(d.getTime()));
    expect(dateToDatetime(d, { unit: "us" })).toBe(BigInt(d.getTime()) * 1000n);
    expect(dateToDatetime(null, { unit: "s" })).toBe(NAT);
    expect(dateToDatetime(new Date(Number.NaN), { unit: "s" })).toBe(NAT);
  });
});
