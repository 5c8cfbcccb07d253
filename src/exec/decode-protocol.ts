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
  /** The stored bytes (transferred). */
  readonly bytes: Uint8Array;
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

/** A worker's answer: the decoded bytes (transferred) or an error. */
export interface WorkerReply {
  readonly id: number;
  readonly key: string;
  readonly bytes?: Uint8Array;
  readonly error?: WorkerError;
}
