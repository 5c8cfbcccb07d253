/** Reading array sources without a store (`readChunk`) through a Context: dtypes and lanes, fill values, concurrency, abort. */
import { describe, expect, it } from "vitest";
import { type DataType, dataType, type Scalar } from "../../../src/core/dtype.js";
import { AbortError, ZarrPlanError } from "../../../src/core/errors.js";
import { cStrides, fStrides, type NDArray } from "../../../src/core/ndarray.js";
import { scalarLanes } from "../../../src/core/scalar.js";
import { lazy, plan } from "../../../src/exec/api.js";
import { Context, defaultContext } from "../../../src/exec/context.js";
import { createArray, openArray } from "../../../src/hierarchy/index.js";
import { slice } from "../../../src/index-space/selection.js";
import type { ArraySource } from "../../../src/index-space/source.js";
import { MemoryStore } from "../../../src/store/memory.js";
import { iota, MemorySource, ndarray } from "../../helpers/memory-source.js";

const entries = (a: NDArray) => Array.from(a.data as ArrayLike<number | bigint>);

describe("executor", () => {
  it("lazy(source) is read by the default Context (a one-read plan)", () => {
    expect(lazy(new MemorySource(iota([2]), [1])).executor).toBe(defaultContext());
  });
});

describe("output", () => {
  it("is a fresh C-order NDArray of the view's shape and dtype", async () => {
    const s = new MemorySource(iota([4, 6]), [3, 4]);
    const out = await lazy(s)
      .get(slice(null, null, -1), slice(1, 5))
      .read();
    expect(out.shape).toEqual([4, 4]);
    expect(out.strides).toEqual(cStrides([4, 4]));
    expect(out.dtype).toBe(s.dtype);
    expect(out.offset ?? 0).toBe(0);
    expect(entries(out)).toEqual([19, 20, 21, 22, 13, 14, 15, 16, 7, 8, 9, 10, 1, 2, 3, 4]);
  });

  it("an output no TypedArray can hold is ERR_PLAN naming the read, not the engine's RangeError", async () => {
    // Found by tests/property/fuzz-corrupt.test.ts (metadata with a huge shape and chunk shape).
    // 2^52 complex128 elements are 2^53 Float64Array entries: more than any engine allows.
    const store = new MemoryStore();
    // The Context's limits would refuse it first (ERR_TOO_LARGE): lift them to reach the engine.
    const big = await createArray(store, "big", {
      shape: [2 ** 52],
      chunks: [2 ** 52],
      dtype: "complex128",
    });
    expect(await big.read().catch((e: unknown) => (e as ZarrPlanError).code)).toBe("ERR_TOO_LARGE");
    const unlimited = new Context({ limits: { maxOutputBytes: Infinity, maxTasks: Infinity } });
    const a = await openArray(store, "big", { context: unlimited });
    const err = await a.read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZarrPlanError);
    expect((err as ZarrPlanError).code).toBe("ERR_PLAN");
    expect((err as ZarrPlanError).message).toMatch(
      /^cannot allocate the output of plan read "value": \[4503599627370496\] complex128/,
    );
    expect((err as ZarrPlanError).cause).toBeInstanceOf(RangeError);
    const p = plan({ head: a.lazy().get(slice(0, 3)), all: a.lazy() });
    await expect(p.read()).rejects.toThrow(/plan read "all"/);
    expect(Array.from((await a.lazy().get(slice(0, 2)).read()).data as Float64Array)).toEqual([
      0, 0, 0, 0,
    ]);
  });

  it("empty views issue no read", async () => {
    const s = new MemorySource(iota([4, 6]), [3, 4]);
    const out = await lazy(s).vindex([], slice()).read();
    expect(out.shape).toEqual([0, 6]);
    expect(out.data.length).toBe(0);
    expect(s.calls).toBe(0);
  });
});

describe("data types and lanes", () => {
  const cases: [string, DataType, (i: number) => (number | bigint)[]][] = [
    ["bool", dataType("bool"), (i) => [i % 3 === 0 ? 1 : 0]],
    ["int8", dataType("int8"), (i) => [(i % 200) - 100]],
    ["uint16", dataType("uint16"), (i) => [i * 11]],
    ["int64", dataType("int64"), (i) => [BigInt(i) * -(2n ** 40n)]],
    ["uint64", dataType("uint64"), (i) => [BigInt(i) + 2n ** 63n]],
    ["float32", dataType("float32"), (i) => [i + 0.5]],
    ["float16", dataType("float16"), (i) => [i * 0.25]],
    ["complex64", dataType("complex64"), (i) => [i, -i]],
    ["complex128", dataType("complex128"), (i) => [i / 4, i * 2]],
    ["bytes |S3", dataType("bytes", 3), (i) => [i % 256, (i * 7) % 256, 65]],
  ];
  for (const [name, dt, value] of cases) {
    it(`${name}: slices, vindex and missing chunks`, async () => {
      const shape = [5, 7];
      const flat = Array.from({ length: 35 }, (_, i) => value(i)).flat();
      const missing = (c: readonly number[]) => c[0] === 1 && c[1] === 0;
      const s = new MemorySource(ndarray(dt, shape, flat), [2, 3], { missing });
      const v = lazy(s).vindex([4, 0, 2, 3], [6, 1, 0, 2]);
      const out = await v.read();
      expect(out.data.length).toBe(4 * dt.lanes);
      const fill = scalarLanes(dt, s.fillValue);
      const want = [
        [4, 6],
        [0, 1],
        [2, 0],
        [3, 2],
      ].flatMap(([r, c]) =>
        missing([Math.floor(r! / 2), Math.floor(c! / 3)]) ? fill : value(r! * 7 + c!),
      );
      expect(entries(out)).toEqual(want);
      const box = await lazy(s)
        .get(slice(1, 4), slice(null, null, -3))
        .read();
      const wantBox = [1, 2, 3].flatMap((r) =>
        [6, 3, 0].flatMap((c) =>
          missing([Math.floor(r / 2), Math.floor(c / 3)]) ? fill : value(r * 7 + c),
        ),
      );
      expect(entries(box)).toEqual(wantBox);
    });
  }
});

describe("fill values of missing chunks", () => {
  const fills: [string, DataType, Scalar, (number | bigint)[]][] = [
    ["float64 NaN", dataType("float64"), Number.NaN, [Number.NaN]],
    ["float64 -0", dataType("float64"), -0, [-0]],
    ["int32 -7", dataType("int32"), -7, [-7]],
    ["int64 bigint", dataType("int64"), -(2n ** 62n), [-(2n ** 62n)]],
    ["uint64 number", dataType("uint64"), 5, [5n]],
    ["bool true", dataType("bool"), true, [1]],
    ["complex64 pair", dataType("complex64"), [1.5, -2], [1.5, -2]],
    ["complex128 number", dataType("complex128"), 3, [3, 0]],
    ["bytes", dataType("bytes", 4), Uint8Array.from([104, 105]), [104, 105, 0, 0]],
  ];
  for (const [name, dt, fill, lanes] of fills) {
    it(name, async () => {
      const s = new MemorySource(
        ndarray(dt, [6], new Array(6 * dt.lanes).fill(dt.name.endsWith("int64") ? 1n : 1)),
        [4],
        {
          fillValue: fill,
          missing: (c) => c[0] === 1,
        },
      );
      const out = await lazy(s).get(slice(3, 6)).read();
      const one = dt.name.endsWith("int64") ? 1n : 1;
      expect(entries(out)).toEqual([...new Array(dt.lanes).fill(one), ...lanes, ...lanes]);
      expect(scalarLanes(dt, fill)).toEqual(lanes);
    });
  }

  it("rejects fill values that do not fit the data type", () => {
    expect(() => scalarLanes(dataType("complex64"), Uint8Array.from([1]))).toThrow(ZarrPlanError);
    expect(() => scalarLanes(dataType("int64"), 1.5)).toThrow(ZarrPlanError);
    expect(() => scalarLanes(dataType("bytes", 2), 7)).toThrow(ZarrPlanError);
    expect(() => scalarLanes(dataType("float32"), [1, 2])).toThrow(ZarrPlanError);
  });
});

describe("chunks as the source returns them", () => {
  it("accepts chunks in any strided layout", async () => {
    const base = new MemorySource(iota([4, 4]), [2, 4]);
    const fSource: ArraySource = {
      ...base,
      path: base.path,
      shape: base.shape,
      chunkShape: base.chunkShape,
      dtype: base.dtype,
      fillValue: base.fillValue,
      async readChunk(coords) {
        const c = (await base.readChunk(coords))!;
        // Re-lay the chunk out in Fortran order.
        const f = fStrides(c.shape);
        const data = new Float64Array(c.data.length);
        for (let i = 0; i < 2; i++)
          for (let j = 0; j < 4; j++) data[i * f[0]! + j * f[1]!] = c.data[i * 4 + j] as number;
        return { data, shape: c.shape, strides: f, dtype: c.dtype };
      },
    };
    const out = await lazy(fSource)
      .get(slice(null, null, -1), 1)
      .read();
    expect(entries(out)).toEqual([13, 9, 5, 1]);
  });

  it("rejects chunks of the wrong shape", async () => {
    const s: ArraySource = {
      path: "bad",
      shape: [4],
      chunkShape: [2],
      dtype: dataType("float64"),
      fillValue: 0,
      readChunk: () => Promise.resolve(iota([3])),
    };
    await expect(lazy(s).read()).rejects.toMatchObject({ code: "ERR_CHUNK_SHAPE" });
  });
});

describe("concurrency, errors and cancellation", () => {
  it("bounds reads in flight by options.concurrency (default 16)", async () => {
    const s = new MemorySource(iota([40]), [1], { delayMs: 2 });
    await lazy(s).read({ concurrency: 3 });
    expect(s.maxInFlight).toBe(3);
    expect(s.calls).toBe(40);
    s.reset();
    await lazy(s).read();
    expect(s.maxInFlight).toBe(16);
    s.reset();
    await lazy(s).read({ concurrency: 1 });
    expect(s.maxInFlight).toBe(1);
    s.reset();
    // Below 1 is an error before any read (it used to count as 1).
    await expect(lazy(s).read({ concurrency: 0 })).rejects.toThrow(/concurrency/);
    expect(s.calls).toBe(0);
  });

  it("an already aborted signal reads nothing", async () => {
    const s = new MemorySource(iota([10]), [2]);
    const ac = new AbortController();
    ac.abort(new Error("stop"));
    const p = lazy(s).read({ signal: ac.signal });
    await expect(p).rejects.toBeInstanceOf(AbortError);
    expect(s.calls).toBe(0);
  });

  it("aborting mid-read rejects promptly and starts no further read, even if the source ignores the signal", async () => {
    let started = 0;
    const hanging: ArraySource = {
      path: "slow",
      shape: [100],
      chunkShape: [1],
      dtype: dataType("float64"),
      fillValue: 0,
      readChunk: () => {
        started++;
        return new Promise(() => {});
      },
    };
    const ac = new AbortController();
    const p = lazy(hanging).read({ signal: ac.signal, concurrency: 4 });
    await Promise.resolve();
    ac.abort();
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect((err as AbortError).message).toMatch(/slow/);
    expect(started).toBe(4);
  });

  it("passes the signal to the source", async () => {
    const s = new MemorySource(iota([10]), [1], { delayMs: 50 });
    const ac = new AbortController();
    const p = lazy(s).read({ signal: ac.signal, concurrency: 2 });
    setTimeout(() => ac.abort(), 5);
    await expect(p).rejects.toBeInstanceOf(AbortError);
    expect(s.calls).toBe(2);
  });

  it("the first source error rejects the read and stops further reads", async () => {
    const boom = new Error("boom");
    const s = new MemorySource(iota([20]), [1], { fail: (c) => (c[0] === 3 ? boom : undefined) });
    await expect(lazy(s).read({ concurrency: 2 })).rejects.toBe(boom);
    expect(s.calls).toBeLessThanOrEqual(6);
  });
});
