/**
 * Partitioning: an {@link IndexTransform} × a regular (or rectilinear) chunk grid → one {@link ChunkTask} per chunk
 * the view touches (never a chunk with zero hits, never the same chunk twice), each saying which
 * chunk-local elements to read and where they go in the C-order output.
 *
 * Follows TensorStore's grid partition (`tensorstore/internal/grid_partition.h`): input dimensions
 * are split into connected sets. A set linked to the source by at most one `single` map is
 * *strided*: it is cut analytically into one strided run per chunk (O(chunks), no per-element data).
 * A set linked by index-array maps is an *index-array* set: its points are enumerated once, chunk
 * ids computed with typed arrays and points grouped by chunk with a counting sort (O(points), no
 * per-point objects). The chunks touched are the outer product of the sets' groups.
 * @module
 */
import { forEachIndex, RowCursor } from "../core/nd-iter.js";
import { cStrides, shapeSize } from "../core/ndarray.js";
import type { RectilinearChunkGrid } from "../format/rectilinear-grid.js";
import { type IndexTransform, linearPlan, type OutputIndexMap } from "./transform.js";

/**
 * One factor of a task's element set. The elements a task copies are the outer product of its
 * factors; each factor adds an element offset in the chunk and one in the output:
 * - `range`: `k · chunkStride` and `k · outStride` for `k` in `[0, count)` (strides may be negative);
 * - `points`: `chunk[k]` and `out[k]` for `k` in `[0, count)` (views into shared buffers: never mutate).
 */
type TaskFactor =
  | {
      readonly kind: "range";
      readonly count: number;
      readonly chunkStride: number;
      readonly outStride: number;
    }
  | {
      readonly kind: "points";
      readonly count: number;
      readonly chunk: Int32Array | Float64Array;
      readonly out: Int32Array | Float64Array;
    };

/**
 * The work for one chunk: element `e` of the outer product of `factors` is read at element offset
 * `chunkOffset + Σ chunk parts` of the chunk (C order over the full chunk shape, in elements) and
 * written at element offset `outOffset + Σ out parts` of the output (C order over the view's
 * shape). Every output element is written by exactly one task, exactly once.
 */
export interface ChunkTask {
  /** Chunk grid coordinates (one per source dimension). */
  readonly coords: readonly number[];
  /** Element offset into the chunk common to every element. */
  readonly chunkOffset: number;
  /** Element offset into the output common to every element. */
  readonly outOffset: number;
  /** Factors, outermost first (the last one varies fastest in the output). */
  readonly factors: readonly TaskFactor[];
  /** Number of elements copied (product of the factors' counts). */
  readonly count: number;
}

/**
 * The largest element offset (C order over the full chunk shape, in elements) that `task` reads
 * from its chunk: every element it copies lies in `[0, lastChunkElement(task)]`, so a decoder
 * that can stop early needs only the first `lastChunkElement(task) + 1` elements of the chunk.
 * O(points) for index-array factors, O(1) per range factor; -1 for a task that reads nothing.
 */
export function lastChunkElement(task: ChunkTask): number {
  if (task.count === 0) return -1;
  let last = task.chunkOffset;
  for (const f of task.factors) {
    if (f.kind === "range") {
      last += Math.max(0, (f.count - 1) * f.chunkStride);
    } else {
      let most = f.chunk[0]!;
      for (let k = 1; k < f.count; k++) if (f.chunk[k]! > most) most = f.chunk[k]!;
      last += most;
    }
  }
  return last;
}

/** The result of {@link partition}. */
export interface Partition {
  /** Shape of the output (the view). */
  readonly shape: readonly number[];
  /** Chunk shape of the source grid. */
  readonly chunkShape: readonly number[];
  /** Number of chunks along each source dimension. */
  readonly gridShape: readonly number[];
  /** One task per touched chunk, in C order of the chunk grid (storage order). */
  readonly tasks: readonly ChunkTask[];
  /** Elements in the output. */
  readonly elements: number;
}

interface Group {
  /** Chunk coordinate per source dim of the set. */
  readonly coords: readonly (readonly [number, number])[];
  readonly chunkOffset: number;
  readonly outOffset: number;
  readonly factor: TaskFactor | null;
}

const MAX_INT32 = 2 ** 31 - 1;

/**
 * Partitions the view described by `t` over the regular chunk grid `chunkShape` of a source of
 * shape `shape` (defaults to `t.outputShape`). Pure: no IO. Empty views give no task.
 *
 * With a rectilinear `grid` (zarr-extensions `chunk-grids/rectilinear`), chunk coordinates come
 * from the grid (binary search over its edge runs) and `chunkShape` must be its
 * `maxChunkShape`: task chunk offsets are then in C order over that largest shape, so an
 * executor places each decoded chunk (of its own edge lengths) at the origin of a buffer of
 * `chunkShape` before scattering.
 * @throws RangeError when ranks disagree, `shape` differs from `t.outputShape`, or a chunk extent
 * is not a positive integer on a dimension that is read.
 */
export function partition(
  t: IndexTransform,
  chunkShape: readonly number[],
  shape: readonly number[] = t.outputShape,
  grid?: RectilinearChunkGrid,
): Partition {
  const nOut = t.maps.length;
  if (chunkShape.length !== nOut || shape.length !== nOut) {
    throw new RangeError(
      `partition: rank mismatch (transform ${nOut}, chunk shape ${chunkShape.length}, shape ${shape.length})`,
    );
  }
  if (shape.some((s, j) => s !== t.outputShape[j])) {
    throw new RangeError(
      `partition: source shape [${shape}] differs from the transform's [${t.outputShape}]`,
    );
  }
  const inShape = t.inputShape;
  const elements = shapeSize(inShape);
  if (grid && shape.some((s, j) => s !== grid.shape[j])) {
    throw new RangeError(
      `partition: source shape [${shape}] differs from the grid's [${grid.shape}]`,
    );
  }
  if (grid && chunkShape.some((c, j) => c !== grid.maxChunkShape[j])) {
    throw new RangeError(
      `partition: chunk shape [${chunkShape}] is not the rectilinear grid's largest chunk [${grid.maxChunkShape}]`,
    );
  }
  const gridShape = shape.map((s, j) => {
    const c = chunkShape[j]!;
    if (s === 0) return 0;
    if (grid) return grid.gridShape[j]!;
    if (!(Number.isInteger(c) && c > 0)) {
      throw new RangeError(
        `partition: chunk extent ${c} of dimension ${j} is not a positive integer`,
      );
    }
    return Math.ceil(s / c);
  });
  const base = Object.freeze({
    shape: Object.freeze([...inShape]),
    chunkShape: Object.freeze([...chunkShape]),
    gridShape: Object.freeze(gridShape),
    elements,
  });
  if (elements === 0) return Object.freeze({ ...base, tasks: Object.freeze([]) });
  checkRanges(t);

  const chunkStrides = cStrides(chunkShape);
  const outStrides = cStrides(inShape);
  const chunkElems = shapeSize(chunkShape);

  // Constant maps fix a chunk coordinate and an offset inside it.
  const baseCoords = new Array<number>(nOut).fill(0);
  let baseChunk = 0;
  t.maps.forEach((m, j) => {
    if (m.kind !== "constant") return;
    const cs = chunkShape[j]!;
    const c = grid ? grid.chunkIndex(j, m.offset) : Math.floor(m.offset / cs);
    baseCoords[j] = c;
    baseChunk += (m.offset - (grid ? grid.chunkStart(j, c) : c * cs)) * chunkStrides[j]!;
  });

  // Connected sets of input dims (index-array maps link their dims).
  const nIn = inShape.length;
  const parent = Array.from({ length: nIn }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  for (const m of t.maps) {
    if (m.kind !== "array") continue;
    for (const d of m.inputDims) parent[find(d)] = find(m.inputDims[0]!);
  }
  const sets = new Map<number, { dims: number[]; outs: number[] }>();
  for (let d = 0; d < nIn; d++) {
    const r = find(d);
    let s = sets.get(r);
    if (!s) {
      s = { dims: [], outs: [] };
      sets.set(r, s);
    }
    s.dims.push(d);
  }
  t.maps.forEach((m, j) => {
    if (m.kind === "single") sets.get(find(m.inputDim))!.outs.push(j);
    else if (m.kind === "array") sets.get(find(m.inputDims[0]!))!.outs.push(j);
  });
  // Innermost (highest input dim) last, so the copy loop runs along the output's fastest dim.
  const ordered = [...sets.values()].sort(
    (a, b) => a.dims[a.dims.length - 1]! - b.dims[b.dims.length - 1]!,
  );

  const ctx: Ctx = {
    t,
    chunkShape,
    gridShape,
    chunkStrides,
    outStrides,
    chunkElems,
    elements,
    grid,
  };
  const groupLists = ordered.map((s) => {
    const m = s.outs.length === 1 ? t.maps[s.outs[0]!]! : undefined;
    if (s.dims.length === 1 && (s.outs.length === 0 || m?.kind === "single")) {
      return stridedGroups(ctx, s.dims[0]!, s.outs[0], m);
    }
    return pointGroups(ctx, s.dims, s.outs);
  });
  if (groupLists.some((g) => g.length === 0)) {
    return Object.freeze({ ...base, tasks: Object.freeze([]) });
  }

  // Outer product of the sets' groups.
  const gridStrides = cStrides(gridShape);
  const keyed: { key: number; task: ChunkTask }[] = [];
  const nSets = groupLists.length;
  const groupCounts = groupLists.map((g) => g.length);
  forEachIndex(groupCounts, (pick) => {
    const coords = [...baseCoords];
    let chunkOffset = baseChunk;
    let outOffset = 0;
    let count = 1;
    const factors: TaskFactor[] = [];
    for (let s = 0; s < nSets; s++) {
      const g = groupLists[s]![pick[s]!]!;
      for (const [j, c] of g.coords) coords[j] = c;
      chunkOffset += g.chunkOffset;
      outOffset += g.outOffset;
      if (g.factor) {
        factors.push(g.factor);
        count *= g.factor.count;
      }
    }
    let key = 0;
    for (let j = 0; j < nOut; j++) key += coords[j]! * gridStrides[j]!;
    keyed.push({
      key,
      task: Object.freeze({
        coords: Object.freeze(coords),
        chunkOffset,
        outOffset,
        factors: Object.freeze(factors),
        count,
      }),
    });
  });
  keyed.sort((a, b) => a.key - b.key);
  return Object.freeze({ ...base, tasks: Object.freeze(keyed.map((k) => k.task)) });
}

/**
 * Checks that every coordinate the transform produces lies inside the source (O(rank) for
 * constant and single maps, one min/max pass over each index array).
 * @throws RangeError naming the source dimension.
 */
function checkRanges(t: IndexTransform): void {
  t.maps.forEach((m, j) => {
    const n = t.outputShape[j]!;
    let lo: number;
    let hi: number;
    if (m.kind === "constant") lo = hi = m.offset;
    else if (m.kind === "single") {
      const a = m.offset;
      const b = m.offset + m.stride * (t.inputShape[m.inputDim]! - 1);
      lo = Math.min(a, b);
      hi = Math.max(a, b);
    } else {
      let mn = Number.POSITIVE_INFINITY;
      let mx = Number.NEGATIVE_INFINITY;
      const ix = m.index;
      for (let i = 0; i < ix.length; i++) {
        const v = ix[i]!;
        if (v < mn) mn = v;
        if (v > mx) mx = v;
      }
      const a = m.offset + m.stride * mn;
      const b = m.offset + m.stride * mx;
      lo = Math.min(a, b);
      hi = Math.max(a, b);
    }
    if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo >= 0 && hi < n)) {
      throw new RangeError(
        `partition: the transform maps to [${lo}, ${hi}] along source dimension ${j}, outside [0, ${n})`,
      );
    }
  });
}

interface Ctx {
  readonly t: IndexTransform;
  readonly chunkShape: readonly number[];
  readonly gridShape: readonly number[];
  readonly chunkStrides: readonly number[];
  readonly outStrides: readonly number[];
  readonly chunkElems: number;
  readonly elements: number;
  /** The rectilinear grid, when the source has one (else the regular `chunkShape`). */
  readonly grid: RectilinearChunkGrid | undefined;
}

function rangeFactor(count: number, chunkStride: number, outStride: number): TaskFactor | null {
  return count === 1
    ? null
    : Object.freeze({ kind: "range" as const, count, chunkStride, outStride });
}

/** One input dim read by at most one single map: one strided run per chunk touched. */
function stridedGroups(
  ctx: Ctx,
  d: number,
  j: number | undefined,
  m: OutputIndexMap | undefined,
): Group[] {
  const L = ctx.t.inputShape[d]!;
  const outS = ctx.outStrides[d]!;
  if (j === undefined || m === undefined || m.kind !== "single") {
    return [{ coords: [], chunkOffset: 0, outOffset: 0, factor: rangeFactor(L, 0, outS) }];
  }
  const { offset: o, stride: s } = m;
  const cs = ctx.chunkShape[j]!;
  const cStride = ctx.chunkStrides[j]!;
  const groups: Group[] = [];
  let i = 0;
  const grid = ctx.grid;
  while (i < L) {
    const pos = o + s * i;
    const c = grid ? grid.chunkIndex(j, pos) : Math.floor(pos / cs);
    const cStart = grid ? grid.chunkStart(j, c) : c * cs;
    const cStop = cStart + (grid ? grid.chunkEdge(j, c) : cs);
    let last: number;
    if (s > 0) last = Math.min(L - 1, Math.floor((cStop - 1 - o) / s));
    else if (s < 0) last = Math.min(L - 1, Math.floor((o - cStart) / -s));
    else last = L - 1;
    if (!(last >= i)) throw new RangeError(`partition: coordinate ${pos} outside dimension ${j}`);
    const count = last - i + 1;
    groups.push({
      coords: [[j, c]],
      chunkOffset: (pos - cStart) * cStride,
      outOffset: i * outS,
      factor: rangeFactor(count, s * cStride, outS),
    });
    i = last + 1;
  }
  return groups;
}

/** A set of input dims linked by index arrays: enumerate its points, group them by chunk. */
function pointGroups(ctx: Ctx, D: readonly number[], J: readonly number[]): Group[] {
  const { t, chunkShape, gridShape, chunkStrides, outStrides } = ctx;
  const inShape = t.inputShape;
  const ext = D.map((d) => inShape[d]!);
  const N = shapeSize(ext);
  if (N === 0) return [];
  const nd = D.length;
  const nj = J.length;
  const maps = J.map((j) => t.maps[j]!);
  const { base, coef } = linearPlan(maps, D, inShape);
  const isArr = maps.map((m) => m.kind === "array");
  const arrs = maps.map((m) => (m.kind === "array" ? m.index : null));
  const aOff = maps.map((m) => (m.kind === "array" ? m.offset : 0));
  const aStr = maps.map((m) => (m.kind === "array" ? m.stride : 1));
  const cs = J.map((j) => chunkShape[j]!);
  const gs = J.map((j) => gridShape[j]!);
  const cst = J.map((j) => chunkStrides[j]!);
  const outCoef = D.map((d) => outStrides[d]!);
  const gridTotal = shapeSize(gs);
  const grid = ctx.grid;

  // Chunk key of each point: C-order linear index over the set's output dims' grid.
  const keys: Int32Array | Float64Array =
    gridTotal <= MAX_INT32 ? new Int32Array(N) : new Float64Array(N);
  let sorted = true;
  let prevKey = -1;
  const chunkOff: Int32Array | Float64Array =
    ctx.chunkElems <= MAX_INT32 ? new Int32Array(N) : new Float64Array(N);
  const outOff: Int32Array | Float64Array =
    ctx.elements <= MAX_INT32 ? new Int32Array(N) : new Float64Array(N);

  if (nd === 1 && nj >= 1 && isArr.every((a) => a)) {
    // Fast path: one input dim, every map an index array over it (vindex / mask / oindex point
    // sets): about 25% faster than the general loop below on 1e6 points.
    const oc = outCoef[0]!;
    for (let p = 0; p < N; p++) {
      let key = 0;
      let co = 0;
      for (let i = 0; i < nj; i++) {
        const coord = aOff[i]! + aStr[i]! * arrs[i]![p]!;
        const c = grid ? grid.chunkIndex(J[i]!, coord) : Math.floor(coord / cs[i]!);
        key = key * gs[i]! + c;
        co += (coord - (grid ? grid.chunkStart(J[i]!, c) : c * cs[i]!)) * cst[i]!;
      }
      keys[p] = key;
      if (key < prevKey) sorted = false;
      prevKey = key;
      chunkOff[p] = co;
      outOff[p] = p * oc;
    }
  } else {
    // Operands walked over ext a row (last dim) at a time: map i's linear term (strides
    // coef[i·nd + k]), then the output offset (strides outCoef).
    const strides = [...maps.map((_, i) => coef.slice(i * nd, (i + 1) * nd)), outCoef];
    const rowStep = strides.map((s) => s[nd - 1] ?? 0);
    const outStep = rowStep[nj]!;
    const len = ext[nd - 1] ?? 1;
    const rows = new RowCursor(ext, strides, [...base, 0]);
    const lin = rows.offsets;
    let p = 0;
    while (rows.next()) {
      for (let e = 0; e < len; e++, p++) {
        let key = 0;
        let co = 0;
        for (let i = 0; i < nj; i++) {
          const l = lin[i]! + e * rowStep[i]!;
          const coord = isArr[i] ? aOff[i]! + aStr[i]! * arrs[i]![l]! : l;
          const c = grid ? grid.chunkIndex(J[i]!, coord) : Math.floor(coord / cs[i]!);
          key = key * gs[i]! + c;
          co += (coord - (grid ? grid.chunkStart(J[i]!, c) : c * cs[i]!)) * cst[i]!;
        }
        keys[p] = key;
        if (key < prevKey) sorted = false;
        prevKey = key;
        chunkOff[p] = co;
        outOff[p] = lin[nj]! + e * outStep;
      }
    }
  }

  // Group by key.
  const starts: number[] = [];
  const groupKeys: number[] = [];
  let sortedChunk = chunkOff;
  let sortedOut = outOff;
  if (sorted) {
    for (let p = 0; p < N; p++) {
      if (p === 0 || keys[p] !== keys[p - 1]) {
        starts.push(p);
        groupKeys.push(keys[p]!);
      }
    }
  } else {
    // Dense ids: the keys themselves when the grid is small, else ranks among the unique keys.
    let ids: Int32Array;
    let K: number;
    let idKeys: ArrayLike<number> | null = null;
    if (keys instanceof Int32Array && gridTotal <= Math.max(2 * N, 1 << 16)) {
      K = gridTotal;
      ids = keys;
    } else {
      const uniq = keys.slice().sort();
      let u = 0;
      for (let p = 0; p < N; p++) if (p === 0 || uniq[p] !== uniq[u - 1]) uniq[u++] = uniq[p]!;
      const uk = uniq.subarray(0, u);
      K = u;
      idKeys = uk;
      ids = new Int32Array(N);
      for (let p = 0; p < N; p++) {
        const k = keys[p]!;
        let lo = 0;
        let hi = u - 1;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (uk[mid]! < k) lo = mid + 1;
          else hi = mid;
        }
        ids[p] = lo;
      }
    }
    const counts = new Int32Array(K + 1);
    for (let p = 0; p < N; p++) counts[ids[p]! + 1]!++;
    for (let k = 0; k < K; k++) counts[k + 1]! += counts[k]!;
    const pos = counts.slice(0, K);
    sortedChunk = chunkOff instanceof Int32Array ? new Int32Array(N) : new Float64Array(N);
    sortedOut = outOff instanceof Int32Array ? new Int32Array(N) : new Float64Array(N);
    for (let p = 0; p < N; p++) {
      const dest = pos[ids[p]!]!++;
      sortedChunk[dest] = chunkOff[p]!;
      sortedOut[dest] = outOff[p]!;
    }
    for (let k = 0; k < K; k++) {
      if (counts[k + 1]! > counts[k]!) {
        starts.push(counts[k]!);
        groupKeys.push(idKeys ? idKeys[k]! : k);
      }
    }
  }

  const groups: Group[] = [];
  for (let g = 0; g < starts.length; g++) {
    const start = starts[g]!;
    const end = g + 1 < starts.length ? starts[g + 1]! : N;
    let key = groupKeys[g]!;
    const coords: [number, number][] = new Array(nj);
    for (let i = nj - 1; i >= 0; i--) {
      const c = key % gs[i]!;
      key = (key - c) / gs[i]!;
      coords[i] = [J[i]!, c];
    }
    const count = end - start;
    groups.push({
      coords,
      chunkOffset: 0,
      outOffset: 0,
      factor: Object.freeze({
        kind: "points" as const,
        count,
        chunk: sortedChunk.subarray(start, end),
        out: sortedOut.subarray(start, end),
      }),
    });
  }
  return groups;
}

/**
 * {@link partition} of a lazy view against its source's chunk grid (`view.source.chunkShape`,
 * or `view.source.chunkGrid` when it is rectilinear). Pure: uses only metadata.
 */
export function resolve(view: {
  readonly transform: IndexTransform;
  readonly source: {
    readonly chunkShape: readonly number[];
    readonly shape: readonly number[];
    readonly chunkGrid?: RectilinearChunkGrid | undefined;
  };
}): Partition {
  return partition(
    view.transform,
    view.source.chunkShape,
    view.source.shape,
    view.source.chunkGrid,
  );
}
