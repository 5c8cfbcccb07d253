/**
 * Fill value decoding and encoding for Zarr v3 (core spec, "Permitted fill values") and
 * Zarr v2 (spec, "fill_value").
 *
 * Decoded representation ({@link Scalar}): `boolean` for bool, `number` for 8–32-bit integers
 * and floats, `bigint` for int64/uint64, `[re, im]` for complex, `Uint8Array` (n bytes) for `|S<n>`.
 * @module
 */
import type { DataType, Scalar } from "../../core/dtype.js";
import {
  bfloat16ToNumber,
  float16ToNumber,
  NAT,
  numberToBfloat16,
  numberToFloat16,
} from "../../core/dtype.js";
import type { IssueList, PathSegment } from "./issues.js";

const INT_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
};

const BIGINT_RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

/**
 * Rounds `v` to the nearest value representable in an IEEE float of `size` bytes (`size` 2 with
 * `bf16`: bfloat16).
 */
function roundFloat(v: number, size: number, bf16 = false): number {
  if (bf16) return bfloat16ToNumber(numberToBfloat16(v));
  if (size === 2) return float16ToNumber(numberToFloat16(v));
  if (size === 4) return Math.fround(v);
  return v;
}

/** Decodes `"0x…"` (exactly 2·size hex digits, sign bit first) to a number. */
function hexToFloat(hex: string, size: number, bf16 = false): number | undefined {
  if (!/^0x[0-9a-fA-F]+$/.test(hex) || hex.length !== 2 + 2 * size) return undefined;
  const digits = hex.slice(2);
  if (bf16) return bfloat16ToNumber(Number.parseInt(digits, 16));
  if (size === 2) return float16ToNumber(Number.parseInt(digits, 16));
  const dv = new DataView(new ArrayBuffer(8));
  if (size === 4) {
    dv.setUint32(0, Number.parseInt(digits, 16));
    return dv.getFloat32(0);
  }
  dv.setBigUint64(0, BigInt(`0x${digits}`));
  return dv.getFloat64(0);
}

function parseFloatComponent(
  v: unknown,
  size: number,
  allowHex: boolean,
  issues: IssueList,
  path: readonly PathSegment[],
  bf16 = false,
): number | undefined {
  if (typeof v === "number") return roundFloat(v, size, bf16);
  if (typeof v === "bigint") return roundFloat(Number(v), size, bf16);
  if (typeof v === "string") {
    if (v === "NaN") return Number.NaN;
    if (v === "Infinity") return Number.POSITIVE_INFINITY;
    if (v === "-Infinity") return Number.NEGATIVE_INFINITY;
    if (allowHex && v.startsWith("0x")) {
      const f = hexToFloat(v, size, bf16);
      if (f !== undefined) return f;
      issues.add(path, `hex fill value must be "0x" followed by ${2 * size} hex digits`);
      return undefined;
    }
  }
  issues.add(
    path,
    `expected a number, "NaN", "Infinity", "-Infinity"${allowHex ? ` or a "0x" hex bit pattern` : ""}, got ${describe(v)}`,
  );
  return undefined;
}

function describe(v: unknown): string {
  if (typeof v === "bigint") return `${v}`;
  if (v === undefined) return "undefined";
  return JSON.stringify(v) ?? String(v);
}

function parseInteger(
  dt: DataType,
  v: unknown,
  issues: IssueList,
  path: readonly PathSegment[],
): number | bigint | undefined {
  const big = BIGINT_RANGES[dt.name];
  if (big) {
    let b: bigint | undefined;
    if (typeof v === "bigint") b = v;
    else if (typeof v === "number" && Number.isInteger(v)) b = BigInt(v);
    if (b === undefined || b < big[0] || b > big[1]) {
      issues.add(
        path,
        `expected an integer in [${big[0]}, ${big[1]}] for ${dt.name}, got ${describe(v)}`,
      );
      return undefined;
    }
    return b;
  }
  const range = INT_RANGES[dt.name]!;
  const n = typeof v === "bigint" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < range[0] || n > range[1]) {
    issues.add(
      path,
      `expected an integer in [${range[0]}, ${range[1]}] for ${dt.name}, got ${describe(v)}`,
    );
    return undefined;
  }
  return n;
}

function parseCommon(
  dt: DataType,
  v: unknown,
  allowHex: boolean,
  issues: IssueList,
  path: readonly PathSegment[],
): Scalar | undefined {
  switch (dt.name) {
    case "bool":
      if (typeof v === "boolean") return v;
      issues.add(path, `expected true or false for bool, got ${describe(v)}`);
      return undefined;
    case "float16":
    case "float32":
    case "float64":
      return parseFloatComponent(v, dt.itemSize, allowHex, issues, path);
    case "bfloat16":
      return parseFloatComponent(v, 2, allowHex, issues, path, true);
    case "complex64":
    case "complex128": {
      if (!Array.isArray(v) || v.length !== 2) {
        issues.add(path, `expected a [real, imaginary] pair for ${dt.name}, got ${describe(v)}`);
        return undefined;
      }
      const size = dt.itemSize / 2;
      const re = parseFloatComponent(v[0], size, allowHex, issues, [...path, 0]);
      const im = parseFloatComponent(v[1], size, allowHex, issues, [...path, 1]);
      return re === undefined || im === undefined ? undefined : [re, im];
    }
    case "bytes":
      issues.add(path, "the bytes data type has no Zarr v3 fill value encoding");
      return undefined;
    case "datetime64":
    case "timedelta64":
      return parseTime(dt, v, issues, path);
    case "raw":
      return parseRaw(dt, v, issues, path);
    case "string":
      if (typeof v === "string") return v;
      issues.add(path, `expected a string for ${dt.name}, got ${describe(v)}`);
      return undefined;
    case "variable_length_bytes":
      return parseVlenBytes(v, issues, path);
    default:
      return parseInteger(dt, v, issues, path);
  }
}

/**
 * A datetime64 / timedelta64 fill value: `"NaT"` (→ -2^63) or an int64 integer (counts of the
 * unit; zarr-extensions `numpy.datetime64`, and what zarr-python 2 writes in `.zarray`).
 */
function parseTime(
  dt: DataType,
  v: unknown,
  issues: IssueList,
  path: readonly PathSegment[],
): bigint | undefined {
  if (v === "NaT") return NAT;
  let b: bigint | undefined;
  if (typeof v === "bigint") b = v;
  else if (typeof v === "number" && Number.isSafeInteger(v)) b = BigInt(v);
  if (b === undefined || b < NAT || b > 2n ** 63n - 1n) {
    issues.add(path, `expected "NaT" or an int64 integer for ${dt.name}, got ${describe(v)}`);
    return undefined;
  }
  return b;
}

/** A raw-bits `rN` fill value (v3 core spec): an array of N/8 integers 0–255. */
function parseRaw(
  dt: DataType,
  v: unknown,
  issues: IssueList,
  path: readonly PathSegment[],
): Uint8Array | undefined {
  if (
    !Array.isArray(v) ||
    v.length !== dt.itemSize ||
    !v.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)
  ) {
    issues.add(
      path,
      `expected an array of ${dt.itemSize} integers 0-255 for r${dt.itemSize * 8}, got ${describe(v)}`,
    );
    return undefined;
  }
  return Uint8Array.from(v as number[]);
}

/**
 * A variable-length bytes fill value: base64 (as zarr-python 3 writes it) or an array of
 * integers 0–255 (zarr-extensions `bytes`).
 */
function parseVlenBytes(
  v: unknown,
  issues: IssueList,
  path: readonly PathSegment[],
): Uint8Array | undefined {
  if (typeof v === "string") {
    const b = fromBase64(v);
    if (b) return b;
  } else if (Array.isArray(v) && v.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
    return Uint8Array.from(v as number[]);
  }
  issues.add(
    path,
    `expected base64 or an array of integers 0-255 for variable-length bytes, got ${describe(v)}`,
  );
  return undefined;
}

/**
 * Decodes a Zarr v3 `fill_value` (core spec, "fill_value" / "Permitted fill values"):
 * bool → JSON boolean; integers → JSON integer in range (int64/uint64 → `bigint`); floats → JSON
 * number (rounded to the data type's precision), `"NaN"`, `"Infinity"`, `"-Infinity"` or a
 * `"0x…"` hex bit pattern of exactly the type's size; complex → `[re, im]` of those forms.
 * Records an issue and returns `undefined` when the value is not permitted.
 */
export function parseFillValueV3(
  dt: DataType,
  v: unknown,
  issues: IssueList,
  path: readonly PathSegment[] = ["fill_value"],
): Scalar | undefined {
  return parseCommon(dt, v, true, issues, path);
}

/**
 * The zero value of a data type: `false`, `0`, `0n`, `[0, 0]`, n zero bytes, or `""` for
 * strings (what a v2 `null` fill reads as; variable-length bytes: no bytes).
 */
export function zeroFill(dt: DataType): Scalar {
  switch (dt.name) {
    case "bool":
      return false;
    case "int64":
    case "uint64":
      return 0n;
    case "complex64":
    case "complex128":
      return [0, 0];
    case "bytes":
    case "raw":
    case "variable_length_bytes":
      return new Uint8Array(dt.itemSize);
    case "string":
      return "";
    case "datetime64":
    case "timedelta64":
      return 0n;
    default:
      return 0;
  }
}

/** Base64 (RFC 4648, standard alphabet, padded) of `bytes`. */
function toBase64(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** Decodes padded standard base64; `undefined` when `s` is not valid base64. */
function fromBase64(s: string): Uint8Array | undefined {
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return undefined;
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Decodes a Zarr v2 `fill_value` (v2 spec, "fill_value"): `null` → the zero value with
 * `isNull: true`; bool → boolean (0/1 accepted); integers → JSON integer; floats → number,
 * `"NaN"`, `"Infinity"`, `"-Infinity"`; complex → `[re, im]`; `|S<n>` → base64 of at most n
 * bytes, zero-padded to n (`""` → n zero bytes).
 * Records an issue and returns `undefined` when the value is not permitted.
 */
export function parseFillValueV2(
  dt: DataType,
  v: unknown,
  issues: IssueList,
  path: readonly PathSegment[] = ["fill_value"],
): { value: Scalar; isNull: boolean } | undefined {
  if (v === null) return { value: zeroFill(dt), isNull: true };
  if (dt.name === "bool" && (v === 0 || v === 1)) return { value: v === 1, isNull: false };
  if (dt.name === "bytes") {
    const decoded = typeof v === "string" ? fromBase64(v) : undefined;
    if (decoded === undefined || decoded.length > dt.itemSize) {
      issues.add(
        path,
        `expected null or the base64 encoding of at most ${dt.itemSize} bytes, got ${describe(v)}`,
      );
      return undefined;
    }
    const value = new Uint8Array(dt.itemSize);
    value.set(decoded);
    return { value, isNull: false };
  }
  const value = parseCommon(dt, v, false, issues, path);
  return value === undefined ? undefined : { value, isNull: false };
}

/**
 * A float fill value as JSON: NaN/±Infinity as the spec's strings, otherwise the number rounded
 * once (to nearest, ties to even) to the precision of the type's components, so the document
 * holds the value readers will use (`1.0004882812509095` as float16 → `1.0009765625`).
 */
function encodeFloat(v: unknown, dt: DataType): number | string {
  if (typeof v !== "number") throw mismatch(dt, v);
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "Infinity";
  if (v === Number.NEGATIVE_INFINITY) return "-Infinity";
  const r = roundFloat(v, dt.diskEntrySize, dt.name === "bfloat16");
  if (r === Number.POSITIVE_INFINITY) return "Infinity";
  if (r === Number.NEGATIVE_INFINITY) return "-Infinity";
  return r;
}

function mismatch(dt: DataType, v: unknown): TypeError {
  return new TypeError(`fill value ${describe(v)} does not match data type ${dt.name}`);
}

/**
 * Encodes a decoded fill value as Zarr v3 JSON (core spec, "Permitted fill values"):
 * NaN/±Infinity as `"NaN"`/`"Infinity"`/`"-Infinity"`, int64/uint64 as a JSON number (a
 * `number` when it is a safe integer, otherwise the `bigint` itself, which {@link encodeJson}
 * writes as an integer literal), complex as `[re, im]`.
 * @throws TypeError when the value does not match the data type, or for `bytes` (no v3 form).
 */
export function encodeFillValueV3(dt: DataType, v: Scalar): unknown {
  switch (dt.name) {
    case "bool":
      if (typeof v !== "boolean") throw mismatch(dt, v);
      return v;
    case "float16":
    case "bfloat16":
    case "float32":
    case "float64":
      return encodeFloat(v, dt);
    case "complex64":
    case "complex128":
      if (!Array.isArray(v) || v.length !== 2) throw mismatch(dt, v);
      return [encodeFloat(v[0], dt), encodeFloat(v[1], dt)];
    case "bytes":
      throw new TypeError("the bytes (|S<n>) data type has no Zarr v3 representation");
    case "raw":
      if (!(v instanceof Uint8Array) || v.length !== dt.itemSize) throw mismatch(dt, v);
      return [...v];
    case "string":
      if (typeof v !== "string") throw mismatch(dt, v);
      return v;
    case "variable_length_bytes":
      if (!(v instanceof Uint8Array)) throw mismatch(dt, v);
      return toBase64(v);
    case "datetime64":
    case "timedelta64": {
      if (typeof v !== "bigint" && !(typeof v === "number" && Number.isSafeInteger(v))) {
        throw mismatch(dt, v);
      }
      const b = BigInt(v);
      if (b === NAT) return "NaT";
      const n = Number(b);
      return Number.isSafeInteger(n) ? n : b;
    }
    case "int64":
    case "uint64": {
      if (typeof v !== "bigint" && !(typeof v === "number" && Number.isInteger(v))) {
        throw mismatch(dt, v);
      }
      const b = BigInt(v);
      const n = Number(b);
      return Number.isSafeInteger(n) ? n : b;
    }
    default:
      if (typeof v === "bigint") return Number(v);
      if (typeof v !== "number" || !Number.isInteger(v)) throw mismatch(dt, v);
      // An integer fill is never negative zero (which would be written as the float -0.0).
      return v === 0 ? 0 : v;
  }
}

/**
 * Encodes a decoded fill value as Zarr v2 JSON (v2 spec, "fill_value"): `null` when `isNull`,
 * NaN/±Infinity as strings, `|S<n>` as base64 of its n bytes, otherwise as for v3.
 * @throws TypeError when the value does not match the data type.
 */
export function encodeFillValueV2(dt: DataType, v: Scalar, isNull: boolean): unknown {
  if (isNull) return null;
  if (dt.name === "bytes") {
    if (!(v instanceof Uint8Array)) throw mismatch(dt, v);
    const bytes = new Uint8Array(dt.itemSize);
    bytes.set(v.subarray(0, dt.itemSize));
    return toBase64(bytes);
  }
  if (dt.name === "raw") throw new TypeError("raw bits (rN) have no Zarr v2 representation");
  if (dt.name === "datetime64" || dt.name === "timedelta64") {
    // zarr-python 2 writes datetime fill values as the int64 count (NaT as -2^63).
    if (typeof v !== "bigint" && !(typeof v === "number" && Number.isSafeInteger(v))) {
      throw mismatch(dt, v);
    }
    const b = BigInt(v);
    return Number.isSafeInteger(Number(b)) ? Number(b) : b;
  }
  return encodeFillValueV3(dt, v);
}
