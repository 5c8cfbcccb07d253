/**
 * Blosc's byte shuffle and bit shuffle filters of one block (c-blosc `shuffle.c`,
 * `bitshuffle-generic.c`), bit-compatible with c-blosc 1.x.
 *
 * - Byte shuffle (typesize `t`, block of `n = floor(size / t)` elements): byte `j` of element `i`
 *   goes to `j * n + i`; the `size % t` trailing bytes are copied unchanged.
 * - Bit shuffle: only when `n` is a multiple of 8 (else the block is copied unchanged): bit `k`
 *   of byte `j` of element `i` goes to bit `i % 8` of byte `(j * 8 + k) * n / 8 + floor(i / 8)`;
 *   trailing bytes are copied unchanged.
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
  if (t === 4) {
    for (let i = 0, s = srcOff; i < n; i++, s += 4) {
      dst[dstOff + i] = src[s]!;
      dst[dstOff + n + i] = src[s + 1]!;
      dst[dstOff + 2 * n + i] = src[s + 2]!;
      dst[dstOff + 3 * n + i] = src[s + 3]!;
    }
  } else {
    for (let j = 0; j < t; j++) {
      const d = dstOff + j * n;
      for (let i = 0, s = srcOff + j; i < n; i++, s += t) dst[d + i] = src[s]!;
    }
  }
  const done = n * t;
  for (let k = done; k < size; k++) dst[dstOff + k] = src[srcOff + k]!;
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
  if (t === 2) {
    for (let i = 0, d = dstOff; i < n; i++, d += 2) {
      dst[d] = src[srcOff + i]!;
      dst[d + 1] = src[srcOff + n + i]!;
    }
  } else if (t === 4) {
    for (let i = 0, d = dstOff; i < n; i++, d += 4) {
      dst[d] = src[srcOff + i]!;
      dst[d + 1] = src[srcOff + n + i]!;
      dst[d + 2] = src[srcOff + 2 * n + i]!;
      dst[d + 3] = src[srcOff + 3 * n + i]!;
    }
  } else if (t === 8) {
    for (let i = 0, d = dstOff; i < n; i++, d += 8) {
      const s = srcOff + i;
      dst[d] = src[s]!;
      dst[d + 1] = src[s + n]!;
      dst[d + 2] = src[s + 2 * n]!;
      dst[d + 3] = src[s + 3 * n]!;
      dst[d + 4] = src[s + 4 * n]!;
      dst[d + 5] = src[s + 5 * n]!;
      dst[d + 6] = src[s + 6 * n]!;
      dst[d + 7] = src[s + 7 * n]!;
    }
  } else {
    for (let j = 0; j < t; j++) {
      const s = srcOff + j * n;
      for (let i = 0, d = dstOff + j; i < n; i++, d += t) dst[d] = src[s + i]!;
    }
  }
  const done = n * t;
  for (let k = done; k < size; k++) dst[dstOff + k] = src[srcOff + k]!;
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
    for (let q = 0; q < rowBytes; q++) {
      // gather byte j of the 8 elements 8q..8q+7 and transpose the 8x8 bit matrix
      const base = srcOff + q * 8 * t + j;
      let o0 = 0;
      let o1 = 0;
      let o2 = 0;
      let o3 = 0;
      let o4 = 0;
      let o5 = 0;
      let o6 = 0;
      let o7 = 0;
      for (let m = 0; m < 8; m++) {
        const b = src[base + m * t]!;
        o0 |= (b & 1) << m;
        o1 |= ((b >>> 1) & 1) << m;
        o2 |= ((b >>> 2) & 1) << m;
        o3 |= ((b >>> 3) & 1) << m;
        o4 |= ((b >>> 4) & 1) << m;
        o5 |= ((b >>> 5) & 1) << m;
        o6 |= ((b >>> 6) & 1) << m;
        o7 |= ((b >>> 7) & 1) << m;
      }
      const d = dstOff + j * 8 * rowBytes + q;
      dst[d] = o0;
      dst[d + rowBytes] = o1;
      dst[d + 2 * rowBytes] = o2;
      dst[d + 3 * rowBytes] = o3;
      dst[d + 4 * rowBytes] = o4;
      dst[d + 5 * rowBytes] = o5;
      dst[d + 6 * rowBytes] = o6;
      dst[d + 7 * rowBytes] = o7;
    }
  }
  const done = n * t;
  for (let k = done; k < size; k++) dst[dstOff + k] = src[srcOff + k]!;
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
    for (let q = 0; q < rowBytes; q++) {
      const b0 = src[s + q]!;
      const b1 = src[s + rowBytes + q]!;
      const b2 = src[s + 2 * rowBytes + q]!;
      const b3 = src[s + 3 * rowBytes + q]!;
      const b4 = src[s + 4 * rowBytes + q]!;
      const b5 = src[s + 5 * rowBytes + q]!;
      const b6 = src[s + 6 * rowBytes + q]!;
      const b7 = src[s + 7 * rowBytes + q]!;
      const base = dstOff + q * 8 * t + j;
      for (let m = 0; m < 8; m++) {
        dst[base + m * t] =
          ((b0 >>> m) & 1) |
          (((b1 >>> m) & 1) << 1) |
          (((b2 >>> m) & 1) << 2) |
          (((b3 >>> m) & 1) << 3) |
          (((b4 >>> m) & 1) << 4) |
          (((b5 >>> m) & 1) << 5) |
          (((b6 >>> m) & 1) << 6) |
          (((b7 >>> m) & 1) << 7);
      }
    }
  }
  const done = n * t;
  for (let k = done; k < size; k++) dst[dstOff + k] = src[srcOff + k]!;
}
