/**
 * A bounds-checked decoder of the LZ4 block format (lz4 "Block format description"), used for
 * v2 `numcodecs.lz4` chunks and LZ4 streams inside blosc frames.
 * @module
 */

/**
 * Decodes the LZ4 block `src` into `dst[dstStart, dstEnd)` and returns the number of bytes
 * written. Never reads or writes out of bounds.
 * @throws Error when the block is malformed, reads past its end, references data before the
 *   start of the output, or would overflow `dstEnd`.
 */
export function lz4DecodeBlock(
  src: Uint8Array,
  dst: Uint8Array,
  dstStart = 0,
  dstEnd: number = dst.length,
): number {
  const srcEnd = src.length;
  let ip = 0;
  let op = dstStart;
  if (srcEnd === 0) throw new Error("empty LZ4 block");
  for (;;) {
    const token = src[ip++]!;
    let litLen = token >>> 4;
    if (litLen === 15) {
      let b: number;
      do {
        if (ip >= srcEnd) throw new Error("truncated LZ4 literal length");
        b = src[ip++]!;
        litLen += b;
      } while (b === 255);
    }
    if (litLen > 0) {
      if (ip + litLen > srcEnd) throw new Error("LZ4 literals run past the end of the block");
      if (op + litLen > dstEnd) throw new Error("LZ4 literals overflow the output");
      if (litLen < 16) {
        for (let i = 0; i < litLen; i++) dst[op + i] = src[ip + i]!;
      } else {
        dst.set(src.subarray(ip, ip + litLen), op);
      }
      ip += litLen;
      op += litLen;
    }
    if (ip >= srcEnd) break; // the last sequence holds literals only
    if (ip + 2 > srcEnd) throw new Error("truncated LZ4 match offset");
    const offset = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || offset > op - dstStart) throw new Error("LZ4 match offset out of range");
    let matchLen = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b: number;
      do {
        if (ip >= srcEnd) throw new Error("truncated LZ4 match length");
        b = src[ip++]!;
        matchLen += b;
      } while (b === 255);
    }
    if (op + matchLen > dstEnd) throw new Error("LZ4 match overflows the output");
    let ref = op - offset;
    if (offset >= matchLen && matchLen >= 32) {
      dst.copyWithin(op, ref, ref + matchLen);
      op += matchLen;
    } else {
      const end = op + matchLen;
      while (op < end) dst[op++] = dst[ref++]!;
    }
  }
  return op - dstStart;
}
