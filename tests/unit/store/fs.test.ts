import {
  mkdir,
  mkdtemp,
  open,
  readdir,
  readFile,
  rm,
  symlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AbortError, StoreError } from "../../../src/core/errors.js";
import { deleteNode } from "../../../src/hierarchy/create.js";
import { FileSystemStore } from "../../../src/store/fs.js";
import { tempName } from "../../../src/store/fs-util.js";
import { describeConditionalContract, describeStoreContract } from "./contract.js";

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
describeConditionalContract("FileSystemStore", async () => new FileSystemStore(await freshRoot()));

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

describe("FileSystemStore removes temp files left by killed writes", () => {
  const HOUR_AGO = new Date(Date.now() - 60 * 60_000);

  /** Creates a temp file (as a killed `set` of `name` leaves it) in `dir`; `old` backdates it. */
  async function leftover(dir: string, name: string, old: boolean): Promise<string> {
    await mkdir(dir, { recursive: true });
    const path = join(dir, tempName(name));
    await writeFile(path, "torn");
    if (old) await utimes(path, HOUR_AGO, HOUR_AGO);
    return path;
  }

  it("list never shows temp files, removes the stale ones, keeps the fresh ones", async () => {
    const root = await freshRoot();
    const store = new FileSystemStore(root);
    await store.set("a/c/0", new Uint8Array([1]));
    const stale = await leftover(join(root, "a", "c"), "1", true);
    const fresh = await leftover(join(root, "a", "c"), "2", false);
    const staleOnly = await leftover(join(root, "a", "d", "e"), "0", true);
    expect(await store.list("")).toEqual(["a/c/0"]);
    const files = await allFiles(root);
    expect(files).toContain("a/c/0");
    expect(files).toContain(`a/c/${basename(fresh)}`);
    expect(files).not.toContain(`a/c/${basename(stale)}`);
    expect(files).not.toContain(`a/d/e/${basename(staleOnly)}`);
    expect(files).toHaveLength(2);
    // directories that held nothing but stale temp files are gone too
    expect((await readdir(join(root, "a"))).sort()).toEqual(["c"]);
  });

  it("list of a prefix only cleans what it walks; listDir cleans its directory", async () => {
    const root = await freshRoot();
    const store = new FileSystemStore(root);
    await store.set("x/0", new Uint8Array([1]));
    await store.set("y/0", new Uint8Array([1]));
    const inY = await leftover(join(root, "y"), "1", true);
    const inX = await leftover(join(root, "x"), "1", true);
    expect(await store.list("x/")).toEqual(["x/0"]);
    expect(await allFiles(root)).toEqual(["x/0", `y/${basename(inY)}`, "y/0"]);
    expect(basename(inX)).not.toBe(basename(inY));
    expect(await store.listDir("y")).toEqual({ keys: ["0"], prefixes: [] });
    expect(await allFiles(root)).toEqual(["x/0", "y/0"]);
    // a directory left with only stale temp files is removed by listDir
    await leftover(join(root, "z", "w"), "0", true);
    expect(await store.listDir("z/w/")).toEqual({ keys: [], prefixes: [] });
    expect((await readdir(root)).sort()).toEqual(["x", "y"]);
  });

  it("delete prunes a directory holding only stale temp files, not one with a fresh one", async () => {
    const root = await freshRoot();
    const store = new FileSystemStore(root);
    await store.set("p/c/0", new Uint8Array([1]));
    await leftover(join(root, "p", "c"), "1", true);
    await store.delete("p/c/0");
    expect(await readdir(root)).toEqual([]);

    await store.set("q/c/0", new Uint8Array([1]));
    const fresh = await leftover(join(root, "q", "c"), "1", false);
    await store.delete("q/c/0");
    expect(await allFiles(root)).toEqual([`q/c/${basename(fresh)}`]);
  });

  it("deleteNode leaves no temp files or directories behind", async () => {
    const root = await freshRoot();
    const store = new FileSystemStore(root);
    for (const key of ["keep/zarr.json", "node/zarr.json", "node/c/0/0", "node/c/0/1"]) {
      await store.set(key, new Uint8Array([1]));
    }
    await leftover(join(root, "node", "c", "0"), "2", true);
    await leftover(join(root, "node", "c", "1"), "0", true);
    await leftover(join(root, "node"), "zarr.json", true);
    await deleteNode(store, "node");
    expect(await allFiles(root)).toEqual(["keep/zarr.json"]);
    expect(await readdir(root)).toEqual(["keep"]);
  });

  it("staleTempMs: Infinity never removes temp files, 0 removes every one met", async () => {
    const root = await freshRoot();
    const path = await leftover(join(root, "a"), "0", true);
    expect(
      await new FileSystemStore(root, { staleTempMs: Number.POSITIVE_INFINITY }).list(""),
    ).toEqual([]);
    expect(await allFiles(root)).toEqual([`a/${basename(path)}`]);
    await leftover(join(root, "a"), "1", false);
    expect(await new FileSystemStore(root, { staleTempMs: 0 }).list("")).toEqual([]);
    expect(await readdir(root)).toEqual([]);
    for (const bad of [-1, Number.NaN]) {
      expect(() => new FileSystemStore(root, { staleTempMs: bad })).toThrow(RangeError);
    }
  });

  it("never removes a file whose name only looks like a temp file's, if it is fresh", async () => {
    const root = await freshRoot();
    const store = new FileSystemStore(root);
    await store.set("k", new Uint8Array([1]));
    await store.set(".k.0123456789abcdef.tmp", new Uint8Array([2])); // a key with a temp-like name
    await store.list("");
    expect(await store.get(".k.0123456789abcdef.tmp")).toEqual(new Uint8Array([2]));
  });
});
