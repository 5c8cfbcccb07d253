/**
 * ZipStore: archives written by Python's zipfile (stored, deflate, ZIP64 records) and by
 * zarr-plan's writeZip read through a FileSystemStore, from memory and over HTTP by byte ranges
 * (the end of the archive read once, then one range per entry); corrupt and oversized archives
 * fail with typed errors before allocating.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isZarrPlanError, StoreError } from "../../../src/core/errors.js";
import { readNpy } from "../../../src/format/npy.js";
import { openArray, openGroup } from "../../../src/hierarchy/index.js";
import { FetchStore } from "../../../src/store/fetch.js";
import { FileSystemStore } from "../../../src/store/fs.js";
import { MemoryStore } from "../../../src/store/memory.js";
import type { RangeQuery, ReadableStore } from "../../../src/store/types.js";
import { ZipStore } from "../../../src/store/zip.js";
import { writeZip } from "../../../src/store/zip-write.js";
import { diffArrays } from "../../helpers/compare.js";
import { type StaticServer, startStaticServer } from "../../helpers/static-server.js";

const PYTHON = process.env.ZARR_PLAN_PYTHON ?? "/tmp/pb-venv/bin/python";
const ROOT = join(import.meta.dirname, "../../fixtures/codecs");
const ZIPS = join(ROOT, "zip");
const ARCHIVES = ["stored.zarr.zip", "deflated.zarr.zip", "zip64.zarr.zip"];
const expected = (name: string) => readNpy(readFileSync(join(ROOT, "expected", `${name}.npy`)));

/** Records every range request made to the inner store. */
function recording(inner: ReadableStore): { store: ReadableStore; ranges: RangeQuery[] } {
  const ranges: RangeQuery[] = [];
  return {
    ranges,
    store: {
      get: (k, o) => inner.get(k, o),
      getRange: (k, r, o) => {
        ranges.push(r);
        return inner.getRange(k, r, o);
      },
    },
  };
}

async function readsBoth(zip: ZipStore): Promise<void> {
  const v3 = await openArray(zip, "v3a");
  expect(diffArrays(await v3.read(), expected("fixedscaleoffset_f8_u2"))).toBeUndefined();
  const v2 = await openArray(zip, "v2a");
  expect(diffArrays(await v2.read(), expected("shuffle_zlib"))).toBeUndefined();
}

describe("ZipStore reads archives written by Python's zipfile", () => {
  for (const name of ARCHIVES) {
    it(name, async () => {
      const zip = new ZipStore(new FileSystemStore(ZIPS), name);
      await readsBoth(zip);
      const root = await openGroup(zip, "");
      expect(root.zarrFormat).toBe(3);
      expect((await zip.listDir("")).prefixes).toEqual(["v2a", "v3a"]);
      expect(await zip.list("v3a/c/")).toEqual([
        "v3a/c/0/0",
        "v3a/c/0/1",
        "v3a/c/1/0",
        "v3a/c/1/1",
      ]);
      expect(await zip.get("nope")).toBeUndefined();
      const json = (await zip.get("zarr.json"))!;
      expect(await zip.getRange("zarr.json", { offset: 2, length: 5 })).toEqual(
        json.subarray(2, 7),
      );
      expect(await zip.getRange("zarr.json", { suffixLength: 3 })).toEqual(
        json.subarray(json.length - 3),
      );
    });
  }
});

describe("writeZip", () => {
  for (const level of [0, 6] as const) {
    it(`packs a directory (level ${level}); ZipStore reads every key back`, async () => {
      const dir = new FileSystemStore(ZIPS.replace(/zip$/, "v3"));
      const bytes = await writeZip(dir, { level });
      const zip = ZipStore.fromBytes(bytes);
      const keys = await dir.list("");
      expect(await zip.list("")).toEqual(keys.sort());
      for (const key of keys) expect(await zip.get(key), key).toEqual(await dir.get(key));
      const a = await openArray(zip, "fixedscaleoffset_f4_i2");
      expect(diffArrays(await a.read(), expected("fixedscaleoffset_f4_i2"))).toBeUndefined();
    });
  }

  it("packs a prefix of a MemoryStore; an archive of the same content has the same bytes", async () => {
    const mem = new MemoryStore({
      "x/zarr.json": new TextEncoder().encode("{}"),
      "x/c/0": new Uint8Array([1, 2]),
      y: new Uint8Array(1),
    });
    const a = await writeZip(mem, { prefix: "x/" });
    expect(await writeZip(mem, { prefix: "x/" })).toEqual(a);
    const zip = ZipStore.fromBytes(a);
    expect(await zip.list("")).toEqual(["c/0", "zarr.json"]);
    expect(await zip.get("c/0")).toEqual(new Uint8Array([1, 2]));
  });

  it.skipIf(!existsSync(PYTHON))(
    "Python's zipfile reads what writeZip wrote (needs python)",
    async () => {
      const { spawnSync } = await import("node:child_process");
      const { mkdtempSync, writeFileSync } = await import("node:fs");
      const { tmpdir } = await import("node:os");
      const py = process.env.ZARR_PLAN_PYTHON ?? "/tmp/pb-venv/bin/python";
      const file = join(mkdtempSync(join(tmpdir(), "zip-")), "a.zip");
      writeFileSync(
        file,
        await writeZip(new FileSystemStore(ZIPS.replace(/zip$/, "v2")), { level: 6 }),
      );
      const r = spawnSync(py, [
        "-c",
        "import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(len(z.namelist()))",
        file,
      ]);
      expect(r.stderr.toString()).toBe("");
      const dirKeys = await new FileSystemStore(ZIPS.replace(/zip$/, "v2")).list("");
      expect(Number(r.stdout.toString())).toBe(dirKeys.length);
    },
  );
});

describe("ZipStore over HTTP by byte ranges", () => {
  let server: StaticServer;
  beforeAll(async () => {
    server = await startStaticServer(ZIPS);
  });
  afterAll(() => server.close());

  for (const name of ARCHIVES) {
    it(`${name}: the end of the archive is read once, then one range per entry`, async () => {
      const rec = recording(new FetchStore(server.url));
      const zip = new ZipStore(rec.store, name);
      const before = server.requests;
      await readsBoth(zip);
      const suffixes = rec.ranges.filter((r) => "suffixLength" in r);
      expect(suffixes).toHaveLength(1);
      // Every other request is one entry's local header and data, each entry once: v3a's
      // zarr.json and 4 chunks, v2a's .zarray and 3 chunks.
      const offsets = rec.ranges
        .filter((r) => "offset" in r)
        .map((r) => (r as { offset: number }).offset);
      expect(new Set(offsets).size).toBe(offsets.length);
      expect(offsets).toHaveLength(1 + 4 + 1 + 3);
      expect(server.requests - before).toBe(rec.ranges.length);
      const again = rec.ranges.length;
      await zip.get("v3a/c/0/0");
      expect(rec.ranges.length).toBe(again + 1);
    });
  }

  it("a missing archive is a StoreError", async () => {
    const zip = new ZipStore(new FetchStore(server.url), "missing.zip");
    await expect(zip.get("zarr.json")).rejects.toBeInstanceOf(StoreError);
  });
});

describe("corrupt and oversized archives", () => {
  const good = new Uint8Array(readFileSync(join(ZIPS, "stored.zarr.zip")));

  it("a flipped data byte fails the CRC-32 check", async () => {
    const zip0 = ZipStore.fromBytes(good);
    const json = (await zip0.get("zarr.json"))!;
    const at = Buffer.from(good).indexOf(Buffer.from(json));
    const bad = good.slice();
    bad[at + 3]! ^= 0x20;
    await expect(ZipStore.fromBytes(bad).get("zarr.json")).rejects.toThrow(/CRC-32/);
  });

  it("bytes that are not an archive, and a truncated archive, are StoreErrors", async () => {
    await expect(ZipStore.fromBytes(new Uint8Array(100)).get("a")).rejects.toThrow(
      /not a ZIP archive/,
    );
    await expect(
      ZipStore.fromBytes(good.subarray(0, good.length - 30)).list(""),
    ).rejects.toBeInstanceOf(StoreError);
    // Cut at the start: the directory still parses, the entries' offsets are wrong.
    await expect(
      ZipStore.fromBytes(good.subarray(200)).get("v3a/zarr.json"),
    ).rejects.toBeInstanceOf(StoreError);
  });

  it("a central directory over maxDirectoryBytes is refused after one request", async () => {
    const rec = recording({
      get: async () => good,
      getRange: async (_k, r) => (await import("../../../src/store/range.js")).sliceRange(good, r),
    });
    const zip = new ZipStore(rec.store, "a.zip", { maxDirectoryBytes: 100 });
    const err = await zip.list("").catch((e: unknown) => e);
    expect(isZarrPlanError(err, "ERR_STORE")).toBe(true);
    expect((err as Error).message).toMatch(/maxDirectoryBytes/);
    expect(rec.ranges).toHaveLength(1);
  });

  it("an entry over maxBytes or maxEntryBytes is refused before it is read", async () => {
    const zip = ZipStore.fromBytes(good, { maxEntryBytes: 10 });
    await expect(zip.get("zarr.json")).rejects.toThrow(/maxEntryBytes/);
    await expect(ZipStore.fromBytes(good).get("zarr.json", { maxBytes: 5 })).rejects.toThrow(
      /maxBytes/,
    );
  });

  it("a deflate entry declaring fewer bytes than it inflates to is refused", async () => {
    const deflated = new Uint8Array(readFileSync(join(ZIPS, "deflated.zarr.zip")));
    const bad = deflated.slice();
    // The central directory header of "v3a/zarr.json" (a deflate entry): its uncompressed size minus one.
    const name = Buffer.from("v3a/zarr.json");
    let at = -1;
    for (let p = 0; p + 46 < bad.length; p++) {
      if (bad[p] === 0x50 && bad[p + 1] === 0x4b && bad[p + 2] === 1 && bad[p + 3] === 2) {
        if (Buffer.from(bad.subarray(p + 46, p + 46 + name.length)).equals(name)) at = p;
      }
    }
    expect(at).toBeGreaterThan(0);
    const view = new DataView(bad.buffer);
    view.setUint32(at + 24, view.getUint32(at + 24, true) - 1, true);
    await expect(ZipStore.fromBytes(bad).get("v3a/zarr.json")).rejects.toThrow(/inflates to more/);
  });
});

describe("writeZip → ZipStore round trip (property)", () => {
  it("any keys and values read back exactly, by get and by getRange", async () => {
    const { default: fc } = await import("fast-check");
    const key = fc
      .array(fc.stringMatching(/^[a-z0-9._-]{1,6}$/), { minLength: 1, maxLength: 3 })
      .map((parts) => parts.join("/"))
      .filter((k) => !k.split("/").some((p) => p === "." || p === ".."));
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.tuple(key, fc.uint8Array({ maxLength: 300 })), {
          selector: ([k]) => k,
          maxLength: 8,
        }),
        fc.constantFrom(0 as const, 6 as const),
        fc.nat(400),
        fc.nat(50),
        async (entries, level, offset, length) => {
          // Drop keys that are prefixes of others ("a" and "a/b" cannot both be files).
          const kept = entries.filter(([k]) => !entries.some(([o]) => o.startsWith(`${k}/`)));
          const mem = new MemoryStore(kept);
          const zip = ZipStore.fromBytes(await writeZip(mem, { level }));
          expect(await zip.list("")).toEqual(kept.map(([k]) => k).sort());
          for (const [k, v] of kept) {
            expect(await zip.get(k)).toEqual(v);
            expect(await zip.getRange(k, { offset, length })).toEqual(
              v.slice(offset, offset + length),
            );
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("corrupted archives (fuzz): typed errors, undefined or the right bytes", () => {
  it("flipping any byte of an archive never crashes nor returns wrong bytes", async () => {
    const { default: fc } = await import("fast-check");
    for (const name of ARCHIVES) {
      const good = new Uint8Array(readFileSync(join(ZIPS, name)));
      const reference = ZipStore.fromBytes(good);
      const keys = await reference.list("");
      const values = new Map<string, Uint8Array>();
      for (const k of keys) values.set(k, (await reference.get(k))!);
      await fc.assert(
        fc.asyncProperty(
          fc.nat(good.length - 1),
          fc.integer({ min: 1, max: 255 }),
          async (at, mask) => {
            const bad = good.slice();
            bad[at]! ^= mask;
            const zip = ZipStore.fromBytes(bad);
            for (const k of keys) {
              try {
                const v = await zip.get(k);
                // A flip in a name, a comment or a header field the reader does not use.
                if (v !== undefined) expect(v).toEqual(values.get(k));
              } catch (e) {
                expect(isZarrPlanError(e), String(e)).toBe(true);
              }
            }
          },
        ),
        { numRuns: 60 },
      );
    }
  });
});

describe("a central directory name that no longer matches its local header", () => {
  it("is refused, not read as another entry's bytes (fast-check seed 1437747580: zip64, byte 1478 ^ 1)", async () => {
    const good = new Uint8Array(readFileSync(join(ZIPS, "zip64.zarr.zip")));
    // The central directory's copy of "v3a/c/0/1" becomes "v3a/c/0/0": two entries now share
    // that name and the later one (the data of c/0/1) wins the directory lookup.
    const name = new TextEncoder().encode("v3a/c/0/1");
    const bytes = Buffer.from(good);
    const at = bytes.lastIndexOf(Buffer.from(name)) + name.length - 1;
    const bad = good.slice();
    bad[at]! ^= 1;
    const zip = ZipStore.fromBytes(bad);
    await expect(zip.get("v3a/c/0/0")).rejects.toThrow(
      /local header names "v3a\/c\/0\/1", the central directory "v3a\/c\/0\/0"/,
    );
    await expect(zip.getRange("v3a/c/0/0", { offset: 0, length: 4 })).rejects.toSatisfy(
      isZarrPlanError,
    );
  });
});

describe("the directory is shared", () => {
  it("concurrent first reads read the end of the archive once", async () => {
    const good = new Uint8Array(readFileSync(join(ZIPS, "deflated.zarr.zip")));
    const { sliceRange } = await import("../../../src/store/range.js");
    const rec = recording({
      get: async () => good,
      getRange: async (_k, r) => sliceRange(good, r),
    });
    const zip = new ZipStore(rec.store, "a.zip");
    const keys = ["zarr.json", "v3a/zarr.json", "v3a/c/0/0", "v2a/.zarray", "v2a/0"];
    const got = await Promise.all(keys.map((k) => zip.get(k)));
    expect(got.every((v) => v !== undefined && v.length > 0)).toBe(true);
    expect(rec.ranges.filter((r) => "suffixLength" in r)).toHaveLength(1);
    expect(rec.ranges).toHaveLength(1 + keys.length);
  });

  it("a failed directory read is retried by the next call", async () => {
    const good = new Uint8Array(readFileSync(join(ZIPS, "stored.zarr.zip")));
    const { sliceRange } = await import("../../../src/store/range.js");
    let fail = true;
    const zip = new ZipStore(
      {
        get: async () => good,
        getRange: async (_k, r) => {
          if (fail) throw new StoreError("temporary", { key: "a.zip", transient: true });
          return sliceRange(good, r);
        },
      },
      "a.zip",
    );
    await expect(zip.get("zarr.json")).rejects.toThrow(/temporary/);
    fail = false;
    expect(await zip.get("zarr.json")).toBeDefined();
  });
});
