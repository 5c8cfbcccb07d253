/**
 * The numcodecs `fixedscaleoffset` filter (`numcodecs.FixedScaleOffset`; v3 name
 * `numcodecs.fixedscaleoffset`): encoding stores `round((x - offset) * scale)` (round half to
 * even) cast to `astype`; decoding computes `y / scale + offset` cast to `dtype`.
 *
 * Configuration: `offset`, `scale` (numbers), `dtype` (the decoded NumPy type), `astype` (the
 * encoded type, default `dtype`). Arithmetic follows NumPy 2 (NEP 50): with a float32 `dtype`
 * (encoding) or `astype` (decoding) it is done in float32, otherwise in float64. Casts follow
 * `numpy-cast.ts`. float16 as `dtype` or `astype` is refused (NumPy computes in float16 there).
 * @module
 */
import { allocate, dataType, type TypedArray } from "../../core/dtype.js";
import type { CodecSpec } from "../model.js";
import { castValue } from "./numpy-cast.js";
import { type NumpyType, parseNumpyType } from "./numpy-type.js";
import { precisionOf, roundHalfEven } from "./round.js";
import { ConfigReader, type Entries } from "./util.js";
import { ValueFilter } from "./value-filter.js";

const F64 = dataType("float64");

class FixedScaleOffsetCodec extends ValueFilter {
  readonly name = "numcodecs.fixedscaleoffset";
  constructor(
    readonly offset: number,
    readonly scale: number,
    readonly decoded: NumpyType,
    readonly encoded: NumpyType,
    private readonly astypeGiven: boolean,
  ) {
    super();
  }

  encodeValues(values: TypedArray): TypedArray {
    const from = this.decoded.dataType;
    const to = this.encoded.dataType;
    const p = precisionOf(from);
    const offset = p(this.offset);
    const scale = p(this.scale);
    const out = allocate(to, values.length) as unknown as Entries;
    const src = values as unknown as Entries;
    for (let i = 0; i < values.length; i++) {
      const x = Number(src[i]!);
      out[i] = castValue(roundHalfEven(p(p(x - offset) * scale)), F64, to);
    }
    return out as unknown as TypedArray;
  }

  decodeValues(values: TypedArray): TypedArray {
    const from = this.encoded.dataType;
    const to = this.decoded.dataType;
    const p = precisionOf(from);
    const offset = p(this.offset);
    const scale = p(this.scale);
    const out = allocate(to, values.length) as unknown as Entries;
    const src = values as unknown as Entries;
    for (let i = 0; i < values.length; i++) {
      out[i] = castValue(p(p(Number(src[i]!) / scale) + offset), F64, to);
    }
    return out as unknown as TypedArray;
  }

  toJSON(): CodecSpec {
    return {
      name: this.name,
      configuration: {
        scale: this.scale,
        offset: this.offset,
        dtype: this.decoded.typestr,
        ...(this.astypeGiven ? { astype: this.encoded.typestr } : {}),
      },
    };
  }
}

/**
 * Factory of `numcodecs.fixedscaleoffset`.
 * @throws MetadataError naming `configuration.offset` / `scale` / `dtype` / `astype` when one is
 *   missing, not finite, or not a supported numeric type (float16 refused).
 */
export function createFixedScaleOffsetCodec(
  configuration: Readonly<Record<string, unknown>>,
  _spec: unknown,
  metadataKey: string,
): FixedScaleOffsetCodec {
  const r: ConfigReader = new ConfigReader(
    configuration,
    metadataKey,
    "numcodecs.fixedscaleoffset",
  );
  const num = (field: string): number => {
    const v = configuration[field];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      r.fail(field, `expected a finite number, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  const offset = num("offset");
  const scale = num("scale");
  const type = (field: string, fallback?: string): NumpyType => {
    const s = r.string(field, fallback);
    const t = parseNumpyType(s);
    if (!t || t.dataType.name === "float16" || t.dataType.name === "bool") {
      r.fail(
        field,
        `unsupported ${field} ${JSON.stringify(s)} (an integer, float32 or float64 NumPy type)`,
      );
    }
    return t;
  };
  const dtype = type("dtype");
  const astype = type("astype", dtype.typestr);
  return new FixedScaleOffsetCodec(offset, scale, dtype, astype, r.has("astype"));
}
