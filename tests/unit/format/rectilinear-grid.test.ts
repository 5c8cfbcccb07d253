/** The rectilinear chunk grid (zarr-extensions chunk-grids/rectilinear): runs, lookups, metadata. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MetadataError } from "../../../src/core/errors.js";
import { parseV3, toV3Json } from "../../../src/format/metadata/v3.js";
import type { ArrayMetadata } from "../../../src/format/model.js";
import { rectilinearGrid } from "../../../src/format/rectilinear-grid.js";

function grid(chunkShapes: unknown, shape: number[]) {
  const r = rectilinearGrid(chunkShapes, shape);
  if ("issues" in r) throw new Error(JSON.stringify(r.issues));
  return r.grid;
}

/** Expands one dimension's entry the naive way (the spec's wording), for small inputs. */
function expand(entry: number | (number | [number, number])[], length: number): number[] {
  if (typeof entry === "number") {
    const out: number[] = [];
    for (let s = 0; s < length; s += entry) out.push(entry);
    return out;
  }
  return entry.flatMap((e) => (typeof e === "number" ? [e] : new Array<number>(e[1]).fill(e[0])));
}

const entryArb = fc.oneof(
  fc.integer({ min: 1, max: 7 }),
  fc.array(
    fc.oneof(
      fc.integer({ min: 1, max: 9 }),
      fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 })),
    ),
    { minLength: 1, maxLength: 8 },
  ),
);

describe("rectilinear grid", () => {
  it("the spec's example expands as the spec says", () => {
    const g = grid([4, [1, 2, 3], [[4, 2]], [[1, 3], 3], [4, 4, 4]], [6, 6, 6, 6, 6]);
    expect(g.gridShape).toEqual([2, 3, 2, 4, 2]);
    expect(g.chunkShapeAt([1, 2, 1, 3, 1])).toEqual([4, 3, 4, 3, 4]);
    expect(g.chunkStartAt([1, 2, 1, 3, 1])).toEqual([4, 3, 4, 3, 4]);
    expect(g.maxChunkShape).toEqual([4, 3, 4, 3, 4]);
    // The spec's indexing example: [[16, 10], [24, 14]], element (20, 15) is in chunk (1, 0).
    const h = grid(
      [
        [16, 10],
        [24, 14],
      ],
      [26, 38],
    );
    expect([h.chunkIndex(0, 20), h.chunkIndex(1, 15)]).toEqual([1, 0]);
    expect(20 - h.chunkStart(0, 1)).toBe(4);
  });

  it("every coordinate maps to the chunk containing it (property)", () => {
    fc.assert(
      fc.property(entryArb, fc.integer({ min: 0, max: 60 }), (entry, want) => {
        const edges = expand(entry, Math.max(want, 1));
        const total = edges.reduce((a, b) => a + b, 0);
        const length = Math.min(want, total);
        const g = grid([entry], [length]);
        let start = 0;
        let chunks = 0;
        for (let i = 0; i < edges.length && start < length; i++) {
          expect(g.chunkStart(0, i)).toBe(start);
          expect(g.chunkEdge(0, i)).toBe(edges[i]);
          for (let x = start; x < Math.min(start + edges[i]!, length); x++) {
            expect(g.chunkIndex(0, x)).toBe(i);
          }
          start += edges[i]!;
          chunks++;
        }
        expect(g.gridShape[0]).toBe(chunks);
      }),
    );
  });

  it("huge run-length counts are never expanded", () => {
    const g = grid([[[3, 1e15]], [[1, Number.MAX_SAFE_INTEGER]]], [10, 2 ** 40]);
    expect(g.gridShape).toEqual([4, 2 ** 40]);
    expect(g.chunkIndex(1, 2 ** 40 - 1)).toBe(2 ** 40 - 1);
    expect(g.chunkIndex(0, 9)).toBe(3);
  });

  it("refuses bad edges with the field named", () => {
    const cases: [unknown, number[], string][] = [
      [[[0]], [1], "[0][0]"],
      [[[[2, 0]]], [1], "[0][0][1]"],
      [[[[2.5, 1]]], [1], "[0][0][0]"],
      [[[3, 3]], [7], "[0]"],
      [[[[1, 2, 3]]], [2], "[0][0]"],
      [["x"], [1], "[0]"],
      [[4], [4, 4], ""],
    ];
    for (const [cs, shape, path] of cases) {
      const r = rectilinearGrid(cs, shape);
      expect("issues" in r).toBe(true);
      if ("issues" in r) expect(r.issues[0]!.path.map((p) => `[${p}]`).join("")).toBe(path);
    }
  });
});

describe("rectilinear metadata", () => {
  const doc = (chunkShapes: unknown, extra: Record<string, unknown> = {}) => ({
    zarr_format: 3,
    node_type: "array",
    shape: [10, 6],
    data_type: "int32",
    chunk_grid: {
      name: "rectilinear",
      configuration: { kind: "inline", chunk_shapes: chunkShapes },
    },
    chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
    fill_value: 0,
    codecs: [{ name: "bytes", configuration: { endian: "little" } }],
    ...extra,
  });

  it("parses and writes back unchanged", () => {
    const cs = [[[3, 2], 4], 4];
    const meta = parseV3(doc(cs), "a/zarr.json") as ArrayMetadata;
    expect(meta.chunkGrid?.gridShape).toEqual([3, 2]);
    expect(meta.chunkShape).toEqual([4, 4]);
    expect((toV3Json(meta) as { chunk_grid: unknown }).chunk_grid).toEqual(doc(cs).chunk_grid);
  });

  it("refuses invalid chunk_shapes with MetadataError naming the field", () => {
    const fieldOf = (d: unknown): string[] => {
      try {
        parseV3(d, "a/zarr.json");
      } catch (e) {
        expect(e).toBeInstanceOf(MetadataError);
        return (e as MetadataError).issues.map((i) => i.field);
      }
      throw new Error("no error");
    };
    expect(
      fieldOf(
        doc([
          [3, 3],
          [0, 6],
        ]),
      ),
    ).toEqual([
      "chunk_grid.configuration.chunk_shapes[0]",
      "chunk_grid.configuration.chunk_shapes[1][0]",
    ]);
    expect(fieldOf(doc([10]))).toEqual(["chunk_grid.configuration.chunk_shapes"]);
    const badKind = doc([10, 6]);
    (badKind.chunk_grid.configuration as Record<string, unknown>).kind = "file";
    expect(fieldOf(badKind)).toEqual(["chunk_grid.configuration.kind"]);
    const sharded = doc([10, 6], {
      codecs: [
        {
          name: "sharding_indexed",
          configuration: {
            chunk_shape: [2, 2],
            codecs: [{ name: "bytes", configuration: { endian: "little" } }],
            index_codecs: [{ name: "bytes", configuration: { endian: "little" } }],
          },
        },
      ],
    });
    expect(fieldOf(sharded)).toEqual(["chunk_grid.name"]);
  });
});

describe("rectilinear grid bounds", () => {
  it("handles documents with many runs (no argument-spread limits)", () => {
    const n = 300_000;
    const edges = Array.from({ length: n }, (_, i) => 1 + (i % 2));
    const g = grid([edges], [n + n / 2]);
    expect(g.gridShape).toEqual([n]);
    expect(g.maxChunkShape).toEqual([2]);
    expect(g.chunkIndex(0, n + n / 2 - 1)).toBe(n - 1);
    expect(g.chunkStart(0, 3)).toBe(1 + 2 + 1);
  });
});
