/**
 * Plan files: the JSON form of a plan, validated with zod. Pure (no IO): opening the stores and
 * arrays a file names is `planFromJSON`'s job (`src/hierarchy/plan-file.ts`).
 *
 * ```json
 * { "store": "https://example.org/data.zarr",
 *   "reads": {
 *     "tile":   { "array": "geoid", "ops": [ { "get": ["0:256", "256:512"] } ] },
 *     "points": { "array": "geoid", "store": "/data/other.zarr",
 *                 "ops": [ { "vindex": [[1, 5, 9], [2, 6, 10]] } ] } },
 *   "options": { "concurrency": 16, "maxGap": 65536 } }
 * ```
 *
 * A selection (SEL) is a list with one item per indexing position: an integer, a slice string
 * `"start:stop:step"` (every part optional: `":"`, `"::-1"`, `"2:"`), `"..."`, `null` (newaxis), a
 * (nested) list of integers (index array) or a (nested) list of booleans (mask); a `mask` op takes
 * nested booleans (or `true`/`false` on a 0-d view). STORE is a filesystem path or an http(s) URL.
 * @module
 */
import { z } from "zod";
import { NdselError, OptionsError, ZarrPlanError } from "../core/errors.js";
import type { NDArray } from "../core/ndarray.js";
import { formatPath, optionIssues } from "../format/metadata/issues.js";
import type { LazyOp } from "../index-space/lazy.js";
import { normalizeNdsel } from "../index-space/ndsel/normalize.js";
import {
  describeValue,
  ellipsis,
  isNDArray,
  MAX_SELECTION_NESTING,
  newaxis,
  type SelectionItem,
  type Slice,
  slice,
} from "../index-space/selection.js";

export type { LazyOp } from "../index-space/lazy.js";

/** Nested JSON lists of integers or booleans. */
type JsonNested = readonly (number | boolean | JsonNested)[];
/** One JSON selection item. */
export type JsonItem = number | string | null | boolean | JsonNested;
/** A JSON label: a number, an ISO date, a list of them, or `{"slice": [start, stop]}` (both ends included, `null` open). */
export type JsonLabel =
  | number
  | string
  | readonly (number | string)[]
  | { readonly slice: readonly [number | string | null, number | string | null] };
/** A JSON `isel` item: an integer, a slice string `"start:stop:step"` or a list of integers. */
export type JsonIselItem = number | string | readonly number[];
/**
 * An ndsel selection document (zarr-indexing's wire format, any kind: `point`, `box`, `slice`,
 * `points`, `transform`); integers beyond 2^53 are not exact in a plan file read by `JSON.parse`.
 */
export type JsonNdsel = { readonly kind: string } & Readonly<Record<string, unknown>>;
/**
 * One JSON op: exactly one of `get`, `oindex`, `vindex` (a SEL list) or `mask`; or a selection by
 * dimension name, `{"isel": {"lat": "10:20", "time": 5}}`; or by label,
 * `{"sel": {"lat": {"slice": [35, 71]}, "time": "2020-01"}, "method": "nearest", "tolerance": 0.5}`.
 */
export type JsonOp =
  | { readonly get: readonly JsonItem[] }
  | { readonly oindex: readonly JsonItem[] }
  | { readonly vindex: readonly JsonItem[] }
  | { readonly mask: boolean | JsonNested }
  | { readonly ndsel: JsonNdsel }
  | { readonly isel: Readonly<Record<string, JsonIselItem>> }
  | {
      readonly sel: Readonly<Record<string, JsonLabel>>;
      readonly method?: "exact" | "nearest";
      readonly tolerance?: number;
    };

/** Retry settings of a plan (see the executor). */
export interface RetryOptions {
  /** Retries after the first attempt (default 3). */
  readonly retries?: number;
  /** First backoff ceiling in ms (default 100); attempt `k` waits uniformly in [0, min(max, base·2^k)]. */
  readonly baseDelayMs?: number;
  /** Largest backoff in ms (default 2000). */
  readonly maxDelayMs?: number;
  /**
   * Most time one request may take over all its attempts and waits, in ms (default 300000):
   * past it the request fails with its last error, and an attempt still running is aborted. A
   * server's `Retry-After` is honoured while it fits in what is left.
   */
  readonly maxTotalMs?: number;
}

/** Options stored with a plan (JSON `options`). */
export interface PlanOptions {
  /** Requests in flight for one execution of this plan (the store's own limit applies too). */
  readonly concurrency?: number;
  /** Decodes in progress for one execution (default: the executor's global decode limit). */
  readonly decodeConcurrency?: number;
  /** Coalescing gap in bytes for every store of the plan (default: each store's setting). */
  readonly maxGap?: number;
  /** Coalescing cap in bytes for every store of the plan (default: each store's setting). */
  readonly maxSize?: number;
  /** Retries of transient failures. */
  readonly retry?: RetryOptions;
  /** Per-attempt request timeout in ms (a timeout is a transient failure); default none. */
  readonly timeoutMs?: number;
}

/** One read of a plan file. */
export interface PlanFileRead {
  readonly array: string;
  readonly store?: string;
  readonly ops: readonly JsonOp[];
}

/**
 * The value of a plan-file write: `{"npy": "values.npy"}` (a `.npy` file, relative to the plan
 * file; its data type must be the array's and its shape broadcast to the selection's) or
 * `{"scalar": 3.5}` (a number, a boolean, or a string as in `fill_value`: `"NaN"`, `"Infinity"`,
 * `"-Infinity"`).
 */
export type PlanFileWriteValue =
  | { readonly npy: string }
  | { readonly scalar: number | boolean | string };

/** One write of a plan file: a selection of an array and its value. */
export interface PlanFileWrite {
  readonly array: string;
  readonly store?: string;
  readonly ops: readonly JsonOp[];
  readonly value: PlanFileWriteValue;
}

/**
 * A plan file. `writes` run after every read (in order: the last one wins where they overlap);
 * a file may have reads, writes or both.
 */
export interface PlanFile {
  readonly store: string;
  readonly reads: Readonly<Record<string, PlanFileRead>>;
  readonly writes?: readonly PlanFileWrite[];
  readonly options?: PlanOptions;
}

/** One problem of a plan file: the JSON path of the offending member and what is wrong. */
export interface PlanFileIssue {
  readonly path: string;
  readonly message: string;
}

/** A plan file is not valid JSON or does not follow the plan-file schema; `issues` lists every problem. */
export class PlanFileError extends ZarrPlanError {
  readonly issues: readonly PlanFileIssue[];
  constructor(issues: readonly PlanFileIssue[], options?: { cause?: unknown }) {
    super(
      "ERR_PLAN_FILE",
      `Invalid plan file: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ")}`,
      options,
    );
    this.issues = issues;
  }
}

/**
 * Whether `v` can serve as an `AbortSignal`: an object with a boolean `aborted` and
 * `addEventListener` / `removeEventListener` methods (a real `AbortSignal`, or one from another
 * realm or a polyfill).
 */
export function isAbortSignalLike(v: unknown): v is AbortSignal {
  const s = v as { aborted?: unknown; addEventListener?: unknown; removeEventListener?: unknown };
  return (
    typeof v === "object" &&
    v !== null &&
    typeof s.aborted === "boolean" &&
    typeof s.addEventListener === "function" &&
    typeof s.removeEventListener === "function"
  );
}

const SLICE_TEXT = /^\s*([+-]?\d+)?\s*:\s*([+-]?\d+)?\s*(?::\s*([+-]?\d+)?\s*)?$/;

/** Deepest nesting of JSON lists in a selection item (as `parseSelection`'s text limit). */
const MAX_NESTING = MAX_SELECTION_NESTING;

/** Nested lists (at most {@link MAX_NESTING} deep) whose leaves all satisfy `leaf`. */
function isNested(v: unknown, leaf: (x: unknown) => boolean, depth = 1): boolean {
  if (!Array.isArray(v) || depth > MAX_NESTING) return false;
  return v.every((x) => leaf(x) || isNested(x, leaf, depth + 1));
}

/** Whether `v` nests lists more than `max` levels deep (walks at most `max + 1` levels). */
function deeperThan(v: unknown, max: number, depth = 1): boolean {
  if (!Array.isArray(v)) return false;
  if (depth > max) return true;
  return v.some((x) => deeperThan(x, max, depth + 1));
}
const isInt = (x: unknown) => typeof x === "number" && Number.isSafeInteger(x);
const isBool = (x: unknown) => typeof x === "boolean";

const ITEM_MESSAGE =
  'expected an integer, a slice string "start:stop:step", "...", null (newaxis), or a (nested) list of integers or of booleans';

const itemSchema = z.unknown().superRefine((v, ctx) => {
  if (v === null || isInt(v)) return;
  if (typeof v === "string" && (v.trim() === "..." || SLICE_TEXT.test(v))) return;
  if (isNested(v, isInt) || isNested(v, isBool)) return;
  const deep = deeperThan(v, MAX_NESTING);
  ctx.addIssue({
    code: "custom",
    message: deep
      ? `lists nested deeper than ${MAX_NESTING} levels`
      : `${ITEM_MESSAGE}, got ${describeValue(v)}`,
  });
});
const selSchema = z.array(itemSchema);
const maskSchema = z.unknown().superRefine((v, ctx) => {
  if (typeof v === "boolean" || isNested(v, isBool)) return;
  ctx.addIssue({
    code: "custom",
    message: deeperThan(v, MAX_NESTING)
      ? `lists nested deeper than ${MAX_NESTING} levels`
      : "expected a (nested) list of booleans",
  });
});
const positionalOpSchema = z
  .strictObject({
    get: selSchema.optional(),
    oindex: selSchema.optional(),
    vindex: selSchema.optional(),
    mask: maskSchema.optional(),
  })
  .refine((o) => Object.keys(o).length === 1, {
    message: 'an op has exactly one of "get", "oindex", "vindex", "mask", "isel", "sel", "ndsel"',
  });
const dimName = z.string().min(1, "dimension names must not be empty");
const iselItemSchema = z.union([
  z.number().int().refine(Number.isSafeInteger, "expected a safe integer"),
  z.string().regex(SLICE_TEXT, 'expected a slice string "start:stop:step"'),
  z.array(z.number().int()).max(1 << 24),
]);
const labelSchema = z.union([
  z.number().refine(Number.isFinite, "expected a finite number"),
  z.string().max(64),
  z.array(z.union([z.number(), z.string().max(64)])).max(1 << 24),
  z.strictObject({
    slice: z.tuple([
      z.union([z.number(), z.string().max(64), z.null()]),
      z.union([z.number(), z.string().max(64), z.null()]),
    ]),
  }),
]);
const iselOpSchema = z.strictObject({ isel: z.record(dimName, iselItemSchema) });
const selOpSchema = z.strictObject({
  sel: z.record(dimName, labelSchema),
  method: z.enum(["exact", "nearest"]).optional(),
  tolerance: z.number().min(0).optional(),
});
const ndselOpSchema = z.strictObject({
  ndsel: z.unknown().superRefine((v, ctx) => {
    try {
      normalizeNdsel(v);
    } catch (e) {
      if (!(e instanceof NdselError)) throw e;
      ctx.addIssue({
        code: "custom",
        message: `${e.detail} (${e.reason})`,
        path: e.member ? [e.member] : [],
      });
    }
  }),
});
const opSchema = z.unknown().superRefine((v, ctx) => {
  if (typeof v === "object" && v !== null && "ndsel" in v) {
    const r = ndselOpSchema.safeParse(v);
    if (!r.success) {
      for (const i of r.error.issues)
        ctx.addIssue({ code: "custom", message: i.message, path: i.path });
    }
    return;
  }
  const schema =
    typeof v === "object" && v !== null && "isel" in v
      ? iselOpSchema
      : typeof v === "object" && v !== null && "sel" in v
        ? selOpSchema
        : positionalOpSchema;
  const r = schema.safeParse(v);
  if (!r.success) {
    for (const i of r.error.issues)
      ctx.addIssue({ code: "custom", message: i.message, path: i.path });
  }
});
const count = z.number().int().min(1);
const bytes = z.number().min(0);
const ms = z.number().min(0);
const optionsSchema = z.strictObject({
  concurrency: count.optional(),
  decodeConcurrency: count.optional(),
  maxGap: bytes.optional(),
  maxSize: bytes.optional(),
  retry: z
    .strictObject({
      retries: z.number().int().min(0).optional(),
      baseDelayMs: ms.optional(),
      maxDelayMs: ms.optional(),
      maxTotalMs: ms.optional(),
    })
    .optional(),
  timeoutMs: ms.optional(),
});
/** A node path: `.` and `..` segments are rejected (paths name nodes, they do not navigate). */
const nodePathSchema = z.string().superRefine((p, ctx) => {
  const seg = p.split("/").find((x) => x === "." || x === "..");
  if (seg !== undefined) {
    ctx.addIssue({
      code: "custom",
      message: `a node path must not have a "${seg}" segment, got ${JSON.stringify(p)}`,
    });
  }
});
/** The options of one execution (`read`, `stream`, `resolve`): the plan options but coalescing, plus `signal`. */
const executionSchema = optionsSchema.omit({ maxGap: true, maxSize: true }).extend({
  signal: z
    .custom<AbortSignal>(isAbortSignalLike, {
      message: "expected an AbortSignal (aborted, addEventListener, removeEventListener)",
    })
    .optional(),
});

/**
 * Checks the options of a plan (`plan()`, `new Plan`, `Plan.with`) against the plan-file schema
 * of `options` (one definition for both): `concurrency` and `decodeConcurrency` integers ≥ 1;
 * `maxGap`, `maxSize`, `timeoutMs` and the `retry` delays finite numbers ≥ 0; `retry.retries` an
 * integer ≥ 0; no other option.
 * @throws OptionsError (`ERR_OPTIONS`, `call` `"plan"`) naming every offending option and value.
 */
export function checkPlanOptions(options: unknown): void {
  const issues = optionIssues(options, optionsSchema);
  if (issues.length > 0) throw new OptionsError("plan", issues);
}

/**
 * Checks the options of one execution of a plan: those of {@link checkPlanOptions} but the
 * coalescing ones (`maxGap`, `maxSize` are the plan's), plus `signal`, which must be an
 * `AbortSignal` (an object with a boolean `aborted`, `addEventListener` and
 * `removeEventListener`).
 * @param call - the call, for the error (`"read"`, `"stream"`, `"resolve"`).
 * @throws OptionsError (`ERR_OPTIONS`) naming every offending option and value.
 */
export function checkExecutionOptions(options: unknown, call: string): void {
  const issues = optionIssues(options, executionSchema);
  if (issues.length > 0) throw new OptionsError(call, issues);
}

const storeSchema = z.string().min(1, "expected a filesystem path or an http(s) URL");
const writeValueSchema = z.union([
  z.strictObject({ npy: z.string().min(1, "expected the path of a .npy file") }),
  z.strictObject({
    scalar: z.union([z.number(), z.boolean(), z.enum(["NaN", "Infinity", "-Infinity"])]),
  }),
]);
const planSchema = z.strictObject({
  store: storeSchema,
  reads: z
    .record(
      z.string().min(1, "read names must not be empty"),
      z.strictObject({
        array: nodePathSchema,
        store: storeSchema.optional(),
        ops: z.array(opSchema),
      }),
    )
    .default({}),
  writes: z
    .array(
      z.strictObject({
        array: nodePathSchema,
        store: storeSchema.optional(),
        ops: z.array(opSchema),
        value: writeValueSchema,
      }),
    )
    .optional(),
  options: optionsSchema.optional(),
});

/**
 * Validates a plan file (an object, or JSON text).
 * @throws PlanFileError listing every offending member by JSON path (e.g. `reads.a.ops[0].get[1]`).
 */
export function parsePlanFile(json: unknown): PlanFile {
  let value = json;
  if (typeof json === "string") {
    try {
      value = JSON.parse(json);
    } catch (e) {
      throw new PlanFileError([{ path: "", message: `not valid JSON (${(e as Error).message})` }], {
        cause: e,
      });
    }
  }
  const r = planSchema.safeParse(value);
  if (!r.success) {
    throw new PlanFileError(
      r.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
    );
  }
  return r.data as PlanFile;
}

// ---------------------------------------------------------------------------------------------
// Selections ↔ JSON

function num(v: number | bigint, where: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) {
    throw new ZarrPlanError(
      "ERR_PLAN_NOT_SERIALIZABLE",
      `${where}: index ${String(v)} is not a safe integer and cannot be written to JSON`,
    );
  }
  return n;
}

/** An ndsel document with `bigint`s as plain JSON (numbers). @throws ZarrPlanError `ERR_PLAN_NOT_SERIALIZABLE` beyond 2^53. */
function ndselToPlain(v: unknown, where: string): unknown {
  if (typeof v === "bigint") return num(v, where);
  if (Array.isArray(v)) return v.map((x) => ndselToPlain(x, where));
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, ndselToPlain(x, where)]));
  }
  return v;
}

function ndToNested(a: NDArray, where: string): JsonItem {
  const bool = a.dtype.name === "bool";
  const d = a.data as unknown as ArrayLike<number | bigint>;
  const shape = a.shape;
  if (bool && shape.some((s) => s === 0)) {
    throw new ZarrPlanError(
      "ERR_PLAN_NOT_SERIALIZABLE",
      `${where}: an empty boolean array of shape [${shape}] reads back from JSON as an index array`,
    );
  }
  if (shape.slice(0, -1).some((s) => s === 0)) {
    throw new ZarrPlanError(
      "ERR_PLAN_NOT_SERIALIZABLE",
      `${where}: an index array of shape [${shape}] cannot be written as nested JSON lists`,
    );
  }
  const at = (dim: number, off: number): JsonItem => {
    if (dim === shape.length) {
      const v = d[off]!;
      return bool ? v !== 0 && v !== 0n : num(v, where);
    }
    const out: JsonItem[] = [];
    for (let i = 0; i < shape[dim]!; i++) out.push(at(dim + 1, off + i * a.strides[dim]!));
    return out as JsonNested;
  };
  return at(0, a.offset ?? 0);
}

function nestedToJSON(v: unknown, where: string): JsonItem {
  if (typeof v === "boolean") return v;
  if (typeof v === "number" || typeof v === "bigint") return num(v, where);
  if (ArrayBuffer.isView(v)) {
    return Array.from(v as unknown as ArrayLike<number | bigint>, (x) => num(x, where));
  }
  if (Array.isArray(v)) return v.map((x) => nestedToJSON(x, where)) as JsonNested;
  throw new ZarrPlanError("ERR_PLAN_NOT_SERIALIZABLE", `${where}: unsupported value ${String(v)}`);
}

function bound(v: number | bigint | null): string {
  return v === null ? "" : String(v);
}

/** A selection item as JSON (see the module comment). @throws ZarrPlanError `ERR_PLAN_NOT_SERIALIZABLE`. */
export function itemToJSON(item: SelectionItem | boolean, where = "selection"): JsonItem {
  if (item === null) return null;
  if (item === "...") return "...";
  if (typeof item === "boolean") return item;
  if (typeof item === "number" || typeof item === "bigint") return num(item, where);
  if (isNDArray(item)) return ndToNested(item, where);
  if (ArrayBuffer.isView(item) || Array.isArray(item)) return nestedToJSON(item, where);
  const k = (item as { kind?: unknown }).kind;
  if (k === "ellipsis") return "...";
  if (k === "newaxis") return null;
  if (k === "slice") {
    const s = item as Slice;
    return `${bound(s.start)}:${bound(s.stop)}${s.step === null ? "" : `:${s.step}`}`;
  }
  throw new ZarrPlanError(
    "ERR_PLAN_NOT_SERIALIZABLE",
    `${where}: unsupported item ${String(item)}`,
  );
}

function intText(t: string | undefined): number | bigint | null {
  if (t === undefined) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : BigInt(t);
}

/**
 * A JSON selection item as a selection item (inverse of {@link itemToJSON}).
 * @throws PlanFileError for a string that is neither `"..."` nor a slice, or lists nested deeper
 *   than 32 levels.
 */
export function itemFromJSON(v: JsonItem): SelectionItem {
  if (v === null) return newaxis;
  if (typeof v === "number") return v;
  if (typeof v === "boolean") return v as unknown as SelectionItem;
  if (typeof v === "string") {
    if (v.trim() === "...") return ellipsis;
    const m = SLICE_TEXT.exec(v);
    if (!m) throw new PlanFileError([{ path: "", message: `${ITEM_MESSAGE}, got "${v}"` }]);
    return slice(intText(m[1]), intText(m[2]), intText(m[3]));
  }
  if (deeperThan(v, MAX_NESTING)) {
    throw new PlanFileError([
      { path: "", message: `lists nested deeper than ${MAX_NESTING} levels` },
    ]);
  }
  return v as SelectionItem;
}

/** A recorded op as JSON. */
export function opToJSON(op: LazyOp, where: string): JsonOp {
  if (op.kind === "ndsel") {
    return {
      ndsel: ndselToPlain({ kind: "transform", ...op.ndsel }, `${where}.ndsel`) as JsonNdsel,
    };
  }
  const items = op.selection.map((it, i) => itemToJSON(it, `${where}.${op.kind}[${i}]`));
  switch (op.kind) {
    case "mask":
      return { mask: items[0] as boolean | JsonNested };
    case "get":
      return { get: items };
    case "oindex":
      return { oindex: items };
    case "vindex":
      return { vindex: items };
  }
}

/** True for the ops by dimension name or label (`isel`, `sel`). */
export function isNamedOp(
  op: JsonOp,
): op is Extract<JsonOp, { readonly isel: unknown } | { readonly sel: unknown }> {
  return "isel" in op || "sel" in op;
}

/** A JSON `isel` item as an `isel` item (slice strings become slices). */
export function iselItemFromJSON(v: JsonIselItem): number | Slice | readonly number[] {
  if (typeof v === "string") {
    const m = SLICE_TEXT.exec(v)!;
    return slice(intText(m[1]), intText(m[2]), intText(m[3]));
  }
  return v;
}

/** An `isel` item as JSON. @throws ZarrPlanError `ERR_PLAN_NOT_SERIALIZABLE`. */
export function iselItemToJSON(v: unknown, where: string): JsonIselItem {
  if (typeof v === "number" || typeof v === "bigint") return num(v, where);
  if ((v as Slice)?.kind === "slice") return itemToJSON(v as Slice, where) as string;
  if (Array.isArray(v) || ArrayBuffer.isView(v)) {
    return Array.from(v as ArrayLike<number | bigint>, (x) => num(x, where));
  }
  throw new ZarrPlanError(
    "ERR_PLAN_NOT_SERIALIZABLE",
    `${where}: unsupported isel item ${describeValue(v)}`,
  );
}

/** A label selector as JSON. @throws ZarrPlanError `ERR_PLAN_NOT_SERIALIZABLE` for bigints beyond 2^53. */
export function labelToJSON(v: unknown, where: string): JsonLabel {
  const one = (x: unknown): number | string => {
    if (typeof x === "string") return x;
    if (typeof x === "bigint") return num(x, where);
    if (typeof x === "number" && Number.isFinite(x)) return x;
    throw new ZarrPlanError(
      "ERR_PLAN_NOT_SERIALIZABLE",
      `${where}: unsupported label ${describeValue(x)}`,
    );
  };
  const k = (v as { kind?: unknown })?.kind;
  if (k === "labelSlice" || k === "slice") {
    const s = v as { start: unknown; stop: unknown };
    return {
      slice: [s.start === null ? null : one(s.start), s.stop === null ? null : one(s.stop)],
    };
  }
  if (Array.isArray(v)) return v.map(one);
  return one(v);
}

/** A JSON op as a recorded op. @throws PlanFileError for `isel` / `sel` (applied by the hierarchy). */
export function opFromJSON(op: JsonOp): LazyOp {
  if (isNamedOp(op)) {
    throw new PlanFileError([
      {
        path: "",
        message: "isel/sel ops are applied by name (planFromJSON / labelledPlanFromJSON)",
      },
    ]);
  }
  if ("ndsel" in op) return { kind: "ndsel", selection: [], ndsel: normalizeNdsel(op.ndsel) };
  if ("mask" in op) return { kind: "mask", selection: [itemFromJSON(op.mask)] };
  if ("get" in op) return { kind: "get", selection: op.get.map(itemFromJSON) };
  if ("oindex" in op) return { kind: "oindex", selection: op.oindex.map(itemFromJSON) };
  return { kind: "vindex", selection: op.vindex.map(itemFromJSON) };
}
