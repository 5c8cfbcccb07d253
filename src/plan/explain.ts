/**
 * `explain()`: what a plan will read, as a structured object and as a text table. Pure: it prints
 * the optimizer's input (reads, chunk tasks) and output (objects, requests), nothing else.
 * @module
 */
import type { LazyArray } from "../index-space/lazy.js";
import { storeLabel } from "../store/location.js";
import type { CoalescePolicy } from "./coalesce.js";
import type { FetchKind, FetchRange, Optimized, ShardIndexLike } from "./optimize.js";
import { shardReads, worstCaseBytes } from "./optimize.js";
import type { StoreSettings } from "./store-settings.js";

/** What `explain()` reads of a plan (a `Plan` is one). */
interface ExplainInput {
  /** Read names, in plan order. */
  readonly names: readonly string[];
  /** The lazy array of each read. */
  readonly views: readonly LazyArray[];
  /** The optimizer's phase-1 result. */
  readonly optimized: Optimized;
  /** Coalescing policy of each store. */
  readonly policies: readonly CoalescePolicy[];
  /** Settings of each store (its request limit is shown). */
  readonly settings: readonly StoreSettings[];
  /** Shard indexes known so far, by object id. */
  readonly indexes: ReadonlyMap<number, ShardIndexLike | null>;
}

/** One read of an explanation. */
export interface ExplainedRead {
  readonly name: string;
  /** Node path of the array. */
  readonly array: string;
  /** Index into {@link PlanExplanation.stores}; −1 for sources without a store. */
  readonly store: number;
  /** `chunks`, `shards` or `source` (see the optimizer). */
  readonly layout: string;
  /** Output shape (elements). */
  readonly shape: readonly number[];
  readonly dtype: string;
  /** Output elements. */
  readonly elements: number;
  /** Output size in bytes. */
  readonly outputBytes: number;
  /** Chunk tasks (chunks, or inner chunks when sharded, touched by the read). */
  readonly tasks: number;
  /** Stored objects (chunks or shards) the read needs. */
  readonly objects: number;
}

/** One store of an explanation. */
export interface ExplainedStore {
  readonly id: number;
  /** Location (path or URL) or class name. */
  readonly label: string;
  /** Shared in-flight request limit. */
  readonly concurrency: number;
  /** Coalescing gap and cap used by this plan (bytes). */
  readonly maxGap: number;
  readonly maxSize: number;
  /**
   * Where the gap comes from: `"cost"`, the store's cost model (`bandwidthMBps × latencyMs ÷
   * concurrency`, see `costModelGap`), or `"set"` (the store's settings or the plan's options).
   */
  readonly gapFrom: "cost" | "set";
  /** The cost model's latency (ms) and bandwidth (MB/s) of the store. */
  readonly latencyMs: number;
  readonly bandwidthMBps: number;
  /** Requests known on this store. */
  readonly requests: number;
}

/** One request of an explanation. */
export interface ExplainedRequest {
  /** Index into {@link PlanExplanation.stores}; −1 for `source` reads. */
  readonly store: number;
  readonly key: string;
  /**
   * `chunk` (whole chunk), `shard` (whole shard, index included), `index` (shard index),
   * `range` (inner chunks of a shard, coalesced), `source` (`readChunk`).
   */
  readonly kind: FetchKind;
  /** Byte range for `index` and `range` requests. */
  readonly range: FetchRange | undefined;
  /** Bytes requested when known (ranges, indexes, fixed-size chunks). */
  readonly bytes: number | undefined;
  /**
   * When `bytes` is unknown (a whole chunk or shard of a compressing codec, sized only once read):
   * an upper bound (the uncompressed size; for a whole shard, index included), else `undefined`.
   */
  readonly bytesAtMost: number | undefined;
  /** `range`: inner chunks served. */
  readonly parts: number;
  /** `range`: bytes of those inner chunks; `bytes − wanted` is over-read. */
  readonly wanted: number;
  /** Names of the reads it serves. */
  readonly reads: readonly string[];
}

/** Counts of the stored objects a plan needs. */
export interface ExplainedObjects {
  /** Unsharded chunks (one request each). */
  readonly chunks: number;
  /** Shards read whole (one request each). */
  readonly wholeShards: number;
  /** Shards read by index + byte ranges. */
  readonly partialShards: number;
  /** Inner chunks needed (sharded arrays). */
  readonly innerChunks: number;
  /** Needed inner chunks found empty (fill value, no request); counted over resolved shards. */
  readonly emptyInnerChunks: number;
  /** Chunks read through `readChunk` (sources without a store). */
  readonly sourceChunks: number;
  /** Objects needed by more than one read (read once). */
  readonly shared: number;
}

/** Totals of an explanation. */
export interface ExplainedTotals {
  /** Requests known now (exact when `resolved`). */
  readonly requests: number;
  /** Upper bound of all requests (known + one per needed inner chunk of unresolved shards). */
  readonly requestsAtMost: number;
  /** Shards whose data requests wait for their index. */
  readonly pendingShards: number;
  /** Upper bound of the bytes read, before IO (exact sizes for fixed-size codecs, else uncompressed). */
  readonly worstCaseBytes: number;
  /** Bytes of the known requests whose size is known. */
  readonly knownBytes: number;
  /** Over resolved shards: inner-chunk byte ranges before coalescing. */
  readonly rangesBefore: number;
  /** Over resolved shards: range requests after coalescing. */
  readonly rangesAfter: number;
  /** Over resolved shards: bytes of the needed inner chunks. */
  readonly bytesWanted: number;
  /** Over resolved shards: bytes requested by range requests. */
  readonly bytesFetched: number;
  /** `bytesFetched − bytesWanted`. */
  readonly overRead: number;
  /** Output bytes of all reads. */
  readonly outputBytes: number;
}

/** The structured result of `plan.explain()`. */
export interface PlanExplanation {
  /** Every shard index is known: requests are exact. */
  readonly resolved: boolean;
  /**
   * Sequential round trips of the plan's IO: 1 (chunks, whole shards, resolved plans), 2 (shard
   * indexes, then data), 0 for an empty plan. Opening arrays adds one (metadata) when cold.
   */
  readonly roundTrips: number;
  readonly reads: readonly ExplainedRead[];
  readonly stores: readonly ExplainedStore[];
  readonly objects: ExplainedObjects;
  /** Requests known now: chunk, shard and pending index requests, then data ranges of known indexes. */
  readonly requests: readonly ExplainedRequest[];
  readonly totals: ExplainedTotals;
  /**
   * Set when the plan is over its Context's limits (output bytes, chunk tasks): why it will not
   * run. Such a plan is explained from its reads alone (`tasks` are upper bounds, no objects or
   * requests are enumerated).
   */
  readonly tooLarge?: string;
}

/**
 * The explanation of a plan over its limits, from its reads alone (no enumeration): shapes,
 * output bytes, and upper bounds of chunk tasks per read.
 * @param tasks upper bound of the chunk tasks of each read.
 */
export function explainTooLarge(
  names: readonly string[],
  views: readonly LazyArray[],
  tasks: readonly number[],
  why: string,
): PlanExplanation {
  let outputBytes = 0;
  let tasksAtMost = 0;
  const reads = names.map((name, i): ExplainedRead => {
    const v = views[i]!;
    outputBytes += v.size * v.dtype.itemSize;
    tasksAtMost += tasks[i]!;
    return {
      name,
      array: v.source.path,
      store: -1,
      layout: v.source.storage ? "chunks" : "source",
      shape: v.shape,
      dtype: v.dtype.name,
      elements: v.size,
      outputBytes: v.size * v.dtype.itemSize,
      tasks: tasks[i]!,
      objects: 0,
    };
  });
  return {
    resolved: false,
    roundTrips: 0,
    reads,
    stores: [],
    objects: {
      chunks: 0,
      wholeShards: 0,
      partialShards: 0,
      innerChunks: 0,
      emptyInnerChunks: 0,
      sourceChunks: 0,
      shared: 0,
    },
    requests: [],
    totals: {
      requests: 0,
      requestsAtMost: tasksAtMost,
      pendingShards: 0,
      worstCaseBytes: 0,
      knownBytes: 0,
      rangesBefore: 0,
      rangesAfter: 0,
      bytesWanted: 0,
      bytesFetched: 0,
      overRead: 0,
      outputBytes,
    },
    tooLarge: why,
  };
}

function readNames(plan: ExplainInput, reads: readonly number[]): string[] {
  return reads.map((r) => plan.names[r]!);
}

/** Builds {@link PlanExplanation} for `plan`. Pure. */
export function explainPlan(plan: ExplainInput): PlanExplanation {
  const opt: Optimized = plan.optimized;
  const requests: ExplainedRequest[] = [];
  const data: ExplainedRequest[] = [];
  const perStore = new Array<number>(opt.stores.length).fill(0);
  let chunks = 0;
  let wholeShards = 0;
  let partialShards = 0;
  let innerChunks = 0;
  let emptyInner = 0;
  let sourceChunks = 0;
  let shared = 0;
  let worst = 0;
  let pending = 0;
  let pendingInner = 0;
  let rangesBefore = 0;
  let rangesAfter = 0;
  let wanted = 0;
  let fetched = 0;
  const readObjects = new Array<number>(plan.names.length).fill(0);
  for (const obj of opt.objects) {
    if (obj.reads.length > 1) shared++;
    for (const r of obj.reads) readObjects[r]!++;
    worst += worstCaseBytes(opt, obj, obj.store >= 0 ? plan.policies[obj.store] : undefined);
    if (obj.kind === "chunk") chunks++;
    else if (obj.kind === "source") sourceChunks++;
    else {
      innerChunks += obj.inner.length;
      if (obj.whole) wholeShards++;
      else partialShards++;
    }
  }
  for (const f of opt.fetches) {
    const obj = opt.objects[f.object]!;
    const resolvedIndex = f.kind === "index" && plan.indexes.has(f.object);
    if (!resolvedIndex) {
      const atMost =
        f.bytes === undefined && (f.kind === "chunk" || f.kind === "shard")
          ? worstCaseBytes(opt, obj, f.store >= 0 ? plan.policies[f.store] : undefined)
          : undefined;
      requests.push({
        store: f.store,
        key: f.key,
        kind: f.kind,
        range: f.range,
        bytes: f.bytes,
        bytesAtMost: atMost,
        parts: 0,
        wanted: f.bytes ?? 0,
        reads: readNames(plan, obj.reads),
      });
      if (f.store >= 0) perStore[f.store]!++;
    }
    if (f.kind !== "index") continue;
    if (!resolvedIndex) {
      pending++;
      pendingInner += obj.inner.length;
      continue;
    }
    const sr = shardReads(obj, plan.indexes.get(f.object)!, plan.policies[obj.store]!);
    emptyInner += sr.empty.length;
    rangesBefore += sr.rangesBefore;
    rangesAfter += sr.fetches.length;
    wanted += sr.wanted;
    fetched += sr.fetched;
    for (const d of sr.fetches) {
      data.push({
        store: d.store,
        key: d.key,
        kind: d.kind,
        range: d.range,
        bytes: d.bytes,
        bytesAtMost: undefined,
        parts: d.parts.length,
        wanted: d.wanted,
        reads: readNames(plan, obj.reads),
      });
      if (d.store >= 0) perStore[d.store]!++;
    }
  }
  const resolved = pending === 0;
  const all = [...requests, ...data];
  const known = all.length;
  let knownBytes = 0;
  for (const r of all) knownBytes += r.bytes ?? 0;
  const reads = plan.names.map((name, i): ExplainedRead => {
    const view = plan.views[i]!;
    const a = opt.arrays[opt.readArrays[i]!]!;
    return {
      name,
      array: view.source.path,
      store: a.store,
      layout: a.layout,
      shape: view.shape,
      dtype: view.dtype.name,
      elements: view.size,
      outputBytes: view.size * view.dtype.itemSize,
      tasks: opt.readTasks[i]!,
      objects: readObjects[i]!,
    };
  });
  const stores = opt.stores.map(
    (s, id): ExplainedStore => ({
      id,
      label: storeLabel(s),
      concurrency: plan.settings[id]!.concurrency,
      maxGap: plan.policies[id]!.maxGap,
      maxSize: plan.policies[id]!.maxSize,
      gapFrom:
        plan.settings[id]!.gapFrom === "cost" &&
        plan.policies[id]!.maxGap === plan.settings[id]!.maxGap
          ? "cost"
          : "set",
      latencyMs: plan.settings[id]!.latencyMs,
      bandwidthMBps: plan.settings[id]!.bandwidthMBps,
      requests: perStore[id]!,
    }),
  );
  let outputBytes = 0;
  for (const r of reads) outputBytes += r.outputBytes;
  return {
    resolved,
    roundTrips: opt.objects.length === 0 ? 0 : pending > 0 ? 2 : 1,
    reads,
    stores,
    objects: {
      chunks,
      wholeShards,
      partialShards,
      innerChunks,
      emptyInnerChunks: emptyInner,
      sourceChunks,
      shared,
    },
    requests: all,
    totals: {
      requests: known,
      requestsAtMost: known + pendingInner,
      pendingShards: pending,
      worstCaseBytes: worst,
      knownBytes,
      rangesBefore,
      rangesAfter,
      bytesWanted: wanted,
      bytesFetched: fetched,
      overRead: fetched - wanted,
      outputBytes,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Text

/** `1,234,567`. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** `512 B`, `1.5 KiB`, `8 MiB`, `2.3 GiB` (binary units). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  const text =
    u === 0 ? String(Math.round(v)) : v >= 100 ? v.toFixed(0) : v.toFixed(1).replace(/\.0$/, "");
  return `${text} ${units[u]}`;
}

function rangeText(r: FetchRange | undefined): string {
  if (!r) return "whole";
  if ("suffixLength" in r) return `last ${formatCount(r.suffixLength)} B`;
  return `${formatCount(r.offset)}–${formatCount(r.offset + r.length)}`;
}

function table(rows: string[][], right: ReadonlySet<number> = new Set()): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, c.length);
    });
  }
  return rows.map((row) =>
    row
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd(),
  );
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${formatCount(n)} ${n === 1 ? word : many}`;
}

/**
 * The text table of an explanation: a summary line, the reads, the stores, the objects, the
 * requests (first `maxRows`, default 40) and the totals.
 */
export function formatExplanation(e: PlanExplanation, options: { maxRows?: number } = {}): string {
  const maxRows = options.maxRows ?? 40;
  const t = e.totals;
  const lines: string[] = [];
  if (e.tooLarge !== undefined) {
    lines.push(`Plan: ${plural(e.reads.length, "read")}, too large to run: ${e.tooLarge}`);
    lines.push("");
    lines.push(
      ...table(
        [
          ["read", "array", "shape", "dtype", "elements", "output", "tasks at most"],
          ...e.reads.map((r) => [
            r.name,
            r.array === "" ? "/" : r.array,
            `[${r.shape.join(", ")}]`,
            r.dtype,
            formatCount(r.elements),
            formatBytes(r.outputBytes),
            formatCount(r.tasks),
          ]),
        ],
        new Set([4, 5, 6]),
      ),
    );
    return lines.join("\n");
  }
  const trips =
    e.roundTrips === 2
      ? "2 round trips (shard indexes, then data)"
      : plural(e.roundTrips, "round trip");
  const unsized = e.requests.filter((r) => r.bytes === undefined).length;
  const sizes =
    unsized === 0
      ? "byte counts exact"
      : `${plural(unsized, "whole-object size")} known once read (≤: upper bound)`;
  lines.push(
    `Plan: ${plural(e.reads.length, "read")}, ${plural(e.stores.length, "store")}, ${trips}; ${
      e.resolved
        ? `every request known, ${sizes}`
        : `requests known before IO (${plural(t.pendingShards, "shard index", "shard indexes")} pending: their byte ranges are known once read)`
    }`,
  );
  lines.push("");
  lines.push(
    ...table(
      [
        [
          "read",
          "array",
          "store",
          "layout",
          "shape",
          "dtype",
          "elements",
          "output",
          "tasks",
          "objects",
        ],
        ...e.reads.map((r) => [
          r.name,
          r.array === "" ? "/" : r.array,
          r.store < 0 ? "-" : String(r.store),
          r.layout,
          `[${r.shape.join(", ")}]`,
          r.dtype,
          formatCount(r.elements),
          formatBytes(r.outputBytes),
          formatCount(r.tasks),
          formatCount(r.objects),
        ]),
      ],
      new Set([6, 7, 8, 9]),
    ),
  );
  if (e.stores.length > 0) {
    lines.push("");
    lines.push(
      ...table(
        [
          ["store", "location", "concurrency", "maxGap", "gap from", "maxSize", "requests"],
          ...e.stores.map((s) => [
            String(s.id),
            s.label,
            String(s.concurrency),
            formatBytes(s.maxGap),
            s.gapFrom === "cost"
              ? `${s.bandwidthMBps} MB/s × ${s.latencyMs} ms ÷ ${s.concurrency}`
              : "set",
            formatBytes(s.maxSize),
            formatCount(s.requests),
          ]),
        ],
        new Set([2, 3, 5, 6]),
      ),
    );
  }
  const o = e.objects;
  const parts: string[] = [];
  if (o.chunks) parts.push(plural(o.chunks, "chunk"));
  if (o.wholeShards) parts.push(plural(o.wholeShards, "whole shard"));
  if (o.partialShards) parts.push(plural(o.partialShards, "partial shard"));
  if (o.innerChunks) parts.push(`${plural(o.innerChunks, "inner chunk")} needed`);
  if (o.emptyInnerChunks) parts.push(`${formatCount(o.emptyInnerChunks)} of them empty`);
  if (o.sourceChunks) parts.push(plural(o.sourceChunks, "source chunk"));
  if (o.shared) parts.push(`${plural(o.shared, "object")} shared by several reads (read once)`);
  lines.push("");
  lines.push(`objects: ${parts.length ? parts.join(", ") : "none"}`);
  lines.push("");
  const head = e.resolved
    ? `requests: ${formatCount(t.requests)}`
    : `requests: ${formatCount(t.requests)} known, at most ${formatCount(t.requestsAtMost)} once shard indexes arrive`;
  lines.push(head);
  const shown = e.requests.slice(0, maxRows);
  if (shown.length > 0) {
    lines.push(
      ...table(
        [
          ["#", "store", "key", "kind", "bytes", "range", "inner", "over-read", "reads"],
          ...shown.map((r, i) => [
            String(i + 1),
            r.store < 0 ? "-" : String(r.store),
            r.key,
            r.kind,
            r.bytes !== undefined
              ? formatBytes(r.bytes)
              : r.bytesAtMost !== undefined
                ? `≤ ${formatBytes(r.bytesAtMost)}`
                : "?",
            r.kind === "range" || r.kind === "index" ? rangeText(r.range) : "whole",
            r.kind === "range" ? String(r.parts) : "",
            r.kind === "range" && r.bytes !== undefined ? formatBytes(r.bytes - r.wanted) : "",
            r.reads.join(","),
          ]),
        ],
        new Set([0, 4, 6, 7]),
      ),
    );
  }
  if (e.requests.length > shown.length) {
    lines.push(`… ${plural(e.requests.length - shown.length, "more request")}`);
  }
  lines.push("");
  const totals = [
    `worst case ${formatBytes(t.worstCaseBytes)} read`,
    `known requests ${formatBytes(t.knownBytes)}`,
    `output ${formatBytes(t.outputBytes)}`,
  ];
  lines.push(`bytes: ${totals.join(", ")}`);
  if (t.rangesBefore > 0) {
    const pct = t.bytesWanted > 0 ? ` (${((100 * t.overRead) / t.bytesWanted).toFixed(1)} %)` : "";
    lines.push(
      `coalescing: ${plural(t.rangesBefore, "byte range")} → ${plural(t.rangesAfter, "request")}; wanted ${formatBytes(
        t.bytesWanted,
      )}, fetched ${formatBytes(t.bytesFetched)}, over-read ${formatBytes(t.overRead)}${pct}`,
    );
  }
  return lines.join("\n");
}
