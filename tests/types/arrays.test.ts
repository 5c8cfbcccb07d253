/**
 * Types a TypeScript user expects: arrays, views and reads typed by their data type, `is()` and
 * `isArray`/`isGroup` guards, `group.openArray`, plans typed by read name, error codes as a literal
 * union. `expectTypeOf` and `@ts-expect-error` lines are checked by `tsc -p tsconfig.json`; the
 * runtime assertions next to them run under vitest.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
  createArray,
  createGroup,
  type DataType,
  DataTypeMismatchError,
  type DataTypeName,
  dataType,
  datetimesToDates,
  type Float16ArrayLike,
  isArray,
  isGroup,
  isZarrPlanError,
  type LazyArray,
  MemoryStore,
  NAT,
  type NDArray,
  NodeNotFoundError,
  openArray,
  openGroup,
  type Plan,
  plan,
  slice,
  type TypedArray,
  type TypedArrayOf,
  ZARR_PLAN_ERROR_CODES,
  type ZarrArray,
  type ZarrGroup,
  type ZarrNode,
  type ZarrPlanError,
  type ZarrPlanErrorCode,
} from "../../src/index.js";

/** A store with a float32, an int16 and an int64 array in group `g`, and group `g/sub`. */
async function setup() {
  const store = new MemoryStore();
  await createGroup(store, "g");
  await createGroup(store, "g/sub");
  const f32 = await createArray(store, "g/f32", {
    shape: [4, 6],
    chunks: [2, 3],
    dtype: "float32",
  });
  const i16 = await createArray(store, "g/i16", { shape: [5], dtype: "int16" });
  const i64 = await createArray(store, "g/i64", { shape: [3], dtype: "int64" });
  await f32.write(1.5);
  await i16.write(-2);
  await i64.write(7n);
  return { store, f32, i16, i64 };
}

describe("data types", () => {
  it("dataType keeps the name", () => {
    expectTypeOf(dataType("float32")).toEqualTypeOf<DataType<"float32">>();
    expectTypeOf(dataType("int64").name).toEqualTypeOf<"int64">();
    expectTypeOf<DataType<"float32">>().toExtend<DataType>();
    expect(dataType("float32").name).toBe("float32");
    // @ts-expect-error not a data type name
    expect(() => dataType("float128")).toThrow(RangeError);
  });

  it("TypedArrayOf maps every data type to its TypedArray", () => {
    expectTypeOf<TypedArrayOf<"bool">>().toEqualTypeOf<Uint8Array>();
    expectTypeOf<TypedArrayOf<"int8">>().toEqualTypeOf<Int8Array>();
    expectTypeOf<TypedArrayOf<"uint16">>().toEqualTypeOf<Uint16Array>();
    expectTypeOf<TypedArrayOf<"int64">>().toEqualTypeOf<BigInt64Array>();
    expectTypeOf<TypedArrayOf<"uint64">>().toEqualTypeOf<BigUint64Array>();
    expectTypeOf<TypedArrayOf<"float32">>().toEqualTypeOf<Float32Array>();
    expectTypeOf<TypedArrayOf<"float64">>().toEqualTypeOf<Float64Array>();
    expectTypeOf<TypedArrayOf<"complex64">>().toEqualTypeOf<Float32Array>();
    expectTypeOf<TypedArrayOf<"complex128">>().toEqualTypeOf<Float64Array>();
    expectTypeOf<TypedArrayOf<"bytes">>().toEqualTypeOf<Uint8Array>();
    expectTypeOf<TypedArrayOf<"datetime64">>().toEqualTypeOf<BigInt64Array>();
    expectTypeOf<TypedArrayOf<"timedelta64">>().toEqualTypeOf<BigInt64Array>();
    expectTypeOf<TypedArrayOf<"raw">>().toEqualTypeOf<Uint8Array>();
    expectTypeOf<TypedArrayOf<"string">>().toEqualTypeOf<string[]>();
    expectTypeOf<TypedArrayOf<"variable_length_bytes">>().toEqualTypeOf<Uint8Array[]>();
    // This project's lib (ES2023) has no Float16Array: the structural stand-in.
    expectTypeOf<TypedArrayOf<"float16">>().toEqualTypeOf<Float32Array | Float16ArrayLike>();
    expectTypeOf<TypedArrayOf<"float32" | "int16">>().toEqualTypeOf<Float32Array | Int16Array>();
    expectTypeOf<TypedArrayOf<DataTypeName>>().toEqualTypeOf<TypedArray>();
    expectTypeOf<NDArray>().toEqualTypeOf<NDArray<DataTypeName>>();
    expectTypeOf<NDArray<"float32">>().toExtend<NDArray>();
  });
});

describe("datetime64, timedelta64 and raw bits", () => {
  it("are typed BigInt64Array / Uint8Array, with the unit on the data type", async () => {
    const store = new MemoryStore();
    const t = await createArray(store, "t", {
      shape: [3],
      dtype: "datetime64",
      timeUnit: "s",
      fillValue: NAT,
    });
    expectTypeOf(t).toEqualTypeOf<ZarrArray<"datetime64">>();
    await t.write({
      data: new BigInt64Array([0n, 86400n, NAT]),
      shape: [3],
      strides: [1],
      dtype: t.dtype,
    });
    const r = await t.read();
    expectTypeOf(r.data).toEqualTypeOf<BigInt64Array>();
    expect(r.data).toBeInstanceOf(BigInt64Array);
    expect(t.dtype.unit).toBe("s");
    const dates = datetimesToDates(r.data, t.dtype);
    expectTypeOf(dates).toEqualTypeOf<(Date | null)[]>();
    expect(dates.map((d) => d?.toISOString() ?? null)).toEqual([
      "1970-01-01T00:00:00.000Z",
      "1970-01-02T00:00:00.000Z",
      null,
    ]);
    const raw = await createArray(store, "r", { shape: [2], dtype: "raw", bytesLength: 3 });
    const rr = await raw.read();
    expectTypeOf(rr.data).toEqualTypeOf<Uint8Array>();
    expect(rr.data.length).toBe(6);
    expectTypeOf(dataType("timedelta64", { unit: "ms" })).toEqualTypeOf<DataType<"timedelta64">>();
  });
});

describe("strings and variable-length bytes", () => {
  it("are typed string[] / Uint8Array[]; selections keep the type", async () => {
    const store = new MemoryStore();
    const s = await createArray(store, "s", { shape: [2, 2], dtype: "string", fillValue: "" });
    expectTypeOf(s).toEqualTypeOf<ZarrArray<"string">>();
    await s.write({ data: ["a", "é", "", "🙂"], shape: [2, 2], strides: [2, 1], dtype: s.dtype });
    const r = await s.read();
    expectTypeOf(r.data).toEqualTypeOf<string[]>();
    expect(r.data).toEqual(["a", "é", "", "🙂"]);
    const { col } = await plan({ col: s.lazy().get(slice(null), 1) }).read();
    expectTypeOf(col.data).toEqualTypeOf<string[]>();
    expect(col.data).toEqual(["é", "🙂"]);
    const fixed = await createArray(store, "u", { shape: [1], dtype: "string", stringLength: 3 });
    expectTypeOf((await fixed.read()).data).toEqualTypeOf<string[]>();
    expect(fixed.dtype.itemSize).toBe(12);
    const b = await createArray(store, "b", { shape: [2], dtype: "variable_length_bytes" });
    const rb = await b.read();
    expectTypeOf(rb.data).toEqualTypeOf<Uint8Array[]>();
    expect(rb.data.map((x) => x.length)).toEqual([0, 0]);
    // @ts-expect-error a string array's data is not a Float32Array
    const f: Float32Array = r.data;
    expect(f).toBe(r.data);
  });
});

describe("arrays, views and reads are typed by their data type", () => {
  it("read() of a float32 array has Float32Array data; int64 BigInt64Array", async () => {
    const { f32, i64 } = await setup();
    expectTypeOf(f32).toEqualTypeOf<ZarrArray<"float32">>();
    expectTypeOf(f32.dtype).toEqualTypeOf<DataType<"float32">>();
    const r = await f32.read();
    expectTypeOf(r).toEqualTypeOf<NDArray<"float32">>();
    expectTypeOf(r.data).toEqualTypeOf<Float32Array>();
    expect(r.data).toBeInstanceOf(Float32Array);
    expect(r.data[0]).toBe(1.5);
    const big = await i64.read();
    expectTypeOf(big.data).toEqualTypeOf<BigInt64Array>();
    expect(big.data).toBeInstanceOf(BigInt64Array);
    expect(big.data[2]).toBe(7n);
    const chunk = await f32.readChunk([0, 0]);
    expectTypeOf(chunk).toEqualTypeOf<NDArray<"float32"> | undefined>();
    // @ts-expect-error Float32Array data is not Int8Array
    const wrong: Int8Array = r.data;
    expect(wrong).toBeInstanceOf(Float32Array);
  });

  it("selections keep the data type", async () => {
    const { f32 } = await setup();
    const v = f32.lazy().get(slice(0, 2)).oindex([0, 1], slice(null)).vindex([0, 1], [2, 3]);
    expectTypeOf(f32.lazy()).toEqualTypeOf<LazyArray<"float32">>();
    expectTypeOf(v).toEqualTypeOf<LazyArray<"float32">>();
    expectTypeOf(v.mask([true, false])).toEqualTypeOf<LazyArray<"float32">>();
    expectTypeOf(v.dtype).toEqualTypeOf<DataType<"float32">>();
    const out = await v.read();
    expectTypeOf(out.data).toEqualTypeOf<Float32Array>();
    expect(Array.from(out.data)).toEqual([1.5, 1.5]);
  });

  it("typed arrays only accept values of their data type", async () => {
    const { f32 } = await setup();
    const f64 = { data: new Float64Array(24), shape: [4, 6], strides: [6, 1] };
    // @ts-expect-error a float64 NDArray is not written into a float32 array
    await expect(f32.write({ ...f64, dtype: dataType("float64") })).rejects.toMatchObject({
      code: "ERR_WRITE",
    });
    // @ts-expect-error a ZarrArray<"float32"> is not a ZarrArray<"int16">
    const i16: ZarrArray<"int16"> = f32;
    expect(i16.dtype.name).toBe("float32");
  });

  it("is() narrows an array (and a view) of unknown data type", async () => {
    const { store } = await setup();
    const arr = await openArray(store, "g/f32");
    expectTypeOf(arr).toEqualTypeOf<ZarrArray>();
    expectTypeOf((await arr.read()).data).toEqualTypeOf<TypedArray>();
    expect(arr.is("int16")).toBe(false);
    expect(arr.is("float32")).toBe(true);
    if (arr.is("float32")) {
      expectTypeOf(arr).toEqualTypeOf<ZarrArray<"float32">>();
      const r = await arr.read();
      expectTypeOf(r.data).toEqualTypeOf<Float32Array>();
      expect(r.data).toBeInstanceOf(Float32Array);
    }
    const view = arr.lazy().get(0);
    expect(view.is("float32")).toBe(true);
    expect(view.is("float64")).toBe(false);
    if (view.is("float32")) {
      expectTypeOf(view).toEqualTypeOf<LazyArray<"float32">>();
      expectTypeOf((await view.read()).data).toEqualTypeOf<Float32Array>();
    }
  });

  it("openArray with a dtype checks it and types the array", async () => {
    const { store } = await setup();
    const arr = await openArray(store, "g/i16", { dtype: "int16" });
    expectTypeOf(arr).toEqualTypeOf<ZarrArray<"int16">>();
    expectTypeOf((await arr.read()).data).toEqualTypeOf<Int16Array>();
    expect(Array.from((await arr.read()).data)).toEqual([-2, -2, -2, -2, -2]);
    const e = await openArray(store, "g/i16", { dtype: "float32" }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DataTypeMismatchError);
    expect(e).toMatchObject({
      code: "ERR_DTYPE",
      path: "g/i16",
      expected: "float32",
      actual: "int16",
      message: 'array "g/i16" has data type int16, not float32',
    });
    // @ts-expect-error a data type is only asserted when it is checked
    await openArray<"float32">(store, "g/f32");
  });
});

describe("opening nodes of a known kind", () => {
  it("group.openArray / group.openGroup return the kind asked for", async () => {
    const { store } = await setup();
    const g = await openGroup(store, "g");
    const a = await g.openArray("f32");
    expectTypeOf(a).toEqualTypeOf<ZarrArray>();
    expect(a.path).toBe("g/f32");
    const typed = await g.openArray("f32", { dtype: "float32" });
    expectTypeOf(typed).toEqualTypeOf<ZarrArray<"float32">>();
    const sub = await g.openGroup("sub");
    expectTypeOf(sub).toEqualTypeOf<ZarrGroup>();
    expect(sub.path).toBe("g/sub");
    await expect(g.openArray("sub")).rejects.toThrow(NodeNotFoundError);
    await expect(g.openArray("sub")).rejects.toThrow('Node "g/sub" is a group, not an array');
    await expect(g.openGroup("f32")).rejects.toThrow('Node "g/f32" is an array, not a group');
    await expect(g.openArray("nothing")).rejects.toThrow(NodeNotFoundError);
    await expect(g.openArray("i16", { dtype: "uint8" })).rejects.toThrow(DataTypeMismatchError);
  });

  it("isArray / isGroup narrow a node", async () => {
    const { store } = await setup();
    const g = await openGroup(store, "g");
    const node = await g.open("f32");
    expectTypeOf(node).toEqualTypeOf<ZarrNode>();
    expect(isArray(node)).toBe(true);
    expect(isGroup(node)).toBe(false);
    if (isArray(node)) expectTypeOf(node).toEqualTypeOf<ZarrArray>();
    else expectTypeOf(node).toEqualTypeOf<ZarrGroup>();
    const other = await g.open("sub");
    expect(isGroup(other)).toBe(true);
    if (isGroup(other)) expectTypeOf(other).toEqualTypeOf<ZarrGroup>();
  });
});

describe("chunks and shards", () => {
  it("an unsharded array: chunks is the grid's chunk shape, shards null", async () => {
    const { f32 } = await setup();
    expectTypeOf(f32.chunks).toEqualTypeOf<readonly number[]>();
    expectTypeOf(f32.shards).toEqualTypeOf<readonly number[] | null>();
    expect(f32.chunks).toEqual([2, 3]);
    expect(f32.shards).toBeNull();
    expect(f32.chunkShape).toEqual([2, 3]);
  });

  it("a sharded array: chunks is the inner chunk shape, shards (= chunkShape) the shard shape", async () => {
    const store = new MemoryStore();
    const a = await createArray(store, "s", {
      shape: [8, 12],
      chunks: [2, 3],
      shards: [4, 6],
      dtype: "uint8",
    });
    expect(a.chunks).toEqual([2, 3]);
    expect(a.shards).toEqual([4, 6]);
    expect(a.chunkShape).toEqual([4, 6]);
    const v2 = await createArray(store, "v2", {
      shape: [8],
      chunks: [4],
      dtype: "uint8",
      zarrFormat: 2,
    });
    expect(v2.chunks).toEqual([4]);
    expect(v2.shards).toBeNull();
  });
});

describe("plans typed by read name", () => {
  it("plan({ a, b }).read() gives each name its view's data type", async () => {
    const { f32, i16 } = await setup();
    const p = plan({ a: f32.lazy().get(0), b: i16.lazy() });
    expectTypeOf(p.names).toEqualTypeOf<readonly ("a" | "b")[]>();
    const { a, b } = await p.read();
    expectTypeOf(a).toEqualTypeOf<NDArray<"float32">>();
    expectTypeOf(b).toEqualTypeOf<NDArray<"int16">>();
    expectTypeOf(a.data).toEqualTypeOf<Float32Array>();
    expectTypeOf(b.data).toEqualTypeOf<Int16Array>();
    expect(a.data).toBeInstanceOf(Float32Array);
    expect(Array.from(b.data)).toEqual([-2, -2, -2, -2, -2]);
    const r = await p.read();
    // @ts-expect-error no read named "c"
    expect(r.c).toBeUndefined();
    const resolved = await p.resolve();
    expectTypeOf(resolved).toEqualTypeOf<
      Plan<{ a: LazyArray<"float32">; b: LazyArray<"int16"> }>
    >();
  });

  it("arrays of reads and Maps give Record<string, NDArray>", async () => {
    const { f32, i16 } = await setup();
    const byIndex = await plan([f32.lazy(), i16.lazy()]).read();
    expectTypeOf(byIndex).toEqualTypeOf<Record<string, NDArray>>();
    expect(Object.keys(byIndex)).toEqual(["0", "1"]);
    const byMap = await plan(new Map<string, LazyArray>([["x", i16.lazy()]])).read();
    expectTypeOf(byMap).toEqualTypeOf<Record<string, NDArray>>();
    expect(byMap.x!.shape).toEqual([5]);
    expectTypeOf(plan([f32.lazy()])).toEqualTypeOf<Plan>();
  });
});

describe("error codes", () => {
  it("isZarrPlanError narrows the code", async () => {
    const { store } = await setup();
    const e: unknown = await openArray(store, "nothing").catch((x: unknown) => x);
    expect(isZarrPlanError(e)).toBe(true);
    expect(isZarrPlanError(e, "ERR_NODE_NOT_FOUND")).toBe(true);
    expect(isZarrPlanError(e, "ERR_STORE")).toBe(false);
    expect(isZarrPlanError(new Error("x"))).toBe(false);
    if (isZarrPlanError(e)) expectTypeOf(e.code).toEqualTypeOf<ZarrPlanErrorCode>();
    if (isZarrPlanError(e, "ERR_NODE_NOT_FOUND")) {
      expectTypeOf(e).toExtend<ZarrPlanError>();
      expectTypeOf(e.code).toEqualTypeOf<"ERR_NODE_NOT_FOUND">();
    }
    // @ts-expect-error not an error code
    expect(isZarrPlanError(e, "ERR_NOPE")).toBe(false);
    expectTypeOf<ZarrPlanError["code"]>().toEqualTypeOf<ZarrPlanErrorCode>();
    expectTypeOf<"ERR_STORE">().toExtend<ZarrPlanErrorCode>();
  });

  it("docs/errors.md documents every code", () => {
    const doc = readFileSync(join(import.meta.dirname, "../../docs/errors.md"), "utf8");
    const rows = new Set([...doc.matchAll(/^\| `(ERR_[A-Z_0-9]+)` \|/gm)].map((m) => m[1]));
    expect([...rows].sort()).toEqual([...ZARR_PLAN_ERROR_CODES].sort());
  });

  it("the union is exactly the codes src uses", () => {
    const src = join(import.meta.dirname, "../../src");
    const count = new Map<string, number>();
    for (const f of readdirSync(src, { recursive: true, encoding: "utf8" })) {
      if (!f.endsWith(".ts")) continue;
      for (const m of readFileSync(join(src, f), "utf8").matchAll(/"(ERR_[A-Z_0-9]+)"/g)) {
        count.set(m[1]!, (count.get(m[1]!) ?? 0) + 1);
      }
    }
    // Each code: once in ZARR_PLAN_ERROR_CODES, at least once where it is thrown.
    expect([...count.keys()].sort()).toEqual([...ZARR_PLAN_ERROR_CODES].sort());
    for (const [code, n] of count) expect(n, code).toBeGreaterThanOrEqual(2);
  });
});
