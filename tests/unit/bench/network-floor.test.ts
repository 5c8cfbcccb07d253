import { describe, expect, it } from "vitest";
import { type LoggedRequest, stagesOf } from "../../../bench/network-floor.js";

// Object sizes as the latency server's files would have them.
const sizes: Record<string, number> = {
  "/g.zarr/a/c/0/0": 10_000,
  "/g.zarr/b/c/0/0": 20_000,
  "/g.zarr/u/c/0": 500,
};
const sizeOf = (p: string) => {
  const s = sizes[p];
  if (s === undefined) throw new Error(`no size for ${p}`);
  return s;
};

describe("network floor: request stages", () => {
  it("puts metadata first, then each object's shard index before its data", () => {
    const log: LoggedRequest[] = [
      ["/g.zarr/a/zarr.json", 0, 400, 200, "GET"],
      ["/g.zarr/b/zarr.json", 0, 400, 200, "GET"],
      ["/g.zarr/a/c/0/0", 8_972, 10_000, 206, "GET"],
      ["/g.zarr/b/c/0/0", 18_972, 20_000, 206, "GET"],
      ["/g.zarr/a/c/0/0", 0, 4_000, 206, "GET"],
      ["/g.zarr/a/c/0/0", 6_000, 8_000, 206, "GET"],
      ["/g.zarr/b/c/0/0", 100, 900, 206, "GET"],
    ];
    const st = stagesOf(log, "g.zarr", false, sizeOf);
    expect(st.metadata).toEqual([[log[0], log[1]]]);
    expect(st.objects).toEqual([
      { index: log[2], rest: [log[4], log[5]] },
      { index: log[3], rest: [log[6]] },
    ]);
  });

  it("reads the group's root metadata alone before its children's when the workload opens a group", () => {
    const log: LoggedRequest[] = [
      ["/g.zarr/zarr.json", 0, 300, 200, "GET"],
      ["/g.zarr/a/zarr.json", 0, 400, 200, "GET"],
      ["/g.zarr/b/zarr.json", 0, 400, 200, "GET"],
    ];
    expect(stagesOf(log, "g.zarr", true, sizeOf).metadata).toEqual([[log[0]], [log[1], log[2]]]);
    // Opening an array at the root is one round.
    expect(stagesOf(log, "g.zarr", false, sizeOf).metadata).toEqual([log]);
  });

  it("takes a whole object, a lone suffix or a range from the start as data, not as an index", () => {
    const log: LoggedRequest[] = [
      ["/g.zarr/a/c/0/0", 0, 10_000, 200, "GET"],
      ["/g.zarr/b/c/0/0", 19_000, 20_000, 206, "GET"],
      ["/g.zarr/u/c/0", 0, 500, 206, "GET"],
      ["/g.zarr/u/c/0", 0, 100, 206, "GET"],
    ];
    const st = stagesOf(log, "g.zarr", false, sizeOf);
    expect(st.metadata).toEqual([]);
    expect(st.objects).toEqual([
      { rest: [log[0]] },
      { rest: [log[1]] },
      { rest: [log[2], log[3]] },
    ]);
  });
});
