/**
 * An in-memory {@link ArraySource} for tests: serves chunks of an NDArray by copying regions
 * (edge chunks padded with the fill value), counts and logs `readChunk` calls, and can simulate
 * missing chunks, latency and failures.
 */
import {
  allocate,
  type DataType,
  type DataTypeName,
  dataType,
  type Scalar,
} from "../../src/core/dtype.js";
import { cStrides, type NDArray, shapeSize, toCOrder } from "../../src/core/ndarray.js";
import type { ArraySource, ReadOptions } from "../../src/index-space/source.js";

export interface MemorySourceOptions {
  /** Node path used in error messages (default `"mem"`). */
  path?: string;
  /** Fill value (default 0 / false / zero bytes). Pads edge chunks and is reported as `fillValue`. */
  fillValue?: Scalar;
  /** Chunks for which `readChunk` resolves `undefined` (not stored). */
  missing?: (coords: readonly number[]) => boolean;
  /** Delay before each chunk resolves, in ms (exercises concurrency). */
  delayMs?: number;
  /** Makes `readChunk` reject for these chunks. */
  fail?: (coords: readonly number[]) => Error | undefined;
}

function fillEntriesOf(dt: DataType, fill: Scalar | undefined): (number | bigint)[] {
  const lanes = dt.lanes;
  if (fill === undefined)
    return new Array<number | bigint>(lanes).fill(dt.name.endsWith("int64") ? 0n : 0);
  if (fill instanceof Uint8Array) return Array.from({ length: lanes }, (_, i) => fill[i] ?? 0);
  if (Array.isArray(fill)) return [fill[0] as number, fill[1] as number];
  if (typeof fill === "boolean") return [fill ? 1 : 0];
  if (dt.name === "int64" || dt.name === "uint64") return [BigInt(fill as number | bigint)];
  if (dt.lanes === 2) return [Number(fill), 0];
  return [Number(fill)];
}

/** An {@link ArraySource} backed by an in-memory NDArray. */
export class MemorySource implements ArraySource {
  readonly path: string;
  readonly shape: readonly number[];
  readonly chunkShape: readonly number[];
  readonly dtype: DataType;
  readonly fillValue: Scalar;
  /** Number of `readChunk` calls. */
  calls = 0;
  /** Coordinates of every `readChunk` call, in call order. */
  readonly log: (readonly number[])[] = [];
  /** Reads in flight now, and the maximum seen. */
  inFlight = 0;
  maxInFlight = 0;
  private readonly array: NDArray;
  private readonly options: MemorySourceOptions;

  constructor(array: NDArray, chunkShape: readonly number[], options: MemorySourceOptions = {}) {
    if (chunkShape.length !== array.shape.length) throw new RangeError("chunk rank mismatch");
    this.array = toCOrder(array);
    this.shape = Object.freeze([...array.shape]);
    this.chunkShape = Object.freeze([...chunkShape]);
    this.dtype = array.dtype;
    this.path = options.path ?? "mem";
    this.fillValue =
      options.fillValue ??
      (array.dtype.name === "bool"
        ? false
        : array.dtype.name.endsWith("int64")
          ? 0n
          : array.dtype.name === "bytes"
            ? new Uint8Array(array.dtype.lanes)
            : array.dtype.lanes === 2
              ? ([0, 0] as const)
              : 0);
    this.options = options;
  }

  /** Number of chunks along each dimension. */
  get gridShape(): number[] {
    return this.shape.map((s, i) => Math.ceil(s / this.chunkShape[i]!));
  }

  /** Resets the call counters and log. */
  reset(): void {
    this.calls = 0;
    this.log.length = 0;
    this.maxInFlight = 0;
  }

  async readChunk(coords: readonly number[], options?: ReadOptions): Promise<NDArray | undefined> {
    this.calls++;
    this.log.push([...coords]);
    const grid = this.gridShape;
    if (
      coords.length !== grid.length ||
      coords.some((c, i) => !Number.isInteger(c) || c < 0 || c >= grid[i]!)
    ) {
      throw new RangeError(`chunk coords [${coords}] outside grid [${grid}]`);
    }
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.options.delayMs !== undefined) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, this.options.delayMs);
          options?.signal?.addEventListener("abort", () => {
            clearTimeout(timer);
            reject(options.signal?.reason ?? new Error("aborted"));
          });
        });
      } else await Promise.resolve();
      const err = this.options.fail?.(coords);
      if (err) throw err;
      if (this.options.missing?.(coords)) return undefined;
      return this.copyChunk(coords);
    } finally {
      this.inFlight--;
    }
  }

  private copyChunk(coords: readonly number[]): NDArray {
    const dt = this.dtype;
    const lanes = dt.lanes;
    const cs = this.chunkShape;
    const data = allocate(dt, shapeSize(cs));
    const d = data as unknown as { [i: number]: number | bigint };
    const fill = fillEntriesOf(dt, this.fillValue);
    const n = shapeSize(cs);
    for (let i = 0; i < n; i++) for (let l = 0; l < lanes; l++) d[i * lanes + l] = fill[l]!;
    const src = this.array.data as unknown as { [i: number]: number | bigint };
    const srcStrides = cStrides(this.shape);
    const dstStrides = cStrides(cs);
    const nd = cs.length;
    const ext = cs.map((c, i) => Math.max(0, Math.min(c, this.shape[i]! - coords[i]! * c)));
    if (ext.some((e) => e === 0) && nd > 0)
      return { data, shape: [...cs], strides: dstStrides, dtype: dt };
    const idx = new Array<number>(nd).fill(0);
    const total = shapeSize(ext);
    for (let k = 0; k < total; k++) {
      let s = 0;
      let t = 0;
      for (let a = 0; a < nd; a++) {
        s += (coords[a]! * cs[a]! + idx[a]!) * srcStrides[a]!;
        t += idx[a]! * dstStrides[a]!;
      }
      for (let l = 0; l < lanes; l++) d[t * lanes + l] = src[s * lanes + l]!;
      for (let a = nd - 1; a >= 0; a--) {
        idx[a]!++;
        if (idx[a]! < ext[a]!) break;
        idx[a] = 0;
      }
    }
    return { data, shape: [...cs], strides: dstStrides, dtype: dt };
  }
}

/** A C-order NDArray of `dtype` with the given entries. */
export function ndarray(
  dtype: DataType,
  shape: readonly number[],
  entries: ArrayLike<number | bigint>,
): NDArray {
  const data = allocate(dtype, shapeSize(shape));
  const d = data as unknown as { [i: number]: number | bigint };
  for (let i = 0; i < data.length; i++) d[i] = entries[i]!;
  return { data, shape: [...shape], strides: cStrides(shape), dtype };
}

/** A float64 array whose element at flat position `i` is `i` (values reveal source positions). */
export function iota<D extends DataTypeName = "float64">(
  shape: readonly number[],
  dtype: DataType<D> = dataType("float64") as DataType<D>,
): NDArray<D> {
  const n = shapeSize(shape);
  const data = allocate(dtype, n);
  const d = data as unknown as { [i: number]: number | bigint };
  const big = dtype.name.endsWith("int64");
  for (let i = 0; i < n * dtype.lanes; i++) d[i] = big ? BigInt(i) : i;
  return { data, shape: [...shape], strides: cStrides(shape), dtype };
}

/** An ArraySource with metadata only (for planning tests and benchmarks): `readChunk` throws. */
export function metadataSource(
  shape: readonly number[],
  chunkShape: readonly number[],
  dtype: DataType = dataType("float64"),
): ArraySource {
  return {
    path: "meta",
    shape,
    chunkShape,
    dtype,
    fillValue: 0,
    readChunk: () => Promise.reject(new Error("metadataSource has no data")),
  };
}
