/**
 * Plan partitions: a plan's reads cut into output boxes, each a plan file of its own that another
 * thread, process or machine can run, and the pure assembly of their outputs. No IO.
 *
 * ```ts
 * const parts = p.partition({ maxBytes: 64 << 20 });       // PlanPartition[], deterministic
 * const results = await Promise.all(parts.map(async (partition) => ({
 *   partition, outputs: await (await planFromJSON(partition.file)).read() })));
 * const out = assemblePartitions(p, results);              // equal to await p.read()
 * ```
 *
 * How a plan is cut: each read's output is cut into *bands* along one output dimension (the one
 * that allows the most cuts; the first on ties). A cut goes between two rows only where no stored
 * object straddles it: the chunk tasks of one chunk — of one whole shard with `by: "shard"` (the
 * default), of one inner chunk with `by: "chunk"` — have their output rows (for point sets: their
 * smallest and largest output row) on one side. A band over `maxBytes` estimated fetched bytes or
 * `maxTasks` chunk tasks is cut again the same way, along any dimension: between whole shards
 * first, then between inner chunks; a box no cut can split stays whole, over the limit. Boxes are
 * then packed, in plan order (reads in order, boxes in order), into partitions up to the limits, or
 * with `count` spread over at most `count` partitions of about equal estimated bytes (whole shards
 * first; cuts between inner chunks only when there would be fewer boxes than `count`). Each box,
 * or run of adjacent boxes whose union is a box, is a sub-read named `"<read>@<k>"`: the read's ops
 * and one `{"get": [...]}` op.
 *
 * What is guaranteed: the partitions' sub-reads tile every read's output exactly once, so their
 * outputs assemble into exactly what `plan.read()` returns. Nothing is cut inside a chunk (or inner
 * chunk), so within one read a chunk is fetched by one partition only; a shard by one partition
 * only unless cuts fall between its inner chunks (`by: "chunk"`, or a shard over the limits on its
 * own): each partition then fetches only the inner chunks it needs, plus the shard index. A chunk
 * that two reads of the plan need may be fetched by two partitions. The price of never cutting a
 * chunk: a band that no cut can split (a chunk bigger than `maxBytes`; the points of index arrays
 * — vindex, oindex — that scatter one chunk over the whole output) stays in one partition.
 *
 * Byte estimates are the optimizer's upper bounds: `ArrayEntry.cellBytes` per chunk or per needed
 * inner chunk, plus the shard index of partially read shards.
 * @module
 */
import { z } from "zod";
import { OptionsError, ZarrPlanError } from "../core/errors.js";
import { copyStrided, type NDArray, shapeSize, zeros } from "../core/ndarray.js";
import { optionIssues } from "../format/metadata/issues.js";
import type { LazyArray } from "../index-space/lazy.js";
import { taskOutputBounds } from "../index-space/task-ops.js";
import type { Optimized, TaskUse } from "./optimize-types.js";
import type { JsonItem, JsonOp, PlanFile, PlanFileRead } from "./plan-json.js";

/** Options of `Plan.partition`. */
export interface PartitionOptions {
  /** Upper bound of estimated fetched bytes per partition (default 64 MiB; a box no cut can split may exceed it). */
  readonly maxBytes?: number;
  /** Upper bound of chunk tasks per partition (default none; a box no cut can split may exceed it). */
  readonly maxTasks?: number;
  /**
   * At most this many partitions (fewer when the plan cannot be cut that often), of about equal
   * estimated bytes. Overrides `maxBytes` and `maxTasks`.
   */
  readonly count?: number;
  /**
   * What a cut must not split: a whole shard (`"shard"`, the default) or an inner chunk
   * (`"chunk"`: finer partitions of sharded arrays, a shard's index then fetched by each
   * partition that needs some of its inner chunks). Same for unsharded arrays.
   */
  readonly by?: "shard" | "chunk";
}

/** Where one sub-read of a partition goes in the original read's output. */
export interface PartitionRegion {
  /** Read name in the original plan. */
  readonly read: string;
  /** Read name inside the partition's plan file (`"<read>@<k>"`). */
  readonly name: string;
  /** First element of the box of the original read's output this sub-read fills (every dimension). */
  readonly start: readonly number[];
  /** Shape of that box (the sub-read's output shape). */
  readonly shape: readonly number[];
}

/** One partition of a plan: a plan file and where its outputs go. */
export interface PlanPartition {
  /** Position in the array `Plan.partition` returns. */
  readonly index: number;
  /** A valid plan file (`parsePlanFile` accepts it; `planFromJSON` runs it), same stores as the plan's. */
  readonly file: PlanFile;
  /** One region per sub-read of `file`, in the file's read order. */
  readonly regions: readonly PartitionRegion[];
  /** Estimated bytes fetched (upper bound, see the module comment). */
  readonly bytes: number;
  /** Chunk tasks run. */
  readonly tasks: number;
}

/** What {@link partitionPlan} needs of a plan (a `Plan` fits). */
export interface PartitionablePlan {
  readonly names: readonly string[];
  readonly views: readonly LazyArray[];
  readonly optimized: Optimized;
  readonly tooLarge: ZarrPlanError | undefined;
  toJSON(): PlanFile;
}

/** Default `maxBytes`: 64 MiB. */
export const DEFAULT_PARTITION_BYTES = 64 * 1024 * 1024;

const optionsSchema = z.strictObject({
  maxBytes: z.number().positive().optional(),
  maxTasks: z.number().int().min(1).optional(),
  count: z.number().int().min(1).optional(),
  by: z.enum(["shard", "chunk"]).optional(),
});

/** A group of chunk tasks of one read that a cut must not split (one chunk, shard or inner chunk). */
interface Unit {
  /** Smallest and largest output coordinate along each dimension (both included). */
  readonly lo: number[];
  readonly hi: number[];
  tasks: number;
  /** What fetching it costs: cost key → estimated bytes (chunk, inner chunk, shard index). */
  readonly costs: Map<string, number>;
}

/** A box of one read's output and the units inside it. */
interface Box {
  readonly read: number;
  readonly start: readonly number[];
  readonly stop: readonly number[];
  /** Units cuts must not split (chunks, or shards with `by: "shard"`). */
  readonly coarse: readonly Unit[];
  /** The finest units (chunks or inner chunks): what the box costs. */
  readonly fine: readonly Unit[];
  readonly bytes: number;
  readonly tasks: number;
}

function costOf(units: readonly Unit[]): { bytes: number; tasks: number } {
  const seen = new Map<string, number>();
  let tasks = 0;
  for (const u of units) {
    tasks += u.tasks;
    for (const [k, b] of u.costs) seen.set(k, b);
  }
  let bytes = 0;
  for (const b of seen.values()) bytes += b;
  return { bytes, tasks };
}

/** The units of each read at two grains: per shard (or chunk) and per inner chunk (or chunk). */
function unitsOf(
  p: PartitionablePlan,
  by: "shard" | "chunk",
  indexBytes: ReadonlyMap<number, number>,
): { coarse: Unit[][]; fine: Unit[][] } {
  const opt = p.optimized;
  const coarse = p.names.map(() => new Map<string, Unit>());
  const fine = p.names.map(() => new Map<string, Unit>());
  const add = (
    maps: Map<string, Unit>[],
    read: number,
    key: string,
    b: { lo: number[]; hi: number[] } | undefined,
    costs: readonly [string, number][],
  ) => {
    const nd = p.views[read]!.shape.length;
    const units = maps[read]!;
    let u = units.get(key);
    if (!u) {
      u = {
        lo: new Array<number>(nd).fill(Number.POSITIVE_INFINITY),
        hi: new Array<number>(nd).fill(Number.NEGATIVE_INFINITY),
        tasks: 0,
        costs: new Map(),
      };
      units.set(key, u);
    }
    u.tasks++;
    for (const [k, v] of costs) u.costs.set(k, v);
    if (!b) return;
    for (let d = 0; d < nd; d++) {
      if (b.lo[d]! < u.lo[d]!) u.lo[d] = b.lo[d]!;
      if (b.hi[d]! > u.hi[d]!) u.hi[d] = b.hi[d]!;
    }
  };
  const bounds = (use: TaskUse) => taskOutputBounds(use.task, p.views[use.read]!.shape);
  for (const o of opt.objects) {
    const cell = opt.arrays[o.array]?.cellBytes ?? 0;
    if (o.kind === "shard") {
      const index = indexBytes.get(o.id) ?? 0;
      for (const inner of o.inner) {
        const costs: [string, number][] = [[`${o.id}:${inner.index}`, cell]];
        if (index > 0) costs.push([`${o.id}:index`, index]);
        const key = `${o.id}:${inner.index}`;
        for (const use of inner.uses) {
          const b = bounds(use);
          add(fine, use.read, key, b, costs);
          if (by === "shard") add(coarse, use.read, `${o.id}`, b, costs);
        }
      }
    } else {
      const costs: [string, number][] = [[`${o.id}`, cell]];
      for (const use of o.uses) {
        const b = bounds(use);
        add(fine, use.read, `${o.id}`, b, costs);
        if (by === "shard") add(coarse, use.read, `${o.id}`, b, costs);
      }
    }
  }
  const list = (maps: Map<string, Unit>[]) =>
    maps.map((m) => [...m.values()].filter((u) => u.lo.every((l, d) => l <= u.hi[d]!)));
  const f = list(fine);
  return { coarse: by === "shard" ? list(coarse) : f, fine: f };
}

function makeBox(
  read: number,
  start: readonly number[],
  stop: readonly number[],
  coarse: readonly Unit[],
  fine: readonly Unit[],
): Box {
  const c = costOf(fine);
  return { read, start, stop, coarse, fine, bytes: c.bytes, tasks: c.tasks };
}

/**
 * Where `box` may be cut along `dim` without splitting a unit: the band starts (the first is the
 * box's start). Unit extents are clipped to the box.
 */
function cutsAlong(box: Box, units: readonly Unit[], dim: number): number[] {
  const a = box.start[dim]!;
  const n = box.stop[dim]! - a;
  const cover = new Int32Array(n + 1);
  for (const u of units) {
    const lo = Math.max(u.lo[dim]!, a) - a;
    const hi = Math.min(u.hi[dim]!, a + n - 1) - a;
    if (lo >= hi) continue;
    cover[lo + 1]! += 1;
    cover[hi + 1]! -= 1;
  }
  const starts = [a];
  let c = 0;
  for (let r = 1; r < n; r++) {
    c += cover[r]!;
    if (c === 0) starts.push(a + r);
  }
  return starts;
}

/**
 * `box` cut into bands along the dimension with the most cuts (the first on ties) that split no
 * unit of `units`; `[box]` when no cut is possible.
 */
function bandsOf(box: Box, units: readonly Unit[]): Box[] {
  let dim = -1;
  let starts: number[] = [];
  for (let d = 0; d < box.start.length; d++) {
    if (box.stop[d]! - box.start[d]! <= 1) continue;
    const s = cutsAlong(box, units, d);
    if (s.length > Math.max(1, starts.length)) {
      dim = d;
      starts = s;
    }
  }
  if (dim < 0) return [box];
  // Each unit goes to the bands its rows (clipped to the box) fall in: one, unless cuts were
  // placed between the inner chunks of a shard it stands for.
  const a = box.start[dim]!;
  const z = box.stop[dim]!;
  const rowBand = new Int32Array(z - a);
  starts.forEach((s, i) => {
    rowBand.fill(i, s - a, (starts[i + 1] ?? z) - a);
  });
  const spread = (units: readonly Unit[]) => {
    const out: Unit[][] = starts.map(() => []);
    for (const u of units) {
      const first = rowBand[Math.max(u.lo[dim]!, a) - a]!;
      const last = rowBand[Math.min(u.hi[dim]!, z - 1) - a]!;
      for (let k = first; k <= last; k++) out[k]!.push(u);
    }
    return out;
  };
  const coarse = spread(box.coarse);
  const fine = box.fine === box.coarse ? coarse : spread(box.fine);
  return starts.map((s, i) => {
    const start = [...box.start];
    const stop = [...box.stop];
    start[dim] = s;
    stop[dim] = starts[i + 1] ?? z;
    return makeBox(box.read, start, stop, coarse[i]!, fine[i]!);
  });
}

/**
 * The boxes of one read, in order: its output cut into bands, and every band over a limit cut
 * again (across whole shards first, then, with `fineCuts`, across inner chunks) until it fits or
 * no cut is left.
 */
function boxesOf(
  read: number,
  shape: readonly number[],
  coarse: readonly Unit[],
  fine: readonly Unit[],
  maxBytes: number,
  maxTasks: number,
  fineCuts: boolean,
): Box[] {
  const whole = makeBox(
    read,
    shape.map(() => 0),
    [...shape],
    coarse,
    fine,
  );
  if (shape.length === 0 || shapeSize(shape) === 0) return [whole];
  const over = (b: Box) => b.bytes > maxBytes || b.tasks > maxTasks;
  const split = (box: Box): Box[] => {
    let bands = bandsOf(box, box.coarse);
    if (bands.length === 1 && fineCuts && box.fine !== box.coarse && over(box)) {
      bands = bandsOf(box, box.fine);
    }
    if (bands.length === 1) return bands;
    return bands.flatMap((b) => (over(b) ? split(b) : [b]));
  };
  return split(whole);
}

/** Whether boxes `a` and `b` of one read are adjacent along one dimension and equal along the others (their union is a box). */
function adjoin(a: Box, b: Box): boolean {
  if (a.read !== b.read) return false;
  let along = 0;
  for (let d = 0; d < a.start.length; d++) {
    if (a.start[d] === b.start[d] && a.stop[d] === b.stop[d]) continue;
    if (a.stop[d] !== b.start[d]) return false;
    along++;
  }
  return along === 1;
}

/** Boxes grouped into partitions (each a list of boxes in plan order). */
function pack(
  boxes: readonly Box[],
  count: number | undefined,
  maxBytes: number,
  maxTasks: number,
): Box[][] {
  if (count !== undefined) {
    // Each box goes to the partition its middle falls in, by cumulative weight: ≤ count parts.
    const weight = (b: Box) => b.bytes + b.tasks + 1;
    let total = 0;
    for (const b of boxes) total += weight(b);
    const groups: Box[][] = [];
    let cum = 0;
    let last = -1;
    for (const b of boxes) {
      const w = weight(b);
      const k = Math.min(count - 1, Math.floor((count * (cum + w / 2)) / total));
      cum += w;
      if (k !== last) groups.push([]);
      last = k;
      groups[groups.length - 1]!.push(b);
    }
    return groups;
  }
  const groups: Box[][] = [];
  let cur: Box[] = [];
  let keys = new Set<string>();
  let bytes = 0;
  let tasks = 0;
  for (const b of boxes) {
    const mine = new Map<string, number>();
    for (const u of b.fine) for (const [k, v] of u.costs) mine.set(k, v);
    let extra = 0;
    for (const [k, v] of mine) if (!keys.has(k)) extra += v;
    if (cur.length > 0 && (bytes + extra > maxBytes || tasks + b.tasks > maxTasks)) {
      groups.push(cur);
      cur = [];
      keys = new Set();
      bytes = 0;
      tasks = 0;
      extra = b.bytes;
    }
    for (const k of mine.keys()) keys.add(k);
    cur.push(b);
    bytes += extra;
    tasks += b.tasks;
  }
  if (cur.length > 0) groups.push(cur);
  return groups;
}

/**
 * The partitions of a plan (see the module comment). Pure and deterministic: the same plan and
 * options give the same partitions, in the same order.
 * @throws OptionsError (`ERR_OPTIONS`, call `"partition"`) for invalid options (`maxBytes` not a
 * number > 0, `maxTasks` / `count` not an integer ≥ 1, `by` not `"shard"` / `"chunk"`, an
 * unknown option); the plan's `tooLarge` error when it is over its limits; ZarrPlanError
 * `ERR_PLAN_NOT_SERIALIZABLE` (naming the read) when the plan cannot be written as a plan file
 * (a store without a location, such as a `MemoryStore`; a view that does not record its ops).
 */
export function partitionPlan(
  p: PartitionablePlan,
  options: PartitionOptions = {},
): PlanPartition[] {
  const issues = optionIssues(options, optionsSchema);
  if (issues.length > 0) throw new OptionsError("partition", issues);
  if (p.tooLarge) throw p.tooLarge;
  const base = p.toJSON();
  const indexBytes = new Map<number, number>();
  for (const f of p.optimized.fetches) {
    if (f.kind === "index") indexBytes.set(f.object, f.bytes ?? 0);
  }
  const units = unitsOf(p, options.by ?? "shard", indexBytes);
  const count = options.count;
  let maxBytes = options.maxBytes ?? DEFAULT_PARTITION_BYTES;
  let maxTasks = options.maxTasks ?? Number.POSITIVE_INFINITY;
  if (count !== undefined) {
    // Cut until boxes are about a count-th of the plan.
    const all = costOf(units.fine.flat());
    maxBytes = Math.max(1, Math.ceil(all.bytes / count));
    maxTasks = Math.max(1, Math.ceil(all.tasks / count));
  }
  const cut = (fineCuts: boolean) =>
    p.names.flatMap((_, r) =>
      boxesOf(r, p.views[r]!.shape, units.coarse[r]!, units.fine[r]!, maxBytes, maxTasks, fineCuts),
    );
  // With `count`, whole shards first: inner-chunk cuts only when there are too few boxes.
  let boxes = cut(count === undefined);
  if (count !== undefined && boxes.length < count) boxes = cut(true);
  const pieces = p.names.map(() => 0);
  return pack(boxes, count, maxBytes, maxTasks).map((group, index) => {
    const reads: Record<string, PlanFileRead> = {};
    const regions: PartitionRegion[] = [];
    const all: Unit[] = [];
    for (let i = 0; i < group.length; ) {
      const first = group[i]!;
      let box = first;
      all.push(...first.fine);
      // Consecutive boxes whose union is a box: one sub-read.
      for (i++; i < group.length && adjoin(box, group[i]!); i++) {
        const next = group[i]!;
        box = { ...box, stop: box.stop.map((s, d) => Math.max(s, next.stop[d]!)) };
        all.push(...next.fine);
      }
      const name = p.names[box.read]!;
      const shape = p.views[box.read]!.shape;
      const sub = `${name}@${pieces[box.read]!++}`;
      const src = base.reads[name]!;
      const ops: JsonOp[] = [...src.ops];
      if (shape.length > 0 && shapeSize(shape) > 0) {
        ops.push({
          get: shape.map((n, d): JsonItem => {
            const a = box.start[d]!;
            const z = box.stop[d]!;
            return a === 0 && z === n ? ":" : `${a}:${z}`;
          }),
        });
      }
      reads[sub] = src.store === undefined ? { array: src.array, ops } : { ...src, ops };
      regions.push(
        Object.freeze({
          read: name,
          name: sub,
          start: Object.freeze([...box.start]),
          shape: Object.freeze(box.stop.map((z, d) => z - box.start[d]!)),
        }),
      );
    }
    const file: PlanFile =
      base.options === undefined
        ? { store: base.store, reads }
        : { store: base.store, reads, options: base.options };
    const c = costOf(all);
    return Object.freeze({
      index,
      file,
      regions: Object.freeze(regions),
      bytes: c.bytes,
      tasks: c.tasks,
    });
  });
}

/** What {@link assemblePartitions} needs of a plan (a `Plan` fits). */
export interface AssemblablePlan {
  readonly names: readonly string[];
  readonly views: readonly LazyArray[];
}

/**
 * Checks that the partitions added to an assembler covered each read's output exactly: `filled`
 * counts the elements added per read (regions never overlap, so a full count is exact coverage).
 * @throws ZarrPlanError `ERR_PLAN` naming the read and the counts.
 */
export function checkCovered(plan: AssemblablePlan, filled: ReadonlyMap<string, number>): void {
  plan.names.forEach((name, i) => {
    const want = shapeSize(plan.views[i]!.shape);
    const got = filled.get(name)!;
    if (got !== want) {
      throw new ZarrPlanError(
        "ERR_PLAN",
        `read "${name}": the partitions given cover ${got} of its ${want} elements`,
      );
    }
  });
}

/**
 * The outputs of a plan from those of its partitions: each sub-read's output copied into its
 * region of its read's output (C order, each view's shape and dtype). Pure. With the results of
 * every partition `plan.partition()` returned, equal to what `plan.read()` returns; the order of
 * `results` does not matter.
 * @throws ZarrPlanError `ERR_PLAN` when a result lacks a sub-read's output, an output's shape is
 * not its region's, a region names a read the plan does not have, or the regions given do not
 * cover each read's output exactly once (a partition missing or given twice).
 */
export function assemblePartitions(
  plan: AssemblablePlan,
  results: readonly {
    readonly partition: PlanPartition;
    readonly outputs: Readonly<Record<string, NDArray>>;
  }[],
): Record<string, NDArray> {
  const assembler = new PartitionAssembler(plan);
  for (const r of results) assembler.add(r.partition, r.outputs);
  return assembler.finish();
}

/**
 * {@link assemblePartitions} one partition at a time, so that each partition's outputs can be
 * dropped once copied (what `runPartitioned` does as workers answer).
 */
export class PartitionAssembler {
  readonly #plan: AssemblablePlan;
  readonly #out: Record<string, NDArray> = {};
  readonly #filled = new Map<string, number>();

  /** Allocates every read's output (C order, zero-filled). */
  constructor(plan: AssemblablePlan) {
    this.#plan = plan;
    plan.names.forEach((name, i) => {
      const v = plan.views[i]!;
      this.#out[name] = zeros(v.dtype, v.shape);
      this.#filled.set(name, 0);
    });
  }

  /**
   * Copies each sub-read's output of `partition` into its region.
   * @throws ZarrPlanError `ERR_PLAN` (see {@link assemblePartitions}).
   */
  add(partition: PlanPartition, outputs: Readonly<Record<string, NDArray>>): void {
    for (const region of partition.regions) {
      const dst = this.#out[region.read];
      const where = `partition ${partition.index}, read "${region.read}" (sub-read "${region.name}")`;
      if (!dst || !this.#filled.has(region.read)) {
        throw new ZarrPlanError("ERR_PLAN", `${where}: the plan has no such read`);
      }
      const src = outputs[region.name];
      if (!src) throw new ZarrPlanError("ERR_PLAN", `${where}: no output`);
      if (
        src.shape.length !== region.shape.length ||
        src.shape.some((s, d) => s !== region.shape[d])
      ) {
        throw new ZarrPlanError(
          "ERR_PLAN",
          `${where}: output of shape [${src.shape}], expected [${region.shape}]`,
        );
      }
      let offset = 0;
      region.start.forEach((s, d) => {
        offset += s * dst.strides[d]!;
      });
      copyStrided(src, { ...dst, shape: region.shape, offset });
      this.#filled.set(region.read, this.#filled.get(region.read)! + shapeSize(region.shape));
    }
  }

  /**
   * The outputs.
   * @throws ZarrPlanError `ERR_PLAN` when the partitions added do not cover each read's output
   * exactly once.
   */
  finish(): Record<string, NDArray> {
    checkCovered(this.#plan, this.#filled);
    return this.#out;
  }
}
