/** Plan files with `isel` and `sel` ops: validation, planFromJSON (isel), labelledPlanFromJSON, toJSON round trip. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  FileSystemStore,
  isZarrPlanError,
  labelledPlan,
  labelledPlanFromJSON,
  labelSlice,
  openDataset,
  PlanFileError,
  parsePlanFile,
  planFromJSON,
} from "../../../src/index.js";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const EGM = join(ROOT, "data", "datasets", "egm96.zarr");
const CF = join(ROOT, "tests", "fixtures", "labelled", "cf.zarr");

describe("plan files with isel / sel", () => {
  it("validates isel and sel ops, naming the offending member", () => {
    expect(() =>
      parsePlanFile({
        store: EGM,
        reads: { a: { array: "geoid", ops: [{ isel: { lat: 1.5 } }] } },
      }),
    ).toThrow(PlanFileError);
    expect(() =>
      parsePlanFile({
        store: EGM,
        reads: { a: { array: "geoid", ops: [{ sel: { lat: 1 }, method: "closest" }] } },
      }),
    ).toThrow(/reads\.a\.ops\[0\]/);
    const ok = parsePlanFile({
      store: EGM,
      reads: {
        a: { array: "geoid", ops: [{ isel: { lat: "10:20", lon: [1, 2], x: 3 } }] },
        b: {
          array: "geoid",
          ops: [
            { sel: { lat: { slice: [35, null] }, t: "2020-01" }, method: "nearest", tolerance: 1 },
          ],
        },
      },
    });
    expect(Object.keys(ok.reads)).toEqual(["a", "b"]);
  });

  it("planFromJSON applies isel by name; a sel op needs labelledPlanFromJSON", async () => {
    const p = await planFromJSON({
      store: EGM,
      reads: { a: { array: "geoid", ops: [{ isel: { lat: "10:20", lon: [1, 2] } }] } },
    });
    expect(p.views[0]!.shape).toEqual([10, 2]);
    const err = await planFromJSON({
      store: EGM,
      reads: { a: { array: "geoid", ops: [{ sel: { lat: 5 } }] } },
    }).catch((e: unknown) => e);
    expect(isZarrPlanError(err, "ERR_PLAN_FILE")).toBe(true);
    expect((err as Error).message).toMatch(/reads\.a\.ops\[0\].*labelledPlanFromJSON/);
  });

  it("a labelled plan saves and reads back to the same results", async () => {
    const ds = await openDataset(new FileSystemStore(CF));
    const egm = await openDataset(new FileSystemStore(EGM));
    const p = labelledPlan({
      jan: ds
        .view("t2m")
        .isel({ lon: [0, 7] })
        .sel({ time: "2020-01", lat: 12 }, { method: "nearest", tolerance: 5 }),
      europe: egm.view("geoid").sel({ lat: labelSlice(35, 40), lon: labelSlice(-10, -5) }),
      plain: egm.view("geoid").base.isel({ lat: 3 }),
    });
    const json = JSON.parse(JSON.stringify(p.toJSON()));
    expect(json.reads.jan.ops).toEqual([
      { isel: { lon: [0, 7] } },
      { sel: { time: "2020-01", lat: 12 }, method: "nearest", tolerance: 5 },
    ]);
    expect(json.store).toBe(EGM);
    expect(json.reads.jan.store).toBe(CF);
    const back = await labelledPlanFromJSON(json);
    const [a, b] = await Promise.all([p.read(), back.read()]);
    for (const name of ["jan", "europe", "plain"]) {
      expect(b[name]!.shape).toEqual(a[name]!.shape);
      expect(b[name]!.coords).toEqual(a[name]!.coords);
      expect(Array.from(b[name]!.data as Float32Array)).toEqual(
        Array.from(a[name]!.data as Float32Array),
      );
    }
    expect(a.jan!.shape).toEqual([31, 2]);
    expect(a.jan!.coords.lat).toBe(10);
  });
});
