/** Byte-range coalescing: merge rules, caps, over-read accounting, and invariants (fast-check). */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkPolicy,
  coalesce,
  DEFAULT_COALESCE_POLICY,
  DEFAULT_MAX_GAP,
  DEFAULT_MAX_SIZE,
} from "../../../src/plan/coalesce.js";

const spans = (r: ReturnType<typeof coalesce>) => r.map((c) => [c.offset, c.offset + c.length]);
const parts = (r: ReturnType<typeof coalesce>) => r.map((c) => Array.from(c.parts));

describe("coalesce", () => {
  it("merges touching ranges and bridges gaps up to maxGap", () => {
    const r = coalesce([0, 10, 30, 100], [10, 10, 10, 10], { maxGap: 10, maxSize: 1000 });
    expect(spans(r)).toEqual([
      [0, 40],
      [100, 110],
    ]);
    expect(parts(r)).toEqual([[0, 1, 2], [3]]);
    expect(r[0]!.wanted).toBe(30);
    expect(r[1]!.wanted).toBe(10);
  });

  it("maxGap 0 merges only touching ranges", () => {
    const r = coalesce([0, 10, 21], [10, 10, 5], { maxGap: 0, maxSize: 1000 });
    expect(spans(r)).toEqual([
      [0, 20],
      [21, 26],
    ]);
  });

  it("sorts by offset and reports parts in offset order", () => {
    const r = coalesce([50, 0, 20], [10, 10, 10], { maxGap: 100, maxSize: 1000 });
    expect(spans(r)).toEqual([[0, 60]]);
    expect(parts(r)).toEqual([[1, 2, 0]]);
    expect(r[0]!.wanted).toBe(30);
  });

  it("stops growing at maxSize; a lone larger range is requested alone", () => {
    const r = coalesce([0, 10, 20, 30], [10, 10, 10, 100], { maxGap: 0, maxSize: 20 });
    expect(spans(r)).toEqual([
      [0, 20],
      [20, 30],
      [30, 130],
    ]);
  });

  it("always merges overlapping ranges, counting shared bytes once", () => {
    const r = coalesce([0, 5, 5], [10, 10, 2], { maxGap: 0, maxSize: 1 });
    expect(spans(r)).toEqual([[0, 15]]);
    expect(r[0]!.wanted).toBe(15);
  });

  it("handles no ranges and zero-length ranges", () => {
    expect(coalesce([], [])).toEqual([]);
    const r = coalesce([4, 4], [0, 4], { maxGap: 0, maxSize: 100 });
    expect(spans(r)).toEqual([[4, 8]]);
  });

  it("rejects bad input and bad policies", () => {
    expect(() => coalesce([0], [1, 2])).toThrow(RangeError);
    expect(() => coalesce([-1], [1])).toThrow(/non-negative/);
    expect(() => checkPolicy({ maxGap: -1, maxSize: 0 })).toThrow(/maxGap/);
    expect(() => checkPolicy({ maxGap: 0, maxSize: Number.NaN })).toThrow(/maxSize/);
  });

  it("defaults", () => {
    expect(DEFAULT_COALESCE_POLICY).toEqual({ maxGap: DEFAULT_MAX_GAP, maxSize: DEFAULT_MAX_SIZE });
    expect(DEFAULT_MAX_GAP).toBeGreaterThan(0);
    expect(DEFAULT_MAX_SIZE).toBeGreaterThan(DEFAULT_MAX_GAP);
  });

  it("invariants on random disjoint ranges", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 50 })), {
          maxLength: 40,
        }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 400 }),
        (raw, maxGap, maxSize) => {
          // Disjoint ranges, as inner chunks of a shard are.
          const offs: number[] = [];
          const lens: number[] = [];
          let at = 0;
          for (const [gap, len] of raw) {
            at += gap;
            offs.push(at);
            lens.push(len);
            at += len;
          }
          const perm = offs.map((_, i) => i).sort((a, b) => ((a * 7919) % 13) - ((b * 7919) % 13));
          const o = perm.map((i) => offs[i]!);
          const l = perm.map((i) => lens[i]!);
          const r = coalesce(o, l, { maxGap, maxSize });
          const seen = new Set<number>();
          let wanted = 0;
          r.forEach((c, k) => {
            if (k > 0) {
              const prev = r[k - 1]!;
              const end = prev.offset + prev.length;
              expect(c.offset).toBeGreaterThanOrEqual(end);
              // Not merged: the gap was too large or the cap would have been exceeded.
              const gap = c.offset - end;
              const merged = c.offset + c.length - prev.offset;
              expect(gap > maxGap || merged > maxSize).toBe(true);
            }
            if (c.parts.length > 1) expect(c.length).toBeLessThanOrEqual(Math.max(maxSize, 0));
            let w = 0;
            for (const p of c.parts) {
              expect(seen.has(p)).toBe(false);
              seen.add(p);
              expect(o[p]!).toBeGreaterThanOrEqual(c.offset);
              expect(o[p]! + l[p]!).toBeLessThanOrEqual(c.offset + c.length);
              w += l[p]!;
            }
            expect(c.wanted).toBe(w);
            wanted += w;
          });
          expect(seen.size).toBe(o.length);
          expect(wanted).toBe(lens.reduce((a, b) => a + b, 0));
        },
      ),
      { numRuns: 300 },
    );
  });
});
