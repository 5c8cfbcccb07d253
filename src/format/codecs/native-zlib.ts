/**
 * Node's native zlib for bounded raw-DEFLATE decoding (browsers get `native-zlib.browser.ts`,
 * through the package's `"browser"` field, and decode with fflate instead).
 * @module
 */
import { inflateRawSync } from "node:zlib";

/**
 * Inflates raw DEFLATE data with `node:zlib`, stopping as soon as the output would pass `limit`
 * bytes (`maxOutputLength`). `tooLarge` makes the error thrown then.
 * @throws what `tooLarge` returns; Error with zlib's message for corrupt or truncated data.
 */
export function nativeInflateRaw(
  data: Uint8Array,
  limit: number,
  tooLarge: () => Error,
): Uint8Array {
  try {
    const out = Number.isFinite(limit)
      ? inflateRawSync(data, { maxOutputLength: Math.max(1, limit) })
      : inflateRawSync(data);
    if (out.length > limit) throw tooLarge();
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  } catch (e) {
    // Past maxOutputLength Node throws a RangeError; corrupt data throws zlib's own Error.
    if (e instanceof RangeError) throw tooLarge();
    throw e;
  }
}
