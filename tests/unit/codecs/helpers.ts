/** Shared helpers of the codec tests: sample data, comparisons, fixture access. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  allocate,
  type DataType,
  type DataTypeName,
  dataType,
  NUMERIC_DATA_TYPES,
  type Scalar,
} from "../../../src/core/dtype.js";
import { cStrides, type NDArray, shapeSize, toCOrder } from "../../../src/core/ndarray.js";
import type { CodecSpec } from "../../../src/format/model.js";
import { dtypeOfDescr } from "./npy.js";

/** Root of the fixture stores: the in-repo copy, else the shared folder. */
export const FIXTURES = existsSync(
  join(import.meta.dirname, "../../../data/fixtures/manifest.json"),
)
  ? join(import.meta.dirname, "../../../data/fixtures")
  : "/work/shared/fixtures";

/** Every data type of the library, with `|S8` as bytes. */
export const ALL_DTYPES: DataType[] = [...NUMERIC_DATA_TYPES]
  .map((n): DataType => dataType(n))
  .concat([dataType("bytes", 8)]);

type Writable = { [i: number]: number | bigint; length: number };

/** A C-order array of `shape` with distinct, exactly representable values (a few repeats for compressibility). */
export function sample(dt: DataType, shape: readonly number[], seed = 1): NDArray {
  const n = shapeSize(shape);
  const data = allocate(dt, n);
  const d = data as unknown as Writable;
  for (let i = 0; i < n; i++) {
    const v = (i * 37 + seed * 11) % 1000;
    switch (dt.name) {
      case "bool":
        d[i] = (i * 7 + seed) % 3 === 0 ? 1 : 0;
        break;
      case "int64":
        d[i] = BigInt(v) * 1_000_000_007n - 3_000_000_000n * BigInt(i % 3);
        break;
      case "uint64":
        d[i] = BigInt(v) * 1_000_000_007n + (i % 2 === 0 ? 2n ** 63n : 0n);
        break;
      case "float16":
        d[i] = (v - 500) / 4;
        break;
      case "float32":
      case "float64":
        d[i] = i === 3 ? Number.NaN : i === 4 ? -0 : (v - 500) * 0.125;
        break;
      case "complex64":
      case "complex128":
        d[2 * i] = (v - 500) * 0.5;
        d[2 * i + 1] = i === 2 ? Number.NaN : i * 0.25;
        break;
      case "bytes":
        for (let k = 0; k < dt.lanes; k++)
          d[i * dt.lanes + k] = k < (i % dt.lanes) + 1 ? 65 + ((i + k) % 26) : 0;
        break;
      case "int8":
        d[i] = (v % 256) - 128;
        break;
      case "uint8":
        d[i] = v % 256;
        break;
      case "int16":
      case "int32":
        d[i] = (v - 500) * (dt.name === "int32" ? 100_003 : 31);
        break;
      default:
        d[i] = v * (dt.name === "uint32" ? 4_000_001 : 61);
    }
  }
  return { data, shape: [...shape], strides: cStrides(shape), dtype: dt };
}

/** Undefined when `a` and `b` hold the same elements (NaN = NaN, -0 ≠ 0), else the first difference. */
export function diff(a: NDArray, b: NDArray): string | undefined {
  if (a.shape.length !== b.shape.length || a.shape.some((s, i) => s !== b.shape[i])) {
    return `shape [${a.shape}] vs [${b.shape}]`;
  }
  if (a.dtype.name !== b.dtype.name || a.dtype.itemSize !== b.dtype.itemSize)
    return `dtype ${a.dtype.name} vs ${b.dtype.name}`;
  const x = toCOrder(a).data as unknown as Writable;
  const y = toCOrder(b).data as unknown as Writable;
  if (x.length !== y.length) return `length ${x.length} vs ${y.length}`;
  for (let i = 0; i < x.length; i++) {
    if (!Object.is(x[i], y[i])) return `entry ${i}: ${String(x[i])} vs ${String(y[i])}`;
  }
  return undefined;
}

/** A strided (non-contiguous) copy of `a`: the same elements laid out in Fortran order. */
export function fortranCopy(a: NDArray): NDArray {
  const n = shapeSize(a.shape);
  const data = allocate(a.dtype, n);
  const strides = new Array<number>(a.shape.length);
  let s = 1;
  for (let i = 0; i < a.shape.length; i++) {
    strides[i] = s;
    s *= a.shape[i]!;
  }
  const out: NDArray = { data, shape: [...a.shape], strides, dtype: a.dtype };
  const src = toCOrder(a).data as unknown as Writable;
  const dst = data as unknown as Writable;
  const c = cStrides(a.shape);
  const L = a.dtype.lanes;
  for (let i = 0; i < n; i++) {
    let rem = i;
    let f = 0;
    for (let d = 0; d < a.shape.length; d++) {
      const k = Math.floor(rem / c[d]!);
      rem -= k * c[d]!;
      f += k * strides[d]!;
    }
    for (let l = 0; l < L; l++) dst[f * L + l] = src[i * L + l]!;
  }
  return out;
}

/** The box `[start, start + shape)` of `a` as a C-order copy. */
export function slice(a: NDArray, start: readonly number[], shape: readonly number[]): NDArray {
  const offset = start.reduce((acc, s, d) => acc + s * a.strides[d]!, a.offset ?? 0);
  return toCOrder({ data: a.data, shape, strides: a.strides, dtype: a.dtype, offset });
}

/** A fixture array as the codec layer sees it: codecs in v3 form (v2 mapped), chunk spec parts. */
export interface FixtureArray {
  dir: string;
  shape: number[];
  chunks: number[];
  dataType: DataType;
  fillValue: Scalar;
  codecs: CodecSpec[];
  /** Store key of chunk `coords` relative to the array directory. */
  key(coords: readonly number[]): string;
}

function v3Fill(dt: DataType, v: unknown): Scalar {
  const num = (x: unknown): number =>
    x === "NaN"
      ? Number.NaN
      : x === "Infinity"
        ? Number.POSITIVE_INFINITY
        : x === "-Infinity"
          ? Number.NEGATIVE_INFINITY
          : Number(x);
  if (v === null || v === undefined)
    return dt.name === "bytes"
      ? new Uint8Array(dt.itemSize)
      : dt.lanes === 2
        ? [0, 0]
        : dt.itemSize === 8 && dt.name.includes("int")
          ? 0n
          : 0;
  if (dt.lanes === 2 && dt.name !== "bytes") {
    const [re, im] = v as [unknown, unknown];
    return [num(re), num(im)];
  }
  if (dt.name === "int64" || dt.name === "uint64") return BigInt(v as number);
  if (dt.name === "bool") return Boolean(v);
  if (dt.name === "bytes")
    return typeof v === "string"
      ? Uint8Array.from(Buffer.from(v, "base64"))
      : new Uint8Array(dt.itemSize);
  return v === null ? 0 : num(v);
}

/** Reads an array's metadata from a fixture store directory (`relDir` relative to the fixtures root). */
export function openFixture(relDir: string): FixtureArray {
  const dir = join(FIXTURES, relDir);
  if (existsSync(join(dir, "zarr.json"))) {
    const m = JSON.parse(readFileSync(join(dir, "zarr.json"), "utf8"));
    const dt = dataType(m.data_type as DataTypeName);
    const cke = m.chunk_key_encoding ?? { name: "default" };
    const sep: string = cke.configuration?.separator ?? (cke.name === "v2" ? "." : "/");
    return {
      dir,
      shape: m.shape,
      chunks: m.chunk_grid.configuration.chunk_shape,
      dataType: dt,
      fillValue: v3Fill(dt, m.fill_value),
      codecs: m.codecs,
      key: (c) =>
        cke.name === "v2" ? (c.length ? c.join(sep) : "0") : ["c", ...c.map(String)].join(sep),
    };
  }
  const m = JSON.parse(readFileSync(join(dir, ".zarray"), "utf8"));
  const typestr: string = m.dtype;
  const big = typestr.startsWith(">");
  const dt = dtypeOfDescr(big ? `<${typestr.slice(1)}` : typestr);
  const codecs: CodecSpec[] = [];
  const nd = m.shape.length;
  if (m.order === "F" && nd > 1) {
    codecs.push({
      name: "transpose",
      configuration: { order: Array.from({ length: nd }, (_, i) => nd - 1 - i) },
    });
  }
  codecs.push(
    dt.diskEntrySize > 1 && dt.name !== "bytes"
      ? { name: "bytes", configuration: { endian: big ? "big" : "little" } }
      : { name: "bytes" },
  );
  const numcodecs = (c: { id: string } & Record<string, unknown>): CodecSpec => {
    const { id, ...configuration } = c;
    return { name: `numcodecs.${id}`, configuration };
  };
  for (const f of m.filters ?? []) codecs.push(numcodecs(f));
  if (m.compressor) codecs.push(numcodecs(m.compressor));
  const sep: string = m.dimension_separator ?? ".";
  return {
    dir,
    shape: m.shape,
    chunks: m.chunks,
    dataType: dt,
    fillValue: v3Fill(dt, m.fill_value),
    codecs,
    key: (c) => (c.length ? c.join(sep) : "0"),
  };
}

/** Fast byte equality for large buffers (vitest's deep equality is slow on big typed arrays). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return (
    a.length === b.length &&
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.length),
      Buffer.from(b.buffer, b.byteOffset, b.length),
    ) === 0
  );
}

/**
 * `bz2.compress(bytes(range(10)) * 3, 9)` from Python's bz2 module (the libbzip2 numcodecs wraps):
 * a stream of {@link BZ2_DATA}, as zarr-plan cannot write bzip2.
 */
export const BZ2_STREAM = Uint8Array.from(
  Buffer.from(
    "425a68393141592653598e16dee800000140007fe0200022bfd54309a10030c6dc750952de63e2ee48a70a1211c2dbdd00",
    "hex",
  ),
);

/** The 30 bytes {@link BZ2_STREAM} decodes to. */
export const BZ2_DATA = Uint8Array.from({ length: 30 }, (_, i) => i % 10);
