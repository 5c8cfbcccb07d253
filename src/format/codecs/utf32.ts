/**
 * Fixed-length UTF-32 strings (NumPy `<U<n>` / `>U<n>`, zarr-extensions `fixed_length_utf32`):
 * n code points of 4 bytes per element, padded with NUL code points. Reading drops trailing
 * NULs, as NumPy does when it returns an element as `str`.
 * @module
 */

/**
 * Decodes `count` elements of `length` code points each from `bytes` (exactly
 * `count × length × 4` bytes, checked by the caller).
 * @returns the strings, or the index of the first element holding a value that is not a Unicode
 *   code point (above U+10FFFF).
 */
export function decodeUtf32(
  bytes: Uint8Array,
  count: number,
  length: number,
  littleEndian: boolean,
): string[] | { bad: number } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: string[] = new Array(count);
  const units: number[] = [];
  for (let i = 0; i < count; i++) {
    const base = i * length * 4;
    let end = length;
    while (end > 0 && dv.getUint32(base + (end - 1) * 4, littleEndian) === 0) end--;
    units.length = 0;
    for (let j = 0; j < end; j++) {
      const c = dv.getUint32(base + j * 4, littleEndian);
      if (c > 0x10ffff) return { bad: i };
      if (c > 0xffff) units.push(0xd800 + ((c - 0x10000) >> 10), 0xdc00 + ((c - 0x10000) & 0x3ff));
      else units.push(c);
    }
    let s = "";
    for (let j = 0; j < units.length; j += 4096) {
      s += String.fromCharCode(...units.slice(j, j + 4096));
    }
    out[i] = s;
  }
  return out;
}

/**
 * Encodes `data` (strings) as `length` code points each, NUL-padded.
 * @returns the bytes, or the index of the first element that is not a string or is longer than
 *   `length` code points.
 */
export function encodeUtf32(
  data: ArrayLike<unknown>,
  length: number,
  littleEndian: boolean,
): Uint8Array | { bad: number } {
  const n = data.length;
  const out = new Uint8Array(n * length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < n; i++) {
    const s = data[i];
    if (typeof s !== "string") return { bad: i };
    let j = 0;
    for (const ch of s) {
      if (j === length) return { bad: i };
      dv.setUint32((i * length + j) * 4, ch.codePointAt(0)!, littleEndian);
      j++;
    }
  }
  return out;
}
