/**
 * Errors of plan execution.
 * @module
 */
import { StoreError } from "../core/errors.js";
import type { FetchRange } from "../plan/optimize.js";

/** `"bytes 100–200"`, `"the last 16 bytes"`, `"whole object"`. */
export function describeRange(range: FetchRange | undefined): string {
  if (!range) return "whole object";
  if ("suffixLength" in range) return `the last ${range.suffixLength} bytes`;
  return `bytes ${range.offset}–${range.offset + range.length}`;
}

/**
 * A request of a plan failed for good: a permanent store failure (e.g. HTTP 400/401, a
 * filesystem error), transient failures beyond the retry budget, or a store answer inconsistent
 * with the shard index. A {@link StoreError} (same `key`, `status`, `transient` as the store's
 * error, which is the `cause`) that also names the array, the plan reads that needed the object
 * and the byte range.
 */
export class FetchError extends StoreError {
  /** Node path of the array. */
  readonly array: string;
  /** Names of the plan reads that needed this request. */
  readonly reads: readonly string[];
  /** Byte range requested (`undefined`: the whole object). */
  readonly range: FetchRange | undefined;
  /** Attempts made (1 + retries). */
  readonly attempts: number;

  constructor(details: {
    array: string;
    reads: readonly string[];
    key: string;
    range: FetchRange | undefined;
    attempts: number;
    cause: unknown;
    message?: string;
  }) {
    const c = details.cause;
    const why = details.message ?? (c instanceof Error ? c.message : String(c));
    const tries = details.attempts > 1 ? ` after ${details.attempts} attempts` : "";
    const reads = details.reads.length
      ? ` (read ${details.reads.map((r) => `"${r}"`).join(", ")})`
      : "";
    super(
      `array "${details.array}"${reads}: request for "${details.key}" (${describeRange(details.range)}) failed${tries}: ${why}`,
      {
        key: details.key,
        status: c instanceof StoreError ? c.status : undefined,
        transient: c instanceof StoreError ? c.transient : false,
        cause: c,
      },
    );
    this.array = details.array;
    this.reads = details.reads;
    this.range = details.range;
    this.attempts = details.attempts;
  }
}
