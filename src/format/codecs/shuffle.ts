/**
 * Blosc's byte shuffle and bit shuffle filters of one block (c-blosc `shuffle.c`,
 * `bitshuffle-generic.c`), bit-compatible with c-blosc 1.x.
 *
 * - Byte shuffle (typesize `t`, block of `n = floor(size / t)` elements): byte `j` of element `i`
 *   goes to `j * n + i`; the `size % t` trailing bytes are copied unchanged.
 * - Bit shuffle: only when `n` is a multiple of 8 (else the block is copied unchanged): bit `k`
 *   of byte `j` of element `i` goes to bit `i % 8` of byte `(j * 8 + k) * n / 8 + floor(i / 8)`;
 *   trailing bytes are copied unchanged.
 *
 * Sizes and offsets are in bytes. The little-endian word tricks assume a little-endian host, as
 * the rest of zarr-plan does.
 * @module
 */

/** Byte-shuffles `size` bytes of `src` from `srcOff` into `dst` at `dstOff`. */
export function shuffleBytes(
  src: Uint8Array,
  srcOff: number,
  dst: Uint8Array,
  dstOff: number,
  size: number,
  t: number,
): void {
  const n = Math.floor(size / t);
  const aligned = (src.byteOffset + srcOff) % t === 0;
  if (t === 2 && aligned) {
    const s16 = new Uint16Array(src.buffer, src.byteOffset + srcOff, n);
    for (let i = 0; i < n; i++) {
      const v = s16[i]!;
      dst[dstOff + i] = v;
      dst[dstOff + n + i] = v >>> 8;
    }
  } else if (t === 4 && aligned) {
    const s32 = new Uint32Array(src.buffer, src.byteOffset + srcOff, n);
    const d1 = dstOff + n;
    const d2 = d1 + n;
    const d3 = d2 + n;
    for (let i = 0; i < n; i++) {
      const v = s32[i]!;
      dst[dstOff + i] = v;
      dst[d1 + i] = v >>> 8;
      dst[d2 + i] = v >>> 16;
      dst[d3 + i] = v >>> 24;
    }
  } else {
    for (let j = 0; j < t; j++) {
      const d = dstOff + j * n;
      for (let i = 0, s = srcOff + j; i < n; i++, s += t) dst[d + i] = src[s]!;
    }
  }
  for (let k = n * t; k < size; k++) dst[dstOff + k] = src[srcOff + k]!;
}

/** Inverse of {@link shuffleBytes}. */
export function unshuffleBytes(
  src: Uint8Array,
  srcOff: number,
  dst: Uint8Array,
  dstOff: number,
  size: number,
  t: number,
): void {
  const n = Math.floor(size / t);
  const aligned = (dst.byteOffset + dstOff) % t === 0;
  if (t === 2 && aligned) {
    const d16 = new Uint16Array(dst.buffer, dst.byteOffset + dstOff, n);
    const s1 = srcOff + n;
    for (let i = 0; i < n; i++) d16[i] = src[srcOff + i]! | (src[s1 + i]! << 8);
  } else if (t === 4 && aligned) {
    const d32 = new Uint32Array(dst.buffer, dst.byteOffset + dstOff, n);
    const s1 = srcOff + n;
    const s2 = s1 + n;
    const s3 = s2 + n;
    for (let i = 0; i < n; i++) {
      d32[i] = src[srcOff + i]! | (src[s1 + i]! << 8) | (src[s2 + i]! << 16) | (src[s3 + i]! << 24);
    }
  } else if (t === 8 && (dst.byteOffset + dstOff) % 4 === 0) {
    const d32 = new Uint32Array(dst.buffer, dst.byteOffset + dstOff, 2 * n);
    const s1 = srcOff + n;
    const s2 = s1 + n;
    const s3 = s2 + n;
    const s4 = s3 + n;
    const s5 = s4 + n;
    const s6 = s5 + n;
    const s7 = s6 + n;
    for (let i = 0; i < n; i++) {
      d32[2 * i] =
        src[srcOff + i]! | (src[s1 + i]! << 8) | (src[s2 + i]! << 16) | (src[s3 + i]! << 24);
      d32[2 * i + 1] =
        src[s4 + i]! | (src[s5 + i]! << 8) | (src[s6 + i]! << 16) | (src[s7 + i]! << 24);
    }
  } else {
    for (let j = 0; j < t; j++) {
      const s = srcOff + j * n;
      for (let i = 0, d = dstOff + j; i < n; i++, d += t) dst[d] = src[s + i]!;
    }
  }
  for (let k = n * t; k < size; k++) dst[dstOff + k] = src[srcOff + k]!;
}

/**
 * Bit shuffle and unshuffle are the same 8×8 bit transpose applied to groups of 8 bytes: with
 * input byte `m` at `src[srcBase + m * srcStep]`, output byte `k` (written to
 * `dst[dstBase + k * dstStep]`) has bit `m` = bit `k` of input byte `m`.
 */
function transposeGroups(
  src: Uint8Array,
  srcBase: number,
  srcStep: number,
  dst: Uint8Array,
  dstBase: number,
  dstStep: number,
): void {
  let lo =
    src[srcBase]! |
    (src[srcBase + srcStep]! << 8) |
    (src[srcBase + 2 * srcStep]! << 16) |
    (src[srcBase + 3 * srcStep]! << 24);
  let hi =
    src[srcBase + 4 * srcStep]! |
    (src[srcBase + 5 * srcStep]! << 8) |
    (src[srcBase + 6 * srcStep]! << 16) |
    (src[srcBase + 7 * srcStep]! << 24);
  // 8x8 bit-matrix transpose of the 64-bit word (hi:lo) (bitshuffle's TRANS_BIT_8X8)
  let x = (lo ^ (lo >>> 7)) & 0x00aa00aa;
  lo = lo ^ x ^ (x << 7);
  x = (hi ^ (hi >>> 7)) & 0x00aa00aa;
  hi = hi ^ x ^ (x << 7);
  x = (lo ^ (lo >>> 14)) & 0x0000cccc;
  lo = lo ^ x ^ (x << 14);
  x = (hi ^ (hi >>> 14)) & 0x0000cccc;
  hi = hi ^ x ^ (x << 14);
  x = (lo ^ (hi << 4)) & 0xf0f0f0f0;
  lo ^= x;
  hi ^= x >>> 4;
  dst[dstBase] = lo;
  dst[dstBase + dstStep] = lo >>> 8;
  dst[dstBase + 2 * dstStep] = lo >>> 16;
  dst[dstBase + 3 * dstStep] = lo >>> 24;
  dst[dstBase + 4 * dstStep] = hi;
  dst[dstBase + 5 * dstStep] = hi >>> 8;
  dst[dstBase + 6 * dstStep] = hi >>> 16;
  dst[dstBase + 7 * dstStep] = hi >>> 24;
}

/** Bit-shuffles `size` bytes of `src` from `srcOff` into `dst` at `dstOff` (see module doc). */
export function bitShuffle(
  src: Uint8Array,
  srcOff: number,
  dst: Uint8Array,
  dstOff: number,
  size: number,
  t: number,
): void {
  const n = Math.floor(size / t);
  if (n % 8 !== 0) {
    dst.set(src.subarray(srcOff, srcOff + size), dstOff);
    return;
  }
  const rowBytes = n >>> 3;
  for (let j = 0; j < t; j++) {
    const d = dstOff + j * 8 * rowBytes;
    for (let q = 0; q < rowBytes; q++)
      transposeGroups(src, srcOff + q * 8 * t + j, t, dst, d + q, rowBytes);
  }
  for (let k = n * t; k < size; k++) dst[dstOff + k] = src[srcOff + k]!;
}

/** Inverse of {@link bitShuffle}. */
export function bitUnshuffle(
  src: Uint8Array,
  srcOff: number,
  dst: Uint8Array,
  dstOff: number,
  size: number,
  t: number,
): void {
  const n = Math.floor(size / t);
  if (n % 8 !== 0) {
    dst.set(src.subarray(srcOff, srcOff + size), dstOff);
    return;
  }
  const rowBytes = n >>> 3;
  for (let j = 0; j < t; j++) {
    const s = srcOff + j * 8 * rowBytes;
    for (let q = 0; q < rowBytes; q++)
      transposeGroups(src, s + q, rowBytes, dst, dstOff + q * 8 * t + j, t);
  }
  for (let k = n * t; k < size; k++) dst[dstOff + k] = src[srcOff + k]!;
}
