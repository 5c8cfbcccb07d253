/**
 * The regular chunk grid (Zarr v3 core specification, "Chunk grids" → "Regular grid"; Zarr v2
 * `chunks`): chunk `(i0, i1, …)` covers elements `[ik·ck, min((ik+1)·ck, sk))` along each
 * dimension k, where `s` is the array shape and `c` the chunk shape. All sizes are in elements.
 * @module
 */
import { nextIndex } from "../core/nd-iter.js";
import { shapeSize } from "../core/ndarray.js";

function checkShapes(shape: readonly number[], chunkShape: readonly number[]): void {
  if (shape.length !== chunkShape.length) {
    throw new RangeError(
      `chunk shape [${chunkShape.join(", ")}] has ${chunkShape.length} dimensions, array shape [${shape.join(", ")}] has ${shape.length}`,
    );
  }
  for (let k = 0; k < shape.length; k++) {
    const s = shape[k]!;
    const c = chunkShape[k]!;
    if (!Number.isSafeInteger(s) || s < 0) {
      throw new RangeError(`array shape entry ${k} must be a non-negative integer, got ${s}`);
    }
    if (!Number.isSafeInteger(c) || c < 0 || (c === 0 && s > 0)) {
      throw new RangeError(`chunk shape entry ${k} must be a positive integer, got ${c}`);
    }
  }
}

/**
 * Number of chunks along each dimension: `ceil(shape[k] / chunkShape[k])`; a dimension of
 * length 0 has 0 chunks. `[]` for a 0-d array.
 * @throws RangeError when the lengths differ or an entry is not a valid size.
 */
export function gridShape(shape: readonly number[], chunkShape: readonly number[]): number[] {
  checkShapes(shape, chunkShape);
  return shape.map((s, k) => (s === 0 ? 0 : Math.ceil(s / chunkShape[k]!)));
}

/**
 * Total number of chunks of the grid (product of {@link gridShape}); 1 for a 0-d array, 0 when
 * any dimension has length 0.
 * @throws RangeError as {@link gridShape}.
 */
export function chunkCount(shape: readonly number[], chunkShape: readonly number[]): number {
  return shapeSize(gridShape(shape, chunkShape));
}

/** Element bounds of one chunk: `start` inclusive, `stop` exclusive, per dimension. */
interface ChunkBounds {
  readonly start: number[];
  readonly stop: number[];
}

/**
 * Element bounds of chunk `coords`, clamped to the array: `start[k] = coords[k]·chunkShape[k]`,
 * `stop[k] = min(start[k] + chunkShape[k], shape[k])`. Edge chunks are therefore smaller than the
 * chunk shape.
 * @throws RangeError when the lengths differ or `coords` is outside the grid.
 */
export function chunkBounds(
  coords: readonly number[],
  shape: readonly number[],
  chunkShape: readonly number[],
): ChunkBounds {
  const grid = gridShape(shape, chunkShape);
  if (coords.length !== grid.length) {
    throw new RangeError(
      `chunk coordinates have ${coords.length} dimensions, the grid ${grid.length}`,
    );
  }
  const start: number[] = [];
  const stop: number[] = [];
  for (let k = 0; k < grid.length; k++) {
    const i = coords[k]!;
    if (!Number.isInteger(i) || i < 0 || i >= grid[k]!) {
      throw new RangeError(
        `chunk coordinate ${i} is outside the grid [0, ${grid[k]}) along dimension ${k}`,
      );
    }
    const c = chunkShape[k]!;
    start.push(i * c);
    stop.push(Math.min(i * c + c, shape[k]!));
  }
  return { start, stop };
}

/**
 * Every chunk coordinate of a grid in C order (last dimension fastest). Yields `[]` once for a
 * 0-d grid and nothing when any dimension has 0 chunks.
 * @param grid - chunks per dimension, as returned by {@link gridShape}.
 */
export function* chunkCoords(grid: readonly number[]): Generator<number[]> {
  if (grid.some((n) => n === 0)) return;
  const idx = grid.map(() => 0);
  do yield idx.slice();
  while (nextIndex(idx, grid) >= 0);
}
