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
 * through the {@link PlanEngine} it was built with (a `Context` of `src/exec`): nothing is looked
 * up in a registry. Opening the stores and arrays of a plan file is `planFromJSON`'s job
 * (`src/hierarchy/plan-file.ts`).
 * @module
 */
import { produce } from "immer";
import type { Observable } from "rxjs";
// One rxjs module, not its index (which loads every operator in Node: start-up time).
import { throwError } from "rxjs/internal/observable/throwError";
import type { DataTypeName } from "../core/dtype.js";
import { ZarrPlanError } from "../core/errors.js";
import type { NDArray } from "../core/ndarray.js";
import { LazyArray } from "../index-space/lazy.js";
import type { ReadOptions } from "../index-space/source.js";
import { storeLocation } from "../store/location.js";
import type { ReadableStore } from "../store/types.js";
import type { CoalescePolicy } from "./coalesce.js";
import type { ChunkEvent } from "./events.js";
import {
  explainPlan,
  explainTooLarge,
  formatExplanation,
  type PlanExplanation,
} from "./explain.js";
import {
  DEFAULT_PLAN_LIMITS,
  limitError,
  type PlanLimits,
  type PlanSize,
  planSize,
  readTaskBound,
} from "./limits.js";
import { type Optimized, optimize, type ShardIndexLike } from "./optimize.js";
import { type PartitionOptions, type PlanPartition, partitionPlan } from "./partition-plan.js";
import {
  checkExecutionOptions,
  checkPlanOptions,
  type LazyOp,
  opToJSON,
  type PlanFile,
  type PlanFileRead,
  type PlanOptions,
  type RetryOptions,
} from "./plan-json.js";
import { policyOf, type StoreSettings } from "./store-settings.js";

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

/**
 * What runs a plan: a `Context` (`src/exec/context.ts`) implements it. The plan asks it for each
 * store's settings when it is built (coalescing policy, and the request limit `explain()` shows) and
 * hands itself to it to be read, streamed or resolved.
 */
export interface PlanEngine {
  /** The settings `store` is read with (request limit, coalescing policy). */
  storeSettings(store: ReadableStore): StoreSettings;
  /** Runs `plan` once: every read's output. */
  readPlan(plan: Plan, options: PlanReadOptions): Promise<Record<string, NDArray>>;
  /** Runs `plan` as a cold Observable of chunk events. */
  streamPlan(plan: Plan, options: PlanReadOptions): Observable<ChunkEvent>;
  /** Fetches the shard indexes `plan` needs and returns the plan with them. */
  resolvePlan(plan: Plan, options: PlanReadOptions): Promise<Plan>;
  /** The limits plans are checked against (default {@link DEFAULT_PLAN_LIMITS}). */
  readonly limits?: PlanLimits;
}

/** An optimizer result with nothing in it (what a plan over its limits holds). */
const NOTHING: Optimized = Object.freeze({
  stores: Object.freeze([]),
  arrays: Object.freeze([]),
  readArrays: Object.freeze([]),
  readTasks: Object.freeze([]),
  objects: Object.freeze([]),
  fetches: Object.freeze([]),
  partialShards: Object.freeze([]),
});

/**
 * The document of a plan that {@link Plan.with} edits: its reads by name and its options. Reads
 * are `LazyArray`s (immutable values: replace them, do not edit them).
 */
export interface PlanDocument {
  readonly reads: Readonly<Record<string, LazyArray>>;
  readonly options: PlanOptions;
}

/** The draft a {@link Plan.with} recipe edits: reads and options, writable (views are values). */
export interface PlanDraft {
  reads: Record<string, LazyArray>;
  options: { -readonly [K in keyof PlanOptions]: PlanOptions[K] };
}

/**
 * Named reads as a record: name → lazy array (of any data type). The type parameter of a
 * {@link Plan} built from a record.
 */
export type NamedReads = Readonly<Record<string, LazyArray>>;

/** The data type name of a lazy array type (`DataTypeOf<LazyArray<"int16">>` is `"int16"`). */
export type DataTypeOf<V> = V extends LazyArray<infer D> ? D : DataTypeName;

/**
 * What `read()` of a `Plan<R>` resolves to: for each read name of `R`, the NDArray of its view's
 * data type. `plan({ a: f32.lazy(), b: i16.lazy() })` reads `{ a: NDArray<"float32">, b:
 * NDArray<"int16"> }`; an untyped plan reads `Record<string, NDArray>`.
 */
export type PlanResult<R extends NamedReads = NamedReads> = {
  -readonly [K in keyof R]: NDArray<DataTypeOf<R[K]>>;
};

/** The read names of a `Plan<R>`: the keys of `R` as strings (`string` for an untyped plan). */
export type ReadName<R extends NamedReads = NamedReads> = `${Exclude<keyof R, symbol>}`;

/** Reads of a plan: names → lazy arrays, as a record, a `Map` or `[name, view]` pairs. */
export type PlanReads =
  | Readonly<Record<string, LazyArray>>
  | ReadonlyMap<string, LazyArray>
  | Iterable<readonly [string, LazyArray]>
  | readonly LazyArray[];

/**
 * An immutable query plan over named lazy reads. Create with `plan()` (the package entry point). Everything but
 * `read`, `stream`, `resolve` and `fromJSON` is pure.
 *
 * `R` is the record of reads the plan was built from when `plan()` was given one: `read()` is then
 * typed by name ({@link PlanResult}). Plans built from a `Map`, pairs or an array of views, from a
 * plan file or by {@link with} are `Plan` (results `Record<string, NDArray>`).
 */
export class Plan<R extends NamedReads = NamedReads> {
  /** Read names, in plan order (the keys of `R` for a plan built from a record). */
  readonly names: readonly ReadName<R>[];
  /** The lazy array of each read (same order as {@link names}). */
  readonly views: readonly LazyArray[];
  /** Options stored with the plan (and in its JSON form). */
  readonly options: PlanOptions;
  /** The optimizer's phase-1 result (objects and requests known before IO). */
  readonly optimized: Optimized;
  /** Coalescing policy of each store of `optimized.stores`. */
  readonly policies: readonly CoalescePolicy[];
  /** Settings of each store of `optimized.stores` when the plan was built (its engine's). */
  readonly settings: readonly StoreSettings[];
  /** What reads, streams and resolves this plan. */
  readonly engine: PlanEngine;
  /** Shard indexes known so far, by object id (`null`: the shard is not stored). */
  readonly indexes: ReadonlyMap<number, ShardIndexLike | null>;
  /** Output bytes and an upper bound of the chunk tasks, known before optimizing. */
  readonly size: PlanSize;
  /**
   * Why the plan will not run, when it is over its engine's limits (output bytes, chunk tasks):
   * `read`, `stream` and `resolve` then fail with this error before any IO, `explain()` describes
   * the reads without enumerating chunks, and `optimized` is empty.
   */
  readonly tooLarge: ZarrPlanError | undefined;

  /**
   * Use `plan()` (the package entry point), which picks the engine (a `Context`). `internal`
   * (from {@link withIndexes} and {@link with}) must belong to the same reads and policies.
   * @throws OptionsError (`ERR_OPTIONS`) for invalid options (the plan-file schema of `options`:
   * `concurrency: 0`, `-1` or `0.5`, `retry: { retries: -1 }`, `timeoutMs: NaN`, an unknown
   * option, …), naming each option and value; ZarrPlanError `ERR_PLAN` for invalid reads.
   */
  constructor(
    reads: PlanReads,
    options: PlanOptions,
    engine: PlanEngine,
    internal?: { optimized: Optimized; indexes: ReadonlyMap<number, ShardIndexLike | null> },
  ) {
    checkPlanOptions(options);
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
    // Record keys are the read names (Object.entries), so names are ReadName<R>.
    this.names = Object.freeze(entries.map((e) => e[0] as ReadName<R>));
    this.views = Object.freeze(entries.map((e) => e[1]));
    this.options = Object.freeze({ ...options });
    this.engine = engine;
    const override = { maxGap: options.maxGap, maxSize: options.maxSize };
    const storePolicy = (s: ReadableStore) => policyOf(engine.storeSettings(s), override);
    // Limits first: a plan over them is never enumerated.
    this.size = planSize(this.views);
    const names = [...new Set(this.views.map((v) => `"${v.source.path}"`))].join(", ");
    this.tooLarge = limitError(
      this.size,
      engine.limits ?? DEFAULT_PLAN_LIMITS,
      `plan of ${entries.length === 1 ? "1 read" : `${entries.length} reads`} on ${names}`,
    );
    this.optimized = this.tooLarge
      ? NOTHING
      : (internal?.optimized ??
        optimize(
          entries.map(([name, v]) => ({ name, source: v.source, transform: v.transform })),
          storePolicy,
        ));
    this.settings = Object.freeze(this.optimized.stores.map((s) => engine.storeSettings(s)));
    this.policies = Object.freeze(this.settings.map((s) => Object.freeze(policyOf(s, override))));
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
    if (this.tooLarge) return false;
    return this.optimized.partialShards.every((id) => this.indexes.has(id));
  }

  /** A plan with these shard indexes added (used by {@link resolve}; pure). */
  withIndexes(indexes: ReadonlyMap<number, ShardIndexLike | null>): Plan<R> {
    const merged = new Map(this.indexes);
    for (const [k, v] of indexes) merged.set(k, v);
    return new Plan<R>(this.reads, this.options, this.engine, {
      optimized: this.optimized,
      indexes: merged,
    });
  }

  /** The plan's document: reads by name and options (what {@link with} edits). */
  get document(): PlanDocument {
    return { reads: this.reads, options: this.options };
  }

  /**
   * A new plan made by editing this one's {@link document} with an immer recipe; this plan is
   * unchanged. What the edit leaves alone is reused: when no read changed and the coalescing
   * options (`maxGap`, `maxSize`) are the same, the new plan keeps this one's optimizer result and
   * resolved shard indexes (no re-planning, no IO); otherwise it is planned afresh (pure, no IO).
   * A recipe that changes nothing returns this plan.
   *
   * ```ts
   * const fast = p.with((d) => { d.options.concurrency = 64; });       // same requests, reused
   * const more = p.with((d) => { d.reads.lat = lat.lazy().get(slice(0, 10)); delete d.reads.pts; });
   * ```
   * @throws ZarrPlanError `ERR_PLAN` / OptionsError as {@link constructor} for an invalid result.
   */
  with(recipe: (draft: PlanDraft) => void): Plan {
    const base: PlanDocument = { reads: { ...this.reads }, options: { ...this.options } };
    const next = produce(base, (draft) => {
      recipe(draft as unknown as PlanDraft);
    });
    if (next === base) return this;
    const sameReads = next.reads === base.reads;
    const o = next.options;
    const samePolicy = o.maxGap === this.options.maxGap && o.maxSize === this.options.maxSize;
    const internal =
      sameReads && samePolicy ? { optimized: this.optimized, indexes: this.indexes } : undefined;
    return new Plan(next.reads, next.options, this.engine, internal);
  }

  /**
   * What the plan will do, as a structured object: reads, stores and their policies, objects
   * (chunks, shards whole or partial, inner chunks), the requests known now and totals. Before
   * shard indexes are known: the chunk, whole-shard and index requests, an upper bound of the data
   * requests and the worst-case bytes; after {@link resolve}: every request with its byte range,
   * ranges before and after coalescing, bytes over-read. No IO.
   */
  explain(): PlanExplanation {
    if (this.tooLarge) {
      const tasks = this.views.map(readTaskBound);
      return explainTooLarge(this.names, this.views, tasks, this.tooLarge.message);
    }
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
   * The plan cut into partitions: plan files of output boxes of its reads, for worker threads
   * (`runPartitioned`), processes or machines, whose outputs `assemblePartitions` puts back
   * together into exactly what {@link read} returns. Cuts go where no chunk (or shard, with `by:
   * "shard"`, the default) straddles them; see `partition-plan.ts` for what is and is not fetched
   * twice. Pure (no IO) and deterministic.
   *
   * ```ts
   * const parts = p.partition({ maxBytes: 32 << 20 });   // or { count: 8 }
   * parts[0].file;      // a plan file (JSON), the same stores as p.toJSON()
   * parts[0].regions;   // [{ read, name, start, shape }]: where its outputs go
   * ```
   * @throws OptionsError (`ERR_OPTIONS`) for invalid options; {@link tooLarge} when the plan is
   * over its limits; ZarrPlanError `ERR_PLAN_NOT_SERIALIZABLE` as {@link toJSON}.
   */
  partition(options: PartitionOptions = {}): PlanPartition[] {
    return partitionPlan(this, options);
  }

  /**
   * Reads every view: `{ name: NDArray }` (C order, each view's shape and dtype). Each chunk,
   * shard and shard index is requested once; requests run concurrently under each store's limit.
   * @throws OptionsError (`ERR_OPTIONS`, before anything is read) for invalid options, naming
   * each option and value: `concurrency` / `decodeConcurrency` not an integer ≥ 1, `retry`
   * numbers out of range, `timeoutMs` negative or not finite, a `signal` that is not an
   * `AbortSignal`, an unknown option; AbortError when `options.signal` aborts; `FetchError` (a
   * `StoreError`, naming array, key and byte range) for a permanent store failure or once
   * retries are exhausted; `CodecError` for corrupt data. Never resolves with a partial result.
   * Typed by read name when the plan was built from a record ({@link PlanResult}).
   */
  read(options: PlanReadOptions = {}): Promise<PlanResult<R>> {
    try {
      checkExecutionOptions(options, "read");
      if (this.tooLarge) return Promise.reject(this.tooLarge);
      // The engine reads every name of the plan, each with its view's dtype.
      return this.engine.readPlan(this, options) as Promise<PlanResult<R>>;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Runs the plan as a cold `Observable` of {@link ChunkEvent}s, one per chunk task, emitted as
   * each is decoded and scattered (completion order). Each subscription is one execution;
   * unsubscribing aborts it (requests shared with other executions continue for them). Errors as
   * {@link read}, but invalid options throw here, when `stream()` is called (`OptionsError`).
   */
  stream(options: PlanReadOptions = {}): Observable<ChunkEvent> {
    checkExecutionOptions(options, "stream");
    const tooLarge = this.tooLarge;
    if (tooLarge) return throwError(() => tooLarge);
    return this.engine.streamPlan(this, options);
  }

  /**
   * Fetches the shard indexes the plan needs (one round trip, concurrently) and returns the plan
   * with them: its `explain()` is then exact and its `read()` needs one round trip.
   * The indexes are a snapshot: re-resolve after the arrays are rewritten.
   * @throws as {@link read}.
   */
  resolve(options: PlanReadOptions = {}): Promise<Plan<R>> {
    try {
      checkExecutionOptions(options, "resolve");
      if (this.tooLarge) return Promise.reject(this.tooLarge);
      // The engine returns this plan with indexes added (withIndexes): same reads.
      return this.engine.resolvePlan(this, options) as Promise<Plan<R>>;
    } catch (e) {
      return Promise.reject(e);
    }
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
