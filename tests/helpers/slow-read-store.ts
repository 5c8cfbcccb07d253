/**
 * A FileSystemStore whose versioned reads take `delayMs` longer, so that concurrent
 * read-modify-write cycles overlap (both writers read before either stores): the writer processes
 * of the concurrent-writes tests use it to provoke conflicts.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { FileSystemStore } from "../../src/store/fs.js";
import type { StoreRequestOptions, VersionedValue } from "../../src/store/types.js";

export class SlowReadStore extends FileSystemStore {
  constructor(
    root: string,
    private readonly delayMs: number,
  ) {
    super(root);
  }
  override async getVersioned(key: string, options?: StoreRequestOptions): Promise<VersionedValue> {
    const got = await super.getVersioned(key, options);
    await sleep(this.delayMs);
    return got;
  }
}
