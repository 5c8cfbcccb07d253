/**
 * Entry point of a partition worker thread (`runPartitioned`, `src/exec/partitioned.ts`): runs
 * plan files with `planFromJSON` (opening the stores they name: filesystem paths, http(s) URLs)
 * in a Context of its own that decodes on this thread, and posts back each sub-read's values
 * (buffers transferred) or their statistics. Node `worker_threads` only.
 * @module
 */
import type { ZarrPlanError } from "../core/errors.js";
import { Context } from "../exec/context.js";
import type {
  PartitionOutput,
  PartitionReply,
  PartitionRequest,
  PartitionWorkerError,
} from "../exec/partition-protocol.js";
import { type AxisStatsState, type StatsState, statsOf } from "../exec/stats.js";
import { openStoreAt, reusingUrlStores } from "../store/location.js";
import type { AnyStore } from "../store/types.js";
import { planFromJSON } from "./plan-file.js";

function errorData(e: unknown): PartitionWorkerError {
  if (!(e instanceof Error)) return { name: "Error", message: String(e), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (k === "cause" || typeof v === "function") continue;
    try {
      structuredClone(v);
      fields[k] = v;
    } catch {
      // Not cloneable: left out.
    }
  }
  const code = (e as Partial<ZarrPlanError>).code;
  return {
    name: e.name,
    message: e.message,
    ...(code === undefined ? {} : { code }),
    ...(e.stack === undefined ? {} : { stack: e.stack }),
    fields,
  };
}

async function run(
  context: Context,
  openStore: (location: string) => Promise<AnyStore>,
  req: PartitionRequest,
): Promise<{
  reply: PartitionReply;
  transfer: ArrayBuffer[];
}> {
  const plan = await planFromJSON(req.file, { context, openStore });
  const out = await plan.read();
  if (req.reduce) {
    const stats: Record<string, StatsState | AxisStatsState> = {};
    for (const [name, a] of Object.entries(out)) {
      stats[name] =
        req.reduce.axis === undefined ? statsOf(a) : statsOf(a, { axis: req.reduce.axis });
    }
    return { reply: { id: req.id, stats }, transfer: [] };
  }
  const outputs: Record<string, PartitionOutput> = {};
  const transfer: ArrayBuffer[] = [];
  for (const [name, a] of Object.entries(out)) {
    outputs[name] = { data: a.data as ArrayLike<unknown>, shape: a.shape };
    const buf = ArrayBuffer.isView(a.data) ? a.data.buffer : undefined;
    if (buf instanceof ArrayBuffer && !transfer.includes(buf)) transfer.push(buf);
  }
  return { reply: { id: req.id, outputs }, transfer };
}

function start(): void {
  // No top-level await (as the decode worker).
  const name = "node:worker_threads";
  void import(/* @vite-ignore */ name).then((wt: typeof import("node:worker_threads")) => {
    const port = wt.parentPort;
    if (!port) return;
    const context = new Context({ decodeWorkers: { workers: 0 } });
    // One FetchStore per URL for the worker's life: its connections serve every partition.
    const openStore = reusingUrlStores(openStoreAt);
    port.on("message", (req: PartitionRequest) => {
      run(context, openStore, req).then(
        ({ reply, transfer }) => port.postMessage(reply, transfer),
        (e: unknown) => port.postMessage({ id: req.id, error: errorData(e) }),
      );
    });
  });
}

start();
