/**
 * Compatibility path, re-exports only: the sharding codec now lives in `./sharding/` (layout,
 * index, reader, codec). `src/plan/optimize.ts` still imports the type of `pipeline.sharding`
 * from here under its old name `ShardingCodec`; that type is now the sharding capability
 * {@link ShardAccess} (what `CodecPipeline.sharding` is), of which the `ShardingCodec` class is
 * one implementation.
 *
 * Merge note: in `optimize.ts`, replace `import type { ShardingCodec } from
 * "../format/codecs/sharding.js"` with `import type { ShardAccess } from
 * "../format/codecs/index.js"` (and `ShardingCodec` with `ShardAccess` in `ArrayEntry`), then
 * delete this file.
 * @deprecated import from `./index.js`.
 * @module
 */
import type { ShardAccess } from "./types.js";

/**
 * The type of `CodecPipeline.sharding` under its old name (see the module note).
 * @deprecated use {@link ShardAccess}.
 */
export type ShardingCodec = ShardAccess;
