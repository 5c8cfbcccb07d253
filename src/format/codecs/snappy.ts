/**
 * A bounds-checked decoder of raw Snappy data (snappy "format_description.txt"), for blosc
 * frames whose internal compressor is snappy. (Snappy compression is not provided.)
 * @module
 */

/**
 * Decodes raw Snappy `src` into `dst[dstStart, dstEnd)`; returns the number of bytes written.
 * @throws Error when the data is malformed or does not fit.
 */
export function snappyDecode(
  src: Uint8Array,
  dst: Uint8Array,
  dstStart = 0,
  dstEnd: number = dst.length,
): number {
  const n = src.length;
  let ip = 0;
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    if (ip >= n || shift > 28) throw new Error("bad snappy length header");
    const b = src[ip++]!;
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  if (dstStart + length > dstEnd) throw new Error("snappy data overflows the output");
  const end = dstStart + length;
  let op = dstStart;
  while (ip < n) {
    const tag = src[ip++]!;
    const type = tag & 3;
    if (type === 0) {
      let len = (tag >>> 2) + 1;
      if (len > 60) {
        const nb = len - 60;
        if (ip + nb > n) throw new Error("truncated snappy literal");
        len = 0;
        for (let i = 0; i < nb; i++) len += src[ip + i]! * 2 ** (8 * i);
        len += 1;
        ip += nb;
      }
      if (ip + len > n || op + len > end) throw new Error("snappy literal out of bounds");
      dst.set(src.subarray(ip, ip + len), op);
      ip += len;
      op += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (type === 1) {
      if (ip >= n) throw new Error("truncated snappy copy");
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | src[ip++]!;
    } else if (type === 2) {
      if (ip + 2 > n) throw new Error("truncated snappy copy");
      len = (tag >>> 2) + 1;
      offset = src[ip]! | (src[ip + 1]! << 8);
      ip += 2;
    } else {
      if (ip + 4 > n) throw new Error("truncated snappy copy");
      len = (tag >>> 2) + 1;
      offset = (src[ip]! | (src[ip + 1]! << 8) | (src[ip + 2]! << 16) | (src[ip + 3]! << 24)) >>> 0;
      ip += 4;
    }
    if (offset === 0 || offset > op - dstStart || op + len > end)
      throw new Error("snappy copy out of bounds");
    let ref = op - offset;
    const stop = op + len;
    while (op < stop) dst[op++] = dst[ref++]!;
  }
  if (op !== end)
    throw new Error(`snappy data decoded to ${op - dstStart} bytes, header says ${length}`);
  return length;
}
