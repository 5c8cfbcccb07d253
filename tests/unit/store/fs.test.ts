import { mkdir, mkdtemp, open, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AbortError, StoreError } from "../../../src/core/errors.js";
import { FileSystemStore } from "../../../src/store/fs.js";
import { describeStoreContract } from "./contract.js";

const roots: string[] = [];
async function freshRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "zarr-plan-fs-"));
  roots.push(root);
  return root;
}
afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

/** Every file below `dir`, relative, with `/` separators. */
async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) =>
      join(e.parentPath ?? e.path, e.name)
        .slice(dir.length + 1)
        .replaceAll("\\", "/"),
    )
    .sort();
}

describeStoreContract("FileSystemStore", async () => new FileSystemStore(await freshRoot()));

describe("FileSystemStore", () => {
  it("maps keys to files under the root", async () => {
    const root = await freshRoot();
    const store = new FileSystemStore(root);
    await store.set("a/c/0", new Uint8Array([1, 2]));
    expect(new Uint8Array(await readFile(join(root, "a", "c", "0")))).toEqual(
      new Uint8Array([1, 2]),
    );
    await writeFile(join(root, "zarr.json"), "{}");
    expect(new TextDecoder().decode(await store.get("zarr.json"))).toBe("{}");
    expect(store.root).toBe(root);
  });

  it("works when the root does not exist yet", async () => {
    const root = join(await freshRoot(), "not", "yet");
    const store = new FileSystemStore(root);
    expect(await store.get("x")).toBeUndefined();
    expect(await store.getRange("x", { suffixLength: 1 })).toBeUndefined();
    expect(await store.list("")).toEqual([]);
    expect(await store.listDir("")).toEqual({ keys: [], prefixes: [] });
    await store.delete("x");
    await store.set("x/y", new Uint8Array([1]));
    expect(await store.list("")).toEqual(["x/y"]);
  });

  it("getRange reads only the requested bytes of a large file", async () => {
    const root = await freshRoot();
    const store = new FileSystemStore(root);
    const big = new Uint8Array(1 << 20).map((_, i) => i % 251);
    await store.set("big", big);
    expect(await store.getRange("big", { offset: 1000, length: 4 })).toEqual(big.slice(1000, 1004));
    expect(await store.getRange("big", { suffixLength: 5 })).toEqual(big.slice(-5));
    expect(await store.getRange("big", { offset: (1 << 20) - 2, length: 100 })).toEqual(
      big.slice(-2),
    );
  });

  it("get/getRange of a directory is undefined", async () => {
    const store = new FileSystemStore(await freshRoot());
    await store.set("dir/file", new Uint8Array([1]));
    expect(await store.get("dir")).toBeUndefined();
    expect(await store.getRange("dir", { offset: 0, length: 1 })).toBeUndefined();
    expect(await store.getRange("dir/file/x", { offset: 0, length: 1 })).toBeUndefined();
  });

  it("set leaves no temp file behind", async () => {
    const root = await freshRoot();
    const store = new FileSystemStore(root);
    await store.set("a/b", new Uint8Array([1]));
    await store.set("a/b", new Uint8Array([2]));
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.set("a/b", new Uint8Array([i]))));
    expect(await allFiles(root)).toEqual(["a/b"]);
  });

  it("a write whose rename fails leaves no torn or temp file", async () => {
    const root = await freshRoot();
    const store = new FileSystemStore(root);
    await store.set("node/child", new Uint8Array([1]));
    // "node" is a non-empty directory: renaming the temp file over it fails.
    const error = await store.set("node", new Uint8Array([2, 3])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).key).toBe("node");
    expect((error as StoreError).cause).toBeDefined();
    expect((error as Error).message).toContain('"node"');
    expect(await allFiles(root)).toEqual(["node/child"]);
    expect(await store.get("node/child")).toEqual(new Uint8Array([1]));
  });

  it("set fails with a StoreError when a parent is a file", async () => {
    const root = await freshRoot();
    const store = new FileSystemStore(root);
    await store.set("f", new Uint8Array([1]));
    await expect(store.set("f/g", new Uint8Array([2]))).rejects.toMatchObject({
      name: "StoreError",
      key: "f/g",
    });
    expect(await allFiles(root)).toEqual(["f"]);
  });

  it("delete prunes emptied parent directories but not the root", async () => {
    const root = await freshRoot();
    const store = new FileSystemStore(root);
    await store.set("a/b/c/d", new Uint8Array([1]));
    await store.set("a/x", new Uint8Array([1]));
    await store.delete("a/b/c/d");
    expect(await readdir(join(root, "a"))).toEqual(["x"]);
    await store.delete("a/x");
    expect(await readdir(root)).toEqual([]);
  });

  it("list and listDir hide temp files and show foreign files", async () => {
    const root = await freshRoot();
    const store = new FileSystemStore(root);
    await store.set("a/0", new Uint8Array([1]));
    await writeFile(join(root, "a", ".0.0123456789abcdef.tmp"), "torn");
    await writeFile(join(root, "a", ".zattrs"), "{}");
    expect(await store.list("")).toEqual(["a/.zattrs", "a/0"]);
    expect(await store.listDir("a/")).toEqual({ keys: [".zattrs", "0"], prefixes: [] });
  });

  it("follows symbolic links in listings", async () => {
    const root = await freshRoot();
    const other = await freshRoot();
    await mkdir(join(other, "data"));
    await writeFile(join(other, "data", "0"), "x");
    await symlink(join(other, "data"), join(root, "linked"));
    const store = new FileSystemStore(root);
    expect(await store.list("")).toEqual(["linked/0"]);
    expect(await store.listDir("")).toEqual({ keys: [], prefixes: ["linked"] });
    expect(await store.get("linked/0")).toEqual(new TextEncoder().encode("x"));
  });

  it("an abort after the request started rejects with AbortError", async () => {
    const store = new FileSystemStore(await freshRoot());
    await store.set("k", new Uint8Array(1 << 16));
    const controller = new AbortController();
    const pending = store.get("k", { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortError);
  });

  it("an aborted set leaves the old value and no temp file", async () => {
    const root = await freshRoot();
    const store = new FileSystemStore(root);
    await store.set("k", new Uint8Array([1]));
    const controller = new AbortController();
    const pending = store.set("k", new Uint8Array(1 << 20), { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    expect(await store.get("k")).toEqual(new Uint8Array([1]));
    expect(await allFiles(root)).toEqual(["k"]);
  });
});

describe("FileSystemStore get with maxBytes", () => {
  it("does not read a file larger than maxBytes (sparse 3 GiB file)", async () => {
    const root = await freshRoot();
    const store = new FileSystemStore(root);
    await store.set("big", new Uint8Array([1]));
    const handle = await open(join(root, "big"), "r+");
    await handle.truncate(3 * 2 ** 30); // sparse: no 3 GiB on disk
    await handle.close();
    const before = process.memoryUsage().arrayBuffers;
    const started = performance.now();
    const error = await store.get("big", { maxBytes: 2 ** 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ key: "big", transient: false });
    expect((error as Error).message).toContain(
      `${3 * 2 ** 30} bytes, more than the limit of ${2 ** 20} bytes`,
    );
    expect(performance.now() - started).toBeLessThan(2000);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(100 * 2 ** 20);
    // getRange still reads a part of it
    expect(await store.getRange("big", { offset: 0, length: 2 })).toEqual(new Uint8Array([1, 0]));
  });
});
