/**
 * Validation of store keys and prefixes (Zarr v3 core, "Storage": keys are `/`-separated and
 * relative; the root prefix is `""`).
 * @module
 */

import { StoreError } from "../core/errors.js";

/**
 * Throws a `StoreError` (naming the key) when `key` is not a valid store key: empty, starting or
 * ending with `/`, containing an empty, `.` or `..` segment, or a NUL character.
 */
export function assertKey(key: string): void {
  const problem = keyProblem(key);
  if (problem !== undefined) {
    throw new StoreError(`Invalid store key ${JSON.stringify(key)}: ${problem}`, { key });
  }
}

/**
 * Throws a `StoreError` when `prefix` is not a valid listing prefix: it must be `""` or not start
 * with `/`, and its complete segments (up to the last `/`) must be valid key segments. The last,
 * possibly partial, segment may be anything a key segment can start with, dots included: `".x"`,
 * `"..a"`, `"a/.z"` and even `"."` (a prefix of `".zattrs"`) are valid; `"./x"`, `"../"` and
 * `"a/./"` are not.
 */
export function assertPrefix(prefix: string): void {
  if (prefix === "") return;
  let problem: string | undefined;
  if (typeof prefix !== "string") problem = "not a string";
  else if (prefix.startsWith("/")) problem = 'starts with "/" (prefixes are relative)';
  else if (prefix.includes("\0")) problem = "contains a NUL character";
  else {
    const slash = prefix.lastIndexOf("/");
    if (slash !== -1) problem = segmentsProblem(prefix.slice(0, slash).split("/"));
  }
  if (problem !== undefined) {
    throw new StoreError(`Invalid store prefix ${JSON.stringify(prefix)}: ${problem}`, {
      key: prefix,
    });
  }
}

/** `prefix` as a directory prefix: `""` or ending in `/` (`"a/b"` becomes `"a/b/"`). */
export function dirPrefix(prefix: string): string {
  return prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`;
}

function keyProblem(key: string): string | undefined {
  if (typeof key !== "string") return "not a string";
  if (key === "") return "empty";
  if (key.startsWith("/")) return 'starts with "/" (keys are relative)';
  if (key.endsWith("/")) return 'ends with "/" (that is a prefix, not a key)';
  if (key.includes("\0")) return "contains a NUL character";
  return segmentsProblem(key.split("/"));
}

function segmentsProblem(segments: readonly string[]): string | undefined {
  for (const segment of segments) {
    if (segment === "") return 'contains an empty segment ("//")';
    if (segment === "." || segment === "..") return `contains a "${segment}" segment`;
  }
  return undefined;
}
