/**
 * Selection ops for plan property tests, from the shared generators of `selection-gen.ts`
 * (without lazy-selection's deliberately invalid selections).
 */
import fc from "fast-check";
import type { RefOp } from "./numpy-ref.js";
import { type G, genBools, genItems, loggedProperty, oneOf } from "./selection-gen.js";

export { chance, type G, genChunks, genShape, int, Mismatch } from "./selection-gen.js";

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

/**
 * Runs `runCase` as a fast-check property over `numRuns` generated cases; a failure is a
 * {@link Mismatch} whose message is the case's log. Replay with FC_SEED=<seed> FC_PATH=<path>.
 */
export async function assertLoggedCases(
  numRuns: number,
  runCase: (g: G, log: string[]) => Promise<void>,
): Promise<void> {
  const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
  const path = process.env.FC_PATH;
  await fc.assert(loggedProperty(runCase), {
    numRuns,
    ...(seed === undefined ? {} : { seed }),
    ...(path === undefined ? {} : { path }),
  });
}
