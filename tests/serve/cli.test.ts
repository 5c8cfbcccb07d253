/**
 * `zarr-plan serve` in process: prints `listening on http://127.0.0.1:PORT` (port 0: a free one),
 * answers the API, stops cleanly (exit code 0) when interrupted; `--root` refuses a directory
 * without a Zarr node at its root; bad flags are usage errors.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Io } from "../../src/cli/context.js";
import { main } from "../../src/cli/program.js";
import { cli } from "./helpers.js";

const DATA = join(import.meta.dirname, "../../data/datasets");

/** Starts `zarr-plan serve ARGV`; resolves with its base URL, its stop and its exit. */
async function serve(argv: string[]) {
  const controller = new AbortController();
  let stdout = "";
  let stderr = "";
  let listening: (url: string) => void = () => {};
  const url = new Promise<string>((resolve) => {
    listening = resolve;
  });
  const io: Io = {
    stdout: (s) => {
      stdout += s;
      const m = /listening on (http:\/\/\S+)/.exec(stdout);
      if (m) listening(m[1]!);
    },
    stderr: (s) => {
      stderr += s;
    },
    progress: undefined,
    signal: controller.signal,
    env: {},
  };
  const exit = main(["serve", ...argv], io);
  const first = await Promise.race([url, exit.then((code) => ({ code, stderr }))]);
  if (typeof first !== "string") throw new Error(`serve exited ${first.code}: ${first.stderr}`);
  return {
    base: first,
    stop: () => controller.abort(new Error("interrupted")),
    exit,
    out: () => stdout,
    err: () => stderr,
  };
}

describe("zarr-plan serve", () => {
  it("listens on 127.0.0.1 (port 0: a free port), answers, and stops with exit code 0", async () => {
    const s = await serve([DATA, "--port", "0", "--cache-mb", "16", "--max-concurrent", "2"]);
    expect(s.base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Number(new URL(s.base).port)).toBeGreaterThan(0);
    const stats = await fetch(`${s.base}/v1/stats`);
    expect(stats.status).toBe(200);
    const tile = await fetch(`${s.base}/v1/data/egm96.zarr/geoid?select=0:2,0:3&format=json`);
    expect(tile.status).toBe(200);
    expect(((await tile.json()) as { shape: number[] }).shape).toEqual([2, 3]);
    const page = await fetch(`${s.base}/`);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    s.stop();
    expect(await s.exit).toBe(0);
  });

  it("--root with one hierarchy serves it; on a plain directory it fails, naming the store", async () => {
    const s = await serve([join(DATA, "egm96.zarr"), "--port", "0", "--root", "--no-page"]);
    const t = (await (await fetch(`${s.base}/v1/tree`)).json()) as { kind: string };
    expect(t.kind).toBe("group");
    expect((await fetch(`${s.base}/`)).status).toBe(404);
    s.stop();
    expect(await s.exit).toBe(0);
    const r = await cli(["serve", DATA, "--port", "0", "--root"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: --root: no Zarr array or group at the root of store ".*datasets"/,
    );
  });

  it("--log requests prints the engine thread's store requests; --no-engine-thread answers the same", async () => {
    const path = "/v1/data/egm96.zarr/geoid?select=0:2,0:3&format=json";
    const threaded = await serve([DATA, "--port", "0", "--log", "requests"]);
    const a = await fetch(`${threaded.base}${path}`);
    expect(a.status).toBe(200);
    const body = await a.text();
    const stats = (await (await fetch(`${threaded.base}/v1/stats`)).json()) as {
      storeRequests: number;
      engineLoopDelayMs?: unknown;
    };
    expect(stats.engineLoopDelayMs).toBeDefined();
    threaded.stop();
    expect(await threaded.exit).toBe(0);
    const lines = threaded
      .err()
      .split("\n")
      .filter((l) => l.startsWith("request "));
    expect(lines.length).toBe(stats.storeRequests);
    expect(lines.some((l) => l.includes("egm96.zarr/geoid/zarr.json"))).toBe(true);
    const inline = await serve([DATA, "--port", "0", "--no-engine-thread"]);
    const b = await fetch(`${inline.base}${path}`);
    expect(await b.text()).toBe(body);
    const inlineStats = (await (await fetch(`${inline.base}/v1/stats`)).json()) as object;
    expect("engineLoopDelayMs" in inlineStats).toBe(false);
    inline.stop();
    expect(await inline.exit).toBe(0);
  });

  it("bad flags are usage errors (exit code 2)", async () => {
    expect((await cli(["serve", DATA, "--port", "70000"])).code).toBe(2);
    expect((await cli(["serve", DATA, "--max-concurrent", "0"])).code).toBe(2);
    expect((await cli(["serve", join(DATA, "missing"), "--port", "0"])).code).toBe(1);
  });
});
