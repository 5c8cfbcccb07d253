/**
 * The `crc32c` bytes→bytes codec: appends the 4-byte little-endian CRC-32C of the data; decoding
 * verifies it (ChecksumError naming the key) and strips it. Zarr v3 core specification, "Codecs"
 * → "crc32c". The same trailer mechanism as numcodecs' `adler32` / `crc32` (`checksum32.ts`).
 * @module
 */
import { Checksum32Codec } from "./checksum32.js";
import { crc32c } from "./checksums.js";

/** Factory of `crc32c` (no configuration). */
export function createCrc32cCodec(): Checksum32Codec {
  return new Checksum32Codec("crc32c", "end", crc32c, false);
}
