/**
 * `writePlanFromJSON`: the write plan of a plan file's `writes` — each store opened once and each
 * array once however many writes name it, selections replayed (positional ops and `isel`), values
 * from `loadNpy` or scalars (`"NaN"`, `"Infinity"`, `"-Infinity"`), writes in file order (the last
 * wins), nothing written before `write()`; and its errors (JSON paths of invalid members, an npy
 * value without a loader, a loader that fails, `sel` ops, values that do not fit).
 */
import { describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import { isZarrPlanError, ZarrPlanError } from "../../../src/core/errors.js";
import type { NDArray } from "../../../src/core/ndarray.js";
import { Context } from "../../../src/exec/context.js";
import type { RequestLogEntry } from "../../../src/exec/scheduler.js";
import { createArray, openArray } from "../../../src/hierarchy/index.js";
import { writePlanFromJSON } from "../../../src/hierarchy/plan-file.js";
import { PlanFileError } from "../../../src/plan/plan-json.js";
import { MemoryStore } from "../../../src/store/memory.js";
import type { ReadableStore } from "../../../src/store/types.js";

const f64 = (data: number[], shape = [data.length]): NDArray<"float64"> => ({
  data: Float64Array.from(data),
  shape,
  strides: shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1)),
  dtype: dataType("float64"),
});

/** Two stores by location: `main` with `x` (float64 4 × 6, chunks 2 × 3, dims y, x) and `other` with `i` (int8 [5]). */
async function fixture() {
  const log: RequestLogEntry[] = [];
  const context = new Context({ decodeWorkers: { workers: 0 }, onRequest: (e) => log.push(e) });
  const stores: Record<string, MemoryStore> = { main: new MemoryStore(), other: new MemoryStore() };
  await createArray(stores.main!, "x", {
    shape: [4, 6],
    chunks: [2, 3],
    dtype: "float64",
    dimensionNames: ["y", "x"],
    context,
  });
  await createArray(stores.other!, "i", { shape: [5], chunks: [5], dtype: "int8", context });
  const opened: string[] = [];
  const openStore = (location: string): ReadableStore => {
    opened.push(location);
    const s = stores[location];
    if (!s) throw new Error(`no store ${location}`);
    return s;
  };
  log.length = 0;
  return { log, context, stores, opened, openStore };
}

async function readX(store: MemoryStore): Promise<number[]> {
  return Array.from((await (await openArray(store, "x")).read()).data as Float64Array);
}

/** The error `f` rejects with. */
async function rejection(f: () => Promise<unknown>): Promise<unknown> {
  try {
    await f();
  } catch (e) {
    return e;
  }
  throw new Error("did not reject");
}

describe("writePlanFromJSON", () => {
  it("is undefined for a file without writes (absent or empty)", async () => {
    const { context, openStore, opened } = await fixture();
    expect(await writePlanFromJSON({ store: "main", reads: {} }, { context, openStore })).toBe(
      undefined,
    );
    expect(await writePlanFromJSON({ store: "main", writes: [] }, { context, openStore })).toBe(
      undefined,
    );
    expect(opened).toEqual([]);
  });

  it("replays every kind of selection, loads values, opens each store and array once, writes nothing before write()", async () => {
    const { log, context, stores, opened, openStore } = await fixture();
    const loaded: string[] = [];
    const npy: Record<string, NDArray> = {
      "row.npy": f64([1, 2, 3]),
      "pts.npy": f64([7, 8, 9]),
    };
    const json = JSON.stringify({
      store: "main",
      writes: [
        // Rows 0-1, columns 0, 2, 4: a row broadcast.
        { array: "x", ops: [{ get: ["0:2", "::2"] }], value: { npy: "row.npy" } },
        // By dimension name: row 3, columns 1-2.
        { array: "x", ops: [{ isel: { y: 3, x: "1:3" } }], value: { scalar: "-Infinity" } },
        { array: "x", ops: [{ oindex: [[2], [5, 0]] }], value: { scalar: "Infinity" } },
        // (1, 1) twice and (2, 3): the last value of (1, 1) is 8.
        {
          array: "x",
          ops: [
            {
              vindex: [
                [1, 1, 2],
                [1, 1, 3],
              ],
            },
          ],
          value: { npy: "pts.npy" },
        },
        // Last: NaN over (0, 0), which the first write set.
        { array: "x", ops: [{ get: [0, 0] }], value: { scalar: "NaN" } },
        {
          array: "i",
          store: "other",
          ops: [{ mask: [true, false, true, false, false] }],
          value: { scalar: -5 },
        },
      ],
    });
    const w = await writePlanFromJSON(json, {
      context,
      openStore,
      loadNpy: async (p) => {
        loaded.push(p);
        return npy[p]!;
      },
    });
    expect(w).toBeDefined();
    expect(opened.sort()).toEqual(["main", "other"]);
    expect(loaded.sort()).toEqual(["pts.npy", "row.npy"]);
    // Only metadata was read while planning: one document per array.
    expect(log.every((e) => /zarr\.json$/.test(e.key))).toBe(true);
    expect(log.filter((e) => e.key === "x/zarr.json")).toHaveLength(1);
    expect(w!.entries).toHaveLength(6);
    expect(w!.explain()).toMatchObject({ writes: 6, objects: 4 + 1 });
    log.length = 0;
    const r = await w!.write();
    expect(r.stored).toBe(5);
    const I = Number.POSITIVE_INFINITY;
    // Row by row (4 × 6).
    const want = [
      [Number.NaN, 0, 2, 0, 3, 0],
      [1, 8, 2, 0, 3, 0],
      [I, 0, 0, 9, 0, I],
      [0, -I, -I, 0, 0, 0],
    ].flat();
    expect(await readX(stores.main!)).toEqual(want);
    const i = await openArray(stores.other!, "i");
    expect(Array.from((await i.read()).data as Int8Array)).toEqual([-5, 0, -5, 0, 0]);
  });

  it("lists every invalid member of writes by JSON path", async () => {
    const { context, openStore } = await fixture();
    const err = await rejection(() =>
      writePlanFromJSON(
        {
          store: "main",
          writes: [
            { array: "x", ops: [], value: { scalar: "nan" } },
            { array: "x", ops: [{ get: [1.5] }], value: { scalar: 1 } },
            { array: "x", ops: [], value: { npy: "a.npy", scalar: 1 } },
            { array: "x", ops: [] },
          ],
        },
        { context, openStore },
      ),
    );
    expect(err).toBeInstanceOf(PlanFileError);
    const paths = (err as PlanFileError).issues.map((i) => i.path);
    expect(paths).toContain("writes[0].value");
    expect(paths.some((p) => p.startsWith("writes[1].ops[0]"))).toBe(true);
    expect(paths.some((p) => p.startsWith("writes[2].value"))).toBe(true);
    expect(paths.some((p) => p.startsWith("writes[3]"))).toBe(true);
    expect((err as PlanFileError).code).toBe("ERR_PLAN_FILE");
  });

  it("an npy value needs a loader; a loader's failure names the write and the file", async () => {
    const { context, openStore } = await fixture();
    const file = { store: "main", writes: [{ array: "x", ops: [], value: { npy: "v.npy" } }] };
    const none = await rejection(() => writePlanFromJSON(file, { context, openStore }));
    expect(none).toBeInstanceOf(PlanFileError);
    expect((none as PlanFileError).issues).toEqual([
      { path: "writes[0].value", message: expect.stringMatching(/loader/) },
    ]);
    const failing = await rejection(() =>
      writePlanFromJSON(file, {
        context,
        openStore,
        loadNpy: () => Promise.reject(new Error("ENOENT: no such file")),
      }),
    );
    expect(failing).toBeInstanceOf(PlanFileError);
    expect(String(failing)).toMatch(/writes\[0\]\.value\.npy: cannot load "v\.npy": .*ENOENT/);
    // A ZarrPlanError of the loader (e.g. it was aborted) passes through as it is.
    const own = new ZarrPlanError("ERR_ABORTED", "loading v.npy was aborted");
    expect(
      await rejection(() =>
        writePlanFromJSON(file, { context, openStore, loadNpy: () => Promise.reject(own) }),
      ),
    ).toBe(own);
  });

  it("refuses a sel op in a write (it needs coordinates), naming the op", async () => {
    const { context, openStore } = await fixture();
    const err = await rejection(() =>
      writePlanFromJSON(
        { store: "main", writes: [{ array: "x", ops: [{ sel: { y: 1 } }], value: { scalar: 1 } }] },
        { context, openStore },
      ),
    );
    expect(err).toBeInstanceOf(PlanFileError);
    expect((err as PlanFileError).issues[0]!.path).toBe("writes[0].ops[0]");
  });

  it("values that do not fit their target fail while planning, naming the array, before any write", async () => {
    const { log, context, openStore, stores } = await fixture();
    const plan = (value: unknown, array = "x", store?: string) => ({
      store: "main",
      writes: [{ array, ...(store ? { store } : {}), ops: [{ get: [0] }], value }],
    });
    const loadNpy = async () => f64([1, 2, 3, 4]); // 4 values for a row of 6
    const shape = await rejection(() =>
      writePlanFromJSON(plan({ npy: "v.npy" }), { context, openStore, loadNpy }),
    );
    expect(isZarrPlanError(shape) && shape.code).toBe("ERR_WRITE");
    expect(String(shape)).toMatch(/array "x".*could not broadcast shape \[4\]/);
    const i8 = await rejection(() =>
      writePlanFromJSON(plan({ scalar: 300 }, "i", "other"), { context, openStore }),
    );
    expect(isZarrPlanError(i8) && i8.code).toBe("ERR_VALUE");
    const nan = await rejection(() =>
      writePlanFromJSON(plan({ scalar: "NaN" }, "i", "other"), { context, openStore }),
    );
    expect(isZarrPlanError(nan) && nan.code).toBe("ERR_VALUE");
    expect(log.filter((e) => e.op !== "get")).toEqual([]);
    expect(await readX(stores.main!)).toEqual(new Array(24).fill(0));
  });
});
