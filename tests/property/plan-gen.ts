/**
 * Selection ops for plan property tests, from the shared generators of `selection-gen.ts`
 * (without lazy-selection's deliberately invalid selections).
 */
import type { RefOp } from "./numpy-ref.js";
import { type G, genBools, genItems, oneOf } from "./selection-gen.js";

export { chance, type G, genChunks, genShape, int } from "./selection-gen.js";

/** One selection op for a view of `shape` (may still be invalid, e.g. non-broadcasting arrays). */
export function genOp(g: G, shape: readonly number[]): RefOp {
  const op = oneOf(g, ["get", "get", "oindex", "vindex", "mask"] as const);
  if (op === "mask") {
    return {
      op,
      mask: {
        shape: [...shape],
        data: genBools(
          g,
          shape.reduce((p, s) => p * s, 1),
        ),
      },
    };
  }
  return { op, items: genItems(g, shape, op) };
}
