/**
 * Typed errors of zarr-plan. Every error names what it is about: the store key,
 * the array path, the codec or the offending value, so a user can act on the message.
 *
 * This module depends on nothing but `dtype.ts` (types): every layer (store, format, plan, exec) may
 * import it.
 * @module
 */
import type { DataTypeName } from "./dtype.js";

/**
 * Every error code zarr-plan uses, in the order of `docs/errors.md`'s table (which says which class
 * carries each code and when it is thrown).
 */
export const ZARR_PLAN_ERROR_CODES = Object.freeze([
  "ERR_STORE",
  "ERR_UNAUTHORIZED",
  "ERR_STORE_VALUE",
  "ERR_ABORTED",
  "ERR_NODE_NOT_FOUND",
  "ERR_NODE_EXISTS",
  "ERR_NOT_LISTABLE",
  "ERR_READ_ONLY",
  "ERR_UNSUPPORTED",
  "ERR_METADATA",
  "ERR_UNKNOWN_CODEC",
  "ERR_UNSUPPORTED_DATA_TYPE",
  "ERR_DTYPE",
  "ERR_CODEC",
  "ERR_CHECKSUM",
  "ERR_CHUNK_SHAPE",
  "ERR_FILL_VALUE",
  "ERR_VALUE",
  "ERR_WRITE",
  "ERR_WRITE_CONFLICT",
  "ERR_INDEX",
  "ERR_PLAN",
  "ERR_PLAN_FILE",
  "ERR_PLAN_NOT_SERIALIZABLE",
  "ERR_PLAN_DONE",
  "ERR_WORKER",
  "ERR_TOO_LARGE",
  "ERR_CONTEXT_CLOSED",
  // Hostile-input validation (wt-valid):
  "ERR_PATH",
  "ERR_OPTIONS",
  "ERR_TREE_DEPTH",
  // Labelled selections (isel / sel):
  "ERR_DIMENSION",
  "ERR_LABEL",
  // ndsel selection documents (zarr-indexing wire format):
  "ERR_NDSEL",
  // The slice service (zarr-plan/serve):
  "ERR_REQUEST",
  "ERR_BUSY",
  "ERR_TIMEOUT",
  // Plan partitions on BullMQ workers (zarr-plan/distribute):
  "ERR_QUEUE",
] as const);

/** A stable machine-readable error code: one of {@link ZARR_PLAN_ERROR_CODES}. */
export type ZarrPlanErrorCode = (typeof ZARR_PLAN_ERROR_CODES)[number];

/** Base class of every error zarr-plan throws on purpose. `code` is stable and machine-readable. */
export class ZarrPlanError extends Error {
  /** Stable machine-readable error code, e.g. `"ERR_STORE"` (see {@link ZarrPlanErrorCode}). */
  readonly code: ZarrPlanErrorCode;
  constructor(code: ZarrPlanErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * True when `e` is a {@link ZarrPlanError} and, when `code` is given, has that code; narrows
 * `e.code` to the literal:
 *
 * ```ts
 * catch (e) { if (isZarrPlanError(e, "ERR_NODE_NOT_FOUND")) console.log(e.code, e.message); }
 * ```
 * For the fields of a subclass (`key`, `path`, `issues`…) test `instanceof` that class.
 */
export function isZarrPlanError<C extends ZarrPlanErrorCode = ZarrPlanErrorCode>(
  e: unknown,
  code?: C,
): e is ZarrPlanError & { readonly code: C } {
  return e instanceof ZarrPlanError && (code === undefined || e.code === code);
}

/**
 * A store could not serve or accept a key: an HTTP status other than 2xx and the missing statuses (404, 410), a network
 * failure, an invalid answer to a range request, or a filesystem error.
 * `transient` is true for failures worth retrying (HTTP 5xx/429, network errors, timeouts).
 */
export class StoreError extends ZarrPlanError {
  readonly key: string;
  readonly status: number | undefined;
  readonly transient: boolean;
  /**
   * How long the server asked the client to wait before retrying (HTTP `Retry-After` of a 429 or
   * 503, RFC 9110 §10.2.3), in ms; `undefined` when it did not say.
   */
  readonly retryAfterMs: number | undefined;
  constructor(
    message: string,
    details: {
      key: string;
      status?: number;
      transient?: boolean;
      retryAfterMs?: number;
      cause?: unknown;
    },
  ) {
    super("ERR_STORE", message, { cause: details.cause });
    this.key = details.key;
    this.status = details.status;
    this.transient = details.transient ?? false;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** The operation was aborted through an `AbortSignal` (or by unsubscribing). */
export class AbortError extends ZarrPlanError {
  readonly key: string | undefined;
  constructor(message = "The operation was aborted", key?: string, options?: { cause?: unknown }) {
    super("ERR_ABORTED", message, options);
    this.key = key;
  }
}

/** No node (array or group) exists at a path. */
export class NodeNotFoundError extends ZarrPlanError {
  readonly path: string;
  constructor(path: string, message?: string) {
    super("ERR_NODE_NOT_FOUND", message ?? `No Zarr array or group at path "${path}"`);
    this.path = path;
  }
}

/** One offending field of a metadata document. */
export interface MetadataIssue {
  /** JSON path of the field, e.g. `"codecs[1].configuration.level"`. */
  field: string;
  /** What is wrong with it. */
  message: string;
}

/**
 * A metadata document (`zarr.json`, `.zarray`, `.zgroup`, `.zattrs`, `.zmetadata`) is not valid JSON,
 * violates the Zarr v2/v3 schema, or asks for something zarr-plan does not support.
 * `issues` lists every offending field.
 */
export class MetadataError extends ZarrPlanError {
  readonly key: string;
  readonly issues: readonly MetadataIssue[];
  constructor(
    key: string,
    issues: readonly MetadataIssue[],
    options?: { cause?: unknown; code?: ZarrPlanErrorCode; summary?: string },
  ) {
    const detail = issues.map((i) => `${i.field ? `${i.field}: ` : ""}${i.message}`).join("; ");
    super(
      options?.code ?? "ERR_METADATA",
      `${options?.summary ?? "Invalid metadata"} in "${key}": ${detail}`,
      options,
    );
    this.key = key;
    this.issues = issues;
  }
}

/**
 * A codec named in metadata is not in the codec registry; `reason`, when given, says why a
 * known codec is not supported (e.g. no maintained JavaScript decoder exists).
 */
export class UnknownCodecError extends MetadataError {
  readonly codec: string;
  /** Why a known codec is not supported; `undefined` for names zarr-plan does not know. */
  readonly reason: string | undefined;
  constructor(key: string, codec: string, field = "codecs", reason?: string) {
    const message = reason
      ? `codec "${codec}" is not supported: ${reason}`
      : `unknown codec "${codec}"`;
    super(key, [{ field, message }], {
      code: "ERR_UNKNOWN_CODEC",
      summary: reason ? "Unsupported codec" : "Unknown codec",
    });
    this.codec = codec;
    this.reason = reason;
  }
}

/** A data type named in metadata is not supported. */
export class UnsupportedDataTypeError extends MetadataError {
  readonly dataType: string;
  constructor(key: string, dataType: string, field = "data_type", reason?: string) {
    const why = reason ? `: ${reason}` : "";
    super(key, [{ field, message: `unsupported data type ${JSON.stringify(dataType)}${why}` }], {
      code: "ERR_UNSUPPORTED_DATA_TYPE",
      summary: "Unsupported data type",
    });
    this.dataType = dataType;
  }
}

/** A chunk's bytes could not be decoded (corrupt, truncated) or encoded by a codec. */
export class CodecError extends ZarrPlanError {
  readonly key: string;
  readonly codec: string;
  constructor(
    message: string,
    details: { key: string; codec: string; cause?: unknown },
    code: ZarrPlanErrorCode = "ERR_CODEC",
  ) {
    super(code, `${details.codec} codec failed on "${details.key}": ${message}`, {
      cause: details.cause,
    });
    this.key = details.key;
    this.codec = details.codec;
  }
}

/** A `crc32c` checksum did not match the data it protects. */
export class ChecksumError extends CodecError {
  readonly expected: number;
  readonly actual: number;
  constructor(details: { key: string; codec?: string; expected: number; actual: number }) {
    super(
      `checksum mismatch (stored 0x${details.expected.toString(16).padStart(8, "0")}, computed 0x${details.actual
        .toString(16)
        .padStart(8, "0")})`,
      { key: details.key, codec: details.codec ?? "crc32c" },
      "ERR_CHECKSUM",
    );
    this.expected = details.expected;
    this.actual = details.actual;
  }
}

/**
 * A selection is invalid for the array it is applied to: an index out of bounds, step 0,
 * a non-integer index, too many indices, a mask of the wrong shape, more than one ellipsis.
 * Raised at selection time, before any IO. Follows NumPy's `IndexError` semantics.
 */
export class IndexError extends ZarrPlanError {
  readonly path: string;
  readonly dimension: number | undefined;
  readonly value: unknown;
  constructor(message: string, details: { path: string; dimension?: number; value?: unknown }) {
    super("ERR_INDEX", `${details.path ? `array "${details.path}": ` : ""}${message}`);
    this.path = details.path;
    this.dimension = details.dimension;
    this.value = details.value;
  }
}

/**
 * A selection by dimension name (`isel`, `sel`) names a dimension the view does not have, or the
 * array has no usable dimension names (v3 `dimension_names`, v2 `_ARRAY_DIMENSIONS`). Raised
 * before any IO; names the array path, the unknown dimension and the dimensions there are.
 */
export class DimensionError extends ZarrPlanError {
  /** Node path of the array. */
  readonly path: string;
  /** The dimension name asked for. */
  readonly dimension: string;
  /** The view's dimension names (`null` for an unnamed dimension). */
  readonly dims: readonly (string | null)[];
  constructor(
    message: string,
    details: { path: string; dimension: string; dims: readonly (string | null)[] },
  ) {
    super("ERR_DIMENSION", `array "${details.path}": ${message}`);
    this.path = details.path;
    this.dimension = details.dimension;
    this.dims = details.dims;
  }
}

/**
 * A label selection (`sel`) cannot be resolved against a coordinate: a label that is not in the
 * coordinate (exact matching, like xarray's `KeyError`), nearer than `tolerance` to no value, a
 * coordinate that is not monotonic, a time label that is not an ISO date, or time `units` /
 * `calendar` that are not supported. Names the coordinate (dimension), the label and the array path.
 */
export class LabelError extends ZarrPlanError {
  /** Node path of the coordinate array (or the data array when there is no coordinate). */
  readonly path: string;
  /** The dimension whose coordinate was searched. */
  readonly dimension: string;
  /** The offending label. */
  readonly label: unknown;
  constructor(message: string, details: { path: string; dimension: string; label?: unknown }) {
    super(
      "ERR_LABEL",
      `${details.path ? `coordinate "${details.path}" of ` : ""}dimension "${details.dimension}": ${message}`,
    );
    this.path = details.path;
    this.dimension = details.dimension;
    this.label = details.label;
  }
}

/**
 * An array does not have the data type the caller asked for (`openArray(store, path, { dtype })`,
 * `group.openArray(path, { dtype })`). Names the array path, the expected and the actual data type.
 */
export class DataTypeMismatchError extends ZarrPlanError {
  /** Node path of the array. */
  readonly path: string;
  /** The data type name asked for. */
  readonly expected: DataTypeName;
  /** The array's data type name. */
  readonly actual: DataTypeName;
  constructor(path: string, expected: DataTypeName, actual: DataTypeName) {
    super("ERR_DTYPE", `array "${path}" has data type ${actual}, not ${expected}`);
    this.path = path;
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * A node path is not valid: not a string, or with a `.` or `..` segment (zarr-plan never resolves
 * them: a path names a node inside the store, it does not navigate). Thrown by `open`,
 * `openArray`, `openGroup`, `createArray`, `createGroup`, `deleteNode` and `group.open`.
 */
export class InvalidPathError extends ZarrPlanError {
  /** The path as given. */
  readonly path: unknown;
  constructor(path: unknown, reason: string) {
    super(
      "ERR_PATH",
      `invalid node path ${typeof path === "string" ? JSON.stringify(path) : String(path)}: ${reason}`,
    );
    this.path = path;
  }
}

/** One offending option of an {@link OptionsError}. */
export interface OptionIssue {
  /** The option, as a path into the options object (e.g. `"shape[1]"`, `"retry.retries"`). */
  readonly option: string;
  /** What is wrong with it. */
  readonly message: string;
  /** The value given. */
  readonly value: unknown;
}

/** A short rendering of an option value for messages (bounded in length and depth). */
function describeOption(v: unknown, depth = 0): string {
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v !== "object" || v === null) return String(v);
  if (depth > 1) return Array.isArray(v) ? "[…]" : "{…}";
  if (Array.isArray(v)) {
    const items = v.slice(0, 8).map((x) => describeOption(x, depth + 1));
    return `[${items.join(", ")}${v.length > 8 ? ", …" : ""}]`;
  }
  const name = (v as { constructor?: { name?: string } }).constructor?.name;
  return name && name !== "Object" ? `a ${name}` : "an object";
}

/**
 * The options of a call are invalid: a wrong type, a number out of range or not an integer, an
 * unknown option, options that contradict each other. Raised before anything is read or written
 * (`createArray`, `createGroup`, `plan()`, `read` / `stream` / `resolve`, `group.tree`). `call`
 * names the call; `issues` lists every offending option with the value given.
 */
export class OptionsError extends ZarrPlanError {
  /** The call whose options are invalid, e.g. `"createArray"`, `"plan"`, `"read"`. */
  readonly call: string;
  readonly issues: readonly OptionIssue[];
  constructor(call: string, issues: readonly OptionIssue[]) {
    super(
      "ERR_OPTIONS",
      `Invalid options of ${call}: ${issues.map((i) => `${i.option}: ${i.message} (got ${describeOption(i.value)})`).join("; ")}`,
    );
    this.call = call;
    this.issues = issues;
  }
}

/**
 * A region write (`ZarrArray.write`) kept losing the race for one chunk to concurrent writers: each
 * time it stored its read-modify-write of the chunk conditionally (`setIf` / `deleteIf`), the chunk
 * had changed since it was read, `attempts` times in a row. Nothing of this chunk was stored by the
 * write (chunks it stored before stay). Names the array path and the chunk's store key. Also
 * thrown by a metadata update (`updateAttributes`, `resize`, `append`) whose document another
 * writer changed before each of its tries ({@link WriteConflictError.what} `"metadata document"`;
 * the document is then not updated).
 */
export class WriteConflictError extends ZarrPlanError {
  /** Node path of the array (or group, for a metadata document). */
  readonly path: string;
  /** Store key of the contended chunk (shard, when sharded) or metadata document. */
  readonly key: string;
  /** Conditional writes tried, each followed by a fresh read and merge. */
  readonly attempts: number;
  /**
   * What the key holds: `"chunk"` (a region write) or `"metadata document"` (`updateAttributes`,
   * `resize`: `zarr.json`, `.zarray`, `.zattrs`).
   */
  readonly what: "chunk" | "metadata document";
  constructor(details: {
    path: string;
    key: string;
    attempts: number;
    what?: "chunk" | "metadata document";
  }) {
    const what = details.what ?? "chunk";
    super(
      "ERR_WRITE_CONFLICT",
      what === "chunk"
        ? `array "${details.path}": chunk "${details.key}" was changed by another writer each of ${details.attempts} times this write tried to store it; this chunk was not written`
        : `node "${details.path}": metadata document "${details.key}" was changed by another writer each of ${details.attempts} times this update tried to store it; it was not updated`,
    );
    this.path = details.path;
    this.key = details.key;
    this.attempts = details.attempts;
    this.what = what;
  }
}

/** Throws an {@link AbortError} when `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, key?: string): void {
  if (signal?.aborted) {
    throw new AbortError(
      key === undefined ? "The operation was aborted" : `Aborted while reading "${key}"`,
      key,
      { cause: signal.reason },
    );
  }
}

/**
 * A server refused a read for lack of valid credentials: HTTP `401 Unauthorized` (RFC 9110
 * §15.5.2) or `403 Forbidden` (RFC 9110 §15.5.4). Code `ERR_UNAUTHORIZED`; `status` is 401 or 403;
 * never `transient` (the same credentials fail again). The message names the key and the URL
 * (without its query string, which may hold a token). `FetchStore` raises it unless its
 * `missingStatuses` option makes the status mean "missing".
 */
export class AuthorizationError extends StoreError {
  /** Always `"ERR_UNAUTHORIZED"`. */
  override readonly code = "ERR_UNAUTHORIZED" as const;
  constructor(message: string, details: { key: string; status: 401 | 403; cause?: unknown }) {
    super(message, { ...details, transient: false });
  }
}

/**
 * Why an ndsel document was refused: the reason codes of the ndsel 1.0 draft spec and its
 * conformance corpus (`invalid_json` … `output_map_conflict`), plus `not_applicable` for a valid
 * document that cannot be applied to an array here (an infinite bound that the array's shape does
 * not resolve, an index array whose shape does not match the domain, a value beyond 2^53).
 */
export type NdselReason =
  | "invalid_json"
  | "bounds_out_of_order"
  | "unknown_field"
  | "multiple_upper_bounds"
  | "rank_mismatch"
  | "step_zero"
  | "unknown_kind"
  | "output_map_conflict"
  | "not_applicable";

/**
 * An ndsel selection document (zarr-indexing's wire format, derived from TensorStore's
 * `IndexTransform` JSON) is invalid, or cannot be applied to the array. `reason` is the spec's
 * reason code; `member` the JSON path of the offending member (`""` for the document); `path` the
 * array path when applying.
 */
export class NdselError extends ZarrPlanError {
  readonly reason: NdselReason;
  readonly member: string;
  readonly path: string;
  readonly value: unknown;
  /** The message without the array path and member prefix. */
  readonly detail: string;
  constructor(
    reason: NdselReason,
    message: string,
    details: { member?: string; path?: string; value?: unknown; cause?: unknown } = {},
  ) {
    const where = `${details.path ? `array "${details.path}": ` : ""}ndsel${details.member ? ` ${details.member}` : ""}`;
    super("ERR_NDSEL", `${where}: ${message} (${reason})`, { cause: details.cause });
    this.reason = reason;
    this.member = details.member ?? "";
    this.path = details.path ?? "";
    this.value = details.value;
    this.detail = message;
  }

  /** The same error naming the array `path`. */
  at(path: string): NdselError {
    return new NdselError(this.reason, this.detail, {
      member: this.member,
      path,
      value: this.value,
      cause: this,
    });
  }
}
