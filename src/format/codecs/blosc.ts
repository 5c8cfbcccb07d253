/**
 * The `blosc` bytes→bytes codec, as v3 `blosc` (Zarr v3 "blosc" codec specification: `cname`,
 * `clevel`, `shuffle` "noshuffle"/"shuffle"/"bitshuffle", `typesize`, `blocksize`) and v2
 * `numcodecs.blosc` (numcodecs `Blosc`: `shuffle` 0/1/2/-1, typesize = the item size of the
 * array's data type). The container is handled by {@link bloscCompress}/{@link bloscDecompress}.
 * @module
 */
import { CodecError } from "../../core/errors.js";
import type { CodecSpec } from "../model.js";
import {
  BLOSC_CNAMES,
  type BloscCname,
  type BloscShuffle,
  bloscCompress,
  bloscDecompress,
  bloscDecompressInto,
} from "./blosc-frame.js";
import { ceilingOf, compressedBound, DecodedSizeError } from "./ceiling.js";
import type { BytesToBytesCodec, ChunkSpec, CodecContext } from "./types.js";
import { ConfigReader, toCodecError } from "./util.js";

const V3_SHUFFLE = ["noshuffle", "shuffle", "bitshuffle"] as const;

/** Parameters of a blosc codec. */
interface BloscParams {
  cname: BloscCname;
  clevel: number;
  shuffle: BloscShuffle;
  /** Element size in bytes for the shuffle filters. */
  typesize: number;
  /** Block size in bytes; 0 = automatic. */
  blocksize: number;
}

/** blosc compression. `v2` selects the numcodecs JSON form of {@link toJSON}. */
class BloscCodec implements BytesToBytesCodec {
  readonly kind = "bytes_to_bytes" as const;
  readonly name: string;
  readonly params: Readonly<BloscParams>;
  private readonly v2Shuffle: number | undefined;

  constructor(params: BloscParams, name = "blosc", v2Shuffle?: number) {
    this.params = { ...params };
    this.name = name;
    this.v2Shuffle = v2Shuffle;
  }

  /** @throws CodecError when compression fails (e.g. cname "snappy", which cannot be encoded). */
  async encode(bytes: Uint8Array, ctx: CodecContext): Promise<Uint8Array> {
    try {
      return await bloscCompress(bytes, this.params);
    } catch (e) {
      throw toCodecError(e, ctx.key, this.name);
    }
  }

  /**
   * Decodes one blosc frame (any compressor and shuffle recorded in its header) under the
   * ceiling `ctx.maxDecodedBytes` ({@link bloscDecompress}).
   * @throws CodecError when the frame is truncated, corrupt or longer than its header's cbytes,
   *   or its header declares more than `ctx.maxDecodedBytes` (nbytes, checked before decoding).
   */
  async decode(bytes: Uint8Array, ctx: CodecContext): Promise<Uint8Array> {
    try {
      return await bloscDecompress(bytes, ceilingOf(ctx));
    } catch (e) {
      const m = e instanceof Error ? e.message : String(e);
      throw new CodecError(e instanceof DecodedSizeError ? m : `corrupt blosc data: ${m}`, {
        key: ctx.key,
        codec: this.name,
        cause: e,
      });
    }
  }

  /**
   * Decodes a frame declaring exactly `out.length` bytes straight into `out`; with
   * `ctx.decodedPrefix`, only the blocks holding that many leading bytes
   * ({@link bloscDecompressInto}). False when the frame declares another size (then use
   * {@link decode}, which says why).
   * @throws CodecError as {@link decode} for a frame truncated or corrupt within the part decoded.
   */
  async decodeInto(bytes: Uint8Array, out: Uint8Array, ctx: CodecContext): Promise<boolean> {
    try {
      return await bloscDecompressInto(bytes, out, ctx.decodedPrefix);
    } catch (e) {
      const m = e instanceof Error ? e.message : String(e);
      throw new CodecError(`corrupt blosc data: ${m}`, {
        key: ctx.key,
        codec: this.name,
        cause: e,
      });
    }
  }

  /** `undefined`: the encoded size depends on the data. */
  encodedSize(): undefined {
    return undefined;
  }

  /** Upper bound of the encoded size of `decodedSize` bytes: `compressedBound` (bytes). */
  maxEncodedSize(decodedSize: number): number {
    return compressedBound(decodedSize);
  }

  /** The codec in v3 metadata form: `{ name, configuration }`. */
  toJSON(): CodecSpec {
    const { cname, clevel, shuffle, typesize, blocksize } = this.params;
    if (this.v2Shuffle !== undefined) {
      return {
        name: this.name,
        configuration: { cname, clevel, shuffle: this.v2Shuffle, blocksize },
      };
    }
    return {
      name: this.name,
      configuration: { cname, clevel, shuffle: V3_SHUFFLE[shuffle], typesize, blocksize },
    };
  }
}

/**
 * Factory of v3 `blosc`. `cname` (default "zstd"), `clevel` 0–9 (default 5), `shuffle`
 * (default "noshuffle"), `typesize` ≥ 1 (default: the data type's item size), `blocksize` ≥ 0
 * (default 0).
 * @throws MetadataError naming the bad field.
 */
export function createBloscCodec(
  configuration: Readonly<Record<string, unknown>>,
  spec: ChunkSpec,
  metadataKey: string,
): BloscCodec {
  const r = new ConfigReader(configuration, metadataKey, "blosc");
  const shuffle = r.oneOf("shuffle", V3_SHUFFLE, "noshuffle");
  return new BloscCodec({
    cname: r.oneOf<BloscCname>("cname", BLOSC_CNAMES, "zstd"),
    clevel: r.int("clevel", 0, 9, 5),
    shuffle: V3_SHUFFLE.indexOf(shuffle) as BloscShuffle,
    typesize: r.int("typesize", 1, 2 ** 31 - 1, Math.max(1, spec.dataType.itemSize)),
    blocksize: r.int("blocksize", 0, 2 ** 31 - 1, 0),
  });
}

/**
 * Factory of v2 `numcodecs.blosc`. `cname` (default "lz4"), `clevel` 0–9 (default 5),
 * `shuffle` 0 none / 1 byte / 2 bit / −1 auto (bit shuffle for 1-byte items, else byte shuffle;
 * default 1), `blocksize` (default 0); typesize is the item size of the array's data type
 * (or an explicit `typesize`, which newer numcodecs versions may write).
 * @throws MetadataError naming the bad field.
 */
export function createNumcodecsBloscCodec(
  configuration: Readonly<Record<string, unknown>>,
  spec: ChunkSpec,
  metadataKey: string,
): BloscCodec {
  const r = new ConfigReader(configuration, metadataKey, "numcodecs.blosc");
  const typesize = r.int("typesize", 1, 2 ** 31 - 1, Math.max(1, spec.dataType.itemSize));
  const v2Shuffle = r.oneOf("shuffle", [-1, 0, 1, 2], 1);
  const shuffle = (v2Shuffle === -1 ? (typesize === 1 ? 2 : 1) : v2Shuffle) as BloscShuffle;
  return new BloscCodec(
    {
      cname: r.oneOf<BloscCname>("cname", BLOSC_CNAMES, "lz4"),
      clevel: r.int("clevel", 0, 9, 5),
      shuffle,
      typesize,
      blocksize: r.int("blocksize", 0, 2 ** 31 - 1, 0),
    },
    "numcodecs.blosc",
    v2Shuffle,
  );
}
