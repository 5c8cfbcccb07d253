/**
 * The shape of an output writer: `get --out FILE` picks one by the file's extension.
 * @module
 */
import type { DataType, NDArray } from "../../index.js";

/** What is known of a selection before it is read. */
interface ViewInfo {
  readonly shape: readonly number[];
  readonly dtype: DataType;
}

/** Options some writers use. */
export interface OutputOptions {
  /** `.png`: value mapped to the first colormap entry (default: the minimum, NaN ignored). */
  vmin?: number;
  /** `.png`: value mapped to the last colormap entry (default: the maximum, NaN ignored). */
  vmax?: number;
  /**
   * `.png`: draw the last row at the top (default: row 0 at the top). Latitudes stored south to
   * north (EGM96's `lat` runs -90 → 90) then come out north up.
   */
  flipY?: boolean;
}

/** Encodes a read selection into the bytes of one file format. */
export interface OutputWriter {
  /** File extension, lower case, with the dot (`".npy"`). */
  readonly extension: string;
  /** One line for `--help`. */
  readonly description: string;
  /**
   * Checks, before anything is read, that a selection of this shape and data type can be written.
   * @throws UsageError when it cannot.
   */
  check(view: ViewInfo): void;
  /** The file's contents. */
  encode(array: NDArray, options: OutputOptions): Uint8Array | string | Promise<Uint8Array>;
}

/** `|S8` for fixed-length bytes, else the data type's name (`int32`, `float16`, ...). */
export function dtypeLabel(dtype: DataType): string {
  if (dtype.name === "bytes") return `|S${dtype.itemSize}`;
  if (dtype.name === "raw") return `r${dtype.itemSize * 8}`;
  if (dtype.name === "datetime64" || dtype.name === "timedelta64") {
    const scale = (dtype.scaleFactor ?? 1) > 1 ? String(dtype.scaleFactor) : "";
    return `${dtype.name}[${scale}${dtype.unit ?? "generic"}]`;
  }
  return dtype.name;
}

/** `[721, 1440]`. */
export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}
