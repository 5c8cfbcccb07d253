/**
 * Node paths and store keys. A node path is `/`-separated, with no leading or trailing `/`;
 * `""` is the root. Keys are node path + `/` + name (`"a/b/zarr.json"`, root: `"zarr.json"`).
 * @module
 */

import { InvalidPathError } from "../core/errors.js";

/**
 * Normalises a user-given node path: strips leading/trailing `/`, collapses `//`.
 * @throws InvalidPathError (`ERR_PATH`, naming the path) when `path` is not a string or has a
 *   `.` or `..` segment.
 */
export function normalizePath(path: string): string {
  if (typeof path !== "string") throw new InvalidPathError(path, "a node path is a string");
  const parts = path.split("/").filter((p) => p.length > 0);
  for (const p of parts) {
    if (p === "." || p === "..") {
      throw new InvalidPathError(
        path,
        `"${p}" segments are not allowed (a path names a node, relative to the store root or the group)`,
      );
    }
  }
  return parts.join("/");
}

/** The store key of `name` below node `path`. */
export function keyOf(path: string, name: string): string {
  return path === "" ? name : `${path}/${name}`;
}

/** Joins node paths. */
export function joinPath(parent: string, child: string): string {
  const c = normalizePath(child);
  if (parent === "") return c;
  return c === "" ? parent : `${parent}/${c}`;
}

/** The last segment of a node path (`""` for the root). */
export function baseName(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? path : path.slice(i + 1);
}

/** The parent of a node path, `undefined` for the root. */
export function parentPath(path: string): string | undefined {
  if (path === "") return undefined;
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i);
}
