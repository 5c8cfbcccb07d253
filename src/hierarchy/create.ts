/**
 * Creating and deleting nodes: groups, arrays (v2 and v3, sharded or not), whole subtrees.
 * Written metadata follows the Zarr v3 core specification ("Array metadata", "Group metadata") and the
 * Zarr v2 specification exactly, so zarr-python and tensorstore open it.
 * @module
 */

import { type DataTypeName, isVariableLength, type Scalar, type TimeUnit } from "../core/dtype.js";
import { ZarrPlanError } from "../core/errors.js";
import type { Context } from "../exec/context.js";
import { zeroFill } from "../format/metadata/index.js";
import { toV2DType } from "../format/metadata/v2-dtype.js";
import type { ArrayMetadata, ChunkKeyEncoding, CodecSpec, GroupMetadata } from "../format/model.js";
import { type RectilinearEdges, rectilinearGrid } from "../format/rectilinear-grid.js";
import { asStore } from "../store/zarrita.js";
import { ZarrArray } from "./array.js";
import {
  checkCreateArrayOptions,
  checkCreateGroupOptions,
  dataTypeOfOptions,
} from "./create-options.js";
import { writableStore, writeNode } from "./crud/nodes.js";
import { ZarrGroup } from "./group.js";
import { normalizePath } from "./paths.js";
import type { ZarrFormat } from "./read-metadata.js";

export { deleteNode } from "./crud/nodes.js";

/** Options of {@link createGroup}. */
export interface CreateGroupOptions {
  /** Zarr format to write (default 3). */
  zarrFormat?: ZarrFormat;
  attributes?: Record<string, unknown>;
  /** Replace an existing node at the path (its keys are deleted first). Default false. */
  overwrite?: boolean;
  signal?: AbortSignal;
  /** The Context the new node's reads run in (default: the default Context). */
  context?: Context;
}

/** Options of {@link createArray}; `N` is the data type name (`dtype`). */
export interface CreateArrayOptions<N extends DataTypeName = DataTypeName> {
  /** Array shape in elements. */
  shape: readonly number[];
  /** Chunk shape in elements; the inner chunk shape when `shards` is given. Default: the shape (one chunk). */
  chunks?: readonly number[];
  /** v3 only: shard shape in elements (a multiple of `chunks`); adds the `sharding_indexed` codec. */
  shards?: readonly number[];
  /**
   * v3 only, instead of `chunks`: a rectilinear chunk grid (zarr-extensions
   * `chunk-grids/rectilinear`, written as `{"name": "rectilinear", "configuration": {"kind":
   * "inline", "chunk_shapes": …}}`), one entry per dimension: an edge length `m` (a regular step),
   * or a list of edge lengths and run-length pairs `[edge, count]` summing to at least the
   * dimension's length (elements). E.g. `[[10, 20, 5], [[4, 3], 2]]` for shape `[35, 14]`. Each
   * chunk is stored at its own edge lengths. Not with `shards` / `sharding_indexed`.
   */
  chunkShapes?: readonly RectilinearEdges[];
  /** v3 only: where the shard index goes (default `"end"`). */
  indexLocation?: "start" | "end";
  /**
   * Data type name (`"float32"`, `"int64"`, `"bool"`, …); for v2, `"bytes"` with `bytesLength`;
   * for v3, `"raw"` (raw bits `r<8·bytesLength>`) with `bytesLength`; `"datetime64"` /
   * `"timedelta64"` with `timeUnit` (and `scaleFactor`), written as v3 `numpy.datetime64` /
   * `numpy.timedelta64` or v2 `<M8[unit]` / `<m8[unit]`; `"string"` (see `stringLength`);
   * `"variable_length_bytes"` (v3 `variable_length_bytes` with `vlen-bytes`, v2 `|O` with the
   * `vlen-bytes` object codec). String arrays hold `string[]`, variable-length bytes `Uint8Array[]`.
   */
  dtype: N;
  /** Length in bytes for `dtype: "bytes"` (v2 `|S<n>`) and `dtype: "raw"` (v3 `r<8n>`). */
  bytesLength?: number;
  /**
   * Length in code points for a fixed-length `dtype: "string"` (v3 `fixed_length_utf32` with
   * `length_bytes` 4n, v2 `<U<n>`); without it a `"string"` array is variable-length (v3
   * `string` with the `vlen-utf8` codec, v2 `|O` with the `vlen-utf8` object codec).
   */
  stringLength?: number;
  /** Time unit of `dtype: "datetime64"` / `"timedelta64"` (NumPy's units; required for them). */
  timeUnit?: TimeUnit;
  /** Scale factor of `dtype: "datetime64"` / `"timedelta64"` (1 to 2^31 − 1; default 1). */
  scaleFactor?: number;
  /** Zarr format to write (default 3). */
  zarrFormat?: ZarrFormat;
  /**
   * Fill value (default 0 / false / zero bytes; `""` for strings, no bytes for
   * `variable_length_bytes`). v2: `null` writes `fill_value: null`.
   */
  fillValue?: Scalar | null;
  /**
   * v3: the compressor (a bytes→bytes codec, e.g. `{ name: "gzip", configuration: { level: 5 } }`), or `null`
   * for none. Default zstd level 0 (as zarr-python). v2: a numcodecs compressor `{ name: "blosc",
   * configuration: { cname: "lz4", clevel: 5, shuffle: 1 } }` (name without `numcodecs.`), or `null`.
   */
  compressor?: CodecSpec | null;
  /**
   * v3: the codec pipeline, overriding `compressor` and `endian`: of every chunk, or with
   * `shards`, of every inner chunk (the sharding codec, with a `bytes` + `crc32c` index at
   * `indexLocation`, wraps them). A `sharding_indexed` codec here goes without `shards`.
   */
  codecs?: readonly CodecSpec[];
  /** v2: numcodecs filters, e.g. `[{ name: "delta", configuration: { dtype: "<i4" } }]`. */
  filters?: readonly CodecSpec[];
  /** Byte order of chunk bytes (default little). */
  endian?: "little" | "big";
  /** v2: memory order of chunks (default C). */
  order?: "C" | "F";
  /** Chunk key encoding (default v3 `default` with `/`, v2 `.`). */
  chunkKeyEncoding?: ChunkKeyEncoding;
  dimensionNames?: readonly (string | null)[];
  attributes?: Record<string, unknown>;
  /** Replace an existing node at the path (its keys are deleted first). Default false. */
  overwrite?: boolean;
  signal?: AbortSignal;
  /** The Context the new array's reads run in (default: the default Context). */
  context?: Context;
}

/**
 * Creates a group at `path` (default root), and any missing parent groups. The options are
 * checked before anything is read or written.
 * @throws OptionsError (`ERR_OPTIONS`, every offending option with its value) for invalid options
 * (`zarrFormat` not 2 or 3, attributes that are not a JSON object, an unknown option, …);
 * InvalidPathError (`ERR_PATH`) for a path with a `.` or `..` segment; ZarrPlanError
 * `ERR_READ_ONLY` for a read-only store, `ERR_NODE_EXISTS` when a node exists and `overwrite` is
 * not set; StoreError.
 */
export async function createGroup(
  store: unknown,
  path = "",
  options: CreateGroupOptions = {},
): Promise<ZarrGroup> {
  checkCreateGroupOptions(options);
  const p = normalizePath(path);
  const s = writableStore(store, options.context);
  const meta: GroupMetadata = {
    nodeType: "group",
    zarrFormat: options.zarrFormat ?? 3,
    attributes: options.attributes ?? {},
  };
  const written = (await writeNode(s, p, meta, options)) as GroupMetadata;
  return new ZarrGroup(asStore(store), p, written, options.context);
}

/**
 * Creates an array at `path` and any missing parent groups; writes its metadata (v3 `zarr.json`, or v2
 * `.zattrs` then `.zarray`), validated by the same parser that reads it. The array is typed by
 * `options.dtype`: `dtype: "float32"` gives a `ZarrArray<"float32">`.
 *
 * Every option is checked before anything is read or written (a failure writes nothing): invalid
 * options are an `OptionsError`; metadata the options produce that the Zarr metadata parser then
 * rejects (a codec configuration: unknown codec, bad level) is a `MetadataError` naming the
 * metadata field, as when reading it.
 * @throws OptionsError (`ERR_OPTIONS`, listing every offending option with its value): `shape`
 *   not a list of non-negative integers, `chunks` / `shards` not positive integers of the shape's
 *   rank, `shards` not multiples of `chunks`, `shards` with a `sharding_indexed` codec in
 *   `codecs`, an unknown `dtype`, `zarrFormat` not 2 or 3, a fill
 *   value that is not of the data type, v2-only options with v3 and v3-only options with v2, an
 *   unknown option, …; InvalidPathError (`ERR_PATH`) for a path with a `.` or `..` segment;
 *   MetadataError / UnknownCodecError for a codec the metadata parser rejects; ZarrPlanError
 *   `ERR_UNSUPPORTED` for `shards` with `zarrFormat: 2`, `ERR_READ_ONLY` for a read-only store,
 *   `ERR_NODE_EXISTS` when a node exists and `overwrite` is not set; StoreError.
 */
export async function createArray<N extends DataTypeName>(
  store: unknown,
  path: string,
  options: CreateArrayOptions<N>,
): Promise<ZarrArray<N>> {
  checkCreateArrayOptions(options);
  const p = normalizePath(path);
  const s = writableStore(store, options.context);
  const meta = arrayMetadataOf(p, options);
  // Validated (parsed back, codec pipeline built) before anything is written.
  const written = (await writeNode(s, p, meta, options)) as ArrayMetadata;
  // The metadata's data type is options.dtype (written and parsed back).
  return new ZarrArray<N>(asStore(store), p, written, options.context);
}

/**
 * The metadata model of a new array at (normalised) `p` with (checked) `options`, before its
 * codec configurations are completed and it is validated (`writeNode` does both). No IO.
 * @throws ZarrPlanError `ERR_UNSUPPORTED` for `shards` with `zarrFormat: 2`.
 */
export function arrayMetadataOf(p: string, options: CreateArrayOptions): ArrayMetadata {
  const zarrFormat = options.zarrFormat ?? 3;
  const dt = dataTypeOfOptions(options);
  const endian = options.endian ?? "little";
  const rect = options.chunkShapes
    ? rectilinearGrid(options.chunkShapes, options.shape)
    : undefined;
  const chunkGrid = rect && "grid" in rect ? rect.grid : undefined;
  const chunks = chunkGrid
    ? [...chunkGrid.maxChunkShape]
    : [...(options.chunks ?? options.shape.map((x) => Math.max(1, x)))];
  const fillIsNull = options.fillValue === null;
  const fillValue = options.fillValue ?? zeroFill(dt);
  const bytesCodec: CodecSpec = isVariableLength(dt)
    ? { name: dt.name === "string" ? "vlen-utf8" : "vlen-bytes" }
    : dt.diskEntrySize > 1
      ? { name: "bytes", configuration: { endian } }
      : { name: "bytes" };
  let meta: ArrayMetadata;
  if (zarrFormat === 3) {
    let codecs: CodecSpec[];
    if (options.codecs && !options.shards) codecs = [...options.codecs];
    else {
      const compressor =
        options.compressor === undefined
          ? { name: "zstd", configuration: { level: 0, checksum: false } }
          : options.compressor;
      // With shards, `codecs` are the inner chunks' codecs (as zarr-python 3's create_array
      // puts its serializer and compressors inside the sharding codec).
      const inner: CodecSpec[] = options.codecs
        ? [...options.codecs]
        : [bytesCodec, ...(compressor ? [compressor] : [])];
      codecs = options.shards
        ? [
            {
              name: "sharding_indexed",
              configuration: {
                chunk_shape: chunks,
                codecs: inner,
                index_codecs: [
                  { name: "bytes", configuration: { endian: "little" } },
                  { name: "crc32c" },
                ],
                index_location: options.indexLocation ?? "end",
              },
            },
          ]
        : inner;
    }
    meta = {
      nodeType: "array",
      zarrFormat: 3,
      shape: [...options.shape],
      dataType: dt,
      chunkShape: options.shards ? [...options.shards] : chunks,
      ...(chunkGrid ? { chunkGrid } : {}),
      fillValue,
      codecs,
      chunkKeyEncoding: options.chunkKeyEncoding ?? { name: "default", separator: "/" },
      dimensionNames: options.dimensionNames ? [...options.dimensionNames] : null,
      attributes: options.attributes ?? {},
    };
    // writeNode completes every codec's configuration, as its codec writes it (the codec specs
    // require them; tensorstore rejects e.g. blosc without typesize or gzip without level).
  } else {
    if (options.shards)
      throw new ZarrPlanError("ERR_UNSUPPORTED", `array "${p}": sharding needs Zarr v3`);
    const order = options.order ?? "C";
    const v2DType = toV2DType(dt, endian);
    const numcodecs = (c: CodecSpec): CodecSpec => ({
      name: c.name.startsWith("numcodecs.") ? c.name : `numcodecs.${c.name}`,
      configuration: c.configuration ?? {},
    });
    const compressor =
      options.compressor === undefined
        ? { name: "zstd", configuration: { level: 0 } }
        : options.compressor;
    const codecs: CodecSpec[] = [
      ...(order === "F"
        ? [
            {
              name: "transpose",
              configuration: { order: chunks.map((_, i) => chunks.length - 1 - i) },
            },
          ]
        : []),
      bytesCodec,
      ...(options.filters ?? []).map(numcodecs),
      ...(compressor ? [numcodecs(compressor)] : []),
    ];
    meta = {
      nodeType: "array",
      zarrFormat: 2,
      shape: [...options.shape],
      dataType: dt,
      chunkShape: chunks,
      fillValue,
      fillValueIsNull: fillIsNull,
      codecs,
      chunkKeyEncoding: options.chunkKeyEncoding ?? { name: "v2", separator: "." },
      dimensionNames: null,
      attributes: options.attributes ?? {},
      v2DType,
      order,
    };
  }
  return meta;
}
