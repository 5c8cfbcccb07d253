/**
 * `get --sel/--isel` and `explain --sel` in process (`main(argv, io)`): label text parsing, labelled
 * JSON and CSV output, errors naming the label.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseIndexSelection, parseLabelSelection } from "../../src/cli/labels.js";
import { labelSlice, slice } from "../../src/index.js";
import { cli } from "../helpers/cli.js";

const ROOT = join(import.meta.dirname, "../..");
const EGM96 = join(ROOT, "data/datasets/egm96.zarr");
const CF = join(ROOT, "tests/fixtures/labelled/cf.zarr");
const TMP = mkdtempSync(join(tmpdir(), "zarr-plan-labels-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await cli(argv);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

describe("cli labelled selections", () => {
  it("parses --sel and --isel text", () => {
    expect(parseLabelSelection("lat=35:71,lon=-10:40,time=2020-01")).toEqual({
      lat: labelSlice(35, 71),
      lon: labelSlice(-10, 40),
      time: "2020-01",
    });
    expect(parseLabelSelection("time=2020-01-01T06:00..2020-01-02,lon=[0,5, 10],lat=:3")).toEqual({
      time: labelSlice("2020-01-01T06:00", "2020-01-02"),
      lon: [0, 5, 10],
      lat: labelSlice(null, 3),
    });
    expect(parseIndexSelection("lat=10:20,time=5,lon=[0,4],x=::-1")).toEqual({
      lat: slice(10, 20),
      time: 5,
      lon: [0, 4],
      x: slice(null, null, -1),
    });
    expect(() => parseIndexSelection("lat=1.5")).toThrow(/integer/);
    expect(() => parseLabelSelection("lat")).toThrow(/name=value/);
  });

  it("get --sel prints dims, coords and values", async () => {
    const r = await run("get", EGM96, "geoid", "--sel", "lat=50:50.5,lon=0");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/float32 \[3\]/);
    expect(r.out).toMatch(/dims: lat\n {2}lat: 50, 50.25, 50.5 \(3 values\)\n {2}lon: 0\n/);
  });

  it("get --sel --out .json and .csv carry dims and coords", async () => {
    const json = join(TMP, "a.json");
    expect(
      (
        await run(
          "get",
          CF,
          "t2m",
          "--isel",
          "lat=0",
          "--sel",
          "time=2020-01-01:2020-01-02,lon=[-5,0]",
          "--out",
          json,
        )
      ).code,
    ).toBe(0);
    const doc = JSON.parse(readFileSync(json, "utf8"));
    expect(doc.dims).toEqual(["time", "lon"]);
    expect(doc.shape).toEqual([2, 2]);
    expect(doc.coords).toEqual({
      time: ["2020-01-01T00:00:00", "2020-01-02T00:00:00"],
      lat: 45,
      lon: [-5, 0],
    });
    const csv = join(TMP, "a.csv");
    expect(
      (
        await run(
          "get",
          CF,
          "t2m",
          "--sel",
          "time=2020-01-01,lat=12,lon=3",
          "--method",
          "nearest",
          "--out",
          csv,
        )
      ).code,
    ).toBe(0);
    const lines = readFileSync(csv, "utf8").trim().split("\n");
    expect(lines[0]).toBe("time,lat,lon,value");
    expect(lines.length).toBe(2);
    expect(lines[1]).toMatch(/^2020-01-01T00:00:00,10,5,\d/);
  });

  it("a missing label fails naming it", async () => {
    const r = await run("get", CF, "t2m", "--sel", "lat=12.4");
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/label 12\.4 is not in the coordinate/);
  });

  it("explain --sel shows the two stages", async () => {
    const r = await run("explain", EGM96, "geoid", "--sel", "lat=35:71,lon=-10:40");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Stage 1: coordinates[\s\S]*Stage 2: data \(estimate/);
  });
});
