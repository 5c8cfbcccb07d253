/**
 * Generators of selections for the property tests (lazy-selection, plan-multi): shapes with 0-d
 * and size-0 dimensions, slices of any step, ellipsis, newaxis, index arrays that broadcast,
 * masks. Every draw is a raw integer mapped onto a range (see RAW), which keeps fast-check fast.
 */
import fc from "fast-check";
import type { RefItem } from "./numpy-ref.js";

export type G = fc.GeneratorValue;

/*
 * Every draw goes through one argument-free arbitrary: fc.gen caches arbitraries per builder in
 * a list scanned with deep equality, so builders called with varying arguments make each run
 * slower than the last. Raw draws are mapped onto ranges here instead.
 */
export const RAW = () => fc.integer({ min: 0, max: 0x7fffffff });
export const SEED_ARB = () => fc.noShrink(fc.integer({ min: 0, max: 1_000_000 }));

/** Bijection [0, max-min] → [min, max] visiting 0, 1, -1, 2, -2, … first (shrinks toward 0). */
function towardZero(k: number, min: number, max: number): number {
  if (min >= 0) return min + k;
  if (max <= 0) return max - k;
  const both = Math.min(max, -min);
  if (k <= 2 * both) return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  const rest = k - 2 * both;
  return max > -min ? both + rest : -(both + rest);
}

export const int = (g: G, min: number, max: number): number =>
  towardZero(g(RAW) % (max - min + 1), min, max);
export const oneOf = <T>(g: G, values: readonly T[]): T => values[int(g, 0, values.length - 1)]!;
export const orNull = <T>(g: G, f: () => T): T | null => (int(g, 0, 5) === 5 ? null : f());
/** True once in `oneIn` draws; shrinks toward false. */
export const chance = (g: G, oneIn: number): boolean => int(g, 0, oneIn - 1) === oneIn - 1;

export function genShape(g: G): number[] {
  const ndim = int(g, 0, 4);
  const max = [1, 24, 12, 6, 4][ndim]!;
  return Array.from({ length: ndim }, () => (chance(g, 12) ? 0 : int(g, 1, max)));
}

export function genChunks(g: G, shape: readonly number[]): number[] {
  return shape.map((s) => int(g, 1, Math.max(1, s + 1)));
}

export function genValues(g: G, n: number, size: number): number[] {
  if (size === 0) return [];
  if (n === 0) return Array.from({ length: size }, () => 0); // invalid anyway: caller avoids
  return Array.from({ length: size }, () => int(g, -n, n - 1));
}

export function genBools(g: G, size: number): boolean[] {
  return Array.from({ length: size }, () => int(g, 0, 1) === 1);
}

export function genSlice(g: G, n: number): RefItem {
  const mode = int(g, 0, 3);
  if (mode === 0) {
    // Anything, including bounds far outside and empty or backwards intervals.
    const bound = () => orNull(g, () => int(g, -n - 3, n + 3));
    const step = orNull(g, () => oneOf(g, [1, 2, 3, 7, -1, -2, -3, -7]));
    return { kind: "slice", start: bound(), stop: bound(), step };
  }
  const k = oneOf(g, [1, 1, 2, 3, 5, 7]);
  const neg = chance(g, 2);
  if (mode === 1)
    return { kind: "slice", start: null, stop: null, step: neg ? -k : k === 1 ? null : k };
  // An interval [a, b) walked forwards or backwards; positions sometimes written negatively.
  let a = int(g, 0, n);
  let b = int(g, 0, n);
  if (a > b) [a, b] = [b, a];
  const write = (p: number | null): number | null =>
    p !== null && p < n && chance(g, 3) ? p - n : p;
  if (!neg) return { kind: "slice", start: write(a), stop: write(b), step: k };
  return {
    kind: "slice",
    start: b > 0 ? write(b - 1) : null,
    stop: a > 0 ? write(a - 1) : null,
    step: -k,
  };
}

export function genItems(
  g: G,
  shape: readonly number[],
  op: "get" | "oindex" | "vindex",
): RefItem[] {
  const ndim = shape.length;
  const c = int(g, 0, ndim); // dimensions indexed explicitly
  const useEllipsis = chance(g, 3);
  const e = useEllipsis ? int(g, 0, c) : c; // items before the ellipsis cover dims [0, e)
  const dims = [
    ...Array.from({ length: e }, (_, i) => i),
    ...Array.from({ length: c - e }, (_, i) => ndim - (c - e) + i),
  ];
  const bshape = Array.from({ length: int(g, 1, 2) }, () => int(g, 1, 4));
  if (chance(g, 10)) bshape[0] = 0;
  const items: RefItem[] = [];
  let ellPos = useEllipsis ? -1 : -2;
  for (let i = 0; i < dims.length; ) {
    if (i === e && ellPos === -1) ellPos = items.length;
    const d = dims[i]!;
    const n = shape[d]!;
    const r = int(g, 0, 99);
    if (r < 15 && n > 0) {
      items.push({ kind: "int", value: int(g, -n, n - 1) });
    } else if (r < 50) {
      items.push(genSlice(g, n));
    } else if (r < 80) {
      let sh: number[];
      if (op === "oindex") sh = [chance(g, 10) ? 0 : int(g, 1, 6)];
      else {
        const k = int(g, 1, bshape.length);
        sh = bshape.slice(bshape.length - k).map((x) => (chance(g, 4) ? 1 : x));
      }
      if (n === 0) sh = sh.map(() => 0);
      const size = sh.reduce((p, s) => p * s, 1);
      items.push({ kind: "array", shape: sh, data: genValues(g, n, size) });
    } else {
      const span =
        op !== "oindex" &&
        i + 1 < dims.length &&
        i + 1 !== e &&
        dims[i + 1] === d + 1 &&
        chance(g, 2)
          ? 2
          : 1;
      const sh = shape.slice(d, d + span);
      items.push({
        kind: "bool",
        shape: sh,
        data: genBools(
          g,
          sh.reduce((p, s) => p * s, 1),
        ),
      });
      i += span;
      continue;
    }
    i++;
  }
  if (useEllipsis) items.splice(ellPos < 0 ? items.length : ellPos, 0, { kind: "ellipsis" });
  const newaxes = chance(g, 4) ? int(g, 1, 2) : 0;
  for (let k = 0; k < newaxes; k++) items.splice(int(g, 0, items.length), 0, { kind: "newaxis" });
  return items;
}

/** A property's own failure (its message carries the log of the case); other errors are wrapped in one. */
export class Mismatch extends Error {}

/**
 * A fast-check property over generated cases whose failures carry the case's log: `runCase`
 * describes the case into `log`; an error that is not a {@link Mismatch} is wrapped in one whose
 * message is the log joined by `separator` and the error. `maxShrinks` caps shrinking.
 */
export function loggedProperty(
  runCase: (g: G, log: string[]) => Promise<void>,
  options: { separator?: string; maxShrinks?: number } = {},
) {
  const gen =
    options.maxShrinks === undefined ? fc.gen() : fc.limitShrink(fc.gen(), options.maxShrinks);
  const separator = options.separator ?? " | ";
  return fc.asyncProperty(gen, async (g) => {
    const log: string[] = [];
    try {
      await runCase(g, log);
    } catch (e) {
      if (e instanceof Mismatch) throw e;
      throw new Mismatch(`${log.join(separator)}: ${String(e)}`, { cause: e });
    }
  });
}
