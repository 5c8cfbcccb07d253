/**
 * Codec pipelines are built once per distinct metadata and owned by the Context: repeated
 * functional chunk reads build one; `ZarrArray`s with equal metadata in one Context share the
 * pipeline object; the cache is bounded (least recently used out) and follows `registerCodec`.
 */
import { describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import { cStrides, type NDArray } from "../../../src/core/ndarray.js";
import { Context } from "../../../src/exec/context.js";
import { getCodecFactory, registerCodec } from "../../../src/format/codecs/index.js";
import type { ArrayMetadata } from "../../../src/format/model.js";
import { readChunk, readMetadata, writeChunk } from "../../../src/hierarchy/crud/index.js";
import { createArray, openArray, ZarrArray } from "../../../src/hierarchy/index.js";
import { MemoryStore } from "../../../src/store/memory.js";

function model(fillValue: number, level = 1): ArrayMetadata {
  return {
    nodeType: "array",
    zarrFormat: 3,
    shape: [8],
    dataType: dataType("float64"),
    chunkShape: [4],
    fillValue,
    codecs: [
      { name: "bytes", configuration: { endian: "little" } },
      { name: "gzip", configuration: { level } },
    ],
    chunkKeyEncoding: { name: "default", separator: "/" },
    dimensionNames: null,
    attributes: {},
  };
}

function f64(values: number[]): NDArray {
  return {
    data: Float64Array.from(values),
    shape: [values.length],
    strides: cStrides([values.length]),
    dtype: dataType("float64"),
  };
}

describe("the Context's codec pipeline cache", () => {
  it("repeated readChunk / writeChunk with the same metadata build the pipeline once", async () => {
    const context = new Context();
    const store = new MemoryStore();
    await createArray(store, "a", { shape: [8], chunks: [4], dtype: "float64", context });
    const { metadata } = (await readMetadata(store, "a", { context })) as {
      metadata: ArrayMetadata;
    };
    const before = context.pipelines.stats.builds;
    await writeChunk(store, "a", metadata, [0], f64([1, 2, 3, 4]), { context });
    for (let i = 0; i < 5; i++) {
      const c = await readChunk(store, "a", metadata, [0], { context });
      expect(Array.from(c!.data as Float64Array)).toEqual([1, 2, 3, 4]);
    }
    // createArray built (and cached) the pipeline: the chunk IO built none.
    expect(context.pipelines.stats.builds).toBe(before);
    expect(context.pipelines.stats.hits).toBeGreaterThanOrEqual(6);
    // Metadata parsed again (a distinct but equal object) still hits.
    const again = (await readMetadata(store, "a", { context })).metadata as ArrayMetadata;
    expect(again).not.toBe(metadata);
    await readChunk(store, "a", again, [1], { context });
    expect(context.pipelines.stats.builds).toBe(before);
    context.close();
  });

  it("a fresh Context builds a pipeline on the first chunk read, then never again", async () => {
    const store = new MemoryStore();
    const m = model(0);
    const context = new Context();
    expect(context.pipelines.stats).toEqual({ builds: 0, hits: 0, entries: 0, maxEntries: 256 });
    for (let i = 0; i < 3; i++) await readChunk(store, "x", m, [i % 2], { context });
    expect(context.pipelines.stats.builds).toBe(1);
    expect(context.pipelines.stats.hits).toBe(2);
    expect(context.pipelines.stats.entries).toBe(1);
    context.close();
  });

  it("ZarrArrays with equal metadata in one Context share one pipeline object; Contexts share nothing", async () => {
    const store = new MemoryStore();
    const c1 = new Context();
    const c2 = new Context();
    await createArray(store, "p", { shape: [10], chunks: [5], dtype: "int16", context: c1 });
    await createArray(store, "q", { shape: [10], chunks: [5], dtype: "int16", context: c1 });
    const p = await openArray(store, "p", { context: c1 });
    const q = await openArray(store, "q", { context: c1 });
    expect(p.pipeline).toBe(q.pipeline);
    expect(new ZarrArray(store, "p", p.metadata, c1).pipeline).toBe(p.pipeline);
    const other = await openArray(store, "p", { context: c2 });
    expect(other.pipeline).not.toBe(p.pipeline);
    expect(c2.pipelines.stats.builds).toBe(1);
    c1.close();
    c2.close();
  });

  it("different fill values or codec configurations get their own pipelines", () => {
    const context = new Context();
    const a = new ZarrArray(new MemoryStore(), "a", model(0), context);
    const b = new ZarrArray(new MemoryStore(), "b", model(Number.NaN), context);
    const c = new ZarrArray(new MemoryStore(), "c", model(0, 9), context);
    const d = new ZarrArray(new MemoryStore(), "d", model(-0), context);
    const e = new ZarrArray(new MemoryStore(), "e", model(Number.NaN), context);
    expect(new Set([a.pipeline, b.pipeline, c.pipeline, d.pipeline]).size).toBe(4);
    expect(e.pipeline).toBe(b.pipeline);
    expect(context.pipelines.stats.builds).toBe(4);
    context.close();
  });

  it("codec configurations differing only in -0 / 0 get their own pipelines; equal ones in another member order decode alike", async () => {
    const context = new Context();
    const withConfig = (configuration: Record<string, unknown>): ArrayMetadata => ({
      ...model(0),
      codecs: [{ name: "bytes", configuration }],
    });
    const a = new ZarrArray(new MemoryStore(), "a", withConfig({ endian: "little" }), context);
    const b = new ZarrArray(new MemoryStore(), "b", withConfig({ endian: "little" }), context);
    expect(b.pipeline).toBe(a.pipeline);
    // Not exact as JSON (-0 would print as 0): keyed by its canonical text instead.
    const m = withConfig({ endian: "little" });
    const negZero = { ...m, fillValue: -0 };
    const c = new ZarrArray(new MemoryStore(), "c", negZero, context);
    expect(c.pipeline).not.toBe(a.pipeline);
    const d = new ZarrArray(new MemoryStore(), "d", { ...m, fillValue: -0 }, context);
    expect(d.pipeline).toBe(c.pipeline);
    const reordered = new ZarrArray(
      new MemoryStore(),
      "e",
      { ...model(0), codecs: [{ configuration: { endian: "little" }, name: "bytes" }] },
      context,
    );
    const chunk = f64([1, 2, 3, 4]);
    const at = { key: "a/c/0" };
    const bytes = await a.pipeline.encode(chunk, at);
    expect(await reordered.pipeline.decode(bytes, at)).toEqual(await a.pipeline.decode(bytes, at));
    context.close();
  });

  it("is bounded: past pipelineCacheEntries the least recently used pipeline is dropped", () => {
    const context = new Context({ pipelineCacheEntries: 2 });
    const store = new MemoryStore();
    const first = new ZarrArray(store, "a", model(1), context).pipeline;
    new ZarrArray(store, "b", model(2), context);
    expect(context.pipelines.stats.entries).toBe(2);
    // Recently used: model(1) is kept, model(2) goes when model(3) comes in.
    expect(new ZarrArray(store, "a", model(1), context).pipeline).toBe(first);
    new ZarrArray(store, "c", model(3), context);
    expect(context.pipelines.stats).toMatchObject({ entries: 2, maxEntries: 2, builds: 3 });
    expect(new ZarrArray(store, "a", model(1), context).pipeline).toBe(first);
    new ZarrArray(store, "b", model(2), context);
    expect(context.pipelines.stats.builds).toBe(4);
    expect(context.pipelines.stats.entries).toBe(2);
    context.close();
  });

  it("pipelineCacheEntries must be an integer >= 1", () => {
    expect(() => new Context({ pipelineCacheEntries: 0 })).toThrow(RangeError);
    expect(() => new Context({ pipelineCacheEntries: 1.5 })).toThrow(/pipelineCacheEntries/);
  });

  it("registerCodec gives later arrays new pipelines (no stale codec)", () => {
    const context = new Context();
    const store = new MemoryStore();
    const before = new ZarrArray(store, "a", model(5), context).pipeline;
    registerCodec("gzip", getCodecFactory("gzip")!);
    const after = new ZarrArray(store, "a", model(5), context).pipeline;
    expect(after).not.toBe(before);
    expect(new ZarrArray(store, "a", model(5), context).pipeline).toBe(after);
    context.close();
  });

  it("rectilinear chunk shapes: one pipeline per distinct edge lengths, from the cache", async () => {
    const context = new Context();
    const store = new MemoryStore();
    const arr = await createArray(store, "r", {
      shape: [10],
      chunkShapes: [[4, 4, 2]],
      dtype: "int32",
      context,
    });
    expect(arr.pipelineAt([0])).toBe(arr.pipeline);
    expect(arr.pipelineAt([1])).toBe(arr.pipeline);
    const last = arr.pipelineAt([2]);
    expect(last.spec.shape).toEqual([2]);
    const builds = context.pipelines.stats.builds;
    expect(arr.pipelineAt([2])).toBe(last);
    expect(new ZarrArray(store, "r", arr.metadata, context).pipelineAt([2])).toBe(last);
    expect(context.pipelines.stats.builds).toBe(builds);
    context.close();
  });
});
