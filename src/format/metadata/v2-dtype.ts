/**
 * Zarr v2 `dtype` typestrings (v2 spec, "Data type encoding", NumPy array-interface typestr):
 * a byte-order character (`<` little, `>` big, `|` not applicable), a kind character and a size
 * in bytes.
 * @module
 */
import {
  type DataType,
  type DataTypeName,
  dataType,
  TIME_UNITS,
  type TimeUnit,
} from "../../core/dtype.js";

/** A parsed v2 typestr. */
interface V2DType {
  readonly dataType: DataType;
  /** Byte order of multi-byte types; `undefined` for 1-byte types and `|S<n>`. */
  readonly endian: "little" | "big" | undefined;
}

const NUMERIC: Readonly<Record<string, DataTypeName>> = {
  b1: "bool",
  i1: "int8",
  i2: "int16",
  i4: "int32",
  i8: "int64",
  u1: "uint8",
  u2: "uint16",
  u4: "uint32",
  u8: "uint64",
  f2: "float16",
  f4: "float32",
  f8: "float64",
  c8: "complex64",
  c16: "complex128",
};

const KIND_SIZE: Readonly<Partial<Record<DataTypeName, string>>> = Object.fromEntries(
  Object.entries(NUMERIC).map(([k, v]) => [v, k]),
);

/**
 * Parses a v2 typestr: `|b1`, `|i1`, `<i2`/`>i2` … `<u8`, `<f2`/`<f4`/`<f8`, `<c8`/`<c16`,
 * `|S<n>` (n ≥ 1), `<U<n>` / `>U<n>` (n ≥ 1 UTF-32 code points), `<M8[unit]` / `<m8[unit]` (NumPy datetime64 / timedelta64, with an optional
 * scale factor: `<M8[10s]`; `<M8` alone is the generic unit). One-byte types and `|S<n>` accept
 * any byte-order character; multi-byte types need `<` or `>`.
 * `|O` (object arrays) is parsed by the caller, which needs the object codec.
 * @returns `undefined` for any other string (structured, `|O`, `|V`, malformed).
 */
export function parseV2DType(typestr: string): V2DType | undefined {
  const time = parseTimeTypestr(typestr);
  if (time !== null) return time;
  const m = /^([<>|])([a-zA-Z])(\d+)$/.exec(typestr);
  if (!m) return undefined;
  const [, order, kind, sizeText] = m as unknown as [string, string, string, string];
  if (kind === "U") {
    // NumPy's fixed-length unicode: n UTF-32 code points; `|U` is not a NumPy typestr.
    const n = Number(sizeText);
    if (!Number.isSafeInteger(n) || n < 1 || n > 2 ** 29 - 1 || sizeText.startsWith("0")) {
      return undefined;
    }
    if (order === "|") return undefined;
    return { dataType: dataType("string", n), endian: order === "<" ? "little" : "big" };
  }
  if (kind === "S") {
    const n = Number(sizeText);
    if (!Number.isSafeInteger(n) || n < 1 || sizeText.startsWith("0")) return undefined;
    return { dataType: dataType("bytes", n), endian: undefined };
  }
  const name = NUMERIC[`${kind}${sizeText}`];
  if (name === undefined) return undefined;
  const dt = dataType(name);
  if (dt.diskEntrySize === 1) return { dataType: dt, endian: undefined };
  if (order === "|") return undefined;
  return { dataType: dt, endian: order === "<" ? "little" : "big" };
}

/**
 * Parses `<M8[unit]`, `>m8[10s]`, `<M8` (NumPy's datetime64 / timedelta64 typestr).
 * @returns `null` when `typestr` is not of that form, `undefined` when it is but its unit or
 *   scale factor is not valid.
 */
function parseTimeTypestr(typestr: string): V2DType | undefined | null {
  const m = /^([<>|])([mM])8(?:\[(\d*)([A-Za-zμ]+)\])?$/.exec(typestr);
  if (!m) return null;
  const [, order, kind, scaleText, unitText] = m as unknown as [
    string,
    string,
    string,
    string | undefined,
    string | undefined,
  ];
  if (order === "|") return undefined;
  const unit = (unitText ?? "generic") as TimeUnit;
  if (!TIME_UNITS.includes(unit)) return undefined;
  const scaleFactor = scaleText ? Number(scaleText) : 1;
  if (!Number.isSafeInteger(scaleFactor) || scaleFactor < 1 || scaleFactor > 2 ** 31 - 1) {
    return undefined;
  }
  const name = kind === "M" ? "datetime64" : "timedelta64";
  return {
    dataType: dataType(name, { unit, scaleFactor }),
    endian: order === "<" ? "little" : "big",
  };
}

/**
 * The v2 typestr of a data type: `|` for 1-byte types and `|S<n>`, otherwise `<` (little, the
 * default) or `>` (big); datetime64 / timedelta64 as `<M8[unit]` / `<m8[unit]`.
 * @throws RangeError for raw bits (no v2 typestr).
 */
export function toV2DType(dt: DataType, endian: "little" | "big" | undefined): string {
  if (dt.name === "bytes") return `|S${dt.itemSize}`;
  if (dt.name === "string" && dt.itemSize > 0) {
    return `${endian === "big" ? ">" : "<"}U${dt.itemSize / 4}`;
  }
  if (dt.name === "string" || dt.name === "variable_length_bytes") return "|O";
  if (dt.name === "datetime64" || dt.name === "timedelta64") {
    const kind = dt.name === "datetime64" ? "M8" : "m8";
    const unit = dt.unit ?? "generic";
    const scale = (dt.scaleFactor ?? 1) > 1 ? String(dt.scaleFactor) : "";
    return `${endian === "big" ? ">" : "<"}${kind}${unit === "generic" ? "" : `[${scale}${unit}]`}`;
  }
  const code = KIND_SIZE[dt.name];
  if (code === undefined) throw new RangeError(`data type ${dt.name} has no Zarr v2 typestr`);
  if (dt.diskEntrySize === 1) return `|${code}`;
  return `${endian === "big" ? ">" : "<"}${code}`;
}
