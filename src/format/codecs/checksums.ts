/**
 * Checksums used by the codecs: CRC-32C (`crc32c` codec, Castagnoli polynomial), CRC-32
 * (gzip trailer, RFC 1952), Adler-32 (zlib trailer, RFC 1950) and XXH64 (zstd frame checksum).
 * @module
 */

/**
 * hash-wasm, loaded on the first checksum (its WebAssembly modules cost start-up time that reads
 * without checksums need not pay). Node and bundlers cache the module: later calls reuse it.
 */
function hashWasm(): Promise<typeof import("../../core/hash-wasm-fns.js")> {
  return import("../../core/hash-wasm-fns.js");
}

/** CRC-32C (Castagnoli, reflected polynomial 0x82f63b78) of `bytes`, as an unsigned 32-bit number. */
export async function crc32c(bytes: Uint8Array): Promise<number> {
  return Number.parseInt(await (await hashWasm()).crc32(bytes, 0x82f63b78), 16);
}

/** CRC-32 (ISO-HDLC, the gzip/zip CRC) of `bytes`, as an unsigned 32-bit number. */
export async function crc32(bytes: Uint8Array): Promise<number> {
  return Number.parseInt(await (await hashWasm()).crc32(bytes), 16);
}

/** The low 32 bits of XXH64(`bytes`, seed 0), as zstd stores its content checksum. */
export async function xxh64Low32(bytes: Uint8Array): Promise<number> {
  const hex = await (await hashWasm()).xxhash64(bytes);
  return Number.parseInt(hex.slice(-8), 16);
}

/** Adler-32 of `bytes` (RFC 1950), as an unsigned 32-bit number. */
export function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const end = Math.min(i + 5552, n);
    for (; i < end; i++) {
      a += bytes[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}
