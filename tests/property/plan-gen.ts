/**
 * Generators of valid selection chains for plan property tests, in the style of
 * lazy-selection.test.ts (shapes with 0-d and size-0 dimensions, slices of any step, ellipsis,
 * newaxis, index arrays that broadcast, masks), without the deliberately invalid selections.
 */
import fc from "fast-check";
import type { RefItem, RefOp } from "./numpy-ref.js";

export type G = fc.GeneratorValue;

export const int = (g: G, min: number, max: number): number => g(fc.integer, { min, max });
export const chance = (g: G, oneIn: number): boolean => int(g, 1, oneIn) === 1;

/** A shape of 0–4 dimensions (sometimes a zero extent). */
export function genShape(g: G): number[] {
  const ndim = int(g, 0, 4);
  const max = [1, 40, 14, 7, 5][ndim]!;
  return Array.from({ length: ndim }, () => (chance(g, 15) ? 0 : int(g, 1, max)));
}

/** A chunk shape for `shape` (extents 1 … s + 1). */
export function genChunks(g: G, shape: readonly number[]): number[] {
  return shape.map((s) => int(g, 1, Math.max(1, s + 1)));
}

function genValues(g: G, n: number, size: number): number[] {
  if (size === 0 || n === 0) return [];
  return g(fc.array, fc.integer({ min: -n, max: n - 1 }), { minLength: size, maxLength: size });
}

function genBools(g: G, size: number): boolean[] {
  return g(fc.array, fc.boolean(), { minLength: size, maxLength: size });
}

function genSlice(g: G, n: number): RefItem {
  const mode = int(g, 0, 3);
  if (mode === 0) {
    const bound = () => g(fc.option, fc.integer({ min: -n - 3, max: n + 3 }), { nil: null });
    const step = g(fc.option, fc.constantFrom(1, 2, 3, 7, -1, -2, -3, -7), { nil: null });
    return { kind: "slice", start: bound(), stop: bound(), step };
  }
  const k = g(fc.constantFrom, 1, 1, 2, 3, 5);
  const neg = chance(g, 3);
  if (mode === 1)
    return { kind: "slice", start: null, stop: null, step: neg ? -k : k === 1 ? null : k };
  let a = int(g, 0, n);
  let b = int(g, 0, n);
  if (a > b) [a, b] = [b, a];
  if (!neg) return { kind: "slice", start: a, stop: b, step: k };
  return { kind: "slice", start: b > 0 ? b - 1 : null, stop: a > 0 ? a - 1 : null, step: -k };
}

function genItems(g: G, shape: readonly number[], op: "get" | "oindex" | "vindex"): RefItem[] {
  const ndim = shape.length;
  const c = int(g, 0, ndim);
  const useEllipsis = chance(g, 3);
  const e = useEllipsis ? int(g, 0, c) : c;
  const dims = [
    ...Array.from({ length: e }, (_, i) => i),
    ...Array.from({ length: c - e }, (_, i) => ndim - (c - e) + i),
  ];
  const bshape = g(fc.array, fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 2 });
  const items: RefItem[] = [];
  let ellPos = useEllipsis ? -1 : -2;
  for (let i = 0; i < dims.length; ) {
    if (i === e && ellPos === -1) ellPos = items.length;
    const d = dims[i]!;
    const n = shape[d]!;
    const r = int(g, 0, 99);
    if (r < 15 && n > 0) items.push({ kind: "int", value: int(g, -n, n - 1) });
    else if (r < 50) items.push(genSlice(g, n));
    else if (r < 82) {
      let sh: number[];
      if (op === "oindex") sh = [int(g, 1, 7)];
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
  if (chance(g, 5)) items.splice(int(g, 0, items.length), 0, { kind: "newaxis" });
  return items;
}

/** One selection op for a view of `shape` (may still be invalid, e.g. non-broadcasting arrays). */
export function genOp(g: G, shape: readonly number[]): RefOp {
  const op = g(fc.constantFrom, "get", "get", "oindex", "vindex", "mask") as RefOp["op"];
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
