/**
 * Inline consolidated metadata of a v3 group parsed from bytes or text is parsed when first read
 * (`consolidated`, `invalidMembers`), with the same result as parsing it at once (a document given
 * as an object, which the caller may change later, is parsed at once); spreads, JSON and reading
 * the group through the hierarchy see the same members.
 */
import { describe, expect, it } from "vitest";
import { MetadataError, UnsupportedDataTypeError } from "../../../src/core/errors.js";
import { parseV3 } from "../../../src/format/metadata/index.js";
import type { GroupMetadata } from "../../../src/format/model.js";
import { openGroup } from "../../../src/hierarchy/index.js";
import { MemoryStore } from "../../../src/store/memory.js";

const array = (shape: number[], dataType = "float32") => ({
  zarr_format: 3,
  node_type: "array",
  shape,
  data_type: dataType,
  chunk_grid: { name: "regular", configuration: { chunk_shape: shape.map(() => 4) } },
  chunk_key_encoding: { name: "default" },
  fill_value: 0,
  codecs: [{ name: "bytes", configuration: { endian: "little" } }],
  attributes: { n: shape.length },
});

/** A group with good members (nested too), a bad path, an invalid and an unsupported document. */
const DOC = {
  zarr_format: 3,
  node_type: "group",
  attributes: { title: "t" },
  consolidated_metadata: {
    kind: "inline",
    must_understand: false,
    metadata: {
      a: array([8, 8]),
      g: { zarr_format: 3, node_type: "group", attributes: {} },
      "g/b": array([3]),
      "x/": array([2]),
      bad: array([-1]),
      odd: array([2], "float128"),
    },
  },
};

const text = JSON.stringify(DOC);

function summary(g: GroupMetadata) {
  return {
    members: [...(g.consolidated ?? new Map()).entries()].map(([k, v]) => [k, v.nodeType]),
    nested: [...((g.consolidated?.get("g") as GroupMetadata | undefined)?.consolidated ?? [])].map(
      ([k]) => k,
    ),
    invalid: g.invalidMembers?.map((m) => [m.name, m.field, m.message, m.error?.constructor]),
  };
}

describe("consolidated metadata parsed when first read", () => {
  it("from bytes or text: accessors, with the members of parsing at once", () => {
    const eager = parseV3(DOC, "zarr.json") as GroupMetadata;
    expect(Object.getOwnPropertyDescriptor(eager, "consolidated")?.get).toBeUndefined();
    for (const doc of [text, new TextEncoder().encode(text)]) {
      const lazy = parseV3(doc, "zarr.json") as GroupMetadata;
      expect(typeof Object.getOwnPropertyDescriptor(lazy, "consolidated")?.get).toBe("function");
      expect(lazy.attributes).toEqual({ title: "t" });
      expect(summary(lazy)).toEqual(summary(eager));
      // Read twice: the same objects (parsed once).
      expect(lazy.consolidated).toBe(lazy.consolidated);
      expect(lazy.invalidMembers).toBe(lazy.invalidMembers);
    }
    const s = summary(eager);
    expect(s.members).toEqual([
      ["a", "array"],
      ["g", "group"],
      ["g/b", "array"],
    ]);
    expect(s.nested).toEqual(["b"]);
    expect(s.invalid?.map(([name, , , kind]) => [name, kind])).toEqual([
      ["x/", undefined],
      ["bad", MetadataError],
      ["odd", UnsupportedDataTypeError],
    ]);
  });

  it("spreads and JSON see the members; a group without invalid members has none", () => {
    const lazy = parseV3(text, "zarr.json") as GroupMetadata;
    const copy = { ...lazy };
    expect(Object.getOwnPropertyDescriptor(copy, "consolidated")?.get).toBeUndefined();
    expect(copy.consolidated).toBe(lazy.consolidated);
    expect(JSON.parse(JSON.stringify({ ...lazy, consolidated: undefined }))).toMatchObject({
      nodeType: "group",
      attributes: { title: "t" },
    });
    const clean = parseV3(
      JSON.stringify({
        ...DOC,
        consolidated_metadata: { ...DOC.consolidated_metadata, metadata: { a: array([8, 8]) } },
      }),
      "zarr.json",
    ) as GroupMetadata;
    expect(clean.invalidMembers).toBeUndefined();
    expect(clean.consolidated?.size).toBe(1);
  });

  it("a group opened from a store serves its members and their errors", async () => {
    const store = new MemoryStore();
    await store.set("zarr.json", new TextEncoder().encode(text));
    const root = await openGroup(store);
    expect([...(await root.members()).keys()].sort()).toEqual(["a", "g"]);
    const a = await root.open("a");
    expect(a.kind === "array" && a.shape).toEqual([8, 8]);
    await expect(root.open("odd")).rejects.toBeInstanceOf(UnsupportedDataTypeError);
    await expect(root.open("bad")).rejects.toBeInstanceOf(MetadataError);
  });
});
