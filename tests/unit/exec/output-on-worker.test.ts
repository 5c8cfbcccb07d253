/**
 * Large outputs are allocated on a decode worker, which writes to every page once, while the
 * calling thread makes the requests (`DecodePool.allocate` and `allocateAll`, `Run`), alone or
 * together with the other outputs of a read: the same values as outputs
 * allocated on the calling thread, for scatters, fills of missing chunks, cached chunks and chunk
 * events, and aborts while the memory is on its way.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allocate, dataType } from "../../../src/core/dtype.js";
import { AbortError } from "../../../src/core/errors.js";
import { cStrides, type NDArray } from "../../../src/core/ndarray.js";
import { Context } from "../../../src/exec/context.js";
import { DecodePool, SPARE_KEEP_MS } from "../../../src/exec/decode-pool.js";
import {
  OUTPUT_ON_WORKER_MIN_BYTES,
  OUTPUT_ON_WORKER_PART_MIN_BYTES,
} from "../../../src/exec/run/run.js";
import type { Entries } from "../../../src/exec/scatter.js";
import { createArray, openArray } from "../../../src/hierarchy/index.js";
import { type LazyArray, plan } from "../../../src/index.js";
import { slice } from "../../../src/index-space/selection.js";
import { MemoryStore } from "../../../src/store/memory.js";
import { diffArrays } from "../../helpers/compare.js";

const f32 = dataType("float32");
/** 1024 × 1024 float32: 4 MiB, above the threshold. */
const N = 1024;
const value = (i: number) => (i % 9973) * 0.5 - 7;

function full(): NDArray<"float32"> {
  const shape = [N, N];
  return {
    data: Float32Array.from({ length: N * N }, (_, i) => value(i)),
    shape,
    strides: cStrides(shape),
    dtype: f32,
  };
}

const contexts: Context[] = [];
afterAll(() => {
  for (const c of contexts) c.close();
});

function context(workers: number, chunkBytes = 0): Context {
  const c = new Context({
    decodeWorkers: { workers, minBytes: 0 },
    ...(chunkBytes > 0 ? { cache: { chunkBytes } } : {}),
  });
  contexts.push(c);
  return c;
}

/** Stores holding "a": N × N float32 in 256² chunks (in 512² shards when sharded), written or not. */
const stores = new Map<string, MemoryStore>();

beforeAll(async () => {
  const writer = context(0);
  for (const sharded of [false, true]) {
    for (const write of [false, true]) {
      const store = new MemoryStore();
      const a = await createArray(store, "a", {
        shape: [N, N],
        chunks: [256, 256],
        ...(sharded ? { shards: [512, 512] } : {}),
        dtype: "float32",
        fillValue: 2.5,
        context: writer,
      });
      if (write) await a.lazy().write(full());
      stores.set(`${sharded}/${write}`, store);
    }
  }
});

/** The array, opened in `ctx`. */
function written(ctx: Context, sharded: boolean, write = true) {
  return openArray(stores.get(`${sharded}/${write}`)!, "a", { context: ctx });
}

describe("DecodePool.allocate", () => {
  const pool = new DecodePool({ workers: 1, minBytes: 1024 });
  afterAll(() => pool.close());

  it("returns zeroed memory of the size asked for, and counts it", async () => {
    const before = pool.allocated;
    const b = await pool.allocate(3 * 1024 * 1024 + 5);
    expect(b?.byteLength).toBe(3 * 1024 * 1024 + 5);
    const u8 = new Uint8Array(b!);
    expect(u8.every((x) => x === 0)).toBe(true);
    expect(pool.allocated).toBe(before + 1);
  });

  it("answers undefined below minBytes or without workers, and refuses a bad size", async () => {
    expect(await pool.allocate(100)).toBeUndefined();
    const none = new DecodePool({ workers: 0 });
    expect(await none.allocate(1 << 22)).toBeUndefined();
    expect(none.allocated).toBe(0);
    await expect(pool.allocate(-1)).rejects.toThrow(RangeError);
    await expect(pool.allocate(1.5)).rejects.toThrow(/non-negative safe integer/);
  });
});

describe("DecodePool.allocateAll", () => {
  const pool = new DecodePool({ workers: 2, minBytes: 1024 });
  afterAll(() => pool.close());

  it("answers one zeroed buffer per size, in order, and undefined below minBytes", async () => {
    const before = pool.allocated;
    const sizes = [300_000, 100, 70_001, 0, 300_000];
    const got = await pool.allocateAll(sizes);
    expect(got.map((b) => b?.byteLength)).toEqual([300_000, undefined, 70_001, undefined, 300_000]);
    expect(got[0] === got[4]).toBe(false);
    expect(got.every((b) => b === undefined || new Uint8Array(b).every((x) => x === 0))).toBe(true);
    expect(pool.allocated).toBe(before + 3);
    expect(await pool.allocateAll([])).toEqual([]);
    await expect(pool.allocateAll([4096, -1])).rejects.toThrow(/non-negative safe integer/);
  });
});

/** Resolves after `ms`. */
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the spare output prepared between reads", () => {
  const MiB = 1024 * 1024;

  it("answers the next allocation of the same size, a different buffer, zeroed", async () => {
    const pool = new DecodePool({ workers: 1, minBytes: 1024 });
    try {
      const first = await pool.allocate(3 * MiB);
      expect(pool.sparesTaken).toBe(0);
      const messages = pool.messages;
      await pause(100);
      // One allocation sent while idle: the spare.
      expect(pool.messages).toBe(messages + 1);
      new Uint8Array(first!).fill(7);
      const second = await pool.allocate(3 * MiB);
      expect(pool.sparesTaken).toBe(1);
      expect(pool.allocated).toBe(2);
      expect(second === first).toBe(false);
      expect(new Uint8Array(second!).every((x) => x === 0)).toBe(true);
      expect(new Uint8Array(first!).every((x) => x === 7)).toBe(true);
      // Another size: not the spare (prepared anew for 3 MiB after `second`), a new buffer.
      await pause(100);
      const other = await pool.allocate(2 * MiB);
      expect(other?.byteLength).toBe(2 * MiB);
      expect(pool.sparesTaken).toBe(1);
    } finally {
      pool.close();
    }
  });

  it("is not prepared while a read holds the pool, and is dropped when unused", async () => {
    const pool = new DecodePool({ workers: 1, minBytes: 1024 });
    try {
      const release = pool.hold();
      await pool.allocate(3 * MiB);
      const messages = pool.messages;
      await pause(60);
      expect(pool.messages).toBe(messages);
      release();
      release(); // a second call changes nothing
      await pause(60);
      expect(pool.messages).toBe(messages + 1);
      // Not taken within SPARE_KEEP_MS: forgotten, and the next allocation is a new one.
      await pause(SPARE_KEEP_MS + 100);
      await pool.allocate(3 * MiB);
      expect(pool.sparesTaken).toBe(0);
      expect(pool.messages).toBe(messages + 2);
    } finally {
      pool.close();
    }
  });

  it("repeated reads of one shape take it, with the same values", async () => {
    const ctx = context(2);
    const a = await written(ctx, true);
    const first = await a.lazy().read();
    await pause(100);
    const second = await a.lazy().read();
    expect(ctx.decodePool.sparesTaken).toBe(1);
    // (not `.not.toBe`: it compares a million elements deeply to word its message)
    const f32s = (x: NDArray) => x.data as Float32Array;
    expect(f32s(second).buffer === f32s(first).buffer).toBe(false);
    expect(diffArrays(first, full())).toBeUndefined();
    const bytes = (x: NDArray) =>
      Buffer.from(f32s(x).buffer, f32s(x).byteOffset, f32s(x).byteLength);
    expect(bytes(second).equals(bytes(first))).toBe(true);
  });

  it("a group of sizes is prepared as a whole, and taken only by the same sizes", async () => {
    const pool = new DecodePool({ workers: 2, minBytes: 1024 });
    try {
      const sizes = [400 * 1024, 400 * 1024, 96 * 1024];
      const first = await pool.allocateAll(sizes);
      const messages = pool.messages;
      await pause(100);
      // The spare: one allocation per size, while idle.
      expect(pool.messages - messages).toBeGreaterThanOrEqual(1);
      expect(pool.messages - messages).toBeLessThanOrEqual(sizes.length);
      for (const b of first) new Uint8Array(b!).fill(3);
      const second = await pool.allocateAll(sizes);
      expect(pool.sparesTaken).toBe(3);
      expect(second.map((b) => b?.byteLength)).toEqual(sizes);
      expect(second.some((b, i) => b === first[i])).toBe(false);
      expect(second.every((b) => new Uint8Array(b!).every((x) => x === 0))).toBe(true);
      // The same sizes in another order are another group: new buffers.
      await pause(100);
      const other = await pool.allocateAll([96 * 1024, 400 * 1024, 400 * 1024]);
      expect(other.map((b) => b?.byteLength)).toEqual([96 * 1024, 400 * 1024, 400 * 1024]);
      expect(pool.sparesTaken).toBe(3);
    } finally {
      pool.close();
    }
  });
});

describe("outputs allocated on a worker", () => {
  for (const sharded of [false, true]) {
    it(`${sharded ? "sharded" : "chunked"}: the same values as on the calling thread`, async () => {
      expect(N * N * 4).toBeGreaterThanOrEqual(OUTPUT_ON_WORKER_MIN_BYTES);
      const withWorkers = context(2);
      const a = await written(withWorkers, sharded);
      const before = withWorkers.decodePool.allocated;
      const got = await a.lazy().read();
      expect(withWorkers.decodePool.allocated).toBe(before + 1);
      expect((got.data as Float32Array).buffer.byteLength).toBe(N * N * 4);
      expect(diffArrays(got, full())).toBeUndefined();
      // A part of it, not aligned to chunks: a 600 × 1000 output (2.3 MiB).
      const part = await a.lazy().get(slice(100, 700), slice(3, 1003)).read();
      expect(withWorkers.decodePool.allocated).toBe(before + 2);
      const inline = context(0);
      const b = await written(inline, sharded);
      const ref = await b.lazy().get(slice(100, 700), slice(3, 1003)).read();
      expect(inline.decodePool.allocated).toBe(0);
      expect(part.shape).toEqual([600, 1000]);
      expect(diffArrays(part, ref)).toBeUndefined();
    });
  }

  for (const name of ["int16", "complex64", "uint64"] as const) {
    it(`${name}: the worker's memory is viewed as the data type's array`, async () => {
      const dt = dataType(name);
      const shape = [1024, 1024];
      const n = shape[0]! * shape[1]!;
      const data = allocate(dt, n);
      for (let i = 0; i < data.length; i++) {
        (data as unknown as Entries)[i] = name === "uint64" ? BigInt(i) * 3n : (i % 97) - 40;
      }
      const expected: NDArray = { data, shape, strides: cStrides(shape), dtype: dt };
      const writer = context(0);
      const store = new MemoryStore();
      await (
        await createArray(store, "t", { shape, chunks: [512, 512], dtype: name, context: writer })
      )
        .lazy()
        .write(expected as NDArray<typeof name>);
      const ctx = context(2);
      const got = await (await openArray(store, "t", { context: ctx })).lazy().read();
      expect(ctx.decodePool.allocated).toBe(1);
      expect(got.data.constructor).toBe(data.constructor);
      expect(got.data.length).toBe(data.length);
      expect(diffArrays(got, expected)).toBeUndefined();
    });
  }

  it("outputs each below the threshold go to a worker together when they add up to it", async () => {
    // 8 reads of 320 × 320 float32 (400 KiB each, 3.1 MiB in all), as from 8 arrays of a group.
    const part = 320 * 320 * 4;
    expect(part).toBeLessThan(OUTPUT_ON_WORKER_MIN_BYTES);
    expect(part).toBeGreaterThanOrEqual(OUTPUT_ON_WORKER_PART_MIN_BYTES);
    expect(8 * part).toBeGreaterThanOrEqual(OUTPUT_ON_WORKER_MIN_BYTES);
    const sels = Array.from({ length: 8 }, (_, i) => [
      slice(37 * i, 37 * i + 320),
      slice(600 - 50 * i, 920 - 50 * i),
    ]);
    // Plus a 4 KiB read, which stays on the calling thread.
    const reads = (a: Awaited<ReturnType<typeof written>>): Record<string, LazyArray> => ({
      ...Object.fromEntries(sels.map((s, i) => [`r${i}`, a.lazy().get(...s)])),
      small: a.lazy().get(slice(5, 37), slice(900, 932)),
    });
    const ctx = context(2);
    const a = await written(ctx, true);
    const before = ctx.decodePool.allocated;
    const got: Record<string, NDArray> = await plan(reads(a), { context: ctx }).read();
    expect(ctx.decodePool.allocated).toBe(before + 8);
    const inline = context(0);
    const ref: Record<string, NDArray> = await plan(reads(await written(inline, true)), {
      context: inline,
    }).read();
    expect(inline.decodePool.allocated).toBe(0);
    for (const name of Object.keys(ref)) {
      expect(diffArrays(got[name]!, ref[name]!)).toBeUndefined();
    }
    expect(got.r3!.shape).toEqual([320, 320]);
    expect((got.r3!.data as Float32Array).buffer.byteLength).toBe(part);
    // The next read of the same shapes takes the spare group prepared in between.
    await pause(100);
    const again: Record<string, NDArray> = await plan(reads(a), { context: ctx }).read();
    expect(ctx.decodePool.sparesTaken).toBe(8);
    expect(diffArrays(again.r7!, ref.r7!)).toBeUndefined();
    // Together below the threshold: all on the calling thread.
    const few = await plan(
      { r0: a.lazy().get(...sels[0]!), r1: a.lazy().get(...sels[1]!) },
      {
        context: ctx,
      },
    ).read();
    expect(ctx.decodePool.allocated).toBe(before + 16);
    expect(diffArrays(few.r1!, ref.r1!)).toBeUndefined();
  });

  it("small outputs stay on the calling thread", async () => {
    const ctx = context(2);
    const a = await written(ctx, true);
    const before = ctx.decodePool.allocated;
    const got = await a.lazy().get(slice(0, 512), slice(0, 512)).read(); // 1 MiB
    expect(ctx.decodePool.allocated).toBe(before);
    expect(got.data[513]).toBe(value(N + 1));
  });

  it("missing chunks are filled once the memory arrives", async () => {
    for (const sharded of [false, true]) {
      const ctx = context(2);
      const a = await written(ctx, sharded, false);
      const before = ctx.decodePool.allocated;
      const got = await a.lazy().read();
      expect(ctx.decodePool.allocated).toBe(before + 1);
      expect(got.data.length).toBe(N * N);
      expect((got.data as Float32Array).every((x) => x === 2.5)).toBe(true);
    }
  });

  it("chunks from the chunk cache are scattered once the memory arrives", async () => {
    const ctx = context(2, 64 * 1024 * 1024);
    const a = await written(ctx, false);
    const first = await a.lazy().read();
    const before = ctx.decodePool.allocated;
    const again = await a.lazy().read();
    expect(ctx.decodePool.allocated).toBe(before + 1);
    expect(diffArrays(first, full())).toBeUndefined();
    expect(diffArrays(again, full())).toBeUndefined();
  });

  it("chunk events carry the output the read resolves with", async () => {
    const ctx = context(2);
    const a = await written(ctx, true);
    const outputs = new Set<unknown>();
    const events: number[] = [];
    const p = plan({ x: a.lazy() }, { context: ctx });
    const done = new Promise<void>((resolve, reject) => {
      p.stream().subscribe({
        next: (e) => {
          outputs.add(e.output);
          events.push(e.task.count);
        },
        error: reject,
        complete: () => resolve(),
      });
    });
    await done;
    expect(outputs.size).toBe(1);
    const [out] = [...outputs] as NDArray[];
    expect(diffArrays(out!, full())).toBeUndefined();
    expect(events.reduce((s, n) => s + n, 0)).toBe(N * N);
  });

  it("an abort while the memory is on its way rejects with AbortError", async () => {
    const ctx = context(2);
    const a = await written(ctx, true);
    const controller = new AbortController();
    const pending = a.lazy().read({ signal: controller.signal });
    controller.abort(new Error("stop"));
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    // The Context goes on reading.
    expect(diffArrays(await a.lazy().read(), full())).toBeUndefined();
  });
});
