import { describe, expect, it } from "vitest";
import { chunkCount } from "../../../src/format/chunk-grid.js";
import { chunkKey, parseChunkKey } from "../../../src/format/chunk-key.js";
import {
  encodeJson,
  parseV2Array,
  parseV2Attrs,
  parseV2Consolidated,
  parseV2Group,
  parseV3,
  toV2ConsolidatedJson,
  toV2GroupJson,
  toV2Json,
  toV3Json,
} from "../../../src/format/metadata/index.js";
import type { ArrayMetadata, GroupMetadata, NodeMetadata } from "../../../src/format/model.js";
import {
  DATASETS,
  type ManifestArray,
  manifest,
  mustRead,
  nodeKey,
  readDoc,
  readJson,
} from "./fixtures.js";

const V2_NAMES: Record<string, string> = {
  b1: "bool",
  i1: "int8",
  i2: "int16",
  i4: "int32",
  i8: "int64",
  u1: "uint8",
  u2: "uint16",
  u4: "uint32",
  u8: "uint64",
  f2: "float16",
  f4: "float32",
  f8: "float64",
  c8: "complex64",
  c16: "complex128",
};

/** Data type name for the manifest's `data_type` spelling (v3 name or v2 typestr). */
function dataTypeName(a: ManifestArray): string {
  if (a.zarr_format === 3) return a.data_type;
  const code = a.data_type.slice(1);
  return code.startsWith("S") ? "bytes" : V2_NAMES[code]!;
}

function floatWord(v: unknown): number {
  if (v === "NaN") return Number.NaN;
  if (v === "Infinity") return Number.POSITIVE_INFINITY;
  if (v === "-Infinity") return Number.NEGATIVE_INFINITY;
  return v as number;
}

/** The fill value the manifest's spelling stands for, decoded independently of the parser. */
function expectedFill(a: ManifestArray): unknown {
  const name = dataTypeName(a);
  const fv = a.fill_value;
  if (name === "bytes") {
    const n = Number(a.data_type.slice(2));
    const out = new Uint8Array(n);
    if (typeof fv === "string") out.set(Buffer.from(fv, "base64"));
    return out;
  }
  if (fv === null) {
    if (name === "bool") return false;
    if (name.endsWith("64") && name.includes("int")) return 0n;
    if (name.startsWith("complex")) return [0, 0];
    return 0;
  }
  if (name.startsWith("complex")) return (fv as unknown[]).map(floatWord);
  if (name === "int64" || name === "uint64") return BigInt(fv as number);
  if (name.startsWith("float")) return floatWord(fv);
  return fv;
}

function parseFixtureArray(a: ManifestArray): ArrayMetadata {
  if (a.zarr_format === 3) {
    const meta = parseV3(mustRead(a.store, nodeKey(a.path, "zarr.json")), "zarr.json");
    expect(meta.nodeType).toBe("array");
    return meta as ArrayMetadata;
  }
  const attrsBytes = readDoc(a.store, nodeKey(a.path, ".zattrs"));
  const attrs = attrsBytes ? parseV2Attrs(attrsBytes, ".zattrs") : undefined;
  return parseV2Array(mustRead(a.store, nodeKey(a.path, ".zarray")), ".zarray", attrs);
}

/** v3 codec names in a manifest codec summary such as `bytes(endian="little"); zstd(level=0)`. */
function summaryNames(a: ManifestArray): string[] {
  return a.codecs.map((c) => /^[\w.]+/.exec(c)![0]);
}

describe("fixtures: every array of manifest.json parses to the expected model", () => {
  it("lists the expected number of arrays and groups", () => {
    expect(manifest.arrays.length).toBe(176);
    expect(manifest.groups.length).toBe(21);
  });

  for (const a of manifest.arrays) {
    it(a.id, () => {
      const meta = parseFixtureArray(a);
      expect(meta.zarrFormat).toBe(a.zarr_format);
      expect(meta.shape).toEqual(a.shape);
      expect(meta.chunkShape).toEqual(a.chunks);
      expect(meta.dataType.name).toBe(dataTypeName(a));
      expect(meta.fillValue).toEqual(expectedFill(a));
      expect(meta.chunkKeyEncoding).toEqual(a.chunk_key_encoding);
      const zeros = a.shape.map(() => 0);
      if (a.first_chunk_key !== null) {
        expect(chunkKey(meta.chunkKeyEncoding, zeros)).toBe(a.first_chunk_key);
        expect(parseChunkKey(meta.chunkKeyEncoding, a.first_chunk_key, a.shape.length)).toEqual(
          zeros,
        );
      }
      expect(chunkCount(meta.shape, meta.chunkShape)).toBe(a.chunk_count);
      for (const k of a.missing_chunk_keys) {
        const coords = parseChunkKey(meta.chunkKeyEncoding, k, a.shape.length);
        expect(coords, k).toBeDefined();
        expect(chunkKey(meta.chunkKeyEncoding, coords!)).toBe(k);
      }
      expect(meta.attributes).toEqual(a.attributes);
      expect(meta.dimensionNames).toEqual(a.dimension_names);
      if (a.sharding) {
        expect(meta.codecs[0]?.name).toBe("sharding_indexed");
        expect(meta.codecs[0]?.configuration?.chunk_shape).toEqual(a.sharding.chunk_shape);
      }
      if (a.zarr_format === 3) {
        if (!a.sharding) expect(meta.codecs.map((c) => c.name)).toEqual(summaryNames(a));
        expect(meta.v2DType).toBeUndefined();
      } else {
        expect(meta.v2DType).toBe(a.data_type);
        expect(meta.order).toBe(a.order);
        expect(meta.fillValueIsNull).toBe(a.fill_value === null);
        const names = meta.codecs.map((c) => c.name);
        const expected = [
          ...(a.order === "F" ? ["transpose"] : []),
          "bytes",
          ...a.codecs.map((c) => `numcodecs.${/^(?:filter|compressor):(\w+)/.exec(c)![1]}`),
        ];
        expect(names).toEqual(expected);
        const bytes = meta.codecs[a.order === "F" ? 1 : 0]!;
        const endian = a.data_type.startsWith(">")
          ? "big"
          : a.data_type.startsWith("<")
            ? "little"
            : undefined;
        expect(bytes.configuration?.endian).toBe(endian);
      }
    });
  }
});

describe("fixtures: round trips parse(write(parse(doc))) are exact", () => {
  for (const a of manifest.arrays) {
    it(a.id, () => {
      const meta = parseFixtureArray(a);
      if (a.zarr_format === 3) {
        const json = toV3Json(meta);
        expect(parseV3(json, "zarr.json")).toEqual(meta);
        expect(parseV3(encodeJson(json), "zarr.json")).toEqual(meta);
      } else {
        const { zarray, zattrs } = toV2Json(meta);
        expect(parseV2Array(zarray, ".zarray", zattrs)).toEqual(meta);
        expect(
          parseV2Array(encodeJson(zarray), ".zarray", parseV2Attrs(encodeJson(zattrs), ".zattrs")),
        ).toEqual(meta);
      }
    });
  }
});

describe("fixtures: the writers reproduce the documents zarr-python and tensorstore wrote", () => {
  for (const a of manifest.arrays) {
    it(a.id, () => {
      const meta = parseFixtureArray(a);
      if (a.zarr_format === 3) {
        const original = readJson(a.store, nodeKey(a.path, "zarr.json"));
        // Normalisations: the writer omits an empty storage_transformers list, always writes the
        // chunk key separator and the attributes object (tensorstore omits them).
        if (Array.isArray(original.storage_transformers)) delete original.storage_transformers;
        original.chunk_key_encoding = {
          name: a.chunk_key_encoding.name,
          configuration: { separator: a.chunk_key_encoding.separator },
        };
        original.attributes ??= {};
        original.codecs = (original.codecs as unknown[]).map((c) =>
          typeof c === "string" ? { name: c } : c,
        );
        expect(toV3Json(meta)).toEqual(original);
      } else {
        const original = readJson(a.store, nodeKey(a.path, ".zarray"));
        original.dimension_separator ??= ".";
        // zarr-python writes the default |S8 fill value as "" (meaning 8 zero bytes).
        if (original.fill_value === "") original.fill_value = "AAAAAAAAAAA=";
        expect(toV2Json(meta).zarray).toEqual(original);
      }
    });
  }
});

describe("fixtures: groups", () => {
  for (const g of manifest.groups) {
    const id = `${g.store}${g.path ? `/${g.path}` : ""}`;
    it(id, () => {
      let meta: NodeMetadata;
      if (g.zarr_format === 3) {
        meta = parseV3(mustRead(g.store, nodeKey(g.path, "zarr.json")), "zarr.json");
      } else {
        const attrs = readDoc(g.store, nodeKey(g.path, ".zattrs"));
        meta = parseV2Group(
          mustRead(g.store, nodeKey(g.path, ".zgroup")),
          ".zgroup",
          attrs ? parseV2Attrs(attrs, ".zattrs") : undefined,
        );
      }
      expect(meta.nodeType).toBe("group");
      expect(meta.zarrFormat).toBe(g.zarr_format);
      expect(meta.attributes).toEqual(g.attributes);
      const group = meta as GroupMetadata;
      if (g.zarr_format === 3) {
        expect(parseV3(toV3Json(group), "zarr.json")).toEqual(group);
      } else {
        const { zgroup, zattrs } = toV2GroupJson(group);
        expect(parseV2Group(encodeJson(zgroup), ".zgroup", zattrs)).toEqual(group);
      }
      if (g.consolidated === null) {
        expect(group.consolidated).toBeUndefined();
        return;
      }
      const root =
        g.zarr_format === 3
          ? group
          : parseV2Consolidated(mustRead(g.store, ".zmetadata"), ".zmetadata");
      expect(root.attributes).toEqual(g.attributes);
      const consolidated = root.consolidated!;
      expect(consolidated).toBeDefined();
      // Every array and group of this store is in the consolidated metadata and equals the
      // node parsed from its own document.
      for (const a of manifest.arrays.filter((x) => x.store === g.store)) {
        expect(consolidated.get(a.path), a.path).toEqual(parseFixtureArray(a));
      }
      for (const sub of manifest.groups.filter((x) => x.store === g.store && x.path !== "")) {
        const node = consolidated.get(sub.path) as GroupMetadata;
        expect(node.nodeType).toBe("group");
        expect(node.attributes).toEqual(sub.attributes);
        // Child groups expose their own descendants, keyed relative to themselves.
        for (const childName of [...sub.arrays, ...sub.groups]) {
          expect(node.consolidated?.get(childName)).toEqual(
            consolidated.get(`${sub.path}/${childName}`),
          );
        }
      }
      expect(consolidated.size).toBe(
        manifest.arrays.filter((x) => x.store === g.store).length +
          manifest.groups.filter((x) => x.store === g.store && x.path !== "").length,
      );
      // Round trips of the consolidated documents.
      if (g.zarr_format === 3) {
        expect(parseV3(encodeJson(toV3Json(root)), "zarr.json")).toEqual(root);
      } else {
        expect(parseV2Consolidated(encodeJson(toV2ConsolidatedJson(root)), ".zmetadata")).toEqual(
          root,
        );
      }
    });
  }
});

describe("EGM96 dataset", () => {
  it("parses the v3 store with inline consolidated metadata", () => {
    const root = parseV3(mustRead("egm96.zarr", "zarr.json", DATASETS), "zarr.json");
    expect(root.nodeType).toBe("group");
    const group = root as GroupMetadata;
    expect(group.attributes.Conventions).toBe("CF-1.8");
    const c = group.consolidated!;
    expect([...c.keys()]).toEqual([
      "geoid",
      "lat",
      "lon",
      "multiscale",
      "multiscale/0",
      "multiscale/1",
      "multiscale/2",
      "multiscale/3",
      "multiscale/4",
    ]);
    const geoid = c.get("geoid") as ArrayMetadata;
    expect(geoid.shape).toEqual([721, 1440]);
    expect(geoid.chunkShape).toEqual([180, 360]);
    expect(geoid.dataType.name).toBe("float32");
    expect(geoid.fillValue).toBeNaN();
    expect(geoid.dimensionNames).toEqual(["lat", "lon"]);
    expect(geoid.attributes).toMatchObject({ units: "m", _FillValue: "AAAAAAAA+H8=" });
    expect(geoid.codecs[0]?.name).toBe("sharding_indexed");
    expect(geoid.codecs[0]?.configuration?.chunk_shape).toEqual([45, 90]);
    expect(chunkCount(geoid.shape, geoid.chunkShape)).toBe(5 * 4);
    const lat = c.get("lat") as ArrayMetadata;
    expect(lat.shape).toEqual([721]);
    expect(lat.dataType.name).toBe("float64");
    const multiscale = c.get("multiscale") as GroupMetadata;
    expect([...multiscale.consolidated!.keys()]).toEqual(["0", "1", "2", "3", "4"]);
    const shapes = [
      [721, 1440],
      [360, 720],
      [180, 360],
      [90, 180],
      [45, 90],
    ];
    shapes.forEach((shape, level) => {
      const arr = multiscale.consolidated!.get(String(level)) as ArrayMetadata;
      expect(arr).toBe(c.get(`multiscale/${level}`));
      expect(arr.shape).toEqual(shape);
      expect(arr.chunkShape).toEqual([45, 90]);
      expect(arr.attributes.scale).toBe(2 ** level);
      expect(arr.codecs.map((x) => x.name)).toEqual(["bytes", "blosc"]);
    });
    // Consolidated entries equal the nodes' own documents.
    for (const [path, node] of c) {
      const own = parseV3(mustRead("egm96.zarr", `${path}/zarr.json`, DATASETS), "zarr.json");
      if (node.nodeType === "array") expect(node).toEqual(own);
      else expect(node.attributes).toEqual(own.attributes);
    }
    expect(parseV3(encodeJson(toV3Json(root)), "zarr.json")).toEqual(root);
  });

  it("parses the v2 store's .zmetadata", () => {
    const root = parseV2Consolidated(
      mustRead("egm96_v2.zarr", ".zmetadata", DATASETS),
      ".zmetadata",
    );
    expect(root.zarrFormat).toBe(2);
    expect(root.attributes.Conventions).toBe("CF-1.8");
    const c = root.consolidated!;
    expect([...c.keys()]).toEqual(["geoid", "lat", "lon"]);
    const geoid = c.get("geoid") as ArrayMetadata;
    expect(geoid.shape).toEqual([721, 1440]);
    expect(geoid.chunkShape).toEqual([90, 180]);
    expect(geoid.v2DType).toBe("<f4");
    expect(geoid.fillValue).toBeNaN();
    expect(geoid.fillValueIsNull).toBe(false);
    expect(geoid.attributes._ARRAY_DIMENSIONS).toEqual(["lat", "lon"]);
    expect(geoid.codecs).toEqual([
      { name: "bytes", configuration: { endian: "little" } },
      {
        name: "numcodecs.blosc",
        configuration: { cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 },
      },
    ]);
    expect(chunkKey(geoid.chunkKeyEncoding, [3, 3])).toBe("3.3");
    for (const [path, node] of c) {
      const own = parseV2Array(
        mustRead("egm96_v2.zarr", `${path}/.zarray`, DATASETS),
        ".zarray",
        parseV2Attrs(mustRead("egm96_v2.zarr", `${path}/.zattrs`, DATASETS), ".zattrs"),
      );
      expect(node).toEqual(own);
    }
    expect(parseV2Consolidated(toV2ConsolidatedJson(root), ".zmetadata")).toEqual(root);
  });
});
