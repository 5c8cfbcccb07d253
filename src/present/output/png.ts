/**
 * `.png` output: a 2-D real numeric selection rendered with the viridis colormap, row 0 at the top
 * (the last row with `flipY`), as 8-bit RGBA. NaN is transparent; values are scaled from `vmin` (first colormap entry) to `vmax`
 * (last entry), by default the minimum and maximum of the finite values. Encoded by fast-png.
 * @module
 */
import { type NDArray, shapeSize } from "../../index.js";
import { colormapIndex, VIRIDIS } from "../colormap.js";
import { UsageError } from "../errors.js";
import { dtypeLabel, type OutputOptions, type OutputWriter, shapeText } from "./types.js";
import { isRealNumeric, numberLeaf } from "./values.js";

/** The default color range: min and max of the finite values (`[0, 0]` when there are none). */
export function finiteRange(array: NDArray): [number, number] {
  const get = numberLeaf(array);
  const n = shapeSize(array.shape);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = get(i);
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? [min, max] : [0, 0];
}

/**
 * RGBA pixels (`height × width × 4` bytes) of a 2-D real numeric array; row 0 first, or the last
 * row first with `options.flipY`.
 */
export function renderRgba(array: NDArray, options: OutputOptions): Uint8Array {
  const n = shapeSize(array.shape);
  const [dmin, dmax] =
    options.vmin === undefined || options.vmax === undefined ? finiteRange(array) : [0, 0];
  const vmin = options.vmin ?? dmin;
  const vmax = options.vmax ?? dmax;
  const get = numberLeaf(array);
  const out = new Uint8Array(n * 4);
  const width = array.shape[1] ?? 1;
  const height = n === 0 ? 0 : n / width;
  for (let i = 0; i < n; i++) {
    const v = get(i);
    if (Number.isNaN(v)) continue; // transparent
    const c = colormapIndex(v, vmin, vmax) * 3;
    const row = Math.floor(i / width);
    const p = options.flipY ? (height - 1 - row) * width + (i - row * width) : i;
    out[p * 4] = VIRIDIS[c]!;
    out[p * 4 + 1] = VIRIDIS[c + 1]!;
    out[p * 4 + 2] = VIRIDIS[c + 2]!;
    out[p * 4 + 3] = 255;
  }
  return out;
}

export const pngWriter: OutputWriter = {
  extension: ".png",
  description: "PNG image of a 2-D numeric selection (viridis colormap, NaN transparent)",
  check(view) {
    if (view.shape.length !== 2) {
      throw new UsageError(
        `.png output needs a 2-D selection, this one is ${view.shape.length}-D ${shapeText(view.shape)}`,
      );
    }
    if (!isRealNumeric(view.dtype.name)) {
      throw new UsageError(`.png output needs real numbers, not ${dtypeLabel(view.dtype)}`);
    }
    if (view.shape[0] === 0 || view.shape[1] === 0) {
      throw new UsageError(
        `.png output needs a non-empty selection, this one is ${shapeText(view.shape)}`,
      );
    }
  },
  async encode(array, options) {
    // Loaded when a .png is written (start-up of other commands does not pay for it).
    const { encode } = await import("fast-png");
    return encode({
      width: array.shape[1]!,
      height: array.shape[0]!,
      data: renderRgba(array, options),
      channels: 4,
      depth: 8,
    });
  },
};
