/**
 * Hostile input to the hierarchy gets typed errors, never a hang or a stack overflow: member
 * names in consolidated metadata and store listings that would alias the group itself or another
 * node, hierarchies deeper than `tree()`'s limit, node paths with `.` / `..` segments, and
 * invalid `createArray` / `createGroup` options (nothing is written when they fail).
 */
import { describe, expect, it } from "vitest";
import {
  InvalidPathError,
  MetadataError,
  OptionsError,
  ZarrPlanError,
} from "../../../src/core/errors.js";
import {
  createArray,
  createGroup,
  deleteNode,
  isGroup,
  open,
  openArray,
  openGroup,
  type ZarrGroup,
} from "../../../src/hierarchy/index.js";
import { MemoryStore } from "../../../src/store/memory.js";
import type { DirListing } from "../../../src/store/types.js";

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

const array = {
  zarr_format: 3,
  node_type: "array",
  shape: [2],
  data_type: "int32",
  chunk_grid: { name: "regular", configuration: { chunk_shape: [2] } },
  chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
  fill_value: 0,
  codecs: [{ name: "bytes", configuration: { endian: "little" } }],
};
const group = { zarr_format: 3, node_type: "group", attributes: {} };

/** A v3 root group whose inline consolidated metadata lists `metadata`. */
function v3Consolidated(metadata: Record<string, unknown>): MemoryStore {
  return new MemoryStore({
    "zarr.json": enc({
      ...group,
      consolidated_metadata: { kind: "inline", must_understand: false, metadata },
    }),
  });
}

/** A v2 root group whose `.zmetadata` lists `entries` besides the root's `.zgroup`. */
function v2Consolidated(entries: Record<string, unknown>): MemoryStore {
  return new MemoryStore({
    ".zgroup": enc({ zarr_format: 2 }),
    ".zmetadata": enc({
      zarr_consolidated_format: 1,
      metadata: { ".zgroup": { zarr_format: 2 }, ...entries },
    }),
  });
}

const v2Array = {
  zarr_format: 2,
  shape: [2],
  chunks: [2],
  dtype: "<i4",
  fill_value: 0,
  order: "C",
  filters: null,
  compressor: null,
};

async function errorOf(p: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

function names(t: { name: string; children?: { name: string }[] }): string[] {
  return (t.children ?? []).map((c) => c.name);
}

describe("consolidated metadata: invalid member names", () => {
  it('a v3 member "" does not make members() return the group nor tree() recurse', async () => {
    const root = await openGroup(v3Consolidated({ "": group, x: array }));
    expect([...(await root.members()).keys()]).toEqual(["x"]);
    const t = await root.tree();
    expect(names(t)).toEqual(["x"]);
    expect(root.metadata.invalidMembers?.map((m) => m.name)).toEqual([""]);
  });

  it('"a/" under "a" is no child of "a" (no cycle); tree() ends', async () => {
    const root = await openGroup(v3Consolidated({ a: group, "a/": group, "a/b": array }));
    const t = await root.tree();
    expect(names(t)).toEqual(["a"]);
    expect(names(t.children![0]!)).toEqual(["b"]);
    const a = (await root.open("a")) as ZarrGroup;
    expect([...(await a.members()).keys()]).toEqual(["b"]);
  });

  it("every kind of invalid name is reported on that member only; the others open", async () => {
    const bad = ["", ".", "..", "/x", "y/", "p//q", "p/./q", "p/../q", "..x/../.."];
    const metadata: Record<string, unknown> = { ok: array, p: group, "p/q": array };
    for (const b of bad) metadata[b] = array;
    const root = await openGroup(v3Consolidated(metadata));
    expect([...(await root.members()).keys()]).toEqual(["ok", "p"]);
    expect((await root.open("ok")).kind).toBe("array");
    expect((await root.open("p/q")).kind).toBe("array");
    expect(root.metadata.invalidMembers?.map((m) => m.name).sort()).toEqual([...bad].sort());
    for (const m of root.metadata.invalidMembers!) {
      expect(m.key).toBe("zarr.json");
      expect(m.field).toBe(`consolidated_metadata.metadata[${JSON.stringify(m.name)}]`);
    }
  });

  it("opening an invalid member raises a MetadataError naming it", async () => {
    const root = await openGroup(v3Consolidated({ "y/": array, "/z": array, ok: array }));
    const e = await errorOf(root.open("y"));
    expect(e).toBeInstanceOf(MetadataError);
    expect((e as MetadataError).key).toBe("zarr.json");
    expect((e as MetadataError).message).toMatch(/"y\/"/);
    expect((e as MetadataError).issues[0]!.field).toBe('consolidated_metadata.metadata["y/"]');
    expect(await errorOf(root.open("z"))).toBeInstanceOf(MetadataError);
    // `.`/`..` names cannot be asked for: the path itself is invalid, named in the error.
    const dots = await openGroup(v3Consolidated({ "..": array, ok: array }));
    const e2 = await errorOf(dots.open(".."));
    expect(e2).toBeInstanceOf(InvalidPathError);
    expect((e2 as InvalidPathError).path).toBe("..");
    expect((await dots.members()).size).toBe(1);
  });

  it("an invalid entry's document is not parsed (a broken one does not break the group)", async () => {
    const root = await openGroup(v3Consolidated({ "a//b": { nonsense: true }, ok: array }));
    expect([...(await root.members()).keys()]).toEqual(["ok"]);
  });

  it("invalid names below a child group are reported when opening through it", async () => {
    const root = await openGroup(v3Consolidated({ g: group, "g/h/": array, "g//k": array }));
    const g = (await root.open("g")) as ZarrGroup;
    expect(g.metadata.invalidMembers?.map((m) => m.name)).toEqual(["h/", "/k"]);
    expect(await errorOf(g.open("h"))).toBeInstanceOf(MetadataError);
    expect(await errorOf(g.open("k"))).toBeInstanceOf(MetadataError);
    expect((await g.members()).size).toBe(0);
  });

  it("v2 .zmetadata: invalid entry paths are reported on that entry only", async () => {
    const root = await openGroup(
      v2Consolidated({
        "ok/.zarray": v2Array,
        "../.zarray": v2Array,
        "./.zgroup": { zarr_format: 2 },
        "/.zgroup": { zarr_format: 2 },
        "a//b/.zarray": v2Array,
        "c//.zarray": v2Array,
      }),
    );
    expect([...(await root.members()).keys()]).toEqual(["ok"]);
    expect(names(await root.tree())).toEqual(["ok"]);
    expect(root.metadata.invalidMembers?.map((m) => m.name).sort()).toEqual(
      ["", ".", "..", "a//b", "c/"].sort(),
    );
    const e = await errorOf(root.open("a/b"));
    expect(e).toBeInstanceOf(MetadataError);
    expect((e as MetadataError).key).toBe(".zmetadata");
    expect((e as MetadataError).issues[0]!.field).toBe('metadata["a//b/.zarray"]');
    expect(await errorOf(root.open("c"))).toBeInstanceOf(MetadataError);
  });
});

/**
 * A store whose every group key holds a v3 group and whose listing of every prefix is
 * `listing(prefix)` (a hostile server, or a symlink loop).
 */
class ListingStore extends MemoryStore {
  readonly #listing: (prefix: string) => string[];
  constructor(listing: (prefix: string) => string[]) {
    super();
    this.#listing = listing;
  }
  override async get(key: string): Promise<Uint8Array | undefined> {
    return key.endsWith("zarr.json") ? enc(group) : undefined;
  }
  override async listDir(prefix = ""): Promise<DirListing> {
    return { keys: [], prefixes: this.#listing(prefix) };
  }
}

describe("store listings", () => {
  it('children named "", ".", ".." or with "/" are left out; the others are listed', async () => {
    const store = new ListingStore((prefix) => (prefix === "" ? ["", ".", "..", "a/b", "ok"] : []));
    const root = await openGroup(store, "", { zarrFormat: 3 });
    expect([...(await root.members()).keys()]).toEqual(["ok"]);
    expect(names(await root.tree())).toEqual(["ok"]);
  });

  it("a listing that never ends (every group has a child group) stops at maxDepth", async () => {
    const store = new ListingStore(() => ["loop"]);
    const root = await openGroup(store, "", { zarrFormat: 3 });
    const e = await errorOf(root.tree());
    expect(e).toBeInstanceOf(ZarrPlanError);
    expect((e as ZarrPlanError).code).toBe("ERR_TREE_DEPTH");
    expect((e as Error).message).toMatch(/deeper than maxDepth 64/);
    const e3 = (await errorOf(root.tree({ maxDepth: 3 }))) as ZarrPlanError;
    expect(e3.code).toBe("ERR_TREE_DEPTH");
    expect(e3.message).toContain('group "loop/loop/loop"');
  });

  it("maxDepth bounds the walk; a hierarchy within it is returned whole", async () => {
    const store = new MemoryStore();
    await createGroup(store, "a/b/c");
    const root = await openGroup(store);
    const t = await root.tree({ maxDepth: 3 });
    expect(names(t.children![0]!.children![0]!)).toEqual(["c"]);
    expect(((await errorOf(root.tree({ maxDepth: 2 }))) as ZarrPlanError).code).toBe(
      "ERR_TREE_DEPTH",
    );
    for (const bad of [-1, 1.5, Number.NaN, "3"]) {
      const e = await errorOf(root.tree({ maxDepth: bad as number }));
      expect(e).toBeInstanceOf(OptionsError);
      expect((e as OptionsError).issues[0]!.option).toBe("maxDepth");
    }
  });

  it("tree() stops when the signal aborts", async () => {
    const store = new ListingStore(() => ["loop"]);
    const root = await openGroup(store, "", { zarrFormat: 3 });
    const ac = new AbortController();
    ac.abort();
    expect(((await errorOf(root.tree({ signal: ac.signal }))) as ZarrPlanError).code).toBe(
      "ERR_ABORTED",
    );
  });
});

describe("node paths with . or ..", () => {
  const store = new MemoryStore();
  const paths = [".", "..", "a/..", "../a", "a/./b", "/a/../../b"];

  it("every entry point raises InvalidPathError (ERR_PATH) naming the path", async () => {
    await createGroup(store, "a");
    const root = await openGroup(store);
    const calls: ((p: string) => Promise<unknown>)[] = [
      (p) => open(store, p),
      (p) => openArray(store, p),
      (p) => openGroup(store, p),
      (p) => createArray(store, p, { shape: [1], dtype: "int8" }),
      (p) => createGroup(store, p),
      (p) => deleteNode(store, p),
      (p) => root.open(p),
      (p) => root.openArray(p),
      (p) => root.openGroup(p),
    ];
    for (const call of calls) {
      for (const p of paths) {
        const e = await errorOf(call(p));
        expect(e, p).toBeInstanceOf(InvalidPathError);
        expect((e as InvalidPathError).code).toBe("ERR_PATH");
        expect((e as InvalidPathError).path).toBe(p);
        expect((e as Error).message).toContain(JSON.stringify(p));
      }
    }
    expect(isGroup(await open(store, "/a/"))).toBe(true); // slashes still normalise
  });

  it("a path that is not a string is an InvalidPathError too", async () => {
    const e = await errorOf(open(store, 3 as unknown as string));
    expect(e).toBeInstanceOf(InvalidPathError);
    expect((e as Error).message).toMatch(/invalid node path 3/);
  });
});

describe("createArray / createGroup options", () => {
  /** [options (over a valid base), the option the error must name]. */
  const bad: [Record<string, unknown>, string][] = [
    [{ shape: "10" }, "shape"],
    [{ shape: [10, -1] }, "shape[1]"],
    [{ shape: [2.5] }, "shape[0]"],
    [{ shape: [Number.NaN] }, "shape[0]"],
    [{ shape: [10], chunks: [0] }, "chunks[0]"],
    [{ shape: [10], chunks: [2.5] }, "chunks[0]"],
    [{ shape: [10], chunks: [-5] }, "chunks[0]"],
    [{ shape: [10, 10], chunks: [5] }, "chunks"],
    [{ shape: [10], chunks: [4], shards: [6] }, "shards[0]"],
    [{ shape: [10], shards: [4] }, "shards[0]"],
    [{ shape: [10], chunks: [2], shards: [4, 4] }, "shards"],
    [{ dtype: "__proto__" }, "dtype"],
    [{ dtype: "toString" }, "dtype"],
    [{ dtype: "float128" }, "dtype"],
    [{ dtype: 3 }, "dtype"],
    [{ zarrFormat: 4 }, "zarrFormat"],
    [{ zarrFormat: "3" }, "zarrFormat"],
    [{ dtype: "bytes", bytesLength: 4 }, "dtype"],
    [{ dtype: "bytes", zarrFormat: 2 }, "bytesLength"],
    [{ dtype: "bytes", zarrFormat: 2, bytesLength: -1 }, "bytesLength"],
    [{ fillValue: "zero" }, "fillValue"],
    [{ dtype: "int8", fillValue: 1000 }, "fillValue"],
    [{ dtype: "uint8", fillValue: -1 }, "fillValue"],
    [{ dtype: "int32", fillValue: 0.5 }, "fillValue"],
    [{ dtype: "bool", fillValue: 1 }, "fillValue"],
    [{ fillValue: null }, "fillValue"],
    [{ compressor: "gzip" }, "compressor"],
    [{ compressor: { name: "" } }, "compressor.name"],
    [{ compressor: { id: "gzip" } }, "compressor.id"],
    [{ codecs: [] }, "codecs"],
    [{ filters: [{ name: "delta" }] }, "filters"],
    [{ order: "F" }, "order"],
    [{ order: "X", zarrFormat: 2 }, "order"],
    [{ codecs: [{ name: "bytes" }], zarrFormat: 2 }, "codecs"],
    [{ dimensionNames: ["x"], zarrFormat: 2 }, "dimensionNames"],
    [{ dimensionNames: ["x", "y"] }, "dimensionNames"],
    [{ dimensionNames: [3] }, "dimensionNames[0]"],
    [{ endian: "middle" }, "endian"],
    [{ indexLocation: "middle" }, "indexLocation"],
    [{ chunkKeyEncoding: { name: "default", separator: "-" } }, "chunkKeyEncoding.separator"],
    [
      { chunkKeyEncoding: { name: "default", separator: "/" }, zarrFormat: 2 },
      "chunkKeyEncoding.name",
    ],
    [{ attributes: [1, 2] }, "attributes"],
    [{ attributes: "x" }, "attributes"],
    [{ overwrite: "yes" }, "overwrite"],
    [{ signal: {} }, "signal"],
    [{ context: 1 }, "context"],
    [{ chunk: [2] }, "chunk"],
  ];

  it.each(bad)("%j → OptionsError naming %s; nothing is written", async (over, option) => {
    const store = new MemoryStore();
    const e = await errorOf(
      createArray(store, "g/a", { shape: [4], dtype: "int32", ...over } as never),
    );
    expect(e).toBeInstanceOf(OptionsError);
    const err = e as OptionsError;
    expect(err.code).toBe("ERR_OPTIONS");
    expect(err.call).toBe("createArray");
    expect(err.issues.map((i) => i.option)).toContain(option);
    expect(err.message).toContain(`${option}: `);
    expect(await store.list("")).toEqual([]);
  });

  it("every offending option is listed at once, with its value", async () => {
    const e = (await errorOf(
      createArray(new MemoryStore(), "a", { shape: [-1], dtype: "nope", zarrFormat: 4 } as never),
    )) as OptionsError;
    expect(e.issues.map((i) => [i.option, i.value])).toEqual([
      ["zarrFormat", 4],
      ["shape[0]", -1],
      ["dtype", "nope"],
    ]);
    expect(e.message).toMatch(/shape\[0\]: .*\(got -1\)/);
    expect(e.message).toMatch(/dtype: .*\(got "nope"\)/);
  });

  it("attributes that cannot be written as JSON are an OptionsError, before any write", async () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    for (const attributes of [circular, { deep }]) {
      const store = new MemoryStore();
      const e = await errorOf(createArray(store, "a", { shape: [1], dtype: "int8", attributes }));
      expect((e as OptionsError).issues[0]!.option).toBe("attributes");
      const g = await errorOf(createGroup(store, "g", { attributes }));
      expect((g as OptionsError).call).toBe("createGroup");
      expect(await store.list("")).toEqual([]);
    }
  });

  it("createGroup validates its options up front", async () => {
    for (const [over, option] of [
      [{ zarrFormat: 4 }, "zarrFormat"],
      [{ attributes: null }, "attributes"],
      [{ overwrite: 1 }, "overwrite"],
      [{ signal: { aborted: false } }, "signal"],
      [{ zarr_format: 2 }, "zarr_format"],
    ] as const) {
      const store = new MemoryStore();
      const e = await errorOf(createGroup(store, "a/b", over as never));
      expect(e, option).toBeInstanceOf(OptionsError);
      expect((e as OptionsError).issues.map((i) => i.option)).toEqual([option]);
      expect(await store.list("")).toEqual([]);
    }
  });

  it("valid options still create (v2 bytes, v3 sharded, null v2 fill, chunk key encodings)", async () => {
    const store = new MemoryStore();
    await createArray(store, "b", { shape: [3], dtype: "bytes", bytesLength: 4, zarrFormat: 2 });
    await createArray(store, "s", { shape: [8], chunks: [2], shards: [4], dtype: "uint16" });
    await createArray(store, "n", { shape: [2], dtype: "float32", zarrFormat: 2, fillValue: null });
    await createArray(store, "k", {
      shape: [2, 2],
      dtype: "int64",
      fillValue: 2n ** 62n,
      chunkKeyEncoding: { name: "v2", separator: "/" },
      dimensionNames: ["y", null],
      signal: new AbortController().signal,
    });
    expect((await openArray(store, "s")).shards).toEqual([4]);
    expect((await openArray(store, "k")).fillValue).toBe(2n ** 62n);
  });
});
