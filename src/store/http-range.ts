/**
 * HTTP byte ranges for `FetchStore`: the `Range` request header and the validation of `206`
 * (`Content-Range`) and `416` answers, per RFC 9110 §14 ("Range Requests").
 * @module
 */

import { StoreError } from "../core/errors.js";
import { resolveRange } from "./range.js";
import type { RangeQuery } from "./types.js";

/** A parsed `Content-Range` header: `bytes first-last/complete` or `bytes * /complete`. */
interface ContentRange {
  /** First and last byte positions (inclusive), absent for an unsatisfied range (`*`). */
  span: { first: number; last: number } | undefined;
  /** Complete length of the representation, `undefined` when the server sent `*`. */
  complete: number | undefined;
}

/** The `Range` header value of a non-empty range: `bytes=o-(o+len-1)` or `bytes=-n` (RFC 9110 §14.1.2). */
export function rangeHeader(range: RangeQuery): string {
  return "suffixLength" in range
    ? `bytes=-${range.suffixLength}`
    : `bytes=${range.offset}-${range.offset + range.length - 1}`;
}

/**
 * Checks a `206 Partial Content` answer to `range` (RFC 9110 §14.4, §15.3.7): `Content-Range`
 * must be present, be `bytes a-b/total` and select exactly the clamped range (for a suffix:
 * `b = total - 1` and `b - a + 1 = min(n, total)`), and the body must be `b - a + 1` bytes long.
 * @returns the length the body must have, `b - a + 1` (bytes).
 * @throws StoreError (not transient) naming `key` and explaining the mismatch.
 */
export function checkPartialContent(
  key: string,
  range: RangeQuery,
  header: string | null,
  bodyLength?: number,
): number {
  const parsed = header === null ? undefined : parseContentRange(header);
  const span = parsed?.span;
  if (parsed === undefined || span === undefined) {
    throw mismatch(
      key,
      range,
      header === null
        ? "the 206 answer has no Content-Range header (a cross-origin server must list it in Access-Control-Expose-Headers)"
        : `the 206 answer has an invalid Content-Range "${header}"`,
    );
  }
  const expected = expectedSpan(range, parsed.complete);
  if (expected === undefined) {
    throw mismatch(
      key,
      range,
      `Content-Range "${header}" has no complete length to place a suffix`,
    );
  }
  if (span.first !== expected.first || span.last !== expected.last) {
    const total = parsed.complete ?? "*";
    throw mismatch(
      key,
      range,
      `Content-Range "${header}" does not match the request (expected bytes ${expected.first}-${expected.last}/${total})`,
    );
  }
  const length = span.last - span.first + 1;
  if (bodyLength !== undefined && bodyLength !== length) {
    throw mismatch(
      key,
      range,
      `the body has ${bodyLength} bytes, Content-Range "${header}" announces ${length}`,
    );
  }
  return length;
}

/**
 * Checks a `416 Range Not Satisfiable` answer (RFC 9110 §15.5.17): acceptable only when the range
 * selects no bytes of the value, i.e. unless `Content-Range: bytes * /total` shows it would.
 * @throws StoreError (not transient) when the announced length makes the range satisfiable.
 */
export function checkNotSatisfiable(key: string, range: RangeQuery, header: string | null): void {
  const complete = header === null ? undefined : parseContentRange(header)?.complete;
  if (complete === undefined) return;
  const { start, end } = resolveRange(range, complete);
  if (end > start) {
    throw mismatch(key, range, `416 answer although the value has ${complete} bytes ("${header}")`);
  }
}

/** Parses `bytes a-b/total`, `bytes a-b/*` or `bytes * /total`; `undefined` when malformed. */
function parseContentRange(header: string): ContentRange | undefined {
  const match = /^\s*bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)\s*$/i.exec(header);
  if (match === null) return undefined;
  const [, first, last, total] = match;
  const complete = total === undefined || total === "*" ? undefined : Number(total);
  if (first === undefined || last === undefined) {
    return complete === undefined ? undefined : { span: undefined, complete };
  }
  const span = { first: Number(first), last: Number(last) };
  if (span.last < span.first || (complete !== undefined && span.last >= complete)) return undefined;
  return { span, complete };
}

/** The inclusive span a correct 206 answer to `range` has; `undefined` when unknowable. */
function expectedSpan(
  range: RangeQuery,
  complete: number | undefined,
): { first: number; last: number } | undefined {
  if (complete === undefined) {
    if ("suffixLength" in range) return undefined;
    return { first: range.offset, last: range.offset + range.length - 1 };
  }
  const { start, end } = resolveRange(range, complete);
  return { first: start, last: end - 1 };
}

function mismatch(key: string, range: RangeQuery, detail: string): StoreError {
  return new StoreError(
    `Invalid answer to the range request ${rangeHeader(range)} for "${key}": ${detail}`,
    { key, transient: false },
  );
}
