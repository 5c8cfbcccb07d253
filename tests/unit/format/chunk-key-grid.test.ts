import { describe, expect, it } from "vitest";
import { chunkBounds, chunkCoords, chunkCount, gridShape } from "../../../src/format/chunk-grid.js";
import { chunkKey, parseChunkKey } from "../../../src/format/chunk-key.js";
import type { ChunkKeyEncoding } from "../../../src/format/model.js";

const DEFAULT_SLASH: ChunkKeyEncoding = { name: "default", separator: "/" };
const DEFAULT_DOT: ChunkKeyEncoding = { name: "default", separator: "." };
const V2_DOT: ChunkKeyEncoding = { name: "v2", separator: "." };
const V2_SLASH: ChunkKeyEncoding = { name: "v2", separator: "/" };

describe("chunkKey", () => {
  it("encodes default keys with the c prefix", () => {
    expect(chunkKey(DEFAULT_SLASH, [1, 23, 0])).toBe("c/1/23/0");
    expect(chunkKey(DEFAULT_DOT, [1, 23, 0])).toBe("c.1.23.0");
    expect(chunkKey(DEFAULT_SLASH, [7])).toBe("c/7");
    expect(chunkKey(DEFAULT_SLASH, [])).toBe("c");
    expect(chunkKey(DEFAULT_DOT, [])).toBe("c");
  });

  it("encodes v2 keys without prefix, 0-d as 0", () => {
    expect(chunkKey(V2_DOT, [1, 23, 0])).toBe("1.23.0");
    expect(chunkKey(V2_SLASH, [1, 23, 0])).toBe("1/23/0");
    expect(chunkKey(V2_DOT, [4])).toBe("4");
    expect(chunkKey(V2_DOT, [])).toBe("0");
    expect(chunkKey(V2_SLASH, [])).toBe("0");
  });
});

describe("parseChunkKey", () => {
  it("inverts chunkKey for every encoding", () => {
    const coords = [[], [0], [3], [0, 0], [12, 0, 7], [1, 2, 3, 4, 5]];
    for (const enc of [DEFAULT_SLASH, DEFAULT_DOT, V2_DOT, V2_SLASH]) {
      for (const c of coords) {
        expect(parseChunkKey(enc, chunkKey(enc, c), c.length)).toEqual(c);
      }
    }
  });

  it("treats v2 key 0 as [0] unless the array is 0-d", () => {
    expect(parseChunkKey(V2_DOT, "0")).toEqual([0]);
    expect(parseChunkKey(V2_DOT, "0", 0)).toEqual([]);
    expect(parseChunkKey(V2_DOT, "1", 0)).toBeUndefined();
    expect(parseChunkKey(DEFAULT_SLASH, "c")).toEqual([]);
    expect(parseChunkKey(DEFAULT_SLASH, "c", 2)).toBeUndefined();
  });

  it("rejects keys that are not chunk keys", () => {
    const bad: [ChunkKeyEncoding, string, number?][] = [
      [DEFAULT_SLASH, "zarr.json"],
      [DEFAULT_SLASH, "c/1.2"],
      [DEFAULT_SLASH, "c.1.2"],
      [DEFAULT_SLASH, "c/"],
      [DEFAULT_SLASH, "c/01"],
      [DEFAULT_SLASH, "c/-1"],
      [DEFAULT_SLASH, "c/1/x"],
      [DEFAULT_SLASH, "d/1"],
      [DEFAULT_SLASH, "c/1/2", 3],
      [DEFAULT_DOT, "c/1/2"],
      [V2_DOT, ".zarray"],
      [V2_DOT, "1/2"],
      [V2_DOT, "1..2"],
      [V2_DOT, "1.2", 3],
      [V2_SLASH, "1.2", 2],
      [V2_DOT, "99999999999999999999"],
      [V2_DOT, ""],
    ];
    for (const [enc, key, ndim] of bad) {
      expect(parseChunkKey(enc, key, ndim), `${enc.name}${enc.separator} ${key}`).toBeUndefined();
    }
  });
});

describe("regular chunk grid", () => {
  it("gridShape divides with ceiling, 0-size dimensions have 0 chunks", () => {
    expect(gridShape([13, 17], [5, 6])).toEqual([3, 3]);
    expect(gridShape([10, 12], [5, 6])).toEqual([2, 2]);
    expect(gridShape([5, 7], [8, 10])).toEqual([1, 1]);
    expect(gridShape([0, 5], [3, 3])).toEqual([0, 2]);
    expect(gridShape([], [])).toEqual([]);
  });

  it("chunkCount is the product of the grid shape", () => {
    expect(chunkCount([13, 17], [5, 6])).toBe(9);
    expect(chunkCount([], [])).toBe(1);
    expect(chunkCount([0, 5], [3, 3])).toBe(0);
    expect(chunkCount([3, 4, 3, 4, 5], [2, 3, 2, 3, 2])).toBe(2 * 2 * 2 * 2 * 3);
  });

  it("chunkBounds clamps edge chunks to the array", () => {
    expect(chunkBounds([0, 0], [13, 17], [5, 6])).toEqual({ start: [0, 0], stop: [5, 6] });
    expect(chunkBounds([2, 2], [13, 17], [5, 6])).toEqual({ start: [10, 12], stop: [13, 17] });
    expect(chunkBounds([0, 0], [5, 7], [8, 10])).toEqual({ start: [0, 0], stop: [5, 7] });
    expect(chunkBounds([], [], [])).toEqual({ start: [], stop: [] });
  });

  it("rejects inconsistent input with RangeError", () => {
    expect(() => gridShape([10], [5, 5])).toThrow(RangeError);
    expect(() => gridShape([10], [0])).toThrow(RangeError);
    expect(() => gridShape([-1], [2])).toThrow(RangeError);
    expect(() => chunkBounds([3, 0], [13, 17], [5, 6])).toThrow(RangeError);
    expect(() => chunkBounds([0], [13, 17], [5, 6])).toThrow(RangeError);
    expect(() => chunkBounds([-1, 0], [13, 17], [5, 6])).toThrow(RangeError);
  });

  it("chunkCoords enumerates the grid in C order", () => {
    expect([...chunkCoords([2, 3])]).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 0],
      [1, 1],
      [1, 2],
    ]);
    expect([...chunkCoords([])]).toEqual([[]]);
    expect([...chunkCoords([0, 2])]).toEqual([]);
    expect([...chunkCoords(gridShape([3, 4, 3, 4, 5], [2, 3, 2, 3, 2]))]).toHaveLength(48);
  });

  it("chunk bounds tile the array exactly", () => {
    const shape = [9, 10, 11];
    const chunks = [4, 3, 5];
    let elements = 0;
    for (const c of chunkCoords(gridShape(shape, chunks))) {
      const { start, stop } = chunkBounds(c, shape, chunks);
      elements += stop.reduce((acc, s, k) => acc * (s - start[k]!), 1);
    }
    expect(elements).toBe(9 * 10 * 11);
  });
});
