/**
 * CPU per request of FetchStore's two transports (`fetch` / `node:http`), measured in the client
 * process only (`process.cpuUsage`), against a keep-alive file server in a child process:
 *
 *   tsx bench/transport.ts [--requests 3000] [--concurrency 32] [--bytes 137216] [--rounds 3]
 *
 * Each round runs both transports in turn (A B, then B A, ...), each on a new store after 200
 * warm-up requests; every request is a `getRange` of `--bytes` bytes (the whole value, at an
 * offset that changes per request). Prints one row per run and the medians.
 * `tsx bench/transport.ts --serve BYTES` is the server (prints its URL).
 * @module
 */
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { FetchStore } from "../src/index.js";
import { median } from "./stats.js";

const { values } = parseArgs({
  options: {
    serve: { type: "string" },
    requests: { type: "string", default: "3000" },
    concurrency: { type: "string", default: "32" },
    bytes: { type: "string", default: String(134 * 1024) },
    rounds: { type: "string", default: "3" },
  },
});

if (values.serve !== undefined) {
  const size = Number(values.serve);
  const body = Buffer.alloc(size * 2, 7);
  const server = createServer((req, res) => {
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? "");
    if (m === null) {
      res.writeHead(200, { "Content-Length": body.length }).end(body);
      return;
    }
    const start = Number(m[1]);
    const end = Math.min(Number(m[2]), body.length - 1);
    res
      .writeHead(206, {
        "Content-Length": end - start + 1,
        "Content-Range": `bytes ${start}-${end}/${body.length}`,
      })
      .end(body.subarray(start, end + 1));
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => {
    console.log(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  });
} else {
  await main();
}

async function main(): Promise<void> {
  const requests = Number(values.requests);
  const concurrency = Number(values.concurrency);
  const bytes = Number(values.bytes);
  const rounds = Number(values.rounds);
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ["--import", "tsx", self, "--serve", String(bytes)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.once("data", (d: Buffer) => resolve(d.toString().trim()));
    child.once("exit", (code) => reject(new Error(`server exited (${code})`)));
  });
  const results: Record<string, number[]> = { fetch: [], node: [] };
  try {
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? (["fetch", "node"] as const) : (["node", "fetch"] as const);
      for (const transport of order) {
        const store = new FetchStore(url, { transport });
        await run(store, 200, concurrency, bytes);
        const cpu = process.cpuUsage();
        const t0 = performance.now();
        await run(store, requests, concurrency, bytes);
        const wall = performance.now() - t0;
        const used = process.cpuUsage(cpu);
        const us = (used.user + used.system) / requests;
        results[transport]?.push(us);
        console.log(
          `${transport.padEnd(5)} ${requests} x ${bytes} B, ${concurrency} concurrent: ${us.toFixed(0)} µs CPU/request (user ${(used.user / requests).toFixed(0)}, system ${(used.system / requests).toFixed(0)}), ${((requests / wall) * 1000).toFixed(0)} requests/s`,
        );
      }
    }
  } finally {
    child.kill();
  }
  const f = median(results.fetch ?? []);
  const n = median(results.node ?? []);
  console.log(
    `median µs CPU/request: fetch ${f.toFixed(0)}, node ${n.toFixed(0)} (node/fetch ${(n / f).toFixed(2)}); load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
}

/** `count` range reads of `bytes` bytes, `concurrency` at a time. */
async function run(
  store: FetchStore,
  count: number,
  concurrency: number,
  bytes: number,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const offset = (i * 4096) % bytes;
      const got = await store.getRange("data", { offset, length: bytes });
      if (got?.length !== bytes) throw new Error(`short read: ${got?.length}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
