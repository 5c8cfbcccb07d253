/**
 * The round-trip write suite shared by the metadata validation test (always runs) and the
 * tensorstore interop test: arrays over every core data type × codec pipelines (raw, gzip, zstd,
 * zlib, blosc, crc32c, sharding, transpose + big-endian), fill values NaN, -0.0, ±Infinity and
 * a float16 fill that float32 would round twice. Each case is written with `createArray` and
 * one full `write`, with the options a user would pass (incomplete codec configurations).
 */
import {
  bfloat16ToNumber,
  type DataTypeName,
  dataType,
  float16ToNumber,
  NUMERIC_DATA_TYPES,
  type NumericDataTypeName,
  numberToBfloat16,
  numberToFloat16,
  type Scalar,
} from "../../src/core/dtype.js";
import { type NDArray, zeros } from "../../src/core/ndarray.js";
import type { CreateArrayOptions } from "../../src/hierarchy/create.js";
import { createArray } from "../../src/hierarchy/index.js";

/** One array of the suite. */
export interface WriteCase {
  /** Node path in the store (also the case's name). */
  path: string;
  dtype: SuiteDataType;
  options: CreateArrayOptions;
  value: NDArray;
  /** The whole array as a reader must see it: `value` at the origin, the fill value elsewhere. */
  expected: NDArray;
}

/** An array of `shape` holding `fill` everywhere except `value` at the origin (2-d). */
function expectedOf(value: NDArray, shape: number[], fill: Scalar | undefined): NDArray {
  const dt = value.dtype;
  const out = zeros(dt, shape);
  const d = out.data as unknown as { [i: number]: number | bigint };
  const lanes: (number | bigint)[] =
    fill === undefined
      ? []
      : Array.isArray(fill)
        ? [...(fill as readonly number[])]
        : [typeof fill === "boolean" ? (fill ? 1 : 0) : (fill as number | bigint)];
  const n = out.data.length / dt.lanes;
  if (lanes.length > 0)
    for (let i = 0; i < n; i++) for (let l = 0; l < dt.lanes; l++) d[i * dt.lanes + l] = lanes[l]!;
  const src = value.data as unknown as ArrayLike<number | bigint>;
  (out.data as Uint8Array).set(src as never, 0);
  return out;
}

/** The data types of the suite: the core numeric ones and bfloat16. */
export type SuiteDataType = NumericDataTypeName | "bfloat16";

/** Every data type of the suite. */
export const SUITE_DATA_TYPES: readonly SuiteDataType[] = [...NUMERIC_DATA_TYPES, "bfloat16"];

/**
 * Distinct values per element (bools every third), so index or byte-order mistakes show; exact
 * in every type (quarters for floats, integers for bfloat16's 8 significant bits).
 */
export function sampleValues(name: SuiteDataType, shape: number[]): NDArray {
  const dt = dataType(name);
  const a = zeros(dt, shape);
  const n = a.data.length / dt.lanes;
  const d = a.data as unknown as { [i: number]: number | bigint };
  for (let i = 0; i < n; i++) {
    for (let l = 0; l < dt.lanes; l++) {
      let v: number = ((i * 7 + l * 3) % 120) - (name.startsWith("uint") ? 0 : 50);
      if (name === "bool") v = i % 3 === 0 ? 1 : 0;
      else if (/^(float|complex)/.test(name)) v = v / 4;
      d[i * dt.lanes + l] = name === "int64" || name === "uint64" ? BigInt(v) : v;
    }
  }
  return a;
}

type Codecs = Pick<CreateArrayOptions, "compressor" | "codecs" | "shards" | "indexLocation">;

/** Codec variants, as a user passes them (configurations left incomplete on purpose). */
const CODECS: Record<string, (itemSize: number) => Codecs> = {
  raw: () => ({ compressor: null }),
  gzip: () => ({ compressor: { name: "gzip" } }),
  zstd: () => ({ compressor: { name: "zstd" } }),
  zlib: () => ({ compressor: { name: "zlib" } }),
  blosc: () => ({
    compressor: { name: "blosc", configuration: { cname: "lz4", shuffle: "shuffle" } },
  }),
  crc32c: () => ({ compressor: { name: "crc32c" } }),
  sharded: () => ({ shards: [4, 6], compressor: { name: "zstd", configuration: { level: 1 } } }),
  "sharded-start-blosc": () => ({
    shards: [4, 6],
    indexLocation: "start",
    compressor: { name: "blosc" },
  }),
  "transpose-big": (itemSize) => ({
    codecs: [
      { name: "transpose", configuration: { order: [1, 0] } },
      itemSize > 1 ? { name: "bytes", configuration: { endian: "big" } } : { name: "bytes" },
      { name: "gzip", configuration: { level: 1 } },
    ],
  }),
};

/** Fill values to try per data type, beyond the default zero. */
function fills(name: DataTypeName): Record<string, Scalar> {
  if (name === "float16") {
    return {
      nan: Number.NaN,
      negzero: -0,
      // float32 rounds it to the midpoint 1 + 2^-11, which then ties to 1.0: it is 1 + 2^-10.
      doubleround: 1.0004882812509095,
      inf: Number.NEGATIVE_INFINITY,
    };
  }
  if (name === "bfloat16") {
    return {
      nan: Number.NaN,
      negzero: -0,
      // float32 keeps it at the midpoint 1 + 2^-8, which then ties to 1.0: it is 1 + 2^-7.
      doubleround: 1 + 2 ** -8 + 2 ** -40,
    };
  }
  if (name === "float32" || name === "float64") {
    return { nan: Number.NaN, negzero: -0, inf: Number.POSITIVE_INFINITY, half: 0.5 };
  }
  if (name === "complex64" || name === "complex128") return { nan: [Number.NaN, -0] };
  if (name === "int64") return { min: -(2n ** 63n) };
  if (name === "uint64") return { max: 2n ** 64n - 1n };
  if (name === "bool") return { true: true };
  if (name.startsWith("int")) return { neg: -7 };
  return { seven: 7 };
}

/** The fill value as stored: float16 rounded once, float32 by `Math.fround`. */
function roundFill(name: DataTypeName, v: Scalar): Scalar {
  if (name === "float16" && typeof v === "number") return float16ToNumber(numberToFloat16(v));
  if (name === "bfloat16" && typeof v === "number") return bfloat16ToNumber(numberToBfloat16(v));
  return v;
}

/** Every case of the suite: each data type × each codec variant, then each special fill value. */
export function writeCases(): WriteCase[] {
  const out: WriteCase[] = [];
  const shape = [9, 13];
  for (const name of SUITE_DATA_TYPES) {
    const itemSize = dataType(name).itemSize;
    for (const [codec, make] of Object.entries(CODECS)) {
      out.push({
        path: `${name}/${codec}`,
        dtype: name,
        options: { shape, chunks: [2, 3], dtype: name, ...make(itemSize) },
        value: sampleValues(name, shape),
        expected: sampleValues(name, shape),
      });
    }
    for (const [fill, fillValue] of Object.entries(fills(name))) {
      // Only the first rows are written: the rest reads as the fill value.
      out.push({
        path: `${name}/fill-${fill}`,
        dtype: name,
        options: { shape, chunks: [2, 3], dtype: name, fillValue, compressor: { name: "gzip" } },
        value: sampleValues(name, [4, 13]),
        expected: expectedOf(sampleValues(name, [4, 13]), shape, roundFill(name, fillValue)),
      });
    }
  }
  return out;
}

/** Creates the array of `c` in `store` and writes its value at the origin. */
export async function writeCase(store: unknown, c: WriteCase): Promise<void> {
  const arr = await createArray(store, c.path, c.options);
  await arr.write(c.value as never);
}
