/**
 * Conformance: string arrays written by NumPy/numcodecs (`tests/fixtures/strings/gen.py`): v2
 * `|O` with the vlen-utf8, vlen-bytes and json2 object codecs, v2 `<U`/`>U`, v3 `string`
 * (vlen-utf8), `fixed_length_utf32` and `variable_length_bytes` read element for element as
 * NumPy holds them (non-ASCII, empty strings, embedded NULs, fill values of missing chunks), and
 * selections (get, oindex, vindex) on them return what the same selection of the expected values
 * gives.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { lastValueFrom } from "rxjs";
import { describe, expect, it } from "vitest";
import { plan } from "../../src/exec/api.js";
import { Context } from "../../src/exec/context.js";
import { runningSum } from "../../src/exec/operators.js";
import { openArray } from "../../src/hierarchy/index.js";
import { slice } from "../../src/index-space/selection.js";
import { FileSystemStore } from "../../src/store/fs.js";

const HERE = join(import.meta.dirname, "../fixtures/strings");
const expected = JSON.parse(readFileSync(join(HERE, "expected.json"), "utf8")) as Record<
  string,
  { shape: number[]; values: (string | number[])[] }
>;

/** Elements as comparable JSON values: strings stay, bytes become lists of integers. */
function plain(data: ArrayLike<unknown>): (string | number[])[] {
  return Array.from(data, (v) => (v instanceof Uint8Array ? [...v] : (v as string)));
}

const store = new FileSystemStore(HERE);

describe("string fixtures read exactly as NumPy holds them", () => {
  it("covers every array the generator writes", () => {
    expect(Object.keys(expected).sort()).toEqual([
      "v2/U_be",
      "v2/U_le",
      "v2/json2",
      "v2/vlen_bytes",
      "v2/vlen_utf8",
      "v3/fixed_length_utf32",
      "v3/string",
      "v3/variable_length_bytes",
    ]);
  });
  for (const [path, want] of Object.entries(expected)) {
    it(path, async () => {
      const arr = await openArray(store, path);
      expect([...arr.shape]).toEqual(want.shape);
      const out = await arr.read();
      expect(Array.isArray(out.data)).toBe(true);
      expect([...out.shape]).toEqual(want.shape);
      expect(plain(out.data)).toEqual(want.values);
    });
  }
});

describe("string fixtures decoded on workers", () => {
  it("read identically when every compressed chunk is decompressed on a decode worker", async () => {
    const context = new Context({ decodeWorkers: { workers: 1, minBytes: 0 } });
    try {
      for (const path of ["v2/vlen_utf8", "v2/U_be", "v3/string"]) {
        const arr = await openArray(store, path, { context });
        expect(plain((await arr.read()).data)).toEqual(expected[path]!.values);
      }
      expect(context.decodePool.offloaded).toBeGreaterThan(0);
    } finally {
      context.close();
    }
  });
});

describe("selections on string arrays", () => {
  const path = "v2/vlen_utf8"; // shape [5, 7], chunks [2, 3], one chunk missing
  const want = expected[path]!;
  const at = (i: number, j: number) => want.values[i * 7 + j];

  it("get: a strided, reversed box across chunks", async () => {
    const arr = await openArray(store, path);
    const { a } = await plan({ a: arr.lazy().get(slice(4, 0, -2), slice(1, 7, 2)) }).read();
    const rows = [4, 2];
    const cols = [1, 3, 5];
    expect([...a!.shape]).toEqual([2, 3]);
    expect(plain(a!.data)).toEqual(rows.flatMap((i) => cols.map((j) => at(i, j))));
  });

  it("oindex: index lists per dimension", async () => {
    const arr = await openArray(store, path);
    const rows = [3, 0, 4];
    const cols = [6, 0, 3, 4];
    const { a } = await plan({ a: arr.lazy().oindex(rows, cols) }).read();
    expect([...a!.shape]).toEqual([3, 4]);
    expect(plain(a!.data)).toEqual(rows.flatMap((i) => cols.map((j) => at(i, j))));
  });

  it("vindex: points, one of them in the missing chunk (fill value)", async () => {
    const arr = await openArray(store, path);
    const rows = [0, 2, 3, 4, 1];
    const cols = [0, 3, 4, 6, 2];
    const { a } = await plan({ a: arr.lazy().vindex(rows, cols) }).read();
    expect(plain(a!.data)).toEqual(rows.map((i, k) => at(i, cols[k]!)));
    expect(a!.data[1]).toBe(""); // [2, 3] lies in the missing chunk [1, 1]
  });

  it("integer indexing gives a 0-d string array", async () => {
    const arr = await openArray(store, "v3/string");
    const { a } = await plan({ a: arr.lazy().get(0, 2) }).read();
    expect(a!.shape).toEqual([]);
    expect(a!.data[0]).toBe(expected["v3/string"]!.values[2]);
  });

  it("chunk events carry strings; running statistics refuse them", async () => {
    const arr = await openArray(store, "v3/string");
    const p = plan({ s: arr.lazy() });
    await expect(lastValueFrom(p.stream().pipe(runningSum({ read: "s" })))).rejects.toThrow(
      /need real numbers; read "s" has dtype string/,
    );
  });
});
