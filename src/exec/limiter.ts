/**
 * A counting semaphore with priorities and cancellable waits: the concurrency limits of the
 * executor (per store, per execution, decoding).
 * @module
 */
import { AbortError } from "../core/errors.js";

/**
 * Something that can be cancelled: an `AbortSignal` seen through {@link scopeOf}, or an
 * {@link AbortScope}. Unlike `AbortSignal.addEventListener`, an `AbortScope` holds one listener on
 * its signal however many waiters register (thousands of queued requests per plan).
 */
export interface Cancel {
  readonly aborted: boolean;
  readonly reason: unknown;
  /** Calls `cb` once when aborted (never if already aborted); returns an unregister function. */
  onAbort(cb: () => void): () => void;
}

/** A {@link Cancel} over one signal with a single listener on it; `dispose()` detaches it. */
export class AbortScope implements Cancel {
  readonly signal: AbortSignal;
  readonly #callbacks = new Set<() => void>();
  readonly #listener = () => {
    const cbs = [...this.#callbacks];
    this.#callbacks.clear();
    for (const cb of cbs) cb();
  };

  constructor(signal: AbortSignal) {
    this.signal = signal;
    if (!signal.aborted) signal.addEventListener("abort", this.#listener, { once: true });
  }

  get aborted(): boolean {
    return this.signal.aborted;
  }

  get reason(): unknown {
    return this.signal.reason;
  }

  onAbort(cb: () => void): () => void {
    if (this.signal.aborted) return () => {};
    this.#callbacks.add(cb);
    return () => this.#callbacks.delete(cb);
  }

  /** Detaches from the signal. */
  dispose(): void {
    this.signal.removeEventListener("abort", this.#listener);
    this.#callbacks.clear();
  }
}

/**
 * A {@link Cancel} that is its own source: `abort(reason)` calls the registered callbacks once.
 * Plain callbacks instead of an `AbortController` and its event listeners, for the per-request
 * bookkeeping of a store scheduler (an `AbortSignal` is made only for the store call itself).
 */
export class Cancellation implements Cancel {
  #aborted = false;
  #reason: unknown;
  #callbacks: Set<() => void> | undefined;

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  onAbort(cb: () => void): () => void {
    if (this.#aborted) return () => {};
    this.#callbacks ??= new Set();
    const callbacks = this.#callbacks;
    callbacks.add(cb);
    return () => callbacks.delete(cb);
  }

  /** Aborts with `reason` (the first call only) and calls the callbacks registered. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    const callbacks = this.#callbacks;
    this.#callbacks = undefined;
    if (callbacks) for (const cb of [...callbacks]) cb();
  }
}

/** A {@link Cancel} over `signal` (one listener per registration; for few waiters). */
export function scopeOf(signal: AbortSignal): Cancel {
  return {
    get aborted() {
      return signal.aborted;
    },
    get reason() {
      return signal.reason;
    },
    onAbort(cb) {
      if (signal.aborted) return () => {};
      signal.addEventListener("abort", cb, { once: true });
      return () => signal.removeEventListener("abort", cb);
    },
  };
}

interface Waiter {
  grant: (() => void) | undefined;
}

/** Releases a slot (idempotent). */
type Release = () => void;

/** Number of priority levels: 0 (most urgent, e.g. shard indexes) … 2. */
const PRIORITIES = 3;

/**
 * At most `limit` holders at a time; waiters are served by priority (lower first), then in
 * arrival order. A waiter whose signal aborts leaves the queue and rejects with `AbortError`.
 */
export class Limiter {
  /** Current limit (may be changed at any time; takes effect as slots are released). */
  limit: number;
  #active = 0;
  #queues: Waiter[][] = Array.from({ length: PRIORITIES }, () => []);
  #heads = new Array<number>(PRIORITIES).fill(0);

  /** @param limit holders at a time (≥ 1; `Infinity` for none). */
  constructor(limit: number) {
    this.limit = Math.max(1, limit);
  }

  /** Slots held now. */
  get active(): number {
    return this.#active;
  }

  /** Waiters queued now (cancelled ones excluded). */
  get waiting(): number {
    let n = 0;
    for (let p = 0; p < PRIORITIES; p++) {
      const q = this.#queues[p]!;
      for (let i = this.#heads[p]!; i < q.length; i++) if (q[i]!.grant) n++;
    }
    return n;
  }

  /**
   * Waits for a slot. Resolves with its release function.
   * @throws AbortError when `signal` aborts before a slot is granted.
   */
  acquire(priority = 1, signal?: Cancel): Promise<Release> {
    if (signal?.aborted) return Promise.reject(abortErrorOf(signal));
    if (this.#active < this.limit && this.#empty()) {
      this.#active++;
      return Promise.resolve(this.#releaser());
    }
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = { grant: undefined };
      const unregister = signal?.onAbort(() => {
        if (!waiter.grant) return;
        waiter.grant = undefined;
        reject(abortErrorOf(signal));
      });
      waiter.grant = () => {
        waiter.grant = undefined;
        unregister?.();
        resolve(this.#releaser());
      };
      const p = Math.min(PRIORITIES - 1, Math.max(0, Math.floor(priority)));
      this.#queues[p]!.push(waiter);
    });
  }

  /** Runs `fn` holding a slot. */
  async run<T>(fn: () => T | Promise<T>, priority = 1, signal?: Cancel): Promise<T> {
    const release = await this.acquire(priority, signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  #empty(): boolean {
    for (let p = 0; p < PRIORITIES; p++) {
      const q = this.#queues[p]!;
      while (this.#heads[p]! < q.length && !q[this.#heads[p]!]!.grant) this.#heads[p]!++;
      if (this.#heads[p]! < q.length) return false;
      if (q.length > 0) {
        q.length = 0;
        this.#heads[p] = 0;
      }
    }
    return true;
  }

  #releaser(): Release {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#active--;
      this.#pump();
    };
  }

  #pump(): void {
    while (this.#active < this.limit) {
      let next: Waiter | undefined;
      for (let p = 0; p < PRIORITIES && !next; p++) {
        const q = this.#queues[p]!;
        let h = this.#heads[p]!;
        while (h < q.length && !q[h]!.grant) h++;
        if (h < q.length) {
          next = q[h]!;
          h++;
        }
        if (h >= q.length) {
          q.length = 0;
          h = 0;
        } else if (h > 1024 && h * 2 > q.length) {
          q.splice(0, h);
          h = 0;
        }
        this.#heads[p] = h;
      }
      if (!next) return;
      this.#active++;
      next.grant!();
    }
  }
}

/** An `AbortError` for an aborted signal or scope (its reason as `cause`; an `AbortError` reason is returned as is). */
export function abortErrorOf(signal: { readonly reason: unknown }, key?: string): AbortError {
  const reason: unknown = signal.reason;
  if (reason instanceof AbortError) return reason;
  return new AbortError(
    key === undefined ? "The operation was aborted" : `Aborted while reading "${key}"`,
    key,
    { cause: reason },
  );
}

/** Resolves after `ms` milliseconds, or rejects with `AbortError` when `signal` aborts first. */
export function sleep(ms: number, signal?: Cancel): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortErrorOf(signal));
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      unregister?.();
      resolve();
    }, ms);
    const unregister = signal?.onAbort(() => {
      clearTimeout(timer);
      reject(abortErrorOf(signal));
    });
  });
}

/** `p`, or an `AbortError` as soon as `signal` aborts (for callees that may ignore signals). */
export function raceAbort<T>(p: Promise<T>, signal: Cancel, key?: string): Promise<T> {
  if (signal.aborted) return Promise.reject(abortErrorOf(signal, key));
  return new Promise<T>((resolve, reject) => {
    const unregister = signal.onAbort(() => reject(abortErrorOf(signal, key)));
    p.then(
      (v) => {
        unregister();
        resolve(v);
      },
      (e: unknown) => {
        unregister();
        reject(signal.aborted ? abortErrorOf(signal, key) : e);
      },
    );
  });
}

/**
 * A controller that aborts when `parent` does (with its reason). Call `dispose()` when done to
 * detach from a long-lived parent.
 */
export function linkedController(parent: AbortSignal | undefined): {
  controller: AbortController;
  dispose: () => void;
} {
  const controller = new AbortController();
  if (!parent) return { controller, dispose: () => {} };
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { controller, dispose: () => {} };
  }
  const onAbort = () => controller.abort(parent.reason);
  parent.addEventListener("abort", onAbort, { once: true });
  return { controller, dispose: () => parent.removeEventListener("abort", onAbort) };
}
