/**
 * Region writes into existing string arrays (the fixtures of `tests/fixtures/strings`, copied
 * into a MemoryStore): the written strings read back, the rest of each touched chunk is kept,
 * and a chunk written with the fill value only is not stored.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import { createArray, openArray } from "../../../src/hierarchy/index.js";
import { MemoryStore } from "../../../src/store/memory.js";
import { v3ArrayIssues } from "../../helpers/v3-spec.js";

const FIX = join(import.meta.dirname, "../../fixtures/strings");

function loadFixtures(): MemoryStore {
  const init: Record<string, Uint8Array> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else init[relative(FIX, p)] = new Uint8Array(readFileSync(p));
    }
  };
  walk(join(FIX, "v2"));
  walk(join(FIX, "v3"));
  return new MemoryStore(init);
}

const expected = JSON.parse(readFileSync(join(FIX, "expected.json"), "utf8")) as Record<
  string,
  { shape: number[]; values: (string | number[])[] }
>;

describe("writing into string arrays", () => {
  for (const path of ["v2/vlen_utf8", "v2/json2", "v3/string", "v2/U_le"]) {
    it(`${path}: a box of new strings, the rest kept`, async () => {
      const store = loadFixtures();
      const arr = await openArray(store, path);
      const [rows, cols] = arr.shape as [number, number];
      const fixed = arr.dtype.itemSize / 4;
      const cut = (s: string) => (fixed > 0 ? [...s].slice(0, fixed).join("") : s);
      const box = ["ünï", "", "🙂🙂", "z"];
      await arr.write(
        { data: box, shape: [2, 2], strides: [2, 1], dtype: arr.dtype },
        { start: [1, 1] },
      );
      const want = [...expected[path]!.values] as string[];
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 2; j++) want[(1 + i) * cols + 1 + j] = cut(box[i * 2 + j]!);
      const back = await (await openArray(store, path)).read();
      expect(back.shape).toEqual([rows, cols]);
      expect(Array.from(back.data as string[])).toEqual(want);
    });
  }

  it("v3/variable_length_bytes: bytes elements", async () => {
    const store = loadFixtures();
    const arr = await openArray(store, "v3/variable_length_bytes");
    const dt = dataType("variable_length_bytes");
    const box = [new Uint8Array([1, 2, 3]), new Uint8Array()];
    await arr.write({ data: box, shape: [2], strides: [1], dtype: dt }, { start: [2] });
    const back = await arr.read();
    const want = expected["v3/variable_length_bytes"]!.values.map((v) => v as number[]);
    want[2] = [1, 2, 3];
    want[3] = [];
    expect(Array.from(back.data as Uint8Array[], (b) => [...b])).toEqual(want);
  });

  it("a scalar string fills a region; fill-only chunks are deleted", async () => {
    const store = loadFixtures();
    const arr = await openArray(store, "v3/string"); // shape [4, 6], chunks [3, 4], fill "∅"
    await arr.write("∅");
    expect(await store.get("v3/string/c/0/0")).toBeUndefined();
    await arr.write("hi", { start: [0, 0], stop: [1, 2] });
    const back = await arr.read();
    expect(Array.from(back.data as string[])).toEqual(
      Array.from({ length: 24 }, (_, i) => (i === 0 || i === 1 ? "hi" : "∅")),
    );
  });
});

describe("createArray with string data types", () => {
  const words = ["", "a", "héllo", "日本語", "🙂 ok", "naïve"];
  const cases = [
    { zarrFormat: 3 as const, stringLength: undefined, dtype: "string" as const },
    { zarrFormat: 3 as const, stringLength: 5, dtype: "string" as const },
    { zarrFormat: 2 as const, stringLength: undefined, dtype: "string" as const },
    { zarrFormat: 2 as const, stringLength: 5, dtype: "string" as const },
  ];
  for (const c of cases) {
    it(`v${c.zarrFormat} ${c.stringLength ? `fixed-length (${c.stringLength})` : "variable-length"} string: metadata, write, read back`, async () => {
      const store = new MemoryStore();
      const arr = await createArray(store, "s", {
        shape: [3, 4],
        chunks: [2, 3],
        dtype: c.dtype,
        ...(c.stringLength ? { stringLength: c.stringLength } : {}),
        zarrFormat: c.zarrFormat,
        fillValue: "-",
      });
      const doc = JSON.parse(
        new TextDecoder().decode(await store.get(c.zarrFormat === 3 ? "s/zarr.json" : "s/.zarray")),
      ) as Record<string, unknown>;
      if (c.zarrFormat === 3) {
        expect(v3ArrayIssues(doc)).toEqual([]);
        expect(doc.data_type).toEqual(
          c.stringLength
            ? { name: "fixed_length_utf32", configuration: { length_bytes: 4 * c.stringLength } }
            : "string",
        );
        expect((doc.codecs as { name: string }[])[0]!.name).toBe(
          c.stringLength ? "bytes" : "vlen-utf8",
        );
      } else {
        expect(doc.dtype).toBe(c.stringLength ? `<U${c.stringLength}` : "|O");
        if (!c.stringLength) expect(doc.filters).toEqual([{ id: "vlen-utf8" }]);
      }
      expect(doc.fill_value).toBe("-");
      const data = words.slice(0, 6);
      await arr.write(
        { data, shape: [2, 3], strides: [3, 1], dtype: arr.dtype },
        { start: [1, 1] },
      );
      const back = await (await openArray(store, "s")).read();
      const want = Array.from({ length: 12 }, (_, k) => {
        const i = Math.floor(k / 4);
        const j = k % 4;
        return i >= 1 && j >= 1 ? data[(i - 1) * 3 + j - 1]! : "-";
      });
      expect(Array.from(back.data as string[])).toEqual(want);
    });
  }

  it("v2 and v3 variable_length_bytes", async () => {
    for (const zarrFormat of [2, 3] as const) {
      const store = new MemoryStore();
      const arr = await createArray(store, "b", {
        shape: [4],
        chunks: [3],
        dtype: "variable_length_bytes",
        zarrFormat,
      });
      if (zarrFormat === 3) {
        const doc = JSON.parse(new TextDecoder().decode(await store.get("b/zarr.json")));
        expect(v3ArrayIssues(doc)).toEqual([]);
        expect(doc.data_type).toBe("variable_length_bytes");
      }
      const data = [new Uint8Array([0, 255]), new Uint8Array(), new Uint8Array([7])];
      await arr.write({ data, shape: [3], strides: [1], dtype: arr.dtype }, { start: [1] });
      const back = await (await openArray(store, "b")).read();
      expect(Array.from(back.data as Uint8Array[], (b) => [...b])).toEqual([[], [0, 255], [], [7]]);
    }
  });

  it("sharded variable-length strings (vlen-utf8 inside sharding_indexed)", async () => {
    const store = new MemoryStore();
    const a = await createArray(store, "s", {
      shape: [6],
      chunks: [2],
      shards: [4],
      dtype: "string",
      fillValue: "f",
    });
    const data = ["a", "bb", "", "ü", "x"];
    await a.write({ data, shape: [5], strides: [1], dtype: a.dtype }, { start: [1] });
    const doc = new TextDecoder().decode(await store.get("s/zarr.json"));
    expect(doc).toContain('"vlen-utf8"');
    expect(v3ArrayIssues(JSON.parse(doc))).toEqual([]);
    const r = await (await openArray(store, "s")).read();
    expect(Array.from(r.data as string[])).toEqual(["f", ...data]);
  });
});
