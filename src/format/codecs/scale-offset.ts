/**
 * The v3 `scale_offset` array→array codec (zarr-extensions `codecs/scale_offset`): encoding
 * computes `(x - offset) * scale`, decoding `x / scale + offset`, in the chunk's data type
 * (float32 arithmetic rounds every step to float32). Usually followed by `cast_value` to store a
 * narrower type. `offset` and `scale` are written as fill values of the chunk's data type
 * (numbers, or `"NaN"`, `"Infinity"`, `"-Infinity"`). Float data types (float32, float64) only:
 * the specification does not say how integer division rounds, and float16 arithmetic is not
 * emulated.
 * @module
 */
import { allocate, type TypedArray } from "../../core/dtype.js";
import { CodecError } from "../../core/errors.js";
import { cStrides, type NDArray, shapeSize } from "../../core/ndarray.js";
import type { CodecSpec } from "../model.js";
import { precisionOf } from "./round.js";
import type { ArrayToArrayCodec, ChunkSpec, CodecContext } from "./types.js";
import { ConfigReader, cOrderData, type Entries } from "./util.js";

const NAME = "scale_offset";

function scalar(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (v === "NaN") return Number.NaN;
  if (v === "Infinity") return Number.POSITIVE_INFINITY;
  if (v === "-Infinity") return Number.NEGATIVE_INFINITY;
  return undefined;
}

function json(v: number): number | string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "Infinity";
  if (v === Number.NEGATIVE_INFINITY) return "-Infinity";
  return v;
}

class ScaleOffsetCodec implements ArrayToArrayCodec {
  readonly kind = "array_to_array" as const;
  readonly name = NAME;
  constructor(
    readonly offset: number,
    readonly scale: number,
  ) {}

  resolveSpec(spec: ChunkSpec): ChunkSpec {
    const p = precisionOf(spec.dataType);
    const f = typeof spec.fillValue === "number" ? spec.fillValue : 0;
    return { ...spec, fillValue: p(p(f - p(this.offset)) * p(this.scale)) };
  }

  private map(a: NDArray, spec: ChunkSpec, f: (x: number) => number): TypedArray {
    const src = cOrderData(a) as unknown as Entries;
    const out = allocate(spec.dataType, src.length) as unknown as Entries;
    for (let i = 0; i < src.length; i++) out[i] = f(src[i] as number);
    return out as unknown as TypedArray;
  }

  encode(a: NDArray, spec: ChunkSpec, _ctx: CodecContext): NDArray {
    const p = precisionOf(spec.dataType);
    const offset = p(this.offset);
    const scale = p(this.scale);
    const data = this.map(a, spec, (x) => p(p(x - offset) * scale));
    return { data, shape: [...a.shape], strides: cStrides(a.shape), dtype: spec.dataType };
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
    const p = precisionOf(spec.dataType);
    const offset = p(this.offset);
    const scale = p(this.scale);
    const data = this.map(a, spec, (x) => p(p(x / scale) + offset));
    return { data, shape: [...spec.shape], strides: cStrides(spec.shape), dtype: spec.dataType };
  }

  toJSON(): CodecSpec {
    return { name: NAME, configuration: { offset: json(this.offset), scale: json(this.scale) } };
  }
}

/**
 * Factory of `scale_offset` for chunks of `spec`.
 * @throws MetadataError naming `configuration.offset` / `configuration.scale` (missing or not a
 *   number), an unknown configuration key, or `configuration` when the chunks are not float32 or
 *   float64.
 */
export function createScaleOffsetCodec(
  configuration: Readonly<Record<string, unknown>>,
  spec: ChunkSpec,
  metadataKey: string,
): ScaleOffsetCodec {
  const r: ConfigReader = new ConfigReader(configuration, metadataKey, NAME);
  for (const k of Object.keys(configuration)) {
    if (k !== "offset" && k !== "scale")
      r.fail(k, "unknown key (the scale_offset spec makes it invalid)");
  }
  if (spec.dataType.name !== "float32" && spec.dataType.name !== "float64") {
    r.fail("", `${NAME} is supported on float32 and float64 arrays, not ${spec.dataType.name}`);
  }
  const num = (field: string): number => {
    const v = scalar(configuration[field]);
    if (v === undefined)
      r.fail(field, `expected a number, got ${JSON.stringify(configuration[field])}`);
    return v;
  };
  return new ScaleOffsetCodec(num("offset"), num("scale"));
}
