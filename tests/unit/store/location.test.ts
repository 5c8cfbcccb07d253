import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FetchStore } from "../../../src/store/fetch.js";
import { FileSystemStore } from "../../../src/store/fs.js";
import { openStoreAt, reusingUrlStores } from "../../../src/store/location.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "zp-location-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("reusingUrlStores", () => {
  it("keeps one store per http(s) location (its connections reused), opens paths anew", async () => {
    const opened: string[] = [];
    const open = reusingUrlStores((location: string) => {
      opened.push(location);
      return openStoreAt(location);
    });
    const a = await open("http://127.0.0.1:1/a.zarr/");
    expect(a).toBeInstanceOf(FetchStore);
    expect(await open("http://127.0.0.1:1/a.zarr/")).toBe(a);
    expect(await open("https://127.0.0.1:1/a.zarr/")).not.toBe(a);
    const p = await open(dir);
    expect(p).toBeInstanceOf(FileSystemStore);
    expect(await open(dir)).not.toBe(p);
    expect(opened).toEqual(["http://127.0.0.1:1/a.zarr/", "https://127.0.0.1:1/a.zarr/", dir, dir]);
  });
});
