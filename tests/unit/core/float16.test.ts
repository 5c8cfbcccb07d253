import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  bfloat16ToNumber,
  dataType,
  float16ToNumber,
  numberToBfloat16,
  numberToFloat16,
  toBytes,
  viewAs,
} from "../../../src/core/dtype.js";

/** Every finite binary16 value, ascending from -65504 to 65504 (negative zero excluded). */
function finiteHalves(): number[] {
  const out: number[] = [];
  for (let h = 0; h < 0x7c00; h++) out.push(float16ToNumber(h));
  const neg = out.slice(1).map((x) => -x);
  return [...neg.reverse(), ...out];
}

describe("numberToFloat16", () => {
  it("rounds once to nearest even from the float64 (no double rounding through float32)", () => {
    // Just above the midpoint of 1 and 1 + 2^-10: float32 rounds it to the midpoint, then to 1.
    expect(float16ToNumber(numberToFloat16(1.0004882812509095))).toBe(1.0009765625);
    // The exact midpoint ties to even (1.0), and the next midpoint to 1 + 2^-9.
    expect(float16ToNumber(numberToFloat16(1 + 2 ** -11))).toBe(1);
    expect(float16ToNumber(numberToFloat16(1 + 3 * 2 ** -11))).toBe(1 + 2 ** -9);
  });

  it("is exact on every binary16 value, both zeros, infinities and NaN", () => {
    for (let h = 0; h < 0x10000; h++) {
      const x = float16ToNumber(h);
      if (Number.isNaN(x)) expect(numberToFloat16(x) & 0x7fff).toBe(0x7e00);
      else expect(numberToFloat16(x)).toBe(h);
    }
  });

  it("overflows to Infinity from 65520 (the midpoint past 65504) up", () => {
    expect(numberToFloat16(65519.99)).toBe(0x7bff);
    expect(numberToFloat16(65520)).toBe(0x7c00);
    expect(numberToFloat16(-1e300)).toBe(0xfc00);
    expect(numberToFloat16(2 ** -25)).toBe(0); // midpoint of 0 and the smallest subnormal: even
    expect(numberToFloat16(2 ** -25 * 1.0000001)).toBe(1);
  });

  it("returns the nearest binary16 value, ties to the even bit pattern", () => {
    const halves = finiteHalves();
    fc.assert(
      fc.property(fc.double({ min: -65504, max: 65504, noNaN: true }), (x) => {
        const got = float16ToNumber(numberToFloat16(x));
        // Binary search of the neighbours of x among the binary16 values.
        let lo = 0;
        let hi = halves.length - 1;
        while (hi - lo > 1) {
          const mid = (lo + hi) >> 1;
          if (halves[mid]! <= x) lo = mid;
          else hi = mid;
        }
        const a = halves[lo]!;
        const b = halves[hi]!;
        const da = Math.abs(x - a);
        const db = Math.abs(b - x);
        if (da < db) expect(got).toBe(a === 0 ? got : a);
        else if (db < da) expect(got).toBe(b === 0 ? got : b);
        else expect((numberToFloat16(got) & 1) === 0).toBe(true);
        expect(Math.abs(got - x)).toBeLessThanOrEqual(Math.min(da, db));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("numberToBfloat16", () => {
  it("is exact on every bfloat16 value (NaN to the quiet NaN)", () => {
    for (let h = 0; h < 0x10000; h++) {
      const x = bfloat16ToNumber(h);
      if (Number.isNaN(x)) expect(numberToBfloat16(x)).toBe(0x7fc0);
      else expect(numberToBfloat16(x)).toBe(h);
    }
  });

  it("rounds once from the float64, ties to even", () => {
    // Through float32 this becomes the midpoint 1 + 2^-8, which ties down to 1.
    expect(bfloat16ToNumber(numberToBfloat16(1 + 2 ** -8 + 2 ** -40))).toBe(1 + 2 ** -7);
    expect(bfloat16ToNumber(numberToBfloat16(1 + 2 ** -8))).toBe(1);
    expect(bfloat16ToNumber(numberToBfloat16(1 + 3 * 2 ** -8))).toBe(1 + 2 ** -6);
    expect(numberToBfloat16(3.5e38)).toBe(0x7f80);
    expect(numberToBfloat16(-0)).toBe(0x8000);
  });

  it("matches float32's upper half when the float32 is exact in bfloat16, both ways", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), (h) => {
        const dt = dataType("bfloat16");
        const bytes = new Uint8Array([h & 0xff, h >> 8]);
        const data = viewAs(dt, bytes);
        expect(data).toBeInstanceOf(Float32Array);
        const back = toBytes(dt, data);
        const x = bfloat16ToNumber(h);
        if (!Number.isNaN(x)) expect([...back]).toEqual([...bytes]);
      }),
    );
  });
});
