/**
 * What a read costs, known in O(rank) without partitioning: an upper bound of its chunk tasks
 * (the chunks it touches), so huge reads can be refused before anything is enumerated.
 * @module
 */
import type { RectilinearChunkGrid } from "../format/rectilinear-grid.js";
import type { IndexTransform } from "./transform.js";

/**
 * An upper bound of the chunk tasks `partition(t, chunkShape)` makes: per source dimension, the
 * chunks its map can touch (a constant map 1; a strided range the chunks between its first and
 * last coordinate (over the rectilinear `grid` when given); an index array at most its length and the chunks along the dimension), their
 * product, and never more than the view's elements. Exact for strided boxes.
 */
export function chunkTaskBound(
  t: IndexTransform,
  chunkShape: readonly number[],
  grid?: RectilinearChunkGrid,
): number {
  let elements = 1;
  for (const s of t.inputShape) elements *= s;
  if (elements === 0) return 0;
  let bound = 1;
  t.maps.forEach((m, j) => {
    const c = chunkShape[j]!;
    const extent = t.outputShape[j]!;
    const chunks = grid ? grid.gridShape[j]! : Math.ceil(extent / c);
    const at = (x: number): number => (grid ? grid.chunkIndex(j, x) : Math.floor(x / c));
    let n: number;
    if (m.kind === "constant") n = 1;
    else if (m.kind === "single") {
      const len = t.inputShape[m.inputDim]!;
      const first = m.offset;
      const last = m.offset + m.stride * (len - 1);
      const span = at(Math.max(first, last)) - at(Math.min(first, last)) + 1;
      n = Math.min(len, span);
    } else {
      n = Math.min(m.index.length, chunks);
    }
    bound *= n;
  });
  return Math.min(bound, elements);
}
