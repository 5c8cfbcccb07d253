/**
 * Zarr v2 metadata (`.zarray`, `.zgroup`, `.zattrs`, consolidated `.zmetadata`): parsing into
 * the normalised model and writing back. Follows the Zarr v2 specification, sections
 * "Metadata", "Data type encoding", "Fill value encoding", "Attributes" and "Groups", and
 * zarr-python's consolidated metadata format (`zarr_consolidated_format: 1`).
 *
 * Unknown members of v2 documents are ignored (the v2 spec defines no extension mechanism;
 * zarr-python 3 adds e.g. `consolidated_metadata` to child `.zgroup` entries).
 * @module
 */
import { z } from "zod";
import { type DataType, dataType, type Scalar } from "../../core/dtype.js";
import { MetadataError, UnsupportedDataTypeError, ZarrPlanError } from "../../core/errors.js";
import type {
  ArrayMetadata,
  CodecSpec,
  GroupMetadata,
  InvalidMember,
  NodeMetadata,
} from "../model.js";
import {
  CHUNK_SHAPE_FIELD,
  flattenConsolidated,
  memberPathIssue,
  nestConsolidated,
  SHAPE_FIELD,
} from "./common.js";
import { encodeFillValueV2, parseFillValueV2, zeroFill } from "./fill-value.js";
import { formatPath, IssueList, isJsonObject } from "./issues.js";
import { decodeJsonObject } from "./json.js";
import { parseV2DType, toV2DType } from "./v2-dtype.js";

const NUMCODECS_CONFIG = z.looseObject({ id: z.string().min(1) });
// Schemas are built once: zod compiles each schema object on its first parse.
const FILTERS = z.array(NUMCODECS_CONFIG).nullable();
const ORDER = z.enum(["C", "F"]);
const DIMENSION_SEPARATOR = z.enum([".", "/"]).nullable();
const FORMAT_2 = z.literal(2, { error: "expected 2" });

/**
 * numcodecs ids written as the v2 `compressor` (the last bytes → bytes codec) by
 * {@link toV2Json}; any other trailing codec is written as a filter.
 */
const V2_COMPRESSOR_IDS: ReadonlySet<string> = new Set([
  "blosc",
  "zlib",
  "gzip",
  "zstd",
  "lz4",
  "bz2",
  "lzma",
  "zfpy",
  "pcodec",
]);

function numcodecsSpec(config: { id: string } & Record<string, unknown>): CodecSpec {
  const { id, ...rest } = config;
  return { name: `numcodecs.${id}`, configuration: rest };
}

/** The object codec of a v2 `|O` array: the data type it reads and its array→bytes codec. */
interface ObjectCodec {
  readonly dataType: DataType;
  readonly codec: CodecSpec;
}

/**
 * The object codec of a `|O` array: its first filter when that is `vlen-utf8` (strings),
 * `vlen-bytes` (variable-length bytes) or `json2` (strings), as zarr-python 2 writes them
 * (`object_codec` becomes `filters[0]`); `undefined` otherwise (`pickle`, `msgpack2`, none).
 */
function findObjectCodec(filters: unknown): ObjectCodec | undefined {
  if (!Array.isArray(filters) || filters.length === 0) return undefined;
  const f = filters[0] as unknown;
  if (!isJsonObject(f)) return undefined;
  const { id, ...rest } = f;
  if (id === "vlen-utf8") return { dataType: dataType("string"), codec: { name: "vlen-utf8" } };
  if (id === "vlen-bytes") {
    return { dataType: dataType("variable_length_bytes"), codec: { name: "vlen-bytes" } };
  }
  if (id === "json2") {
    return {
      dataType: dataType("string"),
      codec: { name: "numcodecs.json2", configuration: rest },
    };
  }
  return undefined;
}

/**
 * Parses Zarr v2 array metadata (`.zarray`, v2 spec "Metadata") into the normalised model.
 *
 * Members: `zarr_format` (2), `shape`, `chunks`, `dtype` (typestr `|b1`, `|i1`, `<i2`/`>i2` …
 * `<u8`, `<f2`/`<f4`/`<f8`, `<c8`/`<c16`, `|S<n>`), `compressor` (`null` or `{id, …}`),
 * `fill_value` (`null` → `fillValueIsNull: true` and the zero value; `"NaN"`, `"Infinity"`,
 * `"-Infinity"`; `[re, im]` for complex; base64 for `|S<n>`, `""` meaning zeros), `order`
 * (`"C"`/`"F"`), `filters` (`null` or a list), `dimension_separator` (`"."` default, `"/"`).
 * `compressor`, `fill_value`, `order` and `filters` default to `null`, `null`, `"C"`, `null`
 * when absent.
 *
 * Codecs follow the mapping in `model.ts`: `transpose` (reversed axis order) when `order` is
 * `"F"`, then `bytes` (`endian` from the typestr; no configuration for 1-byte types and
 * `|S<n>`), then each filter as `numcodecs.<id>`, except that the object codec of a `|O` array
 * (its first filter: `vlen-utf8`, `vlen-bytes` or `json2`) replaces `bytes`, then the compressor as `numcodecs.<id>`, each
 * with its remaining configuration. The chunk key encoding is `{name: "v2", separator}`.
 *
 * @param zarray - the `.zarray` bytes (UTF-8 JSON), JSON text or parsed object.
 * @param key - store key of the document (e.g. `"a/.zarray"`), carried by every error.
 * @param attrs - the array's `.zattrs` object, if any (see {@link parseV2Attrs}).
 * @throws UnsupportedDataTypeError when the only problem is an unsupported dtype (structured,
 *   `<U`, `<M8`, `|O`, …).
 * @throws MetadataError for malformed JSON or schema violations, listing every offending field.
 */
export function parseV2Array(
  zarray: unknown,
  key: string,
  attrs?: Record<string, unknown>,
): ArrayMetadata {
  const obj = decodeJsonObject(zarray, key);
  const issues = new IssueList();
  if (!Object.hasOwn(obj, "zarr_format")) issues.add(["zarr_format"], "required field is missing");
  else if (obj.zarr_format !== 2) {
    issues.add(["zarr_format"], `expected 2, got ${JSON.stringify(obj.zarr_format)}`);
  }
  const shape = issues.field(obj, "shape", SHAPE_FIELD, true);
  const chunks = issues.field(obj, "chunks", CHUNK_SHAPE_FIELD, true);
  const ndim = Array.isArray(obj.shape) ? obj.shape.length : undefined;
  if (ndim !== undefined && chunks && ndim !== chunks.length) {
    issues.add(["chunks"], `has ${chunks.length} entries but shape has ${ndim} dimensions`);
  }

  let unsupported: string | undefined;
  let unsupportedWhy: string | undefined;
  let objectCodec: ObjectCodec | undefined;
  let parsed: ReturnType<typeof parseV2DType>;
  let typestr: string | undefined;
  if (!Object.hasOwn(obj, "dtype")) issues.add(["dtype"], "required field is missing");
  else if (typeof obj.dtype === "string" || Array.isArray(obj.dtype)) {
    typestr = typeof obj.dtype === "string" ? obj.dtype : undefined;
    parsed = typestr === undefined ? undefined : parseV2DType(typestr);
    if (typestr === "|O") {
      objectCodec = findObjectCodec(obj.filters);
      if (objectCodec) parsed = { dataType: objectCodec.dataType, endian: undefined };
      else {
        unsupported = typestr;
        unsupportedWhy =
          "an object (|O) array is read only with a vlen-utf8, vlen-bytes or json2 object codec as its first filter";
        issues.add(["dtype"], `unsupported data type "|O": ${unsupportedWhy}`);
      }
    } else if (!parsed) {
      unsupported = typestr ?? JSON.stringify(obj.dtype);
      issues.add(["dtype"], `unsupported data type ${JSON.stringify(unsupported)}`);
    }
  } else issues.add(["dtype"], 'expected a NumPy typestr such as "<f8"');

  const compressor = issues.field(obj, "compressor", NUMCODECS_CONFIG.nullable(), false) ?? null;
  const filters = issues.field(obj, "filters", FILTERS, false) ?? null;
  const order = issues.field(obj, "order", ORDER, false) ?? "C";
  const separator = issues.field(obj, "dimension_separator", DIMENSION_SEPARATOR, false) ?? ".";

  let fill: { value: Scalar; isNull: boolean } | undefined;
  if (parsed) {
    fill = Object.hasOwn(obj, "fill_value")
      ? parseFillValueV2(parsed.dataType, obj.fill_value, issues)
      : { value: zeroFill(parsed.dataType), isNull: true };
  }

  if (!issues.ok) {
    if (unsupported !== undefined && issues.issues.length === 1) {
      throw new UnsupportedDataTypeError(key, unsupported, "dtype", unsupportedWhy);
    }
    issues.throwIfAny(key);
  }
  const { dataType: dt, endian } = parsed!;
  const codecs: CodecSpec[] = [];
  if (order === "F") {
    const ndim = shape!.length;
    codecs.push({
      name: "transpose",
      configuration: { order: Array.from({ length: ndim }, (_, i) => ndim - 1 - i) },
    });
  }
  if (objectCodec) codecs.push(objectCodec.codec);
  else {
    codecs.push(
      endian === undefined ? { name: "bytes" } : { name: "bytes", configuration: { endian } },
    );
  }
  for (const f of (filters ?? []).slice(objectCodec ? 1 : 0)) codecs.push(numcodecsSpec(f));
  if (compressor) codecs.push(numcodecsSpec(compressor));
  return {
    nodeType: "array",
    zarrFormat: 2,
    shape: shape!,
    dataType: dt,
    chunkShape: chunks!,
    fillValue: fill!.value,
    codecs,
    chunkKeyEncoding: { name: "v2", separator },
    dimensionNames: null,
    attributes: attrs ?? {},
    fillValueIsNull: fill!.isNull,
    v2DType: typestr!,
    order,
  };
}

/**
 * Parses Zarr v2 group metadata (`.zgroup`, v2 spec "Groups": `{"zarr_format": 2}`).
 * @param attrs - the group's `.zattrs` object, if any.
 * @throws MetadataError for malformed JSON or a `zarr_format` other than 2.
 */
export function parseV2Group(
  zgroup: unknown,
  key: string,
  attrs?: Record<string, unknown>,
): GroupMetadata {
  const obj = decodeJsonObject(zgroup, key);
  const issues = new IssueList();
  issues.field(obj, "zarr_format", FORMAT_2, true);
  issues.throwIfAny(key);
  return { nodeType: "group", zarrFormat: 2, attributes: attrs ?? {} };
}

/**
 * Parses Zarr v2 attributes (`.zattrs`, v2 spec "Attributes"): any JSON object.
 * @throws MetadataError for malformed JSON or a document that is not an object.
 */
export function parseV2Attrs(doc: unknown, key: string): Record<string, unknown> {
  return decodeJsonObject(doc, key);
}

const CONSOLIDATED = z.looseObject({
  zarr_consolidated_format: z.literal(1, { error: "expected 1" }),
  metadata: z.record(z.string(), z.unknown()),
});

/**
 * Parses zarr-python's consolidated Zarr v2 metadata (`.zmetadata`:
 * `{"zarr_consolidated_format": 1, "metadata": {".zgroup": …, ".zattrs": …, "a/.zarray": …,
 * "a/.zattrs": …}}`) into the root group, whose {@link GroupMetadata.consolidated} maps every
 * descendant path (`"a"`, `"a/b"`) to its node with its attributes merged in; child groups get
 * the consolidated metadata of their own descendants likewise. Entries are parsed with the key
 * `<key>#metadata/<entry>`. An entry whose path is not a valid member path (`"a//b/.zarray"`, a
 * `.` or `..` segment, a trailing `/`) is not parsed but listed in
 * {@link GroupMetadata.invalidMembers}.
 * @throws MetadataError for malformed JSON, a wrong format or a missing root `.zgroup`, or the
 *   first invalid entry's error (a {@link MetadataError} or subclass).
 */
export function parseV2Consolidated(zmetadata: unknown, key: string): GroupMetadata {
  const obj = decodeJsonObject(zmetadata, key);
  const issues = new IssueList();
  const doc = issues.check(obj, CONSOLIDATED, []);
  if (doc && !Object.hasOwn(doc.metadata, ".zgroup")) {
    issues.add(["metadata", ".zgroup"], "required entry is missing");
  }
  issues.throwIfAny(key);
  const entries = doc!.metadata;
  const entryKey = (name: string) => `${key}#metadata/${name}`;
  const attrsOf = (prefix: string) => {
    const name = `${prefix}.zattrs`;
    return Object.hasOwn(entries, name) ? parseV2Attrs(entries[name], entryKey(name)) : undefined;
  };
  const root = parseV2Group(entries[".zgroup"], entryKey(".zgroup"), attrsOf(""));
  const flat = new Map<string, NodeMetadata>();
  const invalid: InvalidMember[] = [];
  for (const [name, value] of Object.entries(entries)) {
    const m = /^(.*)\/\.(zarray|zgroup)$/.exec(name);
    if (!m) continue;
    const path = m[1]!;
    const problem = memberPathIssue(path);
    if (problem !== undefined) {
      invalid.push({ name: path, key, field: formatPath(["metadata", name]), message: problem });
      continue;
    }
    try {
      flat.set(
        path,
        m[2] === "zarray"
          ? parseV2Array(value, entryKey(name), attrsOf(`${path}/`))
          : parseV2Group(value, entryKey(name), attrsOf(`${path}/`)),
      );
    } catch (e) {
      // One unreadable member (unsupported dtype, invalid document) concerns that member only.
      if (!(e instanceof ZarrPlanError)) throw e;
      const field = formatPath(["metadata", name]);
      invalid.push({ name: path, key, field, message: e.message, error: e });
    }
  }
  const out: GroupMetadata = { ...root, consolidated: nestConsolidated(flat) };
  return invalid.length > 0 ? { ...out, invalidMembers: invalid } : out;
}

function writeError(key: string, field: string, message: string, cause?: unknown): MetadataError {
  return new MetadataError(key, [{ field, message }], {
    cause,
    summary: "Cannot write Zarr v2 metadata",
  });
}

const BLOSC_SHUFFLE: Readonly<Record<string, number>> = {
  noshuffle: 0,
  shuffle: 1,
  bitshuffle: 2,
};

/** The numcodecs configuration (`{id, …}`) of a bytes → bytes codec. */
function toNumcodecs(c: CodecSpec, key: string, field: string): Record<string, unknown> {
  const conf = c.configuration ?? {};
  if (c.name.startsWith("numcodecs.")) return { id: c.name.slice("numcodecs.".length), ...conf };
  switch (c.name) {
    case "gzip":
      return { id: "gzip", level: conf.level ?? 5 };
    case "zstd":
      return conf.checksum === true
        ? { id: "zstd", level: conf.level ?? 0, checksum: true }
        : { id: "zstd", level: conf.level ?? 0 };
    case "blosc": {
      const shuffle = conf.shuffle;
      return {
        id: "blosc",
        cname: conf.cname ?? "lz4",
        clevel: conf.clevel ?? 5,
        shuffle: typeof shuffle === "string" ? (BLOSC_SHUFFLE[shuffle] ?? 1) : (shuffle ?? 1),
        blocksize: conf.blocksize ?? 0,
      };
    }
    case "crc32c":
      return { id: "crc32c" };
    default:
      throw writeError(key, field, `codec "${c.name}" has no Zarr v2 (numcodecs) equivalent`);
  }
}

function isPermutation(order: unknown, reversed: boolean, ndim: number): boolean {
  return (
    Array.isArray(order) &&
    order.length === ndim &&
    order.every((v, i) => v === (reversed ? ndim - 1 - i : i))
  );
}

/**
 * Writes an array as spec-conformant Zarr v2 documents (v2 spec "Metadata"): the `.zarray`
 * object (`shape`, `chunks`, `dtype`, `fill_value`, `order`, `filters`, `dimension_separator`,
 * `compressor`, `zarr_format`, in zarr-python's member order) and the `.zattrs` object.
 *
 * `dtype` is `meta.v2DType` when set, else derived from the data type and the `bytes` codec's
 * `endian`. `order` comes from a leading `transpose` codec (reversed axes → `"F"`; for ndim ≤ 1
 * `meta.order` decides). The codecs after `bytes` become numcodecs configs (`numcodecs.<id>` →
 * `{id, …}`; v3 `gzip`, `zstd`, `blosc`, `crc32c` are translated); the last one is the
 * `compressor` when its id is in {@link V2_COMPRESSOR_IDS}, the others are `filters` (`null` when
 * none). `fill_value` is `null` when `fillValueIsNull`, base64 for `|S<n>`. `dimension_separator`
 * is the chunk key encoding's separator (a `default` encoding's `c/` prefix is not
 * representable: chunk keys change). `dimension_names` are not written.
 *
 * @param key - key used in errors (default `".zarray"`).
 * @throws MetadataError when the codecs cannot be expressed in v2 (sharding, a transpose that is
 *   neither C nor F order, an unknown v3 codec) or the fill value does not match the data type.
 */
export function toV2Json(
  meta: ArrayMetadata,
  key = ".zarray",
): { zarray: Record<string, unknown>; zattrs: Record<string, unknown> } {
  const ndim = meta.shape.length;
  const codecs = meta.codecs;
  let i = 0;
  let order: "C" | "F" = meta.order ?? "C";
  const first = codecs[0];
  if (first?.name === "transpose") {
    const perm = first.configuration?.order;
    const isC = isPermutation(perm, false, ndim);
    const isF = isPermutation(perm, true, ndim);
    if (!isC && !isF) {
      throw writeError(key, "codecs[0]", "only C or F order transposes exist in Zarr v2");
    }
    if (!(isC && isF)) order = isF ? "F" : "C";
    i++;
  } else if (ndim > 1) order = "C";
  const bytesCodec = codecs[i];
  const objectFilter = v2ObjectCodec(bytesCodec);
  if (bytesCodec?.name !== "bytes" && objectFilter === undefined) {
    throw writeError(
      key,
      `codecs[${i}]`,
      `expected the "bytes" codec, got ${bytesCodec ? `"${bytesCodec.name}"` : "nothing"}`,
    );
  }
  const endian = bytesCodec!.configuration?.endian;
  i++;
  const v2codecs = codecs.slice(i).map((c, j) => toNumcodecs(c, key, `codecs[${i + j}]`));
  if (objectFilter) v2codecs.unshift(objectFilter);
  const last = v2codecs.at(-1);
  const compressor =
    last !== undefined && V2_COMPRESSOR_IDS.has(String(last.id)) ? v2codecs.pop()! : null;
  let fillValue: unknown;
  try {
    fillValue = encodeFillValueV2(meta.dataType, meta.fillValue, meta.fillValueIsNull ?? false);
  } catch (cause) {
    throw writeError(key, "fill_value", (cause as Error).message, cause);
  }
  const zarray: Record<string, unknown> = {
    shape: [...meta.shape],
    chunks: [...meta.chunkShape],
    dtype: objectFilter
      ? "|O"
      : (meta.v2DType ?? toV2DType(meta.dataType, endian === "big" ? "big" : "little")),
    fill_value: fillValue,
    order,
    filters: v2codecs.length > 0 ? v2codecs : null,
    dimension_separator: meta.chunkKeyEncoding.separator,
    compressor,
    zarr_format: 2,
  };
  return { zarray, zattrs: { ...meta.attributes } };
}

/**
 * The v2 object codec (first filter of a `|O` array) for a string serialiser: `vlen-utf8`,
 * `vlen-bytes` (or their `numcodecs.` names) and `numcodecs.json2` with its configuration;
 * `undefined` for any other codec.
 */
function v2ObjectCodec(
  c: CodecSpec | undefined,
): ({ id: string } & Record<string, unknown>) | undefined {
  const name = c?.name.replace(/^numcodecs\./, "");
  if (name === "vlen-utf8" || name === "vlen-bytes") return { id: name };
  if (name === "json2") return { id: "json2", ...(c!.configuration ?? {}) };
  return undefined;
}

/**
 * Writes a group as Zarr v2 documents (v2 spec "Groups", "Attributes"): `.zgroup`
 * (`{"zarr_format": 2}`) and `.zattrs`.
 */
export function toV2GroupJson(meta: GroupMetadata): {
  zgroup: Record<string, unknown>;
  zattrs: Record<string, unknown>;
} {
  return { zgroup: { zarr_format: 2 }, zattrs: { ...meta.attributes } };
}

/**
 * Writes zarr-python's consolidated v2 metadata (`.zmetadata`) for a group and every node in
 * its {@link GroupMetadata.consolidated} map (empty when unset):
 * `{"metadata": {".zgroup", ".zattrs", "<path>/.zarray" | "<path>/.zgroup", "<path>/.zattrs"},
 * "zarr_consolidated_format": 1}`.
 * @param key - key used in errors (default `".zmetadata"`).
 * @throws MetadataError when a descendant array cannot be written as v2 (see {@link toV2Json}).
 */
export function toV2ConsolidatedJson(
  meta: GroupMetadata,
  key = ".zmetadata",
): Record<string, unknown> {
  const metadata: Record<string, unknown> = {};
  const root = toV2GroupJson(meta);
  metadata[".zgroup"] = root.zgroup;
  metadata[".zattrs"] = root.zattrs;
  for (const [path, node] of flattenConsolidated(meta.consolidated ?? new Map())) {
    if (node.nodeType === "array") {
      const { zarray, zattrs } = toV2Json(node, `${key}#metadata/${path}/.zarray`);
      metadata[`${path}/.zarray`] = zarray;
      metadata[`${path}/.zattrs`] = zattrs;
    } else {
      const { zgroup, zattrs } = toV2GroupJson(node);
      metadata[`${path}/.zgroup`] = zgroup;
      metadata[`${path}/.zattrs`] = zattrs;
    }
  }
  return { metadata, zarr_consolidated_format: 1 };
}
