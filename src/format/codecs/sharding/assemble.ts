/**
 * Shards from inner chunks already encoded: the stored bytes of each inner chunk (or nothing for
 * an empty one) laid out in C order of the inner grid, with the index at the start or the end.
 * Used by the sharding codec's `encode` and by writes that keep the stored bytes of inner chunks
 * they do not touch (no decode, no re-encode). Sharding codec specification, "Binary shard format".
 * @module
 */
import type { CodecContext, ShardLayout } from "../types.js";
import { encodeShardIndex, ShardIndex } from "./shard-index.js";

/**
 * The bytes of a shard holding `parts[i]` as inner chunk `i` (`undefined`: empty, left out of the
 * data and marked empty in the index), or `undefined` when every part is empty (a shard with no
 * inner chunk is not stored, as zarr-python does).
 * @param parts one entry per inner chunk of `layout` (`layout.innerChunkCount`).
 * @throws RangeError when `parts` has another length; CodecError from the index codecs.
 */
export async function assembleShard(
  layout: ShardLayout,
  parts: readonly (Uint8Array | undefined)[],
  ctx: CodecContext,
): Promise<Uint8Array | undefined> {
  const n = layout.innerChunkCount;
  if (parts.length !== n) {
    throw new RangeError(
      `shard "${ctx.key}": ${parts.length} inner chunks given, the layout has ${n}`,
    );
  }
  const L = layout.indexByteLength;
  const offsets = new Float64Array(n).fill(-1);
  const lengths = new Float64Array(n);
  let pos = layout.indexLocation === "start" ? L : 0;
  let stored = 0;
  for (let i = 0; i < n; i++) {
    const p = parts[i];
    if (!p) continue;
    offsets[i] = pos;
    lengths[i] = p.length;
    pos += p.length;
    stored++;
  }
  if (stored === 0) return undefined;
  const indexBytes = await encodeShardIndex(layout, new ShardIndex(offsets, lengths), ctx);
  const dataBytes = pos - (layout.indexLocation === "start" ? L : 0);
  const out = new Uint8Array(dataBytes + L);
  let at = 0;
  if (layout.indexLocation === "start") {
    out.set(indexBytes, 0);
    at = L;
  }
  for (const p of parts) {
    if (!p) continue;
    out.set(p, at);
    at += p.length;
  }
  if (layout.indexLocation === "end") out.set(indexBytes, at);
  return out;
}

/** A shard with every inner chunk empty: its index alone. @throws CodecError from the index codecs. */
export async function emptyShard(layout: ShardLayout, ctx: CodecContext): Promise<Uint8Array> {
  const n = layout.innerChunkCount;
  const empty = new ShardIndex(new Float64Array(n).fill(-1), new Float64Array(n));
  return encodeShardIndex(layout, empty, ctx);
}
