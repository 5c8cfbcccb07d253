/** Store settings: the coalescing cost model and how explicit settings override it. */
import { describe, expect, it } from "vitest";
import {
  costModelGap,
  DEFAULT_STORE_SETTINGS,
  mergeStoreSettings,
} from "../../../src/plan/store-settings.js";

describe("the coalescing cost model", () => {
  it("gap = bandwidth × latency ÷ concurrency, in bytes", () => {
    expect(costModelGap(20, 200, 32)).toBe(125_000);
    expect(costModelGap(20, 200, 64)).toBe(62_500);
    expect(costModelGap(100, 100, 16)).toBe(625_000);
    expect(costModelGap(0, 200, 32)).toBe(0);
    expect(costModelGap(20, 200, 128)).toBe(31_250);
    expect(DEFAULT_STORE_SETTINGS.maxGap).toBe(costModelGap(20, 200, 128));
    expect(DEFAULT_STORE_SETTINGS.gapFrom).toBe("cost");
  });

  it("follows latency, bandwidth and concurrency until maxGap is set", () => {
    const s = mergeStoreSettings(DEFAULT_STORE_SETTINGS, { latencyMs: 80, concurrency: 16 });
    expect(s.maxGap).toBe(costModelGap(80, 200, 16));
    expect(s.gapFrom).toBe("cost");
    const set = mergeStoreSettings(s, { maxGap: 4096 });
    expect(set.maxGap).toBe(4096);
    expect(set.gapFrom).toBe("set");
    const still = mergeStoreSettings(set, { latencyMs: 5 });
    expect(still.maxGap).toBe(4096);
    const back = mergeStoreSettings(still, { gapFrom: "cost" });
    expect(back.maxGap).toBe(costModelGap(5, 200, 16));
  });

  it("refuses latency or bandwidth that is not a finite number >= 0", () => {
    expect(() => mergeStoreSettings(DEFAULT_STORE_SETTINGS, { latencyMs: -1 })).toThrow(
      /latencyMs/,
    );
    expect(() =>
      mergeStoreSettings(DEFAULT_STORE_SETTINGS, { bandwidthMBps: Number.POSITIVE_INFINITY }),
    ).toThrow(/bandwidthMBps/);
  });
});
