/**
 * Browser check: the built package, bundled for browsers by esbuild (which follows package.json's
 * `"browser"` field) and by Vite with its default configuration (`vite build`, no config file),
 * reads EGM96 over HTTP in headless Chromium with every chunk decoded on module Web Workers,
 * bit-exactly, driven by playwright-core; bodies of 2 MiB or more read through `FetchStore` are
 * taken whole (`Response.blob()`) with the same bytes. Workers that cannot start warn once and decode on the
 * page's thread. Skipped where no Chromium is
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
import { build as viteBuild, createServer as viteServer } from "vite";
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

/** What the page (tests/browser/page.ts) reports, checked the same way for every bundler. */
function checkResult(text: string): void {
  const result = JSON.parse(text);
  expect(result.error).toBeUndefined();
  expect(result.ok).toBe(true);
  expect(result.results).toEqual({
    "egm96.zarr": { shape: [721, 1440], mismatches: 0 },
    "egm96_v2.zarr": { shape: [721, 1440], mismatches: 0 },
  });
  expect(result.workers).toBe(2);
  expect(result.offloaded).toBeGreaterThan(0);
  expect(result.fsError).toMatch(/needs Node's file system/);
  // Encoding on the same workers: plain and sharded, byte-identical; 1 + 8 inner chunks offloaded.
  expect(result.encode).toEqual({ identical: [true, true], offloaded: 9 });
  // Bodies of 2 MiB or more taken whole (blob) with the same bytes: the object and the 3 MiB range.
  expect(result.wholeBodies).toEqual({ whole: true, range: true, small: true, blobs: 2 });
  // Workers that fail to start: one warning, every value still right, nothing offloaded.
  expect(result.fallback.mismatches).toBe(0);
  expect(result.fallback.offloaded).toBe(0);
  expect(result.fallback.warnings).toHaveLength(1);
  expect(result.fallback.warnings[0]).toMatch(
    /^zarr-plan: decode workers could not start \(.+\); decoding on the calling thread instead/,
  );
}

const INDEX_HTML =
  '<!doctype html><meta charset="utf-8"><pre id="result">pending</pre><script type="module" src="main.js"></script>\n';

describe.skipIf(!CHROMIUM)("in a browser (headless Chromium; skipped without Chromium)", () => {
  beforeAll(ensureDist, 120_000);
  let dir = "";
  const servers: StaticServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A temporary app directory whose node_modules holds this package, as a user's app has it. */
  async function appDir(): Promise<string> {
    if (dir) return dir;
    dir = await mkdtemp(join(tmpdir(), "zarr-plan-browser-"));
    await mkdir(join(dir, "node_modules"));
    await symlink(ROOT, join(dir, "node_modules", "zarr-plan"), "dir");
    return dir;
  }

  /** Serves `www` (with the datasets under data/) and returns what the page reports. */
  async function served(www: string): Promise<string> {
    await cp(join(ROOT, "data/datasets"), join(www, "data"), { recursive: true });
    const server = await startStaticServer(www);
    servers.push(server);
    return pageResult(`${server.url}index.html`);
  }

  it("esbuild: EGM96 v3 and v2 read bit-exactly with chunks decoded on module Web Workers", async () => {
    const app = await appDir();
    const common = {
      bundle: true,
      format: "esm" as const,
      platform: "browser" as const,
      target: "es2022",
      logLevel: "silent" as const,
      nodePaths: [join(ROOT, "node_modules")],
      absWorkingDir: app,
    };
    // The page imports "zarr-plan" by name, as a user's app does.
    await build({
      ...common,
      entryPoints: [join(ROOT, "tests/browser/page.ts")],
      outfile: join(app, "www-esbuild/main.js"),
    });
    // The pool starts `new URL("./decode-worker.js", import.meta.url)`: next to the bundle.
    await build({
      ...common,
      entryPoints: ["zarr-plan/decode-worker"],
      outfile: join(app, "www-esbuild/decode-worker.js"),
    });
    await writeFile(join(app, "www-esbuild/index.html"), INDEX_HTML);
    checkResult(await served(join(app, "www-esbuild")));
  }, 120_000);

  it("vite build with the default configuration: the same page, workers bundled by Vite", async () => {
    const app = await appDir();
    const src = join(app, "vite-src");
    await mkdir(src);
    await cp(join(ROOT, "tests/browser/page.ts"), join(src, "main.ts"));
    await writeFile(join(src, "index.html"), INDEX_HTML.replace("main.js", "./main.ts"));
    await viteBuild({
      configFile: false,
      root: src,
      logLevel: "silent",
      build: { outDir: join(app, "www-vite"), emptyOutDir: true },
    });
    checkResult(await served(join(app, "www-vite")));
  }, 120_000);

  it("the Vite dev server with optimizeDeps.exclude: workers load from the package", async () => {
    const app = await appDir();
    const src = join(app, "vite-dev");
    await mkdir(src);
    await cp(join(ROOT, "tests/browser/page.ts"), join(src, "main.ts"));
    await writeFile(join(src, "index.html"), INDEX_HTML.replace("main.js", "./main.ts"));
    // Vite serves public/ as plain files (the chunk keys have no extension).
    await cp(join(ROOT, "data/datasets"), join(src, "public/data"), { recursive: true });
    const server = await viteServer({
      configFile: false,
      root: src,
      logLevel: "silent",
      // "mpa": a missing key is a 404, not the SPA fallback page.
      appType: "mpa",
      optimizeDeps: { exclude: ["zarr-plan"] },
      server: { port: 0, host: "127.0.0.1", fs: { allow: [app, ROOT] } },
    });
    try {
      await server.listen();
      const address = server.httpServer?.address();
      if (address === null || typeof address !== "object") throw new Error("no dev server address");
      checkResult(await pageResult(`http://127.0.0.1:${address.port}/index.html`));
    } finally {
      await server.close();
    }
  }, 120_000);
});
