/**
 * The `http:` path of FetchStore's Node transport (`http-wire.ts`: keep-alive sockets reading into
 * one reused buffer, heads parsed by Node's llhttp, `Content-Length` bodies copied straight from
 * the read buffer) against a raw TCP server that writes exact bytes: answers split anywhere,
 * chunked and connection-framed bodies, truncated bodies, stale keep-alive connections,
 * `Connection: close`, bytes past a body, aborts and over-long heads.
 */

import { readFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { createServer, type Server, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { StoreError } from "../../../src/core/errors.js";
import { FetchStore } from "../../../src/store/fetch.js";
import type { HttpAnswer } from "../../../src/store/http-transport.js";
import { wireTransport } from "../../../src/store/http-wire.js";
import { runModule } from "../../helpers/run-module.js";

const DATA = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 31) % 251);

/** Heads of the requests received, as sent. */
const heads: string[] = [];

/** What the server does with one request on one connection (its index on the connection, the path). */
type Answer = (socket: Socket, path: string, nth: number) => void;

interface RawServer {
  url: string;
  /** Connections accepted so far. */
  connections: () => number;
  server: Server;
}

const servers: { server: Server; sockets: Set<Socket> }[] = [];
afterEach(async () => {
  for (const { server, sockets } of servers.splice(0)) {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

async function rawServer(answer: Answer): Promise<RawServer> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    let nth = 0;
    let pending = "";
    socket.on("data", (d: Buffer) => {
      pending += d.toString("latin1");
      for (;;) {
        const end = pending.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = pending.slice(0, end);
        heads.push(head);
        pending = pending.slice(end + 4);
        const path = head.split(" ")[1] ?? "/";
        answer(socket, path, nth++);
      }
    });
  });
  servers.push({ server, sockets });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, connections: () => connections, server };
}

function head(status: number, headers: Record<string, string | number>): Buffer {
  let text = `HTTP/1.1 ${status} X\r\n`;
  for (const [k, v] of Object.entries(headers)) text += `${k}: ${v}\r\n`;
  return Buffer.from(`${text}\r\n`, "latin1");
}

/** Writes `bytes` in pieces of `size` bytes, one per event-loop turn. */
function dribble(socket: Socket, bytes: Uint8Array, size: number, then?: () => void): void {
  let at = 0;
  const step = () => {
    if (socket.destroyed) return;
    if (at >= bytes.length) {
      then?.();
      return;
    }
    socket.write(bytes.subarray(at, at + size));
    at += size;
    setImmediate(step);
  };
  step();
}

function store(url: string): FetchStore {
  return new FetchStore(url, { transport: "node" });
}

/** A GET sender straight on the wire transport (no store): `send(name)` asks for `name` under `base`. */
async function wireSender(base: string): Promise<(name: string) => Promise<HttpAnswer>> {
  const wire = await wireTransport();
  if (wire === undefined) throw new Error("HTTPParser is missing in this Node");
  return (name) =>
    wire.send(
      {
        url: new URL(name, base),
        headers: {},
        signal: undefined,
        redirect: "manual",
        decode: false,
      },
      {},
    );
}

describe("FetchStore's Node transport on http: (raw sockets, llhttp heads)", () => {
  it("reads answers split at every few bytes, head and body alike, and reuses the connection", async () => {
    const s = await rawServer((socket) => {
      dribble(
        socket,
        Buffer.concat([head(200, { "Content-Length": 1000 }), DATA.subarray(0, 1000)]),
        7,
      );
    });
    const st = store(s.url);
    expect(await st.get("a")).toEqual(DATA.subarray(0, 1000));
    expect(await st.get("b")).toEqual(DATA.subarray(0, 1000));
    expect(s.connections()).toBe(1);
    // Written by http-wire.ts (node:http would send "Host:" and "Connection: keep-alive").
    expect(heads.at(-1)).toMatch(/^GET \/b HTTP\/1\.1\r\nhost: 127\.0\.0\.1:\d+\r\n/);
  });

  it("reads a large body arriving with its head in one write, and a zero-length body", async () => {
    const s = await rawServer((socket, path) => {
      const body = path === "/empty" ? new Uint8Array(0) : DATA;
      socket.write(Buffer.concat([head(200, { "Content-Length": body.length }), body]));
    });
    const st = store(s.url);
    // (compared as buffers: a deep equality of 300,000 elements takes a second)
    expect(Buffer.from((await st.get("big")) ?? []).equals(DATA)).toBe(true);
    expect(await st.get("empty")).toEqual(new Uint8Array(0));
    // A 200 (whole body) to a range request: the store takes the range out of it.
    expect(await st.getRange("big", { offset: 5, length: 10 })).toEqual(DATA.subarray(5, 15));
    expect(s.connections()).toBe(1);
  });

  it("reads chunked and connection-framed bodies (framed by llhttp)", async () => {
    const s = await rawServer((socket, path) => {
      if (path === "/chunked") {
        const body = DATA.subarray(0, 5000);
        socket.write(head(200, { "Transfer-Encoding": "chunked" }));
        socket.write(`${(3000).toString(16)}\r\n`);
        socket.write(body.subarray(0, 3000));
        socket.write(`\r\n${(2000).toString(16)}\r\n`);
        socket.write(body.subarray(3000));
        socket.write("\r\n0\r\n\r\n");
      } else {
        socket.write(head(200, { Connection: "close" }));
        dribble(socket, DATA.subarray(0, 4000), 1500, () => socket.end());
      }
    });
    const st = store(s.url);
    expect(await st.get("chunked")).toEqual(DATA.subarray(0, 5000));
    expect(await st.get("until-close")).toEqual(DATA.subarray(0, 4000));
    expect(await st.get("chunked")).toEqual(DATA.subarray(0, 5000));
  });

  it("connections sharing one read buffer keep their bodies apart (interleaved, every framing)", async () => {
    // Each key's body is a different slice of DATA; its answer is written in small pieces, one per
    // event-loop turn, so the reads of all connections interleave in the shared read buffer.
    const bodyOf = (path: string): Uint8Array => {
      const k = Number(path.slice(2));
      return DATA.subarray(k * 997, k * 997 + 20_000 + k * 1_013);
    };
    const s = await rawServer((socket, path) => {
      const body = bodyOf(path);
      const framing = Number(path.slice(2)) % 3;
      if (framing === 0) {
        dribble(socket, Buffer.concat([head(200, { "Content-Length": body.length }), body]), 1_400);
      } else if (framing === 1) {
        let text = Buffer.concat([head(200, { "Transfer-Encoding": "chunked" })]);
        for (let at = 0; at < body.length; at += 4_000) {
          const piece = body.subarray(at, at + 4_000);
          text = Buffer.concat([text, Buffer.from(`${piece.length.toString(16)}\r\n`), piece]);
          text = Buffer.concat([text, Buffer.from("\r\n")]);
        }
        dribble(socket, Buffer.concat([text, Buffer.from("0\r\n\r\n")]), 1_100);
      } else {
        socket.write(head(200, { Connection: "close" }));
        dribble(socket, body, 900, () => socket.end());
      }
    });
    // Through the transport itself, so that half the bodies are read only after every answer has
    // arrived (their pieces wait as copies), the other half as they come (views of the buffer).
    const send = await wireSender(s.url);
    const keys = Array.from({ length: 24 }, (_, k) => k);
    const answers = await Promise.all(keys.map((k) => send(`k${k}`)));
    const collect = async (k: number): Promise<Buffer> => {
      const body = answers[k]?.body;
      if (!body) throw new Error(`no body for k${k}`);
      const parts: Buffer[] = [];
      if (k % 2 === 0 && body.each) {
        await body.each((view) => {
          parts.push(Buffer.from(view));
          return true;
        });
      } else {
        await new Promise((resolve) => setTimeout(resolve, 30));
        for (let r = await body.read(); !r.done; r = await body.read())
          parts.push(Buffer.from(r.value));
      }
      return Buffer.concat(parts);
    };
    const bodies = await Promise.all(keys.map(collect));
    expect(s.connections()).toBe(24);
    bodies.forEach((got, k) => {
      expect(got.equals(bodyOf(`/k${k}`)), `body of k${k}`).toBe(true);
    });
  });

  it("pieces a late reader takes with read() stay its own (their memory is never reused)", async () => {
    // The body arrives in small pieces while nobody reads: they wait as copies in the transport's
    // piece buffers. Half of them go to a reader that reads later and keeps what it is given
    // (read()), the others to one that copies (each(), whose views are only valid in the call).
    const s = await rawServer((socket) => {
      dribble(socket, Buffer.concat([head(200, { "Content-Length": DATA.length }), DATA]), 1_000);
    });
    const send = await wireSender(s.url);
    const [kept, copied] = await Promise.all([send("kept"), send("copied")]);
    await new Promise((r) => setTimeout(r, 30));
    const keep = async () => {
      const parts: Uint8Array[] = [];
      for (let r = await kept.body!.read(); !r.done; r = await kept.body!.read())
        parts.push(r.value);
      return Buffer.concat(parts);
    };
    const copy = async () => {
      const parts: Buffer[] = [];
      await copied.body!.each!((view) => {
        parts.push(Buffer.from(view));
        return true;
      });
      return Buffer.concat(parts);
    };
    const [a, b] = await Promise.all([keep(), copy()]);
    expect(a.equals(DATA)).toBe(true);
    expect(b.equals(DATA)).toBe(true);
  });

  it("a Host header given by the caller replaces the URL's (sent once)", async () => {
    const s = await rawServer((socket) => {
      socket.write(Buffer.concat([head(200, { "Content-Length": 3 }), DATA.subarray(0, 3)]));
    });
    const st = new FetchStore(s.url, { transport: "node", headers: { Host: "data.example" } });
    expect(await st.get("a")).toEqual(DATA.subarray(0, 3));
    const hosts = (heads.at(-1) ?? "").split("\r\n").filter((l) => /^host:/i.test(l));
    expect(hosts).toEqual(["host: data.example"]);
  });

  it("skips interim answers (103 Early Hints, 100 Continue) before the final one", async () => {
    const s = await rawServer((socket, path) => {
      socket.write("HTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\n\r\n");
      socket.write("HTTP/1.1 100 Continue\r\n\r\n");
      if (path === "/chunked") {
        socket.write(head(200, { "Transfer-Encoding": "chunked" }));
        socket.write("5\r\n");
        socket.write(DATA.subarray(0, 5));
        socket.write("\r\n0\r\n\r\n");
      } else {
        socket.write(Buffer.concat([head(200, { "Content-Length": 5 }), DATA.subarray(0, 5)]));
      }
    });
    const st = store(s.url);
    expect(await st.get("a")).toEqual(DATA.subarray(0, 5));
    expect(await st.get("chunked")).toEqual(DATA.subarray(0, 5));
    expect(await st.get("a")).toEqual(DATA.subarray(0, 5));
    expect(s.connections()).toBe(1);
  });

  it("a body cut short by the server is an error (transient), never short bytes", async () => {
    const s = await rawServer((socket) => {
      socket.write(Buffer.concat([head(200, { "Content-Length": 1000 }), DATA.subarray(0, 400)]));
      setImmediate(() => socket.destroy());
    });
    const error = await store(s.url)
      .get("a")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).transient).toBe(true);
  });

  it("sends a request again on a new connection when a kept-alive one was closed meanwhile", async () => {
    const s = await rawServer((socket) => {
      socket.write(Buffer.concat([head(200, { "Content-Length": 10 }), DATA.subarray(0, 10)]));
      // Close the idle connection right after the answer, as a server's keep-alive timeout would.
      setTimeout(() => socket.destroy(), 5);
    });
    const st = store(s.url);
    expect(await st.get("a")).toEqual(DATA.subarray(0, 10));
    await new Promise((r) => setTimeout(r, 30));
    expect(await st.get("b")).toEqual(DATA.subarray(0, 10));
    expect(s.connections()).toBe(2);
  });

  it("Connection: close, HTTP/1.0 and bytes past a body end a connection's reuse", async () => {
    const s = await rawServer((socket, path) => {
      const body = DATA.subarray(0, 20);
      if (path === "/close") {
        socket.write(
          Buffer.concat([head(200, { "Content-Length": 20, Connection: "close" }), body]),
        );
      } else if (path === "/old") {
        socket.write(Buffer.from("HTTP/1.0 200 OK\r\nContent-Length: 20\r\n\r\n", "latin1"));
        socket.write(body);
      } else {
        socket.write(
          Buffer.concat([head(200, { "Content-Length": 20 }), body, Buffer.from("junk")]),
        );
      }
    });
    const st = store(s.url);
    for (const path of ["close", "old", "extra", "close"]) {
      expect(await st.get(path)).toEqual(DATA.subarray(0, 20));
    }
    expect(s.connections()).toBe(4);
  });

  it("a 404 with a body is a missing key, and the connection serves the next request", async () => {
    const s = await rawServer((socket, path) => {
      if (path === "/missing")
        socket.write(Buffer.concat([head(404, { "Content-Length": 9 }), Buffer.from("not found")]));
      else socket.write(Buffer.concat([head(200, { "Content-Length": 5 }), DATA.subarray(0, 5)]));
    });
    const st = store(s.url);
    expect(await st.get("missing")).toBeUndefined();
    expect(await st.get("there")).toEqual(DATA.subarray(0, 5));
    expect(s.connections()).toBe(1);
  });

  it("an abort in the middle of a body rejects at once and closes the connection", async () => {
    let closed = false;
    const s = await rawServer((socket) => {
      socket.on("close", () => {
        closed = true;
      });
      socket.write(
        Buffer.concat([head(200, { "Content-Length": DATA.length }), DATA.subarray(0, 1000)]),
      );
    });
    const controller = new AbortController();
    const read = store(s.url).get("a", { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    await expect(read).rejects.toMatchObject({ name: "AbortError" });
    await new Promise((r) => setTimeout(r, 20));
    expect(closed).toBe(true);
  });

  it("a body reader that throws inside the socket's callback gets the error; the connection closes", async () => {
    let closed = 0;
    const s = await rawServer((socket, path) => {
      socket.on("close", () => {
        closed++;
      });
      if (path === "/after") {
        socket.write(Buffer.concat([head(200, { "Content-Length": 10 }), DATA.subarray(0, 10)]));
        return;
      }
      // The head at once; the body a little later, so that it reaches the reader from the
      // socket's read callback (not from the queue of pieces that came with the head).
      socket.write(head(200, { "Content-Length": DATA.length }));
      setTimeout(() => dribble(socket, DATA, 16_384), 20);
    });
    const request = await wireSender(s.url);
    const answer = await request("a");
    const body = answer.body;
    if (!body?.each) throw new Error("the wire body has no each()");
    let pieces = 0;
    const boom = new Error("the reader failed");
    const reading = body.each(() => {
      pieces++;
      if (pieces === 2) throw boom;
      return true;
    });
    await expect(reading).rejects.toBe(boom);
    expect(pieces).toBe(2);
    await new Promise((r) => setTimeout(r, 20));
    expect(closed).toBe(1);
    // The transport goes on: the next request gets a new connection and its whole body.
    const next = await request("after");
    const parts: Uint8Array[] = [];
    for (let r = await next.body!.read(); !r.done; r = await next.body!.read()) parts.push(r.value);
    expect(Buffer.concat(parts).equals(DATA.subarray(0, 10))).toBe(true);
    expect(s.connections()).toBe(2);
  });

  it("an endless head fails (llhttp's header size bound) instead of growing", async () => {
    const s = await rawServer((socket) => {
      socket.write("HTTP/1.1 200 OK\r\n");
      const line = Buffer.from(`X-Pad: ${"a".repeat(1000)}\r\n`, "latin1");
      let n = 0;
      const more = () => {
        if (socket.destroyed || n++ > 200) return;
        socket.write(line, () => setImmediate(more));
      };
      more();
    });
    const error = await store(s.url)
      .get("a")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
  });

  describe("https:", () => {
    const tlsDir = new URL("../../fixtures/tls/", import.meta.url);
    const key = readFileSync(new URL("key.pem", tlsDir));
    const cert = readFileSync(new URL("cert.pem", tlsDir));

    /** The first header name of each request, as sent (http-wire.ts writes `host`, node:https `Host`). */
    const firstHeaderNames: string[] = [];

    async function httpsServer(): Promise<{
      url: string;
      connections: () => number;
      close: () => void;
    }> {
      let connections = 0;
      const server = createHttpsServer({ key, cert }, (req, res) => {
        firstHeaderNames.push(req.rawHeaders[0] ?? "");
        const range = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? "");
        if (range) {
          const [from, to] = [Number(range[1]), Number(range[2])];
          res.writeHead(206, {
            "Content-Length": to - from + 1,
            "Content-Range": `bytes ${from}-${to}/${DATA.length}`,
          });
          res.end(DATA.subarray(from, to + 1));
        } else {
          res.writeHead(200, { "Content-Length": DATA.length });
          res.end(DATA);
        }
      });
      server.on("secureConnection", () => connections++);
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const { port } = server.address() as AddressInfo;
      return {
        url: `https://localhost:${port}/`,
        connections: () => connections,
        close: () => {
          server.closeAllConnections();
          server.close();
        },
      };
    }

    it("reads over TLS on kept-alive connections, with the server's name checked", {
      timeout: 20_000,
    }, async () => {
      const s = await httpsServer();
      try {
        const module = fileURLToPath(new URL("../../../src/store/fetch.ts", import.meta.url));
        const code = `import { FetchStore } from ${JSON.stringify(module)};
const store = new FetchStore(${JSON.stringify(s.url)}, { transport: "node" });
const a = await store.get("k");
const b = await store.getRange("k", { offset: 1000, length: 5 });
console.log(a.length, a[299999], b.join(","));`;
        const { out, err, exitCode } = await runModule(code, {
          NODE_EXTRA_CA_CERTS: fileURLToPath(new URL("cert.pem", tlsDir)),
        });
        expect(err).toBe("");
        expect(exitCode).toBe(0);
        expect(out.trim()).toBe(
          `${DATA.length} ${DATA[299_999]} ${Array.from(DATA.subarray(1000, 1005)).join(",")}`,
        );
        expect(s.connections()).toBe(1);
        expect(firstHeaderNames.slice(-2)).toEqual(["host", "host"]);
      } finally {
        s.close();
      }
    });

    it("refuses a certificate the process does not trust (an error, not a hang)", async () => {
      const s = await httpsServer();
      try {
        const error = await new FetchStore(s.url, { transport: "node" })
          .get("k")
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreError);
        expect(String((error as Error).message) + String((error as Error).cause)).toMatch(
          /certificate/i,
        );
      } finally {
        s.close();
      }
    });
  });
});
