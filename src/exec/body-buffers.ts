/**
 * The Context's budget of response bodies held in memory, and the memory they reuse.
 *
 * A store that reads a body of known length into memory of its own (`FetchStore`) asks for it
 * through `StoreRequestOptions.allocate`; for the data fetches of a run (whole chunks, whole
 * shards, coalesced byte ranges of shards) the Context answers from here:
 *
 * - **Budget**: at most {@link BodyBufferOptions.maxBytesInFlight} bytes of bodies are held at
 *   once; a body that does not fit waits (its request is already answered, so latency still
 *   overlaps) until earlier bodies are decoded. One body larger than the budget is let through
 *   alone. This bounds a large read's memory to the budget plus its output.
 * - **Reuse**: a body whose chunks were all decoded without error goes back to an idle list and
 *   serves a later body of about the same size. Writing into fresh memory costs a page fault per
 *   4 KiB on first touch (about 20 µs each on small VMs: 40 ms per 8 MiB shard), which made
 *   reading response bodies the calling thread's largest cost.
 *
 * A lease is counted per holder: the fetch that made it, and each caller it was handed to
 * (identical requests in flight are shared). The memory is reused only when every holder gave it
 * back as reusable; a holder that may still have views into it (a decode failed while others ran)
 * gives it back as not reusable, and it is left to the garbage collector.
 * @module
 */
import { AbortError } from "../core/errors.js";
import type { Cancel } from "./limiter.js";

/** Options of a Context's body buffers ({@link ContextOptions.bodyBuffers}). */
export interface BodyBufferOptions {
  /**
   * Most bytes of response bodies held at once by the data fetches of this Context's reads, in
   * bytes. Default {@link DEFAULT_BODY_BYTES_IN_FLIGHT}.
   */
  readonly maxBytesInFlight?: number;
  /** Most bytes of idle bodies kept for reuse. Default: `maxBytesInFlight`. */
  readonly maxIdleBytes?: number;
}

/** Default budget of response bodies in memory at once: 96 MiB. */
export const DEFAULT_BODY_BYTES_IN_FLIGHT = 96 * 1024 * 1024;

interface Lease {
  readonly capacity: number;
  refs: number;
  reusable: boolean;
}

/** An idle buffer and when it became idle (a counter: larger is newer). */
interface Idle {
  readonly buffer: ArrayBuffer;
  readonly since: number;
}

interface Waiter {
  readonly bytes: number;
  grant: (() => void) | undefined;
}

/** Capacity of a new buffer for `n` bytes: `n` rounded up to 1/16 of its power of two (≤ 6.25 % more). */
function capacityFor(n: number): number {
  if (n <= 65536) return 65536;
  const step = 2 ** (Math.floor(Math.log2(n)) - 4);
  return Math.ceil(n / step) * step;
}

/** Body memory under a byte budget, reused across bodies. Each `Context` owns one. */
export class BodyBuffers {
  readonly maxBytesInFlight: number;
  readonly maxIdleBytes: number;
  #inFlight = 0;
  /**
   * Idle buffers in ascending order of size: a body finds the smallest that fits by binary search
   * (a read of a few hundred byte ranges made a linear scan per body the calling thread's largest
   * cost after the copies).
   */
  #idle: Idle[] = [];
  #idleBytes = 0;
  #idleSeq = 0;
  #leases = new WeakMap<ArrayBuffer, Lease>();
  #waiting: Waiter[] = [];
  /** Buffers handed out that came from the idle list (for tests and statistics). */
  reused = 0;
  /** Buffers handed out that were allocated fresh. */
  allocated = 0;

  constructor(options: BodyBufferOptions = {}) {
    this.maxBytesInFlight = options.maxBytesInFlight ?? DEFAULT_BODY_BYTES_IN_FLIGHT;
    this.maxIdleBytes = options.maxIdleBytes ?? this.maxBytesInFlight;
  }

  /** Bytes of bodies held now (leased buffers' capacities). */
  get bytesInFlight(): number {
    return this.#inFlight;
  }

  /** Bytes of idle buffers kept for reuse. */
  get idleBytes(): number {
    return this.#idleBytes;
  }

  /**
   * Memory for a body of `length` bytes, once the budget has room: a view of exactly `length`
   * bytes on a reused or new buffer, leased to one holder.
   * @throws AbortError when `cancel` aborts while waiting.
   */
  async take(length: number, cancel?: Cancel): Promise<Uint8Array> {
    const idle = this.#pick(length);
    const capacity = idle?.byteLength ?? capacityFor(length);
    if (idle) this.#removeIdle(idle);
    try {
      await this.#admit(capacity, cancel);
    } catch (e) {
      if (idle) this.#keepIdle(idle);
      throw e;
    }
    let buffer = idle;
    if (buffer) this.reused++;
    else {
      // Bodies freed by the budget may have made a fitting buffer idle meanwhile.
      buffer = this.#pick(length);
      if (buffer && buffer.byteLength === capacity) {
        this.#removeIdle(buffer);
        this.reused++;
      } else {
        buffer = new ArrayBuffer(capacity);
        this.allocated++;
      }
    }
    this.#leases.set(buffer, { capacity, refs: 1, reusable: true });
    return new Uint8Array(buffer, 0, length);
  }

  /** Adds a holder to the lease of `bytes` (no-op for memory not from {@link take}). */
  hold(bytes: Uint8Array): void {
    const lease = this.#leases.get(bytes.buffer as ArrayBuffer);
    if (lease) lease.refs++;
  }

  /**
   * One holder gives `bytes` back. With `reusable` false, the memory is never reused (some view
   * of it may still be in use). When the last holder has given it back, its capacity leaves the
   * budget. No-op for memory not from {@link take}.
   */
  give(bytes: Uint8Array, reusable: boolean): void {
    const buffer = bytes.buffer as ArrayBuffer;
    const lease = this.#leases.get(buffer);
    if (!lease) return;
    if (!reusable) lease.reusable = false;
    if (--lease.refs > 0) return;
    this.#leases.delete(buffer);
    this.#inFlight -= lease.capacity;
    if (lease.reusable) this.#keepIdle(buffer);
    this.#wake();
  }

  /** Drops the idle buffers (a closing Context). */
  clear(): void {
    this.#idle = [];
    this.#idleBytes = 0;
  }

  /** The smallest idle buffer holding `length` bytes without wasting more than a quarter. */
  #pick(length: number): ArrayBuffer | undefined {
    const i = this.#firstAtLeast(length);
    const b = this.#idle[i]?.buffer;
    return b !== undefined && b.byteLength <= length * 1.25 + 65536 ? b : undefined;
  }

  /** Index of the first idle buffer of at least `bytes` bytes (`#idle.length` when none). */
  #firstAtLeast(bytes: number): number {
    let lo = 0;
    let hi = this.#idle.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#idle[mid]!.buffer.byteLength < bytes) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #removeIdle(b: ArrayBuffer): void {
    for (let i = this.#firstAtLeast(b.byteLength); i < this.#idle.length; i++) {
      const entry = this.#idle[i]!;
      if (entry.buffer.byteLength !== b.byteLength) return;
      if (entry.buffer === b) {
        this.#idle.splice(i, 1);
        this.#idleBytes -= b.byteLength;
        return;
      }
    }
  }

  #keepIdle(b: ArrayBuffer): void {
    this.#idle.splice(this.#firstAtLeast(b.byteLength), 0, { buffer: b, since: this.#idleSeq++ });
    this.#idleBytes += b.byteLength;
    // Over the cap: drop the oldest idle buffers (newest kept).
    while (this.#idleBytes > this.maxIdleBytes && this.#idle.length > 0) {
      let oldest = 0;
      for (let i = 1; i < this.#idle.length; i++) {
        if (this.#idle[i]!.since < this.#idle[oldest]!.since) oldest = i;
      }
      this.#idleBytes -= this.#idle.splice(oldest, 1)[0]!.buffer.byteLength;
    }
  }

  #fits(bytes: number): boolean {
    return this.#inFlight === 0 || this.#inFlight + bytes <= this.maxBytesInFlight;
  }

  #admit(bytes: number, cancel?: Cancel): Promise<void> {
    if (cancel?.aborted) return Promise.reject(abortOf(cancel));
    if (this.#waiting.length === 0 && this.#fits(bytes)) {
      this.#inFlight += bytes;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { bytes, grant: undefined };
      const unregister = cancel?.onAbort(() => {
        if (!waiter.grant) return;
        waiter.grant = undefined;
        this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
        reject(abortOf(cancel));
        this.#wake();
      });
      waiter.grant = () => {
        waiter.grant = undefined;
        unregister?.();
        this.#inFlight += bytes;
        resolve();
      };
      this.#waiting.push(waiter);
    });
  }

  /** Grants waiting bodies in arrival order while they fit. */
  #wake(): void {
    while (this.#waiting.length > 0 && this.#fits(this.#waiting[0]!.bytes)) {
      this.#waiting.shift()!.grant?.();
    }
  }
}

function abortOf(cancel: Cancel): AbortError {
  const r = cancel.reason;
  return r instanceof AbortError ? r : new AbortError("Aborted while waiting for body memory");
}
