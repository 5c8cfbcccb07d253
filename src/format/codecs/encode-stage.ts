/**
 * The bytes→bytes half of encoding a chunk: what a pipeline's `encodeBytes` does, and what a
 * decode worker (`src/exec/decode-worker.ts`) does with an encode request, so that both give the
 * same bytes and the same errors.
 * @module
 */
import type { BytesToBytesCodec, CodecContext } from "./types.js";
import { toCodecError } from "./util.js";

/**
 * Runs the encoders of `codecs` (metadata order: compression, then checksums) on `bytes`.
 * Returns `bytes` itself when `codecs` is empty; the result may share memory with `bytes`.
 * @throws CodecError naming `ctx.key` and the failing codec (any error a codec throws is turned
 *   into one; other `ZarrPlanError`s stay themselves).
 */
export async function encodeBytesStage(
  codecs: readonly BytesToBytesCodec[],
  bytes: Uint8Array,
  ctx: CodecContext,
): Promise<Uint8Array> {
  let b = bytes;
  for (const c of codecs) {
    try {
      b = await c.encode(b, ctx);
    } catch (e) {
      throw toCodecError(e, ctx.key, c.name);
    }
  }
  return b;
}
