/**
 * The numcodecs `bitround` filter (`numcodecs.BitRound`; v3 name `numcodecs.bitround`): encoding
 * keeps `keepbits` bits of each float's mantissa, rounding the rest half to even (on the
 * integer view of the float: add the round bit and half a quantum minus one, then clear the low
 * `mantissa bits - keepbits` bits; integer arithmetic wraps); decoding is the identity. The
 * floats are the chunk's data type (float16, float32 or float64, with 10, 23, 52 mantissa
 * bits). As a bytes→bytes codec the bytes are taken as little-endian (what `bytes` writes by
 * default); decoding does not depend on it.
 * @module
 */
import { type DataType, type TypedArray, toBytes, viewAs } from "../../core/dtype.js";
import type { CodecSpec } from "../model.js";
import { littleEndianTypestr } from "./numpy-type.js";
import type { ChunkSpec } from "./types.js";
import { ConfigReader } from "./util.js";
import { ValueFilter } from "./value-filter.js";

const MANTISSA_BITS: Readonly<Record<string, number>> = { float16: 10, float32: 23, float64: 52 };

/** Rounds the little-endian floats of `bytes` (of `itemSize` 2, 4 or 8 bytes) in place. */
export function bitRoundInPlace(bytes: Uint8Array, itemSize: number, maskbits: number): void {
  if (maskbits === 0) return;
  const n = bytes.length / itemSize;
  if (itemSize === 8) {
    const b = new BigInt64Array(bytes.buffer, bytes.byteOffset, n);
    const m = BigInt(maskbits);
    const half = (1n << (m - 1n)) - 1n;
    const mask = -1n << m;
    for (let i = 0; i < n; i++) {
      const v = b[i]!;
      b[i] = BigInt.asIntN(64, v + ((v >> m) & 1n) + half) & mask;
    }
    return;
  }
  const half = (1 << (maskbits - 1)) - 1;
  const mask = -1 << maskbits;
  if (itemSize === 4) {
    const b = new Int32Array(bytes.buffer, bytes.byteOffset, n);
    for (let i = 0; i < n; i++) {
      const v = b[i]!;
      b[i] = ((v + ((v >> maskbits) & 1) + half) | 0) & mask;
    }
    return;
  }
  const b = new Int16Array(bytes.buffer, bytes.byteOffset, n);
  for (let i = 0; i < n; i++) {
    const v = b[i]!;
    b[i] = (((v + ((v >> maskbits) & 1) + half) << 16) >> 16) & mask;
  }
}

class BitRoundCodec extends ValueFilter {
  readonly name = "numcodecs.bitround";
  readonly decoded;
  readonly encoded;
  constructor(
    readonly keepbits: number,
    private readonly dt: DataType,
  ) {
    super();
    const t = { typestr: littleEndianTypestr(dt), dataType: dt, bigEndian: false };
    this.decoded = t;
    this.encoded = t;
  }

  encodeValues(values: TypedArray): TypedArray {
    const bytes = toBytes(this.dt, values).slice();
    bitRoundInPlace(bytes, this.dt.itemSize, MANTISSA_BITS[this.dt.name]! - this.keepbits);
    return viewAs(this.dt, bytes);
  }

  decodeValues(values: TypedArray): TypedArray {
    return values.slice() as TypedArray;
  }

  toJSON(): CodecSpec {
    return { name: this.name, configuration: { keepbits: this.keepbits } };
  }
}

/**
 * Factory of `numcodecs.bitround` for chunks of `spec` (a float16, float32 or float64 array).
 * @throws MetadataError naming `configuration.keepbits` (missing, negative, more than the
 *   mantissa bits) or `configuration` (the chunks are not floats).
 */
export function createBitRoundCodec(
  configuration: Readonly<Record<string, unknown>>,
  spec: ChunkSpec,
  metadataKey: string,
): BitRoundCodec {
  const r: ConfigReader = new ConfigReader(configuration, metadataKey, "numcodecs.bitround");
  const bits = MANTISSA_BITS[spec.dataType.name];
  if (bits === undefined) {
    r.fail("", `numcodecs.bitround rounds float16/32/64 arrays, not ${spec.dataType.name}`);
  }
  return new BitRoundCodec(r.int("keepbits", 0, bits), spec.dataType);
}
