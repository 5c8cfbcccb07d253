/**
 * Messages between the decode pool (`decode-pool.ts`) and its workers (`decode-worker.ts`): a
 * request runs the bytes→bytes stage of one chunk, decoding (`op: "decode"`: decompress, verify
 * checksums) or encoding (`op: "encode"`: compress, append checksums).
 * @module
 */
import type { ZarrPlanErrorCode } from "../core/errors.js";
import type { CodecSpec } from "../format/model.js";

/** What every request carries: the codecs to rebuild and the bytes to run them on. */
interface StageRequest {
  readonly id: number;
  /** Store key of the chunk (named by errors). */
  readonly key: string;
  /** Identifies the codecs, data type and shape below: the worker caches the rebuilt codecs by it. */
  readonly stageKey: string;
  /** The bytes→bytes codecs in metadata (encoding) order. */
  readonly codecs: readonly CodecSpec[];
  /** Data type name, item size (bytes) and shape of the spec the codecs were built for. */
  readonly dataType: string;
  readonly itemSize: number;
  readonly shape: readonly number[];
  /** The input bytes: the first `length` bytes of `input` (transferred, and sent back). */
  readonly input: ArrayBuffer;
  readonly length: number;
}

/** Decode the bytes→bytes stage of one chunk: `input` holds its stored bytes. */
export interface DecodeRequest extends StageRequest {
  readonly op: "decode";
  /** A buffer of exactly the decoded size to decode into (transferred), when known. */
  readonly out?: ArrayBuffer;
  /**
   * The decode ceiling of each codec in bytes, aligned with {@link codecs} (`undefined`: none):
   * the pipeline's `BytesStage.maxDecodedBytes`, so the worker refuses what the calling thread
   * would.
   */
  readonly maxDecodedBytes: readonly (number | undefined)[];
  /**
   * With `out`: the caller reads only the first `decodedPrefix` bytes of the result
   * (`CodecContext.decodedPrefix`); the rest of `out` may keep what it held.
   */
  readonly decodedPrefix?: number;
}

/**
 * Encode the bytes→bytes stage of one chunk: `input` holds the output of the pipeline's
 * array→bytes codec (`CodecPipeline.encodeArray`); the reply's bytes are what to store.
 */
export interface EncodeRequest extends StageRequest {
  readonly op: "encode";
  /** Never set on an encode (the encoded size is not known in advance). */
  readonly out?: undefined;
}

/**
 * Allocate `bytes` of zeroed memory and write to every 4 KiB page of it, then send it back
 * (transferred): an output buffer whose pages are already present, so that the calling thread
 * does not pay a page fault per 4 KiB on first touch while it scatters chunks into it.
 */
export interface AllocateRequest {
  readonly op: "allocate";
  readonly id: number;
  /** Bytes to allocate (checked by the pool: a non-negative safe integer). */
  readonly bytes: number;
}

/** A request that runs the bytes→bytes stage of one chunk. */
export type StageWorkerRequest = DecodeRequest | EncodeRequest;

/** A request to a worker. */
export type WorkerRequest = StageWorkerRequest | AllocateRequest;

/** Why a worker did not decode or encode a chunk. */
export interface WorkerError {
  /** `setup`: the worker could not rebuild the codecs (the pool runs them on the calling thread). */
  readonly kind: "codec" | "checksum" | "setup";
  readonly codec: string;
  /** The codec's own message (without the "codec failed on key" prefix). */
  readonly message: string;
  /** The error's code when it was not `ERR_CODEC` (kind `codec`). */
  readonly code?: ZarrPlanErrorCode;
  readonly expected?: number;
  readonly actual?: number;
}

/** A worker's answer: the resulting bytes (transferred) or an error; the request's buffers come back. */
export interface WorkerReply {
  readonly id: number;
  readonly key: string;
  readonly bytes?: Uint8Array;
  readonly error?: WorkerError;
  /** The request's `input`, for reuse (absent on an allocate's reply). */
  readonly input?: ArrayBuffer;
  /** The request's `out` when the result is not in it. */
  readonly out?: ArrayBuffer;
}
