/**
 * Plans: several lazy reads, on one or many arrays in one or many stores, optimized and run
 * together.
 *
 * ```ts
 * const p = plan({ tile: a.lazy().get(slice(0, 256), slice(0, 256)), pts: b.lazy().vindex(ix, iy) });
 * console.log(p.explainText());          // chunks, shards, requests known before IO
 * const { tile, pts } = await p.read();  // every chunk and shard index read once, concurrently
 * p.stream().subscribe((e) => draw(e));  // or compute on each chunk as it arrives
 * ```
 *
 * A `Plan` is immutable and pure (its optimizer does no IO); `read`, `stream` and `resolve` run
 * through the executor registered by `src/exec` (imported by the package entry point).
 * @module
 */
import type { Observable } from "rxjs";
import { ZarrPlanError } from "../core/errors.js";
import type { NDArray } from "../core/ndarray.js";
import { LazyArray, lazy } from "../index-space/lazy.js";
import type { ArraySource, ReadOptions } from "../index-space/source.js";
import type { AnyStore, ReadableStore } from "../store/types.js";
import type { CoalescePolicy } from "./coalesce.js";
import type { ChunkEvent } from "./events.js";
import { explainPlan, formatExplanation, type PlanExplanation } from "./explain.js";
import { type Optimized, optimize, type ShardIndexLike } from "./optimize.js";
import {
  type LazyOp,
  opFromJSON,
  opToJSON,
  type PlanFile,
  type PlanFileRead,
  type PlanOptions,
  parsePlanFile,
  type RetryOptions,
} from "./plan-json.js";
import { storeLocation, storePolicy } from "./stores.js";

/** Options of one execution (`read`, `stream`, `resolve`); they override the plan's {@link PlanOptions}. */
export interface PlanReadOptions extends ReadOptions {
  /** Aborting stops issuing requests and aborts those in flight (`AbortError`). */
  signal?: AbortSignal;
  /** Requests in flight for this execution (each store's shared limit applies too). */
  concurrency?: number;
  /** Decodes in progress for this execution (default: the executor's global decode limit). */
  decodeConcurrency?: number;
  /** Retries of transient store failures (HTTP 5xx/429, network errors, timeouts). */
  retry?: RetryOptions;
  /** Per-attempt request timeout in ms (default none). */
  timeoutMs?: number;
}

/** Options of {@link Plan.fromJSON}. */
export interface FromJSONOptions {
  /** Opens a store named in the file (default: http(s) URL → `FetchStore`, else `FileSystemStore`). */
  openStore?: (location: string) => AnyStore | Promise<AnyStore>;
  /** Aborts opening. */
  signal?: AbortSignal;
}

/** What the executor provides (`src/exec` registers it on import with {@link setPlanRuntime}). */
export interface PlanRuntime {
  read(plan: Plan, options: PlanReadOptions): Promise<Record<string, NDArray>>;
  stream(plan: Plan, options: PlanReadOptions): Observable<ChunkEvent>;
  resolve(plan: Plan, options: PlanReadOptions): Promise<Plan>;
  openStore(location: string): AnyStore | Promise<AnyStore>;
  openArray(store: AnyStore, path: string, options: { signal?: AbortSignal }): Promise<ArraySource>;
}

let runtime: PlanRuntime | undefined;

/** Registers the executor of plans (called by `src/exec` on import). */
export function setPlanRuntime(r: PlanRuntime | undefined): void {
  runtime = r;
}

function needRuntime(): PlanRuntime {
  if (!runtime) {
    throw new ZarrPlanError(
      "ERR_NO_EXECUTOR",
      "no plan executor registered: import zarr-plan (or src/exec/execute.js)",
    );
  }
  return runtime;
}

/** Reads of a plan: names → lazy arrays, as a record, a `Map` or `[name, view]` pairs. */
export type PlanReads =
  | Readonly<Record<string, LazyArray>>
  | ReadonlyMap<string, LazyArray>
  | Iterable<readonly [string, LazyArray]>
  | readonly LazyArray[];

/**
 * An immutable query plan over named lazy reads. Create with {@link plan}. Everything but
 * `read`, `stream`, `resolve` and `fromJSON` is pure.
 */
export class Plan {
  /** Read names, in plan order. */
  readonly names: readonly string[];
  /** The lazy array of each read (same order as {@link names}). */
  readonly views: readonly LazyArray[];
  /** Options stored with the plan (and in its JSON form). */
  readonly options: PlanOptions;
  /** The optimizer's phase-1 result (objects and requests known before IO). */
  readonly optimized: Optimized;
  /** Coalescing policy of each store of `optimized.stores`. */
  readonly policies: readonly CoalescePolicy[];
  /** Shard indexes known so far, by object id (`null`: the shard is not stored). */
  readonly indexes: ReadonlyMap<number, ShardIndexLike | null>;

  /**
   * Use {@link plan}. `indexes` (from {@link resolve}) must belong to `optimized`.
   * @throws RangeError / ZarrPlanError for invalid reads or options.
   */
  constructor(
    reads: PlanReads,
    options: PlanOptions = {},
    internal?: { optimized: Optimized; indexes: ReadonlyMap<number, ShardIndexLike | null> },
  ) {
    const entries: [string, LazyArray][] =
      reads instanceof Map
        ? [...(reads as ReadonlyMap<string, LazyArray>).entries()]
        : Array.isArray(reads) && reads.every((r) => r instanceof LazyArray)
          ? reads.map((v: LazyArray, i) => [String(i), v])
          : Symbol.iterator in reads
            ? [...(reads as Iterable<readonly [string, LazyArray]>)].map((e) => {
                if (!Array.isArray(e) || e.length !== 2) {
                  throw new ZarrPlanError(
                    "ERR_PLAN",
                    `plan reads must be LazyArrays, [name, LazyArray] pairs, a Map or an object of LazyArrays; got an entry ${String(e)}`,
                  );
                }
                return [e[0], e[1]] as [string, LazyArray];
              })
            : Object.entries(reads as Record<string, LazyArray>);
    const seen = new Set<string>();
    for (const [name, view] of entries) {
      if (typeof name !== "string" || name === "") {
        throw new ZarrPlanError(
          "ERR_PLAN",
          `plan read names must be non-empty strings, got ${String(name)}`,
        );
      }
      if (seen.has(name)) throw new ZarrPlanError("ERR_PLAN", `plan read "${name}" appears twice`);
      seen.add(name);
      if (!(view instanceof LazyArray)) {
        throw new ZarrPlanError(
          "ERR_PLAN",
          `plan read "${name}" is not a LazyArray (use array.lazy() and its selections)`,
        );
      }
    }
    this.names = Object.freeze(entries.map((e) => e[0]));
    this.views = Object.freeze(entries.map((e) => e[1]));
    this.options = Object.freeze({ ...options });
    const policyOf = (s: ReadableStore) =>
      storePolicy(s, { maxGap: options.maxGap, maxSize: options.maxSize });
    this.optimized =
      internal?.optimized ??
      optimize(
        entries.map(([name, v]) => ({ name, source: v.source, transform: v.transform })),
        policyOf,
      );
    this.policies = Object.freeze(this.optimized.stores.map((s) => Object.freeze(policyOf(s))));
    this.indexes = internal?.indexes ?? new Map();
    Object.freeze(this);
  }

  /** The reads as a record of name → lazy array. */
  get reads(): Readonly<Record<string, LazyArray>> {
    const out: Record<string, LazyArray> = {};
    this.names.forEach((n, i) => {
      out[n] = this.views[i]!;
    });
    return out;
  }

  /** True when every shard index the plan needs is known (exact requests; one round trip). */
  get resolved(): boolean {
    return this.optimized.partialShards.every((id) => this.indexes.has(id));
  }

  /** A plan with these shard indexes added (used by {@link resolve}; pure). */
  withIndexes(indexes: ReadonlyMap<number, ShardIndexLike | null>): Plan {
    const merged = new Map(this.indexes);
    for (const [k, v] of indexes) merged.set(k, v);
    return new Plan(this.reads, this.options, { optimized: this.optimized, indexes: merged });
  }

  /**
   * What the plan will do, as a structured object: reads, stores and their policies, objects
   * (chunks, shards whole or partial, inner chunks), the requests known now and totals. Before
   * shard indexes are known: the chunk, whole-shard and index requests, an upper bound of the data
   * requests and the worst-case bytes; after {@link resolve}: every request with its byte range,
   * ranges before and after coalescing, bytes over-read. No IO.
   */
  explain(): PlanExplanation {
    return explainPlan(this);
  }

  /** {@link explain} as a readable text table (at most `maxRows` request rows, default 40). */
  explainText(options: { maxRows?: number } = {}): string {
    return formatExplanation(this.explain(), options);
  }

  /** `explainText()`. */
  toString(): string {
    return this.explainText();
  }

  /**
   * The plan file (see `plan-json.ts`): stores by location, arrays by path, selections as JSON.
   * @throws ZarrPlanError `ERR_PLAN_NOT_SERIALIZABLE` when a store has no location (e.g. a
   * `MemoryStore`), a source has no store, or a selection cannot be written (index arrays whose
   * shape nested lists cannot express, integers beyond 2^53).
   */
  toJSON(): PlanFile {
    const reads: Record<string, PlanFileRead> = {};
    let top: string | undefined;
    this.names.forEach((name, i) => {
      const view = this.views[i]!;
      const st = view.source.storage;
      const where = `read "${name}" (array "${view.source.path}")`;
      if (!st) {
        throw new ZarrPlanError(
          "ERR_PLAN_NOT_SERIALIZABLE",
          `${where}: the source has no store, so the plan cannot be saved`,
        );
      }
      const loc = storeLocation(st.store);
      if (loc === undefined) {
        const kind = (st.store as { constructor?: { name?: string } }).constructor?.name ?? "store";
        throw new ZarrPlanError(
          "ERR_PLAN_NOT_SERIALIZABLE",
          `${where}: a ${kind} has no location (only FileSystemStore paths and FetchStore URLs can be saved in a plan file)`,
        );
      }
      top ??= loc;
      const ops = opsOf(view, where).map((op, k) => opToJSON(op, `reads.${name}.ops[${k}]`));
      reads[name] =
        loc === top
          ? { array: view.source.path, ops }
          : { array: view.source.path, store: loc, ops };
    });
    if (top === undefined) {
      throw new ZarrPlanError("ERR_PLAN_NOT_SERIALIZABLE", "an empty plan has no store to save");
    }
    const file: { store: string; reads: Record<string, PlanFileRead>; options?: PlanOptions } = {
      store: top,
      reads,
    };
    if (Object.keys(this.options).length > 0) file.options = { ...this.options };
    return file;
  }

  /**
   * Reads every view: `{ name: NDArray }` (C order, each view's shape and dtype). Each chunk,
   * shard and shard index is requested once; requests run concurrently under each store's limit.
   * @throws AbortError when `options.signal` aborts; `FetchError` (a `StoreError`, naming array,
   * key and byte range) for a permanent store failure or once retries are exhausted; `CodecError`
   * for corrupt data. Never resolves with a partial result.
   */
  read(options: PlanReadOptions = {}): Promise<Record<string, NDArray>> {
    try {
      return needRuntime().read(this, options);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Runs the plan as a cold `Observable` of {@link ChunkEvent}s, one per chunk task, emitted as
   * each is decoded and scattered (completion order). Each subscription is one execution;
   * unsubscribing aborts it (requests shared with other executions continue for them). Errors as
   * {@link read}.
   */
  stream(options: PlanReadOptions = {}): Observable<ChunkEvent> {
    return needRuntime().stream(this, options);
  }

  /**
   * Fetches the shard indexes the plan needs (one round trip, concurrently) and returns the plan
   * with them: its `explain()` is then exact and its `read()` needs one round trip.
   * The indexes are a snapshot: re-resolve after the arrays are rewritten.
   * @throws as {@link read}.
   */
  resolve(options: PlanReadOptions = {}): Promise<Plan> {
    try {
      return needRuntime().resolve(this, options);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Rebuilds a plan from its JSON form (object or text): validates it, opens each store once
   * (`options.openStore`, default http(s) URL → `FetchStore`, otherwise `FileSystemStore`) and
   * every array concurrently (one metadata round trip), then replays the selections.
   * @throws PlanFileError listing every invalid member; NodeNotFoundError / MetadataError /
   * StoreError from opening; IndexError when a selection does not fit its array.
   */
  static async fromJSON(json: unknown, options: FromJSONOptions = {}): Promise<Plan> {
    const file = parsePlanFile(json);
    const rt = options.openStore ? undefined : needRuntime();
    const openStore = options.openStore ?? ((loc: string) => rt!.openStore(loc));
    const stores = new Map<string, Promise<AnyStore>>();
    const storeOf = (loc: string) => {
      let s = stores.get(loc);
      if (!s) {
        s = Promise.resolve().then(() => openStore(loc));
        stores.set(loc, s);
      }
      return s;
    };
    const names = Object.keys(file.reads);
    const sources = await Promise.all(
      names.map(async (name) => {
        const r = file.reads[name]!;
        const store = await storeOf(r.store ?? file.store);
        return needRuntime().openArray(store, r.array, { signal: options.signal });
      }),
    );
    const reads: [string, LazyArray][] = names.map((name, i) => {
      let view = lazy(sources[i]!);
      for (const op of file.reads[name]!.ops) {
        const o = opFromJSON(op);
        view = applyOp(view, o);
      }
      return [name, view];
    });
    return new Plan(reads, file.options ?? {});
  }
}

function applyOp(view: LazyArray, op: LazyOp): LazyArray {
  const items = op.selection as Parameters<LazyArray["get"]>;
  switch (op.kind) {
    case "get":
      return view.get(...items);
    case "oindex":
      return view.oindex(...items);
    case "vindex":
      return view.vindex(...items);
    case "mask":
      return view.mask(items[0] as Parameters<LazyArray["mask"]>[0]);
  }
}

function opsOf(view: LazyArray, where: string): readonly LazyOp[] {
  const ops = view.ops;
  if (!ops) {
    throw new ZarrPlanError(
      "ERR_PLAN_NOT_SERIALIZABLE",
      `${where}: this LazyArray does not record its selections`,
    );
  }
  return ops;
}

/**
 * Builds an immutable {@link Plan} from named lazy reads (one or many arrays, one or many
 * stores): an object or Map of name → LazyArray, `[name, LazyArray]` pairs, or an array of
 * LazyArrays (named `"0"`, `"1"`, …). Partitions every read now (pure, no IO), so invalid plans
 * fail here.
 * @throws ZarrPlanError `ERR_PLAN` for empty or duplicate names or values that are not LazyArrays;
 * RangeError for bad coalescing options.
 */
export function plan(reads: PlanReads, options: PlanOptions = {}): Plan {
  return new Plan(reads, options);
}
