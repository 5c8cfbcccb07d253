/**
 * Helpers of `FileSystemStore`: mapping Node fs errors to zarr-plan errors, temp file names,
 * directory entry kinds.
 * @module
 */

import { createHash, randomBytes } from "node:crypto";
import type { Dirent } from "node:fs";
import { stat } from "node:fs/promises";
import { AbortError, StoreError, ZarrPlanError } from "../core/errors.js";
import { isAbortLike } from "./abort.js";

/** fs error codes meaning "there is no value here". */
const MISSING = new Set(["ENOENT", "ENOTDIR", "EISDIR"]);
/** fs error codes worth retrying. */
const TRANSIENT = new Set(["EAGAIN", "EBUSY", "EMFILE", "ENFILE", "ETIMEDOUT", "EINTR"]);

/** The `code` of a Node system error, if any. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}

/** True for errors meaning the key does not exist (ENOENT, ENOTDIR, EISDIR). */
export function isMissing(error: unknown): boolean {
  return MISSING.has(errorCode(error) ?? "");
}

/**
 * `error` as a zarr-plan error: zarr-plan errors pass through, aborts become an `AbortError`,
 * anything else a `StoreError` naming `key` and the failed `action` (a verb: `"read"`), with `cause`.
 */
export function toStoreError(
  error: unknown,
  key: string,
  action: string,
  signal: AbortSignal | undefined,
): ZarrPlanError {
  if (error instanceof ZarrPlanError) return error;
  if (signal?.aborted || isAbortLike(error)) {
    return new AbortError(`The ${action} of "${key}" was aborted`, key, { cause: error });
  }
  const code = errorCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  return new StoreError(`Cannot ${action} "${key}": ${detail}`, {
    key,
    transient: TRANSIENT.has(code ?? ""),
    cause: error,
  });
}

const TEMP_NAME = /^\..+\.[0-9a-f]{16}\.tmp$/;

/** A fresh temp file name for an atomic write of the file `name`: `.${name}.${16 hex}.tmp`. */
export function tempName(name: string): string {
  const short = Array.from(name).slice(0, 64).join("");
  return `.${short}.${randomBytes(8).toString("hex")}.tmp`;
}

/** True for names made by {@link tempName} (hidden from listings). */
export function isTempName(name: string): boolean {
  return TEMP_NAME.test(name);
}

const LOCK_NAME = /^\..+\.[0-9a-f]{16}\.lock$/;

/**
 * The lock file name of the file `name` (the same in every process):
 * `.${first 32 characters}.${16 hex of its SHA-256}.lock`.
 */
export function lockName(name: string): string {
  const short = Array.from(name).slice(0, 32).join("");
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 16);
  return `.${short}.${hash}.lock`;
}

/** True for names made by {@link lockName} (hidden from listings). */
export function isLockName(name: string): boolean {
  return LOCK_NAME.test(name);
}

/**
 * The version of a file's content: its length and SHA-256 (`"<length>-<base64url>"`). Equal
 * contents have equal versions, so a value written back unchanged keeps its version, which is
 * harmless for a read-modify-write (the merge was computed from those very bytes).
 */
export function contentVersion(bytes: Uint8Array): string {
  return `${bytes.length}-${createHash("sha256").update(bytes).digest("base64url")}`;
}

/** What a directory entry is; symbolic links are followed (`"other"` when broken). */
export async function entryKind(
  entry: Dirent,
  path: string,
): Promise<"file" | "directory" | "other"> {
  if (entry.isFile()) return "file";
  if (entry.isDirectory()) return "directory";
  if (!entry.isSymbolicLink()) return "other";
  try {
    const target = await stat(path);
    return target.isFile() ? "file" : target.isDirectory() ? "directory" : "other";
  } catch {
    return "other";
  }
}
