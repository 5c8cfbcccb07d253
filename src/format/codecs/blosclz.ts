/**
 * BloscLZ, blosc's internal FastLZ-derived compressor (c-blosc `blosclz.c`): a bounds-checked
 * decoder and a simple greedy encoder producing streams any c-blosc 1.x decoder reads.
 *
 * Stream format: a control byte `c`; `c < 32` → `c + 1` literal bytes follow; else a match of
 * length `(c >> 5) + 2` (7 → extended by following bytes, 255 meaning "more"), distance
 * `((c & 31) << 8 | next byte) + 1`, or a far distance (code 255 with `c & 31 == 31`) given by
 * two more big-endian bytes plus 8191. The first control byte is masked to 5 bits.
 * @module
 */

const MAX_DISTANCE = 8191;

/**
 * Decodes the BloscLZ stream `src` into `dst[dstStart, dstEnd)`; returns the bytes written.
 * @throws Error when the stream is malformed or does not fit.
 */
export function blosclzDecode(
  src: Uint8Array,
  dst: Uint8Array,
  dstStart = 0,
  dstEnd: number = dst.length,
): number {
  const ipEnd = src.length;
  if (ipEnd === 0) return 0;
  let ip = 0;
  let op = dstStart;
  let ctrl = src[ip++]! & 31;
  for (;;) {
    if (ctrl >= 32) {
      let len = (ctrl >>> 5) - 1;
      let ofs = (ctrl & 31) << 8;
      if (len === 6) {
        let code: number;
        do {
          if (ip >= ipEnd) throw new Error("truncated BloscLZ match length");
          code = src[ip++]!;
          len += code;
        } while (code === 255);
      }
      if (ip >= ipEnd) throw new Error("truncated BloscLZ match distance");
      const code = src[ip++]!;
      let ref = op - ofs - code;
      if (code === 255 && ofs === 31 << 8) {
        if (ip + 2 > ipEnd) throw new Error("truncated BloscLZ far distance");
        ofs = (src[ip]! << 8) | src[ip + 1]!;
        ip += 2;
        ref = op - ofs - MAX_DISTANCE;
      }
      len += 3;
      ref -= 1;
      if (op + len > dstEnd) throw new Error("BloscLZ match overflows the output");
      if (ref < dstStart) throw new Error("BloscLZ match distance out of range");
      const end = op + len;
      if (op - ref >= len && len >= 32) {
        dst.copyWithin(op, ref, ref + len);
        op = end;
      } else {
        while (op < end) dst[op++] = dst[ref++]!;
      }
    } else {
      const n = ctrl + 1;
      if (op + n > dstEnd) throw new Error("BloscLZ literals overflow the output");
      if (ip + n > ipEnd) throw new Error("BloscLZ literals run past the end of the stream");
      for (let i = 0; i < n; i++) dst[op + i] = src[ip + i]!;
      ip += n;
      op += n;
    }
    if (ip >= ipEnd) break;
    ctrl = src[ip++]!;
  }
  return op - dstStart;
}

const HASH_LOG = 13;

/**
 * Compresses `src` (≥ 16 bytes) into a BloscLZ stream, or returns `undefined` when the stream
 * would not be smaller than `src`. Greedy matching over a 4-byte hash; the last 12 bytes are
 * always literals (as c-blosc's compressor does), so every decoder variant accepts the stream.
 */
export function blosclzEncode(src: Uint8Array): Uint8Array | undefined {
  const n = src.length;
  if (n < 16) return undefined;
  const out = new Uint8Array(n + Math.ceil(n / 32) + 8);
  const table = new Int32Array(1 << HASH_LOG).fill(-1);
  const limit = n - 12;
  let op = 0;
  let anchor = 0;
  let ip = 1;
  const literals = (from: number, to: number): void => {
    while (from < to) {
      const run = Math.min(32, to - from);
      out[op++] = run - 1;
      for (let i = 0; i < run; i++) out[op + i] = src[from + i]!;
      op += run;
      from += run;
    }
  };
  while (ip < limit) {
    const seq =
      (src[ip]! | (src[ip + 1]! << 8) | (src[ip + 2]! << 16) | (src[ip + 3]! << 24)) >>> 0;
    const h = Math.imul(seq, 2654435761) >>> (32 - HASH_LOG);
    const ref = table[h]!;
    table[h] = ip;
    if (
      ref >= 0 &&
      ip - ref <= MAX_DISTANCE &&
      src[ref] === src[ip] &&
      src[ref + 1] === src[ip + 1] &&
      src[ref + 2] === src[ip + 2] &&
      src[ref + 3] === src[ip + 3]
    ) {
      let len = 4;
      const maxLen = limit - ip;
      while (len < maxLen && src[ref + len] === src[ip + len]) len++;
      literals(anchor, ip);
      const dist = ip - ref - 1;
      let l = len - 2;
      if (l < 7) {
        out[op++] = (l << 5) | (dist >>> 8);
      } else {
        out[op++] = (7 << 5) | (dist >>> 8);
        for (l -= 7; l >= 255; l -= 255) out[op++] = 255;
        out[op++] = l;
      }
      out[op++] = dist & 255;
      ip += len;
      anchor = ip;
      if (op >= n) return undefined;
    } else {
      ip++;
    }
  }
  literals(anchor, n);
  return op < n ? out.subarray(0, op) : undefined;
}
