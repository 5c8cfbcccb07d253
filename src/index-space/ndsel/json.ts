/**
 * Exact JSON for ndsel documents: integers are read as `bigint` (ndsel integers are signed 64-bit
 * and must be exact; `JSON.parse` rounds above 2^53), and written back digit for digit.
 * RFC 8259 grammar; numbers with a fraction or an exponent are read as `number`.
 * @module
 */
import { NdselError } from "../../core/errors.js";

/** Longest ndsel JSON text read (characters). */
export const MAX_NDSEL_TEXT = 64 * 1024 * 1024;
/** Deepest nesting of arrays and objects read. */
export const MAX_NDSEL_DEPTH = 64;

/** A JSON value with exact integers. */
export type ExactJson =
  | null
  | boolean
  | string
  | bigint
  | number
  | readonly ExactJson[]
  | { readonly [key: string]: ExactJson };

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const SPACE = /[ \t\n\r]*/y;

function fail(message: string, at: number): never {
  throw new NdselError("invalid_json", `${message} at character ${at}`, { value: at });
}

/**
 * Parses JSON text with exact integers (`bigint`).
 * With `integersOnly`, a number with a fraction or an exponent (`1.0`, `1e3`) is refused.
 * @throws NdselError (`invalid_json`) for text that is not JSON, longer than
 * {@link MAX_NDSEL_TEXT}, nested deeper than {@link MAX_NDSEL_DEPTH}, or with a duplicate key.
 */
export function parseExactJson(text: string, integersOnly = false): ExactJson {
  if (text.length > MAX_NDSEL_TEXT) {
    fail(`text longer than ${MAX_NDSEL_TEXT} characters`, MAX_NDSEL_TEXT);
  }
  let pos = 0;
  const space = () => {
    SPACE.lastIndex = pos;
    SPACE.exec(text);
    pos = SPACE.lastIndex;
  };
  const value = (depth: number): ExactJson => {
    if (depth > MAX_NDSEL_DEPTH) fail(`nested deeper than ${MAX_NDSEL_DEPTH}`, pos);
    space();
    const c = text[pos];
    if (c === "{") {
      pos++;
      const out: Record<string, ExactJson> = Object.create(null);
      space();
      if (text[pos] === "}") {
        pos++;
        return { ...out };
      }
      for (;;) {
        space();
        const key = string();
        if (Object.hasOwn(out, key)) fail(`duplicate key ${JSON.stringify(key)}`, pos);
        space();
        if (text[pos] !== ":") fail("expected ':'", pos);
        pos++;
        out[key] = value(depth + 1);
        space();
        if (text[pos] === ",") pos++;
        else if (text[pos] === "}") {
          pos++;
          return { ...out };
        } else fail("expected ',' or '}'", pos);
      }
    }
    if (c === "[") {
      pos++;
      const out: ExactJson[] = [];
      space();
      if (text[pos] === "]") {
        pos++;
        return out;
      }
      for (;;) {
        out.push(value(depth + 1));
        space();
        if (text[pos] === ",") pos++;
        else if (text[pos] === "]") {
          pos++;
          return out;
        } else fail("expected ',' or ']'", pos);
      }
    }
    if (c === '"') return string();
    for (const [word, v] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return v;
      }
    }
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (!m) fail("expected a JSON value", pos);
    if (integersOnly && (m[1] !== undefined || m[2] !== undefined)) {
      fail(`expected an integer, got ${m[0]}`, pos);
    }
    pos = NUMBER.lastIndex;
    return m[1] === undefined && m[2] === undefined ? BigInt(m[0]) : Number(m[0]);
  };
  const string = (): string => {
    STRING.lastIndex = pos;
    const m = STRING.exec(text);
    if (!m) fail("expected a string", pos);
    const at = pos;
    pos = STRING.lastIndex;
    try {
      return JSON.parse(m[0]) as string; // rejects raw control characters
    } catch {
      return fail("invalid string", at);
    }
  };
  const out = value(0);
  space();
  if (pos !== text.length) fail("unexpected text after the JSON value", pos);
  return out;
}

/**
 * JSON text of a value whose integers may be `bigint` (written exactly); keys in insertion order,
 * or sorted when `sortKeys` (a canonical form for comparisons).
 * @throws NdselError (`invalid_json`) for a non-finite number or a value JSON cannot hold.
 */
export function stringifyExactJson(value: unknown, sortKeys = false): string {
  const write = (v: unknown): string => {
    if (v === null) return "null";
    if (typeof v === "bigint") return v.toString();
    if (typeof v === "number") {
      if (!Number.isFinite(v)) fail(`non-finite number ${v}`, 0);
      return JSON.stringify(v);
    }
    if (typeof v === "boolean" || typeof v === "string") return JSON.stringify(v);
    if (Array.isArray(v)) return `[${v.map(write).join(",")}]`;
    if (typeof v === "object") {
      const keys = Object.keys(v as object);
      if (sortKeys) keys.sort();
      const rec = v as Record<string, unknown>;
      return `{${keys
        .filter((k) => rec[k] !== undefined)
        .map((k) => `${JSON.stringify(k)}:${write(rec[k])}`)
        .join(",")}}`;
    }
    return fail(`a ${typeof v} cannot be written as JSON`, 0);
  };
  return write(value);
}
