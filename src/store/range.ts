/**
 * Byte ranges ({@link RangeQuery}): validation and clamping to a value's size, with the
 * semantics of HTTP byte ranges (RFC 9110 §14.1.2): a range past the end is clamped, a suffix
 * longer than the value selects the whole value.
 * @module
 */

import type { RangeQuery } from "./types.js";

/** A resolved byte span `[start, end)` of a value. Units: bytes. */
export interface ByteSpan {
  start: number;
  end: number;
}

/**
 * Throws a `RangeError` naming `key` unless `range` is `{offset, length}` or `{suffixLength}`
 * with non-negative safe integers (and `offset + length` a safe integer).
 */
export function assertRange(range: RangeQuery, key: string): void {
  const ok =
    typeof range === "object" &&
    range !== null &&
    ("suffixLength" in range
      ? isCount(range.suffixLength)
      : isCount(range.offset) && isCount(range.length) && isCount(range.offset + range.length));
  if (!ok) {
    throw new RangeError(
      `Invalid byte range ${JSON.stringify(range)} for "${key}": expected {offset, length} or {suffixLength} with non-negative integers`,
    );
  }
}

/** True when `range` selects no bytes whatever the value's size. */
export function isEmptyRange(range: RangeQuery): boolean {
  return "suffixLength" in range ? range.suffixLength === 0 : range.length === 0;
}

/** The span `range` selects in a value of `size` bytes, clamped to `[0, size]`. */
export function resolveRange(range: RangeQuery, size: number): ByteSpan {
  if ("suffixLength" in range) return { start: Math.max(0, size - range.suffixLength), end: size };
  const start = Math.min(range.offset, size);
  return { start, end: Math.min(range.offset + range.length, size) };
}

/** A copy (a plain `Uint8Array`, even for a `Buffer` input) of the bytes `range` selects in `bytes` (clamped). */
export function sliceRange(bytes: Uint8Array, range: RangeQuery): Uint8Array {
  const { start, end } = resolveRange(range, bytes.length);
  return new Uint8Array(bytes.subarray(start, end));
}

function isCount(value: unknown): boolean {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}
