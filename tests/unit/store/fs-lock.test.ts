/** FileSystemStore's per-key lock files: waiting, breaking stale locks, cleanup, listings. */

import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AbortError, StoreError } from "../../../src/core/errors.js";
import { FileSystemStore } from "../../../src/store/fs.js";
import { isLockName, isTempName, lockName } from "../../../src/store/fs-util.js";
import { ABSENT_VERSION } from "../../../src/store/types.js";

const roots: string[] = [];
async function freshRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "zarr-plan-lock-"));
  roots.push(root);
  return root;
}
afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

const HOUR_AGO = new Date(Date.now() - 60 * 60_000);
const bytes = (...values: number[]) => new Uint8Array(values);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Creates the lock file of `name` in `dir` as another writer holding it would; `old` backdates it. */
async function holdLock(dir: string, name: string, old = false): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, lockName(name));
  await writeFile(path, "", { flag: "wx" });
  if (old) await utimes(path, HOUR_AGO, HOUR_AGO);
  return path;
}

/** True once `promise` settled (checked after a tick). */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await sleep(0);
  return done;
}

describe("FileSystemStore lock names", () => {
  it("are deterministic, hidden-looking and distinct for names sharing a long prefix", () => {
    const long = "x".repeat(300);
    expect(lockName("0.1")).toBe(lockName("0.1"));
    expect(lockName("0.1")).toMatch(/^\.0\.1\.[0-9a-f]{16}\.lock$/);
    expect(isLockName(lockName("zarr.json"))).toBe(true);
    expect(isLockName(lockName(long))).toBe(true);
    expect(lockName(`${long}a`)).not.toBe(lockName(`${long}b`));
    expect(Buffer.byteLength(lockName(long))).toBeLessThan(100);
    expect(isLockName("0.lock")).toBe(false);
    expect(isTempName(lockName("0"))).toBe(false);
  });

  it("staleLockMs must be a positive number", async () => {
    const root = await freshRoot();
    for (const bad of [0, -1, Number.NaN]) {
      expect(() => new FileSystemStore(root, { staleLockMs: bad })).toThrow(RangeError);
    }
    expect(
      () => new FileSystemStore(root, { staleLockMs: Number.POSITIVE_INFINITY }),
    ).not.toThrow();
  });
});

describe("FileSystemStore writes under a lock", () => {
  it("leaves no lock or temp file behind, whatever the outcome", async () => {
    const root = await freshRoot();
    const store = new FileSystemStore(root);
    await store.set("a/c/0", bytes(1));
    const { version } = await store.getVersioned("a/c/0");
    expect(await store.setIf("a/c/0", bytes(2), "nope")).toBe(false);
    expect(await store.setIf("a/c/0", bytes(2), version)).toBe(true);
    expect(await store.deleteIf("a/c/0", version)).toBe(false);
    await store.set("a/c/1", bytes(3));
    await store.delete("a/c/missing");
    expect((await readdir(join(root, "a", "c"))).sort()).toEqual(["0", "1"]);
    expect(await store.deleteIf("a/c/0", (await store.getVersioned("a/c/0")).version)).toBe(true);
    await store.delete("a/c/1");
    expect(await readdir(root)).toEqual([]); // emptied directories pruned
  });

  it("a write waits while another writer holds the key's lock", async () => {
    const root = await freshRoot();
    const store = new FileSystemStore(root);
    await store.set("k", bytes(1));
    const { version } = await store.getVersioned("k");
    const lock = await holdLock(root, "k");
    const set = store.set("k", bytes(2));
    const setIf = store.setIf("k", bytes(3), version);
    const del = store.delete("other");
    await sleep(150);
    expect(await settled(set)).toBe(false);
    expect(await settled(setIf)).toBe(false);
    expect(await settled(del)).toBe(true); // another key's lock
    expect(await store.get("k")).toEqual(bytes(1));
    await rm(lock);
    await set;
    // whichever took the lock first, the value ends as set's: setIf either failed after it or
    // succeeded before it
    expect(typeof (await setIf)).toBe("boolean");
    expect(await store.get("k")).toEqual(bytes(2));
    expect(await readdir(root)).toEqual(["k"]);
  });

  it("breaks a lock older than staleLockMs (left by a killed writer)", async () => {
    const root = await freshRoot();
    const store = new FileSystemStore(root);
    await holdLock(join(root, "a"), "0", true);
    const started = performance.now();
    expect(await store.setIf("a/0", bytes(7), ABSENT_VERSION)).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await readdir(join(root, "a"))).toEqual(["0"]);

    const short = new FileSystemStore(root, { staleLockMs: 100 });
    await holdLock(join(root, "a"), "0"); // fresh, but nobody will remove it
    const t0 = performance.now();
    await short.set("a/0", bytes(8));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(90);
    expect(await store.get("a/0")).toEqual(bytes(8));
    expect(await readdir(join(root, "a"))).toEqual(["0"]);
  });

  it("gives up with a transient StoreError when the lock stays taken for 2 × staleLockMs", async () => {
    const root = await freshRoot();
    const store = new FileSystemStore(root, { staleLockMs: 100 });
    const lock = await holdLock(root, "k");
    // another writer keeps renewing its lock
    const renew = setInterval(() => {
      const now = new Date();
      utimes(lock, now, now).catch(() => undefined);
    }, 10);
    try {
      const error = await store.set("k", bytes(1)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect(error).toMatchObject({ key: "k", transient: true });
      expect((error as Error).message).toMatch(/lock file .* stayed taken/);
    } finally {
      clearInterval(renew);
    }
    expect((await readdir(root)).filter((n) => !isLockName(n))).toEqual([]); // temp file removed
  });

  it("aborting a write that waits for the lock writes nothing and leaves no temp file", async () => {
    const root = await freshRoot();
    const store = new FileSystemStore(root);
    await store.set("k", bytes(1));
    const lock = await holdLock(root, "k");
    const controller = new AbortController();
    const write = store.setIf("k", bytes(2), ABSENT_VERSION, { signal: controller.signal });
    const del = store.delete("k", { signal: controller.signal });
    await sleep(50);
    controller.abort();
    const [w, d] = await Promise.allSettled([write, del]);
    expect(w).toMatchObject({ status: "rejected", reason: expect.any(AbortError) });
    expect(d).toMatchObject({ status: "rejected", reason: expect.any(AbortError) });
    await rm(lock);
    expect(await readdir(root)).toEqual(["k"]);
    expect(await store.get("k")).toEqual(bytes(1));
  });
});

describe("FileSystemStore listings and lock files", () => {
  it("never list lock files; remove stale ones, keep fresh ones", async () => {
    const root = await freshRoot();
    const store = new FileSystemStore(root);
    await store.set("a/c/0", bytes(1));
    const fresh = await holdLock(join(root, "a", "c"), "0");
    await holdLock(join(root, "a", "c"), "1", true);
    await holdLock(join(root, "a", "d"), "0", true); // a directory holding only a stale lock
    expect(await store.list("")).toEqual(["a/c/0"]);
    expect((await readdir(join(root, "a", "c"))).sort()).toEqual(["0", lockName("0")].sort());
    expect(await readdir(join(root, "a"))).toEqual(["c"]);
    await rm(fresh);

    await holdLock(join(root, "a", "c"), "2", true);
    await holdLock(join(root, "a", "c"), "3");
    expect(await store.listDir("a/c")).toEqual({ keys: ["0"], prefixes: [] });
    expect((await readdir(join(root, "a", "c"))).sort()).toEqual(["0", lockName("3")].sort());
  });

  it("delete prunes a directory holding only stale lock and temp files", async () => {
    const root = await freshRoot();
    const store = new FileSystemStore(root);
    await store.set("p/c/0", bytes(1));
    await holdLock(join(root, "p", "c"), "1", true);
    await store.delete("p/c/0");
    expect(await readdir(root)).toEqual([]);
  });
});
