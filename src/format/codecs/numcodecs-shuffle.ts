/**
 * The numcodecs `shuffle` filter (`numcodecs.Shuffle`; v3 name `numcodecs.shuffle`): a byte
 * shuffle of the whole buffer taken as elements of `elementsize` bytes (byte `j` of element `i`
 * goes to `j * n + i`), the same transform as blosc's byte shuffle of one block. Configuration:
 * `elementsize` (bytes, default 4); `elementsize` ≤ 1 copies. A buffer that is not a whole number
 * of elements is refused, as numcodecs does.
 * @module
 */
import { CodecError } from "../../core/errors.js";
import type { CodecSpec } from "../model.js";
import { ceilingMessage, ceilingOf } from "./ceiling.js";
import { shuffleBytes, unshuffleBytes } from "./shuffle.js";
import type { BytesToBytesCodec, CodecContext } from "./types.js";
import { ConfigReader } from "./util.js";

const NAME = "numcodecs.shuffle";

class NumcodecsShuffleCodec implements BytesToBytesCodec {
  readonly kind = "bytes_to_bytes" as const;
  readonly name = NAME;
  constructor(readonly elementsize: number) {}

  /** Encoded size: unchanged (bytes). */
  encodedSize(decodedSize: number): number {
    return decodedSize;
  }

  private run(bytes: Uint8Array, ctx: CodecContext, decode: boolean): Uint8Array {
    const t = this.elementsize;
    if (t <= 1) return bytes.slice();
    if (bytes.length % t !== 0) {
      throw new CodecError(`${bytes.length} bytes is not a whole number of ${t}-byte elements`, {
        key: ctx.key,
        codec: NAME,
      });
    }
    const out = new Uint8Array(bytes.length);
    (decode ? unshuffleBytes : shuffleBytes)(bytes, 0, out, 0, bytes.length, t);
    return out;
  }

  async encode(bytes: Uint8Array, ctx: CodecContext): Promise<Uint8Array> {
    return this.run(bytes, ctx, false);
  }

  /**
   * @throws CodecError when the length is not a multiple of `elementsize`, or exceeds
   *   `ctx.maxDecodedBytes`.
   */
  async decode(bytes: Uint8Array, ctx: CodecContext): Promise<Uint8Array> {
    const ceiling = ceilingOf(ctx);
    if (ceiling !== undefined && bytes.length > ceiling) {
      throw new CodecError(ceilingMessage(ceiling, `got ${bytes.length}`), {
        key: ctx.key,
        codec: NAME,
      });
    }
    return this.run(bytes, ctx, true);
  }

  toJSON(): CodecSpec {
    return { name: NAME, configuration: { elementsize: this.elementsize } };
  }
}

/**
 * Factory of `numcodecs.shuffle`: `elementsize` 0…2^16 bytes (default 4).
 * @throws MetadataError naming `configuration.elementsize`.
 */
export function createNumcodecsShuffleCodec(
  configuration: Readonly<Record<string, unknown>>,
  _spec: unknown,
  metadataKey: string,
): NumcodecsShuffleCodec {
  const r = new ConfigReader(configuration, metadataKey, NAME);
  return new NumcodecsShuffleCodec(r.int("elementsize", 0, 65536, 4));
}
