/**
 * The peer benchmark's workloads in a browser (`npm run bench:browser -- [options]`): zarr-plan
 * (decoding on module Web Workers) and zarrita.js tuned, bundled by esbuild as a user's page
 * would be, in headless Chromium, against the peer benchmark's latency server and data
 * (`bench/.peer-bench/`, made by `npm run bench:peers`). The page (`bench/browser/page.ts`)
 * alternates the clients within every repetition, checksums every result against the expected
 * value, and the runner prints medians and ratios per latency with the load average. The network
 * floor is the time of zarr-plan's requests (same URLs and byte ranges) all issued at once with
 * plain `fetch`, every body read, nothing decoded: no client making those requests can be faster
 * in that browser, so `floor / zarrita` is the best ratio reachable there. "zarr-plan's last byte"
 * is when the last body of zarr-plan's read finished arriving (Resource Timing `responseEnd`),
 * after the read began: what follows it is decoding and copying.
 *
 * Options:
 *   --workloads W1x,W2,W4   workloads (default W1x,W2,W4)
 *   --latencies 20,0        first-byte latencies, ms (default 20,0)
 *   --reps 5                repetitions after one warm-up (default 5)
 * @module
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createServer, request } from "node:http";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { startPeerServer } from "./peer-server.js";
import { median } from "./stats.js";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const PEER = join(ROOT, "bench", ".peer-bench");
const DATA = join(PEER, "data");
const { values } = parseArgs({
  options: {
    workloads: { type: "string", default: "W1x,W2,W4" },
    latencies: { type: "string", default: "20,0" },
    reps: { type: "string", default: "5" },
  },
});
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].find(
  (p) => existsSync(p),
);
if (!CHROMIUM) throw new Error("no Chromium (apt-get install chromium)");
if (!existsSync(join(DATA, "resolved.json"))) {
  throw new Error("no peer benchmark data: run `npm run bench:peers` once first");
}

// The page is served by a small front server that passes every other path (data, resolved.json)
// to the peer benchmark's latency server: one origin, so no CORS, and the same latency for both
// clients. (The latency server serves every file as application/octet-stream, which a browser
// does not run as a page or module.)
const www = join(ROOT, "bench", ".browser-page");
await rm(www, { recursive: true, force: true });
await mkdir(join(www, "node_modules"), { recursive: true });
await symlink(ROOT, join(www, "node_modules", "zarr-plan"), "dir");
const common = {
  bundle: true,
  format: "esm" as const,
  platform: "browser" as const,
  target: "es2022",
  logLevel: "silent" as const,
  minify: true,
  nodePaths: [join(ROOT, "node_modules")],
  absWorkingDir: www,
};
await build({
  ...common,
  entryPoints: [join(ROOT, "bench/browser/page.ts")],
  outfile: join(www, "main.js"),
});
await build({
  ...common,
  entryPoints: ["zarr-plan/decode-worker"],
  outfile: join(www, "decode-worker.js"),
});
await writeFile(
  join(www, "index.html"),
  '<!doctype html><meta charset="utf-8"><pre id="result">pending</pre><script type="module" src="main.js"></script>\n',
);

const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript" };

/** The front server: the page's files from `www`, anything else proxied to `port`. */
function startFront(port: number): Promise<{ port: number; stop: () => void }> {
  const front = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    if (path.startsWith("/page/")) {
      const file = join(www, path.slice("/page/".length));
      readFile(file).then(
        (body) => {
          res.writeHead(200, {
            "Content-Type": TYPES[file.slice(file.lastIndexOf("."))] ?? "application/octet-stream",
          });
          res.end(body);
        },
        () => {
          res.writeHead(404);
          res.end();
        },
      );
      return;
    }
    const upstream = request(
      { host: "127.0.0.1", port, path: req.url, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  return new Promise((res) =>
    front.listen(0, "127.0.0.1", () => {
      const a = front.address();
      res({ port: typeof a === "object" && a ? a.port : 0, stop: () => front.close() });
    }),
  );
}

const before = loadavg()
  .map((x) => x.toFixed(2))
  .join(", ");
const browser = await chromium.launch({
  executablePath: CHROMIUM,
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
const lines: string[] = [];
try {
  for (const latency of values.latencies!.split(",").map(Number)) {
    const server = await startPeerServer(PEER, latency);
    const front = await startFront(server.port);
    try {
      const page = await browser.newPage();
      await page.goto(
        `http://127.0.0.1:${front.port}/page/index.html?workloads=${values.workloads}&reps=${values.reps}`,
      );
      await page.waitForFunction(
        () => document.getElementById("result")?.textContent !== "pending",
        null,
        { timeout: 600_000 },
      );
      const result = JSON.parse((await page.textContent("#result"))!) as {
        ok: boolean;
        error?: string;
        workers: number;
        results: Record<string, Record<string, { ms: number[]; correct: boolean }>>;
        floors: Record<string, number[]>;
        lastBytes: Record<string, number[]>;
      };
      await page.close();
      if (!result.ok) throw new Error(result.error);
      lines.push(
        `\n### Chromium, latency ${latency} ms (median ms of ${values.reps}; zarr-plan decode workers: ${result.workers})\n`,
      );
      lines.push(
        "| workload | zarr-plan | zarrita-tuned | zarr-plan / zarrita | network floor | floor / zarrita | zarr-plan's last byte |",
        "|---|---:|---:|---:|---:|---:|---:|",
      );
      for (const [id, r] of Object.entries(result.results)) {
        const a = median(r["zarr-plan"]!.ms);
        const b = median(r["zarrita-tuned"]!.ms);
        const ok = (x: { correct: boolean }) => (x.correct ? "" : " ✗ wrong");
        const floor = median(result.floors[id]!);
        lines.push(
          `| ${id} | ${a.toFixed(0)}${ok(r["zarr-plan"]!)} | ${b.toFixed(0)}${ok(r["zarrita-tuned"]!)} | ${(a / b).toFixed(2)} | ${floor.toFixed(0)} | ${(floor / b).toFixed(2)} | ${median(result.lastBytes[id]!).toFixed(0)} |`,
        );
      }
    } finally {
      front.stop();
      server.stop();
    }
  }
} finally {
  await browser.close();
  await rm(www, { recursive: true, force: true });
}
console.log(
  `Load average (1, 5, 15 min): ${before} before, ${loadavg()
    .map((x) => x.toFixed(2))
    .join(", ")} after.`,
);
console.log(lines.join("\n"));
