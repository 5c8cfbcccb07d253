/**
 * Recognising abort errors thrown by platform APIs (fetch, Node fs).
 * @module
 */

/** True for `AbortError`-like errors: a DOM `AbortError` or Node's `ABORT_ERR`. */
export function isAbortLike(error: unknown): boolean {
  const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown };
  return name === "AbortError" || code === "ABORT_ERR";
}
