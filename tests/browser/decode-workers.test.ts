/**
 * Browser check: the built package, bundled for browsers by esbuild (which follows package.json's
 * `"browser"` field), reads EGM96 over HTTP in headless Chromium with every chunk decoded on
 * module Web Workers, bit-exactly, driven by playwright-core. Skipped where no Chromium is
 * installed (CI machines have none; `apt-get install chromium` provides it). `dist/` is built
 * first when missing or stale (tests/helpers/dist.ts). The worker is bundled from the package's
 * `zarr-plan/decode-worker` export, as a user's build would.
 */
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDist } from "../helpers/dist.js";
import { type StaticServer, startStaticServer } from "../helpers/static-server.js";

const ROOT = join(import.meta.dirname, "../..");
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].find(
  (p) => existsSync(p),
);

/** The text of `#result` once the page has replaced "pending" (headless Chromium). */
async function pageResult(url: string): Promise<string> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM!,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(
      () => document.getElementById("result")?.textContent !== "pending",
      null,
      { timeout: 60_000 },
    );
    return (await page.textContent("#result")) ?? "";
  } finally {
    await browser.close();
  }
}

describe.skipIf(!CHROMIUM)("in a browser (headless Chromium; skipped without Chromium)", () => {
  beforeAll(ensureDist, 120_000);
  let dir = "";
  let server: StaticServer | undefined;
  afterAll(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("EGM96 v3 and v2 read bit-exactly with chunks decoded on module Web Workers", async () => {
    dir = await mkdtemp(join(tmpdir(), "zarr-plan-browser-"));
    // The page imports "zarr-plan" by name, as a user's app does.
    await mkdir(join(dir, "node_modules"));
    await symlink(ROOT, join(dir, "node_modules", "zarr-plan"), "dir");
    const common = {
      bundle: true,
      format: "esm" as const,
      platform: "browser" as const,
      target: "es2022",
      logLevel: "silent" as const,
      nodePaths: [join(ROOT, "node_modules")],
    };
    await build({
      ...common,
      entryPoints: [join(ROOT, "tests/browser/page.ts")],
      outfile: join(dir, "www/main.js"),
      absWorkingDir: dir,
    });
    // The pool starts `new URL("./decode-worker.js", import.meta.url)`: next to the bundle.
    await build({
      ...common,
      entryPoints: ["zarr-plan/decode-worker"],
      outfile: join(dir, "www/decode-worker.js"),
      absWorkingDir: dir,
    });
    await writeFile(
      join(dir, "www/index.html"),
      '<!doctype html><meta charset="utf-8"><pre id="result">pending</pre><script type="module" src="main.js"></script>\n',
    );
    await cp(join(ROOT, "data/datasets"), join(dir, "www/data"), { recursive: true });
    server = await startStaticServer(join(dir, "www"));
    const result = JSON.parse(await pageResult(`${server.url}index.html`));
    expect(result.error).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.results).toEqual({
      "egm96.zarr": { shape: [721, 1440], mismatches: 0 },
      "egm96_v2.zarr": { shape: [721, 1440], mismatches: 0 },
    });
    expect(result.workers).toBe(2);
    expect(result.offloaded).toBeGreaterThan(0);
    expect(result.fsError).toMatch(/needs Node's file system/);
  }, 120_000);
});
