/**
 * Lazy arrays: every edge case of the indexing reference (Part 2, items 1–28, 40, 41) and the
 * error contract. Expected values are NumPy 2.4.6's (data = source flat positions).
 */
import { describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import { IndexError, ZarrPlanError } from "../../../src/core/errors.js";
import type { NDArray } from "../../../src/core/ndarray.js";
import { lazy } from "../../../src/exec/api.js";
import { Context, defaultContext } from "../../../src/exec/context.js";
import { type Executor, LazyArray, lazy as lazyWith } from "../../../src/index-space/lazy.js";
import { ellipsis, newaxis, parseSelection, slice } from "../../../src/index-space/selection.js";
import { compose, identity } from "../../../src/index-space/transform.js";
import { iota, MemorySource, ndarray } from "../../helpers/memory-source.js";

const src = (shape: number[], chunks: number[] = shape.map((s) => Math.max(1, s)), path = "arr") =>
  new MemorySource(iota(shape), chunks, { path });

async function read(v: LazyArray): Promise<{ shape: readonly number[]; data: number[] }> {
  const r = await v.read();
  return { shape: r.shape, data: Array.from(r.data as Float64Array) };
}

function indexError(f: () => unknown): IndexError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(IndexError);
    return e as IndexError;
  }
  throw new Error("expected an IndexError");
}

const bool = (shape: number[], flat: number[]): NDArray => ndarray(dataType("bool"), shape, flat);

describe("LazyArray basics", () => {
  it("knows shape, dtype, ndim and size without IO (40)", () => {
    const s = src([5, 6, 7], [2, 2, 2]);
    const a = lazy(s);
    expect([a.shape, a.dtype.name, a.ndim, a.size]).toEqual([[5, 6, 7], "float64", 3, 210]);
    const v = a
      .get(0, slice(null, null, -2))
      .vindex([1, 2, 2], slice())
      .get(newaxis);
    expect([v.shape, v.ndim, v.size]).toEqual([[1, 3, 7], 3, 21]);
    expect(s.calls).toBe(0);
    expect(String(v)).toBe('LazyArray<float64>[1, 3, 7] of "arr"');
  });

  it("is frozen; every call returns a new array and the old one stays usable", async () => {
    const a = lazy(src([10], [3]));
    expect(Object.isFrozen(a)).toBe(true);
    const b = a.get(slice(2, 8));
    const c = b.get(slice(null, null, -1));
    expect(b).not.toBe(a);
    expect(a.shape).toEqual([10]);
    expect(b.shape).toEqual([6]);
    expect((await read(c)).data).toEqual([7, 6, 5, 4, 3, 2]);
    expect((await read(b)).data).toEqual([2, 3, 4, 5, 6, 7]);
    expect((await read(a)).data).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("idempotent composition: v.get(:), v.get(...), v.oindex(:) equal v (41)", () => {
    const v = lazy(src([6, 5])).vindex([1, 2], slice(null, null, -1));
    for (const u of [
      v.get(slice(), slice()),
      v.get(ellipsis),
      v.get(),
      v.oindex(slice()),
      v.vindex("..."),
    ]) {
      expect(u.transform).toEqual(v.transform);
    }
  });

  it("is read by the executor it was made with: no registry, no side-effect import", async () => {
    const s = src([3]);
    const calls: LazyArray[] = [];
    const fake: Executor = {
      read: (view) => {
        calls.push(view);
        return Promise.resolve(iota([1]));
      },
    };
    const v = lazyWith(s, fake).get(slice(1));
    expect(v.executor).toBe(fake);
    await v.read();
    expect(calls).toEqual([v]);
    // The package's lazy() picks a Context: the one given, else the default one.
    expect(lazy(s).executor).toBe(defaultContext());
    const ctx = new Context();
    const w = lazy(s, ctx).get(slice(0, 2));
    expect(w.executor).toBe(ctx);
    expect(Array.from((await w.read()).data as Float64Array)).toEqual([0, 1]);
    // A closed Context refuses to read, with a typed error.
    ctx.close();
    await expect(w.read()).rejects.toMatchObject({ code: "ERR_CONTEXT_CLOSED" });
    await expect(w.read()).rejects.toBeInstanceOf(ZarrPlanError);
  });

  it("rejects a transform that does not fit the source", () => {
    expect(() => new LazyArray(src([3]), identity([4]), { read: () => Promise.reject() })).toThrow(
      RangeError,
    );
  });
});

describe("slices (1–8)", () => {
  it("empty slices read nothing (1, 2)", async () => {
    const s = src([10], [3]);
    const a = lazy(s);
    for (const sl of [slice(5, 5), slice(8, 2), slice(2, 8, -1), slice(5, -1, -1)]) {
      const v = a.get(sl);
      expect(v.shape).toEqual([0]);
      expect(await read(v)).toEqual({ shape: [0], data: [] });
    }
    expect(s.calls).toBe(0);
  });

  it("steps larger than the extent (3)", async () => {
    const a = lazy(src([10], [4]));
    expect((await read(a.get(slice(0, 10, 100)))).data).toEqual([0]);
    expect((await read(a.get(slice(3, null, 100)))).data).toEqual([3]);
  });

  it("steps larger than the chunk touch only the chunks hit (4)", async () => {
    const s = src([100], [5]);
    const v = lazy(s).get(slice(3, null, 12)); // 3, 15, 27, …, 99
    expect((await read(v)).data).toEqual([3, 15, 27, 39, 51, 63, 75, 87, 99]);
    expect(s.log).toEqual([[0], [3], [5], [7], [10], [12], [15], [17], [19]]);
  });

  it("negative steps crossing chunk boundaries (5)", async () => {
    const s = src([20], [5]);
    expect((await read(lazy(s).get(slice(17, 2, -3)))).data).toEqual([17, 14, 11, 8, 5]);
    expect(s.log).toEqual([[1], [2], [3]]);
    const s2 = src([6, 20], [4, 5]);
    const v = lazy(s2).get(slice(null, null, -4), slice(17, 2, -3));
    expect(await read(v)).toEqual({
      shape: [2, 5],
      data: [117, 114, 111, 108, 105, 37, 34, 31, 28, 25],
    });
  });

  it("reversal on length 0 and 1, clamped starts and stops (6)", async () => {
    expect(await read(lazy(src([0], [1])).get(slice(null, null, -1)))).toEqual({
      shape: [0],
      data: [],
    });
    expect((await read(lazy(src([1])).get(slice(null, null, -1)))).data).toEqual([0]);
    const a = lazy(src([10], [3]));
    expect((await read(a.get(slice(100, 0, -1)))).data).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect((await read(a.get(slice(-100, 100)))).data).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("step 0 raises IndexError naming the dimension (7)", () => {
    const e = indexError(() => lazy(src([4, 5])).get(slice(), slice(1, 3, 0)));
    expect(e.dimension).toBe(1);
    expect(e.path).toBe("arr");
    expect(e.message).toMatch(/step cannot be zero/);
  });

  it("slice ∘ slice with empty intermediates (8)", async () => {
    const a = lazy(src([10], [3]));
    expect((await read(a.get(slice(5, 5)).get(slice(null, null, -1)))).shape).toEqual([0]);
    expect((await read(a.get(slice(2, 5)).get(slice(10)))).shape).toEqual([0]);
    expect((await read(a.get(slice(null, null, -2)).get(slice(null, null, -3)))).data).toEqual([
      1, 7,
    ]);
  });
});

describe("integers and scalars (9–11)", () => {
  it("wrap once from the end; out of bounds raises (9)", async () => {
    const a = lazy(src([5], [2]));
    expect((await read(a.get(-1))).data).toEqual([4]);
    expect((await read(a.get(-5))).data).toEqual([0]);
    expect((await read(a.get(2n))).data).toEqual([2]);
    for (const bad of [-6, 5, 10n]) {
      const e = indexError(() => a.get(bad));
      expect(e.dimension).toBe(0);
      expect(e.value).toBe(bad);
      expect(e.message).toMatch(
        /out of bounds for dimension 0 with size 5 \(valid range \[-5, 4\]\)/,
      );
    }
    const empty = indexError(() => lazy(src([0], [1])).get(-1));
    expect(empty.message).toMatch(/dimension has size 0/);
  });

  it("rejects non-integer scalars: 1.5, NaN, Infinity, booleans, strings (10)", () => {
    const a = lazy(src([5, 5], [2, 2]));
    for (const bad of [1.5, Number.NaN, Number.POSITIVE_INFINITY, true, "1", undefined, {}]) {
      const e = indexError(() => a.get(0, bad as never));
      expect(e.dimension).toBe(1);
      expect(e.value).toBe(bad);
    }
    expect(indexError(() => a.get(2n ** 60n)).message).toMatch(
      /1152921504606846976n is out of bounds/,
    );
  });

  it("0-d arrays: (), ..., None, too many, vindex, mask (11)", async () => {
    const s = new MemorySource(ndarray(dataType("float64"), [], [42]), []);
    const a = lazy(s);
    expect(a.shape).toEqual([]);
    expect(a.size).toBe(1);
    expect(await read(a.get())).toEqual({ shape: [], data: [42] });
    expect(s.calls).toBe(1);
    expect(await read(a.get(ellipsis))).toEqual({ shape: [], data: [42] });
    expect(await read(a.get(newaxis))).toEqual({ shape: [1], data: [42] });
    expect(await read(a.get(newaxis, newaxis, ellipsis))).toEqual({ shape: [1, 1], data: [42] });
    expect(indexError(() => a.get(0)).message).toMatch(
      /too many indices for array: array is 0-dimensional, but 1 were indexed/,
    );
    expect(await read(a.vindex())).toEqual({ shape: [], data: [42] });
    expect(await read(a.oindex(ellipsis))).toEqual({ shape: [], data: [42] });
    expect(await read(a.mask(true))).toEqual({ shape: [1], data: [42] });
    expect(await read(a.mask(bool([], [0])))).toEqual({ shape: [0], data: [] });
    s.reset();
    await read(a.get(newaxis).get(slice(0, 0)));
    expect(s.calls).toBe(0);
  });
});

describe("size-0 dimensions, ellipsis, too many indices (12–14)", () => {
  it("shape (0, 3) (12)", async () => {
    const s = src([0, 3], [1, 2]);
    const a = lazy(s);
    expect(await read(a.get(slice(), [0, 2]))).toEqual({ shape: [0, 2], data: [] });
    expect(indexError(() => a.get([0])).dimension).toBe(0);
    expect(await read(a.mask(bool([0, 3], [])))).toEqual({ shape: [0], data: [] });
    expect(await read(a.vindex(slice(), [2, -1]))).toEqual({ shape: [2, 0], data: [] });
    expect(s.calls).toBe(0);
  });

  it("ellipsis rules (13)", async () => {
    const a = lazy(src([4, 5], [2, 2]));
    const e = indexError(() => a.get(ellipsis, 0, "..."));
    expect(e.message).toMatch(/single ellipsis/);
    expect(await read(a.get(ellipsis, 1, 2))).toEqual({ shape: [], data: [7] });
    expect((await read(a.get(newaxis, ellipsis, 1, newaxis))).shape).toEqual([1, 4, 1]);
  });

  it("too many indices; newaxis does not count (14)", () => {
    const a = lazy(src([4, 5], [2, 2]));
    const e = indexError(() => a.get(0, 0, 0));
    expect(e.message).toMatch(
      /too many indices for array: array is 2-dimensional, but 3 were indexed/,
    );
    expect(e.dimension).toBe(2);
    expect(a.get(newaxis, 0, newaxis, 0, newaxis).shape).toEqual([1, 1, 1]);
    expect(indexError(() => a.get([[true, false, true, true, false]], 0)).message).toMatch(
      /too many indices/,
    );
  });
});

describe("advanced indexing placement (15–18)", () => {
  const a = lazy(src([5, 6, 7], [2, 3, 4]));

  it("newaxis with arrays (15)", () => {
    expect(a.get(newaxis, [0, 1], [0, 1]).shape).toEqual([1, 2, 7]);
    expect(a.get([0, 1], newaxis, [0, 1]).shape).toEqual([2, 1, 7]);
  });

  it("scalar and array separated by a slice: get vs vindex vs oindex (16)", async () => {
    expect(a.get(0, slice(), [0, 1]).shape).toEqual([2, 6]);
    expect(a.get(slice(), 0, [0, 1]).shape).toEqual([5, 2]);
    expect(a.vindex(0, slice(), [0, 1]).shape).toEqual([2, 6]);
    expect(a.vindex(slice(), 0, [0, 1]).shape).toEqual([2, 5]);
    expect(a.oindex(0, slice(), [0, 1]).shape).toEqual([6, 2]);
    expect((await read(a.get(0, slice(0, 2), [0, 1]))).data).toEqual([0, 7, 1, 8]);
    expect((await read(a.oindex(0, slice(0, 2), [0, 1]))).data).toEqual([0, 1, 7, 8]);
  });

  it("adjacent vs separated advanced indices (17); ellipsis separates (NumPy)", () => {
    expect(a.get(slice(), [0, 1], [0, 1]).shape).toEqual([5, 2]);
    expect(a.get([0, 1], slice(), [0, 1]).shape).toEqual([2, 6]);
    expect(a.get([0, 1], [0, 1], slice()).shape).toEqual([2, 7]);
    expect(a.get(ellipsis, [0, 1], [0, 1]).shape).toEqual([5, 2]);
    expect(a.vindex(slice(), [0, 1], [0, 1]).shape).toEqual([2, 5]);
    const b = lazy(src([5, 6], [2, 2]));
    expect(b.get(newaxis, [0, 1], ellipsis, [0, 1]).shape).toEqual([2, 1]);
  });

  it("index arrays broadcast; mismatches raise before IO (18)", () => {
    expect(a.get([[0], [1]], [0, 1, 2]).shape).toEqual([2, 3, 7]);
    expect(a.vindex(slice(), [[0], [1]], [0, 1, 2]).shape).toEqual([2, 3, 5]);
    const e = indexError(() => a.get(slice(), [0, 1], [0, 1, 2]));
    expect(e.message).toMatch(
      /shape mismatch: indexing arrays could not be broadcast together with shapes \(2,\) \(3,\)/,
    );
    expect(e.dimension).toBe(2);
  });
});

describe("index arrays (19–25)", () => {
  it("duplicates are kept and their chunk is read once (19)", async () => {
    const s = src([10], [4]);
    expect((await read(lazy(s).oindex([3, 3, 1]))).data).toEqual([3, 3, 1]);
    expect(s.log).toEqual([[0]]);
  });

  it("unsorted and reversed arrays keep their order; chunks are read in storage order (20)", async () => {
    const s = src([10], [3]);
    expect((await read(lazy(s).vindex([9, 0, 5, 4, 0]))).data).toEqual([9, 0, 5, 4, 0]);
    expect(s.log).toEqual([[0], [1], [3]]);
  });

  it("negative values wrap (21)", async () => {
    expect(await read(lazy(src([5], [2])).get([-1, -5]))).toEqual({ shape: [2], data: [4, 0] });
  });

  it("out-of-bounds index arrays raise at selection time, naming the dimension (22)", () => {
    const s = src([5, 4], [2, 2]);
    for (const [sel, dim] of [
      [() => lazy(s).oindex(slice(), [0, 4]), 1],
      [() => lazy(s).vindex([-6]), 0],
      [() => lazy(s).get(slice(), Int32Array.from([1, 9])), 1],
    ] as const) {
      const e = indexError(sel);
      expect(e.dimension).toBe(dim);
      expect(e.message).toMatch(
        /index array value -?\d+ is out of bounds for dimension \d with size \d \(valid range/,
      );
    }
    expect(s.calls).toBe(0);
  });

  it("like NumPy, arrays are not bounds-checked when the broadcast is empty", () => {
    const a = lazy(src([5, 5]));
    expect(a.get([10], []).shape).toEqual([0]);
    expect(() => a.get(10, [])).toThrow(IndexError); // integers always are
    expect(() => a.oindex([10], [])).toThrow(IndexError); // oindex checks every value
  });

  it("in bounds for the source but not for the view (23)", () => {
    const view = lazy(src([12], [5])).get(slice(2, 10));
    expect(indexError(() => view.oindex([9])).message).toMatch(/size 8/);
  });

  it("empty index arrays select nothing and read nothing (24)", async () => {
    const s = src([6, 4], [2, 2]);
    const a = lazy(s);
    expect(await read(a.get([]))).toEqual({ shape: [0, 4], data: [] });
    expect(await read(a.oindex(slice(), new Int32Array(0)))).toEqual({ shape: [6, 0], data: [] });
    expect(await read(a.vindex([[]]))).toEqual({ shape: [1, 0, 4], data: [] });
    expect(s.calls).toBe(0);
  });

  it("the caller mutating its arrays after planning changes nothing (25)", async () => {
    const idx = [4, 0];
    const typed = Int16Array.from([-1, 1]);
    const m = [true, false, false, true, true];
    const a = lazy(src([5], [2]));
    const v1 = a.oindex(idx);
    const v2 = a.vindex(typed);
    const v3 = a.mask(m);
    idx[0] = 1;
    typed[0] = 0;
    m[0] = false;
    expect((await read(v1)).data).toEqual([4, 0]);
    expect((await read(v2)).data).toEqual([4, 1]);
    expect((await read(v3)).data).toEqual([0, 3, 4]);
    expect(Array.from(typed)).toEqual([0, 1]); // only our own write
  });

  it("accepts nested arrays, TypedArrays, bigint arrays and NDArrays (C or strided)", async () => {
    const a = lazy(src([4, 5], [3, 2]));
    const want = [1, 9, 18];
    const forms: unknown[] = [
      [
        [0, 1, 3],
        [1, 4, 3],
      ],
      [Int8Array.from([0, 1, 3]), Uint8Array.from([1, 4, 3])],
      [BigInt64Array.from([0n, 1n, 3n]), [1n, 4n, -2n]],
      [Float64Array.from([0, 1, -1]), Float32Array.from([1, 4, 3])],
      [ndarray(dataType("int32"), [3], [0, 1, 3]), ndarray(dataType("uint16"), [3], [1, 4, 3])],
      [
        { ...ndarray(dataType("int32"), [3], [3, 1, 0]), offset: 2, strides: [-1] },
        ndarray(dataType("int64"), [3], [1n, 4n, 3n]),
      ],
    ];
    for (const f of forms)
      expect((await read(a.vindex(...(f as [never, never])))).data).toEqual(want);
  });

  it("rejects ragged, mixed, complex and non-integer index arrays", () => {
    const a = lazy(src([4, 5]));
    expect(indexError(() => a.get([[0, 1], [1]] as never)).message).toMatch(/ragged/);
    expect(indexError(() => a.get([0, true] as never)).message).toMatch(/only integers/);
    expect(indexError(() => a.get([0, slice()] as never)).message).toMatch(/only integers/);
    expect(indexError(() => a.get([0.5])).message).toMatch(/not an integer/);
    expect(indexError(() => a.get(Float64Array.from([Number.NaN]))).message).toMatch(
      /not an integer/,
    );
    expect(indexError(() => a.get(ndarray(dataType("complex64"), [1], [0, 0]))).message).toMatch(
      /integer or boolean type/,
    );
    expect(indexError(() => a.get(new DataView(new ArrayBuffer(4)) as never)).message).toMatch(
      /DataView/,
    );
    expect(indexError(() => a.oindex([[0, 1]])).message).toMatch(/oindex index arrays must be 1-D/);
    expect(indexError(() => a.oindex(bool([4, 5], new Array(20).fill(1)))).message).toMatch(/1-D/);
  });

  it("a 0-d integer NDArray is an integer", async () => {
    const a = lazy(src([4, 5]));
    expect((await read(a.get(ndarray(dataType("int32"), [], [2]), -1))).data).toEqual([14]);
  });
});

describe("masks (26–27)", () => {
  it("all false, all true, one true, true only in the last partial chunk, wrong shape (26)", async () => {
    const s = src([5, 3], [2, 2]);
    const a = lazy(s);
    const none = a.mask(new Array(5).fill(0).map(() => [false, false, false]));
    expect(await read(none)).toEqual({ shape: [0], data: [] });
    expect(s.calls).toBe(0);
    const all = a.mask(bool([5, 3], new Array(15).fill(1)));
    expect((await read(all)).data).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    s.reset();
    const flat = new Array(15).fill(0);
    flat[14] = 1;
    expect(await read(a.mask(bool([5, 3], flat)))).toEqual({ shape: [1], data: [14] });
    expect(s.log).toEqual([[2, 1]]);
    const e = indexError(() => a.mask([[true, false, true]]));
    expect(e.message).toMatch(
      /boolean index did not match indexed array along dimension 0; dimension is 5 but corresponding boolean dimension is 1/,
    );
    expect(indexError(() => a.mask([true, false, true, true, true])).message).toMatch(
      /mask has 1 dimensions but the view has 2/,
    );
    expect(indexError(() => a.mask(Uint8Array.from([1, 0]) as never)).message).toMatch(
      /mask must be a boolean array/,
    );
    expect(indexError(() => a.mask(true)).message).toMatch(/mask must be a boolean array/);
  });

  it("Uint8Array is an index array, boolean[] and bool NDArrays are masks", async () => {
    const a = lazy(src([4], [3]));
    expect((await read(a.get(Uint8Array.from([1, 0, 1])))).data).toEqual([1, 0, 1]);
    expect(await read(a.get([true, false, true, false]))).toEqual({ shape: [2], data: [0, 2] });
    expect(await read(a.get(bool([4], [0, 1, 1, 0])))).toEqual({ shape: [2], data: [1, 2] });
  });

  it("a 1-D mask on an n-d array selects along axis 0 through get (27)", async () => {
    const a = lazy(src([3, 4], [2, 3]));
    expect(await read(a.get([true, false, true]))).toEqual({
      shape: [2, 4],
      data: [0, 1, 2, 3, 8, 9, 10, 11],
    });
    expect(indexError(() => a.get([true, false])).dimension).toBe(0);
    expect(
      await read(
        a.get([
          [true, false, false, true],
          [false, false, false, false],
          [false, true, false, false],
        ]),
      ),
    ).toEqual({ shape: [3], data: [0, 3, 9] });
    expect(await read(a.get(slice(), [false, true, true, false]))).toEqual({
      shape: [3, 2],
      data: [1, 2, 5, 6, 9, 10],
    });
    expect(await read(a.get([true, false, true], [0, 3]))).toEqual({ shape: [2], data: [0, 11] });
  });

  it("0-d boolean indices are rejected with a hint", () => {
    const a = lazy(src([3, 4]));
    expect(indexError(() => a.get(true as never)).message).toMatch(
      /boolean is not an integer index/,
    );
    expect(indexError(() => a.get(bool([], [1]))).message).toMatch(/0-d boolean/);
  });
});

describe("edge chunks (28) and parsed selections", () => {
  it("selections in the last partial chunk clip to the data", async () => {
    const s = src([7, 5], [3, 2]);
    const a = lazy(s);
    expect(await read(a.get(slice(6), slice(4)))).toEqual({ shape: [1, 1], data: [34] });
    expect(s.log).toEqual([[2, 2]]);
    expect((await read(a.get(slice(-2), slice(null, null, -2)))).data).toEqual([
      29, 27, 25, 34, 32, 30,
    ]);
    expect((await read(a.vindex([6, 5, 6], [4, 4, 3]))).data).toEqual([34, 29, 33]);
  });

  it("parseSelection feeds get", async () => {
    const a = lazy(src([6, 5], [4, 4]));
    expect(await read(a.get(...parseSelection("1:5:2, ::-2")))).toEqual({
      shape: [2, 3],
      data: [9, 7, 5, 19, 17, 15],
    });
    // NumPy: the ellipsis separates the advanced indices, so the broadcast dims go first.
    expect(await read(a.get(...parseSelection("None, [0, -1], ..., 0")))).toEqual({
      shape: [2, 1],
      data: [0, 25],
    });
  });
});

describe("IndexError details", () => {
  it("names the path, the view dimension, the value and the valid range", () => {
    const a = lazy(src([10, 10], [5, 5], "group/temperature")).get(slice(2, 6));
    const e = indexError(() => a.get(slice(), 12));
    expect(e.code).toBe("ERR_INDEX");
    expect(e.path).toBe("group/temperature");
    expect(e.dimension).toBe(1);
    expect(e.value).toBe(12);
    expect(e.message).toBe(
      'array "group/temperature": index 12 is out of bounds for dimension 1 with size 10 (valid range [-10, 9])',
    );
    const e2 = indexError(() => a.get(-5));
    expect(e2.message).toMatch(/dimension 0 with size 4 \(valid range \[-4, 3\]\)/);
  });

  it("invalid item types name their dimension after ellipsis expansion", () => {
    const e = indexError(() => lazy(src([2, 3, 4])).get(ellipsis, "x" as never));
    expect(e.dimension).toBe(2);
    expect(e.value).toBe("x");
  });

  it("a mask selection holds exactly one mask", () => {
    const t = identity([2]);
    expect(() =>
      compose(t, {
        kind: "mask",
        items: [
          [true, true],
          [true, true],
        ],
      }),
    ).toThrow(IndexError);
    expect(() => compose(t, { kind: "mask", items: [] })).toThrow(IndexError);
  });
});
