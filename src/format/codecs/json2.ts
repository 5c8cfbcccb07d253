/**
 * The `json2` object codec of Zarr v2 `|O` arrays (numcodecs `JSON`, id `json2`), for string
 * data: the chunk is the UTF-8 JSON text of a list holding the elements nested by dimension
 * (NumPy `tolist()`; one element for a 0-d chunk), then the NumPy dtype string, then the shape:
 * `[["a","b"],["c","d"],"|O",[2,2]]`. Non-ASCII characters are written as `\uXXXX` escapes and
 * separators are compact, as numcodecs' defaults (`ensure_ascii`, `separators: [",", ":"]`) write
 * them. Only string elements are read; other JSON values are refused.
 * @module
 */

import { isVariableLength } from "../../core/dtype.js";
import { CodecError, MetadataError } from "../../core/errors.js";
import { cStrides, type NDArray, shapeSize } from "../../core/ndarray.js";
import type { CodecSpec } from "../model.js";
import { MAX_VARIABLE_LENGTH_CHUNK_BYTES } from "./ceiling.js";
import type { ArrayToBytesCodec, ChunkSpec, CodecContext } from "./types.js";
import { ConfigReader, cOrderData } from "./util.js";

/** `s` as a JSON string literal with every non-ASCII UTF-16 unit escaped (Python's `ensure_ascii`). */
function asciiJson(s: string): string {
  return JSON.stringify(s).replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

class Json2Codec implements ArrayToBytesCodec {
  readonly kind = "array_to_bytes" as const;
  readonly name: string;
  readonly #config: Readonly<Record<string, unknown>>;

  constructor(name: string, config: Readonly<Record<string, unknown>>) {
    this.name = name;
    this.#config = config;
  }

  /** Serialises `a` (any strides) as numcodecs' `JSON.encode` does for a `|O` array of strings. */
  async encode(a: NDArray, spec: ChunkSpec, ctx: CodecContext): Promise<Uint8Array> {
    const data = cOrderData(a) as unknown as readonly unknown[];
    const shape = spec.shape;
    let k = 0;
    const nest = (d: number): string => {
      if (d === shape.length) {
        const v = data[k++];
        if (typeof v !== "string") {
          throw new CodecError(`element ${k - 1} is not a string`, {
            key: ctx.key,
            codec: this.name,
          });
        }
        return asciiJson(v);
      }
      const parts: string[] = [];
      for (let i = 0; i < shape[d]!; i++) parts.push(nest(d + 1));
      return `[${parts.join(",")}]`;
    };
    const items: string[] = [];
    if (shape.length === 0) items.push(nest(0));
    else for (let i = 0; i < shape[0]!; i++) items.push(nest(1));
    items.push('"|O"', `[${shape.join(",")}]`);
    return new TextEncoder().encode(`[${items.join(",")}]`);
  }

  /**
   * Deserialises a chunk of `spec.shape`.
   * @throws CodecError naming the key for text that is not UTF-8 JSON, a trailing shape other
   *   than the chunk shape, nesting that does not match it, or an element that is not a string.
   */
  async decode(bytes: Uint8Array, spec: ChunkSpec, ctx: CodecContext): Promise<NDArray> {
    const fail = (message: string, cause?: unknown): never => {
      throw new CodecError(message, { key: ctx.key, codec: this.name, cause });
    };
    let doc: unknown;
    try {
      doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    } catch (e) {
      fail("chunk is not UTF-8 JSON", e);
    }
    if (!Array.isArray(doc) || doc.length < 2) {
      return fail("expected a JSON list [items…, dtype, shape]");
    }
    const shape = doc[doc.length - 1] as unknown;
    const want = spec.shape;
    if (
      !Array.isArray(shape) ||
      shape.length !== want.length ||
      shape.some((s, i) => s !== want[i])
    ) {
      fail(`stored shape ${JSON.stringify(shape)} is not the chunk shape [${want.join(", ")}]`);
    }
    if (typeof doc[doc.length - 2] !== "string") fail("the dtype entry is not a string");
    const items = doc.slice(0, -2);
    const n = shapeSize(want);
    const out: string[] = new Array(n);
    let k = 0;
    const walk = (v: unknown, d: number): void => {
      if (d === want.length) {
        if (typeof v !== "string") fail(`element ${k} is ${JSON.stringify(v)}, not a string`);
        out[k++] = v as string;
        return;
      }
      if (!Array.isArray(v) || v.length !== want[d]) {
        fail(`nesting at depth ${d} does not match the chunk shape [${want.join(", ")}]`);
      }
      for (const x of v as unknown[]) walk(x, d + 1);
    };
    if (want.length === 0) {
      if (items.length !== 1) fail(`a 0-d chunk holds 1 item, got ${items.length}`);
      walk(items[0], 0);
    } else walk(items, 0);
    return {
      data: out as unknown as NDArray["data"],
      shape: [...want],
      strides: cStrides(want),
      dtype: spec.dataType,
    };
  }

  /** The codec in metadata form, with the configuration it was read with. */
  /**
   * The decode ceiling of the codecs after this one: {@link MAX_VARIABLE_LENGTH_CHUNK_BYTES}
   * (variable-length chunks state no size).
   */
  maxEncodedSize(_spec: ChunkSpec): number {
    return MAX_VARIABLE_LENGTH_CHUNK_BYTES;
  }

  toJSON(): CodecSpec {
    return { name: this.name, configuration: { ...this.#config } };
  }
}

/**
 * Factory of the `json2` object codec (`numcodecs.json2`). The data type must be the
 * variable-length `string`; `encoding`, when given, must be `"utf-8"`.
 * @throws MetadataError for another data type or encoding.
 */
export function json2Factory(name: string) {
  return (config: Readonly<Record<string, unknown>>, spec: ChunkSpec, metadataKey: string) => {
    const r = new ConfigReader(config, metadataKey, name);
    if (r.has("encoding")) r.oneOf("encoding", ["utf-8", "utf8"]);
    const dt = spec.dataType;
    if (dt.name !== "string" || !isVariableLength(dt)) {
      throw new MetadataError(metadataKey, [
        { field: "name", message: `the ${name} codec reads string data, not ${dt.name}` },
      ]);
    }
    return new Json2Codec(name, config);
  };
}
