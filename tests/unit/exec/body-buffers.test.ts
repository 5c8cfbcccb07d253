/**
 * The Context's body memory: the byte budget (waiting, one oversized body alone, abort while
 * waiting), reuse only of memory every holder gave back as reusable, and reads over HTTP that
 * reuse bodies with exact values and unchanged request counts, including after a failed decode.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AbortError, CodecError } from "../../../src/core/errors.js";
import { BodyBuffers } from "../../../src/exec/body-buffers.js";
import { Context } from "../../../src/exec/context.js";
import { AbortScope } from "../../../src/exec/limiter.js";
import { openArray } from "../../../src/hierarchy/index.js";
import { slice } from "../../../src/index-space/selection.js";
import { FetchStore } from "../../../src/store/fetch.js";
import { type IotaDirectory, iotaDirectory } from "../../helpers/iota-directory.js";
import { type StaticServer, startStaticServer } from "../../helpers/static-server.js";

const MiB = 1024 * 1024;

describe("BodyBuffers", () => {
  it("holds at most the budget; a body that does not fit waits for one given back", async () => {
    const b = new BodyBuffers({ maxBytesInFlight: 4 * MiB });
    const x = await b.take(3 * MiB);
    expect(x.length).toBe(3 * MiB);
    let got: Uint8Array | undefined;
    const y = b.take(2 * MiB).then((v) => {
      got = v;
      return v;
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(got).toBeUndefined();
    b.give(x, true);
    const yv = await y;
    expect(yv.length).toBe(2 * MiB);
    expect(b.bytesInFlight).toBeGreaterThanOrEqual(2 * MiB);
    b.give(yv, true);
    expect(b.bytesInFlight).toBe(0);
  });

  it("lets one body larger than the budget through alone", async () => {
    const b = new BodyBuffers({ maxBytesInFlight: MiB });
    const big = await b.take(5 * MiB);
    expect(big.length).toBe(5 * MiB);
    b.give(big, false);
    expect(b.bytesInFlight).toBe(0);
  });

  it("reuses memory given back as reusable, not memory given back as not reusable", async () => {
    const b = new BodyBuffers({ maxBytesInFlight: 64 * MiB });
    const a = await b.take(3 * MiB + 17);
    a.fill(7);
    b.give(a, true);
    const again = await b.take(3 * MiB);
    expect(again.buffer).toBe(a.buffer);
    expect(b.reused).toBe(1);
    b.give(again, false);
    const fresh = await b.take(3 * MiB);
    expect(fresh.buffer).not.toBe(a.buffer);
    expect(b.allocated).toBe(2);
    b.give(fresh, true);
  });

  it("counts holders: the memory returns when the last one gives it back", async () => {
    const b = new BodyBuffers({ maxBytesInFlight: 64 * MiB });
    const a = await b.take(2 * MiB);
    b.hold(a);
    b.give(a, true);
    expect(b.bytesInFlight).toBeGreaterThan(0);
    expect(b.idleBytes).toBe(0);
    b.give(a, true);
    expect(b.bytesInFlight).toBe(0);
    expect(b.idleBytes).toBeGreaterThan(0);
    // memory that did not come from take() is ignored
    b.give(new Uint8Array(10), true);
    expect(b.bytesInFlight).toBe(0);
  });

  it("keeps at most maxIdleBytes idle", async () => {
    const b = new BodyBuffers({ maxBytesInFlight: 64 * MiB, maxIdleBytes: 3 * MiB });
    const xs = await Promise.all([b.take(2 * MiB), b.take(2 * MiB)]);
    for (const x of xs) b.give(x, true);
    expect(b.idleBytes).toBeLessThanOrEqual(3 * MiB);
    expect(b.idleBytes).toBeGreaterThan(0);
  });

  it("answers each body with the smallest idle buffer that fits, and drops the oldest over the cap", async () => {
    const KiB = 1024;
    const b = new BodyBuffers({ maxBytesInFlight: 64 * MiB, maxIdleBytes: 64 * MiB });
    // Given back in an order unrelated to size.
    const sizes = [300, 100, 500, 200, 400, 100].map((k) => k * KiB);
    const taken = await Promise.all(sizes.map((n) => b.take(n)));
    for (const x of taken) b.give(x, true);
    const capacity = (x: Uint8Array) => (x.buffer as ArrayBuffer).byteLength;
    // 150 KiB: the 200 KiB buffer (the 100 KiB ones are too small; 300 KiB wastes more).
    const a = await b.take(150 * KiB);
    expect(capacity(a)).toBe(capacity(taken[3]!));
    // 100 KiB twice: both 100 KiB buffers, then nothing within a quarter of 100 KiB + 64 KiB.
    const c = await b.take(100 * KiB);
    const d = await b.take(100 * KiB);
    expect(new Set([c.buffer, d.buffer])).toEqual(new Set([taken[1]!.buffer, taken[5]!.buffer]));
    const e = await b.take(100 * KiB);
    expect([taken[0], taken[2], taken[4]].map((t) => t!.buffer)).not.toContain(e.buffer);
    expect(b.reused).toBe(3);
    for (const x of [a, c, d, e]) b.give(x, false);

    // The cap drops the buffers that became idle first, whatever their size.
    const small = new BodyBuffers({ maxBytesInFlight: 64 * MiB, maxIdleBytes: 5 * MiB });
    const [first, second, third] = await Promise.all([
      small.take(2 * MiB),
      small.take(1 * MiB),
      small.take(3 * MiB),
    ]);
    small.give(first!, true);
    small.give(second!, true);
    small.give(third!, true);
    expect(small.idleBytes).toBe(capacity(second!) + capacity(third!));
    expect((await small.take(2 * MiB)).buffer).not.toBe(first!.buffer);
  });

  it("a wait aborted leaves the queue with AbortError and lets the next body in", async () => {
    const b = new BodyBuffers({ maxBytesInFlight: 2 * MiB });
    const x = await b.take(2 * MiB);
    const controller = new AbortController();
    const scope = new AbortScope(controller.signal);
    const waiting = b.take(MiB, scope);
    const after = b.take(MiB);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(AbortError);
    b.give(x, true);
    const y = await after;
    expect(y.length).toBe(MiB);
    b.give(y, true);
    expect(b.bytesInFlight).toBe(0);
  });
});

describe("reads over HTTP into reused body memory", () => {
  let tmp: IotaDirectory;
  let dir: string;
  let server: StaticServer;
  beforeAll(async () => {
    tmp = await iotaDirectory("zp-bodies-", {
      s: {
        shape: [256, 256],
        chunks: [32, 32],
        shards: [128, 128],
        compressor: { name: "zstd", configuration: { level: 1 } },
      },
      u: {
        shape: [256, 256],
        chunks: [128, 128],
        compressor: { name: "gzip", configuration: { level: 1 } },
      },
    });
    dir = tmp.dir;
    server = await startStaticServer(dir);
  });
  afterAll(async () => {
    await server.close();
    tmp.remove();
  });

  function expected(r0: number, r1: number, c0: number, c1: number): Int32Array {
    const out = new Int32Array((r1 - r0) * (c1 - c0));
    let k = 0;
    for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[k++] = r * 256 + c;
    return out;
  }

  it("whole shards, byte ranges and whole chunks: exact values, same requests, memory reused", async () => {
    const context = new Context({ decodeWorkers: { workers: 0 } });
    const store = new FetchStore(server.url);
    const s = await openArray(store, "s", { context });
    const u = await openArray(store, "u", { context });
    const views = () => [
      s.lazy(),
      s.lazy().get(slice(10, 200), slice(40, 90)),
      u.lazy().get(slice(0, 256), slice(100, 200)),
    ];
    const want = [expected(0, 256, 0, 256), expected(10, 200, 40, 90), expected(0, 256, 100, 200)];
    const counts: number[] = [];
    for (let round = 0; round < 2; round++) {
      const before = server.requests;
      for (const [i, v] of views().entries()) {
        const got = await v.read();
        expect(Array.from(got.data as Int32Array)).toEqual(Array.from(want[i]!));
      }
      counts.push(server.requests - before);
      expect(context.bodyBuffers.bytesInFlight).toBe(0);
    }
    // 4 whole shards; 4 indexes + ranges of the 4 shards; 2 whole chunks: the same both rounds.
    expect(counts[0]).toBe(counts[1]);
    expect(context.bodyBuffers.reused).toBeGreaterThan(0);
    context.close();
  });

  it("after a failed decode the body is given back (budget) but its memory is not reused", async () => {
    const key = join(dir, "s", "c", "1", "1");
    const good = await readFile(key);
    const bad = new Uint8Array(good);
    // Damage the first inner chunk's zstd frame (the index, at the end, stays valid).
    for (let i = 8; i < 64; i++) bad[i] = bad[i]! ^ 0x5a;
    await writeFile(key, bad);
    try {
      const context = new Context({ decodeWorkers: { workers: 0 } });
      const s = await openArray(new FetchStore(server.url), "s", { context });
      const err = await s
        .lazy()
        .get(slice(128, 256), slice(128, 256))
        .read()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CodecError);
      expect(context.bodyBuffers.bytesInFlight).toBe(0);
      expect(context.bodyBuffers.idleBytes).toBe(0);
      context.close();
    } finally {
      await writeFile(key, good);
    }
  });

  it("an aborted read gives every body back (nothing stays counted in the budget)", async () => {
    const slow = await startStaticServer(dir, { latencyMs: 30 });
    try {
      const context = new Context({ decodeWorkers: { workers: 0 } });
      const s = await openArray(new FetchStore(slow.url), "s", { context });
      for (const delay of [5, 40, 70]) {
        const controller = new AbortController();
        const reading = s.lazy().read({ signal: controller.signal });
        setTimeout(() => controller.abort(), delay);
        const err = await reading.then(
          () => undefined,
          (e: unknown) => e,
        );
        // Aborted at some point, or done before the abort: either way nothing stays leased.
        if (err !== undefined) expect(err).toBeInstanceOf(AbortError);
        await new Promise((r) => setTimeout(r, 100));
        expect(context.bodyBuffers.bytesInFlight).toBe(0);
      }
      context.close();
    } finally {
      await slow.close();
    }
  });
});
