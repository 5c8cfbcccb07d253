/**
 * FetchStore reads no more of a body than the answer needs: an over-long 206, a 200 answering a
 * range request, and whole-object reads past `maxBytes` / `maxObjectBytes` are cancelled early.
 * Large bodies are generated lazily by a loopback server, chunk by chunk, in a loop that stops
 * when the client disconnects: nothing of their size is ever allocated.
 */
import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreError } from "../../../src/core/errors.js";
import { opener, TRANSPORTS } from "../../helpers/fetch-transports.js";
import { startRawServer, type TestServer } from "./http-server.js";

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const CHUNK = 64 * KiB;
const DATA = new Uint8Array(100).map((_, i) => i);

/** What the server did with one lazily generated body. */
interface Sent {
  bytes: number;
  /** The connection closed (client disconnect) before the whole body was sent. */
  cutShort: boolean;
  closed: boolean;
}
const sent = new Map<string, Sent>();

/**
 * Writes `total` bytes (of 7s) in chunks of 64 KiB, waiting for `drain`, and stops as soon as the
 * connection closes. One shared chunk buffer: memory stays at the socket buffers.
 */
function streamLazily(res: ServerResponse, total: number, state: Sent): void {
  const chunk = Buffer.alloc(CHUNK, 7);
  res.on("close", () => {
    state.closed = true;
    state.cutShort = state.bytes < total;
  });
  const pump = () => {
    while (!res.destroyed && state.bytes < total) {
      const n = Math.min(CHUNK, total - state.bytes);
      state.bytes += n;
      if (!res.write(n === CHUNK ? chunk : chunk.subarray(0, n))) {
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
  server = await startRawServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const [, mode = "", name = ""] = path.split("/");
    const state: Sent = { bytes: 0, cutShort: false, closed: false };
    sent.set(name, state);
    switch (mode) {
      case "long206": // announces 4 KiB, sends up to 64 MiB, chunked (no Content-Length)
        res.writeHead(206, { "Content-Range": `bytes 0-${4 * KiB - 1}/${GiB}` });
        return streamLazily(res, 64 * MiB, state);
      case "huge200": // 3 GiB, chunked, ignores Range
        res.writeHead(200);
        return streamLazily(res, 3 * GiB, state);
      case "hugecl200": // 3 GiB announced by Content-Length, ignores Range
        res.writeHead(200, { "Content-Length": 3 * GiB });
        return streamLazily(res, 3 * GiB, state);
      case "nocl200": // DATA, chunked, ignores Range
        res.writeHead(200).end(DATA);
        return;
      default:
        res.writeHead(200, { "Content-Length": DATA.length }).end(DATA);
    }
  });
});
afterAll(async () => {
  await server.close();
});

/** Waits (at most 5 s, bounded loop) until the server saw the connection of `name` close. */
async function closedConnection(name: string): Promise<Sent> {
  for (let i = 0; i < 500 && !sent.get(name)?.closed; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const state = sent.get(name);
  if (state === undefined) throw new Error(`no request for ${name}`);
  return state;
}

async function rejection(promise: Promise<unknown>): Promise<StoreError> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error as StoreError,
  );
}

describe.each(TRANSPORTS)("FetchStore bounds the bodies it reads (%s transport)", (transport) => {
  const open = opener(transport);

  it("a 206 whose body runs past its Content-Range fails fast with a transient StoreError", async () => {
    const store = open(`${server.url}long206/`);
    const before = process.memoryUsage().arrayBuffers;
    const started = performance.now();
    const error = await rejection(store.getRange("a", { offset: 0, length: 4 * KiB }));
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ key: "a", transient: true });
    expect(error.message).toContain("longer than its Content-Range");
    expect(error.message).toContain(`bytes 0-4095/${GiB}`);
    const state = await closedConnection("a");
    expect(state.cutShort).toBe(true);
    expect(state.bytes).toBeLessThan(64 * MiB);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(100 * MiB);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it("a 200 with a 3 GiB chunked body answering a 4 KiB getRange is cancelled early", async () => {
    const store = open(`${server.url}huge200/`);
    const before = process.memoryUsage().arrayBuffers;
    const bytes = await store.getRange("b", { offset: 0, length: 4 * KiB });
    expect(bytes).toEqual(new Uint8Array(4 * KiB).fill(7));
    const state = await closedConnection("b");
    expect(state.cutShort).toBe(true);
    expect(state.bytes).toBeLessThan(64 * MiB);

    // with an offset: read up to offset + length, then cancel
    const later = await store.getRange("c", { offset: 8 * MiB, length: 4 * KiB });
    expect(later?.length).toBe(4 * KiB);
    const stateC = await closedConnection("c");
    expect(stateC.cutShort).toBe(true);
    expect(stateC.bytes).toBeLessThan(64 * MiB);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(100 * MiB);
  });

  it("a suffix answered by a 200 without Content-Length keeps the tail, within the cap", async () => {
    const store = open(`${server.url}nocl200/`);
    expect(await store.getRange("d", { suffixLength: 7 })).toEqual(DATA.slice(93));
    expect(await store.getRange("d", { suffixLength: 500 })).toEqual(DATA);
    const capped = await rejection(store.getRange("d", { suffixLength: 7 }, { maxBytes: 50 }));
    expect(capped).toMatchObject({ name: "StoreError", key: "d", transient: false });
    expect(capped.message).toContain("larger than the limit of 50 bytes (maxBytes)");

    const small = open(`${server.url}nocl200/`, { maxObjectBytes: 60 });
    const storeWide = await rejection(small.getRange("d", { suffixLength: 7 }));
    expect(storeWide.message).toContain("limit of 60 bytes (FetchStore option maxObjectBytes)");
  });

  it("an offset range answered by a 200 with a 3 GiB Content-Length stops early", async () => {
    const store = open(`${server.url}hugecl200/`);
    expect(await store.getRange("e", { offset: 1, length: 3 })).toEqual(new Uint8Array(3).fill(7));
    const state = await closedConnection("e");
    expect(state.cutShort).toBe(true);
    expect(state.bytes).toBeLessThan(64 * MiB);
  });
});

describe.each(TRANSPORTS)(
  "FetchStore get with maxBytes / maxObjectBytes (%s transport)",
  (transport) => {
    const open = opener(transport);

    it("a Content-Length over maxBytes fails before reading, naming key, size and limit", async () => {
      const store = open(server.url);
      expect(await store.get("ok/a", { maxBytes: 100 })).toEqual(DATA);
      const error = await rejection(store.get("ok/a", { maxBytes: 99 }));
      expect(error).toBeInstanceOf(StoreError);
      expect(error).toMatchObject({ code: "ERR_STORE", key: "ok/a", transient: false });
      expect(error.message).toContain('"ok/a"');
      expect(error.message).toContain("100 bytes, more than the limit of 99 bytes (maxBytes)");
    });

    it("a body without Content-Length is cancelled at maxBytes", async () => {
      const store = open(server.url);
      expect(await store.get("nocl200/f", { maxBytes: 100 })).toEqual(DATA);
      const small = await rejection(store.get("nocl200/f", { maxBytes: 99 }));
      expect(small).toMatchObject({ name: "StoreError", key: "nocl200/f", transient: false });
      expect(small.message).toContain("larger than the limit of 99 bytes (maxBytes)");

      const error = await rejection(store.get("huge200/g", { maxBytes: MiB }));
      expect(error).toMatchObject({ name: "StoreError", transient: false });
      expect(error.message).toContain(`limit of ${MiB} bytes`);
      const state = await closedConnection("g");
      expect(state.cutShort).toBe(true);
      expect(state.bytes).toBeLessThan(64 * MiB);
    });

    it("the store-wide maxObjectBytes (default 2 GiB) caps a get without maxBytes", async () => {
      const store = open(server.url);
      const error = await rejection(store.get("hugecl200/h"));
      expect(error).toMatchObject({ name: "StoreError", key: "hugecl200/h", transient: false });
      expect(error.message).toContain(
        `${3 * GiB} bytes, more than the limit of ${2 * GiB} bytes (FetchStore option maxObjectBytes)`,
      );
      const state = await closedConnection("h");
      expect(state.cutShort).toBe(true);

      const tiny = open(server.url, { maxObjectBytes: 10 });
      expect((await rejection(tiny.get("ok/i"))).message).toContain("limit of 10 bytes");
      expect(await tiny.get("ok/i", { maxBytes: 1000 })).toEqual(DATA); // the caller's limit wins
    });

    it("rejects invalid limits with a RangeError", async () => {
      const store = open(server.url);
      await expect(store.get("ok/a", { maxBytes: -1 })).rejects.toThrow(RangeError);
      await expect(store.getRange("ok/a", { suffixLength: 1 }, { maxBytes: 1.5 })).rejects.toThrow(
        RangeError,
      );
      expect(() => open(server.url, { maxObjectBytes: Number.NaN })).toThrow(RangeError);
    });
  },
);
