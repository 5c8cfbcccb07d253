/**
 * Size limits of store reads: the `maxBytes` request option and its error.
 * @module
 */

import { StoreError } from "../core/errors.js";

/**
 * Throws a `RangeError` unless `value` is `undefined`, a non-negative safe integer or `Infinity`.
 * `what` names the option in the message (e.g. `"maxBytes"`).
 */
export function assertByteLimit(value: number | undefined, what: string): void {
  if (value === undefined || value === Number.POSITIVE_INFINITY) return;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `${what} must be a non-negative integer number of bytes or Infinity, got ${String(value)}`,
    );
  }
}

/**
 * The non-transient `StoreError` (`ERR_STORE`) for a value larger than the caller accepts:
 * names `key`, the size when known (else how far reading went) and the limit.
 * @param where a URL or path for the message, or `undefined`.
 * @param size the value's size in bytes, or `undefined` when only "more than `limit`" is known.
 * @param limit the limit in bytes; `option` names where it comes from (e.g. `"maxBytes"`).
 */
export function tooLargeError(
  key: string,
  where: string | undefined,
  size: number | undefined,
  limit: number,
  option: string,
): StoreError {
  const at = where === undefined ? "" : ` (${where})`;
  const detail =
    size === undefined
      ? `is larger than the limit of ${limit} bytes (${option}); reading stopped after ${limit + 1} bytes`
      : `is ${size} bytes, more than the limit of ${limit} bytes (${option})`;
  return new StoreError(`Value of "${key}"${at} ${detail}`, { key, transient: false });
}
