/**
 * JSON decoding and encoding of metadata documents.
 *
 * Decoding keeps 64-bit integer fill values exact: a `fill_value` that is an integer literal
 * outside the safe integer range (|n| > 2^53 - 1) is returned as a `bigint` instead of a rounded
 * `number`. Encoding writes `bigint`s as plain JSON integer literals.
 * @module
 */
import { MetadataError } from "../../core/errors.js";
import { isJsonObject, type JsonObject } from "./issues.js";

const INTEGER_LITERAL = /^-?\d+$/;
const NUMBER_TOKEN = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;
const MAYBE_UNSAFE_FILL = /"fill_value"[ \t\n\r]*:[ \t\n\r]*-?\d{16}/;

/**
 * Source text of every integer literal outside the safe integer range that is the value of a
 * `fill_value` member, grouped by the number it parses to, in document order.
 */
function unsafeFillLiterals(text: string): Map<number, string[]> {
  const out = new Map<number, string[]>();
  const skipWhitespace = (i: number) => {
    WHITESPACE.lastIndex = i;
    WHITESPACE.exec(text);
    return WHITESPACE.lastIndex;
  };
  let i = 0;
  while (i < text.length) {
    if (text.charCodeAt(i) !== 0x22 /* " */) {
      i++;
      continue;
    }
    const begin = ++i;
    while (i < text.length && text.charCodeAt(i) !== 0x22) {
      i += text.charCodeAt(i) === 0x5c /* \ */ ? 2 : 1;
    }
    const name = text.slice(begin, i++);
    if (name !== "fill_value") continue;
    let j = skipWhitespace(i);
    if (text[j] !== ":") continue;
    j = skipWhitespace(j + 1);
    NUMBER_TOKEN.lastIndex = j;
    const literal = NUMBER_TOKEN.exec(text)?.[0];
    if (literal === undefined || !INTEGER_LITERAL.test(literal)) continue;
    const value = Number(literal);
    if (Number.isSafeInteger(value)) continue;
    const list = out.get(value);
    if (list) list.push(literal);
    else out.set(value, [literal]);
    i = j + literal.length;
  }
  return out;
}

/**
 * Deepest nesting of arrays and objects a metadata document may have. `JSON.parse` itself
 * copes with any depth, but much of what consumes a document recurses (`JSON.stringify`, a
 * reviver, writing it back): a deeper document is rejected up front instead of overflowing the
 * stack later. (zarr-python cannot write documents nested much deeper than ~1000 either.)
 */
export const MAX_JSON_DEPTH = 512;

/**
 * The offset of the bracket that opens level `MAX_JSON_DEPTH + 1` of `text`, or -1 when the
 * text nests no deeper than {@link MAX_JSON_DEPTH} (strings are skipped; malformed text is left
 * to the parser).
 */
function tooDeepAt(text: string): number {
  if (text.length <= MAX_JSON_DEPTH) return -1;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > MAX_JSON_DEPTH) return i;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return -1;
}

/**
 * Parses JSON text; `fill_value` members that are integer literals beyond the safe integer
 * range become `bigint`s so int64/uint64 fill values stay exact.
 * Uses the reviver's `context.source` where the runtime has it (Node ≥ 21, current browsers),
 * otherwise a scan of `text` for such `fill_value` literals.
 * @throws SyntaxError for malformed JSON.
 */
function parseJsonText(text: string): unknown {
  // A reviver makes JSON.parse several times slower: use it only when some fill_value is an
  // integer literal of 16+ digits (every unsafe integer has at least 16).
  if (!MAYBE_UNSAFE_FILL.test(text)) return JSON.parse(text);
  let literals: Map<number, string[]> | undefined;
  return JSON.parse(
    text,
    function reviver(
      this: unknown,
      name: string,
      value: unknown,
      context?: { source?: string },
    ): unknown {
      if (
        name !== "fill_value" ||
        typeof value !== "number" ||
        !Number.isInteger(value) ||
        Number.isSafeInteger(value)
      ) {
        return value;
      }
      let source = context?.source;
      if (source === undefined) {
        literals ??= unsafeFillLiterals(text);
        source = literals.get(value)?.shift();
      }
      return source !== undefined && INTEGER_LITERAL.test(source) ? BigInt(source) : value;
    },
  );
}

/**
 * Decodes a metadata document: `Uint8Array`/`ArrayBuffer` (UTF-8 JSON) or a string is parsed
 * as JSON; anything else is returned as is (an already parsed document).
 * @param key - store key of the document, used in errors.
 * @throws MetadataError when the bytes are not UTF-8 or not valid JSON (the message carries
 *   the JSON parser's message), or nest arrays and objects deeper than {@link MAX_JSON_DEPTH}.
 */
export function decodeJsonDocument(doc: unknown, key: string): unknown {
  let text: string;
  if (doc instanceof Uint8Array || doc instanceof ArrayBuffer) {
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(doc);
    } catch (cause) {
      throw new MetadataError(key, [{ field: "", message: "document is not valid UTF-8" }], {
        cause,
      });
    }
  } else if (typeof doc === "string") {
    text = doc;
  } else {
    return doc;
  }
  const deep = tooDeepAt(text);
  if (deep >= 0) {
    throw new MetadataError(
      key,
      [
        {
          field: "",
          message: `arrays and objects nested deeper than ${MAX_JSON_DEPTH} levels (at offset ${deep})`,
        },
      ],
      { summary: "Malformed metadata document" },
    );
  }
  try {
    return parseJsonText(text);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new MetadataError(key, [{ field: "", message: `malformed JSON: ${message}` }], {
      cause,
      summary: "Malformed metadata document",
    });
  }
}

/**
 * Decodes a document with {@link decodeJsonDocument} and checks that it is a JSON object.
 * @throws MetadataError for malformed JSON or a document that is not an object.
 */
export function decodeJsonObject(doc: unknown, key: string): JsonObject {
  const value = decodeJsonDocument(doc, key);
  if (!isJsonObject(value)) {
    throw new MetadataError(key, [
      {
        field: "",
        message: `expected a JSON object, got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}`,
      },
    ]);
  }
  return value;
}

function stringify(value: unknown, indent: string, seen: Set<object>): string | undefined {
  if (value !== null && typeof value === "object" && "toJSON" in value) {
    const toJSON = (value as { toJSON: unknown }).toJSON;
    if (typeof toJSON === "function") value = toJSON.call(value);
  }
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) return "null";
      // "-0.0", not "-0": Python's json and tensorstore read "-0" as the integer 0.
      return Object.is(value, -0) ? "-0.0" : String(value);
    case "bigint":
      return value.toString();
    case "boolean":
      return value ? "true" : "false";
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
  }
  if (value === null) return "null";
  const obj = value as object;
  if (seen.has(obj)) throw new TypeError("encodeJson: circular structure");
  seen.add(obj);
  const inner = `${indent}  `;
  let out: string;
  if (Array.isArray(obj)) {
    const items = obj.map((v) => stringify(v, inner, seen) ?? "null");
    out = items.length === 0 ? "[]" : `[\n${inner}${items.join(`,\n${inner}`)}\n${indent}]`;
  } else {
    const members: string[] = [];
    for (const [k, v] of Object.entries(obj)) {
      const s = stringify(v, inner, seen);
      if (s !== undefined) members.push(`${JSON.stringify(k)}: ${s}`);
    }
    out = members.length === 0 ? "{}" : `{\n${inner}${members.join(`,\n${inner}`)}\n${indent}}`;
  }
  seen.delete(obj);
  return out;
}

/**
 * Serialises a value as JSON text with 2-space indentation, like `JSON.stringify(v, null, 2)`
 * except that `bigint`s are written as integer literals and `-0` as `-0.0` (a float literal
 * Python and tensorstore read as negative zero).
 * Non-finite numbers become `null` (as with `JSON.stringify`); metadata writers encode them as
 * strings beforehand.
 * @throws TypeError for circular structures.
 */
export function stringifyJson(value: unknown): string {
  return stringify(value, "", new Set()) ?? "null";
}

/**
 * Encodes a metadata document as UTF-8 JSON bytes (2-space indent, `bigint`-safe); see
 * {@link stringifyJson}.
 * @throws TypeError for circular structures.
 */
export function encodeJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(stringifyJson(value));
}
