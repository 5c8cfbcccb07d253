/**
 * The codec registry: codec name (as written in metadata) → factory. The built-in codecs are
 * registered when this module loads; {@link registerCodec} adds or replaces codecs.
 *
 * Built-ins: v3 `bytes`, `transpose`, `gzip`, `zstd`, `blosc`, `crc32c`, `sharding_indexed`
 * (Zarr v3 core specification, "Codecs", and the sharding codec specification), `zlib`, and the
 * v2 numcodecs codecs `numcodecs.zlib`, `numcodecs.gzip`, `numcodecs.zstd`, `numcodecs.blosc`,
 * `numcodecs.lz4`, `numcodecs.delta` (see the numcodecs documentation).
 * @module
 */
import { MetadataError, UnknownCodecError } from "../../errors.js";
import type { CodecSpec } from "../model.js";
import { BUILTIN_CODECS } from "./builtins.js";
import type { ChunkSpec, Codec, CodecFactory, CodecFactoryContext } from "./types.js";
import { prefixMetadataError } from "./util.js";

let registry: Map<string, CodecFactory> | undefined;
const pending = new Map<string, CodecFactory>();

/**
 * The name → factory table. Built lazily on first use so that the registry → sharding →
 * pipeline → registry import cycle evaluates from any entry point; registrations made before
 * that are kept.
 */
function table(): Map<string, CodecFactory> {
  if (!registry) {
    registry = new Map(Object.entries(BUILTIN_CODECS));
    for (const [name, factory] of pending) registry.set(name, factory);
    pending.clear();
  }
  return registry;
}

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
 * (`{}` when absent), the chunk spec it will be applied to and the metadata key (for errors);
 * it must throw `MetadataError` for a bad configuration.
 */
export function registerCodec(name: string, factory: CodecFactory): void {
  (registry ?? pending).set(name, factory);
}

/** The factory registered for `name`, or `undefined`. */
export function getCodecFactory(name: string): CodecFactory | undefined {
  return table().get(name);
}

/** Names of every registered codec. */
export function registeredCodecs(): string[] {
  return [...table().keys()];
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
  const factory = table().get(spec.name);
  if (!factory) throw new UnknownCodecError(metadataKey, spec.name, `${field}.name`);
  try {
    return factory(spec.configuration ?? {}, chunk, metadataKey, context);
  } catch (e) {
    throw prefixMetadataError(e, field);
  }
}
