/**
 * The package as consumers see it: `require("zarr-plan")` through Node's require(esm) (the
 * `default` export condition), the `zarr-plan/crud`, `zarr-plan/decode-worker` and `zarr-plan/serve`
 * entries, `zarr-plan/distribute`, and the tarball's files
 * (`npm pack --dry-run --ignore-scripts`: LICENSE in, no source maps, no install scripts).
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureDist, ROOT } from "../helpers/dist.js";

/** Node's require(esm) without a flag: 20.19+ and 22.12+. */
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
const requireEsm = major > 22 || (major === 22 && minor >= 12) || (major === 20 && minor >= 19);

function run(
  file: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: ROOT, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

beforeAll(ensureDist, 120_000);

describe("package entry points", () => {
  it.skipIf(!requireEsm)(
    "require('zarr-plan') loads the ESM build (needs Node 20.19+ or 22.12+ for require(esm))",
    async () => {
      const r = await run(process.execPath, [
        "-e",
        'const z = require("zarr-plan"); console.log(typeof z.openArray, typeof z.plan, typeof z.Context)',
      ]);
      expect(
        r.stderr.replace(/\(node:\d+\) ExperimentalWarning[^\n]*\n|\(Use `node[^\n]*\n/g, ""),
      ).toBe("");
      expect(r.stdout.trim()).toBe("function function function");
    },
  );

  it("zarr-plan/decode-worker resolves to the built worker module", async () => {
    const r = await run(process.execPath, [
      "--input-type=module",
      "-e",
      'console.log(import.meta.resolve("zarr-plan/decode-worker"))',
    ]);
    expect(r.stdout.trim()).toMatch(/\/dist\/exec\/decode-worker\.js$/);
  });

  it("zarr-plan/crud imports the functional API from the build, the same functions as the main entry", async () => {
    const r = await run(process.execPath, [
      "--input-type=module",
      "-e",
      [
        'const crud = await import("zarr-plan/crud");',
        'const main = await import("zarr-plan");',
        'const names = ["createNode", "readMetadata", "listChildren", "deleteNode", "readChunk", "writeChunk", "deleteChunk", "readRegion"];',
        'console.log(import.meta.resolve("zarr-plan/crud"));',
        'console.log(names.map((n) => typeof crud[n] === "function" && crud[n] === main[n]).join(" "));',
      ].join("\n"),
    ]);
    expect(r.stderr).toBe("");
    const [resolved, same] = r.stdout.trim().split("\n");
    expect(resolved).toMatch(/\/dist\/hierarchy\/crud\/index\.js$/);
    expect(same).toBe(new Array(8).fill("true").join(" "));
  });

  it("zarr-plan/serve (Node only) exports createSliceHandler from the build", async () => {
    const r = await run(process.execPath, [
      "--input-type=module",
      "-e",
      'const s = await import("zarr-plan/serve"); console.log(import.meta.resolve("zarr-plan/serve"), typeof s.createSliceHandler, Object.keys(s.DEFAULT_SLICE_LIMITS).length > 0)',
    ]);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toMatch(/\/dist\/serve\/index\.js function true$/);
  });

  it("zarr-plan/distribute (Node only) exports the BullMQ runner from the build", async () => {
    const r = await run(process.execPath, [
      "--input-type=module",
      "-e",
      'const d = await import("zarr-plan/distribute"); console.log(import.meta.resolve("zarr-plan/distribute"), typeof d.createPartitionWorker, typeof d.runOnQueue, d.parseQueueUrl("redis://127.0.0.1:6379").queue)',
    ]);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toMatch(/\/dist\/distribute\/index\.js function function zarr-plan$/);
  });

  it("package.json: no install scripts, LICENSE shipped, keywords", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
      files: string[];
      keywords?: string[];
    };
    for (const s of ["preinstall", "install", "postinstall", "prepare"]) {
      expect(pkg.scripts[s], s).toBeUndefined();
    }
    expect(pkg.scripts.prepack).toBe("npm run build");
    expect(pkg.files).toContain("LICENSE");
    expect(readFileSync(join(ROOT, "LICENSE"), "utf8")).toMatch(
      /^MIT License\n\nCopyright \(c\) \d{4} zarr-plan contributors/,
    );
    // No repository/homepage: the project has no public address yet (none is invented).
    expect(pkg.keywords).toContain("zarr");
  });

  it("the tarball holds dist, README and LICENSE, and no source maps", async () => {
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const r = await run(npm, ["pack", "--dry-run", "--json", "--ignore-scripts"]);
    expect(r.code, r.stderr).toBe(0);
    const [info] = JSON.parse(r.stdout) as [{ files: { path: string }[] }];
    const paths = info.files.map((f) => f.path);
    expect(paths).toContain("LICENSE");
    expect(paths).toContain("README.md");
    expect(paths).toContain("dist/index.js");
    expect(paths).toContain("dist/exec/decode-worker.js");
    expect(paths).toContain("dist/hierarchy/crud/index.js");
    expect(paths).toContain("dist/hierarchy/crud/index.d.ts");
    expect(paths.filter((p) => p.endsWith(".map"))).toEqual([]);
    expect(paths.filter((p) => !/^(dist\/|README\.md$|LICENSE$|package\.json$)/.test(p))).toEqual(
      [],
    );
  });
});
