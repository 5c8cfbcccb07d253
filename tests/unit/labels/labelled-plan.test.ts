/**
 * Labelled plans: two stages in explain(), coordinate arrays read once per plan (and, with the
 * Context's chunk cache on, once per Context), isel/sel errors, dimension names of v2/v3 arrays.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  Context,
  CountingStore,
  DimensionError,
  FileSystemStore,
  isZarrPlanError,
  LabelError,
  labelledPlan,
  labelSlice,
  openArray,
  openDataset,
  slice,
} from "../../../src/index.js";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const EGM = join(ROOT, "data", "datasets", "egm96.zarr");
const CF = join(ROOT, "tests", "fixtures", "labelled", "cf.zarr");

function keysRead(store: CountingStore): string[] {
  return store.log.map((r) => r.key);
}

describe("labelled plans", () => {
  it("ten sel reads on one dataset read each coordinate array once", async () => {
    const store = new CountingStore(new FileSystemStore(EGM));
    const ds = await openDataset(store);
    const reads = Object.fromEntries(
      Array.from({ length: 10 }, (_, k) => [
        `r${k}`,
        ds
          .view("geoid")
          .sel({ lat: slice(-80 + 15 * k, -75 + 15 * k), lon: slice(10 * k, 10 * k + 5) }),
      ]),
    );
    const p = labelledPlan(reads);
    expect(p.coordinates.names).toEqual(["coord:lat", "coord:lon"]);
    store.reset();
    const out = await p.read();
    const keys = keysRead(store);
    expect(keys.filter((k) => k.startsWith("lat/")).length).toBe(1);
    expect(keys.filter((k) => k.startsWith("lon/")).length).toBe(1);
    for (let k = 0; k < 10; k++) {
      const r = out[`r${k}`]!;
      expect(r.dims).toEqual(["lat", "lon"]);
      expect(r.shape).toEqual([21, 21]);
      expect((r.coords.lat as number[])[0]).toBe(-80 + 15 * k);
      expect((r.coords.lon as number[])[20]).toBe(10 * k + 5);
    }
  });

  it("with the Context's chunk cache on, a second plan reads no coordinate array", async () => {
    const store = new CountingStore(new FileSystemStore(EGM));
    const context = new Context({ cache: { chunkBytes: 1 << 20 } });
    try {
      const ds = await openDataset(store, "", { context });
      const view = ds.view("geoid").sel({ lat: 10, lon: 20 });
      await labelledPlan({ a: view }).read();
      store.reset();
      const r = await labelledPlan({
        b: view,
        c: ds.view("geoid").sel({ lat: 11, lon: 21 }),
      }).read();
      expect(keysRead(store).filter((k) => k.startsWith("lat/") || k.startsWith("lon/"))).toEqual(
        [],
      );
      expect(r.b!.coords).toEqual({ lat: 10, lon: 20 });
    } finally {
      await context.close();
    }
  });

  it("explain() shows the two stages; stage 2 is an estimate until resolve()", async () => {
    const ds = await openDataset(new FileSystemStore(EGM));
    const p = labelledPlan({
      europe: ds.view("geoid").sel({ lat: slice(35, 71), lon: slice(-10, 40) }),
    });
    const e = p.explain();
    expect(e.stages.map((s) => [s.stage, s.title, s.estimate])).toEqual([
      [1, "coordinates", false],
      [2, "data", true],
    ]);
    expect(e.stages[1]!.explanation.reads[0]!.shape).toEqual([721, 1440]);
    const text = p.explainText();
    expect(text).toMatch(/^Stage 1: coordinates/);
    expect(text).toMatch(/Stage 2: data \(estimate/);
    const resolved = await p.resolve();
    const e2 = resolved.explain();
    expect(e2.stages[1]!.estimate).toBe(false);
    expect(e2.stages[1]!.explanation.reads[0]!.shape).toEqual([145, 201]);
    expect(resolved.explainText()).not.toMatch(/estimate before/);
  });

  it("isel by name: unknown dimension is a DimensionError naming it", async () => {
    const a = await openArray(new FileSystemStore(EGM), "geoid");
    expect(a.dimensionNames).toEqual(["lat", "lon"]);
    const v = a.lazy().isel({ lon: slice(0, 4), lat: [3, 1] });
    expect(v.shape).toEqual([2, 4]);
    expect(v.dims).toEqual(["lat", "lon"]);
    expect(a.lazy().isel({ lat: 0 }).dims).toEqual(["lon"]);
    expect(a.lazy().isel({ lat: [7] }).dims).toEqual(["lat", "lon"]);
    const err = (() => {
      try {
        a.lazy().isel({ depth: 0 });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(DimensionError);
    expect((err as DimensionError).dimension).toBe("depth");
    expect(String((err as Error).message)).toMatch(/"depth".*lat, lon/);
  });

  it("v2 _ARRAY_DIMENSIONS names dimensions", async () => {
    const a = await openArray(
      new FileSystemStore(join(ROOT, "data", "datasets", "egm96_v2.zarr")),
      "geoid",
    );
    expect(a.dimensionNames).toEqual(["lat", "lon"]);
  });

  it("a missing label is a LabelError naming the label and the coordinate; no data read", async () => {
    const store = new CountingStore(new FileSystemStore(EGM));
    const ds = await openDataset(store);
    store.reset();
    const err = await ds
      .view("geoid")
      .sel({ lat: 45.1 })
      .read()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabelError);
    expect((err as LabelError).dimension).toBe("lat");
    expect((err as LabelError).label).toBe(45.1);
    expect((err as Error).message).toMatch(/coordinate "lat".*45\.1/);
    expect(keysRead(store).some((k) => k.startsWith("geoid/"))).toBe(false);
  });

  it("sel on a dimension that is not there is a DimensionError at once", async () => {
    const ds = await openDataset(new FileSystemStore(CF));
    expect(() => ds.view("t2m").sel({ depth: 1 })).toThrow(DimensionError);
  });

  it("CF time: partial dates, label slices of dates, nearest", async () => {
    const ds = await openDataset(new FileSystemStore(CF));
    const jan = await ds.view("t2m").sel({ time: "2020-01", lat: 45, lon: -20 }).read();
    expect(jan.shape).toEqual([31]);
    expect((jan.coords.time as string[])[30]).toBe("2020-01-31T00:00:00");
    const r = await ds
      .view("t2m")
      .sel({ time: labelSlice("2020-01-30", "2020-02-01"), lat: slice(40, 35) })
      .read();
    expect(r.dims).toEqual(["time", "lat", "lon"]);
    expect(r.shape).toEqual([3, 2, 8]);
    const bad = await ds
      .view("t2m")
      .sel({ time: "2020-13" })
      .read()
      .catch((e: unknown) => e);
    expect(isZarrPlanError(bad, "ERR_LABEL")).toBe(true);
  });
});

describe("view dims through selections", () => {
  it("slices and orthogonal arrays keep names; newaxis, vindex and masks do not", async () => {
    const a = await openArray(new FileSystemStore(CF), "t2m");
    const v = a.lazy();
    expect(v.dims).toEqual(["time", "lat", "lon"]);
    expect(v.get(slice(0, 5), null, 2).dims).toEqual(["time", null, "lon"]);
    expect(v.oindex([1, 2], slice(), [0, 3]).dims).toEqual(["time", "lat", "lon"]);
    expect(v.vindex([1, 2], [0, 1]).dims).toEqual([null, "lon"]);
    expect(v.get(0).mask(Array.from({ length: 10 }, () => Array(8).fill(true))).dims).toEqual([
      null,
    ]);
    // isel on a view selects by the view's names, and equals the oindex it records.
    const w = v.get(slice(10, 20)).isel({ lon: [7, 0], time: slice(null, null, 3) });
    expect(w.shape).toEqual([4, 10, 2]);
    expect(w.ops!.at(-1)!.kind).toBe("oindex");
    const [x, y] = await Promise.all([
      w.read(),
      v
        .get(slice(10, 20))
        .oindex(slice(null, null, 3), slice(), [7, 0])
        .read(),
    ]);
    expect(Array.from(x.data as Float32Array)).toEqual(Array.from(y.data as Float32Array));
  });
});
