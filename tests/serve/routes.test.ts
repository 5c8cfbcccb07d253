/**
 * Every route of the slice service through a real listening server (port 0) over the bundled EGM96
 * stores, each answer compared with what `zarr-plan get` / `run` / `explain` / `tree` / `info`
 * produce in process for the same selection; path traversal, bad input, limits and CORS.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readNpy } from "../../src/index.js";
import { cli, type Running, rawRequest, startService } from "./helpers.js";

const ROOT = join(import.meta.dirname, "../..");
const DATA = join(ROOT, "data/datasets");
const TMP = mkdtempSync(join(tmpdir(), "zarr-plan-serve-"));

let svc: Running;
beforeAll(async () => {
  svc = await startService({ root: DATA, limits: { maxOutputBytes: 1 << 20 } });
});
afterAll(async () => {
  await svc.close();
  rmSync(TMP, { recursive: true, force: true });
});

const get = (path: string) => rawRequest(svc.port, "GET", path);

/** `zarr-plan get` of the same selection into a file; its bytes. */
async function cliGet(path: string, args: string[], ext: string): Promise<Buffer> {
  const out = join(TMP, `get-${Math.random().toString(36).slice(2)}${ext}`);
  const r = await cli([
    "get",
    join(DATA, path.split("/")[0]!),
    path.split("/").slice(1).join("/"),
    ...args,
    "--out",
    out,
  ]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return readFileSync(out);
}

describe("GET /v1/data", () => {
  const cases: [string, string, string[]][] = [
    ["basic", "select=0:16,100:132", ["--select", "0:16,100:132"]],
    ["strided and negative", "select=700:600:-7,::97", ["--select", "700:600:-7,::97"]],
    ["oindex", "oindex=%5B0,5,700%5D,%5B3,1439%5D", ["--oindex", "[0,5,700],[3,1439]"]],
    ["vindex", "vindex=%5B0,5,700%5D,%5B3,1439,2%5D", ["--vindex", "[0,5,700],[3,1439,2]"]],
    [
      "select then vindex",
      "select=10:20&vindex=%5B1,2%5D,%5B3,4%5D",
      ["--select", "10:20", "--vindex", "[1,2],[3,4]"],
    ],
  ];
  for (const store of ["egm96.zarr", "egm96_v2.zarr"]) {
    for (const [name, query, args] of cases) {
      it(`${store} ${name}: .npy equals zarr-plan get --out x.npy`, async () => {
        const r = await get(`/v1/data/${store}/geoid?${query}&format=npy`);
        expect(r.status, r.body.toString()).toBe(200);
        expect(r.headers["content-type"]).toBe("application/octet-stream");
        const expected = await cliGet(`${store}/geoid`, args, ".npy");
        expect(Buffer.compare(r.body, expected)).toBe(0);
        expect(r.headers["x-zarr-shape"]).toBe(readNpy(expected).shape.join(","));
      });
    }
  }

  it("format=json equals zarr-plan get --out x.json", async () => {
    const r = await get("/v1/data/egm96.zarr/geoid?select=5:9,0:1440:300&format=json");
    expect(r.status).toBe(200);
    const expected = await cliGet("egm96.zarr/geoid", ["--select", "5:9,0:1440:300"], ".json");
    expect(r.json()).toEqual(JSON.parse(expected.toString("utf8")));
  });

  it("format=png with vmin/vmax and flip_y equals zarr-plan get --out x.png", async () => {
    const r = await get(
      "/v1/data/egm96.zarr/geoid?select=0:721:4,0:1440:4&format=png&vmin=-50&vmax=60&flip_y=1",
    );
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("image/png");
    expect(r.headers["x-zarr-vmin"]).toBe("-50");
    expect(r.headers["x-zarr-vmax"]).toBe("60");
    const expected = await cliGet(
      "egm96.zarr/geoid",
      ["--select", "0:721:4,0:1440:4", "--vmin", "-50", "--vmax", "60", "--flip-y"],
      ".png",
    );
    expect(Buffer.compare(r.body, expected)).toBe(0);
  });

  it("format=png without vmin/vmax uses the data's range, as the CLI, and says it", async () => {
    const r = await get("/v1/data/egm96.zarr/geoid?select=100:164,200:264&format=png");
    expect(r.status).toBe(200);
    const expected = await cliGet("egm96.zarr/geoid", ["--select", "100:164,200:264"], ".png");
    expect(Buffer.compare(r.body, expected)).toBe(0);
    const npy = readNpy(await cliGet("egm96.zarr/geoid", ["--select", "100:164,200:264"], ".npy"));
    const values = Array.from(npy.data as Float32Array);
    expect(Number(r.headers["x-zarr-vmin"])).toBe(Math.min(...values));
    expect(Number(r.headers["x-zarr-vmax"])).toBe(Math.max(...values));
  });

  it("bad selections, formats and parameters answer 400 with a code; missing nodes 404", async () => {
    const bad = await get("/v1/data/egm96.zarr/geoid?select=0:10:0");
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ code: "ERR_INDEX" });
    expect(bad.json<{ error: string }>().error).toMatch(/step/);
    const parse = await get("/v1/data/egm96.zarr/geoid?select=0:%5B");
    expect(parse.status).toBe(400);
    expect(parse.json<{ error: string }>().error).toMatch(/^select: /);
    const oob = await get("/v1/data/egm96.zarr/geoid?select=800,0");
    expect(oob.status).toBe(400);
    expect(oob.json()).toMatchObject({ code: "ERR_INDEX" });
    expect((await get("/v1/data/egm96.zarr/geoid?format=tiff")).status).toBe(400);
    expect((await get("/v1/data/egm96.zarr/geoid?selct=1")).json()).toMatchObject({
      code: "ERR_REQUEST",
    });
    expect((await get("/v1/data/egm96.zarr/geoid?select=0&format=png")).status).toBe(400);
    expect((await get("/v1/data/egm96.zarr/geoid?select=0:2,0:2&vmin=1")).status).toBe(400);
    const group = await get("/v1/data/egm96.zarr?select=0");
    expect(group.status).toBe(400);
    expect(group.json<{ error: string }>().error).toMatch(/is a group/);
    const missing = await get("/v1/data/egm96.zarr/nope");
    expect(missing.status).toBe(404);
    expect(missing.json()).toMatchObject({ code: "ERR_NODE_NOT_FOUND" });
    expect(missing.json<{ error: string }>().error).toContain("egm96.zarr/nope");
    expect((await get("/v2/anything")).status).toBe(404);
    expect((await rawRequest(svc.port, "DELETE", "/v1/data/x")).status).toBe(405);
  });

  it("a result over maxOutputBytes answers 413 before reading", async () => {
    const before = svc.handler.stats().storeRequests;
    const r = await get("/v1/data/egm96.zarr/geoid");
    expect(r.status).toBe(413);
    expect(r.json()).toMatchObject({ code: "ERR_TOO_LARGE" });
    expect(r.json<{ error: string }>().error).toMatch(/4152960 bytes/);
    expect(svc.handler.stats().storeRequests).toBe(before);
  });

  it("JSON and PNG results over 4 MiB answer 413 (encoded on the event loop); .npy is not limited so", async () => {
    const big = await startService({ root: DATA });
    try {
      // 800 rows (repeated) × 1440 float32: 4.6 MB.
      const rows = encodeURIComponent(`[${Array.from({ length: 800 }, (_, i) => i % 721)}],:`);
      for (const format of ["json", "png"]) {
        const r = await rawRequest(
          big.port,
          "GET",
          `/v1/data/egm96.zarr/geoid?oindex=${rows}&format=${format}`,
        );
        expect(r.status).toBe(413);
        expect(r.json<{ error: string }>().error).toContain(`format=${format} is limited`);
      }
      const npy = await rawRequest(
        big.port,
        "GET",
        `/v1/data/egm96.zarr/geoid?oindex=${rows}&format=npy`,
      );
      expect(npy.status).toBe(200);
      expect(readNpy(npy.body).shape).toEqual([800, 1440]);
    } finally {
      await big.close();
    }
  });

  it("never answers a stack trace", async () => {
    const r = await get("/v1/data/egm96.zarr/geoid?select=0:10:0");
    expect(r.body.toString()).not.toMatch(/\n\s+at /);
  });
});

describe("paths stay below the served root", () => {
  const traversals = [
    "/v1/data/../egm96.zarr/geoid",
    "/v1/data/egm96.zarr/../../etc/passwd",
    "/v1/data/%2e%2e/datasets/egm96.zarr/geoid",
    "/v1/data/.%2E/x",
    "/v1/data/egm96.zarr%2f..%2f..%2fetc",
    "/v1/data/egm96.zarr%5c..%5c..%5cetc",
    "/v1/data//etc/passwd",
    "/v1/info/./egm96.zarr",
    "/v1/info/..",
    "/v1/explain/%2e%2e/x",
    "/v1/data/egm96.zarr/%00",
  ];
  for (const path of traversals) {
    it(`refuses ${path}`, async () => {
      const r = await get(path);
      expect(r.status).toBe(400);
      expect(r.json()).toMatchObject({ code: "ERR_REQUEST" });
    });
  }

  it("refuses plan files naming stores outside the root (URL, absolute, ..)", async () => {
    for (const store of [
      "/etc",
      "http://example.org/x.zarr",
      "../data",
      "a/../../b",
      "file:///etc",
    ]) {
      const r = await rawRequest(
        svc.port,
        "POST",
        "/v1/read",
        JSON.stringify({ store, array: "geoid", ops: [] }),
      );
      expect(r.status, store).toBe(400);
      expect(r.json(), store).toMatchObject({ code: "ERR_REQUEST" });
    }
    const r = await rawRequest(
      svc.port,
      "POST",
      "/v1/read",
      JSON.stringify({ array: "egm96.zarr/../../x", ops: [] }),
    );
    expect(r.status).toBe(400);
  });
});

describe("POST /v1/read and /v1/plan", () => {
  /** `zarr-plan run` of a plan file; the .npy bytes of each read. */
  async function cliRun(reads: Record<string, unknown>): Promise<Record<string, Buffer>> {
    const dir = mkdtempSync(join(TMP, "run-"));
    const file = join(dir, "plan.json");
    writeFileSync(file, JSON.stringify({ store: DATA, reads }));
    const r = await cli(["run", file, "--out", join(dir, "out"), "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out: Record<string, Buffer> = {};
    for (const name of Object.keys(reads))
      out[name] = readFileSync(join(dir, "out", `${name}.npy`));
    return out;
  }

  const tile = { array: "egm96.zarr/geoid", ops: [{ get: ["300:420", "::7"] }] };
  const points = {
    array: "egm96_v2.zarr/geoid",
    ops: [
      { get: ["100:600"] },
      {
        vindex: [
          [0, 5, 499],
          [10, 20, 1439],
        ],
      },
    ],
  };

  it("POST /v1/read: .npy bytes equal zarr-plan run's", async () => {
    for (const read of [tile, points]) {
      const r = await rawRequest(svc.port, "POST", "/v1/read", JSON.stringify(read), {
        "content-type": "application/json",
      });
      expect(r.status, r.body.toString()).toBe(200);
      const expected = (await cliRun({ value: read })).value!;
      expect(Buffer.compare(r.body, expected)).toBe(0);
    }
  });

  it("POST /v1/read with a store below the root", async () => {
    const r = await rawRequest(
      svc.port,
      "POST",
      "/v1/read",
      JSON.stringify({ store: "egm96.zarr", array: "geoid", ops: tile.ops }),
    );
    expect(r.status).toBe(200);
    expect(Buffer.compare(r.body, (await cliRun({ value: tile })).value!)).toBe(0);
  });

  it("POST /v1/plan: base64 .npy per read (JSON) and NDJSON, equal to zarr-plan run's", async () => {
    const reads = { tile, points };
    const expected = await cliRun(reads);
    const r = await rawRequest(svc.port, "POST", "/v1/plan", JSON.stringify({ store: ".", reads }));
    expect(r.status, r.body.toString()).toBe(200);
    const doc = r.json<Record<string, { shape: number[]; dtype: string; data: string }>>();
    expect(Object.keys(doc).sort()).toEqual(["points", "tile"]);
    for (const [name, e] of Object.entries(doc)) {
      const bytes = Buffer.from(e.data, "base64");
      expect(Buffer.compare(bytes, expected[name]!), name).toBe(0);
      expect(e.shape).toEqual(readNpy(bytes).shape);
      expect(e.dtype).toBe("float32");
    }
    const s = await rawRequest(
      svc.port,
      "POST",
      "/v1/plan",
      JSON.stringify({ store: ".", reads }),
      {
        accept: "application/x-ndjson",
      },
    );
    expect(s.status).toBe(200);
    expect(s.headers["content-type"]).toBe("application/x-ndjson");
    const lines = s.body
      .toString()
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { name: string; data: string });
    expect(lines.map((l) => l.name).sort()).toEqual(["points", "tile"]);
    for (const l of lines) {
      expect(Buffer.compare(Buffer.from(l.data, "base64"), expected[l.name]!)).toBe(0);
    }
  });

  it("bad bodies answer 400 (not JSON, invalid plan file) and 413 (too long)", async () => {
    const notJson = await rawRequest(svc.port, "POST", "/v1/read", "{");
    expect(notJson.status).toBe(400);
    expect(notJson.json()).toMatchObject({ code: "ERR_REQUEST" });
    const invalid = await rawRequest(
      svc.port,
      "POST",
      "/v1/read",
      JSON.stringify({ array: 5, ops: "x" }),
    );
    expect(invalid.status).toBe(400);
    expect(invalid.json()).toMatchObject({ code: "ERR_PLAN_FILE" });
    const long = await rawRequest(svc.port, "POST", "/v1/plan", " ".repeat((1 << 20) + 1));
    expect(long.status).toBe(413);
  });
});

describe("GET /v1/info, /v1/tree, /v1/explain, /v1/stats", () => {
  it("/v1/info of an array: shape, dtype, chunks, shards, fill value, dimension names, attributes", async () => {
    const r = await get("/v1/info/egm96.zarr/geoid");
    expect(r.status).toBe(200);
    const info = r.json<Record<string, unknown>>();
    const tree = JSON.parse((await cli(["tree", join(DATA, "egm96.zarr"), "--json"])).stdout) as {
      children: {
        name: string;
        shape: number[];
        dtype: string;
        chunks: number[];
        shards: number[] | null;
      }[];
    };
    const geoid = tree.children.find((c) => c.name === "geoid")!;
    expect(info).toMatchObject({
      path: "egm96.zarr/geoid",
      kind: "array",
      zarr_format: 3,
      shape: geoid.shape,
      dtype: geoid.dtype,
      chunks: geoid.chunks,
      shards: geoid.shards,
    });
    const raw = JSON.parse(
      (await cli(["info", join(DATA, "egm96.zarr"), "geoid", "--json"])).stdout,
    ) as {
      attributes: unknown;
      dimension_names: unknown;
    };
    expect(info.attributes).toEqual(raw.attributes);
    expect(info.dimension_names).toEqual(raw.dimension_names);
    expect(info.fill_value).toBe("NaN");
    const v2 = (await get("/v1/info/egm96_v2.zarr/geoid")).json<Record<string, unknown>>();
    expect(v2).toMatchObject({ zarr_format: 2, shape: geoid.shape, shards: null });
    const group = (await get("/v1/info/egm96.zarr")).json<Record<string, unknown>>();
    expect(group).toMatchObject({ kind: "group", path: "egm96.zarr" });
  });

  it("/v1/tree of a plain directory lists the Zarr nodes below it, each as zarr-plan tree --json", async () => {
    const r = await get("/v1/tree");
    expect(r.status).toBe(200);
    const t = r.json<{ kind: string; children: { path: string }[] }>();
    expect(t.kind).toBe("directory");
    expect(t.children.map((c) => c.path).sort()).toEqual(["egm96.zarr", "egm96_v2.zarr"]);
    for (const c of t.children) {
      const expected = JSON.parse((await cli(["tree", join(DATA, c.path), "--json"])).stdout) as {
        children: unknown[];
      };
      const got = c as unknown as { children: { path: string }[] };
      // Paths are relative to the served root here, to the store in the CLI.
      expect(JSON.stringify(got.children).replaceAll(`"path":"${c.path}/`, '"path":"')).toBe(
        JSON.stringify(expected.children),
      );
    }
  });

  it("/v1/tree of one hierarchy equals zarr-plan tree --json", async () => {
    const one = await startService({ root: join(DATA, "egm96.zarr") });
    try {
      const r = await rawRequest(one.port, "GET", "/v1/tree");
      const expected = JSON.parse((await cli(["tree", join(DATA, "egm96.zarr"), "--json"])).stdout);
      expect(r.json()).toEqual(expected);
    } finally {
      await one.close();
    }
  });

  it("/v1/explain: the text and JSON of zarr-plan explain", async () => {
    const r = await get("/v1/explain/egm96.zarr/geoid?select=0:100,0:300");
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toMatch(/^text\/plain/);
    const expected = await cli([
      "explain",
      join(DATA, "egm96.zarr"),
      "geoid",
      "--select",
      "0:100,0:300",
    ]);
    // The CLI names the array by its path in its own store.
    const text = r.body.toString().replaceAll("egm96.zarr/geoid", "geoid");
    const norm = (s: string) => s.replace(/^store .*$/gm, "").replace(/ +/g, " ");
    expect(norm(text).split("\n").slice(0, 3)).toEqual(
      norm(expected.stdout).split("\n").slice(0, 3),
    );
    const j = (await get("/v1/explain/egm96.zarr/geoid?select=0:100,0:300&format=json")).json<{
      touched: unknown;
      view: { shape: number[] };
    }>();
    const e = JSON.parse(
      (
        await cli([
          "explain",
          join(DATA, "egm96.zarr"),
          "geoid",
          "--select",
          "0:100,0:300",
          "--json",
        ])
      ).stdout,
    ) as { touched: unknown };
    expect(j.touched).toEqual(e.touched);
    expect(j.view.shape).toEqual([100, 300]);
    // The server's own path of the served root is not shown.
    expect(r.body.toString()).not.toContain(DATA);
    expect(JSON.stringify(j)).not.toContain(DATA);
  });

  it("/v1/stats answers at once with the counters", async () => {
    const r = await get("/v1/stats");
    expect(r.status).toBe(200);
    const s = r.json<Record<string, unknown>>();
    expect(Object.keys(s)).toEqual(
      expect.arrayContaining([
        "requests",
        "storeRequests",
        "storeBytes",
        "inFlightJoins",
        "cache",
        "eventLoopDelayMs",
        "plans",
        "memory",
      ]),
    );
    expect((s.requests as { total: number }).total).toBeGreaterThan(0);
    expect(s.cache).toMatchObject({ metadata: { hits: expect.any(Number) } });
  });
});

describe("CORS", () => {
  it("every answer (errors too) carries CORS headers; OPTIONS preflight answers 204", async () => {
    for (const r of [
      await get("/v1/stats"),
      await get("/v1/data/nope"),
      await get("/v1/data/.."),
    ]) {
      expect(r.headers["access-control-allow-origin"]).toBe("*");
      expect(String(r.headers["access-control-expose-headers"])).toContain("x-zarr-shape");
    }
    const pre = await rawRequest(svc.port, "OPTIONS", "/v1/read", undefined, {
      origin: "http://example.org",
      "access-control-request-method": "POST",
    });
    expect(pre.status).toBe(204);
    expect(pre.headers["access-control-allow-methods"]).toContain("POST");
  });
});
