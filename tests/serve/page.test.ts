/**
 * The browser page of `zarr-plan serve` in headless Chromium (playwright-core): it lists the arrays
 * of /v1/tree, shows the explain text of the selection typed, and the image with its colour bar;
 * the pixels it shows (read back from the page, and in a screenshot of the image) equal those of
 * `zarr-plan get --out x.png` for the same selection. Bad selections show the service's message.
 * Skipped where no Chromium is installed (CI machines have none; `apt-get install chromium`).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decode } from "fast-png";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, type RunningThreaded, startThreadedService } from "./helpers.js";

const DATA = join(import.meta.dirname, "../../data/datasets");
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].find(
  (p) => existsSync(p),
);
const TMP = mkdtempSync(join(tmpdir(), "zarr-plan-page-"));

/** The pixels of a PNG file (RGBA, or RGB for screenshots). */
function pixels(bytes: Uint8Array): {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
} {
  const img = decode(bytes);
  return {
    width: img.width,
    height: img.height,
    channels: img.channels,
    data: img.data as Uint8Array,
  };
}

describe.skipIf(!CHROMIUM)(
  "the page of zarr-plan serve (headless Chromium; skipped without Chromium)",
  () => {
    // The service as `zarr-plan serve` runs it: the engine on a thread of its own.
    let svc: RunningThreaded;
    let browser: Browser;
    let page: Page;
    beforeAll(async () => {
      svc = await startThreadedService({ root: DATA });
      browser = await chromium.launch({
        executablePath: CHROMIUM!,
        args: [
          "--no-sandbox",
          "--disable-gpu",
          "--no-first-run",
          "--disable-background-networking",
        ],
      });
      page = await browser.newPage({
        deviceScaleFactor: 1,
        viewport: { width: 1200, height: 1400 },
      });
      await page.goto(`${svc.base}/`);
      await page.waitForFunction(() => document.body.dataset.state === "ready", null, {
        timeout: 30_000,
      });
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await svc?.close();
      rmSync(TMP, { recursive: true, force: true });
    });

    it("lists the arrays of /v1/tree", async () => {
      const values = await page.$$eval("#array option", (os) =>
        os.map((o) => (o as HTMLOptionElement).value),
      );
      expect(values).toEqual(
        expect.arrayContaining(["egm96.zarr/geoid", "egm96.zarr/lat", "egm96_v2.zarr/geoid"]),
      );
    });

    it("shows explain and the image with its colour bar; its pixels equal zarr-plan get's PNG", async () => {
      const sel = "300:460, 600:840";
      await page.selectOption("#array", "egm96.zarr/geoid");
      await page.fill("#select", sel);
      await page.fill("#vmin", "");
      await page.fill("#vmax", "");
      await page.click("#go");
      await page.waitForFunction(
        () => ["done", "error"].includes(document.body.dataset.state ?? ""),
        null,
        {
          timeout: 30_000,
        },
      );
      expect(await page.textContent("#error")).toBe("");
      const explain = (await page.textContent("#explain")) ?? "";
      expect(explain).toContain("egm96.zarr/geoid[300:460, 600:840]: float32 [160, 240]");
      expect(explain).toMatch(/touches +\d+ of 20 shards/);
      expect(await page.isVisible("#colorbar")).toBe(true);

      const out = join(TMP, "cli.png");
      const r = await cli([
        "get",
        join(DATA, "egm96.zarr"),
        "geoid",
        "--select",
        sel,
        "--out",
        out,
      ]);
      expect(r.code).toBe(0);
      const expected = pixels(readFileSync(out));
      expect(expected.channels).toBe(4);

      // What the page shows, read back through a canvas.
      const shown = await page.evaluate(() => {
        const img = document.getElementById("result") as HTMLImageElement;
        const c = document.createElement("canvas");
        c.width = img.naturalWidth;
        c.height = img.naturalHeight;
        const g = c.getContext("2d")!;
        g.drawImage(img, 0, 0);
        return {
          width: c.width,
          height: c.height,
          data: Array.from(g.getImageData(0, 0, c.width, c.height).data),
        };
      });
      expect([shown.width, shown.height]).toEqual([expected.width, expected.height]);
      expect(Buffer.compare(Buffer.from(shown.data), Buffer.from(expected.data))).toBe(0);

      // A screenshot of a known region (the image's top-left 64 × 48 pixels, shown at 1:1). The
      // image may sit at a fractional offset: the page snaps it to a pixel, floor or ceil.
      const box = (await page.locator("#result").boundingBox())!;
      const worstAt = async (x0: number, y0: number): Promise<number> => {
        const shot = pixels(
          await page.screenshot({ clip: { x: x0, y: y0, width: 64, height: 48 } }),
        );
        let worst = 0;
        for (let y = 0; y < 48; y++) {
          for (let x = 0; x < 64; x++) {
            for (let k = 0; k < 3; k++) {
              const a = shot.data[(y * shot.width + x) * shot.channels + k]!;
              const b = expected.data[(y * expected.width + x) * 4 + k]!;
              worst = Math.max(worst, Math.abs(a - b));
            }
          }
        }
        return worst;
      };
      const worst = Math.min(
        ...(await Promise.all(
          [Math.floor, Math.ceil].flatMap((fx) =>
            [Math.floor, Math.ceil].map((fy) => worstAt(fx(box.x), fy(box.y))),
          ),
        )),
      );
      expect(worst).toBeLessThanOrEqual(2);

      // The colour bar's labels are the range the image was drawn with: the data's min and max.
      const labels = [
        await page.getAttribute("#vmin-label", "data-value"),
        await page.getAttribute("#vmax-label", "data-value"),
      ].map(Number);
      const npy = join(TMP, "cli.json");
      await cli(["get", join(DATA, "egm96.zarr"), "geoid", "--select", sel, "--out", npy]);
      const values = (JSON.parse(readFileSync(npy, "utf8")) as { data: number[][] }).data.flat();
      // float32 values: the JSON has their shortest text, the header the float32 value widened.
      expect(Math.fround(labels[0]!)).toBe(Math.fround(Math.min(...values)));
      expect(Math.fround(labels[1]!)).toBe(Math.fround(Math.max(...values)));
      expect(Number(await page.textContent("#vmin-label"))).toBeCloseTo(labels[0]!, 3);
    });

    it("a bad selection shows the service's message", async () => {
      await page.fill("#select", "0:10:0, :");
      await page.click("#go");
      await page.waitForFunction(() => document.body.dataset.state === "error", null, {
        timeout: 30_000,
      });
      expect(await page.textContent("#error")).toMatch(/^ERR_INDEX: .*step/);
    });
  },
);
