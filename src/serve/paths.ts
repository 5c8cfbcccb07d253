/**
 * Node paths of the service's URLs (`/v1/data/<path>`) and of plan files it is sent, confined to
 * the served root: every segment is percent-decoded once, and a path is refused when a segment is
 * empty, `.` or `..`, or holds a slash, a backslash or a NUL once decoded (`%2e%2e`, `%2f`, `%5c`).
 * @module
 */
import { badRequest } from "./errors.js";

/** Longest node path accepted, characters. */
const MAX_PATH_LENGTH = 1024;

/** One decoded segment, or a 400 naming the path. */
function segment(raw: string, whole: string): string {
  let s: string;
  try {
    s = decodeURIComponent(raw);
  } catch {
    throw badRequest(`node path ${JSON.stringify(whole)}: malformed percent-encoding`);
  }
  if (s === "" || s === "." || s === "..") {
    throw badRequest(
      `node path ${JSON.stringify(whole)}: a segment is ${s === "" ? "empty" : JSON.stringify(s)} (paths stay below the served root)`,
    );
  }
  if (/[/\\\0]/.test(s)) {
    throw badRequest(
      `node path ${JSON.stringify(whole)}: segment ${JSON.stringify(s)} holds a slash, backslash or NUL`,
    );
  }
  return s;
}

/**
 * The node path of the URL path after a route's prefix (`"a/b%20c"` → `"a/b c"`); `""` is the root.
 * @throws ServiceError `ERR_REQUEST` (400) for a path that would leave the root or is malformed.
 */
export function nodePathOfUrl(rawPath: string): string {
  if (rawPath.length > MAX_PATH_LENGTH) {
    throw badRequest(`node path longer than ${MAX_PATH_LENGTH} characters`, 414);
  }
  const trimmed = rawPath.replace(/\/+$/, "");
  if (trimmed === "") return "";
  return trimmed
    .split("/")
    .map((s) => segment(s, rawPath))
    .join("/");
}

/**
 * A store location or node path of a posted plan file, relative to the served root (`"."`, `""`
 * and `"/"` are the root); not percent-decoded.
 * @throws ServiceError `ERR_REQUEST` (400) for URLs, absolute paths and `.` / `..` segments.
 */
export function relativePath(text: string, what: string): string {
  if (text.length > MAX_PATH_LENGTH)
    throw badRequest(`${what}: longer than ${MAX_PATH_LENGTH} characters`);
  if (text === "" || text === "." || text === "/") return "";
  if (/^[a-z][a-z0-9+.-]*:/i.test(text) || text.startsWith("/") || text.startsWith("\\")) {
    throw badRequest(
      `${what} ${JSON.stringify(text)}: the service reads only below its root; give a path relative to it`,
    );
  }
  const parts = text.replace(/\/+$/, "").split("/");
  for (const p of parts) {
    if (p === "" || p === "." || p === ".." || /[\\\0]/.test(p)) {
      throw badRequest(`${what} ${JSON.stringify(text)}: segment ${JSON.stringify(p)} is refused`);
    }
  }
  return parts.join("/");
}

/** `a` and `b` joined with one slash (either may be the root `""`). */
export function joinPath(a: string, b: string): string {
  return a === "" ? b : b === "" ? a : `${a}/${b}`;
}
