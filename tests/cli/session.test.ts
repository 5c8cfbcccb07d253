/**
 * The command line's shared options, in process (`main` from src/cli/program.ts): the request log
 * (`--log requests`, `ZARR_PLAN_LOG=requests`) with a counted retry against a local HTTP server
 * that answers 503 once, `--header`, `--max-gap` / `--max-size` / `--concurrency`, `s3://` / `gs://`
 * store URLs and network errors that name their cause.
 */
import { createServer } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { byteSize, parseHeader } from "../../src/cli/session.js";
import { cloudUrl } from "../../src/cli/store-from-arg.js";
import { cli } from "../helpers/cli.js";
import { type StaticServer, startStaticServer } from "../helpers/static-server.js";

const ROOT = join(import.meta.dirname, "../..");
const EGM96 = join(ROOT, "data/datasets/egm96.zarr");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The request log lines of a run's stderr. */
function requestLines(r: Run): string[] {
  return r.stderr.split("\n").filter((l) => l.startsWith("request "));
}

describe("request log", () => {
  let server: StaticServer;
  const headersSeen: (string | undefined)[] = [];
  beforeAll(async () => {
    server = await startStaticServer(join(ROOT, "data/datasets"), {
      // The first request of lat's chunk fails with 503; the retry succeeds.
      fault: (path, _range, attempt) => {
        return path === "/egm96.zarr/lat/c/0" && attempt === 1 ? { status: 503 } : undefined;
      },
    });
  });
  afterAll(() => server.close());

  it("--log requests prints every request as it completes, the retry included", async () => {
    const faultsBefore = server.faults;
    const r = await cli([
      "get",
      `${server.url}egm96.zarr`,
      "lat",
      "--select",
      "0:3",
      "--log",
      "requests",
    ]);
    expect(r.stderr).toBe(
      requestLines(r)
        .map((l) => `${l}\n`)
        .join(""),
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("[-90, -89.75, -89.5]");
    const faults = server.faults - faultsBefore;
    expect(faults).toBe(1);
    const lines = requestLines(r);
    const chunk = lines.filter((l) => l.includes(" lat/c/0 "));
    // One failed attempt per injected fault, then the successful one.
    expect(chunk.filter((l) => /→ error HTTP 503, 0 B, attempt 1,/.test(l))).toHaveLength(faults);
    expect(
      chunk.filter((l) => /→ ok, 724 B, attempt 2, [\d.]+ ms \(for lat\[0:3\]\)$/.test(l)),
    ).toHaveLength(1);
    expect(lines.some((l) => /^request get .*egm96\.zarr lat\/zarr\.json → ok, /.test(l))).toBe(
      true,
    );
    expect(lines).toHaveLength(chunk.length + 1);
  });

  it("ZARR_PLAN_LOG=requests does the same; without either nothing is logged", async () => {
    const logged = await cli(["info", EGM96, "geoid"], { ZARR_PLAN_LOG: "requests" });
    expect(logged.code).toBe(0);
    expect(requestLines(logged)).toEqual([
      expect.stringMatching(/^request get .*egm96\.zarr geoid\/zarr\.json → ok, /),
    ]);
    const quiet = await cli(["info", EGM96, "geoid"]);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe("");
  });

  it("an unknown ZARR_PLAN_LOG or --log value is a usage error", async () => {
    const env = await cli(["info", EGM96], { ZARR_PLAN_LOG: "everything" });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/ZARR_PLAN_LOG="everything": expected one of requests/);
    const flag = await cli(["info", EGM96, "--log", "bytes"]);
    expect(flag.code).toBe(2);
  });

  it("--header is sent with every request of an HTTP store", async () => {
    const echo = createServer((req, res) => {
      headersSeen.push(req.headers.authorization);
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
    const port = (echo.address() as { port: number }).port;
    try {
      const r = await cli([
        "info",
        `http://127.0.0.1:${port}/x.zarr`,
        "--header",
        "Authorization: Bearer abc",
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/no Zarr array or group at the root/);
      expect(headersSeen.length).toBeGreaterThan(0);
      expect(new Set(headersSeen)).toEqual(new Set(["Bearer abc"]));
    } finally {
      echo.closeAllConnections();
      await new Promise<void>((resolve) => echo.close(() => resolve()));
    }
  });
});

describe("store settings options", () => {
  it("--max-gap / --max-size / --concurrency reach the plan explain prints", async () => {
    const r = await cli([
      "explain",
      EGM96,
      "geoid",
      "--select",
      "0:10, 0:10",
      "--max-gap",
      "64k",
      "--max-size",
      "2MiB",
      "--concurrency",
      "4",
    ]);
    expect(r.code).toBe(0);
    const row = r.stdout.split("\n").find((l) => l.includes("egm96.zarr") && /\bMiB\b/.test(l));
    expect(row?.split(/\s{2,}/).slice(2, 6)).toEqual(["4", "64 KiB", "set", "2 MiB"]);
  });

  it("rejects sizes and counts that are not numbers of the right kind", async () => {
    for (const args of [
      ["--max-gap", "lots"],
      ["--max-size", "-1"],
      ["--concurrency", "0"],
      ["--concurrency", "2.5"],
    ]) {
      const r = await cli(["explain", EGM96, "geoid", ...args]);
      expect(r.code, args.join(" ")).toBe(2);
    }
    expect(byteSize("65536")).toBe(65536);
    expect(byteSize("64k")).toBe(65536);
    expect(byteSize("8MiB")).toBe(8 * 1024 * 1024);
    expect(() => byteSize("1.5")).toThrow(/size in bytes/);
  });

  it("parses --header values", () => {
    expect(parseHeader("Authorization: Bearer a:b")).toEqual(["Authorization", "Bearer a:b"]);
    expect(() => parseHeader("no colon")).toThrow(/'Name: value'/);
    expect(() => parseHeader("bad name: x")).toThrow(/'Name: value'/);
  });
});

describe("store arguments", () => {
  it("s3:// and gs:// are their public HTTPS endpoints", () => {
    expect(cloudUrl("s3://bucket/a/b.zarr")).toBe("https://bucket.s3.amazonaws.com/a/b.zarr");
    expect(cloudUrl("gs://bucket/a/b.zarr")).toBe("https://storage.googleapis.com/bucket/a/b.zarr");
    expect(cloudUrl("s3://bucket")).toBe("https://bucket.s3.amazonaws.com/");
    expect(cloudUrl("data/x.zarr")).toBeUndefined();
    expect(cloudUrl("https://example.com/x.zarr")).toBeUndefined();
    expect(() => cloudUrl("az://container/x.zarr")).toThrow(/https:\/\/ URL/);
    expect(() => cloudUrl("s3:///key")).toThrow(/names no bucket/);
  });

  it("a network failure names its cause (connection refused)", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = await cli(["info", `http://127.0.0.1:${port}/x.zarr`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ECONNREFUSED/);
  }, 30_000);
});
