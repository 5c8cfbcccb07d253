/**
 * The v3 `reshape` array→array codec (zarr-extensions `codecs/reshape`): the encoded chunk has the
 * same elements in the same C order, with the shape `shape` gives. Each entry of `shape` is a
 * size, `-1` (at most once: whatever makes the element counts equal), or a list of input
 * dimensions whose sizes multiply; listed dimensions must increase across the whole list and
 * line up with the raveled index (the spec's two constraints). Encoding returns a view of a
 * C-order copy; decoding relabels the shape.
 * @module
 */
import { MetadataError } from "../../core/errors.js";
import { cStrides, type NDArray, shapeSize } from "../../core/ndarray.js";
import type { CodecSpec } from "../model.js";
import type { ArrayToArrayCodec, ChunkSpec, CodecContext } from "./types.js";
import { cOrderData, fmtShape } from "./util.js";

const NAME = "reshape";
type ShapeEntry = number | readonly number[];

const prod = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

/**
 * The encoded shape for an input chunk shape, or an error message.
 */
export function reshapeShape(
  entries: readonly ShapeEntry[],
  input: readonly number[],
): number[] | string {
  const out: (number | undefined)[] = [];
  let auto = -1;
  let lastDim = -1;
  const spans: [number, readonly number[]][] = [];
  for (const [i, e] of entries.entries()) {
    if (typeof e === "number") {
      if (e === -1) {
        if (auto >= 0) return "-1 appears more than once";
        auto = i;
        out.push(undefined);
      } else out.push(e);
      continue;
    }
    for (const d of e) {
      if (d <= lastDim)
        return `input dimensions must increase across shape (got ${d} after ${lastDim})`;
      if (d >= input.length)
        return `input dimension ${d} does not exist (the chunks have ${input.length})`;
      lastDim = d;
    }
    out.push(prod(e.map((d) => input[d]!)));
    spans.push([i, e]);
  }
  const total = prod(input);
  if (auto >= 0) {
    const rest = prod(out.filter((x): x is number => x !== undefined));
    if (rest === 0 || total % rest !== 0) return `no size for -1 makes ${total} elements`;
    out[auto] = total / rest;
  }
  const shape = out as number[];
  if (prod(shape) !== total)
    return `${fmtShape(shape)} does not hold the ${total} elements of ${fmtShape(input)}`;
  for (const [i, dims] of spans) {
    if (dims.length === 0) continue;
    if (prod(shape.slice(0, i)) !== prod(input.slice(0, dims[0]!))) {
      return `output dimension ${i} (input dimensions ${JSON.stringify(dims)}) does not line up with the dimensions before it`;
    }
    if (prod(shape.slice(i + 1)) !== prod(input.slice(dims[dims.length - 1]! + 1))) {
      return `output dimension ${i} (input dimensions ${JSON.stringify(dims)}) does not line up with the dimensions after it`;
    }
  }
  return shape;
}

class ReshapeCodec implements ArrayToArrayCodec {
  readonly kind = "array_to_array" as const;
  readonly name = NAME;
  constructor(
    readonly entries: readonly ShapeEntry[],
    private readonly encodedShape: readonly number[],
  ) {}

  resolveSpec(spec: ChunkSpec): ChunkSpec {
    return { ...spec, shape: [...this.encodedShape] };
  }

  encode(a: NDArray, _spec: ChunkSpec, _ctx: CodecContext): NDArray {
    const shape = [...this.encodedShape];
    return { data: cOrderData(a), shape, strides: cStrides(shape), dtype: a.dtype };
  }

  decode(a: NDArray, spec: ChunkSpec, _ctx: CodecContext): NDArray {
    return {
      data: cOrderData(a),
      shape: [...spec.shape],
      strides: cStrides(spec.shape),
      dtype: a.dtype,
    };
  }

  toJSON(): CodecSpec {
    return {
      name: NAME,
      configuration: { shape: this.entries.map((e) => (typeof e === "number" ? e : [...e])) },
    };
  }
}

/**
 * Factory of `reshape` for chunks of `spec`.
 * @throws MetadataError naming `configuration.shape` when it is malformed or cannot reshape the
 *   chunk shape under the spec's constraints.
 */
export function createReshapeCodec(
  configuration: Readonly<Record<string, unknown>>,
  spec: ChunkSpec,
  metadataKey: string,
): ReshapeCodec {
  const fail = (message: string): never => {
    throw new MetadataError(metadataKey, [{ field: "configuration.shape", message }]);
  };
  const raw = configuration.shape;
  const isIndex = (x: unknown): x is number => typeof x === "number" && Number.isSafeInteger(x);
  if (!Array.isArray(raw)) fail(`expected an array, got ${JSON.stringify(raw)}`);
  const entries = (raw as unknown[]).map((e): ShapeEntry => {
    if (isIndex(e) && (e === -1 || e >= 1)) return e;
    if (Array.isArray(e) && e.every((d) => isIndex(d) && d >= 0)) return e as number[];
    return fail(
      `each entry must be a positive size, -1 or a list of input dimensions, got ${JSON.stringify(e)}`,
    );
  });
  if (shapeSize(spec.shape) === 0) fail("chunks without elements cannot be reshaped");
  const shape = reshapeShape(entries, spec.shape);
  if (typeof shape === "string") fail(shape);
  return new ReshapeCodec(entries, shape as number[]);
}
