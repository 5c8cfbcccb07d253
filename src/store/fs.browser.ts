/**
 * What browsers get for `store/fs.js` (package.json `"browser"` field): a `FileSystemStore`
 * whose constructor throws, so the main entry bundles for browsers without Node's `fs`.
 * @module
 */
import { ZarrPlanError } from "../core/errors.js";

/** Not available in browsers: use `FetchStore` or `MemoryStore`. */
export class FileSystemStore {
  /** @throws ZarrPlanError `ERR_UNSUPPORTED` always. */
  constructor(root?: string, _options?: { staleTempMs?: number; staleLockMs?: number }) {
    throw new ZarrPlanError(
      "ERR_UNSUPPORTED",
      `FileSystemStore(${JSON.stringify(root ?? "")}) needs Node's file system; in browsers use FetchStore or MemoryStore`,
    );
  }
}
