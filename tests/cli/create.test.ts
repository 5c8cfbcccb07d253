/**
 * `zarr-plan create SPEC.json DIR`, in process (`main` from src/cli/program.ts): both spec forms,
 * `--zarr-format 2`, `--consolidate`, `--overwrite`, and the errors (exit codes, nothing written).
 * What was created is checked by opening it with the library.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { nodesOfSpec } from "../../src/cli/commands/create.js";
import { FileSystemStore, openArray, openGroup } from "../../src/index.js";
import { cli } from "../helpers/cli.js";

const TMP = mkdtempSync(join(tmpdir(), "zarr-plan-create-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

let n = 0;
/** A fresh spec file with `json` and a store path next to it (not created). */
function setup(json: unknown): { spec: string; dir: string } {
  const base = join(TMP, `case-${n++}`);
  const spec = `${base}.json`;
  writeFileSync(spec, typeof json === "string" ? json : JSON.stringify(json));
  return { spec, dir: join(base, "out.zarr") };
}

const SPEC = {
  "": { kind: "group", attributes: { title: "t" } },
  "a/x": { kind: "array", shape: [6, 4], dtype: "int16", chunks: [3, 2], fillValue: 5 },
  "a/y": { kind: "array", shape: [3], dtype: "float64", fillValue: "-Infinity" },
};

describe("zarr-plan create", () => {
  it("creates the hierarchy of a {nodes: …} spec and prints the nodes it wrote", async () => {
    const { spec, dir } = setup({ nodes: SPEC });
    const r = await cli(["create", spec, dir]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(`created 4 nodes in ${dir}`);
    expect(lines[1]).toMatch(/group, zarr v3$/);
    expect(lines.slice(2).map((l) => l.slice(0, l.search(/\S {2,}\S/) + 1))).toEqual([
      "└── a/",
      "    ├── x",
      "    └── y",
    ]);
    const store = new FileSystemStore(dir);
    expect((await openGroup(store)).attributes).toEqual({ title: "t" });
    const x = await openArray(store, "a/x", { dtype: "int16" });
    expect([x.shape, x.chunks, x.fillValue]).toEqual([[6, 4], [3, 2], 5]);
    expect((await openArray(store, "a/y")).fillValue).toBe(Number.NEGATIVE_INFINITY);
  });

  it("takes the record itself, --zarr-format 2 and --consolidate", async () => {
    const { spec, dir } = setup(SPEC);
    const r = await cli(["create", spec, dir, "--zarr-format", "2", "--consolidate"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[1]).toMatch(/group, zarr v2, consolidated metadata$/);
    expect(readdirSync(dir).sort()).toEqual([".zattrs", ".zgroup", ".zmetadata", "a"]);
    const root = await openGroup(new FileSystemStore(dir));
    expect(root.isConsolidated).toBe(true);
    expect((await root.openArray("a/x")).zarrFormat).toBe(2);
  });

  it("refuses to replace existing nodes without --overwrite, with nothing written; replaces with it", async () => {
    const { spec, dir } = setup(SPEC);
    expect((await cli(["create", spec, dir])).code).toBe(0);
    const x = await openArray(new FileSystemStore(dir), "a/x", { dtype: "int16" });
    await x.write(1);
    const again = await cli(["create", spec, dir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("pass --overwrite");
    expect(readdirSync(join(dir, "a/x")).sort()).toEqual(["c", "zarr.json"]);
    const over = await cli(["create", spec, dir, "--overwrite"]);
    expect(over.code).toBe(0);
    expect(readdirSync(join(dir, "a/x"))).toEqual(["zarr.json"]); // the chunks went with the node
  });

  it.each([
    ["a spec that is not JSON", "{", 1, "is not JSON"],
    [
      "an invalid spec (every problem listed)",
      { a: { kind: "array", shape: [-1], dtype: "int8" }, b: { kind: "x" } },
      1,
      'nodes["a"].shape[0]',
    ],
    ["a spec that is not an object", "[1]", 2, "expected a JSON object"],
  ] as const)("%s: exit code %s, nothing written", async (_what, json, code, message) => {
    const { spec, dir } = setup(json);
    const r = await cli(["create", spec, dir]);
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(message);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });

  it("a missing spec file, a URL store, a bad --zarr-format", async () => {
    const missing = await cli(["create", join(TMP, "nope.json"), join(TMP, "nope.zarr")]);
    expect([missing.code, missing.stderr]).toEqual([
      1,
      `error: spec file "${join(TMP, "nope.json")}" does not exist\n`,
    ]);
    const { spec } = setup(SPEC);
    const url = await cli(["create", spec, "https://example.org/x.zarr"]);
    expect(url.code).toBe(1);
    expect(url.stderr).toContain("local directory");
    const format = await cli(["create", spec, join(TMP, "f.zarr"), "--zarr-format", "4"]);
    expect(format.code).toBe(2);
  });

  it('nodesOfSpec: a node at path "nodes" is a node, not the wrapper', () => {
    const node = { kind: "group" };
    expect(nodesOfSpec({ nodes: node }, "s.json")).toEqual({ nodes: node });
    expect(nodesOfSpec({ nodes: { a: node } }, "s.json")).toEqual({ a: node });
  });
});
