/**
 * How much of a chunk a read needs decoded: a sparse selection (a few points, the first rows of a
 * chunk) reads elements up to some offset in C order and none after it, so a decoder that can
 * stop early (`CodecContext.decodedPrefix`: zstd with the native binding stops after the block
 * holding that offset) need not decode the rest.
 * @module
 */
import type { CodecPipeline } from "../../format/codecs/types.js";
import { lastChunkElement } from "../../index-space/partition.js";
import type { TaskUse } from "../../plan/optimize-types.js";

/**
 * The bytes of the bytes→bytes stage's result that the tasks `uses` read from one chunk decoded
 * by `pipeline`, when fewer than all of them: `(last element read + 1) × item size`. Only where
 * element `e` of the chunk (C order) is stored at bytes `[e·s, (e+1)·s)` of that result: no
 * array→array codec (`transpose` moves elements), the `bytes` codec (not `vlen-*`, not
 * sharding), a fixed-size data type that is not `string` (whose decode checks every element), and
 * at least one bytes→bytes codec (else nothing is decoded). `undefined` otherwise, or when the
 * tasks read the chunk's last element.
 */
export function decodedPrefixOf(
  pipeline: CodecPipeline,
  uses: readonly TaskUse[],
): number | undefined {
  if (
    pipeline.arrayToArray.length > 0 ||
    pipeline.arrayToBytes.name !== "bytes" ||
    pipeline.bytesToBytes.length === 0 ||
    pipeline.spec.dataType.name === "string"
  ) {
    return undefined;
  }
  const size = pipeline.bytesStage?.decodedSize;
  if (size === undefined) return undefined;
  let last = -1;
  for (const u of uses) last = Math.max(last, lastChunkElement(u.task));
  const bytes = (last + 1) * pipeline.spec.dataType.itemSize;
  return bytes > 0 && bytes < size ? bytes : undefined;
}
