/**
 * Collecting every offending field of a metadata document before failing, so that a
 * {@link MetadataError} lists them all at once instead of stopping at the first.
 * @module
 */
import type { ZodType } from "zod";
import { MetadataError, type MetadataIssue, type OptionIssue } from "../../core/errors.js";

/** One step of a JSON path: an object member name or an array index. */
export type PathSegment = string | number;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Formats a JSON path the way {@link MetadataIssue.field} spells it:
 * `["chunk_grid", "configuration", "chunk_shape", 1]` → `"chunk_grid.configuration.chunk_shape[1]"`.
 * Member names that are not identifiers are bracketed and quoted (`metadata["a/.zarray"]`).
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (typeof seg === "string" && IDENTIFIER.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

/**
 * A zod schema with a cheap test of its common valid case: {@link IssueList.check} returns a value
 * that passes `accepts` as it is, and asks zod only otherwise (for its messages). `accepts` must
 * pass only values the schema accepts unchanged (no defaults, no transforms; zod's copy of an
 * object or array is equal to the value). Zod's parse costs microseconds per call in a process
 * whose code is not compiled yet, and opening 100 arrays makes about 900 of them.
 */
export interface GuardedSchema<T> {
  readonly schema: ZodType<T>;
  readonly accepts: (value: unknown) => boolean;
}

/** Pairs `schema` with `accepts` (see {@link GuardedSchema}). */
export function guarded<T>(
  schema: ZodType<T>,
  accepts: (value: unknown) => boolean,
): GuardedSchema<T> {
  return { schema, accepts };
}

/** A JSON object as produced by `JSON.parse`. */
export type JsonObject = Record<string, unknown>;

/**
 * Whether `v` is a plain object (prototype `Object.prototype` or `null`), as `JSON.parse` makes
 * and as zod's `z.record` requires.
 */
export function isPlainObject(v: unknown): v is JsonObject {
  if (typeof v !== "object" || v === null) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Whether `v` is a plain JSON object (not `null`, not an array, not a typed array). */
export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

/** Accumulates {@link MetadataIssue}s while a document is validated. */
export class IssueList {
  readonly issues: MetadataIssue[] = [];

  /** Records one issue at `path`. */
  add(path: readonly PropertyKey[], message: string): void {
    this.issues.push({ field: formatPath(path), message });
  }

  /** True when no issue was recorded. */
  get ok(): boolean {
    return this.issues.length === 0;
  }

  /**
   * Validates `value` with a zod schema; returns the parsed value, or `undefined` after
   * recording every zod issue (paths prefixed with `path`).
   */
  check<T>(
    value: unknown,
    schema: ZodType<T> | GuardedSchema<T>,
    path: readonly PropertyKey[],
  ): T | undefined {
    return this.#check(value, schema, path, undefined);
  }

  /** {@link check} at `path` + `name` (when given), the path built only for an issue. */
  #check<T>(
    value: unknown,
    schema: ZodType<T> | GuardedSchema<T>,
    path: readonly PropertyKey[],
    name: string | undefined,
  ): T | undefined {
    let zod: ZodType<T>;
    if ("accepts" in schema) {
      if (schema.accepts(value)) return value as T;
      zod = schema.schema;
    } else zod = schema;
    const result = zod.safeParse(value);
    if (result.success) return result.data;
    const base = name === undefined ? path : [...path, name];
    for (const issue of result.error.issues) {
      this.add([...base, ...issue.path], issue.message);
    }
    return undefined;
  }

  /**
   * Validates member `name` of `obj` with `schema`. A missing member is an issue when
   * `required`, otherwise yields `undefined` silently.
   */
  field<T>(
    obj: JsonObject,
    name: string,
    schema: ZodType<T> | GuardedSchema<T>,
    required: boolean,
    path: readonly PropertyKey[] = [],
  ): T | undefined {
    if (!Object.hasOwn(obj, name)) {
      if (required) this.add([...path, name], "required field is missing");
      return undefined;
    }
    return this.#check(obj[name], schema, path, name);
  }

  /** Throws a {@link MetadataError} for `key` listing every recorded issue, if there is any. */
  throwIfAny(key: string): void {
    if (!this.ok) throw new MetadataError(key, this.issues);
  }
}

/** The member of `value` at `path` (`undefined` when a step is missing). */
function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const seg of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

/**
 * Validates an options object with a zod schema: every offending option as an {@link OptionIssue}
 * (`option` the formatted path, e.g. `"retry.retries"`, `value` the value given; for an
 * unknown option its name and value), or `[]` when `value` is valid.
 */
export function optionIssues(value: unknown, schema: ZodType): OptionIssue[] {
  const result = schema.safeParse(value);
  if (result.success) return [];
  const out: OptionIssue[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const k of issue.keys) {
        const path = [...issue.path, k];
        out.push({
          option: formatPath(path),
          message: "unknown option",
          value: valueAt(value, path),
        });
      }
    } else {
      out.push({
        option: formatPath(issue.path) || "(options)",
        message: issue.message,
        value: valueAt(value, issue.path),
      });
    }
  }
  return out;
}
