/**
 * Labelled selections against xarray: the cases and answers recorded by
 * `tests/fixtures/labelled/gen.py` (xarray `sel` / `isel` on in-memory DataArrays of the same data)
 * replayed through `openDataset(…).view(…).isel/sel(…).read()` on the stored arrays: EGM96 (v3
 * sharded and v2, latitude ascending as stored) and a small CF dataset (v2, latitude descending,
 * a `days since` time axis).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type Context,
  datetime64Encoding,
  FileSystemStore,
  type IselItem,
  isZarrPlanError,
  LabelError,
  type LabelledView,
  type LabelSelector,
  labelSlice,
  openDataset,
  resolveLabels,
  slice,
} from "../../../src/index.js";
import { decodeValue, formatInstant } from "../../../src/index-space/labels/time.js";

const ROOT = join(import.meta.dirname, "..", "..", "..");
const FIX = join(ROOT, "tests", "fixtures", "labelled");

type Json = number | string | null | { slice: (number | string | null)[] } | Json[];
interface Step {
  sel?: Record<string, Json>;
  isel?: Record<string, Json>;
  method?: "nearest";
  tolerance?: number;
}
interface Case {
  steps: Step[];
  error?: string;
  shape?: number[];
  dims?: string[];
  coords?: Record<string, number | string | (number | string)[]>;
  sum?: number;
  data?: number[];
  samples?: Record<string, number>;
}
const reference = JSON.parse(readFileSync(join(FIX, "reference.json"), "utf8")) as Record<
  string,
  Case[]
>;

function labelOf(v: Json): LabelSelector {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    return labelSlice(v.slice[0] as number | string | null, v.slice[1] as number | string | null);
  }
  return v as LabelSelector;
}

function indexOf(v: Json): IselItem {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    return slice(...(v.slice as (number | null)[]));
  }
  return v as IselItem;
}

function apply(view: LabelledView, steps: Step[]): LabelledView {
  let v = view;
  for (const s of steps) {
    if (s.isel) {
      v = v.isel(Object.fromEntries(Object.entries(s.isel).map(([k, x]) => [k, indexOf(x)])));
    } else if (s.sel) {
      v = v.sel(Object.fromEntries(Object.entries(s.sel).map(([k, x]) => [k, labelOf(x)])), {
        ...(s.method ? { method: s.method } : {}),
        ...(s.tolerance !== undefined ? { tolerance: s.tolerance } : {}),
      });
    }
  }
  return v;
}

async function check(view: LabelledView, c: Case): Promise<void> {
  const v = apply(view, c.steps);
  if (c.error) {
    const err = await v.read().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isZarrPlanError(err, "ERR_LABEL"), String(err)).toBe(true);
    return;
  }
  const r = await v.read();
  expect(r.shape).toEqual(c.shape);
  expect(r.dims).toEqual(c.dims);
  // xarray's floats as numbers, its times as ISO strings.
  const plain = (x: number | bigint | string) => (typeof x === "string" ? x : Number(x));
  const coords = Object.fromEntries(
    Object.entries(r.coords).map(([k, x]) => [
      k,
      Array.isArray(x) ? (x as (number | bigint | string)[]).map(plain) : plain(x as number),
    ]),
  );
  expect(coords).toEqual(c.coords);
  const data = Array.from(r.data as Float32Array, Number);
  let sum = 0;
  for (const x of data) if (!Number.isNaN(x)) sum += x;
  expect(sum).toBeCloseTo(c.sum!, Math.abs(c.sum!) > 1e5 ? 0 : 3);
  if (c.data) expect(data).toEqual(c.data);
  for (const [i, x] of Object.entries(c.samples ?? {})) expect(data[Number(i)]).toBe(x);
}

function label(c: Case): string {
  return JSON.stringify(c.steps);
}

describe("labelled selections equal xarray's (reference.json from gen.py)", () => {
  let context: Context | undefined;
  const cfCases = reference.cf!;
  it.each(cfCases.map((c) => [label(c), c] as const))(
    "cf.zarr (lat descending, CF time) %s",
    async (_, c) => {
      const ds = await openDataset(new FileSystemStore(join(FIX, "cf.zarr")));
      expect(ds.coords.time?.time?.unitSeconds).toBe(86400);
      await check(ds.view("t2m"), c);
    },
  );
  for (const name of ["egm96.zarr", "egm96_v2.zarr"]) {
    it.each(reference.egm96!.map((c) => [label(c), c] as const))(
      `${name} (lat ascending) %s`,
      async (_, c) => {
        const ds = await openDataset(
          new FileSystemStore(join(ROOT, "data", "datasets", name)),
          "",
          context ? { context } : {},
        );
        await check(ds.view("geoid"), c);
      },
    );
  }
});

describe("a numpy.datetime64[ns] axis resolves as xarray does (int64 values as bigints)", () => {
  const values = BigInt64Array.from(
    (reference.datetime64_values as unknown as string[]).map(BigInt),
  );
  const enc = datetime64Encoding("ns")!;
  const coord = { dimension: "time", path: "time", values, time: enc };
  it.each(reference.datetime64!.map((c) => [label(c), c] as const))("%s", (_, c) => {
    const step = c.steps[0]!;
    const run = () =>
      resolveLabels(coord, labelOf(step.sel!.time!), {
        ...(step.method ? { method: step.method } : {}),
      });
    if (c.error) {
      expect(run).toThrow(LabelError);
      return;
    }
    const got = run();
    let positions: number[];
    if (typeof got === "number") positions = [got];
    else if (Array.isArray(got)) positions = [...got];
    else {
      const s = got as { start: number; stop: number };
      positions = Array.from({ length: s.stop - s.start }, (_, k) => s.start + k);
    }
    expect(positions).toEqual(c.data);
    const labels = positions.map((i) => formatInstant(decodeValue(values[i]!, enc), enc.calendar));
    expect(typeof got === "number" ? labels[0] : labels).toEqual(c.coords!.time);
  });
});
