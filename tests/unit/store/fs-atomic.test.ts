/** Atomic writes of FileSystemStore when `rename` fails over an existing value (fs mocked). */

import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { StoreError } from "../../../src/core/errors.js";
import { FileSystemStore } from "../../../src/store/fs.js";

const failRename = vi.hoisted(() => ({ on: false }));

vi.mock("node:fs/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs/promises")>();
  return {
    ...actual,
    rename: async (from: string, to: string) => {
      if (failRename.on) {
        throw Object.assign(new Error(`EXDEV: simulated rename failure '${from}'`), {
          code: "EXDEV",
        });
      }
      return actual.rename(from, to);
    },
  };
});

const roots: string[] = [];
afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

describe("FileSystemStore atomic set", () => {
  it("keeps the previous value intact and removes the temp file when rename fails", async () => {
    const root = await mkdtemp(join(tmpdir(), "zarr-plan-atomic-"));
    roots.push(root);
    const store = new FileSystemStore(root);
    await store.set("a/chunk", new Uint8Array([1, 2, 3]));
    failRename.on = true;
    try {
      const error = await store.set("a/chunk", new Uint8Array(4096).fill(7)).catch((e) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect(error.key).toBe("a/chunk");
      expect(error.transient).toBe(false);
      expect(error.cause.code).toBe("EXDEV");
      expect(error.message).toContain("simulated rename failure");
      const error2 = await store.set("a/new", new Uint8Array([9])).catch((e) => e);
      expect(error2).toBeInstanceOf(StoreError);
    } finally {
      failRename.on = false;
    }
    expect(await store.get("a/chunk")).toEqual(new Uint8Array([1, 2, 3]));
    expect(await store.get("a/new")).toBeUndefined();
    expect(await readdir(join(root, "a"))).toEqual(["chunk"]);
  });
});
