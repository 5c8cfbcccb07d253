/**
 * The writable stores tests run the same cases on: a `MemoryStore` and a `FileSystemStore` in a
 * temporary directory made before the file's tests and removed after them. Test helper only.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { FileSystemStore } from "../../src/store/fs.js";
import { MemoryStore } from "../../src/store/memory.js";
import type { Store } from "../../src/store/types.js";

/**
 * `[name, make]` pairs of a new empty store each call (a fresh directory each time for the
 * file system); registers the temporary directory's `beforeAll` / `afterAll`.
 */
export function writableStores(prefix: string): [string, () => Store][] {
  let tmp = "";
  let dirs = 0;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });
  return [
    ["MemoryStore", () => new MemoryStore()],
    ["FileSystemStore", () => new FileSystemStore(join(tmp, `s${dirs++}`))],
  ];
}
