/**
 * Large bodies taken whole (`BodyChunks.whole`, `Response.blob()`) by the `fetch` transport, as
 * `FetchStore` does in browsers: the same bytes as chunk by chunk; only bodies announcing at least
 * the threshold and at most what the read needs; never content-coded ones; a body larger than
 * needed refused before its bytes are allocated; a cut body rejects as a reader's read would.
 * Run with Node's `fetch`, which has the same `Response` API (the browser test covers Chromium).
 */
import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readExactly } from "../../../src/store/http-body.js";
import { fetchTransport, WHOLE_BODY_MIN_BYTES } from "../../../src/store/http-transport.js";
import { serveFiles, startRawServer, type TestServer } from "./http-server.js";

const MiB = 1024 * 1024;
/** 3 MiB that gzip cannot shrink. */
const BIG = new Uint8Array(randomBytes(3 * MiB));
const GZ = gzipSync(BIG);

let server: TestServer;
beforeAll(async () => {
  const files = serveFiles(new Map([["big", BIG]]));
  server = await startRawServer((req, res) => {
    if (req.url === "/gz") {
      res.writeHead(200, { "Content-Encoding": "gzip", "Content-Length": GZ.length }).end(GZ);
      return;
    }
    files(req, res);
  });
});
afterAll(() => server.close());

/** A transport whose answers count their `blob()` calls in `blobs`. */
function counting(wholeMin: number | undefined) {
  const counts = { blobs: 0 };
  const spying: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const blob = response.blob.bind(response);
    response.blob = () => {
      counts.blobs++;
      return blob();
    };
    return response;
  };
  return { transport: fetchTransport(() => spying, {}, wholeMin), counts };
}

const longer = () => new RangeError("longer");

/** Byte-wise equality (vitest's deep equality takes seconds per MiB). */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

async function answer(
  transport: ReturnType<typeof counting>["transport"],
  path: string,
  range?: string,
) {
  return transport.send({
    url: new URL(path, server.url),
    headers: range === undefined ? {} : { range },
    signal: undefined,
    redirect: "manual",
    decode: true,
  });
}

describe("bodies taken whole by the fetch transport", () => {
  it("a body announcing at least the threshold: the same bytes, from one blob()", async () => {
    expect(BIG.length).toBeGreaterThanOrEqual(WHOLE_BODY_MIN_BYTES);
    const { transport, counts } = counting(WHOLE_BODY_MIN_BYTES);
    const a = await answer(transport, "ok/big");
    expect(same(await readExactly(a.body, BIG.length, longer), BIG)).toBe(true);
    expect(counts.blobs).toBe(1);
    // Into memory from `allocate` (a Context's body memory): that memory is what comes back.
    const lease = new Uint8Array(2.5 * MiB);
    const b = await answer(transport, "ok/big", "bytes=100-2621539");
    const got = await readExactly(b.body, 2.5 * MiB, longer, async () => lease);
    expect(got).toBe(lease);
    expect(same(got, BIG.subarray(100, 100 + 2.5 * MiB))).toBe(true);
    expect(counts.blobs).toBe(2);
  });

  it("smaller bodies, and every body without the threshold, are read chunk by chunk", async () => {
    const { transport, counts } = counting(WHOLE_BODY_MIN_BYTES);
    const a = await answer(transport, "ok/big", "bytes=0-1048575");
    expect(same(await readExactly(a.body, MiB, longer), BIG.subarray(0, MiB))).toBe(true);
    const off = counting(undefined);
    const b = await answer(off.transport, "ok/big");
    expect(same(await readExactly(b.body, BIG.length, longer), BIG)).toBe(true);
    expect(counts.blobs + off.counts.blobs).toBe(0);
  });

  it("a body announcing more than the read needs is read chunk by chunk and stopped", async () => {
    const { transport, counts } = counting(WHOLE_BODY_MIN_BYTES);
    const a = await answer(transport, "ok/big");
    await expect(readExactly(a.body, 2.5 * MiB, longer)).rejects.toThrow("longer");
    expect(counts.blobs).toBe(0);
  });

  it("a content-coded body is never taken whole (its decoded size is not announced)", async () => {
    expect(GZ.length).toBeGreaterThanOrEqual(WHOLE_BODY_MIN_BYTES);
    const { transport, counts } = counting(WHOLE_BODY_MIN_BYTES);
    const a = await answer(transport, "gz");
    expect(same(await readExactly(a.body, BIG.length, longer), BIG)).toBe(true);
    expect(counts.blobs).toBe(0);
  });

  it("a whole body larger than the read needs is refused before its bytes are allocated", async () => {
    // A Content-Length that understates the body (as a content coding hidden by CORS would).
    let allocated = 0;
    const body = {
      read: () => Promise.reject(new Error("not read chunk by chunk")),
      cancel: () => Promise.resolve(),
      whole: async () => ({
        size: 3 * MiB,
        bytes: async () => {
          allocated++;
          return new ArrayBuffer(3 * MiB);
        },
      }),
    };
    await expect(readExactly(body, 2 * MiB, longer)).rejects.toThrow("longer");
    expect(allocated).toBe(0);
  });

  it("a body cut short rejects as a reader's read does", async () => {
    const whole = counting(WHOLE_BODY_MIN_BYTES);
    const chunked = counting(undefined);
    const errorOf = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => e,
      );
    const a = await answer(whole.transport, "cut/big");
    const b = await answer(chunked.transport, "cut/big");
    const [ea, eb] = [
      await errorOf(readExactly(a.body, BIG.length, longer)),
      await errorOf(readExactly(b.body, BIG.length, longer)),
    ];
    expect(whole.counts.blobs).toBe(1);
    expect(ea).toBeInstanceOf(TypeError);
    expect((ea as Error).name).toBe((eb as Error).name);
  });
});
