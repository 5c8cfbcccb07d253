/**
 * Raw DEFLATE (RFC 1951) decoding that never grows past a ceiling: the body of the `gzip`
 * (RFC 1952) and `zlib` (RFC 1950) codecs and of blosc's zlib streams.
 *
 * In Node, `node:zlib`'s `inflateRawSync` with `maxOutputLength` (native; it stops as soon as the
 * output would pass the limit). Elsewhere (browsers), fflate's streaming `Inflate`, fed the input
 * in {@link PUSH_BYTES} pieces: DEFLATE expands at most 1032:1, so one piece can produce at most
 * ~16.5 MiB before the running count is checked. fflate's one-shot `inflateSync` cannot be used:
 * it grows its output without limit, and with a fixed `out` buffer it silently drops the excess.
 * @module
 */
import { Inflate } from "fflate";
import { nativeInflateRaw } from "./native-zlib.js";

/** Input bytes given to fflate's streaming decoder at a time (bounds one step's output to ~16.5 MiB). */
export const PUSH_BYTES = 16 * 1024;

/** The output would exceed the ceiling. */
export class InflateLimitError extends Error {
  /** The ceiling in bytes. */
  readonly limit: number;
  constructor(limit: number) {
    super(`inflates to more than ${limit} bytes`);
    this.name = "InflateLimitError";
    this.limit = limit;
  }
}

/** Options of {@link inflateBounded}. */
export interface InflateOptions {
  /** Most bytes the output may hold (the ceiling; default unlimited). */
  readonly maxBytes?: number;
  /** The exact decoded size when known (e.g. from a gzip trailer): also a ceiling. */
  readonly size?: number;
}

function limitOf(options: InflateOptions): number {
  return Math.min(options.maxBytes ?? Number.POSITIVE_INFINITY, options.size ?? Infinity);
}

/**
 * Decodes the raw DEFLATE stream `data` (RFC 1951) into at most the ceiling.
 * @throws InflateLimitError when the output would pass the ceiling; Error (the decoder's message,
 *   e.g. "invalid block type", "unexpected end of file") when the stream is truncated or corrupt.
 */
export function inflateBounded(data: Uint8Array, options: InflateOptions = {}): Uint8Array {
  const limit = limitOf(options);
  return nativeInflateRaw
    ? nativeInflateRaw(data, limit, () => new InflateLimitError(limit))
    : inflateStreaming(data, options);
}

/**
 * {@link inflateBounded} with fflate's streaming decoder (the path browsers take; exported so
 * tests can run both paths in Node).
 * @throws as {@link inflateBounded}.
 */
export function inflateStreaming(data: Uint8Array, options: InflateOptions = {}): Uint8Array {
  const limit = limitOf(options);
  const parts: Uint8Array[] = [];
  let total = 0;
  let ended = false;
  const inflater = new Inflate((chunk, final) => {
    total += chunk.length;
    if (total > limit) throw new InflateLimitError(limit);
    parts.push(chunk);
    if (final) ended = true;
  });
  for (let at = 0; at < data.length || at === 0; at += PUSH_BYTES) {
    const end = Math.min(data.length, at + PUSH_BYTES);
    inflater.push(data.subarray(at, end), end >= data.length);
    if (ended || end >= data.length) break;
  }
  if (!ended) throw new Error("unexpected end of file");
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
