/**
 * The numcodecs `quantize` filter (`numcodecs.Quantize`; v3 name `numcodecs.quantize`): encoding
 * keeps `digits` decimal digits of precision by rounding to a multiple of `2^-bits`
 * (`round(scale * x) / scale`, `scale = 2^bits`, `bits = ceil(log2(10^-e))`, `e` the
 * floor (negative) or ceiling (else) of `log10(10^-digits)`), cast to `astype`; decoding is a cast
 * to `dtype`. Configuration: `digits` (integer), `dtype`, `astype` (float32 or float64, default
 * `dtype`). With a float32 `dtype` the arithmetic is float32 (NumPy 2, NEP 50).
 * @module
 */
import { allocate, dataType, type TypedArray } from "../../core/dtype.js";
import type { CodecSpec } from "../model.js";
import { castArray, castValue } from "./numpy-cast.js";
import { type NumpyType, parseNumpyType } from "./numpy-type.js";
import { precisionOf, roundHalfEven } from "./round.js";
import { ConfigReader, type Entries } from "./util.js";
import { ValueFilter } from "./value-filter.js";

const F64 = dataType("float64");

/** numcodecs' quantisation scale for `digits` decimal digits: a power of two. */
export function quantizeScale(digits: number): number {
  const precision = 10 ** -digits;
  let exp = Math.log10(precision);
  exp = exp < 0 ? Math.floor(exp) : Math.ceil(exp);
  const bits = Math.ceil(Math.log2(10 ** -exp));
  return 2 ** bits;
}

class QuantizeCodec extends ValueFilter {
  readonly name = "numcodecs.quantize";
  constructor(
    readonly digits: number,
    readonly decoded: NumpyType,
    readonly encoded: NumpyType,
    private readonly astypeGiven: boolean,
  ) {
    super();
  }

  encodeValues(values: TypedArray): TypedArray {
    const p = precisionOf(this.decoded.dataType);
    const scale = p(quantizeScale(this.digits));
    const to = this.encoded.dataType;
    const out = allocate(to, values.length) as unknown as Entries;
    const src = values as unknown as Entries;
    for (let i = 0; i < values.length; i++) {
      out[i] = castValue(p(roundHalfEven(p(scale * Number(src[i]!))) / scale), F64, to);
    }
    return out as unknown as TypedArray;
  }

  decodeValues(values: TypedArray): TypedArray {
    return castArray(values, this.encoded.dataType, this.decoded.dataType);
  }

  toJSON(): CodecSpec {
    return {
      name: this.name,
      configuration: {
        digits: this.digits,
        dtype: this.decoded.typestr,
        ...(this.astypeGiven ? { astype: this.encoded.typestr } : {}),
      },
    };
  }
}

/**
 * Factory of `numcodecs.quantize`.
 * @throws MetadataError naming `configuration.digits` / `dtype` / `astype` (only float32 and
 *   float64 are accepted: numcodecs refuses other kinds, float16 arithmetic is not emulated).
 */
export function createQuantizeCodec(
  configuration: Readonly<Record<string, unknown>>,
  _spec: unknown,
  metadataKey: string,
): QuantizeCodec {
  const r: ConfigReader = new ConfigReader(configuration, metadataKey, "numcodecs.quantize");
  const digits = r.int("digits", -300, 300);
  const type = (field: string, fallback?: string): NumpyType => {
    const s = r.string(field, fallback);
    const t = parseNumpyType(s);
    if (!t || (t.dataType.name !== "float32" && t.dataType.name !== "float64")) {
      r.fail(field, `unsupported ${field} ${JSON.stringify(s)} (float32 or float64)`);
    }
    return t;
  };
  const dtype = type("dtype");
  const astype = type("astype", dtype.typestr);
  return new QuantizeCodec(digits, dtype, astype, r.has("astype"));
}
