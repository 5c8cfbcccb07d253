/**
 * The service's admission gate: at most `maxConcurrent` plans run at once and `maxQueue` wait;
 * beyond that a request is refused at once (HTTP 503 with `Retry-After`) instead of piling up.
 * @module
 */
import { ServiceError } from "./errors.js";

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

/** A counting semaphore with a bounded FIFO queue. */
export class Gate {
  readonly maxConcurrent: number;
  readonly maxQueue: number;
  readonly retryAfterSeconds: number;
  #active = 0;
  readonly #queue: Waiter[] = [];
  /** Requests refused because the gate and its queue were full. */
  rejected = 0;

  constructor(maxConcurrent: number, maxQueue: number, retryAfterSeconds: number) {
    this.maxConcurrent = maxConcurrent;
    this.maxQueue = maxQueue;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** Plans running. */
  get active(): number {
    return this.#active;
  }

  /** Plans waiting. */
  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Refuses at once, before any work is done for a request, when a plan could get neither a slot
   * nor a place in the queue now (so a flood costs the service only this check).
   * @throws ServiceError `ERR_BUSY` (503) as {@link enter} would.
   */
  refuseIfFull(): void {
    if (this.#active >= this.maxConcurrent && this.#queue.length >= this.maxQueue) {
      throw this.#busy();
    }
  }

  #busy(): ServiceError {
    this.rejected++;
    return new ServiceError(
      "ERR_BUSY",
      503,
      `the service is busy: ${this.#active} reads running and ${this.#queue.length} waiting (maxConcurrentPlans ${this.maxConcurrent}, maxQueue ${this.maxQueue}); retry after ${this.retryAfterSeconds} s`,
      { retryAfterSeconds: this.retryAfterSeconds },
    );
  }

  /**
   * Waits for a slot; returns its release (call it once). A waiter whose `signal` fires leaves the
   * queue and rejects with the signal's reason.
   * @throws ServiceError `ERR_BUSY` (503) when every slot is taken and the queue is full.
   */
  async enter(signal: AbortSignal): Promise<() => void> {
    signal.throwIfAborted();
    if (this.#active < this.maxConcurrent) {
      this.#active++;
      return this.#release();
    }
    if (this.#queue.length >= this.maxQueue) throw this.#busy();
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: () => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        },
        reject,
      };
      const onAbort = () => {
        const i = this.#queue.indexOf(waiter);
        if (i >= 0) this.#queue.splice(i, 1);
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#queue.push(waiter);
    });
    return this.#release();
  }

  /** The release of one slot: hands it to the first waiter, or frees it. */
  #release(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.#queue.shift();
      if (next) next.resolve();
      else this.#active--;
    };
  }
}
