/**
 * The decode worker pool: runs the bytes→bytes stage of chunk decoding (decompression and
 * checksums, the CPU-heavy part) on worker threads — `node:worker_threads` in Node, module Web
 * Workers in browsers — so the thread that issues requests, scatters chunks and runs the user's
 * code stays free, and several chunks decompress at once.
 *
 * A chunk is sent to a worker when its pipeline's bytes→bytes codecs are all built-in (a worker
 * cannot see codecs registered with `registerCodec`) and its stored bytes are at least
 * {@link DecodeWorkerOptions.minBytes}; otherwise, or when workers cannot be started (no `Worker`
 * in the environment, a content-security policy), it is decoded on the calling thread, with the
 * same results and errors. The compressed bytes are copied once into a buffer transferred to the
 * worker; the decoded bytes are transferred back (no copy). Both buffers are reused across chunks
 * ({@link DecodePool.decodeWith}), so a large read allocates little.
 *
 * Writes use the same workers for the bytes→bytes stage of encoding ({@link DecodePool.encode}):
 * the array→bytes codec's output goes to a worker (transferred when it is memory of the encode's
 * own, else copied into a reused buffer) and the bytes to store come back. Decodes and encodes
 * share the workers' queues.
 *
 * Workers start on first use and do not keep a Node process alive (`unref`). A worker that
 * cannot rebuild a pipeline, or that dies, hands its chunks back to the calling thread.
 * @module
 */
import { AbortError, ChecksumError, CodecError } from "../core/errors.js";
import type { NDArray } from "../core/ndarray.js";
import { BUILTIN_CODECS } from "../format/codecs/builtins.js";
import { BYTES_CODEC_LOADERS } from "../format/codecs/bytes-codec-loaders.js";
import type { BytesStage, CodecPipeline } from "../format/codecs/pipeline.js";
import { getCodecFactory } from "../format/codecs/registry.js";
import type {
  DecodeRequest,
  EncodeRequest,
  WorkerError,
  WorkerReply,
  WorkerRequest,
} from "./decode-protocol.js";
import { isNode, nodeWorkerStarter } from "./node-worker.js";

/** Options of the decode worker pool ({@link configureDecodeWorkers}). */
export interface DecodeWorkerOptions {
  /**
   * Number of worker threads; 0 decodes on the calling thread. Default: the number of logical
   * CPUs (`os.availableParallelism()` in Node, `navigator.hardwareConcurrency` in browsers),
   * at most 8.
   */
  readonly workers?: number;
  /**
   * Smallest stored chunk (bytes) sent to a worker; smaller chunks decode faster than a message
   * round trip (about 0.05 ms). Default {@link DEFAULT_DECODE_MIN_BYTES}.
   */
  readonly minBytes?: number;
}

/** Default smallest stored chunk sent to a worker, in bytes: 16 KiB. */
export const DEFAULT_DECODE_MIN_BYTES = 16 * 1024;

const MAX_DEFAULT_WORKERS = 8;

/**
 * Chunks sent to one worker and not yet answered, at most. Further chunks wait on the calling
 * thread as views of their stored bytes (no copy yet), which keeps the transfer buffers in flight
 * to about `WORKER_QUEUE_DEPTH × workers` of each size, all reused, instead of one pair per chunk
 * of a large read.
 */
const WORKER_QUEUE_DEPTH = 6;
/**
 * Messages sent to one worker and not yet answered, at most: one being worked on and one waiting,
 * so a worker never idles between messages. Chunks sent while both are out wait in the worker's
 * outbox and go together as the next message when one is answered: one message (and one wake-up
 * of each thread) per batch, not per chunk. Each wake-up costs a context switch, and on 2 shared
 * cores a switch to a busy thread; per-chunk messages made about 2,000 of them per W2 read.
 */
const MESSAGES_IN_FLIGHT = 2;

interface Pending {
  /** The resulting bytes, or `undefined`: run the stage on the calling thread instead. */
  resolve(bytes: Uint8Array | undefined): void;
  reject(e: Error): void;
  /** Whether the request's `input` comes back to the buffer cache when answered. */
  recycleInput: boolean;
}

/** Smallest recycled input buffer (bytes); inputs use power-of-two sizes from here. */
const MIN_INPUT_BUFFER = 64 * 1024;
/**
 * Most bytes of idle buffers kept for reuse: 64 MiB. With 4 MB decoded chunks (the peer
 * benchmark's 30×180×180 float32 cube chunks) 16 MiB could not hold the buffers of two workers'
 * queues, so each read wrote into fresh memory again (a page fault per 4 KiB on first touch).
 */
const MAX_IDLE_BUFFER_BYTES = 64 * 1024 * 1024;

/**
 * Largest output for which the pool keeps one spare of the same size ready ({@link
 * DecodePool.allocate}): 64 MiB, the bound of the idle buffers above.
 */
export const SPARE_OUTPUT_MAX_BYTES = 64 * 1024 * 1024;

/** How long the workers must have been idle before a spare output is prepared, ms: 1. */
const SPARE_IDLE_MS = 1;

/**
 * How often a spare output waiting for busy workers (encodes, decodes outside reads) looks again,
 * ms: 10.
 */
const SPARE_RETRY_MS = 10;

/** How long an unused spare output is kept, ms: 2,000 (then it is left to the collector). */
export const SPARE_KEEP_MS = 2_000;

/**
 * Idle ArrayBuffers by exact size, reused for the bytes sent to workers and the decoded bytes
 * they send back: allocating (and later collecting) hundreds of MB of fresh buffers per read
 * made garbage collection the calling thread's largest cost.
 */
class BufferCache {
  #idle = new Map<number, ArrayBuffer[]>();
  #bytes = 0;

  take(size: number): ArrayBuffer {
    const list = this.#idle.get(size);
    const b = list?.pop();
    if (b) {
      this.#bytes -= size;
      return b;
    }
    return new ArrayBuffer(size);
  }

  give(b: ArrayBuffer | undefined): void {
    if (!b || b.byteLength === 0 || this.#bytes + b.byteLength > MAX_IDLE_BUFFER_BYTES) return;
    let list = this.#idle.get(b.byteLength);
    if (!list) {
      list = [];
      this.#idle.set(b.byteLength, list);
    }
    list.push(b);
    this.#bytes += b.byteLength;
  }

  clear(): void {
    this.#idle.clear();
    this.#bytes = 0;
  }
}

/** Whether two lists of sizes are equal, element by element. */
function sameSizes(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function inputSize(n: number): number {
  let s = MIN_INPUT_BUFFER;
  while (s < n) s *= 2;
  return s;
}

/** The part of a Node or browser worker the pool uses. */
interface PortLike {
  /** Sends one message: a batch of requests, answered by one message of their replies. */
  post(msgs: WorkerRequest[], transfer: ArrayBuffer[]): void;
  terminate(): void;
  /** Node: keep the process alive while the worker has work (no-op in browsers). */
  busy(yes: boolean): void;
}

interface Slot {
  port: PortLike;
  /** Requests sent or in the outbox and not yet answered, by id. */
  pending: Map<number, Pending>;
  /** Messages sent and not yet answered ({@link MESSAGES_IN_FLIGHT}). */
  messages: number;
  /** Requests to send as the next message, and the buffers they transfer. */
  outbox: WorkerRequest[];
  outboxTransfer: ArrayBuffer[];
  /** Set when the worker was stopped ({@link DecodePool.close}, fewer workers, a crash). */
  retired: boolean;
}

type Spawn = (onMessage: (m: WorkerReply[]) => void, onFail: (e: unknown) => void) => PortLike;

function cpuCount(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 4);
}

/**
 * Starts one Node worker thread. Run from the TypeScript sources (vitest, tsx), the worker
 * registers tsx's loader before importing `decode-worker.ts` (Node 20 does not pass
 * `--import tsx` on to workers); without tsx there are no workers.
 */
async function nodeSpawner(): Promise<{ spawn: Spawn; cpus: number }> {
  const osName = "node:os";
  const os = (await import(/* @vite-ignore */ osName)) as typeof import("node:os");
  const start = await nodeWorkerStarter("./decode-worker", import.meta.url);
  const spawn: Spawn = (onMessage, onFail) => {
    const w = start();
    w.on("message", onMessage);
    w.on("error", onFail);
    w.on("exit", (code) => {
      if (code !== 0 && code !== 1) onFail(new Error(`decode worker exited with code ${code}`));
    });
    // Idle workers do not keep the process alive; busy ones do (else a pending decode could
    // be the only thing awaited and Node would exit). After the listeners, which ref again.
    w.unref();
    return {
      post: (msg, transfer) => w.postMessage(msg, transfer),
      terminate: () => void w.terminate(),
      busy: (yes) => (yes ? w.ref() : w.unref()),
    };
  };
  return { spawn, cpus: os.availableParallelism() };
}

/** Starts one browser module worker (the `new Worker(new URL(…), …)` form bundlers rewrite). */
function browserSpawner(): { spawn: Spawn; cpus: number } | undefined {
  if (typeof (globalThis as { Worker?: unknown }).Worker !== "function") return undefined;
  const spawn: Spawn = (onMessage, onFail) => {
    const w = new Worker(new URL("./decode-worker.js", import.meta.url), { type: "module" });
    w.onmessage = (e: MessageEvent<WorkerReply[]>) => onMessage(e.data);
    w.onerror = (e) => onFail(e);
    return {
      post: (msg, transfer) => w.postMessage(msg, transfer),
      terminate: () => w.terminate(),
      busy: () => {},
    };
  };
  return { spawn, cpus: cpuCount() };
}

/** The error a worker reported, as the calling thread's decode or encode would have thrown it. */
function errorFrom(e: WorkerError, key: string): Error {
  if (e.kind === "checksum") {
    return new ChecksumError({
      key,
      codec: e.codec,
      expected: e.expected ?? 0,
      actual: e.actual ?? 0,
    });
  }
  return new CodecError(e.message, { key, codec: e.codec }, e.code);
}

/** A pool of decode workers. Each `Context` owns one (`context.decodePool`). */
export class DecodePool {
  #workers: number;
  /** Set when the worker count was given (else it follows the CPUs once they are known). */
  #explicit: boolean;
  #minBytes: number;
  #slots: Slot[] = [];
  #spawn: Promise<Spawn | undefined> | undefined;
  #failed = false;
  /** The "workers could not start" warning was printed (once per pool). */
  #warned = false;
  #nextId = 1;
  #next = 0;
  #offloaded = 0;
  readonly #stageKeys = new WeakMap<BytesStage, string>();
  #encodesOffloaded = 0;
  #allocated = 0;
  #sparesTaken = 0;
  /**
   * The spare output memory: one buffer of each size the last {@link allocateAll} asked for,
   * their pages written on a worker while the workers were idle (`ready` settles when they are).
   */
  #spare: { sizes: readonly number[]; ready: Promise<(ArrayBuffer | undefined)[]> } | undefined;
  /** The sizes a spare is wanted for (none: empty), and the timer that prepares or drops it. */
  #spareWanted: readonly number[] = [];
  #spareTimer: ReturnType<typeof setTimeout> | undefined;
  /** Reads running ({@link hold}): no spare is prepared while one is. */
  #holds = 0;
  #messages = 0;
  #buffers = new BufferCache();
  /** Decodes waiting for a worker with room ({@link WORKER_QUEUE_DEPTH}), first come first served. */
  #waiting: (() => void)[] = [];

  constructor(options: DecodeWorkerOptions = {}) {
    this.#workers = options.workers ?? Math.min(MAX_DEFAULT_WORKERS, cpuCount());
    this.#explicit = options.workers !== undefined;
    this.#minBytes = options.minBytes ?? DEFAULT_DECODE_MIN_BYTES;
  }

  /** Worker threads in use (0: decoding on the calling thread). */
  get workers(): number {
    return this.#failed ? 0 : this.#workers;
  }

  /** Chunks decoded on workers so far. */
  get offloaded(): number {
    return this.#offloaded;
  }

  /**
   * Chunks (and inner chunks of shards) whose bytes→bytes codecs ran on workers by
   * {@link encode} so far.
   */
  get encodesOffloaded(): number {
    return this.#encodesOffloaded;
  }

  /**
   * Messages sent to workers so far: each carries one request or a batch of them
   * ({@link MESSAGES_IN_FLIGHT}), so this is at most the number of requests.
   */
  get messages(): number {
    return this.#messages;
  }

  /** Buffers allocated (and their pages written) on workers by {@link allocate} so far. */
  get allocated(): number {
    return this.#allocated;
  }

  /**
   * Outputs {@link allocate} and {@link allocateAll} answered with the spare prepared while the
   * workers were idle.
   */
  get sparesTaken(): number {
    return this.#sparesTaken;
  }

  /** Smallest stored chunk sent to a worker, in bytes (for an encode: its unencoded bytes). */
  get minBytes(): number {
    return this.#minBytes;
  }

  /** Forgets the spare output and its timer. */
  #dropSpare(): void {
    if (this.#spareTimer !== undefined) clearTimeout(this.#spareTimer);
    this.#spareTimer = undefined;
    this.#spare = undefined;
    this.#spareWanted = [];
  }

  /** Changes the options; lowering `workers` stops the extra workers. */
  configure(options: DecodeWorkerOptions): void {
    if (options.workers !== undefined) {
      const n = options.workers;
      if (!(Number.isInteger(n) && n >= 0)) {
        throw new RangeError(`decode workers must be an integer >= 0, got ${n}`);
      }
      this.#workers = n;
      this.#explicit = true;
      for (const s of this.#slots.splice(n)) this.#retire(s);
    }
    if (options.minBytes !== undefined) {
      const m = options.minBytes;
      if (!(Number.isFinite(m) && m >= 0)) {
        throw new RangeError(`decode minBytes must be a number of bytes >= 0, got ${m}`);
      }
      this.#minBytes = m;
    }
  }

  /**
   * Whether `pipeline`'s bytes→bytes stage of a `size`-byte chunk would run on a worker: `size`
   * is the stored size of a decode, the unencoded size (the array→bytes codec's output) of an
   * encode.
   */
  offloads(pipeline: CodecPipeline, size: number): boolean {
    if (this.#failed || this.#workers === 0 || size < this.#minBytes) return false;
    const stage = pipeline.bytesStage;
    return stage?.codecs.every((c) => runsOnWorker(c.name)) === true;
  }

  /**
   * Decodes one chunk's stored `bytes` with `pipeline` (same result and errors as
   * `pipeline.decode`), running the bytes→bytes codecs on a worker when {@link offloads}.
   * @throws CodecError / ChecksumError naming `key` and the codec.
   */
  async decode(pipeline: CodecPipeline, bytes: Uint8Array, key: string): Promise<NDArray> {
    const ctx = { key };
    if (!this.offloads(pipeline, bytes.length)) return pipeline.decode(bytes, ctx);
    const raw = await this.#decodeStage(pipeline.bytesStage!, bytes, key, false);
    if (raw === undefined) return pipeline.decode(bytes, ctx);
    this.#offloaded++;
    return pipeline.decodeArray(raw, ctx);
  }

  /**
   * Like {@link decode}, but hands the chunk to `use` and then reuses its memory: `use` must not
   * keep the chunk (or views of it) after it returns; copy what it needs (as scattering does).
   * @param decodedPrefix when `use` reads only the first `decodedPrefix` bytes of the bytes→bytes
   *   stage's result (the array→bytes codec's input; see `run/prefix.ts`): the first codec may
   *   decode just those (`CodecContext.decodedPrefix`), on a worker or here alike, and the chunk's
   *   other elements then hold whatever the memory held.
   * @returns what `use` returns.
   * @throws CodecError / ChecksumError naming `key` and the codec; whatever `use` throws.
   */
  async decodeWith<T>(
    pipeline: CodecPipeline,
    bytes: Uint8Array,
    key: string,
    use: (chunk: NDArray) => T,
    decodedPrefix?: number,
  ): Promise<T> {
    const ctx = { key };
    if (!this.offloads(pipeline, bytes.length)) {
      return use(await decodeHere(pipeline, bytes, key, decodedPrefix));
    }
    const raw = await this.#decodeStage(pipeline.bytesStage!, bytes, key, true, decodedPrefix);
    if (raw === undefined) return use(await decodeHere(pipeline, bytes, key, decodedPrefix));
    this.#offloaded++;
    try {
      return use(await pipeline.decodeArray(raw, ctx));
    } finally {
      if (raw.byteOffset === 0 && raw.byteLength === pipeline.bytesStage!.decodedSize) {
        this.#buffers.give(raw.buffer as ArrayBuffer);
      }
    }
  }

  /**
   * Encodes one chunk (shape `pipeline.spec.shape`, any strides) into the bytes to store: the
   * same bytes and errors as `pipeline.encode(chunk, { key })`. The array→array and array→bytes
   * codecs run on the calling thread ({@link CodecPipeline.encodeArray}); the bytes→bytes codecs
   * (compression, checksums) run on a worker when {@link offloads} the unencoded size, else here.
   * The unencoded bytes are transferred to the worker when they are memory of the encode's own
   * (every codec built-in, not a view of `chunk`), else copied into a reused buffer; `chunk` is
   * never transferred nor changed. A worker that cannot rebuild the codecs, dies or is stopped
   * ({@link close}) hands the chunk back to the calling thread.
   *
   * A sharded pipeline (`pipeline.sharding`) encodes its shard here, each stored inner chunk
   * through this method (`CodecContext.encodeInner`), so the inner chunks' bytes→bytes codecs run
   * on the workers (all inner chunks of a shard are encoded at once, as `pipeline.encode` does);
   * bytes→bytes codecs on the whole shard then follow the same rule.
   * @param key store key of the chunk (or shard), named by errors.
   * @param signal aborting it rejects the encode with `AbortError` (`ERR_ABORTED`, the reason as
   *   `cause`) at once; work already on a worker finishes there unobserved, inner chunks of a
   *   shard not yet started are not started, and an encode handed back by a lost worker is not
   *   run again on the calling thread.
   * @throws RangeError when the chunk's shape or data type differs from the pipeline's spec;
   *   CodecError naming `key` and the codec (as `pipeline.encode`); AbortError (see `signal`).
   */
  encode(
    pipeline: CodecPipeline,
    chunk: NDArray,
    key: string,
    signal?: AbortSignal,
  ): Promise<Uint8Array> {
    if (!signal) return this.#encode(pipeline, chunk, key, undefined);
    if (signal.aborted) return Promise.reject(encodeAborted(signal, key));
    return new Promise<Uint8Array>((resolve, reject) => {
      const onAbort = () => reject(encodeAborted(signal, key));
      signal.addEventListener("abort", onAbort, { once: true });
      this.#encode(pipeline, chunk, key, signal).then(
        (bytes) => {
          signal.removeEventListener("abort", onAbort);
          resolve(bytes);
        },
        (e: unknown) => {
          signal.removeEventListener("abort", onAbort);
          reject(signal.aborted ? encodeAborted(signal, key) : e);
        },
      );
    });
  }

  async #encode(
    pipeline: CodecPipeline,
    chunk: NDArray,
    key: string,
    signal: AbortSignal | undefined,
  ): Promise<Uint8Array> {
    if (signal?.aborted) throw encodeAborted(signal, key);
    // Inner chunks of a shard come back through here (`CodecContext.encodeInner`).
    const encodeInner = (p: CodecPipeline, c: NDArray, k: string) => this.#encode(p, c, k, signal);
    const ctx = { key, encodeInner };
    const raw = await pipeline.encodeArray(chunk, ctx);
    const stage = pipeline.bytesStage;
    if (!stage || !this.offloads(pipeline, raw.length)) return pipeline.encodeBytes(raw, ctx);
    const own = ownsMemory(pipeline, chunk, raw);
    const stored = await this.#encodeStage(stage, raw, key, own);
    if (stored !== undefined) {
      this.#encodesOffloaded++;
      return stored;
    }
    if (signal?.aborted) throw encodeAborted(signal, key);
    // A transferred `raw` is gone with its worker: the array→bytes half runs again.
    return pipeline.encodeBytes(own ? await pipeline.encodeArray(chunk, ctx) : raw, ctx);
  }

  /**
   * Zeroed memory of `bytes` bytes whose pages a worker has already written to, for an output the
   * calling thread is about to fill: on first touch each 4 KiB page of new memory costs a page
   * fault (about 10 µs each on small VMs, 45 ms for a 16 MiB output), which is then paid on a
   * worker, while the calling thread makes requests, instead of on the calling thread while it
   * scatters. `undefined` when no worker can take it (none configured or started, `bytes` below
   * {@link minBytes}, the worker lost, out of memory there): allocate on the calling thread then.
   * The same as {@link allocateAll} of `[bytes]`.
   * @param bytes size in bytes (a non-negative safe integer).
   * @returns the memory (an `ArrayBuffer` of exactly `bytes` bytes, zeroed), or `undefined`.
   * @throws RangeError when `bytes` is not a non-negative safe integer.
   */
  async allocate(bytes: number): Promise<ArrayBuffer | undefined> {
    return (await this.allocateAll([bytes]))[0];
  }

  /**
   * {@link allocate} for each of `sizes` (the outputs of one read): the buffers come in one batch
   * of requests, and the spare is the whole group.
   *
   * After each call of at most {@link SPARE_OUTPUT_MAX_BYTES} in all, the pool prepares one more
   * group of the same sizes once its workers have been idle for a few ms, and answers the next
   * call with the same sizes (in the same order) with it ({@link sparesTaken} counts its
   * buffers); an unused spare is dropped after {@link SPARE_KEEP_MS} ms. Repeated reads of one
   * shape then find their outputs' pages written already, as a C++ reader finds them in the memory
   * `malloc` got back from the last one.
   * @param sizes sizes in bytes (non-negative safe integers).
   * @returns one entry per size: the memory (zeroed), or `undefined` where no worker could
   *   allocate it (then the calling thread does).
   * @throws RangeError when a size is not a non-negative safe integer.
   */
  async allocateAll(sizes: readonly number[]): Promise<(ArrayBuffer | undefined)[]> {
    for (const bytes of sizes) {
      if (!(Number.isSafeInteger(bytes) && bytes >= 0)) {
        throw new RangeError(`allocate: bytes must be a non-negative safe integer, got ${bytes}`);
      }
    }
    const none = () => sizes.map(() => undefined);
    if (this.#failed || this.#workers === 0) return none();
    const wanted = sizes.filter((b) => b >= this.#minBytes);
    if (wanted.length === 0) return none();
    const spare = this.#spare;
    let found: (ArrayBuffer | undefined)[] | undefined;
    if (spare !== undefined && sameSizes(spare.sizes, wanted)) {
      this.#spare = undefined;
      found = await spare.ready;
    }
    const got = await Promise.all(
      wanted.map((bytes, i) => {
        const b = found?.[i];
        if (b?.byteLength === bytes) {
          this.#sparesTaken++;
          return b;
        }
        return this.#allocateOnWorker(bytes);
      }),
    );
    let k = 0;
    const out = sizes.map((bytes) => (bytes >= this.#minBytes ? got[k++] : undefined));
    const made = out.filter((b) => b !== undefined).length;
    if (made > 0) {
      this.#allocated += made;
      this.#wantSpare(wanted);
    }
    return out;
  }

  async #allocateOnWorker(bytes: number): Promise<ArrayBuffer | undefined> {
    const u8 = await this.#send(() => ({
      msg: { op: "allocate", id: this.#nextId++, bytes },
      transfer: [],
      recycleInput: false,
    }));
    return u8?.byteLength === bytes ? (u8.buffer as ArrayBuffer) : undefined;
  }

  /** Asks for a spare group of `sizes` (see {@link allocateAll}), replacing one of others. */
  #wantSpare(sizes: readonly number[]): void {
    let total = 0;
    for (const b of sizes) total += b;
    if (total > SPARE_OUTPUT_MAX_BYTES) return;
    if (this.#spare && !sameSizes(this.#spare.sizes, sizes)) this.#spare = undefined;
    this.#spareWanted = sizes;
    if (this.#spare === undefined && this.#holds === 0) this.#spareAfter(SPARE_IDLE_MS);
  }

  /**
   * Marks a read as running until the returned function is called: the spare output (see
   * {@link allocate}) is prepared only between reads, never while one waits for its data and
   * would find a worker busy writing pages.
   */
  hold(): () => void {
    this.#holds++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.#holds--;
      if (this.#holds === 0 && this.#spareWanted.length > 0 && this.#spare === undefined) {
        this.#spareAfter(SPARE_IDLE_MS);
      }
    };
  }

  /** Runs the spare's timer step after `ms`: prepare once the workers are idle, or drop it. */
  #spareAfter(ms: number): void {
    if (this.#spareTimer !== undefined) clearTimeout(this.#spareTimer);
    const timer = setTimeout(() => {
      this.#spareTimer = undefined;
      this.#spareStep();
    }, ms);
    // Never what keeps a Node process alive (browsers have no unref).
    (timer as { unref?: () => void }).unref?.();
    this.#spareTimer = timer;
  }

  #spareStep(): void {
    if (this.#spare !== undefined) {
      // Prepared and not taken within SPARE_KEEP_MS: let it go.
      this.#spare = undefined;
      return;
    }
    const sizes = this.#spareWanted;
    // While reads run, their end (hold) starts this again.
    if (sizes.length === 0 || this.#failed || this.#slots.length === 0 || this.#holds > 0) return;
    const busy = this.#waiting.length > 0 || this.#slots.some((s) => s.pending.size > 0);
    if (busy) {
      this.#spareAfter(SPARE_RETRY_MS);
      return;
    }
    const ready = Promise.all(
      sizes.map((bytes) => this.#allocateOnWorker(bytes).catch(() => undefined)),
    );
    this.#spare = { sizes, ready };
    this.#spareAfter(SPARE_KEEP_MS);
  }

  /**
   * Stops every worker (their pending decodes and encodes finish on the calling thread); the next
   * decode or encode starts new ones.
   */
  close(): void {
    this.#dropSpare();
    for (const s of this.#slots.splice(0)) this.#retire(s);
    this.#buffers.clear();
  }

  /**
   * The decoded bytes, or `undefined` when no worker could be started. With `recycled`, the
   * result is decoded into a reused buffer of the stage's decoded size when that is known.
   */
  #decodeStage(
    stage: BytesStage,
    bytes: Uint8Array,
    key: string,
    recycled: boolean,
    decodedPrefix?: number,
  ): Promise<Uint8Array | undefined> {
    return this.#send(() => {
      const input = this.#buffers.take(inputSize(bytes.length));
      new Uint8Array(input).set(bytes);
      const out =
        recycled && preallocatable(stage.decodedSize, bytes.length)
          ? this.#buffers.take(stage.decodedSize)
          : undefined;
      const msg: DecodeRequest = {
        op: "decode",
        ...stageFields(this.#nextId++, key, stage, this.#stageKey(stage), input, bytes.length),
        maxDecodedBytes: stage.maxDecodedBytes,
        ...(out ? { out } : {}),
        ...(out && decodedPrefix !== undefined && decodedPrefix < out.byteLength
          ? { decodedPrefix }
          : {}),
      };
      return { msg, transfer: out ? [input, out] : [input], recycleInput: true };
    });
  }

  /**
   * The encoded bytes of the unencoded `raw`, or `undefined` when no worker could take them.
   * With `transfer`, `raw`'s own buffer is sent (and comes back to the buffer cache when it has
   * the stage's decoded size, which reads of the same array reuse); else `raw` is copied.
   */
  #encodeStage(
    stage: BytesStage,
    raw: Uint8Array,
    key: string,
    transfer: boolean,
  ): Promise<Uint8Array | undefined> {
    return this.#send(() => {
      let input: ArrayBuffer;
      if (transfer) {
        input = raw.buffer as ArrayBuffer;
      } else {
        input = this.#buffers.take(inputSize(raw.length));
        new Uint8Array(input).set(raw);
      }
      const msg: EncodeRequest = {
        op: "encode",
        ...stageFields(this.#nextId++, key, stage, this.#stageKey(stage), input, raw.length),
      };
      const recycleInput = !transfer || input.byteLength === stage.decodedSize;
      return { msg, transfer: [input], recycleInput };
    });
  }

  /**
   * The key workers cache `stage`'s rebuilt codecs by: its codecs, data type and chunk shape as
   * JSON, made once per stage (not per chunk).
   */
  #stageKey(stage: BytesStage): string {
    let k = this.#stageKeys.get(stage);
    if (k === undefined) {
      const dt = stage.spec.dataType;
      k = JSON.stringify([stage.codecs, dt.name, dt.itemSize, stage.spec.shape]);
      this.#stageKeys.set(stage, k);
    }
    return k;
  }

  /**
   * Sends the request `build` makes to a worker with room in its queue
   * ({@link WORKER_QUEUE_DEPTH}), after the decodes and encodes already waiting, and resolves
   * with the worker's bytes; `undefined` (run the stage here instead) when no worker could be
   * started or the worker was lost. `build` runs right after the room is found, with no await
   * in between, so no other request can take that room first.
   */
  async #send(
    build: () => { msg: WorkerRequest; transfer: ArrayBuffer[]; recycleInput: boolean },
  ): Promise<Uint8Array | undefined> {
    let slot = await this.#slot();
    if (slot && (slot.pending.size >= WORKER_QUEUE_DEPTH || this.#waiting.length > 0)) {
      // Behind the requests already waiting; a woken one that finds no room again waits first.
      await new Promise<void>((wake) => this.#waiting.push(wake));
      slot = await this.#slot();
    }
    // A worker stopped (close, configure) after #slot chose it would never answer: choose again.
    while (slot && (slot.retired || slot.pending.size >= WORKER_QUEUE_DEPTH)) {
      if (!slot.retired) await new Promise<void>((wake) => this.#waiting.unshift(wake));
      slot = await this.#slot();
    }
    if (!slot) return undefined;
    const { msg, transfer, recycleInput } = build();
    const to = slot;
    return new Promise<Uint8Array | undefined>((resolve, reject) => {
      if (to.pending.size === 0) to.port.busy(true);
      to.pending.set(msg.id, { resolve, reject, recycleInput });
      to.outbox.push(msg);
      for (const t of transfer) to.outboxTransfer.push(t);
      if (to.messages < MESSAGES_IN_FLIGHT) this.#flush(to);
    });
  }

  /** Sends the outbox of `slot` as one message (nothing when it is empty). */
  #flush(slot: Slot): void {
    if (slot.outbox.length === 0 || slot.retired) return;
    const msgs = slot.outbox;
    const transfer = slot.outboxTransfer;
    slot.outbox = [];
    slot.outboxTransfer = [];
    slot.messages++;
    this.#messages++;
    slot.port.post(msgs, transfer);
  }

  /** The least busy worker, starting workers up to the configured number. */
  async #slot(): Promise<Slot | undefined> {
    if (!this.#spawn) {
      this.#spawn = (isNode() ? nodeSpawner() : Promise.resolve(browserSpawner())).then(
        (env) => {
          if (!env) return undefined;
          if (!this.#explicit) this.#workers = Math.min(MAX_DEFAULT_WORKERS, env.cpus);
          return env.spawn;
        },
        () => undefined,
      );
    }
    const spawn = await this.#spawn;
    if (!spawn || this.#failed) {
      // No Worker at all is only worth a warning when workers were asked for by number.
      if (!spawn && this.#explicit) this.#giveUp("this runtime has no Worker");
      this.#failed = true;
      return undefined;
    }
    let best: Slot | undefined;
    for (const s of this.#slots) if (!best || s.pending.size < best.pending.size) best = s;
    if ((!best || best.pending.size > 0) && this.#slots.length < this.#workers) {
      try {
        best = this.#start(spawn);
      } catch (e) {
        if (this.#slots.length === 0) {
          this.#giveUp(e);
          return undefined;
        }
      }
    }
    if (!best) best = this.#slots[this.#next++ % this.#slots.length];
    return best;
  }

  /**
   * Stops using workers and says so once (console.warn): chunks then decode on the calling thread,
   * with the same results, so the only sign would otherwise be `offloaded` staying 0.
   */
  #giveUp(reason: unknown): void {
    this.#failed = true;
    if (this.#warned || this.#workers === 0) return;
    this.#warned = true;
    const why =
      reason instanceof Error
        ? reason.message
        : typeof reason === "string"
          ? reason
          : ((reason as { message?: unknown } | null)?.message ??
            "the worker script failed to load");
    console.warn(
      `zarr-plan: decode workers could not start (${String(why)}); decoding on the calling thread instead. ` +
        `Bundlers must emit dist/exec/decode-worker.js next to the code that starts it (Vite dev server: optimizeDeps.exclude ["zarr-plan"]; see docs/plans.md). ` +
        `new Context({ decodeWorkers: { workers: 0 } }) decodes here without this warning.`,
    );
  }

  #start(spawn: Spawn): Slot {
    const slot: Slot = {
      port: undefined as unknown as PortLike,
      pending: new Map(),
      messages: 0,
      outbox: [],
      outboxTransfer: [],
      retired: false,
    };
    slot.port = spawn(
      (replies) => {
        if (slot.retired) return;
        slot.messages--;
        // What waited while both messages were out goes now, before the replies' continuations
        // run, so the worker has its next batch at once.
        this.#flush(slot);
        for (const m of replies) {
          const p = slot.pending.get(m.id);
          if (!p) continue;
          slot.pending.delete(m.id);
          if (slot.pending.size === 0) slot.port.busy(false);
          if (p.recycleInput) this.#buffers.give(m.input);
          this.#buffers.give(m.out);
          if (!m.error) p.resolve(m.bytes);
          else if (m.error.kind === "setup") p.resolve(undefined);
          else p.reject(errorFrom(m.error, m.key));
          this.#waiting.shift()?.();
        }
      },
      (e) => {
        // A worker that fails (cannot load, crashes) is not replaced: decoding goes on here.
        this.#giveUp(e);
        const i = this.#slots.indexOf(slot);
        if (i >= 0) this.#slots.splice(i, 1);
        this.#retire(slot);
      },
    );
    this.#slots.push(slot);
    return slot;
  }

  /** Stops a worker; its pending decodes run on the calling thread instead. */
  #retire(slot: Slot): void {
    slot.retired = true;
    slot.outbox = [];
    slot.outboxTransfer = [];
    slot.port.terminate();
    for (const p of slot.pending.values()) p.resolve(undefined);
    slot.pending.clear();
    // Waiting decodes look again: at another worker, or at none (then they decode here).
    for (const wake of this.#waiting.splice(0)) wake();
  }
}

/** The error of an encode whose signal aborted (an `AbortError` reason is returned as is). */
function encodeAborted(signal: AbortSignal, key: string): AbortError {
  const reason: unknown = signal.reason;
  if (reason instanceof AbortError) return reason;
  return new AbortError(`Aborted while encoding "${key}"`, key, { cause: reason });
}

/** Largest decode output made before decoding (bytes): 64 MiB, the bound of the idle buffers. */
const MAX_PREALLOCATED_BYTES = 64 * 1024 * 1024;
/** Most decoded bytes per stored byte an output is made for before decoding, beyond the slack. */
const MAX_PREALLOCATED_RATIO = 1024;
/**
 * Decoded bytes an output may have before decoding whatever the stored size (bytes): 4 MiB, so
 * chunks of common sizes keep reused memory however well they compress (a mostly constant chunk).
 */
const PREALLOCATED_SLACK_BYTES = 4 * 1024 * 1024;

/**
 * Whether memory of the stage's decoded size `size` (from the array's metadata) may be made
 * before decoding `stored` bytes into it: at most {@link MAX_PREALLOCATED_BYTES}, and at most
 * {@link MAX_PREALLOCATED_RATIO} times the stored bytes plus {@link PREALLOCATED_SLACK_BYTES}.
 * Metadata declaring an absurd chunk cannot then make a read allocate more than that before
 * anything is decoded; such a chunk (or a legitimately larger or more compressible one) decodes
 * into memory the size its codecs declare, under their ceilings, as it would without this path.
 */
function preallocatable(size: number | undefined, stored: number): size is number {
  return (
    size !== undefined &&
    size > 0 &&
    size <= MAX_PREALLOCATED_BYTES &&
    size <= stored * MAX_PREALLOCATED_RATIO + PREALLOCATED_SLACK_BYTES
  );
}

/**
 * `pipeline.decode` on the calling thread; with `decodedPrefix` below the stage's decoded size,
 * into new memory of that size (`CodecPipeline.decodeBytes` with `out`, the prefix in the context:
 * what a worker does with the same request), so a read gets the same values and errors either way.
 */
async function decodeHere(
  pipeline: CodecPipeline,
  bytes: Uint8Array,
  key: string,
  decodedPrefix: number | undefined,
): Promise<NDArray> {
  const size = pipeline.bytesStage?.decodedSize;
  if (!preallocatable(size, bytes.length) || decodedPrefix === undefined || decodedPrefix >= size) {
    return pipeline.decode(bytes, { key });
  }
  const raw = await pipeline.decodeBytes(bytes, { key, decodedPrefix }, new Uint8Array(size));
  return pipeline.decodeArray(raw, { key });
}

/** The fields of a request every operation has. */
function stageFields(
  id: number,
  key: string,
  stage: BytesStage,
  stageKey: string,
  input: ArrayBuffer,
  length: number,
) {
  return {
    id,
    key,
    stageKey,
    codecs: stage.codecs,
    dataType: stage.spec.dataType.name,
    itemSize: stage.spec.dataType.itemSize,
    shape: stage.spec.shape,
    input,
    length,
  };
}

/**
 * Whether the unencoded bytes `raw` of `chunk` are memory of the encode's own, which can be
 * transferred to a worker: a whole (non-shared) ArrayBuffer that is not `chunk`'s, made by
 * built-in codecs only (which neither keep nor share what they return; a codec registered by the
 * user might).
 */
function ownsMemory(pipeline: CodecPipeline, chunk: NDArray, raw: Uint8Array): boolean {
  const buffer = raw.buffer;
  return (
    buffer instanceof ArrayBuffer &&
    raw.byteOffset === 0 &&
    raw.byteLength === buffer.byteLength &&
    buffer.byteLength > 0 &&
    buffer !== (chunk.data as { buffer?: unknown }).buffer &&
    isBuiltin(pipeline.arrayToBytes.name) &&
    pipeline.arrayToArray.every((c) => isBuiltin(c.name))
  );
}

/** Whether a worker can rebuild the codec `name`: a built-in bytes→bytes codec not replaced. */
function runsOnWorker(name: string): boolean {
  return Object.hasOwn(BYTES_CODEC_LOADERS, name) && isBuiltin(name);
}

function isBuiltin(name: string): boolean {
  const f = BUILTIN_CODECS[name];
  return f !== undefined && getCodecFactory(name) === f;
}
