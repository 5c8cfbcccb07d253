/**
 * The `rectilinear` chunk grid of zarr-extensions (`chunk-grids/rectilinear`): along each
 * dimension the chunks have their own edge lengths. `chunk_shapes[k]` is an integer `m` (a
 * regular step: `m` repeated until the edges cover the dimension) or a list whose entries are
 * edge lengths or run-length pairs `[edge, count]`. Every edge and count is a positive integer;
 * the edges of a dimension must sum to at least its length (chunks wholly past the end are
 * allowed and never touched). Chunk `(i0, i1, …)` covers `[C[ik-1], C[ik])` along dimension k
 * (`C` the cumulative sums) and is stored at its declared edge lengths, even where it extends
 * past the array's end (as the regular grid stores edge chunks at the full chunk shape).
 *
 * Edges are held as runs (first chunk, first element, edge, count), never expanded: memory is
 * O(entries of the document), whatever the counts say; lookups are binary searches over runs.
 * @module
 */

/** One entry of `chunk_shapes[k]`: an edge length or a run-length pair `[edge, count]`. */
export type RectilinearEdge = number | readonly [number, number];

/** `chunk_shapes[k]` as the spec writes it: a regular step or a list of {@link RectilinearEdge}. */
export type RectilinearEdges = number | readonly RectilinearEdge[];

/** A problem of a `chunk_shapes` value: JSON path below `chunk_shapes` and a message. */
export interface RectilinearIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Runs of equal edges of one dimension, up to the first run reaching the dimension's end. */
interface DimRuns {
  /** Index of the first chunk of each run. */
  readonly firstChunk: Float64Array;
  /** First element of each run. */
  readonly origin: Float64Array;
  /** Edge length of the chunks of each run. */
  readonly edge: Float64Array;
  /** Chunks along the dimension that hold elements of the array. */
  readonly chunks: number;
}

/** Whether `v` is a positive safe integer. */
function isPositive(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v > 0;
}

/**
 * The runs of one dimension of length `length`, or the issues of its `chunk_shapes` entry.
 * Counts are never expanded; sums stop once they reach `length` (they stay below 2^53).
 */
function dimRuns(
  entry: unknown,
  length: number,
  k: number,
  issues: RectilinearIssue[],
): DimRuns | undefined {
  const first: number[] = [];
  const origin: number[] = [];
  const edge: number[] = [];
  let chunks = 0;
  let covered = 0;
  const push = (e: number, count: number): void => {
    if (covered >= length) return;
    const needed = Math.ceil((length - covered) / e);
    const used = Math.min(count, needed);
    const last = edge.length - 1;
    if (last < 0 || edge[last] !== e) {
      first.push(chunks);
      origin.push(covered);
      edge.push(e);
    }
    chunks += used;
    covered += used * e;
  };
  const before = issues.length;
  if (typeof entry === "number") {
    if (!isPositive(entry)) {
      issues.push({ path: [k], message: `edge length must be a positive integer, got ${entry}` });
    } else push(entry, Number.POSITIVE_INFINITY);
  } else if (Array.isArray(entry)) {
    entry.forEach((e: unknown, i) => {
      if (typeof e === "number") {
        if (isPositive(e)) push(e, 1);
        else
          issues.push({
            path: [k, i],
            message: `edge length must be a positive integer, got ${e}`,
          });
      } else if (Array.isArray(e) && e.length === 2) {
        const [v, n] = e as unknown[];
        if (!isPositive(v)) {
          issues.push({
            path: [k, i, 0],
            message: `run edge length must be a positive integer, got ${JSON.stringify(v)}`,
          });
        }
        if (!isPositive(n)) {
          issues.push({
            path: [k, i, 1],
            message: `run count must be a positive integer, got ${JSON.stringify(n)}`,
          });
        }
        if (isPositive(v) && isPositive(n)) push(v, n);
      } else {
        issues.push({
          path: [k, i],
          message: `expected an edge length or a run-length pair [edge, count], got ${JSON.stringify(e)}`,
        });
      }
    });
  } else {
    issues.push({
      path: [k],
      message: `expected an edge length or a list of edge lengths and [edge, count] pairs, got ${JSON.stringify(entry)}`,
    });
  }
  if (issues.length > before) return undefined;
  if (covered < length) {
    issues.push({
      path: [k],
      message: `the edge lengths sum to ${covered}, less than the array's length ${length} along dimension ${k}`,
    });
    return undefined;
  }
  return {
    firstChunk: Float64Array.from(first),
    origin: Float64Array.from(origin),
    edge: Float64Array.from(edge),
    chunks,
  };
}

/** Index of the last run whose `key` entry is `<= x` (runs sorted by `key`; `key[0] = 0`). */
function runAt(key: Float64Array, x: number): number {
  let lo = 0;
  let hi = key.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (key[mid]! <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * A rectilinear chunk grid over an array of shape {@link shape}. Build it with
 * {@link rectilinearGrid}. All sizes are in elements.
 */
export class RectilinearChunkGrid {
  readonly kind = "rectilinear" as const;
  /** Array shape. */
  readonly shape: readonly number[];
  /** `chunk_shapes` as given (written back unchanged). */
  readonly chunkShapes: readonly RectilinearEdges[];
  /** Chunks along each dimension that hold elements of the array (overflow chunks excluded). */
  readonly gridShape: readonly number[];
  /** The largest edge along each dimension among the chunks of {@link gridShape}. */
  readonly maxChunkShape: readonly number[];
  readonly #dims: readonly DimRuns[];

  /** @internal use {@link rectilinearGrid}. */
  constructor(shape: readonly number[], chunkShapes: readonly RectilinearEdges[], dims: DimRuns[]) {
    this.shape = Object.freeze([...shape]);
    // A copy: the caller's lists (createArray options, a parsed document) may change later.
    this.chunkShapes = Object.freeze(structuredClone(chunkShapes) as RectilinearEdges[]);
    this.#dims = dims;
    this.gridShape = Object.freeze(dims.map((d) => d.chunks));
    this.maxChunkShape = Object.freeze(
      // A loop, not Math.max(...edges): a document may list more runs than a call takes arguments.
      dims.map((d) => d.edge.reduce((m, e) => (e > m ? e : m), 1)),
    );
  }

  /** Index of the chunk holding element `x` along dimension `k` (`0 <= x < shape[k]`). */
  chunkIndex(k: number, x: number): number {
    const d = this.#dims[k]!;
    const r = runAt(d.origin, x);
    return d.firstChunk[r]! + Math.floor((x - d.origin[r]!) / d.edge[r]!);
  }

  /** First element of chunk `i` along dimension `k`. */
  chunkStart(k: number, i: number): number {
    const d = this.#dims[k]!;
    const r = runAt(d.firstChunk, i);
    return d.origin[r]! + (i - d.firstChunk[r]!) * d.edge[r]!;
  }

  /** Declared edge length of chunk `i` along dimension `k` (its stored size). */
  chunkEdge(k: number, i: number): number {
    const d = this.#dims[k]!;
    return d.edge[runAt(d.firstChunk, i)]!;
  }

  /** Stored shape of the chunk at grid coordinates `coords` (its declared edges). */
  chunkShapeAt(coords: readonly number[]): number[] {
    return coords.map((i, k) => this.chunkEdge(k, i));
  }

  /** First element of the chunk at grid coordinates `coords`. */
  chunkStartAt(coords: readonly number[]): number[] {
    return coords.map((i, k) => this.chunkStart(k, i));
  }
}

/**
 * Validates `chunk_shapes` (zarr-extensions `chunk-grids/rectilinear`, `kind: "inline"`: per
 * dimension an edge length, a list of edge lengths in elements, or `[edge, count]` runs) against
 * `shape` and builds the grid, or returns every problem (JSON paths relative to `chunk_shapes`)
 * instead of throwing. Bounded: counts are never expanded, so `[[1, 1e15]]` costs one run.
 */
export function rectilinearGrid(
  chunkShapes: unknown,
  shape: readonly number[],
): { grid: RectilinearChunkGrid } | { issues: RectilinearIssue[] } {
  if (!Array.isArray(chunkShapes)) {
    return { issues: [{ path: [], message: "expected an array with one entry per dimension" }] };
  }
  if (chunkShapes.length !== shape.length) {
    return {
      issues: [
        {
          path: [],
          message: `has ${chunkShapes.length} entries but shape has ${shape.length} dimensions`,
        },
      ],
    };
  }
  const issues: RectilinearIssue[] = [];
  const dims: DimRuns[] = [];
  chunkShapes.forEach((entry: unknown, k) => {
    const d = dimRuns(entry, shape[k]!, k, issues);
    if (d) dims.push(d);
  });
  if (issues.length > 0) return { issues };
  return {
    grid: new RectilinearChunkGrid(shape, chunkShapes as readonly RectilinearEdges[], dims),
  };
}
