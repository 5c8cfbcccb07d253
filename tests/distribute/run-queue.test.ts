/**
 * `run --queue` helpers without Redis: relative store locations made absolute from the plan file's
 * folder (workers start elsewhere), and `--partitions` / `--max-bytes` as partition options.
 */
import { describe, expect, it } from "vitest";
import { partitionOptionsOf, withAbsoluteStores } from "../../src/cli/commands/run-queue.js";
import { UsageError } from "../../src/cli/errors.js";

describe("withAbsoluteStores", () => {
  it("resolves relative store paths of the file and of each read; URLs and absolute paths stay", () => {
    const file = {
      store: "data/a.zarr",
      reads: {
        x: { array: "v", ops: [] },
        y: { array: "v", store: "../b.zarr", ops: [] },
        z: { array: "v", store: "https://example.org/c.zarr", ops: [] },
        w: { array: "v", store: "/abs/d.zarr", ops: [] },
      },
      options: { maxGap: 1 },
    };
    expect(withAbsoluteStores(file, "/plans/p")).toEqual({
      store: "/plans/p/data/a.zarr",
      reads: {
        x: { array: "v", ops: [] },
        y: { array: "v", store: "/plans/b.zarr", ops: [] },
        z: { array: "v", store: "https://example.org/c.zarr", ops: [] },
        w: { array: "v", store: "/abs/d.zarr", ops: [] },
      },
      options: { maxGap: 1 },
    });
  });

  it("leaves JSON that is not a plan file to the plan-file validation", () => {
    expect(withAbsoluteStores(null, "/p")).toBe(null);
    expect(withAbsoluteStores({ store: 3, reads: [] }, "/p")).toEqual({ store: 3, reads: [] });
  });
});

describe("partitionOptionsOf", () => {
  it("maps --partitions to count and --max-bytes to maxBytes, and refuses both", () => {
    expect(partitionOptionsOf({ queue: "q" })).toEqual({});
    expect(partitionOptionsOf({ queue: "q", partitions: 4 })).toEqual({ count: 4 });
    expect(partitionOptionsOf({ queue: "q", maxBytes: 1024 })).toEqual({ maxBytes: 1024 });
    expect(() => partitionOptionsOf({ queue: "q", partitions: 4, maxBytes: 1 })).toThrow(
      UsageError,
    );
  });
});
