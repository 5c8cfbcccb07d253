/**
 * The package version, read from package.json next to dist/ or src/ (no other import, so that
 * `zarr-plan --version` starts fast).
 * @module
 */
import { readFileSync } from "node:fs";

/** The package version, or `"unknown"` when package.json cannot be read. */
export function version(): string {
  try {
    const pkg = JSON.parse(
      readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
    ) as {
      version?: string;
    };
    return pkg.version ?? "unknown";
  } catch {
    return "unknown";
  }
}
