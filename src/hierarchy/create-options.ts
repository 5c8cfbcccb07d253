/**
 * Validation of the options of `createArray` and `createGroup`, before anything is read or
 * written: each option's type and range, and the rules between options (chunks of the shape's
 * rank, shards a multiple of chunks, v2-only and v3-only options, a fill value of the data type).
 * A failure is one {@link OptionsError} (`ERR_OPTIONS`) listing every offending option and value.
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
} from "../core/dtype.js";
import { type OptionIssue, OptionsError } from "../core/errors.js";
import {
  encodeFillValueV2,
  encodeFillValueV3,
  IssueList,
  optionIssues,
  parseFillValueV2,
  parseFillValueV3,
  stringifyJson,
} from "../format/metadata/index.js";
import { rectilinearGrid } from "../format/rectilinear-grid.js";
import { isAbortSignalLike } from "../plan/plan-json.js";

/** Data type names `createArray` takes. */
const DTYPES: ReadonlySet<string> = new Set<string>([
  ...NUMERIC_DATA_TYPES,
  "bfloat16",
  "bytes",
  "raw",
  "datetime64",
  "timedelta64",
  "string",
  "variable_length_bytes",
]);

const signal = z.custom<AbortSignal>(isAbortSignalLike, {
  message: "expected an AbortSignal",
});
const context = z.custom<object>(
  (v) =>
    typeof v === "object" && v !== null && typeof (v as { fetch?: unknown }).fetch === "function",
  { message: "expected a Context" },
);
const attributes = z.custom<Record<string, unknown>>(
  (v) => typeof v === "object" && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v),
  { message: "expected an object of JSON values" },
);
const zarrFormat = z.union([z.literal(2), z.literal(3)], { error: "expected 2 or 3" });
const codec = z.strictObject({
  name: z.string().min(1, "expected a non-empty codec name"),
  configuration: z.record(z.string(), z.unknown()).optional(),
});
const dims = (min: 0 | 1) =>
  z.array(
    z
      .number({ error: `expected a${min ? " positive" : " non-negative"} integer` })
      .int(`expected a${min ? " positive" : " non-negative"} integer`)
      .min(min, `expected a${min ? " positive" : " non-negative"} integer`),
    { error: "expected an array of integers" },
  );

const common = {
  zarrFormat: zarrFormat.optional(),
  attributes: attributes.optional(),
  overwrite: z.boolean().optional(),
  signal: signal.optional(),
  context: context.optional(),
};

const groupSchema = z.strictObject(common);

const arraySchema = z.strictObject({
  ...common,
  shape: dims(0),
  chunks: dims(1).optional(),
  shards: dims(1).optional(),
  chunkShapes: z
    .array(z.unknown(), { error: "expected an array with one entry per dimension" })
    .optional(),
  indexLocation: z.enum(["start", "end"]).optional(),
  dtype: z.custom<string>((v) => typeof v === "string" && DTYPES.has(v), {
    message: `expected one of ${[...DTYPES].join(", ")}`,
  }),
  bytesLength: z.number().int().min(1, "expected a positive integer").optional(),
  stringLength: z
    .number()
    .int("expected an integer in [1, 2^29 - 1]")
    .min(1, "expected an integer in [1, 2^29 - 1]")
    .max(2 ** 29 - 1, "expected an integer in [1, 2^29 - 1]")
    .optional(),
  timeUnit: z.enum(TIME_UNITS as [TimeUnit, ...TimeUnit[]]).optional(),
  scaleFactor: z
    .number()
    .int("expected an integer in [1, 2^31 - 1]")
    .min(1, "expected an integer in [1, 2^31 - 1]")
    .max(2 ** 31 - 1, "expected an integer in [1, 2^31 - 1]")
    .optional(),
  fillValue: z.unknown().optional(),
  compressor: codec.nullable().optional(),
  codecs: z.array(codec).min(1, "expected at least one codec").optional(),
  filters: z.array(codec).optional(),
  endian: z.enum(["little", "big"]).optional(),
  order: z.enum(["C", "F"]).optional(),
  chunkKeyEncoding: z
    .strictObject({ name: z.enum(["default", "v2"]), separator: z.enum(["/", "."]) })
    .optional(),
  dimensionNames: z.array(z.string().nullable()).optional(),
});

/** Issues of attributes that cannot be written as JSON (circular, nested too deep). */
function attributeIssues(o: { attributes?: unknown }): OptionIssue[] {
  if (o.attributes === undefined) return [];
  try {
    stringifyJson(o.attributes);
    return [];
  } catch (e) {
    const why = e instanceof RangeError ? "nested too deeply" : (e as Error).message;
    return [
      { option: "attributes", message: `cannot be written as JSON (${why})`, value: o.attributes },
    ];
  }
}

/**
 * Checks the options of `createGroup`.
 * @throws OptionsError (`ERR_OPTIONS`) listing every offending option.
 */
export function checkCreateGroupOptions(options: unknown): void {
  const issues = optionIssues(options, groupSchema);
  if (issues.length === 0) issues.push(...attributeIssues(options as { attributes?: unknown }));
  if (issues.length > 0) throw new OptionsError("createGroup", issues);
}

type ArrayOptions = z.infer<typeof arraySchema>;

/** The rules between options of a well-typed `createArray` options object. */
function crossIssues(o: ArrayOptions): OptionIssue[] {
  const out: OptionIssue[] = [];
  const add = (option: string, message: string, value: unknown) =>
    out.push({ option, message, value });
  const format = o.zarrFormat ?? 3;
  const ndim = o.shape.length;
  for (const name of ["chunks", "shards", "dimensionNames"] as const) {
    const v = o[name];
    if (v !== undefined && v.length !== ndim) {
      add(name, `expected ${ndim} entries (one per dimension of shape [${o.shape}])`, v);
    }
  }
  if (o.chunkShapes !== undefined) {
    if (format === 2)
      add("chunkShapes", "a rectilinear chunk grid needs zarrFormat 3", o.chunkShapes);
    for (const name of ["chunks", "shards"] as const) {
      if (o[name] !== undefined)
        add(name, "not with chunkShapes (a rectilinear chunk grid)", o[name]);
    }
    if (o.codecs?.some((c) => c.name === "sharding_indexed")) {
      add("codecs", "sharding_indexed is not supported with chunkShapes", o.codecs);
    }
    const built = rectilinearGrid(o.chunkShapes, o.shape);
    if ("issues" in built) {
      for (const i of built.issues) {
        const at = i.path.map((p) => `[${p}]`).join("");
        add(`chunkShapes${at}`, i.message, o.chunkShapes);
      }
    }
  }
  if (o.shards && o.codecs?.some((c) => c.name === "sharding_indexed")) {
    add(
      "shards",
      "not with a sharding_indexed codec in codecs (shards wraps codecs in one: give the inner chunks' codecs, or leave shards out)",
      o.shards,
    );
  }
  if (o.shards && o.chunks && o.shards.length === ndim && o.chunks.length === ndim) {
    o.shards.forEach((s, i) => {
      if (s % o.chunks![i]! !== 0) {
        add(`shards[${i}]`, `expected a multiple of chunks[${i}] (${o.chunks![i]})`, s);
      }
    });
  } else if (o.shards && !o.chunks && o.shards.length === ndim) {
    // Without chunks the inner chunk is the whole shape (at least 1 per dimension).
    o.shards.forEach((s, i) => {
      const c = Math.max(1, o.shape[i]!);
      if (s % c !== 0) {
        add(`shards[${i}]`, `expected a multiple of the inner chunk ${c} (pass chunks)`, s);
      }
    });
  }
  if (o.dtype === "bytes") {
    if (o.bytesLength === undefined) add("bytesLength", 'required with dtype "bytes"', undefined);
    if (format === 3) add("dtype", '"bytes" (|S<n>) needs zarrFormat 2', o.dtype);
  }
  if (o.dtype === "bfloat16" && format === 2) {
    add("dtype", '"bfloat16" has no Zarr v2 dtype; needs zarrFormat 3', o.dtype);
  }
  if (o.dtype === "raw") {
    if (o.bytesLength === undefined) add("bytesLength", 'required with dtype "raw"', undefined);
    else if (o.bytesLength > 2 ** 17)
      add("bytesLength", "at most 131072 (r1048576)", o.bytesLength);
    if (format === 2) add("dtype", '"raw" (rN raw bits) needs zarrFormat 3', o.dtype);
  }
  const isTime = o.dtype === "datetime64" || o.dtype === "timedelta64";
  if (isTime && o.timeUnit === undefined) {
    add("timeUnit", `required with dtype "${o.dtype}"`, undefined);
  }
  if (!isTime) {
    for (const name of ["timeUnit", "scaleFactor"] as const) {
      if (o[name] !== undefined)
        add(name, 'only with dtype "datetime64" or "timedelta64"', o[name]);
    }
  }
  if (format === 3) {
    for (const name of ["filters", "order"] as const) {
      if (o[name] !== undefined) add(name, "Zarr v2 only (with zarrFormat 3 use codecs)", o[name]);
    }
  } else {
    for (const name of ["codecs", "indexLocation", "dimensionNames"] as const) {
      if (o[name] !== undefined) add(name, "Zarr v3 only", o[name]);
    }
    if (o.chunkKeyEncoding?.name === "default") {
      add("chunkKeyEncoding.name", 'Zarr v2 keys are "v2" encoded', o.chunkKeyEncoding.name);
    }
  }
  if (o.fillValue !== undefined && out.every((i) => i.option !== "dtype")) {
    out.push(...fillValueIssues(o, format));
  }
  out.push(...attributeIssues(o));
  return out;
}

/** Whether `fillValue` is a valid scalar of the data type (as written and read back). */
function fillValueIssues(o: ArrayOptions, format: 2 | 3): OptionIssue[] {
  const v = o.fillValue;
  const issue = (message: string) => [{ option: "fillValue", message, value: v }];
  if (v === null) return format === 2 ? [] : issue("null is Zarr v2 only");
  if ((o.dtype === "bytes" || o.dtype === "raw") && (o.bytesLength ?? 0) < 1) return [];
  const dt = dataTypeOfOptions(o);
  const list = new IssueList();
  try {
    if (format === 3) parseFillValueV3(dt, encodeFillValueV3(dt, v as never), list);
    else parseFillValueV2(dt, encodeFillValueV2(dt, v as never, false), list);
  } catch (e) {
    return issue((e as Error).message);
  }
  return list.ok ? [] : issue(list.issues.map((i) => i.message).join("; "));
}

/**
 * Checks the options of `createArray`: types and ranges of every option (`shape` non-negative
 * integers, `chunks` and `shards` positive integers of the same rank, `dtype` a known data type
 * name, `zarrFormat` 2 or 3, …), then the rules between them (`shards` multiples of `chunks`;
 * `filters` / `order` only for v2, `codecs` / `indexLocation` / `dimensionNames` only for v3;
 * `bytesLength` with `dtype: "bytes"` (ignored otherwise), which is v2 only; a fill value of the data
 * type, `null` only for v2; attributes that can be written as JSON). Unknown options are errors.
 * @throws OptionsError (`ERR_OPTIONS`) listing every offending option.
 */
export function checkCreateArrayOptions(options: unknown): void {
  const issues = optionIssues(options, arraySchema);
  if (issues.length === 0) issues.push(...crossIssues(options as ArrayOptions));
  if (issues.length > 0) throw new OptionsError("createArray", issues);
}

/** The data type `createArray`'s options name (checked by `checkCreateArrayOptions`). */
export function dataTypeOfOptions(options: {
  dtype: string;
  bytesLength?: number | undefined;
  stringLength?: number | undefined;
  timeUnit?: TimeUnit | undefined;
  scaleFactor?: number | undefined;
}): DataType {
  const name = options.dtype as DataTypeName;
  if (name === "bytes" || name === "raw") return dataType(name, options.bytesLength ?? 0);
  if (name === "string") return dataType(name, options.stringLength);
  if (name === "datetime64" || name === "timedelta64") {
    return dataType(name, {
      unit: options.timeUnit ?? "generic",
      scaleFactor: options.scaleFactor ?? 1,
    });
  }
  return dataType(name);
}
