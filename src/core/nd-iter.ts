/**
 * N-dimensional iteration in C order (last dimension fastest): the one odometer the rest of the
 * library walks shapes with. {@link nextIndex} steps an index in place; {@link forEachIndex}
 * visits every index of a shape; {@link RowCursor} walks one or more strided arrays together, a
 * row (the last dimension) at a time, so the per-element work stays in the caller's own loop.
 * @module
 */

/**
 * Advances `index` to the next index of `shape` in C order.
 * @returns The dimension that was incremented (every later one wrapped to 0), or -1 after the
 *   last index (then `index` is all zeros again).
 */
export function nextIndex(index: number[], shape: readonly number[]): number {
  for (let k = shape.length - 1; k >= 0; k--) {
    if (++index[k]! < shape[k]!) return k;
    index[k] = 0;
  }
  return -1;
}

/**
 * Calls `fn(index)` for every index of `shape` in C order: once (with `[]`) for a 0-d shape,
 * never when an extent is 0. `index` is one array updated in place: copy it to keep it.
 */
export function forEachIndex(
  shape: readonly number[],
  fn: (index: readonly number[]) => void,
): void {
  if (shape.some((s) => s === 0)) return;
  const index = new Array<number>(shape.length).fill(0);
  do fn(index);
  while (nextIndex(index, shape) >= 0);
}

/**
 * A cursor over the rows of one or more strided arrays ("operands") walked together over `shape`.
 * Each {@link RowCursor.next} moves to the next index of all dimensions but the last, in C order
 * (one row for a 0-d or 1-d shape, none when an extent is 0), and sets
 * `offsets[a] = start[a] + Σ index[k] · strides[a][k]` over those dimensions. The caller walks the
 * row in its own loop (`shape[last]` elements, `strides[a][last]` apart; 1 element for 0-d): no
 * callback and no allocation per row, so the loop's values stay in registers.
 *
 * ```ts
 * const rows = new RowCursor(shape, [src.strides, dst.strides], [src.offset ?? 0, 0]);
 * while (rows.next()) copyRow(rows.offsets[0]!, rows.offsets[1]!);
 * ```
 */
export class RowCursor {
  /** Per operand, the offset of the current row's first element. */
  readonly offsets: number[];
  /** The dimensions before the last two, stepped by {@link nextIndex}. */
  readonly #outer: number[];
  readonly #index: number[];
  /** `#carry[a·n + k]`: operand a's step when outer dimension k steps and all later ones wrap. */
  readonly #carry: number[];
  /** Per operand, the stride of the next-to-last dimension: the step between neighbouring rows. */
  readonly #step: number[];
  /** Extent of the next-to-last dimension (1 for 0-d and 1-d shapes). */
  readonly #rows: number;
  /** Rows left before the next-to-last dimension wraps. */
  #left = 0;
  /** 0 before the first row, 1 on a row, 2 done. */
  #state: number;

  /**
   * @param strides - per operand, one stride per dimension of `shape` (the last is not read).
   * @param start - per operand, the offset of index `[0, …, 0]`.
   */
  constructor(
    shape: readonly number[],
    strides: readonly ArrayLike<number>[],
    start: ArrayLike<number>,
  ) {
    const r = shape.length - 2;
    const outer = shape.slice(0, Math.max(r, 0));
    const n = outer.length;
    this.#rows = r >= 0 ? shape[r]! : 1;
    this.#step = strides.map((st) => (r >= 0 ? st[r]! : 0));
    this.#carry = new Array<number>(strides.length * n).fill(0);
    strides.forEach((st, a) => {
      let back = this.#step[a]! * (this.#rows - 1);
      for (let k = n - 1; k >= 0; k--) {
        this.#carry[a * n + k] = st[k]! - back;
        back += st[k]! * (outer[k]! - 1);
      }
    });
    this.offsets = Array.from(start);
    this.#outer = outer;
    this.#index = new Array<number>(n).fill(0);
    this.#state = shape.some((s) => s === 0) ? 2 : 0;
  }

  /** Moves to the next row (the first on the first call); false when there is none. */
  next(): boolean {
    const o = this.offsets;
    if (this.#left > 0) {
      // the common case, kept short: the next row along the next-to-last dimension
      this.#left--;
      const step = this.#step;
      for (let a = 0; a < o.length; a++) o[a]! += step[a]!;
      return true;
    }
    if (this.#state !== 1) {
      if (this.#state === 2) return false;
      this.#state = 1;
    } else {
      const k = nextIndex(this.#index, this.#outer);
      if (k < 0) {
        this.#state = 2;
        return false;
      }
      const n = this.#outer.length;
      for (let a = 0; a < o.length; a++) o[a]! += this.#carry[a * n + k]!;
    }
    this.#left = this.#rows - 1;
    return true;
  }
}

/** Rows shorter than this may be swapped for a longer dimension by {@link longRowsLast}. */
const SHORT_ROW = 16;

/**
 * For walks whose order does not matter (copies, fills, comparisons): `shape` and each operand's
 * `strides` with the last dimension swapped for a longer one when it is short (under 16) and that
 * one also has smaller strides (sum over operands), so a {@link RowCursor} visits a few long,
 * local rows rather than many short ones (an F-order `[n, 3]` chunk copied to C order: rows of n
 * elements 1 apart instead of rows of 3 elements n apart). Returns the inputs when nothing moves.
 */
export function longRowsLast(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: readonly number[]; strides: readonly (readonly number[])[] } {
  const last = shape.length - 1;
  if (last < 1 || shape[last]! >= SHORT_ROW) return { shape, strides };
  const cost = (k: number) => strides.reduce((c, st) => c + Math.abs(st[k]!), 0);
  let d = last;
  for (let k = 0; k < last; k++) {
    if (shape[k]! > shape[last]! && cost(k) < cost(d)) d = k;
  }
  if (d === last) return { shape, strides };
  const swap = (a: readonly number[]): number[] => {
    const b = [...a];
    b[d] = a[last]!;
    b[last] = a[d]!;
    return b;
  };
  return { shape: swap(shape), strides: strides.map(swap) };
}
