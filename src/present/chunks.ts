/**
 * How many chunks a lazy selection touches, computed from its index transform (no IO).
 *
 * The transform's output maps are grouped by the view dimensions they read; groups are independent,
 * so the touched chunks are the product of each group's distinct chunk coordinates. A group of one
 * map is counted in closed form (constant, strided range) or from its index array; a group of
 * correlated maps (vectorized indexing) is counted by visiting its points, up to a limit beyond which
 * the product of the per-dimension counts is reported as an upper bound.
 * @module
 */
import { type IndexTransform, shapeSize } from "../index.js";
import { gridOf } from "./describe.js";

type OutputMap = IndexTransform["maps"][number];

/** Points a correlated group may have before the count falls back to an upper bound. */
const MAX_VISITED_POINTS = 4_000_000;

/** Chunks of a regular grid touched by a selection. */
export interface ChunkCount {
  /** Distinct chunks holding at least one selected element (an upper bound when `exact` is false). */
  touched: number;
  /** Chunks in the grid. */
  total: number;
  /** Whether `touched` is exact. */
  exact: boolean;
}

/** Input (view) dimensions a map reads. */
function inputDimsOf(m: OutputMap): readonly number[] {
  if (m.kind === "constant") return [];
  if (m.kind === "single") return [m.inputDim];
  return m.inputDims;
}

/** Distinct chunk indices of one map along one source dimension with chunk length `c`. */
function distinctChunks(m: OutputMap, inputShape: readonly number[], c: number): number {
  if (m.kind === "constant") return 1;
  if (m.kind === "single") {
    const n = inputShape[m.inputDim]!;
    if (n === 0) return 0;
    if (Math.abs(m.stride) >= c) return n;
    const a = m.offset;
    const b = m.offset + m.stride * (n - 1);
    return Math.floor(Math.max(a, b) / c) - Math.floor(Math.min(a, b) / c) + 1;
  }
  const seen = new Set<number>();
  for (let i = 0; i < m.index.length; i++)
    seen.add(Math.floor((m.offset + m.stride * m.index[i]!) / c));
  return seen.size;
}

/** Distinct chunk tuples of correlated maps, by visiting every point of their view dimensions. */
function distinctTuples(
  maps: readonly OutputMap[],
  chunks: readonly number[],
  dims: readonly number[],
  inputShape: readonly number[],
): number {
  const extents = dims.map((d) => inputShape[d]!);
  /** The view point, by input dimension (only `dims` are read). */
  const point = new Array<number>(inputShape.length).fill(0);
  const seen = new Set<string>();
  const coord = (m: OutputMap): number => {
    if (m.kind === "constant") return m.offset;
    if (m.kind === "single") return m.offset + m.stride * point[m.inputDim]!;
    let flat = 0;
    for (const d of m.inputDims) flat = flat * inputShape[d]! + point[d]!;
    return m.offset + m.stride * m.index[flat]!;
  };
  // The CLI uses the public API only (no core/nd-iter): decode each flat C-order position.
  const points = shapeSize(extents);
  for (let p = 0; p < points; p++) {
    for (let k = dims.length - 1, rest = p; k >= 0; k--) {
      point[dims[k]!] = rest % extents[k]!;
      rest = Math.floor(rest / extents[k]!);
    }
    seen.add(maps.map((m, k) => Math.floor(coord(m) / chunks[k]!)).join(","));
  }
  return seen.size;
}

/**
 * The chunks of the regular grid `chunkShape` over `transform.outputShape` that the view
 * `transform` touches. Pass the inner chunk shape of a sharded array to count inner chunks.
 */
export function countTouchedChunks(
  transform: IndexTransform,
  chunkShape: readonly number[],
): ChunkCount {
  const { inputShape, outputShape, maps } = transform;
  const total = shapeSize(gridOf(outputShape, chunkShape));
  if (inputShape.some((s) => s === 0) || total === 0) return { touched: 0, total, exact: true };

  // Group output dimensions that read a common view dimension (union-find on output dims).
  const parent = maps.map((_, j) => j);
  const find = (j: number): number => {
    while (parent[j] !== j) j = parent[j] = parent[parent[j]!]!;
    return j;
  };
  const owner = new Map<number, number>();
  maps.forEach((m, j) => {
    for (const d of inputDimsOf(m)) {
      const o = owner.get(d);
      if (o === undefined) owner.set(d, j);
      else parent[find(j)] = find(o);
    }
  });
  const groups = new Map<number, number[]>();
  maps.forEach((_, j) => {
    const r = find(j);
    groups.set(r, [...(groups.get(r) ?? []), j]);
  });

  let touched = 1;
  let exact = true;
  for (const members of groups.values()) {
    const per = members.map((j) => distinctChunks(maps[j]!, inputShape, chunkShape[j]!));
    if (members.length === 1) {
      touched *= per[0]!;
      continue;
    }
    const dims = [...new Set(members.flatMap((j) => inputDimsOf(maps[j]!)))].sort((a, b) => a - b);
    const points = dims.reduce((n, d) => n * inputShape[d]!, 1);
    if (points > MAX_VISITED_POINTS) {
      touched *= shapeSize(per);
      exact = false;
    } else {
      touched *= distinctTuples(
        members.map((j) => maps[j]!),
        members.map((j) => chunkShape[j]!),
        dims,
        inputShape,
      );
    }
  }
  return { touched: Math.min(touched, total), total, exact };
}
