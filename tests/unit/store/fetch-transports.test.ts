/**
 * FetchStore's two transports (`fetch` and `node:http`) against one loopback server: content
 * codings, bodies without `Content-Length`, dropped and cancelled bodies, keep-alive connection
 * reuse (counted by the server, per client port), aborts closing their connection, the choice of
 * transport, and a process with idle keep-alive connections still exiting.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AbortError, type StoreError } from "../../../src/core/errors.js";
import { FetchStore, type FetchStoreOptions } from "../../../src/store/fetch.js";
import { runModule } from "../../helpers/run-module.js";
import { serveFiles, startRawServer, type TestServer } from "./http-server.js";

const TRANSPORTS = ["fetch", "node"] as const;
type Transport = (typeof TRANSPORTS)[number];

const DATA = new Uint8Array(200_000).map((_, i) => (i * 7919) % 251);
const MiB = 1024 * 1024;
/** 1 MiB of bytes gzip cannot shrink, as one gzip member (about as large). */
const NOISY = gzipSync(
  Uint8Array.from({ length: 1024 * 1024 }, (_, i) => (Math.imul(i, 2654435761) >>> 13) & 255),
);
/** 16 MiB of zeros, gzip-compressed to a few KiB. */
const BOMB = gzipSync(new Uint8Array(16 * MiB));
const ENCODED: Record<string, Uint8Array> = {
  gzip: gzipSync(DATA),
  deflate: deflateSync(DATA),
  br: brotliCompressSync(DATA),
  zstd: DATA, // announced but not decodable by the node transport
};

/** Per request: the client's port (one per connection) and whether the server saw it close early. */
interface Seen {
  path: string;
  port: number;
  acceptEncoding: string | undefined;
  closedEarly: boolean;
}
const seen: Seen[] = [];

/**
 * Routes (first path segment): `enc/<coding>/k` DATA in that content coding (200, any Range
 * ignored), `enc206/gzip/k` a gzip body as a 206 answer, `bomb/k` {@link BOMB}, `chunked/k`
 * DATA without Content-Length, `chunkcut/k` half of it then the connection closes, `huge/k` a
 * 1 GiB body (of 7s) ignoring Range, written only as fast as it is read, `hang/k` no answer, `stall/k`
 * headers and half of DATA then nothing, `noisy/k` 256 gzip members of {@link NOISY} written lazily,
 * `corrupt/k` one such member then 255 MiB that is not gzip, written lazily,
 * anything else {@link serveFiles} (`ok/k`, 404s).
 */
function handler(req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  const record: Seen = {
    path,
    port: req.socket.remotePort ?? -1,
    acceptEncoding: req.headers["accept-encoding"],
    closedEarly: false,
  };
  seen.push(record);
  res.on("close", () => {
    record.closedEarly = !res.writableFinished;
  });
  const [, mode = "", coding = ""] = path.split("/");
  switch (mode) {
    case "enc": {
      const body = ENCODED[coding] ?? DATA;
      res.writeHead(200, { "Content-Encoding": coding, "Content-Length": body.length }).end(body);
      return;
    }
    case "enc206": {
      const body = ENCODED.gzip ?? DATA;
      res
        .writeHead(206, {
          "Content-Encoding": "gzip",
          "Content-Range": `bytes 0-${body.length - 1}/${DATA.length}`,
          "Content-Length": body.length,
        })
        .end(body);
      return;
    }
    case "bomb":
      res.writeHead(200, { "Content-Encoding": "gzip", "Content-Length": BOMB.length }).end(BOMB);
      return;
    case "noisy":
      // 256 gzip members of NOISY (256 MiB decoded), written only as fast as they are read
      res.writeHead(200, { "Content-Encoding": "gzip", "Content-Length": 256 * NOISY.length });
      writeLazily(res, NOISY, 256);
      return;
    case "chunked":
      res.writeHead(200);
      res.write(DATA.subarray(0, 1000));
      res.end(DATA.subarray(1000));
      return;
    case "chunkcut":
      res.writeHead(200);
      res.write(DATA.subarray(0, DATA.length >> 1), () => res.destroy());
      return;
    case "huge":
      // 1 GiB announced, written lazily in 64 KiB chunks until the client goes away
      res.writeHead(200, { "Content-Length": 1024 * MiB });
      writeLazily(res, Buffer.alloc(64 * 1024, 7), 1024 * 16);
      return;
    case "corrupt":
      // One good gzip member, then 255 MiB that is not gzip, written only as fast as it is read
      res.writeHead(200, {
        "Content-Encoding": "gzip",
        "Content-Length": NOISY.length + 255 * MiB,
      });
      res.write(NOISY);
      writeLazily(res, Buffer.alloc(MiB, 0x5a), 255);
      return;
    case "hang":
      return; // never answers
    case "stall":
      res.writeHead(200, { "Content-Length": DATA.length });
      res.write(DATA.subarray(0, DATA.length >> 1));
      return;
    default:
      files(req, res);
  }
}
const files = serveFiles(new Map([["k", DATA]]));

/** Writes `piece` `times` times, each only once the client has read the ones before, then ends. */
function writeLazily(res: ServerResponse, piece: Uint8Array, times: number): void {
  let sent = 0;
  const pump = () => {
    while (!res.destroyed && sent < times) {
      sent++;
      if (!res.write(piece)) {
        res.once("drain", pump);
        return;
      }
    }
    if (!res.destroyed) res.end();
  };
  pump();
}

let server: TestServer;
beforeAll(async () => {
  server = await startRawServer(handler);
});
afterAll(async () => {
  await server.close();
});

/** `bytes` equals {@link DATA} (compared as buffers: a 200 KB deep equality is slow). */
function expectData(bytes: Uint8Array | undefined): void {
  expect(bytes).toBeInstanceOf(Uint8Array);
  expect(Buffer.compare(bytes ?? new Uint8Array(), DATA)).toBe(0);
}

async function rejection(promise: Promise<unknown>): Promise<StoreError> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error as StoreError,
  );
}

/** Waits (at most 5 s, bounded loop) until the server saw the connection of `record` close. */
async function closed(record: Seen | undefined): Promise<boolean> {
  for (let i = 0; i < 500 && record !== undefined && !record.closedEarly; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return record?.closedEarly ?? false;
}

const storeOn = (transport: Transport, mode: string, options: FetchStoreOptions = {}) =>
  new FetchStore(`${server.url}${mode}/`, { transport, ...options });

describe.each(TRANSPORTS)("FetchStore (%s transport)", (transport) => {
  it.each(["gzip", "deflate", "br"])(
    "decodes a whole value in content coding %s",
    async (coding) => {
      expectData(await storeOn(transport, `enc/${coding}`).get("k"));
    },
  );

  it("stops decoding at maxBytes / maxObjectBytes: non-transient StoreError naming the limit", async () => {
    const error = await rejection(storeOn(transport, "bomb").get("k", { maxBytes: MiB }));
    expect(error).toMatchObject({ name: "StoreError", key: "k", transient: false });
    expect(error.message).toContain(`larger than the limit of ${MiB} bytes (maxBytes)`);
    const storeWide = storeOn(transport, "bomb", { maxObjectBytes: 1000 });
    const capped = await rejection(storeWide.get("k"));
    expect(capped.message).toContain("limit of 1000 bytes (FetchStore option maxObjectBytes)");
  });

  it("a large content-coded body stopped at maxBytes closes its connection; the store goes on", async () => {
    const store = storeOn(transport, "noisy");
    for (let round = 0; round < 2; round++) {
      const error = await rejection(store.get("k", { maxBytes: 3 * 1024 * 1024 }));
      expect(error.name).toBe("StoreError");
      expect(error.transient).toBe(false);
      expect(error.message).toMatch(/maxBytes/);
      // The rest of the 256 MiB was not sent: the connection was closed under it.
      expect(await closed(seen.findLast((r) => r.path === "/noisy/k"))).toBe(true);
    }
  });

  it("a content-coded body that turns corrupt is a StoreError; its connection closes", async () => {
    const error = await rejection(storeOn(transport, "corrupt").get("k"));
    expect(error.name).toBe("StoreError");
    expect(await closed(seen.findLast((r) => r.path === "/corrupt/k"))).toBe(true);
  });

  it("reads a body without Content-Length whole; cut short it is a transient StoreError", async () => {
    expectData(await storeOn(transport, "chunked").get("k"));
    expect(await storeOn(transport, "chunked").getRange("k", { suffixLength: 10 })).toEqual(
      DATA.slice(-10),
    );
    const error = await rejection(storeOn(transport, "chunkcut").get("k"));
    expect(error).toMatchObject({ name: "StoreError", key: "k", transient: true });
  });

  it.each([
    ["hang", "the answer"],
    ["stall", "a body"],
  ])(
    "abort while waiting for %s (%s) → AbortError naming the key; the connection closes",
    async (mode) => {
      const controller = new AbortController();
      const pending = storeOn(transport, mode).get("k", { signal: controller.signal });
      for (let i = 0; i < 500 && seen.at(-1)?.path !== `/${mode}/k`; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      controller.abort();
      const error = await rejection(pending);
      expect(error).toBeInstanceOf(AbortError);
      expect(error.key).toBe("k");
      expect(await closed(seen.at(-1))).toBe(true);
    },
  );
});

describe("FetchStore node transport", () => {
  it("sends no Accept-Encoding (fetch asks for gzip, deflate, br)", async () => {
    await storeOn("node", "ok").get("k");
    expect(seen.at(-1)?.acceptEncoding).toBeUndefined();
    await storeOn("fetch", "ok").get("k");
    expect(seen.at(-1)?.acceptEncoding).toContain("gzip");
  });

  it("refuses a content-coded answer to a range request (non-transient StoreError)", async () => {
    for (const mode of ["enc206/gzip", "enc/gzip"]) {
      const error = await rejection(storeOn("node", mode).getRange("k", { offset: 0, length: 10 }));
      expect(error, mode).toMatchObject({ name: "StoreError", key: "k", transient: false });
      expect(error.message).toContain('Content-Encoding "gzip"');
      expect(error.message).toContain("cannot be sliced");
    }
  });

  it("refuses a content coding other than gzip, deflate and br", async () => {
    const error = await rejection(storeOn("node", "enc/zstd").get("k"));
    expect(error).toMatchObject({ name: "StoreError", key: "k", transient: false });
    expect(error.message).toContain('Content-Encoding "zstd"');
  });

  it("keeps one connection for sequential reads (misses included); a cancelled body closes it", async () => {
    const store = storeOn("node", "ok");
    const from = seen.length;
    for (let i = 0; i < 3; i++) {
      expectData(await store.get("k"));
      expect(await store.getRange("k", { offset: 10 * i, length: 5 })).toEqual(
        DATA.slice(10 * i, 10 * i + 5),
      );
      expect(await store.get("missing")).toBeUndefined();
    }
    const ports = seen.slice(from).map((s) => s.port);
    expect(ports).toHaveLength(9);
    expect(new Set(ports).size).toBe(1);

    // A 200 answering a range request: read up to the range's end, then the connection is closed.
    const huge = storeOn("node", "huge");
    const sevens = new Uint8Array(10).fill(7);
    expect(await huge.getRange("k", { offset: 0, length: 10 })).toEqual(sevens);
    expect(await closed(seen.at(-1))).toBe(true);
    expect(await huge.getRange("k", { offset: 10, length: 10 })).toEqual(sevens);
    expect(await closed(seen.at(-1))).toBe(true);
    const after = seen.slice(from).map((s) => s.port);
    expect(after).toHaveLength(11);
    expect(new Set(after).size).toBe(3); // another store: its own agent; then a new connection
  });

  it("concurrent reads each get a connection, reused afterwards", async () => {
    const store = storeOn("node", "ok");
    const from = seen.length;
    const reads = Array.from({ length: 4 }, () => store.getRange("k", { suffixLength: 100 }));
    for (const read of await Promise.all(reads)) expect(read).toEqual(DATA.slice(-100));
    const first = new Set(seen.slice(from).map((s) => s.port));
    expect(first.size).toBe(4);
    await Promise.all(Array.from({ length: 4 }, () => store.get("k")));
    const all = seen.slice(from).map((s) => s.port);
    expect(all).toHaveLength(8);
    expect(new Set(all)).toEqual(first);
  });

  it("a request failing on a reused connection the server had closed is sent once more", async () => {
    // Each connection answers its first request and resets on the second: a stale keep-alive socket.
    const served = new Map<unknown, number>();
    const ports: number[] = [];
    const flaky = await startRawServer((req, res) => {
      ports.push(req.socket.remotePort ?? -1);
      const n = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, n);
      if (n > 1) req.socket.destroy();
      else files(req, res);
    });
    try {
      const store = new FetchStore(`${flaky.url}ok/`, { transport: "node" });
      expectData(await store.get("k"));
      expectData(await store.get("k"));
      expect(ports).toHaveLength(3);
      expect(ports[1]).toBe(ports[0]);
      expect(ports[2]).not.toBe(ports[0]);
      // The next read meets the same on the second connection: again one resend, on a third.
      expect(await store.getRange("k", { offset: 0, length: 3 })).toEqual(DATA.slice(0, 3));
      expect(ports).toHaveLength(5);
    } finally {
      await flaky.close();
    }
  });

  it("chooses the transport: auto is node unless a fetch (or a fetch-only requestInit) is given", async () => {
    expect(() => storeOn("xhr" as Transport, "ok")).toThrow(RangeError);
    expect(() => storeOn("node", "ok", { fetch: globalThis.fetch })).toThrow(
      /cannot use the fetch/,
    );
    const auto = new FetchStore(`${server.url}ok/`);
    await auto.get("k");
    expect(seen.at(-1)?.acceptEncoding).toBeUndefined();
    let calls = 0;
    const injected = new FetchStore(`${server.url}ok/`, {
      fetch: (input, init) => {
        calls++;
        return fetch(input, init);
      },
    });
    await injected.get("k");
    expect(calls).toBe(1);
    const keepalive = new FetchStore(`${server.url}ok/`, { requestInit: { keepalive: true } });
    await keepalive.get("k");
    expect(seen.at(-1)?.acceptEncoding).toContain("gzip");
  });

  it("idle keep-alive connections do not keep the process alive, and Node's fetch (undici) is never loaded", {
    timeout: 20_000,
  }, async () => {
    // A server that would keep idle connections open for two minutes.
    const lingering = createServer((req, res) => files(req, res));
    lingering.keepAliveTimeout = 120_000;
    await new Promise<void>((resolve) => lingering.listen(0, "127.0.0.1", resolve));
    const { port } = lingering.address() as AddressInfo;
    const connections: string[] = [];
    lingering.on("connection", (socket) => connections.push(String(socket.remotePort)));
    try {
      const module = fileURLToPath(new URL("../../../src/store/fetch.ts", import.meta.url));
      const code = `import { FetchStore } from ${JSON.stringify(module)};
const store = new FetchStore("http://127.0.0.1:${port}/ok/", { transport: "node" });
const a = await store.get("k");
const b = await store.getRange("k", { offset: 1, length: 2 }, { signal: new AbortController().signal });
// The Node transport needs none of the bundled undici (Headers, fetch): loading it costs ~10 MB.
const undici = process.moduleLoadList.some((m) => m.includes("deps/undici"));
console.log(a.length, b.join(","), undici);`;
      const { out, err, exitCode } = await runModule(code);
      expect(err).toBe("");
      expect(exitCode).toBe(0);
      expect(out.trim()).toBe(`${DATA.length} ${DATA[1]},${DATA[2]} false`);
      expect(connections).toHaveLength(1);
    } finally {
      lingering.closeAllConnections();
      await new Promise<void>((resolve) => lingering.close(() => resolve()));
    }
  });
});
