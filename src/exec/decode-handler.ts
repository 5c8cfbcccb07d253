/**
 * What a decode worker does with one message (`decode-worker.ts` is the entry point that receives
 * them, through one {@link batchHandler}): rebuilds the bytes→bytes codecs a request names (kept
 * by the request's `stageKey`; each codec's module loaded when first named, from
 * `BYTES_CODEC_LOADERS`, so a worker holds only the codecs it ran), decodes the stored bytes
 * (`op: "decode"`) or encodes the array→bytes codec's output (`op: "encode"`) with them, allocates
 * page-touched memory (`op: "allocate"`), and answers the whole batch at once.
 * @module
 */

import { type DataTypeName, dataType } from "../core/dtype.js";
import { ChecksumError, CodecError } from "../core/errors.js";
import { BYTES_CODEC_LOADERS } from "../format/codecs/bytes-codec-loaders.js";
import { decodeBytesStage } from "../format/codecs/ceiling.js";
import { encodeBytesStage } from "../format/codecs/encode-stage.js";
import type { BytesToBytesCodec, CodecFactoryContext } from "../format/codecs/types.js";
import type {
  AllocateRequest,
  StageWorkerRequest,
  WorkerError,
  WorkerReply,
  WorkerRequest,
} from "./decode-protocol.js";

interface Port {
  post(reply: WorkerReply, transfer: ArrayBuffer[]): void;
}

/** Sends one answer: the replies of a batch, and the buffers they transfer. */
export type SendReplies = (replies: WorkerReply[], transfer: ArrayBuffer[]) => void;

/**
 * The message handler of one decode worker: it keeps the codecs it rebuilt, by the request's
 * `stageKey` (at most {@link MAX_WORKER_STAGES} of them), for as long as it lives (one per worker,
 * made by its entry point).
 *
 * The handler runs a message's requests one after the other and answers them with one message:
 * the replies in order, with every buffer they transfer. Should that fail (a reply that cannot be
 * sent), every request is answered with a `setup` error instead, without buffers, so the pool runs
 * them on the calling thread rather than waiting for answers that never come.
 */
export function batchHandler(): (
  reqs: readonly WorkerRequest[],
  send: SendReplies,
) => Promise<void> {
  const stages = new Map<string, readonly BytesToBytesCodec[]>();
  return async (reqs, send) => {
    const replies: WorkerReply[] = [];
    const transfer: ArrayBuffer[] = [];
    const port: Port = {
      post: (r, t) => {
        replies.push(r);
        for (const b of t) transfer.push(b);
      },
    };
    try {
      for (const req of reqs) await handle(req, port, stages);
      send(replies, transfer);
    } catch (e) {
      const error: WorkerError = { kind: "setup", codec: "", message: String(e) };
      send(
        reqs.map((r) => ({ id: r.id, key: r.op === "allocate" ? "" : r.key, error })),
        [],
      );
    }
  };
}

/**
 * Most stages (distinct codecs, data type and chunk shape) a worker keeps rebuilt: 64, least
 * recently used dropped first. A codec may hold native memory of its own (a zstd codec that
 * decoded a prefix keeps its `ZSTD_DCtx`, about 180 KiB), so a long-lived worker reading many
 * kinds of arrays must not keep them all.
 */
export const MAX_WORKER_STAGES = 64;

/** The factory context of a worker's codecs: bytes→bytes codecs nest no pipeline. */
const NO_NESTING: CodecFactoryContext = {
  buildPipeline: () => {
    throw new Error("a decode worker builds bytes→bytes codecs only");
  },
};

/**
 * The codecs of `req`'s stage: from `stages` (most recently used), or rebuilt (their modules
 * loaded on first use) and kept there.
 * @throws Error when a codec is not a built-in bytes→bytes codec or its configuration is refused
 *   (the pool then runs the stage on the calling thread).
 */
async function stageOf(
  req: StageWorkerRequest,
  stages: Map<string, readonly BytesToBytesCodec[]>,
): Promise<readonly BytesToBytesCodec[]> {
  const id = req.stageKey;
  let codecs = stages.get(id);
  if (codecs) {
    // Most recently used last: the first entry is the one to drop.
    stages.delete(id);
    stages.set(id, codecs);
    return codecs;
  }
  const dt =
    req.dataType === "bytes" || req.dataType === "raw"
      ? dataType(req.dataType, req.itemSize)
      : req.dataType === "string"
        ? dataType("string", req.itemSize / 4)
        : dataType(req.dataType as DataTypeName);
  const spec = { shape: req.shape, dataType: dt, fillValue: 0 };
  const built: BytesToBytesCodec[] = [];
  for (const c of req.codecs) {
    const load = Object.hasOwn(BYTES_CODEC_LOADERS, c.name)
      ? BYTES_CODEC_LOADERS[c.name]
      : undefined;
    if (!load) throw new Error(`${c.name} is not a built-in bytes→bytes codec`);
    const codec = (await load())(c.configuration ?? {}, spec, "(decode worker)", NO_NESTING);
    if (codec.kind !== "bytes_to_bytes") throw new Error(`${c.name} is not bytes→bytes`);
    built.push(codec);
  }
  codecs = built;
  stages.set(id, codecs);
  if (stages.size > MAX_WORKER_STAGES) stages.delete(stages.keys().next().value!);
  return codecs;
}

/** The codec's own message: a CodecError's message without its "codec failed on key" prefix. */
function ownMessage(e: CodecError, key: string): string {
  const prefix = `${e.codec} codec failed on "${key}": `;
  return e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
}

/** Bytes between two writes that make every page of a new buffer present (4 KiB pages). */
const PAGE_BYTES = 4096;

/** Zeroed memory of `req.bytes` bytes with every page written once, transferred back. */
function allocateTouched(req: AllocateRequest, port: Port): void {
  let buffer: ArrayBuffer;
  try {
    buffer = new ArrayBuffer(req.bytes);
  } catch (e) {
    // Out of memory here: the pool allocates on the calling thread, which reports it.
    port.post({ id: req.id, key: "", error: { kind: "setup", codec: "", message: String(e) } }, []);
    return;
  }
  const u8 = new Uint8Array(buffer);
  for (let i = 0; i < u8.length; i += PAGE_BYTES) u8[i] = 0;
  port.post({ id: req.id, key: "", bytes: u8 }, [buffer]);
}

async function handle(
  req: WorkerRequest,
  port: Port,
  stages: Map<string, readonly BytesToBytesCodec[]>,
): Promise<void> {
  if (req.op === "allocate") {
    allocateTouched(req, port);
    return;
  }
  const back = (error: WorkerError) => {
    const transfer = req.out ? [req.input, req.out] : [req.input];
    port.post({ id: req.id, key: req.key, error, input: req.input, out: req.out }, transfer);
  };
  let codecs: readonly BytesToBytesCodec[];
  try {
    codecs = await stageOf(req, stages);
  } catch (e) {
    back({ kind: "setup", codec: "", message: String(e) });
    return;
  }
  let b: Uint8Array;
  try {
    const input = new Uint8Array(req.input, 0, req.length);
    // The pipeline's own loops (with the ceilings the calling thread would apply to a decode).
    b =
      req.op === "encode"
        ? await encodeBytesStage(codecs, input, { key: req.key })
        : await decodeBytesStage(
            codecs,
            req.maxDecodedBytes ?? [],
            input,
            req.out && req.decodedPrefix !== undefined
              ? { key: req.key, decodedPrefix: req.decodedPrefix }
              : { key: req.key },
            req.out ? new Uint8Array(req.out) : undefined,
          );
  } catch (e) {
    let error: WorkerError;
    if (e instanceof ChecksumError) {
      error = {
        kind: "checksum",
        codec: e.codec,
        message: ownMessage(e, req.key),
        expected: e.expected,
        actual: e.actual,
      };
    } else if (e instanceof CodecError) {
      error = {
        kind: "codec",
        codec: e.codec,
        message: ownMessage(e, req.key),
        ...(e.code === "ERR_CODEC" ? {} : { code: e.code }),
      };
    } else {
      const codec = codecs[codecs.length - 1]?.name ?? "";
      error = { kind: "codec", codec, message: e instanceof Error ? e.message : String(e) };
    }
    back(error);
    return;
  }
  if (req.out && req.out.byteLength === b.length) {
    // Into the caller's recycled buffer: no new allocation on the calling thread (decoded
    // straight into it when the codec can, else copied).
    const out = b.buffer === req.out ? b : new Uint8Array(req.out);
    if (out !== b) out.set(b);
    port.post({ id: req.id, key: req.key, bytes: out, input: req.input }, [req.input, req.out]);
    return;
  }
  // Transfer the result's buffer when it owns it alone; otherwise copy out.
  const owned =
    b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer !== req.input
      ? b
      : new Uint8Array(b);
  const transfer = [req.input, owned.buffer as ArrayBuffer];
  if (req.out) transfer.push(req.out);
  port.post({ id: req.id, key: req.key, bytes: owned, input: req.input, out: req.out }, transfer);
}
