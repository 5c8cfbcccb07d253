/**
 * The normalised metadata model: one shape for Zarr v2 and v3 arrays and groups.
 * Parsers in `metadata/` produce it; writers turn it back into spec-conformant JSON.
 * @module
 */
import type { DataType, Scalar } from "../core/dtype.js";
import type { ZarrPlanError } from "../core/errors.js";
import type { RectilinearChunkGrid } from "./rectilinear-grid.js";

/** One codec of a pipeline as named in v3 metadata: `{ name, configuration }`. */
export interface CodecSpec {
  readonly name: string;
  readonly configuration?: Readonly<Record<string, unknown>>;
}

/** Chunk key encoding (Zarr v3 core, "Chunk key encoding"): `default` → `c/0/1`, `v2` → `0.1`. */
export interface ChunkKeyEncoding {
  readonly name: "default" | "v2";
  readonly separator: "/" | ".";
}

/**
 * A normalised array: Zarr v2 metadata is mapped onto the v3 model.
 *
 * v2 → v3 mapping of the codec pipeline (in v3 order, array→array, array→bytes, bytes→bytes):
 * `order: "F"` → `transpose` with reversed order; the dtype's byte order → `bytes` with `endian`;
 * each v2 filter → a codec named `numcodecs.<id>` with the filter's config; the v2 compressor →
 * a codec named `numcodecs.<id>` with its config (e.g. `numcodecs.blosc`, `numcodecs.zlib`).
 */
export interface ArrayMetadata {
  readonly nodeType: "array";
  readonly zarrFormat: 2 | 3;
  /** Array shape in elements; `[]` for 0-d. */
  readonly shape: readonly number[];
  readonly dataType: DataType;
  /**
   * Chunk shape of the regular chunk grid (the shard shape when sharded); `[]` for 0-d. With a
   * rectilinear {@link chunkGrid}: the largest chunk edge along each dimension.
   */
  readonly chunkShape: readonly number[];
  /**
   * The zarr-extensions `rectilinear` chunk grid (chunks of their own edge lengths per
   * dimension); absent for the regular grid.
   */
  readonly chunkGrid?: RectilinearChunkGrid;
  /** Fill value decoded to a scalar of the data type (v2 `null` → 0 / false / zero bytes). */
  readonly fillValue: Scalar;
  /** Codec pipeline, v3 order; see the v2 mapping above. */
  readonly codecs: readonly CodecSpec[];
  readonly chunkKeyEncoding: ChunkKeyEncoding;
  /** v3 `dimension_names`, or `null`. */
  readonly dimensionNames: readonly (string | null)[] | null;
  /** User attributes (v3 `attributes`, v2 `.zattrs`). */
  readonly attributes: Readonly<Record<string, unknown>>;
  /** v2 only: whether `fill_value` was `null` in the metadata. */
  readonly fillValueIsNull?: boolean;
  /** v2 only: the dtype string exactly as written (e.g. `">i4"`, `"|S8"`). */
  readonly v2DType?: string;
  /** v2 only: the memory order of chunks. */
  readonly order?: "C" | "F";
}

/** A normalised group. */
export interface GroupMetadata {
  readonly nodeType: "group";
  readonly zarrFormat: 2 | 3;
  readonly attributes: Readonly<Record<string, unknown>>;
  /**
   * Consolidated metadata of every descendant, keyed by path relative to this group
   * (`"a"`, `"a/b"`), when the group carries it (v3 `consolidated_metadata`, v2 `.zmetadata`).
   */
  readonly consolidated?: ReadonlyMap<string, NodeMetadata>;
  /**
   * Entries of the consolidated metadata that are not usable, left out of {@link consolidated}:
   * names that cannot be node paths (`""`, `"a/"`, `"/a"`, `"a//b"`, `"."` / `".."` segments, so
   * they never alias the group or another node), and entries whose document zarr-plan cannot
   * read (an unsupported data type, an invalid document; see {@link InvalidMember.error}). Opening
   * one raises its typed error; the other members are unaffected (the v3 core spec's extension
   * rules: an unknown extension concerns the node that uses it). Absent when there is none.
   */
  readonly invalidMembers?: readonly InvalidMember[];
}

/** An entry of consolidated metadata that is not usable (see {@link GroupMetadata.invalidMembers}). */
export interface InvalidMember {
  /** The entry's path as written, relative to the group that carries it (e.g. `""`, `"a/"`). */
  readonly name: string;
  /** Key of the metadata document that lists it (e.g. `"zarr.json"`, `".zmetadata"`). */
  readonly key: string;
  /** JSON path of the entry in that document (e.g. `consolidated_metadata.metadata["a/"]`). */
  readonly field: string;
  /** What is wrong with it. */
  readonly message: string;
  /**
   * The typed error opening the entry raises (e.g. `UnsupportedDataTypeError` for an array of
   * a data type zarr-plan does not support, `UnknownCodecError`, `MetadataError`); absent for a
   * name that cannot be a path (opening it raises a `MetadataError` built from the fields above).
   */
  readonly error?: ZarrPlanError;
}

/** Metadata of any node. */
export type NodeMetadata = ArrayMetadata | GroupMetadata;
