/**
 * Reference stores written by `tests/fixtures/real-world/gen.py` (NumPy + numcodecs, following
 * the Zarr v2 / v3 specs and zarr-extensions' `numpy.datetime64` / `numpy.timedelta64`): v2
 * `<M8[ns]` and big-endian `>m8[10s]`, v3 datetime64[s] and timedelta64[7D] (big-endian bytes),
 * v3 raw bits r24, v3 bfloat16 written by tensorstore; missing chunks read as the fill value
 * (NaT, 0, bytes, 1.5). Every value must be
 * read bit-exactly; datetimes render as NumPy renders them at millisecond precision.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { datetimesToDates } from "../../src/core/datetime.js";
import { openArray } from "../../src/hierarchy/index.js";
import { FileSystemStore } from "../../src/store/fs.js";

const DIR = join(import.meta.dirname, "../fixtures/real-world");

interface Expected {
  zarr_format: 2 | 3;
  path: string;
  shape: number[];
  dtype: "datetime64" | "timedelta64" | "raw" | "bfloat16";
  /** bfloat16: the bit patterns. */
  bits?: number[];
  unit?: string;
  scale_factor?: number;
  values?: string[];
  iso_ms?: (string | null)[];
  bytes_per_element?: number;
  hex?: string;
}

const expected = (
  JSON.parse(readFileSync(join(DIR, "expected.json"), "utf8")) as { arrays: Expected[] }
).arrays;
const store = new FileSystemStore(join(DIR, "stores"));

describe("real-world reference stores (gen.py)", () => {
  for (const e of expected) {
    it(`${e.path}: ${e.dtype}${e.unit ? `[${e.scale_factor}${e.unit}]` : ""}`, async () => {
      const a = await openArray(store, e.path);
      expect(a.zarrFormat).toBe(e.zarr_format);
      expect(a.dtype.name).toBe(e.dtype);
      expect([...a.shape]).toEqual(e.shape);
      const r = await a.read();
      if (e.dtype === "bfloat16") {
        // Widened exactly to float32: each value's upper 16 bits are the stored bit pattern.
        const f = r.data as Float32Array;
        expect(f).toBeInstanceOf(Float32Array);
        expect([...new Uint32Array(f.buffer, f.byteOffset, f.length)].map((u) => u >>> 16)).toEqual(
          e.bits,
        );
        return;
      }
      if (e.dtype === "raw") {
        expect(a.dtype.itemSize).toBe(e.bytes_per_element);
        expect(Buffer.from(r.data as Uint8Array).toString("hex")).toBe(e.hex);
        return;
      }
      expect(a.dtype.unit).toBe(e.unit);
      expect(a.dtype.scaleFactor).toBe(e.scale_factor);
      const data = r.data as BigInt64Array;
      expect(data).toBeInstanceOf(BigInt64Array);
      expect([...data].map(String)).toEqual(e.values);
      if (e.iso_ms) {
        const dates = datetimesToDates(data, a.dtype).map((d) => (d ? d.toISOString() : null));
        expect(dates).toEqual(e.iso_ms);
      }
    });
  }
});
