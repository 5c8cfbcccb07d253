/**
 * A checker of Zarr v3 array metadata documents against the required fields of the v3 core
 * specification ("Array metadata") and of the codec specifications (bytes, transpose, gzip,
 * zstd, blosc, crc32c, sharding_indexed; `numcodecs.*` as registered by zarr-extensions),
 * written independently of zarr-plan's parser: a document it passes has every field a strict
 * reader (tensorstore) requires.
 */

/** The core data types, and bfloat16 (zarr-extensions; tensorstore reads it). */
const CORE_DATA_TYPES = new Set([
  "bfloat16",
  "bool",
  "int8",
  "int16",
  "int32",
  "int64",
  "uint8",
  "uint16",
  "uint32",
  "uint64",
  "float16",
  "float32",
  "float64",
  "complex64",
  "complex128",
]);

const ITEM_SIZE: Record<string, number> = {
  bool: 1,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  float16: 2,
  bfloat16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  int64: 8,
  uint64: 8,
  float64: 8,
  complex64: 8,
  complex128: 16,
};

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isIntList = (v: unknown, min: number): v is number[] =>
  Array.isArray(v) && v.every((x) => Number.isInteger(x) && x >= min);

/** Required configuration members of each codec (v3 codec specs; numcodecs.zlib: `level`). */
const REQUIRED: Record<string, readonly string[]> = {
  transpose: ["order"],
  gzip: ["level"],
  zstd: ["level", "checksum"],
  blosc: ["cname", "clevel", "shuffle", "typesize", "blocksize"],
  crc32c: [],
  sharding_indexed: ["chunk_shape", "codecs", "index_codecs", "index_location"],
  "numcodecs.zlib": ["level"],
  bytes: [],
  "vlen-utf8": [],
  "vlen-bytes": [],
};

function codecIssues(codecs: unknown, itemSize: number, where: string, out: string[]): void {
  if (!Array.isArray(codecs) || codecs.length === 0) {
    out.push(`${where}: expected a non-empty list`);
    return;
  }
  codecs.forEach((c: unknown, i) => {
    const at = `${where}[${i}]`;
    if (!isObj(c) || typeof c.name !== "string") {
      out.push(`${at}: expected {name, configuration}`);
      return;
    }
    const required = REQUIRED[c.name];
    if (required === undefined) {
      out.push(`${at}: codec name ${JSON.stringify(c.name)} is in no registry`);
      return;
    }
    const conf = c.configuration;
    if (conf !== undefined && !isObj(conf)) out.push(`${at}.configuration: expected an object`);
    const config = isObj(conf) ? conf : {};
    for (const k of required) {
      if (!Object.hasOwn(config, k)) out.push(`${at}.configuration.${k}: required, missing`);
    }
    if (c.name === "bytes" && itemSize > 1 && !["little", "big"].includes(String(config.endian))) {
      out.push(`${at}.configuration.endian: required for a ${itemSize}-byte data type`);
    }
    if (
      c.name === "blosc" &&
      !["noshuffle", "shuffle", "bitshuffle"].includes(String(config.shuffle))
    ) {
      out.push(`${at}.configuration.shuffle: not a v3 shuffle name`);
    }
    if (c.name === "sharding_indexed") {
      if (!["start", "end"].includes(String(config.index_location))) {
        out.push(`${at}.configuration.index_location: expected "start" or "end"`);
      }
      codecIssues(config.codecs, itemSize, `${at}.configuration.codecs`, out);
      codecIssues(config.index_codecs, 8, `${at}.configuration.index_codecs`, out);
    }
  });
}

function floatFillOk(v: unknown): boolean {
  return (
    typeof v === "number" ||
    v === "NaN" ||
    v === "Infinity" ||
    v === "-Infinity" ||
    (typeof v === "string" && /^0x[0-9a-fA-F]+$/.test(v))
  );
}

/** Every way `doc` (a parsed v3 array `zarr.json`) falls short of the specs; `[]` when none. */
export function v3ArrayIssues(doc: unknown): string[] {
  const out: string[] = [];
  if (!isObj(doc)) return ["document: expected an object"];
  if (doc.zarr_format !== 3) out.push("zarr_format: expected 3");
  if (doc.node_type !== "array") out.push('node_type: expected "array"');
  if (!isIntList(doc.shape, 0)) out.push("shape: expected non-negative integers");
  const ndim = Array.isArray(doc.shape) ? doc.shape.length : -1;
  let dt = doc.data_type;
  let itemSize: number | undefined;
  if (isObj(dt) && (dt.name === "numpy.datetime64" || dt.name === "numpy.timedelta64")) {
    // zarr-extensions: configuration {unit, scale_factor}, both required, nothing else.
    const c = dt.configuration;
    const units = [
      "Y",
      "M",
      "W",
      "D",
      "h",
      "m",
      "s",
      "ms",
      "us",
      "μs",
      "ns",
      "ps",
      "fs",
      "as",
      "generic",
    ];
    if (
      !isObj(c) ||
      !units.includes(String(c.unit)) ||
      !Number.isInteger(c.scale_factor) ||
      (c.scale_factor as number) < 1 ||
      Object.keys(c).length !== 2
    ) {
      out.push("data_type.configuration: expected {unit, scale_factor}");
    }
    dt = "time";
    itemSize = 8;
  } else if (isObj(dt) && dt.name === "fixed_length_utf32") {
    // zarr-extensions: configuration {length_bytes}, a multiple of 4.
    const c = dt.configuration;
    const n = isObj(c) ? c.length_bytes : undefined;
    if (
      !isObj(c) ||
      !Number.isInteger(n) ||
      (n as number) % 4 !== 0 ||
      Object.keys(c).length !== 1
    ) {
      out.push("data_type.configuration: expected {length_bytes: a multiple of 4}");
    }
    dt = "text";
    itemSize = 4;
  } else if (dt === "string" || dt === "variable_length_bytes") {
    // zarr-extensions / zarr-python 3: serialised by vlen-utf8 / vlen-bytes only.
    const want = dt === "string" ? "vlen-utf8" : "vlen-bytes";
    const codecs = Array.isArray(doc.codecs) ? (doc.codecs as unknown[]) : [];
    const inner = (list: unknown[]): boolean =>
      list.some(
        (c) =>
          isObj(c) &&
          (c.name === want ||
            (c.name === "sharding_indexed" &&
              isObj(c.configuration) &&
              Array.isArray(c.configuration.codecs) &&
              inner(c.configuration.codecs))),
      );
    if (!inner(codecs)) out.push(`codecs: ${dt} needs the ${want} codec`);
    if (dt === "string") dt = "text";
  } else if (typeof dt === "string" && /^r[1-9]\d*$/.test(dt) && Number(dt.slice(1)) % 8 === 0) {
    itemSize = Number(dt.slice(1)) / 8;
  } else if (typeof dt !== "string" || !CORE_DATA_TYPES.has(dt)) {
    out.push("data_type: not a known name");
  }
  const grid = doc.chunk_grid;
  if (!isObj(grid) || grid.name !== "regular" || !isObj(grid.configuration)) {
    out.push("chunk_grid: expected {name: regular, configuration}");
  } else {
    const cs = grid.configuration.chunk_shape;
    if (!isIntList(cs, 1) || cs.length !== ndim) out.push("chunk_grid.configuration.chunk_shape");
  }
  const cke = doc.chunk_key_encoding;
  if (!isObj(cke) || !["default", "v2"].includes(String(cke.name))) {
    out.push("chunk_key_encoding: expected {name: default | v2}");
  } else if (
    isObj(cke.configuration) &&
    ![undefined, "/", "."].includes(cke.configuration.separator as string)
  ) {
    out.push("chunk_key_encoding.configuration.separator");
  }
  if (!Object.hasOwn(doc, "fill_value")) out.push("fill_value: required, missing");
  else if (typeof dt === "string") {
    const f = doc.fill_value;
    const ok =
      dt === "text"
        ? typeof f === "string"
        : dt === "variable_length_bytes"
          ? (typeof f === "string" && /^[A-Za-z0-9+/]*={0,2}$/.test(f)) || Array.isArray(f)
          : dt === "time"
            ? f === "NaT" || (typeof f === "number" && Number.isInteger(f)) || typeof f === "bigint"
            : /^r\d+$/.test(dt)
              ? Array.isArray(f) && f.length === itemSize && f.every((b) => Number.isInteger(b))
              : dt === "bool"
                ? typeof f === "boolean"
                : dt.startsWith("float") || dt === "bfloat16"
                  ? floatFillOk(f)
                  : dt.startsWith("complex")
                    ? Array.isArray(f) && f.length === 2 && f.every(floatFillOk)
                    : (typeof f === "number" && Number.isInteger(f)) || typeof f === "bigint";
    if (!ok) out.push(`fill_value: ${String(f)} is not a permitted ${dt} fill value`);
  }
  // Raw bits have no byte order: their bytes codec needs no endian.
  // Fixed-length strings are 4-byte code units: their bytes codec needs an endian.
  const entry =
    dt === "time"
      ? 8
      : dt === "text"
        ? (itemSize ?? 1)
        : /^r\d+$/.test(String(dt))
          ? 1
          : (ITEM_SIZE[String(dt)] ?? 1);
  codecIssues(doc.codecs, entry, "codecs", out);
  if (Object.hasOwn(doc, "attributes") && !isObj(doc.attributes)) out.push("attributes");
  if (Object.hasOwn(doc, "dimension_names")) {
    const dn = doc.dimension_names;
    if (!Array.isArray(dn) || dn.length !== ndim) out.push("dimension_names");
  }
  return out;
}
