/**
 * Running a write plan in a Context: objects in batches of bounded decoded bytes; in a batch every
 * object is prepared (read, merged, encoded; `objects.ts`) before the first is stored, then they
 * are stored concurrently. A read-modify-written object on a conditional store is stored with
 * `setIf` / `deleteIf` at the version it was read at; when another writer changed it meanwhile it
 * is prepared again from the new content and stored again (up to {@link WRITE_CONFLICT_ATTEMPTS}
 * tries, with a short random backoff), so writers of different parts of one object never lose each
 * other's values. Every request goes through the Context's store scheduler (limit, retries,
 * timeout, request log).
 * @module
 */
import { WriteConflictError, ZarrPlanError } from "../../core/errors.js";
import type { ArrayEntry } from "../../plan/optimize-types.js";
import type { WriteObject } from "../../plan/write-optimize.js";
import type { WritePlan, WritePlanOptions, WriteResult } from "../../plan/write-plan.js";
import { isConditional } from "../../store/types.js";
import { scopeOf, sleep } from "../limiter.js";
import { type PreparedObject, type PrepareInput, prepareObject } from "./objects.js";
import { forEachLimited } from "./pool.js";
import type { WriteResources } from "./resources.js";
import { runValue } from "./values.js";

/** Tries of a conditional store of one object before `WriteConflictError`. */
export const WRITE_CONFLICT_ATTEMPTS = 16;
/** Longest pause before preparing a contended object again, ms (random, doubling). */
const WRITE_CONFLICT_BACKOFF_MAX_MS = 50;
/** Default objects prepared at once. */
const DEFAULT_WRITE_CONCURRENCY = 8;
/** Default decoded bytes held at once by a write: 256 MiB. */
const DEFAULT_WRITE_MEMORY = 256 * 1024 * 1024;

/** Counters of a run. */
interface Counters {
  stored: number;
  deleted: number;
  read: number;
  conflicts: number;
  innerCopied: number;
  innerEncoded: number;
  bytesStored: number;
  bytesRead: number;
}

function positive(v: number | undefined, fallback: number, name: string): number {
  if (v === undefined) return fallback;
  if (!(Number.isInteger(v) && v > 0)) {
    throw new ZarrPlanError("ERR_OPTIONS", `write option ${name} must be an integer > 0, got ${v}`);
  }
  return v;
}

/** Splits `objects` into consecutive batches of at most `budget` decoded bytes (at least one object each). */
function batches(objects: readonly WriteObject[], budget: number): WriteObject[][] {
  const out: WriteObject[][] = [];
  let cur: WriteObject[] = [];
  let bytes = 0;
  for (const o of objects) {
    if (cur.length > 0 && bytes + o.decodedBytes > budget) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(o);
    bytes += o.decodedBytes;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/**
 * Runs `plan` in `context` (see the module doc).
 * @throws WriteConflictError naming the array and key; CodecError; StoreError; AbortError;
 *   ZarrPlanError `ERR_OPTIONS` for invalid options.
 */
export async function runWritePlan(
  context: WriteResources,
  plan: WritePlan,
  options: WritePlanOptions,
): Promise<WriteResult> {
  const concurrency = positive(options.concurrency, DEFAULT_WRITE_CONCURRENCY, "concurrency");
  const budget = positive(options.maxBytesInMemory, DEFAULT_WRITE_MEMORY, "maxBytesInMemory");
  const { signal } = options;
  const o = plan.optimized;
  const conditional = new Map<ArrayEntry, boolean>();
  const input: PrepareInput = {
    context,
    arrays: o.arrays,
    values: plan.values.map(runValue),
    conditional: (a) => {
      let c = conditional.get(a);
      if (c === undefined) {
        c = isConditional(a.source.storage!.store);
        conditional.set(a, c);
      }
      return c;
    },
    signal,
  };
  const n: Counters = {
    stored: 0,
    deleted: 0,
    read: 0,
    conflicts: 0,
    innerCopied: 0,
    innerEncoded: 0,
    bytesStored: 0,
    bytesRead: 0,
  };
  const count = (p: PreparedObject) => {
    if (!p.object.full) n.read++;
    n.bytesRead += p.bytesRead;
    n.innerCopied += p.innerCopied;
    n.innerEncoded += p.innerEncoded;
  };
  for (const batch of batches(o.objects, budget)) {
    const prepared: PreparedObject[] = new Array(batch.length);
    await forEachLimited(
      batch,
      concurrency,
      async (obj, i) => {
        prepared[i] = await prepareObject(input, obj);
        count(prepared[i]!);
      },
      signal,
    );
    await forEachLimited(
      prepared,
      concurrency,
      async (p) => {
        await storeObject(input, p, n, count);
      },
      signal,
    );
  }
  return Object.freeze({ ...n });
}

/** Stores one prepared object; on a conditional store, again after a conflict (see the module doc). */
async function storeObject(
  input: PrepareInput,
  first: PreparedObject,
  n: Counters,
  count: (p: PreparedObject) => void,
): Promise<void> {
  const { context, signal } = input;
  const so = signal ? { signal } : {};
  let p = first;
  for (let attempt = 1; ; attempt++) {
    const a = input.arrays[p.object.array]!;
    const store = a.source.storage!.store;
    const key = p.object.key;
    let done: boolean;
    if (p.version === undefined) {
      // Fully covered (or a store without conditional writes): stored as it is.
      if (p.bytes === undefined) {
        if (p.existed || p.object.full) await context.delete(store, key, so);
      } else await context.set(store, key, p.bytes, so);
      done = true;
    } else if (p.bytes === undefined) {
      done = await context.deleteIf(store, key, p.version, so);
    } else done = await context.setIf(store, key, p.bytes, p.version, so);
    if (done) {
      if (p.bytes === undefined) n.deleted++;
      else {
        n.stored++;
        n.bytesStored += p.bytes.length;
      }
      return;
    }
    n.conflicts++;
    if (attempt >= WRITE_CONFLICT_ATTEMPTS) {
      throw new WriteConflictError({ path: a.source.path, key, attempts: attempt });
    }
    const cap = Math.min(WRITE_CONFLICT_BACKOFF_MAX_MS, 2 ** attempt);
    await sleep(Math.random() * cap, signal ? scopeOf(signal) : undefined);
    p = await prepareObject(input, p.object);
    count(p);
  }
}
