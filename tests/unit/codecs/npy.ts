/**
 * A tiny `.npy` (NumPy format 1.0/2.0) reader for the codec tests: magic, version, header
 * length, Python-dict header (`descr`, `fortran_order`, `shape`), raw data.
 */
import { type DataType, type DataTypeName, dataType, viewAs } from "../../../src/format/dtype.js";
import { cStrides, fStrides, type NDArray } from "../../../src/format/ndarray.js";

const DESCR: Record<string, DataTypeName> = {
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

/** The data type of a little-endian or byte-order-free NumPy `descr` (`"<i4"`, `"|S8"`). */
export function dtypeOfDescr(descr: string): DataType {
  const m = /^[<|=]([a-zA-Z])(\d+)$/.exec(descr);
  if (!m) throw new Error(`unsupported descr ${descr}`);
  if (m[1] === "S") return dataType("bytes", Number(m[2]));
  const name = DESCR[`${m[1]}${m[2]}`];
  if (!name) throw new Error(`unsupported descr ${descr}`);
  return dataType(name);
}

/** Parses a `.npy` file into an NDArray (C or F strides, as stored). */
export function parseNpy(file: Uint8Array): NDArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (!magic.every((b, i) => file[i] === b)) throw new Error("not a .npy file");
  const major = file[6]!;
  const headerLen =
    major === 1
      ? file[8]! | (file[9]! << 8)
      : new DataView(file.buffer, file.byteOffset + 8, 4).getUint32(0, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(file.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || shapeText === undefined) throw new Error(`bad .npy header ${header}`);
  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const dt = dtypeOfDescr(descr);
  const body = file.slice(start + headerLen);
  return {
    data: viewAs(dt, body),
    shape,
    strides: fortran ? fStrides(shape) : cStrides(shape),
    dtype: dt,
  };
}
