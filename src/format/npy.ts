/**
 * Reading and writing NumPy `.npy` files (format version 1.0/2.0/3.0), C or Fortran order,
 * little- or big-endian, for the data types of {@link DataType}.
 * Follows "A Simple File Format for NumPy Arrays" (numpy.lib.format, NEP 1).
 * @module
 */
import { allocate, type DataType, isObjectData, toBytes, viewAs } from "../core/dtype.js";
import { cStrides, fStrides, type NDArray, shapeSize, toCOrder } from "../core/ndarray.js";
import { decodeUtf32, encodeUtf32 } from "./codecs/utf32.js";
import { byteSwap } from "./codecs/util.js";
import { parseV2DType, toV2DType } from "./metadata/v2-dtype.js";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/** The NumPy `descr` string of a data type, little-endian (`"<f4"`, `"|b1"`, `"|S8"`). */
function npyDescr(dt: DataType): string {
  // Raw bits have no v2 typestr; NumPy's void type `|V<n>` holds n opaque bytes.
  if (dt.name === "raw") return `|V${dt.itemSize}`;
  return toV2DType(dt, "little");
}

/**
 * The data type of a NumPy `descr` string, and whether its bytes are big-endian.
 * @throws TypeError for a descr zarr-plan has no data type for.
 */
export function parseNpyDescr(descr: string): { dtype: DataType; bigEndian: boolean } {
  const parsed = parseV2DType(descr.replace(/^=/, "<"));
  if (!parsed) throw new TypeError(`unsupported .npy descr ${JSON.stringify(descr)}`);
  return { dtype: parsed.dataType, bigEndian: parsed.endian === "big" };
}

/**
 * Parses a `.npy` file into a C-order NDArray.
 * @throws TypeError when the bytes are not a `.npy` file or hold an unsupported dtype.
 */
export function readNpy(bytes: Uint8Array): NDArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new TypeError("not a .npy file (bad magic)");
  }
  const major = bytes[6]!;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder("latin1").decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || shapeText === undefined) {
    throw new TypeError(`malformed .npy header: ${header}`);
  }
  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const { dtype, bigEndian } = parseNpyDescr(descr);
  const n = shapeSize(shape);
  const body = bytes.subarray(start + headerLen, start + headerLen + n * dtype.itemSize);
  const raw = bigEndian ? byteSwap(body, dtype.diskEntrySize) : body.slice();
  let data: NDArray["data"];
  if (n === 0) data = allocate(dtype, 0);
  else if (dtype.name === "string") {
    if (body.length !== n * dtype.itemSize) {
      throw new TypeError(`truncated .npy: ${body.length} bytes for ${n} elements of ${descr}`);
    }
    // NumPy `<U<n>`: UTF-32 code points (byte-swapped to little-endian above).
    const strings = decodeUtf32(raw, n, dtype.itemSize / 4, true);
    if (!Array.isArray(strings)) {
      throw new TypeError(`.npy element ${strings.bad} holds a code point above U+10FFFF`);
    }
    data = strings as NDArray["data"];
  } else data = viewAs(dtype, raw);
  const arr: NDArray = { data, shape, strides: fortran ? fStrides(shape) : cStrides(shape), dtype };
  return toCOrder(arr);
}

/**
 * The `.npy` form of string data: NumPy's `<U<n>` (n = the fixed length, or the longest string in
 * code points, at least 1) as UTF-32; variable-length bytes as `|S<n>` (n = the longest, at
 * least 1), NUL-padded.
 */
function objectBody(
  dt: DataType,
  data: readonly (string | Uint8Array)[],
): { descr: string; body: Uint8Array } {
  if (dt.name === "string") {
    let n = dt.itemSize / 4;
    if (n === 0) for (const s of data as string[]) n = Math.max(n, [...s].length);
    n = Math.max(n, 1);
    const body = encodeUtf32(data, n, true);
    if (!(body instanceof Uint8Array)) {
      throw new TypeError(`element ${body.bad} is not a string of at most ${n} code points`);
    }
    return { descr: `<U${n}`, body };
  }
  let n = 1;
  for (const b of data as Uint8Array[]) n = Math.max(n, b.length);
  const body = new Uint8Array(n * data.length);
  for (let i = 0; i < data.length; i++) body.set((data as Uint8Array[])[i]!, i * n);
  return { descr: `|S${n}`, body };
}

/**
 * Encodes an NDArray as a version 1.0 `.npy` file: C order, little-endian; strings as `<U<n>`,
 * variable-length bytes as `|S<n>` (n the longest element).
 */
export function writeNpy(array: NDArray): Uint8Array {
  const a = toCOrder(array);
  const obj = isObjectData(a.dtype)
    ? objectBody(a.dtype, a.data as unknown as (string | Uint8Array)[])
    : undefined;
  const shapeText =
    a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.map(String).join(", ")})`;
  let header = `{'descr': '${obj?.descr ?? npyDescr(a.dtype)}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += `${" ".repeat((64 - (total % 64)) % 64)}\n`;
  const body = obj?.body ?? toBytes(a.dtype, a.data);
  const out = new Uint8Array(10 + header.length + body.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(body, 10 + header.length);
  return out;
}
