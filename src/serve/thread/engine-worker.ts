/**
 * Entry of the engine thread of a threaded slice service (started by front.ts with an
 * {@link EngineSpec} as `workerData`): opens the served root, makes the Context every request
 * shares and a slice handler over it, posts `ready` (or `failed`), then answers relayed requests.
 * @module
 */
import { parentPort, workerData } from "node:worker_threads";
import {
  type AnyStore,
  Context,
  FetchStore,
  FileSystemStore,
  type RequestLogEntry,
  ZarrPlanError,
} from "../../index.js";
import { createSliceHandler, DEFAULT_SLICE_CACHE } from "../handler.js";
import { sliceLimits } from "../limits.js";
import { answerRelayed } from "./engine.js";
import type { EngineSpec, FromEngine, RelayedRequestLog } from "./protocol.js";

/** The store of the served root: an HTTP(S) URL prefix or a directory. */
function storeOf(spec: EngineSpec): AnyStore {
  if (/^https?:\/\//i.test(spec.root)) {
    return new FetchStore(spec.root, {
      ...(spec.headers ? { headers: { ...spec.headers } } : {}),
      ...(spec.missingStatuses ? { missingStatuses: spec.missingStatuses } : {}),
    });
  }
  return new FileSystemStore(spec.root);
}

/** A log entry without what cannot cross threads. */
function relayedLog(e: RequestLogEntry): RelayedRequestLog {
  const { store: _store, error, ...rest } = e;
  if (e.outcome !== "error") return rest;
  const err = (error ?? {}) as { status?: unknown; message?: unknown };
  return {
    ...rest,
    error: {
      ...(typeof err.status === "number" ? { status: err.status } : {}),
      ...(typeof err.message === "string" ? { message: err.message } : {}),
    },
  };
}

function start(port: NonNullable<typeof parentPort>, spec: EngineSpec): void {
  const post = (m: FromEngine) => port.postMessage(m);
  let context: Context | undefined;
  try {
    const limits = sliceLimits(spec.limits);
    const store = storeOf(spec);
    context = new Context({
      cache: spec.cache ?? DEFAULT_SLICE_CACHE,
      limits: { maxOutputBytes: limits.maxOutputBytes, maxTasks: limits.maxChunks },
      ...(spec.storeSettings ? { store: spec.storeSettings } : {}),
      ...(spec.logRequests
        ? { onRequest: (e: RequestLogEntry) => post({ type: "log", entry: relayedLog(e) }) }
        : {}),
    });
    const handler = createSliceHandler({
      store,
      context,
      limits,
      ...(spec.page === undefined ? {} : { page: spec.page }),
    });
    const owned = context;
    const closeHandler = handler.close;
    answerRelayed(
      port,
      Object.assign(handler, {
        close: () => {
          closeHandler();
          owned.close();
        },
      }),
    );
    post({ type: "ready" });
  } catch (e) {
    context?.close();
    post({
      type: "failed",
      message: e instanceof Error ? e.message : String(e),
      code: e instanceof ZarrPlanError ? e.code : null,
    });
    port.close();
  }
}

if (parentPort) start(parentPort, workerData as EngineSpec);
