/**
 * The codec pipelines of a Context, built once per distinct chunk description: codecs (Zarr v3
 * core specification, "Codecs"; v2 arrays as their v3 mapping), chunk shape, data type and
 * fill value — what `createCodecPipeline` depends on. Arrays opened or created with equal
 * metadata, and the functional chunk IO (`readChunk(store, path, metadata, …)`), share one
 * pipeline object (the chunk key encoding, path and attributes do not change a pipeline, so they are
 * not part of the key). Bounded: the least recently used pipeline is dropped past `maxEntries`.
 * @module
 */
import { LRUCache } from "lru-cache";
import type { ChunkSpec, CodecPipeline } from "../format/codecs/index.js";
import { codecRegistryVersion, createCodecPipeline } from "../format/codecs/index.js";
import type { CodecSpec } from "../format/model.js";

/** Default bound of a Context's pipeline cache, in pipelines. */
export const DEFAULT_PIPELINE_CACHE_ENTRIES = 256;

/**
 * Deepest nesting of a codec configuration that gets a cache key (sharding nests pipelines two
 * or three levels; parsed metadata is at most 512 deep). Deeper ones are built uncached.
 */
const MAX_KEY_DEPTH = 64;

/** Counters of a {@link PipelineCache}. */
export interface PipelineCacheStats {
  /** Pipelines built (`createCodecPipeline` calls that succeeded), since the Context was made. */
  readonly builds: number;
  /** Requests served by a pipeline built before. */
  readonly hits: number;
  /** Pipelines held now. */
  readonly entries: number;
  /** The bound of {@link entries}. */
  readonly maxEntries: number;
}

/**
 * Whether `JSON.stringify(v)` is exact: only finite numbers other than `-0`, strings, booleans,
 * `null`, arrays without holes or `undefined`, and plain objects (no prototype other than
 * `Object.prototype`, so no `toJSON`), nested at most {@link MAX_KEY_DEPTH} deep. For such values equal texts mean
 * equal values (`undefined` members are left out, as {@link canonical} does).
 */
function isExactJson(v: unknown, depth: number): boolean {
  if (depth > MAX_KEY_DEPTH) return false;
  switch (typeof v) {
    case "number":
      return v !== 0 ? Number.isFinite(v) : !Object.is(v, -0);
    case "string":
    case "boolean":
      return true;
    case "object": {
      if (v === null) return true;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const x: unknown = v[i];
          if (x === undefined || !isExactJson(x, depth + 1)) return false;
        }
        return true;
      }
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return false;
      const obj = v as Record<string, unknown>;
      for (const k in obj) {
        const x = obj[k];
        if (x !== undefined && !isExactJson(x, depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * A cache key text of a JSON-like value: `J` and its JSON text when that is exact (the common
 * case, 4× cheaper than sorting keys; the same value with members in another order then only
 * misses the cache), else `C` and its {@link canonical} text; `undefined` when neither can be made.
 */
function keyText(v: unknown): string | undefined {
  if (isExactJson(v, 0)) return `J${JSON.stringify(v)}`;
  const c = canonical(v);
  return c === undefined ? undefined : `C${c}`;
}

/**
 * Canonical text of a JSON-like value: object keys sorted, numbers as `String` (`-0` kept,
 * `NaN`/`Infinity` bare), bigints with an `n`, byte arrays as hex, `undefined` members left out.
 * Distinct values give distinct texts (strings are quoted). `undefined` when nested deeper than
 * {@link MAX_KEY_DEPTH}.
 */
function canonical(v: unknown, depth = 0): string | undefined {
  if (depth > MAX_KEY_DEPTH) return undefined;
  switch (typeof v) {
    case "number":
      return Object.is(v, -0) ? "-0" : String(v);
    case "bigint":
      return `${v}n`;
    case "string":
      return JSON.stringify(v);
    case "boolean":
      return String(v);
    case "undefined":
      return "undefined";
  }
  if (v === null) return "null";
  if (typeof v !== "object") return undefined;
  if (v instanceof Uint8Array) {
    let hex = "";
    for (const b of v) hex += b.toString(16).padStart(2, "0");
    return `bytes(${hex})`;
  }
  const parts: string[] = [];
  if (Array.isArray(v)) {
    for (const x of v) {
      const c = canonical(x, depth + 1);
      if (c === undefined) return undefined;
      parts.push(c);
    }
    return `[${parts.join(",")}]`;
  }
  const obj = v as Record<string, unknown>;
  for (const k of Object.keys(obj).sort()) {
    if (obj[k] === undefined) continue;
    const c = canonical(obj[k], depth + 1);
    if (c === undefined) return undefined;
    parts.push(`${JSON.stringify(k)}:${c}`);
  }
  return `{${parts.join(",")}}`;
}

/**
 * The codec pipelines of one Context (see the module documentation). Keys: the canonical JSON of
 * the codecs, the chunk shape, the data type's fields and the fill value, and the codec
 * registry's version (a codec replaced with `registerCodec` gets new pipelines).
 */
export class PipelineCache {
  readonly #pipelines: LRUCache<string, CodecPipeline>;
  readonly #maxEntries: number;
  /** Canonical text of codec lists already seen (by identity: metadata objects are immutable). */
  readonly #codecText = new WeakMap<readonly CodecSpec[], string | null>();
  #builds = 0;
  #hits = 0;

  /** @param maxEntries the bound, in pipelines (an integer ≥ 1). */
  constructor(maxEntries: number = DEFAULT_PIPELINE_CACHE_ENTRIES) {
    this.#maxEntries = maxEntries;
    this.#pipelines = new LRUCache<string, CodecPipeline>({ max: maxEntries });
  }

  /** The counters: builds, hits, entries held and the bound. */
  get stats(): PipelineCacheStats {
    return {
      builds: this.#builds,
      hits: this.#hits,
      entries: this.#pipelines.size,
      maxEntries: this.#maxEntries,
    };
  }

  /**
   * The codec pipeline of `codecs` for chunks of `spec`: the one built before for equal codecs
   * and spec, else a new one (kept). Pipelines are immutable once built, so sharing them is safe.
   * @param metadataKey store key of the metadata document, named by errors of a build.
   * @throws UnknownCodecError / MetadataError as `createCodecPipeline` (failures are not kept).
   */
  get(codecs: readonly CodecSpec[], spec: ChunkSpec, metadataKey: string): CodecPipeline {
    const key = this.#key(codecs, spec);
    if (key !== undefined) {
      const hit = this.#pipelines.get(key);
      if (hit) {
        this.#hits++;
        return hit;
      }
    }
    const built = createCodecPipeline(codecs, spec, metadataKey);
    this.#builds++;
    if (key !== undefined) this.#pipelines.set(key, built);
    return built;
  }

  /** Drops every pipeline (the counters stay). */
  clear(): void {
    this.#pipelines.clear();
  }

  #key(codecs: readonly CodecSpec[], spec: ChunkSpec): string | undefined {
    if (!Array.isArray(codecs)) return undefined;
    let text = this.#codecText.get(codecs);
    if (text === undefined) {
      text = keyText(codecs) ?? null;
      this.#codecText.set(codecs, text);
    }
    if (text === null) return undefined;
    const rest = keyText([spec.shape, { ...spec.dataType }, spec.fillValue]);
    return rest === undefined ? undefined : `${codecRegistryVersion()}|${text}|${rest}`;
  }
}
