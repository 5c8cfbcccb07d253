/**
 * The v3 `cast_value` array→array codec (zarr-extensions `codecs/cast_value`): encoding converts
 * each value of the chunk's data type to `data_type` by value (not by bits), decoding converts
 * back to the chunk's data type, both with the configured rules:
 * - `rounding` (casts of non-integers to integer types): `"nearest-even"` (default),
 *   `"towards-zero"`, `"towards-positive"`, `"towards-negative"`, `"nearest-away"`;
 * - `out_of_range`: `"error"` (default: a `CodecError` naming the chunk key and the value),
 *   `"clamp"` (to the target's minimum or maximum), `"wrap"` (modulo 2^bits; integer and bool
 *   targets only, a float target refuses it as `"error"` does);
 * - NaN cast to a type without NaN is an error whatever `out_of_range` says.
 * Real numeric data types only (bool, integers, float16/32/64).
 * @module
 */
import {
  allocate,
  type DataType,
  type DataTypeName,
  dataType,
  REAL_DATA_TYPES,
  type Scalar,
  type TypedArray,
} from "../../core/dtype.js";
import { CodecError } from "../../core/errors.js";
import { cStrides, type NDArray, shapeSize } from "../../core/ndarray.js";
import type { CodecSpec } from "../model.js";
import type { ArrayToArrayCodec, ChunkSpec, CodecContext } from "./types.js";
import { ConfigReader, cOrderData, type Entries } from "./util.js";

const NAME = "cast_value";
const ROUNDING = [
  "nearest-even",
  "towards-zero",
  "towards-positive",
  "towards-negative",
  "nearest-away",
] as const;
const OUT_OF_RANGE = ["error", "clamp", "wrap"] as const;
type Rounding = (typeof ROUNDING)[number];
type OutOfRange = (typeof OUT_OF_RANGE)[number];

const FLOAT_MAX: Readonly<Record<string, number>> = {
  float16: 65504,
  float32: 3.4028234663852886e38,
  float64: Number.MAX_VALUE,
};

const isFloat = (dt: DataType): boolean => dt.name in FLOAT_MAX;

function intRange(dt: DataType): [bigint, bigint] {
  if (dt.name === "bool") return [0n, 1n];
  const bits = BigInt(dt.itemSize * 8);
  return dt.name.startsWith("u")
    ? [0n, (1n << bits) - 1n]
    : [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n];
}

function round(x: number, mode: Rounding): number {
  switch (mode) {
    case "towards-zero":
      return Math.trunc(x);
    case "towards-positive":
      return Math.ceil(x);
    case "towards-negative":
      return Math.floor(x);
    case "nearest-away":
      return Math.sign(x) * Math.round(Math.abs(x));
    default: {
      const r = Math.round(x);
      return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
    }
  }
}

/** Converts values between two real data types under the codec's rules. */
class ValueCaster {
  constructor(
    readonly rounding: Rounding,
    readonly outOfRange: OutOfRange,
  ) {}

  cast(src: TypedArray, from: DataType, to: DataType, key: string): TypedArray {
    const n = src.length;
    const out = allocate(to, n) as unknown as Entries;
    const s = src as unknown as Entries;
    for (let i = 0; i < n; i++) out[i] = this.one(s[i]!, from, to, key);
    return out as unknown as TypedArray;
  }

  private fail(key: string, v: number | bigint, to: DataType, why: string): never {
    throw new CodecError(`cannot cast ${String(v)} to ${to.name}: ${why}`, { key, codec: NAME });
  }

  one(v: number | bigint, from: DataType, to: DataType, key: string): number | bigint {
    if (isFloat(to)) {
      const x = Number(v);
      const max = FLOAT_MAX[to.name]!;
      if (Number.isFinite(x) && Math.abs(x) > max) {
        // A float beyond the target's finite range (e.g. 1e300 to float32).
        if (this.outOfRange === "clamp") return Math.sign(x) * max;
        this.fail(key, v, to, `outside [-${max}, ${max}] (out_of_range "${this.outOfRange}")`);
      }
      return x;
    }
    let b: bigint;
    if (typeof v === "bigint") b = v;
    else if (isFloat(from)) {
      if (Number.isNaN(v)) this.fail(key, v, to, "NaN has no integer value");
      if (!Number.isFinite(v)) {
        if (this.outOfRange !== "clamp") this.fail(key, v, to, `out_of_range "${this.outOfRange}"`);
        const [lo, hi] = intRange(to);
        return this.store(v > 0 ? hi : lo, to);
      }
      b = BigInt(round(v, this.rounding));
    } else b = BigInt(v);
    const [lo, hi] = intRange(to);
    if (b < lo || b > hi) {
      if (this.outOfRange === "error") this.fail(key, v, to, `outside [${lo}, ${hi}]`);
      if (this.outOfRange === "clamp") b = b < lo ? lo : hi;
      else if (to.name === "bool") b = BigInt.asUintN(1, b);
      else
        b = to.name.startsWith("u")
          ? BigInt.asUintN(to.itemSize * 8, b)
          : BigInt.asIntN(to.itemSize * 8, b);
    }
    return this.store(b, to);
  }

  private store(b: bigint, to: DataType): number | bigint {
    return to.name === "int64" || to.name === "uint64" ? b : Number(b);
  }
}

function fillEntry(v: Scalar): number | bigint {
  if (typeof v === "boolean") return v ? 1 : 0;
  return typeof v === "number" || typeof v === "bigint" ? v : 0;
}

class CastValueCodec implements ArrayToArrayCodec {
  readonly kind = "array_to_array" as const;
  readonly name = NAME;
  private readonly caster: ValueCaster;
  constructor(
    readonly target: DataType,
    readonly rounding: Rounding | undefined,
    readonly outOfRange: OutOfRange | undefined,
  ) {
    this.caster = new ValueCaster(rounding ?? "nearest-even", outOfRange ?? "error");
  }

  resolveSpec(spec: ChunkSpec): ChunkSpec {
    const fill = this.caster.one(
      fillEntry(spec.fillValue),
      spec.dataType,
      this.target,
      "fill_value",
    );
    return {
      ...spec,
      dataType: this.target,
      fillValue: this.target.name === "bool" ? fill !== 0 : fill,
    };
  }

  encode(a: NDArray, spec: ChunkSpec, ctx: CodecContext): NDArray {
    const data = this.caster.cast(cOrderData(a), spec.dataType, this.target, ctx.key);
    return { data, shape: [...a.shape], strides: cStrides(a.shape), dtype: this.target };
  }

  decode(a: NDArray, spec: ChunkSpec, ctx: CodecContext): NDArray {
    if (shapeSize(a.shape) !== shapeSize(spec.shape)) {
      throw new CodecError(
        `got ${shapeSize(a.shape)} elements, expected ${shapeSize(spec.shape)}`,
        {
          key: ctx.key,
          codec: NAME,
        },
      );
    }
    const data = this.caster.cast(cOrderData(a), this.target, spec.dataType, ctx.key);
    return { data, shape: [...spec.shape], strides: cStrides(spec.shape), dtype: spec.dataType };
  }

  toJSON(): CodecSpec {
    return {
      name: NAME,
      configuration: {
        data_type: this.target.name,
        ...(this.rounding ? { rounding: this.rounding } : {}),
        ...(this.outOfRange ? { out_of_range: this.outOfRange } : {}),
      },
    };
  }
}

/**
 * Factory of `cast_value` for chunks of `spec`.
 * @throws MetadataError naming `configuration.data_type` (not a real numeric type),
 *   `configuration.rounding`, `configuration.out_of_range`, an unknown configuration key (the
 *   spec makes extra keys invalid), or `configuration` when the chunks are not of a real numeric
 *   type.
 */
export function createCastValueCodec(
  configuration: Readonly<Record<string, unknown>>,
  spec: ChunkSpec,
  metadataKey: string,
): CastValueCodec {
  const r: ConfigReader = new ConfigReader(configuration, metadataKey, NAME);
  for (const k of Object.keys(configuration)) {
    if (k !== "data_type" && k !== "rounding" && k !== "out_of_range")
      r.fail(k, "unknown key (the cast_value spec makes it invalid)");
  }
  if (!REAL_DATA_TYPES.has(spec.dataType.name))
    r.fail("", `${NAME} casts real numeric arrays, not ${spec.dataType.name}`);
  const name = r.string("data_type");
  if (!REAL_DATA_TYPES.has(name as DataTypeName))
    r.fail(
      "data_type",
      `unsupported data type ${JSON.stringify(name)} (bool, integers, float16/32/64)`,
    );
  const rounding = r.has("rounding") ? r.oneOf("rounding", ROUNDING) : undefined;
  const outOfRange = r.has("out_of_range") ? r.oneOf("out_of_range", OUT_OF_RANGE) : undefined;
  return new CastValueCodec(dataType(name as DataTypeName), rounding, outOfRange);
}
