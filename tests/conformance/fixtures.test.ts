/**
 * Conformance: every array of the bundled fixtures (written by zarr-python, tensorstore and
 * zarr_implementations) reads back exactly as its `.npy`, every group lists the manifest's members
 * and attributes, and the EGM96 dataset reads identically through the filesystem and over HTTP.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readNpy } from "../../src/format/npy.js";
import { open, openArray, openGroup, ZarrArray, ZarrGroup } from "../../src/hierarchy/index.js";
import { FetchStore } from "../../src/store/fetch.js";
import { FileSystemStore } from "../../src/store/fs.js";
import { diffArrays } from "../helpers/compare.js";
import { type StaticServer, startStaticServer } from "../helpers/static-server.js";

const FIXTURES = join(import.meta.dirname, "../../data/fixtures");
const DATASETS = join(import.meta.dirname, "../../data/datasets");

interface ManifestArray {
  id: string;
  store: string;
  path: string;
  zarr_format: 2 | 3;
  shape: number[];
  chunks: number[];
  npy: string;
  attributes: Record<string, unknown>;
  dimension_names: (string | null)[] | null;
}
interface ManifestGroup {
  store: string;
  path: string;
  zarr_format: 2 | 3;
  attributes: Record<string, unknown>;
  groups: string[];
  arrays: string[];
  consolidated: string | null;
}
const manifest = JSON.parse(readFileSync(join(FIXTURES, "manifest.json"), "utf8")) as {
  arrays: ManifestArray[];
  groups: ManifestGroup[];
};

describe("fixtures: every array reads exactly as its .npy", () => {
  it("the manifest lists 176 arrays and 21 groups", () => {
    expect(manifest.arrays.length).toBe(176);
    expect(manifest.groups.length).toBe(21);
  });
  for (const entry of manifest.arrays) {
    it(entry.id, async () => {
      const store = new FileSystemStore(join(FIXTURES, entry.store));
      const arr = await openArray(store, entry.path);
      expect(arr.zarrFormat).toBe(entry.zarr_format);
      expect([...arr.shape]).toEqual(entry.shape);
      expect([...arr.chunkShape]).toEqual(entry.chunks);
      expect(arr.attributes).toEqual(entry.attributes);
      const expected = readNpy(readFileSync(join(FIXTURES, entry.npy)));
      const actual = await arr.read();
      expect(diffArrays(actual, expected)).toBeUndefined();
    });
  }
});

describe("fixtures: groups list their members and attributes", () => {
  for (const g of manifest.groups) {
    it(`${g.store}:${g.path || "/"}`, async () => {
      const store = new FileSystemStore(join(FIXTURES, g.store));
      const group = await openGroup(store, g.path);
      expect(group.zarrFormat).toBe(g.zarr_format);
      expect(group.attributes).toEqual(g.attributes);
      expect(group.isConsolidated).toBe(g.consolidated !== null);
      const members = await group.members();
      const groups = [...members].filter(([, n]) => n instanceof ZarrGroup).map(([k]) => k);
      const arrays = [...members].filter(([, n]) => n instanceof ZarrArray).map(([k]) => k);
      expect(groups.sort()).toEqual([...g.groups].sort());
      expect(arrays.sort()).toEqual([...g.arrays].sort());
    });
  }
});

describe("EGM96 geoid dataset", () => {
  const expected = readNpy(readFileSync(join(DATASETS, "egm96_geoid.npy")));
  let server: StaticServer;
  beforeAll(async () => {
    server = await startStaticServer(DATASETS);
  });
  afterAll(async () => {
    await server.close();
  });

  for (const name of ["egm96.zarr", "egm96_v2.zarr"]) {
    it(`${name} geoid through FileSystemStore`, async () => {
      const arr = await openArray(new FileSystemStore(join(DATASETS, name)), "geoid");
      expect(diffArrays(await arr.read(), expected)).toBeUndefined();
    });
    it(`${name} geoid through FetchStore over HTTP`, async () => {
      const store = new FetchStore(`${server.url}${name}/`);
      const root = await openGroup(store);
      expect(root.isConsolidated).toBe(true);
      const arr = await root.open("geoid");
      expect(arr).toBeInstanceOf(ZarrArray);
      expect(diffArrays(await (arr as ZarrArray).read(), expected)).toBeUndefined();
    });
  }

  it("the v3 store opens its whole tree from consolidated metadata", async () => {
    const root = await openGroup(new FileSystemStore(join(DATASETS, "egm96.zarr")));
    const tree = await root.tree();
    const names = (tree.children ?? []).map((c) => c.name);
    expect(names).toEqual(["geoid", "lat", "lon", "multiscale"]);
    const ms = tree.children!.find((c) => c.name === "multiscale")!;
    expect(ms.children!.map((c) => c.name)).toEqual(["0", "1", "2", "3", "4"]);
    const level2 = await open(new FileSystemStore(join(DATASETS, "egm96.zarr")), "multiscale/2");
    expect((level2 as ZarrArray).shape).toEqual([180, 360]);
    expect(level2.attributes.scale).toBe(4);
  });
});
