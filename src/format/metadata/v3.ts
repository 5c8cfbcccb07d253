/**
 * Zarr v3 metadata (`zarr.json`): parsing into the normalised model and writing back.
 * Follows the Zarr v3 core specification, section "Metadata" ("Array metadata",
 * "Group metadata") and "Extensions" (`must_understand`), plus zarr-python's inline
 * `consolidated_metadata` convention for groups.
 * @module
 */
import { z } from "zod";
import {
  type DataType,
  type DataTypeName,
  dataType,
  NUMERIC_DATA_TYPES,
  TIME_UNITS,
  type TimeUnit,
} from "../../core/dtype.js";
import { MetadataError, UnsupportedDataTypeError, ZarrPlanError } from "../../core/errors.js";
import type {
  ArrayMetadata,
  ChunkKeyEncoding,
  CodecSpec,
  GroupMetadata,
  InvalidMember,
  NodeMetadata,
} from "../model.js";
import { type RectilinearChunkGrid, rectilinearGrid } from "../rectilinear-grid.js";
import {
  ATTRIBUTES_FIELD,
  CHUNK_SHAPE,
  CHUNK_SHAPE_FIELD,
  flattenConsolidated,
  memberPathIssue,
  nestConsolidated,
  SHAPE_FIELD,
} from "./common.js";
import { encodeFillValueV3, parseFillValueV3 } from "./fill-value.js";
import {
  formatPath,
  guarded,
  IssueList,
  isJsonObject,
  isPlainObject,
  type JsonObject,
} from "./issues.js";
import { decodeJsonObject } from "./json.js";

/** Data type names of the Zarr v3 core specification ("Data types") that zarr-plan supports. */
const V3_DATA_TYPES: ReadonlySet<string> = new Set<DataTypeName>([
  ...NUMERIC_DATA_TYPES,
  "bfloat16",
]);

const ARRAY_KEYS = new Set([
  "zarr_format",
  "node_type",
  "shape",
  "data_type",
  "chunk_grid",
  "chunk_key_encoding",
  "fill_value",
  "codecs",
  "attributes",
  "storage_transformers",
  "dimension_names",
]);

const GROUP_KEYS = new Set(["zarr_format", "node_type", "attributes", "consolidated_metadata"]);

// Schemas are built once: zod compiles each schema object on its first parse. Those of fields
// every array has are guarded: their common valid case is checked without zod (see `guarded`).
const CODEC_OBJECT = guarded(
  z.looseObject({
    name: z.string().min(1),
    configuration: z.record(z.string(), z.unknown()).optional(),
    must_understand: z.boolean().optional(),
  }),
  (v) =>
    isPlainObject(v) &&
    typeof v.name === "string" &&
    v.name.length > 0 &&
    (v.configuration === undefined || isPlainObject(v.configuration)) &&
    (v.must_understand === undefined || typeof v.must_understand === "boolean"),
);

const SEPARATOR_CONFIG = guarded(
  z.looseObject({ separator: z.enum(["/", "."]).optional() }),
  (v) =>
    isPlainObject(v) && (v.separator === undefined || v.separator === "/" || v.separator === "."),
);

const DIMENSION_NAMES = guarded(
  z.array(z.string().nullable()),
  (v) => Array.isArray(v) && v.every((n) => n === null || typeof n === "string"),
);
const STRING = guarded(z.string(), (v) => typeof v === "string");
const REGULAR_GRID_CONFIG = guarded(
  z.looseObject({ chunk_shape: CHUNK_SHAPE }),
  (v) => isPlainObject(v) && CHUNK_SHAPE_FIELD.accepts(v.chunk_shape),
);
const NODE_TYPE = guarded(z.enum(["array", "group"]), (v) => v === "array" || v === "group");

/** The guarded schemas of this module, for the property test that checks each guard against zod. */
export const GUARDED_V3_FIELDS = {
  CODEC_OBJECT,
  SEPARATOR_CONFIG,
  DIMENSION_NAMES,
  STRING,
  REGULAR_GRID_CONFIG,
  NODE_TYPE,
} as const;

/** Whether `v` is an extension object that readers may ignore (`"must_understand": false`). */
function ignorable(v: unknown): boolean {
  return isJsonObject(v) && v.must_understand === false;
}

/** Records an issue for every unknown member that is not `"must_understand": false`. */
function checkUnknownKeys(obj: JsonObject, known: ReadonlySet<string>, issues: IssueList): void {
  for (const [k, v] of Object.entries(obj)) {
    if (known.has(k) || ignorable(v)) continue;
    issues.add(
      [k],
      `unknown field; extension fields a reader may ignore must be objects with "must_understand": false`,
    );
  }
}

function parseDataType(
  obj: JsonObject,
  issues: IssueList,
): { dataType?: DataType; unsupported?: string } {
  if (!Object.hasOwn(obj, "data_type")) {
    issues.add(["data_type"], "required field is missing");
    return {};
  }
  const v = obj.data_type;
  let name: string | undefined;
  if (typeof v === "string") name = v;
  else if (isJsonObject(v) && typeof v.name === "string") name = v.name;
  else {
    issues.add(
      ["data_type"],
      "expected a data type name or an extension object {name, configuration}",
    );
    return {};
  }
  if (typeof v === "string" && V3_DATA_TYPES.has(name)) {
    return { dataType: dataType(name as DataTypeName) };
  }
  const raw = typeof v === "string" ? /^r(\d+)$/.exec(v) : null;
  if (raw) {
    // Raw bits (core spec "Data types": r8, r16, … multiples of 8): N/8 bytes per element.
    const bits = Number(raw[1]);
    if (bits % 8 !== 0 || bits === 0 || bits > MAX_RAW_BITS || raw[1]!.startsWith("0")) {
      issues.add(
        ["data_type"],
        `raw bits data type ${JSON.stringify(v)}: the number of bits must be a positive multiple of 8 up to ${MAX_RAW_BITS}`,
      );
      return {};
    }
    return { dataType: dataType("raw", bits / 8) };
  }
  if (name === "numpy.datetime64" || name === "numpy.timedelta64") {
    const dt = parseTimeDataType(name, v, issues);
    return dt ? { dataType: dt } : {};
  }
  // zarr-python 3 / zarr-extensions string types: "string" (vlen-utf8), "variable_length_bytes"
  // (zarr-extensions "bytes"; vlen-bytes), "fixed_length_utf32" {length_bytes}.
  if (name === "string") return { dataType: dataType("string") };
  if (name === "variable_length_bytes" || name === "bytes") {
    return { dataType: dataType("variable_length_bytes") };
  }
  if (name === "fixed_length_utf32") {
    if (!isJsonObject(v)) {
      issues.add(["data_type"], "fixed_length_utf32 needs a configuration {length_bytes}");
      return {};
    }
    const conf = issues.field(v, "configuration", UTF32_CONFIG, true, ["data_type"]);
    if (conf === undefined) return {};
    if (conf.length_bytes % 4 !== 0) {
      issues.add(
        ["data_type", "configuration", "length_bytes"],
        `must be a multiple of 4 (4 bytes per code point), got ${conf.length_bytes}`,
      );
      return {};
    }
    return { dataType: dataType("string", conf.length_bytes / 4) };
  }
  const why = refusalReason(name);
  issues.add(
    ["data_type"],
    `unsupported data type ${JSON.stringify(name)}${why ? `: ${why}` : ""}`,
  );
  return { unsupported: name };
}

/** Largest raw bits data type read or written: r(2^20) (131072-byte elements). */
const MAX_RAW_BITS = 2 ** 20;

const UTF32_CONFIG = z.strictObject({
  length_bytes: z
    .int()
    .min(0)
    .max(2 ** 31 - 4),
});

const TIME_CONFIG = z.strictObject({
  unit: z.enum(TIME_UNITS as [TimeUnit, ...TimeUnit[]]),
  scale_factor: z
    .int()
    .min(1)
    .max(2 ** 31 - 1),
});

/**
 * The zarr-extensions `numpy.datetime64` / `numpy.timedelta64` data types:
 * `{"name": …, "configuration": {"unit": "s", "scale_factor": 1}}` (both members required).
 */
function parseTimeDataType(name: string, v: unknown, issues: IssueList): DataType | undefined {
  if (!isJsonObject(v)) {
    issues.add(["data_type"], `${name} needs a configuration {unit, scale_factor}`);
    return undefined;
  }
  const conf = issues.field(v, "configuration", TIME_CONFIG, true, ["data_type"]);
  if (conf === undefined) return undefined;
  return dataType(name === "numpy.datetime64" ? "datetime64" : "timedelta64", {
    unit: conf.unit,
    scaleFactor: conf.scale_factor,
  });
}

/**
 * Why zarr-plan refuses a known extension data type (`""` for an unknown name): the low-precision
 * floats and sub-byte integers have no JavaScript TypedArray and no well-kept JS library.
 */
function refusalReason(name: string): string {
  if (/^(complex_)?float\d/.test(name) || name === "complex_bfloat16") {
    return "no JavaScript TypedArray holds this floating-point format and no well-kept JS library decodes it; convert it to float32 with another tool";
  }
  if (/^u?int[24]$/.test(name)) {
    return "sub-byte integers (packed several per byte) have no JavaScript TypedArray; zarr-plan does not decode them";
  }
  return "";
}

/** The parsed `chunk_grid`: a regular chunk shape, or rectilinear `chunk_shapes` (checked later against the shape). */
type ParsedGrid = { chunkShape: number[] } | { chunkShapes: unknown };

const RECTILINEAR_GRID_CONFIG = z.looseObject({
  kind: z.literal("inline", { message: 'expected "inline" (the only kind the spec defines)' }),
  chunk_shapes: z.array(z.unknown()),
});

function parseChunkGrid(v: unknown, issues: IssueList): ParsedGrid | undefined {
  const path = ["chunk_grid"];
  const supported = 'only "regular" and "rectilinear" are supported';
  if (typeof v === "string") {
    issues.add(
      path,
      v === "regular" || v === "rectilinear"
        ? `the ${v} chunk grid needs a configuration`
        : `unsupported chunk grid ${JSON.stringify(v)}; ${supported}`,
    );
    return undefined;
  }
  if (!isJsonObject(v)) {
    issues.add(path, "expected an object {name, configuration}");
    return undefined;
  }
  const name = issues.field(v, "name", STRING, true, path);
  if (name === "rectilinear") {
    const conf = issues.field(v, "configuration", RECTILINEAR_GRID_CONFIG, true, path);
    return conf ? { chunkShapes: conf.chunk_shapes } : undefined;
  }
  if (name !== undefined && name !== "regular") {
    issues.add([...path, "name"], `unsupported chunk grid ${JSON.stringify(name)}; ${supported}`);
    return undefined;
  }
  const conf = issues.field(v, "configuration", REGULAR_GRID_CONFIG, true, path);
  return conf ? { chunkShape: conf.chunk_shape } : undefined;
}

/**
 * The regular chunk shape, or the rectilinear grid over `shape` with its largest chunk as
 * `chunkShape`; `undefined` after recording issues (field paths under `chunk_grid.configuration`).
 */
function resolveChunkGrid(
  grid: ParsedGrid,
  shape: readonly number[] | undefined,
  ndim: number | undefined,
  issues: IssueList,
): { chunkShape: number[]; chunkGrid?: RectilinearChunkGrid } | undefined {
  if ("chunkShape" in grid) {
    if (ndim !== undefined && ndim !== grid.chunkShape.length) {
      issues.add(
        ["chunk_grid", "configuration", "chunk_shape"],
        `has ${grid.chunkShape.length} entries but shape has ${ndim} dimensions`,
      );
    }
    return { chunkShape: grid.chunkShape };
  }
  if (shape === undefined) return undefined;
  const built = rectilinearGrid(grid.chunkShapes, shape);
  if ("issues" in built) {
    for (const i of built.issues) {
      issues.add(["chunk_grid", "configuration", "chunk_shapes", ...i.path], i.message);
    }
    return undefined;
  }
  return { chunkShape: [...built.grid.maxChunkShape], chunkGrid: built.grid };
}

function parseChunkKeyEncoding(v: unknown, issues: IssueList): ChunkKeyEncoding | undefined {
  const path = ["chunk_key_encoding"];
  let name: string | undefined;
  let separator: "/" | "." | undefined;
  if (typeof v === "string") name = v;
  else if (isJsonObject(v)) {
    name = issues.field(v, "name", STRING, true, path);
    separator = issues.field(v, "configuration", SEPARATOR_CONFIG, false, path)?.separator;
  } else {
    issues.add(path, "expected an object {name, configuration}");
    return undefined;
  }
  if (name === undefined) return undefined;
  if (name !== "default" && name !== "v2") {
    issues.add(
      typeof v === "string" ? path : [...path, "name"],
      `unsupported chunk key encoding ${JSON.stringify(name)}; expected "default" or "v2"`,
    );
    return undefined;
  }
  return { name, separator: separator ?? (name === "default" ? "/" : ".") };
}

/**
 * Parses a `codecs` list (Zarr v3 core, "codecs" and "Extension definition"): objects
 * `{name, configuration?}` or short-hand name strings. `must_understand` members are accepted
 * and dropped.
 */
function parseCodecList(
  v: unknown,
  issues: IssueList,
  path: readonly (string | number)[] = ["codecs"],
): CodecSpec[] | undefined {
  if (!Array.isArray(v)) {
    issues.add(path, "expected an array of codecs");
    return undefined;
  }
  if (v.length === 0) {
    issues.add(path, "must list at least one codec (an array -> bytes codec is required)");
    return undefined;
  }
  const out: CodecSpec[] = [];
  let ok = true;
  v.forEach((item: unknown, i) => {
    if (typeof item === "string" && item.length > 0) {
      out.push({ name: item });
      return;
    }
    if (!isJsonObject(item)) {
      issues.add([...path, i], "expected a codec name or an object {name, configuration}");
      ok = false;
      return;
    }
    const codec = issues.check(item, CODEC_OBJECT, [...path, i]);
    if (codec === undefined) {
      ok = false;
      return;
    }
    out.push(
      codec.configuration === undefined
        ? { name: codec.name }
        : { name: codec.name, configuration: codec.configuration },
    );
  });
  return ok ? out : undefined;
}

function throwIssues(key: string, issues: IssueList, unsupported: string | undefined): void {
  if (issues.ok) return;
  if (unsupported !== undefined && issues.issues.length === 1) {
    throw new UnsupportedDataTypeError(key, unsupported, "data_type", refusalReason(unsupported));
  }
  issues.throwIfAny(key);
}

function parseArray(obj: JsonObject, key: string, issues: IssueList): ArrayMetadata {
  const shape = issues.field(obj, "shape", SHAPE_FIELD, true);
  // Length checks against the shape still apply when some shape entries are invalid.
  const ndim = Array.isArray(obj.shape) ? obj.shape.length : undefined;
  const { dataType: dt, unsupported } = parseDataType(obj, issues);

  let grid: ReturnType<typeof resolveChunkGrid>;
  if (Object.hasOwn(obj, "chunk_grid")) {
    const parsed = parseChunkGrid(obj.chunk_grid, issues);
    if (parsed) grid = resolveChunkGrid(parsed, shape, ndim, issues);
  } else issues.add(["chunk_grid"], "required field is missing");

  let chunkKeyEncoding: ChunkKeyEncoding | undefined;
  if (Object.hasOwn(obj, "chunk_key_encoding")) {
    chunkKeyEncoding = parseChunkKeyEncoding(obj.chunk_key_encoding, issues);
  } else issues.add(["chunk_key_encoding"], "required field is missing");

  let fillValue: ArrayMetadata["fillValue"] | undefined;
  if (!Object.hasOwn(obj, "fill_value")) issues.add(["fill_value"], "required field is missing");
  else if (dt) fillValue = parseFillValueV3(dt, obj.fill_value, issues);

  let codecs: CodecSpec[] | undefined;
  if (Object.hasOwn(obj, "codecs")) codecs = parseCodecList(obj.codecs, issues);
  else issues.add(["codecs"], "required field is missing");
  if (grid?.chunkGrid && codecs?.some((c) => c.name === "sharding_indexed")) {
    issues.add(
      ["chunk_grid", "name"],
      "a rectilinear chunk grid with the sharding_indexed codec is not supported (shards must form a regular grid of inner chunks)",
    );
  }

  const attributes = issues.field(obj, "attributes", ATTRIBUTES_FIELD, false) ?? {};

  if (Object.hasOwn(obj, "storage_transformers")) {
    const st = obj.storage_transformers;
    if (!Array.isArray(st)) issues.add(["storage_transformers"], "expected an array");
    else {
      st.forEach((t: unknown, i) => {
        if (!ignorable(t)) {
          issues.add(["storage_transformers", i], "storage transformers are not supported");
        }
      });
    }
  }

  let dimensionNames: (string | null)[] | null = null;
  if (Object.hasOwn(obj, "dimension_names") && obj.dimension_names !== null) {
    dimensionNames = issues.field(obj, "dimension_names", DIMENSION_NAMES, false) ?? null;
    if (dimensionNames && ndim !== undefined && dimensionNames.length !== ndim) {
      issues.add(
        ["dimension_names"],
        `has ${dimensionNames.length} entries but shape has ${ndim} dimensions`,
      );
    }
  }

  checkUnknownKeys(obj, ARRAY_KEYS, issues);
  throwIssues(key, issues, unsupported);
  return {
    nodeType: "array",
    zarrFormat: 3,
    shape: shape!,
    dataType: dt!,
    chunkShape: grid!.chunkShape,
    ...(grid?.chunkGrid ? { chunkGrid: grid.chunkGrid } : {}),
    fillValue: fillValue!,
    codecs: codecs!,
    chunkKeyEncoding: chunkKeyEncoding!,
    dimensionNames,
    attributes,
  };
}

const CONSOLIDATED = guarded(
  z.looseObject({
    kind: z.literal("inline"),
    must_understand: z.boolean().optional(),
    metadata: z.record(z.string(), z.unknown()),
  }),
  (v) =>
    isPlainObject(v) &&
    v.kind === "inline" &&
    (v.must_understand === undefined || typeof v.must_understand === "boolean") &&
    isPlainObject(v.metadata),
);

function parseGroup(
  obj: JsonObject,
  key: string,
  issues: IssueList,
  owned: boolean,
): GroupMetadata {
  const attributes = issues.field(obj, "attributes", ATTRIBUTES_FIELD, false) ?? {};
  let children: Record<string, unknown> | undefined;
  const cm = obj.consolidated_metadata;
  if (cm !== undefined && cm !== null) {
    // An unknown kind of consolidated metadata marked must_understand: false is ignored.
    if (!(ignorable(cm) && isJsonObject(cm) && cm.kind !== "inline")) {
      children = issues.check(cm, CONSOLIDATED, ["consolidated_metadata"])?.metadata;
    }
  }
  checkUnknownKeys(obj, GROUP_KEYS, issues);
  issues.throwIfAny(key);
  const group: GroupMetadata = { nodeType: "group", zarrFormat: 3, attributes };
  if (children === undefined) return group;
  const entries = children;
  const parse = () => parseConsolidated(entries, key);
  if (!owned) {
    const { consolidated, invalid } = parse();
    return invalid.length > 0
      ? { ...group, consolidated, invalidMembers: invalid }
      : { ...group, consolidated };
  }
  return withLazyConsolidated(group, parse);
}

/** The members of inline consolidated metadata, nested, and those that are not usable. */
interface ParsedConsolidated {
  consolidated: Map<string, NodeMetadata>;
  invalid: InvalidMember[];
}

/** Parses the member documents of inline consolidated metadata. */
function parseConsolidated(children: Record<string, unknown>, key: string): ParsedConsolidated {
  const flat = new Map<string, NodeMetadata>();
  const invalid: InvalidMember[] = [];
  for (const [path, doc] of Object.entries(children)) {
    const problem = memberPathIssue(path);
    if (problem !== undefined) {
      const field = formatPath(["consolidated_metadata", "metadata", path]);
      invalid.push({ name: path, key, field, message: problem });
      continue;
    }
    const memberKey = `${key}#consolidated_metadata/${path}`;
    try {
      flat.set(path, parseV3(doc, memberKey));
    } catch (e) {
      // One unreadable member (unsupported data type, invalid document) concerns that member only.
      if (!(e instanceof ZarrPlanError)) throw e;
      const field = formatPath(["consolidated_metadata", "metadata", path]);
      invalid.push({ name: path, key, field, message: e.message, error: e });
    }
  }
  return { consolidated: nestConsolidated(flat), invalid };
}

/**
 * `group` whose {@link GroupMetadata.consolidated} and {@link GroupMetadata.invalidMembers} are
 * parsed by `parse` when first read (enumerable accessors: spreads and `JSON.stringify` see their
 * values). Opening a group and then its children by name never reads them; parsing 100 members'
 * documents was a tenth of opening such a group and its 100 children (W7 of the peer benchmark).
 */
function withLazyConsolidated(
  group: GroupMetadata,
  parse: () => ParsedConsolidated,
): GroupMetadata {
  let parsed: ParsedConsolidated | undefined;
  const get = () => {
    parsed ??= parse();
    return parsed;
  };
  return Object.defineProperties(
    { ...group },
    {
      consolidated: { enumerable: true, get: () => get().consolidated },
      invalidMembers: {
        enumerable: true,
        get: () => (get().invalid.length > 0 ? get().invalid : undefined),
      },
    },
  );
}

/**
 * Parses a Zarr v3 metadata document (`zarr.json`) into the normalised model
 * (Zarr v3 core specification, "Array metadata" / "Group metadata").
 *
 * `doc` is the document's bytes (UTF-8 JSON), its JSON text, or an already parsed object.
 * Arrays: `shape`, `data_type` (core names bool, int8–int64, uint8–uint64, float16/32/64,
 * complex64/128), a `regular` `chunk_grid`, `chunk_key_encoding` `default` (separator default
 * `"/"`) or `v2` (default `"."`), `fill_value` in every permitted encoding (int64/uint64 →
 * `bigint`), `codecs`, optional `attributes`, `dimension_names` (length = ndim),
 * `storage_transformers` (must be empty). Groups: `attributes` and zarr-python's inline
 * `consolidated_metadata`, whose entries are parsed recursively with the key
 * `<key>#consolidated_metadata/<path>` and exposed as {@link GroupMetadata.consolidated} (when
 * `doc` is bytes or text, only when `consolidated` or `invalidMembers` is first read); an entry
 * whose path is not a valid member path (`""`, `"a/"`, `"/a"`, `"a//b"`, a `.` or `..` segment) is
 * not parsed, and one whose document fails to parse (unsupported data type, invalid) is not kept:
 * both are listed in {@link GroupMetadata.invalidMembers} (with the typed error), the group opens.
 * Any other top-level member must be an object with `"must_understand": false` (ignored).
 *
 * @param key - store key of the document (e.g. `"a/zarr.json"`), carried by every error.
 * @throws UnsupportedDataTypeError when the only problem is a data type zarr-plan does not
 *   support (an extension or unknown name).
 * @throws MetadataError for malformed JSON, and for schema violations, listing every offending
 *   field in `issues` (field paths such as `chunk_grid.configuration.chunk_shape[1]`).
 */
export function parseV3(doc: unknown, key: string): NodeMetadata {
  const obj = decodeJsonObject(doc, key);
  // Parsed here from bytes or text: nobody else holds `obj`, so parts of it can be read later.
  const owned = typeof doc === "string" || doc instanceof Uint8Array || doc instanceof ArrayBuffer;
  const issues = new IssueList();
  if (!Object.hasOwn(obj, "zarr_format")) issues.add(["zarr_format"], "required field is missing");
  else if (obj.zarr_format !== 3) {
    issues.add(["zarr_format"], `expected 3, got ${JSON.stringify(obj.zarr_format)}`);
  }
  const nodeType = issues.field(obj, "node_type", NODE_TYPE, true);
  if (nodeType === "array") return parseArray(obj, key, issues);
  if (nodeType === "group") return parseGroup(obj, key, issues, owned);
  issues.throwIfAny(key);
  throw new MetadataError(key, [{ field: "node_type", message: "unreachable" }]);
}

/**
 * The v3 `data_type` of a data type: its core name, `r<N>` for raw bits, the extension object
 * `{"name": "numpy.datetime64", "configuration": {"unit", "scale_factor"}}` for dates.
 * @throws MetadataError for `bytes` (`|S<n>`, v2 only).
 */
function v3DataTypeName(dt: DataType, key: string): unknown {
  if (dt.name === "raw") return `r${dt.itemSize * 8}`;
  if (dt.name === "string") {
    return dt.itemSize === 0
      ? "string"
      : { name: "fixed_length_utf32", configuration: { length_bytes: dt.itemSize } };
  }
  if (dt.name === "variable_length_bytes") return "variable_length_bytes";
  if (dt.name === "datetime64" || dt.name === "timedelta64") {
    return {
      name: `numpy.${dt.name}`,
      configuration: { unit: dt.unit ?? "generic", scale_factor: dt.scaleFactor ?? 1 },
    };
  }
  if (!V3_DATA_TYPES.has(dt.name)) {
    throw new MetadataError(key, [
      {
        field: "data_type",
        message: `data type ${dt.name}${dt.name === "bytes" ? ` (|S${dt.itemSize})` : ""} has no Zarr v3 core representation`,
      },
    ]);
  }
  return dt.name;
}

function codecJson(c: CodecSpec): Record<string, unknown> {
  return c.configuration === undefined
    ? { name: c.name }
    : { name: c.name, configuration: c.configuration };
}

function arrayToV3Json(meta: ArrayMetadata, key: string): Record<string, unknown> {
  const dataTypeName = v3DataTypeName(meta.dataType, key);
  let fillValue: unknown;
  try {
    fillValue = encodeFillValueV3(meta.dataType, meta.fillValue);
  } catch (cause) {
    throw new MetadataError(
      key,
      [{ field: "fill_value", message: String((cause as Error).message) }],
      {
        cause,
      },
    );
  }
  const out: Record<string, unknown> = {
    zarr_format: 3,
    node_type: "array",
    shape: [...meta.shape],
    data_type: dataTypeName,
    chunk_grid: meta.chunkGrid
      ? {
          name: "rectilinear",
          configuration: {
            kind: "inline",
            chunk_shapes: structuredClone(meta.chunkGrid.chunkShapes),
          },
        }
      : { name: "regular", configuration: { chunk_shape: [...meta.chunkShape] } },
    chunk_key_encoding: {
      name: meta.chunkKeyEncoding.name,
      configuration: { separator: meta.chunkKeyEncoding.separator },
    },
    fill_value: fillValue,
    codecs: meta.codecs.map(codecJson),
    attributes: { ...meta.attributes },
  };
  if (meta.dimensionNames !== null) out.dimension_names = [...meta.dimensionNames];
  return out;
}

function emptyConsolidated(): Record<string, unknown> {
  return { kind: "inline", must_understand: false, metadata: {} };
}

/**
 * Writes the normalised model as a spec-conformant Zarr v3 `zarr.json` object (Zarr v3 core
 * specification, "Array metadata" / "Group metadata"), as zarr-python and tensorstore write it.
 *
 * Arrays: `zarr_format`, `node_type`, `shape`, `data_type`, `chunk_grid` (regular),
 * `chunk_key_encoding` with explicit `configuration.separator`, `fill_value` (NaN/±Infinity as
 * strings, `[re, im]` for complex, int64/uint64 as numbers — a `bigint` when beyond 2^53, which
 * {@link encodeJson} writes as an exact integer literal), `codecs`, `attributes`, and
 * `dimension_names` only when not `null`; `storage_transformers` is omitted. v2-derived arrays
 * keep their `numcodecs.*` codecs and `v2` chunk key encoding.
 * Groups: `zarr_format`, `node_type`, `attributes` and, when `consolidated` is set, zarr-python's
 * inline `consolidated_metadata` (flat, every descendant keyed by its path relative to the group;
 * child groups carry an empty one, as zarr-python writes).
 *
 * @param key - key used in errors (default `"zarr.json"`).
 * @throws MetadataError when the model cannot be expressed in v3 (the v2-only `|S<n>` data type)
 *   or its fill value does not match its data type.
 */
export function toV3Json(meta: NodeMetadata, key = "zarr.json"): Record<string, unknown> {
  if (meta.nodeType === "array") return arrayToV3Json(meta, key);
  const out: Record<string, unknown> = {
    zarr_format: 3,
    node_type: "group",
    attributes: { ...meta.attributes },
  };
  if (meta.consolidated !== undefined) {
    const metadata: Record<string, unknown> = {};
    for (const [path, child] of flattenConsolidated(meta.consolidated)) {
      const childKey = `${key}#consolidated_metadata/${path}`;
      metadata[path] =
        child.nodeType === "array"
          ? arrayToV3Json(child, childKey)
          : {
              zarr_format: 3,
              node_type: "group",
              attributes: { ...child.attributes },
              consolidated_metadata: emptyConsolidated(),
            };
    }
    out.consolidated_metadata = { kind: "inline", must_understand: false, metadata };
  }
  return out;
}
