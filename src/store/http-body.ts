/**
 * Bounded reading of HTTP response bodies for `FetchStore`: never more bytes than the answer
 * needs (plus one to detect an over-long body), cancelling the rest of the body, so a broken or
 * hostile server cannot make a read take unbounded time or memory.
 * @module
 */

import type { BodyChunks, WholeBody } from "./http-transport.js";

/** Result of {@link readSpan}. */
export interface SpanRead {
  /** The bytes kept. */
  bytes: Uint8Array;
  /** Bytes read from the body in all (kept or not), at most `to`. */
  total: number;
  /** True when the body ended before `to` bytes. */
  ended: boolean;
}

/**
 * Reads `body` (chunk by chunk, each copied once) into one buffer of `length` bytes (from `allocate` when given), stopping (and
 * cancelling the body) at the first byte past `length`, which throws `longer()`. A body the
 * transport takes whole ({@link BodyChunks.whole}) is checked against `length` before its bytes
 * are allocated, then copied into the buffer from `allocate` (or returned as it is without one).
 * @returns the bytes read: `length` of them, or fewer when the body ended early.
 */
export async function readExactly(
  body: BodyChunks | null,
  length: number,
  longer: () => Error,
  allocate?: (length: number) => Promise<Uint8Array>,
): Promise<Uint8Array> {
  let out: Uint8Array | undefined;
  if (allocate) {
    try {
      out = await allocate(length);
    } catch (e) {
      await body?.cancel().catch(() => undefined);
      throw e;
    }
  }
  const whole = body?.whole ? await takeWhole(body, length) : undefined;
  if (whole !== undefined) {
    if (whole.size > length) throw longer();
    const bytes = new Uint8Array(await whole.bytes());
    if (out === undefined) return bytes;
    out.set(bytes);
    return bytes.length === length ? out : out.slice(0, bytes.length);
  }
  const into = out ?? new Uint8Array(length);
  let at = 0;
  let over = false;
  await pump(body, (chunk) => {
    if (at + chunk.length > length) {
      over = true;
      return false;
    }
    into.set(chunk, at);
    at += chunk.length;
    return true;
  });
  if (over) throw longer();
  return at === length ? into : into.slice(0, at);
}

/** `body.whole(length)`, cancelling the body when it fails. */
async function takeWhole(body: BodyChunks, length: number): Promise<WholeBody | undefined> {
  try {
    return await body.whole!(length);
  } catch (e) {
    await body.cancel().catch(() => undefined);
    throw e;
  }
}

/**
 * Reads `body` up to byte `to` (exclusive; the rest is cancelled), keeping the bytes in
 * `[from, to)`, or only the last `tail` of them. More than `cap` bytes read throws `over()`.
 * Memory: the kept bytes plus one chunk.
 */
export async function readSpan(
  body: BodyChunks | null,
  limits: {
    from?: number;
    to?: number;
    tail?: number;
    cap?: number;
    over?: () => Error;
  },
): Promise<SpanRead> {
  const from = limits.from ?? 0;
  const to = limits.to ?? Number.POSITIVE_INFINITY;
  const tail = limits.tail ?? Number.POSITIVE_INFINITY;
  const cap = limits.cap ?? Number.POSITIVE_INFINITY;
  const chunks: Uint8Array[] = [];
  let kept = 0;
  let total = 0;
  let over = false;
  const ended = await pump(body, (chunk, ephemeral) => {
    const start = total;
    total += chunk.length;
    const lo = Math.max(from - start, 0);
    const hi = Math.min(to - start, chunk.length);
    if (hi > lo) {
      const part = lo === 0 && hi === chunk.length ? chunk : chunk.subarray(lo, hi);
      chunks.push(ephemeral ? part.slice() : part);
      kept += hi - lo;
      while (chunks.length > 1 && kept - chunks[0]!.length >= tail) kept -= chunks.shift()!.length;
    }
    if (total > cap) {
      over = true;
      return false;
    }
    return total < to;
  });
  if (over) throw (limits.over ?? (() => new RangeError("body larger than its cap")))();
  const bytes = concat(chunks, kept);
  return {
    bytes: kept > tail ? bytes.slice(kept - tail) : bytes,
    total: Math.min(total, to),
    ended,
  };
}

/**
 * Feeds the chunks of `body` to `onChunk` until the body ends (returns true) or `onChunk`
 * returns false: the body is then cancelled (releasing the connection) and the result is false.
 * `ephemeral` chunks are views valid only during the call (`BodyChunks.each`): copy what is kept.
 * A `null` body is empty. Read errors (network failures, aborts) are thrown as they are.
 */
async function pump(
  body: BodyChunks | null,
  onChunk: (chunk: Uint8Array, ephemeral: boolean) => boolean,
): Promise<boolean> {
  if (body === null) return true;
  if (body.each) {
    const ended = await body.each((chunk) => chunk.length === 0 || onChunk(chunk, true));
    if (!ended) await body.cancel().catch(() => undefined);
    return ended;
  }
  for (;;) {
    const read = await body.read();
    if (read.done) return true;
    if (read.value.length > 0 && !onChunk(read.value, false)) {
      await body.cancel().catch(() => undefined);
      return false;
    }
  }
}

function concat(chunks: readonly Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]!.length === length) return new Uint8Array(chunks[0]!);
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
