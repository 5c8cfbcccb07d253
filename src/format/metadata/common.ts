/**
 * Pieces shared by the v2 and v3 metadata modules: zod schemas of common fields and the
 * nesting of consolidated metadata.
 * @module
 */
import { z } from "zod";
import type { GroupMetadata, NodeMetadata } from "../model.js";
import { guarded, isPlainObject } from "./issues.js";

/**
 * Array shape: non-negative safe integers whose product (the number of elements) is a safe
 * integer too: element and chunk indices are JavaScript numbers, exact only up to 2^53 − 1.
 */
export const SHAPE = z
  .array(z.int().nonnegative())
  .refine(
    (shape) => shape.includes(0) || shape.reduce((p, n) => p * n, 1) <= Number.MAX_SAFE_INTEGER,
    {
      message: `the array has more than 2^53 - 1 (${Number.MAX_SAFE_INTEGER}) elements; zarr-plan indexes elements with JavaScript numbers, exact only up to there`,
    },
  );

/** Chunk shape of a regular grid: positive safe integers. */
export const CHUNK_SHAPE = z.array(z.int().positive());

/** User attributes: any JSON object. */
export const ATTRIBUTES = z.record(z.string(), z.unknown());

/** Whether `v` is an array of safe integers ≥ `min`. */
function isIntArray(v: unknown, min: number): v is number[] {
  if (!Array.isArray(v)) return false;
  for (const n of v) if (!Number.isSafeInteger(n) || (n as number) < min) return false;
  return true;
}

/** {@link SHAPE} with its common valid case checked without zod. */
export const SHAPE_FIELD = guarded(
  SHAPE,
  (v) =>
    isIntArray(v, 0) && (v.includes(0) || v.reduce((p, n) => p * n, 1) <= Number.MAX_SAFE_INTEGER),
);

/** {@link CHUNK_SHAPE} with its common valid case checked without zod. */
export const CHUNK_SHAPE_FIELD = guarded(CHUNK_SHAPE, (v) => isIntArray(v, 1));

/** {@link ATTRIBUTES} with its common valid case checked without zod. */
export const ATTRIBUTES_FIELD = guarded(ATTRIBUTES, isPlainObject);

/**
 * Why `name` cannot be the path of a descendant in consolidated metadata, or `undefined` when it
 * can: a path is relative to the group, non-empty (`""` would be the group itself), with no
 * leading or trailing `/`, no empty segment (`//`) and no `.` or `..` segment — anything else
 * could alias another node or the group itself and make a hierarchy walk loop.
 */
export function memberPathIssue(name: string): string | undefined {
  if (name === "") return "an empty member name would be the group itself";
  if (name.startsWith("/")) return "a member path must not start with '/'";
  if (name.endsWith("/")) return "a member path must not end with '/'";
  if (name.includes("//")) return "a member path must not have an empty segment ('//')";
  for (const seg of name.split("/")) {
    if (seg === "." || seg === "..") return `a member path must not have a "${seg}" segment`;
  }
  return undefined;
}

/**
 * Gives every group of a flat consolidated map (path relative to the root → node) the
 * consolidated metadata of its own descendants, keyed relative to that group, so that
 * `root.consolidated.get("a").consolidated.get("b")` is the node at `a/b`. Entry order follows
 * `flat`. Nested consolidated metadata carried by the child documents themselves (zarr-python
 * writes an empty one) is replaced, and their `invalidMembers` dropped: the root's flat map is
 * authoritative.
 */
export function nestConsolidated(
  flat: ReadonlyMap<string, NodeMetadata>,
): Map<string, NodeMetadata> {
  const out = new Map(flat);
  const depth = (p: string) => p.split("/").length;
  const groups = [...flat.keys()]
    .filter((p) => flat.get(p)!.nodeType === "group")
    .sort((a, b) => depth(b) - depth(a));
  for (const p of groups) {
    const prefix = `${p}/`;
    const sub = new Map<string, NodeMetadata>();
    for (const q of flat.keys()) {
      if (q.startsWith(prefix)) sub.set(q.slice(prefix.length), out.get(q)!);
    }
    // The child's own invalid entries go too: the root's are authoritative (a group opened
    // from it gets those below it).
    const { invalidMembers: _, ...group } = out.get(p) as GroupMetadata;
    out.set(p, { ...group, consolidated: sub });
  }
  return out;
}

/**
 * Every descendant of a consolidated map as `[path relative to the root, node]`, including
 * descendants only reachable through a child group's own `consolidated` map. Entries of `map`
 * come first, in its order.
 */
export function flattenConsolidated(
  map: ReadonlyMap<string, NodeMetadata>,
): Map<string, NodeMetadata> {
  const out = new Map<string, NodeMetadata>();
  const visit = (m: ReadonlyMap<string, NodeMetadata>, prefix: string) => {
    for (const [p, node] of m) if (!out.has(prefix + p)) out.set(prefix + p, node);
    for (const [p, node] of m) {
      if (node.nodeType === "group" && node.consolidated)
        visit(node.consolidated, `${prefix}${p}/`);
    }
  };
  visit(map, "");
  return out;
}
