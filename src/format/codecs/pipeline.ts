/**
 * Codec pipelines: the ordered codecs of an array (or of a shard's inner chunks), validated and
 * bound to a chunk spec. Zarr v3 core specification, "Codecs": array→array codecs, then exactly
 * one array→bytes codec, then bytes→bytes codecs; decoding runs them in reverse.
 * @module
 */

import { allocate, type Lane } from "../../core/dtype.js";
import { CodecError, MetadataError } from "../../core/errors.js";
import { cStrides, hasCStrides, type NDArray, shapeSize } from "../../core/ndarray.js";
import { fillLanes, scalarLanes } from "../../core/scalar.js";
import type { CodecSpec } from "../model.js";
import { bytesCeilings, decodeBytesStage } from "./ceiling.js";
import { encodeBytesStage } from "./encode-stage.js";
import { createCodec } from "./registry.js";
import type {
  ArrayToArrayCodec,
  ArrayToBytesCodec,
  BytesStage,
  BytesToBytesCodec,
  ChunkSpec,
  Codec,
  CodecContext,
  CodecFactoryContext,
  CodecPipeline,
  ShardAccess,
} from "./types.js";
import {
  allElementsEqual,
  fmtShape,
  prefixMetadataError,
  sameShape,
  toCContiguous,
  toCodecError,
} from "./util.js";

export type { BytesStage, CodecPipeline } from "./types.js";

/** What the pipeline gives codec factories: nested pipelines (sharding) are built like this one. */
const FACTORY_CONTEXT: CodecFactoryContext = Object.freeze({ buildPipeline: createCodecPipeline });

class Pipeline implements CodecPipeline {
  readonly spec: ChunkSpec;
  readonly codecs: readonly Codec[];
  readonly arrayToArray: readonly ArrayToArrayCodec[];
  readonly arrayToBytes: ArrayToBytesCodec;
  readonly bytesToBytes: readonly BytesToBytesCodec[];
  readonly sharding?: ShardAccess;
  /** Decoded-side spec of each array→array codec. */
  private readonly a2aSpecs: readonly ChunkSpec[];
  /** Spec given to the array→bytes codec. */
  private readonly a2bSpec: ChunkSpec;
  private readonly fill: readonly Lane[];
  private template: NDArray | undefined;
  /** Decode ceiling of each bytes→bytes codec in bytes (`ceiling.ts`); `undefined`: none. */
  private readonly ceilings: readonly (number | undefined)[];
  /** Upper bound of the encoded size in bytes ({@link maxEncodedSize}). */
  private readonly maxEncoded: number | undefined;
  /** {@link bytesStage} once made (`null`: not yet). */
  private stage: BytesStage | undefined | null = null;

  constructor(
    spec: ChunkSpec,
    codecs: Codec[],
    a2a: ArrayToArrayCodec[],
    a2aSpecs: ChunkSpec[],
    a2b: ArrayToBytesCodec,
    a2bSpec: ChunkSpec,
    b2b: BytesToBytesCodec[],
  ) {
    this.spec = spec;
    this.codecs = codecs;
    this.arrayToArray = a2a;
    this.a2aSpecs = a2aSpecs;
    this.arrayToBytes = a2b;
    this.a2bSpec = a2bSpec;
    this.bytesToBytes = b2b;
    if (a2b.sharding) this.sharding = a2b.sharding;
    this.fill = scalarLanes(spec.dataType, spec.fillValue);
    const bounds = bytesCeilings(b2b, a2b.encodedSize?.(a2bSpec) ?? a2b.maxEncodedSize?.(a2bSpec));
    this.ceilings = bounds.ceilings;
    this.maxEncoded = bounds.encodedBound;
  }

  /** Made on first use and kept (the pipeline never changes): one object per pipeline. */
  get bytesStage(): BytesStage | undefined {
    if (this.stage === null) {
      this.stage =
        this.bytesToBytes.length === 0
          ? undefined
          : Object.freeze({
              codecs: this.bytesToBytes.map((c) => c.toJSON()),
              spec: this.a2bSpec,
              decodedSize: this.arrayToBytes.encodedSize?.(this.a2bSpec),
              maxDecodedBytes: this.ceilings,
            });
    }
    return this.stage;
  }

  async decode(bytes: Uint8Array, ctx: CodecContext): Promise<NDArray> {
    return this.decodeArray(await this.decodeBytes(bytes, ctx), ctx);
  }

  decodeBytes(bytes: Uint8Array, ctx: CodecContext, out?: Uint8Array): Promise<Uint8Array> {
    return decodeBytesStage(this.bytesToBytes, this.ceilings, bytes, ctx, out);
  }

  async decodeArray(b: Uint8Array, ctx: CodecContext): Promise<NDArray> {
    let a: NDArray;
    try {
      a = await this.arrayToBytes.decode(b, this.a2bSpec, ctx);
    } catch (e) {
      throw toCodecError(e, ctx.key, this.arrayToBytes.name);
    }
    for (let i = this.arrayToArray.length - 1; i >= 0; i--) {
      const c = this.arrayToArray[i]!;
      try {
        a = await c.decode(a, this.a2aSpecs[i]!, ctx);
      } catch (e) {
        throw toCodecError(e, ctx.key, c.name);
      }
    }
    const shape = this.spec.shape;
    if (
      !sameShape(a.shape, shape) ||
      a.dtype.name !== this.spec.dataType.name ||
      a.dtype.itemSize !== this.spec.dataType.itemSize
    ) {
      throw new CodecError(
        `decoded ${a.dtype.name} ${fmtShape(a.shape)}, expected ${this.spec.dataType.name} ${fmtShape(shape)}`,
        {
          key: ctx.key,
          codec: this.codecs[0]!.name,
        },
      );
    }
    if (
      (a.offset ?? 0) === 0 &&
      hasCStrides(a) &&
      a.data.length === shapeSize(shape) * a.dtype.lanes
    ) {
      return sameShape(a.strides, cStrides(shape))
        ? a
        : { data: a.data, shape: [...shape], strides: cStrides(shape), dtype: a.dtype };
    }
    return toCContiguous(a);
  }

  async encode(chunk: NDArray, ctx: CodecContext): Promise<Uint8Array> {
    return this.encodeBytes(await this.encodeArray(chunk, ctx), ctx);
  }

  async encodeArray(chunk: NDArray, ctx: CodecContext): Promise<Uint8Array> {
    const spec = this.spec;
    if (!sameShape(chunk.shape, spec.shape)) {
      throw new RangeError(
        `chunk "${ctx.key}": shape ${fmtShape(chunk.shape)} differs from the chunk shape ${fmtShape(spec.shape)}`,
      );
    }
    if (
      chunk.dtype.name !== spec.dataType.name ||
      chunk.dtype.itemSize !== spec.dataType.itemSize
    ) {
      throw new RangeError(
        `chunk "${ctx.key}": data type ${chunk.dtype.name} differs from ${spec.dataType.name}`,
      );
    }
    let a = chunk;
    for (let i = 0; i < this.arrayToArray.length; i++) {
      const c = this.arrayToArray[i]!;
      try {
        a = await c.encode(a, this.a2aSpecs[i]!, ctx);
      } catch (e) {
        throw toCodecError(e, ctx.key, c.name);
      }
    }
    let b: Uint8Array;
    try {
      b = await this.arrayToBytes.encode(a, this.a2bSpec, ctx);
    } catch (e) {
      throw toCodecError(e, ctx.key, this.arrayToBytes.name);
    }
    return b;
  }

  encodeBytes(bytes: Uint8Array, ctx: CodecContext): Promise<Uint8Array> {
    return encodeBytesStage(this.bytesToBytes, bytes, ctx);
  }

  fillChunk(): NDArray {
    const { shape, dataType } = this.spec;
    if (!this.template) {
      const data = allocate(dataType, shapeSize(shape));
      fillLanes(data, dataType, this.fill);
      this.template = { data, shape: [...shape], strides: cStrides(shape), dtype: dataType };
    }
    return {
      data: this.template.data.slice(),
      shape: [...shape],
      strides: cStrides(shape),
      dtype: dataType,
    };
  }

  isFill(chunk: NDArray): boolean {
    return allElementsEqual(chunk, this.fill);
  }

  encodedSize(): number | undefined {
    let n = this.arrayToBytes.encodedSize?.(this.a2bSpec);
    for (const c of this.bytesToBytes) {
      if (n === undefined) return undefined;
      n = c.encodedSize?.(n);
    }
    return n;
  }

  maxEncodedSize(): number | undefined {
    return this.maxEncoded;
  }

  toJSON(): CodecSpec[] {
    return this.codecs.map((c) => c.toJSON());
  }
}

/** A bytes→bytes codec's array→array form ({@link BytesToBytesCodec.asArrayToArray}), if it has one. */
function arrayForm(
  codec: BytesToBytesCodec,
  spec: ChunkSpec,
  metadataKey: string,
  field: string,
): ArrayToArrayCodec | undefined {
  try {
    return codec.asArrayToArray?.(spec, metadataKey);
  } catch (e) {
    throw prefixMetadataError(e, field);
  }
}

/**
 * Builds and validates the codec pipeline `codecs` (v3 metadata order) for chunks of `spec`.
 * @param metadataKey store key of the metadata document, named by errors.
 * @param field JSON path of the codec list in that document (default `"codecs"`); nested
 *   pipelines (sharding) pass e.g. `"codecs[0].configuration.codecs"`. Codec factories get this
 *   function as `context.buildPipeline` to build their nested pipelines.
 * @throws UnknownCodecError for an unregistered codec name; MetadataError naming the field for a
 *   bad configuration, a missing or second array→bytes codec, or a codec in the wrong position.
 */
export function createCodecPipeline(
  codecs: readonly CodecSpec[],
  spec: ChunkSpec,
  metadataKey: string,
  field = "codecs",
): CodecPipeline {
  if (!Array.isArray(codecs)) {
    throw new MetadataError(metadataKey, [{ field, message: "expected an array of codecs" }]);
  }
  const all: Codec[] = [];
  const a2a: ArrayToArrayCodec[] = [];
  const a2aSpecs: ChunkSpec[] = [];
  const b2b: BytesToBytesCodec[] = [];
  let a2b: ArrayToBytesCodec | undefined;
  let a2bSpec = spec;
  let current = spec;
  const misplaced = (i: number, message: string): never => {
    throw new MetadataError(metadataKey, [{ field: `${field}[${i}]`, message }]);
  };
  for (let i = 0; i < codecs.length; i++) {
    const codec = createCodec(codecs[i]!, current, metadataKey, `${field}[${i}]`, FACTORY_CONTEXT);
    all.push(codec);
    switch (codec.kind) {
      case "array_to_array":
        if (a2b)
          misplaced(
            i,
            `array→array codec "${codec.name}" must come before the array→bytes codec "${a2b.name}"`,
          );
        a2a.push(codec);
        a2aSpecs.push(current);
        current = codec.resolveSpec(current);
        break;
      case "array_to_bytes":
        if (a2b)
          misplaced(i, `second array→bytes codec "${codec.name}" (already have "${a2b.name}")`);
        a2b = codec;
        a2bSpec = current;
        break;
      case "bytes_to_bytes": {
        const asArray = a2b ? undefined : arrayForm(codec, current, metadataKey, `${field}[${i}]`);
        if (asArray) {
          all[all.length - 1] = asArray;
          a2a.push(asArray);
          a2aSpecs.push(current);
          current = asArray.resolveSpec(current);
          break;
        }
        if (!a2b)
          misplaced(
            i,
            `bytes→bytes codec "${codec.name}" must come after an array→bytes codec such as "bytes"`,
          );
        b2b.push(codec);
        break;
      }
    }
  }
  if (!a2b) {
    throw new MetadataError(metadataKey, [
      { field, message: 'the codecs need exactly one array→bytes codec (e.g. "bytes")' },
    ]);
  }
  return new Pipeline(spec, all, a2a, a2aSpecs, a2b, a2bSpec, b2b);
}
