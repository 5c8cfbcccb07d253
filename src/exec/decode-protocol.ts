/**
 * Messages between the decode pool (`decode-pool.ts`) and its workers (`decode-worker.ts`).
 * @module
 */
import type { CodecSpec } from "../format/model.js";

/** Decode the bytes→bytes stage of one chunk. */
export interface WorkerRequest {
  readonly id: number;
  /** Store key of the chunk (named by errors). */
  readonly key: string;
  /** The bytes→bytes codecs in metadata (encoding) order. */
  readonly codecs: readonly CodecSpec[];
  /** Data type name, item size (bytes) and shape of the spec the codecs were built for. */
  readonly dataType: string;
  readonly itemSize: number;
  readonly shape: readonly number[];
  /** The stored bytes: the first `length` bytes of `input` (transferred, and sent back). */
  readonly input: ArrayBuffer;
  readonly length: number;
  /** A buffer of exactly the decoded size to decode into (transferred), when known. */
  readonly out?: ArrayBuffer;
  /**
   * The decode ceiling of each codec in bytes, aligned with {@link codecs} (`undefined`: none):
   * the pipeline's `BytesStage.maxDecodedBytes`, so the worker refuses what the calling thread
   * would.
   */
  readonly maxDecodedBytes: readonly (number | undefined)[];
}

/** Why a worker did not decode a chunk. */
export interface WorkerError {
  /** `setup`: the worker could not rebuild the codecs (the pool decodes on the calling thread). */
  readonly kind: "codec" | "checksum" | "setup";
  readonly codec: string;
  /** The codec's own message (without the "codec failed on key" prefix). */
  readonly message: string;
  readonly expected?: number;
  readonly actual?: number;
}

/** A worker's answer: the decoded bytes (transferred) or an error; the request's buffers come back. */
export interface WorkerReply {
  readonly id: number;
  readonly key: string;
  readonly bytes?: Uint8Array;
  readonly error?: WorkerError;
  /** The request's `input`, for reuse. */
  readonly input: ArrayBuffer;
  /** The request's `out` when the result is not in it. */
  readonly out?: ArrayBuffer;
}
