/**
 * The numcodecs `astype` filter (`numcodecs.AsType`; v3 name `numcodecs.astype`): encoding casts
 * elements of `decode_dtype` to `encode_dtype`, decoding casts back (NumPy `astype`, see
 * `numpy-cast.ts`). Configuration: `encode_dtype`, `decode_dtype` (bool, integer or float NumPy
 * types).
 * @module
 */
import type { TypedArray } from "../../core/dtype.js";
import type { CodecSpec } from "../model.js";
import { castArray } from "./numpy-cast.js";
import { type NumpyType, parseNumpyType } from "./numpy-type.js";
import { ConfigReader } from "./util.js";
import { ValueFilter } from "./value-filter.js";

class AsTypeCodec extends ValueFilter {
  readonly name = "numcodecs.astype";
  constructor(
    readonly decoded: NumpyType,
    readonly encoded: NumpyType,
  ) {
    super();
  }

  encodeValues(values: TypedArray): TypedArray {
    return castArray(values, this.decoded.dataType, this.encoded.dataType);
  }

  decodeValues(values: TypedArray): TypedArray {
    return castArray(values, this.encoded.dataType, this.decoded.dataType);
  }

  toJSON(): CodecSpec {
    return {
      name: this.name,
      configuration: { encode_dtype: this.encoded.typestr, decode_dtype: this.decoded.typestr },
    };
  }
}

/**
 * Factory of `numcodecs.astype`.
 * @throws MetadataError naming `configuration.encode_dtype` / `decode_dtype` when missing or not
 *   a bool, integer or float NumPy type.
 */
export function createAsTypeCodec(
  configuration: Readonly<Record<string, unknown>>,
  _spec: unknown,
  metadataKey: string,
): AsTypeCodec {
  const r: ConfigReader = new ConfigReader(configuration, metadataKey, "numcodecs.astype");
  const type = (field: string): NumpyType => {
    const s = r.string(field);
    const t = parseNumpyType(s);
    if (!t)
      r.fail(
        field,
        `unsupported ${field} ${JSON.stringify(s)} (a bool, integer or float NumPy type)`,
      );
    return t;
  };
  return new AsTypeCodec(type("decode_dtype"), type("encode_dtype"));
}
