/**
 * The codec registry: codec name (as written in metadata) → factory. The built-in codecs are
 * registered when this module loads; {@link registerCodec} adds or replaces codecs.
 *
 * Built-ins: v3 `bytes`, `transpose`, `gzip`, `zstd`, `blosc`, `crc32c`, `sharding_indexed`
 * (Zarr v3 core specification, "Codecs", and the sharding codec specification), `zlib`,
 * `cast_value`, `scale_offset`, `reshape` (zarr-extensions), and the
 * v2 numcodecs codecs `numcodecs.zlib`, `numcodecs.gzip`, `numcodecs.zstd`, `numcodecs.blosc`,
 * `numcodecs.lz4`, `numcodecs.delta`, `numcodecs.shuffle`, `numcodecs.adler32`, `numcodecs.crc32`,
 * `numcodecs.fletcher32`, `numcodecs.bitround`, `numcodecs.fixedscaleoffset`, `numcodecs.quantize`,
 * `numcodecs.astype`, `numcodecs.packbits` (see the numcodecs documentation). Names in
 * `refused.ts` (zfpy, pcodec, categorize, lzma) are refused with the reason.
 * @module
 */
import { MetadataError, UnknownCodecError } from "../../core/errors.js";
import type { CodecSpec } from "../model.js";
import { BUILTIN_CODECS } from "./builtins.js";
import { REFUSED_CODECS } from "./refused.js";
import type { ChunkSpec, Codec, CodecFactory, CodecFactoryContext } from "./types.js";
import { prefixMetadataError } from "./util.js";

/** The name → factory table: the built-ins, then what {@link registerCodec} adds or replaces. */
const registry = new Map<string, CodecFactory>(Object.entries(BUILTIN_CODECS));
/** How many times {@link registerCodec} changed the table (see {@link codecRegistryVersion}). */
const changes = { count: 0 };

/**
 * The factory context of {@link createCodec} calls made without one: codecs that nest pipelines
 * (`sharding_indexed`) cannot be built that way, as the registry does not import the pipeline
 * module (which imports the registry); build them through `createCodecPipeline`.
 */
const STANDALONE: CodecFactoryContext = Object.freeze({
  buildPipeline: (_codecs: unknown, _spec: unknown, metadataKey: string, field = "codecs") => {
    throw new MetadataError(metadataKey, [
      {
        field,
        message:
          "nested codec pipelines are built through createCodecPipeline (createCodec was called without a pipeline builder)",
      },
    ]);
  },
});

/**
 * Registers (or replaces) the codec `name`. The factory gets the codec's `configuration`
 * (`{}` when absent), the chunk spec it will be applied to, the metadata key (for errors) and
 * the factory context (to build nested pipelines); it must throw `MetadataError` for a bad
 * configuration.
 */
export function registerCodec(name: string, factory: CodecFactory): void {
  registry.set(name, factory);
  changes.count++;
}

/**
 * The registry's version: a number that changes whenever {@link registerCodec} adds or replaces
 * a codec. Caches of built pipelines (a Context's) include it in their keys, so a pipeline built
 * before a codec was replaced is not handed out after.
 */
export function codecRegistryVersion(): number {
  return changes.count;
}

/** The factory registered for `name`, or `undefined`. */
export function getCodecFactory(name: string): CodecFactory | undefined {
  return registry.get(name);
}

/** Names of every registered codec. */
export function registeredCodecs(): string[] {
  return [...registry.keys()];
}

/**
 * Builds one codec from its metadata form.
 * @param field JSON path of the codec in the metadata document, for errors (e.g. `"codecs[1]"`).
 * @param context given to the factory; `createCodecPipeline` passes itself as
 *   `buildPipeline`. Without it, codecs with nested pipelines (`sharding_indexed`) fail with a
 *   MetadataError.
 * @throws UnknownCodecError when `spec.name` is not registered; MetadataError (fields prefixed
 *   with `field`) when the entry is malformed or its configuration is invalid.
 */
export function createCodec(
  spec: CodecSpec,
  chunk: ChunkSpec,
  metadataKey: string,
  field = "codecs",
  context: CodecFactoryContext = STANDALONE,
): Codec {
  if (typeof spec !== "object" || spec === null || typeof spec.name !== "string") {
    throw new MetadataError(metadataKey, [
      {
        field,
        message: `expected a codec object with a string "name", got ${JSON.stringify(spec)}`,
      },
    ]);
  }
  const config: unknown = spec.configuration;
  if (
    config !== undefined &&
    (typeof config !== "object" || config === null || Array.isArray(config))
  ) {
    throw new MetadataError(metadataKey, [
      {
        field: `${field}.configuration`,
        message: `expected an object, got ${JSON.stringify(config)}`,
      },
    ]);
  }
  const factory = registry.get(spec.name);
  if (!factory) {
    const reason = Object.hasOwn(REFUSED_CODECS, spec.name) ? REFUSED_CODECS[spec.name] : undefined;
    throw new UnknownCodecError(metadataKey, spec.name, `${field}.name`, reason);
  }
  try {
    return factory(spec.configuration ?? {}, chunk, metadataKey, context);
  } catch (e) {
    throw prefixMetadataError(e, field);
  }
}
