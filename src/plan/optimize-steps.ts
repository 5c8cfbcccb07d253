/**
 * Phase 1 of the optimizer as named steps, in the order `optimize` runs them. Each is pure (no IO,
 * no timers) and only reads its inputs:
 *
 * 1. {@link registerArrays}: reads → the distinct arrays ({@link arrayEntryOf}) and stores, in
 *    order of first use, and the array of each read.
 * 2. {@link partitionReads}: each read's transform → chunk tasks over its array's grid (the inner
 *    chunk grid when sharded).
 * 3. {@link groupTasksByObject}: tasks → stored objects ({@link ObjectBuilder}): chunk tasks by
 *    chunk, shard tasks by shard with their inner chunks; one object per store + key across reads
 *    and arrays.
 * 4. {@link decideWholeShards}: which shards are read whole ({@link readShardWhole}).
 * 5. {@link finishObjects}: builders → frozen {@link ObjectNeed}s.
 * 6. {@link initialFetches}: objects → the requests known before IO, and the shards that wait for
 *    their index.
 * @module
 */
import { shapeSize } from "../core/ndarray.js";
import { type ChunkTask, partition } from "../index-space/partition.js";
import type { ArraySource } from "../index-space/source.js";
import type { ReadableStore } from "../store/types.js";
import type { CoalescePolicy } from "./coalesce.js";
import type {
  ArrayEntry,
  Fetch,
  FetchKind,
  FetchRange,
  InnerChunkNeed,
  Layout,
  ObjectKind,
  ObjectNeed,
  ReadInput,
  TaskUse,
} from "./optimize-types.js";

const EMPTY: readonly never[] = Object.freeze([]);

// ---------------------------------------------------------------------------------------------
// 1. Arrays and stores

/**
 * How `source` is read: `source` without storage; `shards` when its pipeline is `sharding_indexed`
 * alone (byte ranges of inner chunks can be read); `chunks` otherwise, including sharded arrays
 * with codecs around `sharding_indexed`, whose chunk is then the shard.
 */
export function layoutOf(source: ArraySource): Layout {
  const st = source.storage;
  if (!st) return "source";
  const p = st.pipeline;
  return p.sharding && p.arrayToArray.length === 0 && p.bytesToBytes.length === 0
    ? "shards"
    : "chunks";
}

/**
 * The {@link ArrayEntry} of `source`. In: the source, the entry's id and its store's index (−1
 * without storage). Out: a frozen entry whose grid is the chunk grid, or the inner chunk grid when
 * the layout is `shards`; `cellBytes` is the encoded size of one grid cell when the codecs fix it,
 * else its decoded size.
 */
export function arrayEntryOf(source: ArraySource, id: number, store: number): ArrayEntry {
  const layout = layoutOf(source);
  const st = source.storage;
  const sharding = layout === "shards" ? st!.pipeline.sharding : undefined;
  const gridChunkShape = sharding ? [...sharding.innerChunkShape] : [...source.chunkShape];
  const cellPipeline = sharding ? sharding.innerPipeline : st?.pipeline;
  const decoded = shapeSize(gridChunkShape) * source.dtype.itemSize;
  return Object.freeze({
    id,
    source,
    layout,
    store,
    gridChunkShape: Object.freeze(gridChunkShape),
    gridShape: Object.freeze(
      !sharding && source.chunkGrid
        ? [...source.chunkGrid.gridShape]
        : source.shape.map((s, d) => (s === 0 ? 0 : Math.ceil(s / gridChunkShape[d]!))),
    ),
    pipeline: st?.pipeline,
    sharding,
    cellBytes: cellPipeline?.encodedSize() ?? decoded,
  });
}

/** The result of {@link registerArrays}. */
export interface RegisteredArrays {
  /** Distinct stores (by identity), in order of first use. */
  readonly stores: readonly ReadableStore[];
  /** One entry per distinct `ArraySource` (by identity), in order of first use; `id` = position. */
  readonly arrays: readonly ArrayEntry[];
  /** Array of each read. */
  readonly readArrays: readonly number[];
}

/**
 * Step 1. In: the reads. Out: their distinct arrays and stores, numbered in order of first use by
 * the reads, and the array of each read.
 */
export function registerArrays(reads: readonly ReadInput[]): RegisteredArrays {
  const stores: ReadableStore[] = [];
  const storeIds = new Map<object, number>();
  const arrays: ArrayEntry[] = [];
  const arrayIds = new Map<ArraySource, number>();
  const readArrays: number[] = [];
  for (const { source } of reads) {
    let id = arrayIds.get(source);
    if (id === undefined) {
      let store = -1;
      const st = source.storage;
      if (st) {
        store = storeIds.get(st.store) ?? -1;
        if (store < 0) {
          store = stores.length;
          stores.push(st.store);
          storeIds.set(st.store, store);
        }
      }
      id = arrays.length;
      arrays.push(arrayEntryOf(source, id, store));
      arrayIds.set(source, id);
    }
    readArrays.push(id);
  }
  return { stores, arrays, readArrays };
}

// ---------------------------------------------------------------------------------------------
// 2. Tasks

/** The chunk tasks of one read. */
export interface ReadTasks {
  /** Index into the arrays of {@link registerArrays}. */
  readonly array: number;
  /** Tasks over the array's grid (`ArrayEntry.gridChunkShape`), in storage order. */
  readonly tasks: readonly ChunkTask[];
}

/**
 * Step 2. In: the reads and their arrays. Out: per read, its transform partitioned over its
 * array's grid: chunk coordinates, or global inner-chunk coordinates when sharded.
 * @throws RangeError from `partition` when a transform does not fit its source.
 */
export function partitionReads(
  reads: readonly ReadInput[],
  arrays: readonly ArrayEntry[],
  readArrays: readonly number[],
): ReadTasks[] {
  return reads.map((r, i) => {
    const a = arrays[readArrays[i]!]!;
    const grid = a.sharding ? undefined : r.source.chunkGrid;
    return {
      array: a.id,
      tasks: partition(r.transform, a.gridChunkShape, r.source.shape, grid).tasks,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// 3. Objects

/** An inner chunk of a shard being collected by {@link groupTasksByObject}. */
export interface InnerChunkBuilder {
  /** Linear index in C order of the shard's inner grid (the shard index entry). */
  readonly index: number;
  /** Global inner-chunk grid coordinates. */
  readonly coords: readonly number[];
  readonly uses: TaskUse[];
}

/** A stored object being collected by {@link groupTasksByObject} (see {@link ObjectNeed}). */
export interface ObjectBuilder {
  /** Position in the list of builders (the object id). */
  readonly id: number;
  readonly kind: ObjectKind;
  /** The array that first needed it (used to decode it). */
  readonly array: number;
  readonly store: number;
  readonly key: string;
  /** Chunk or shard grid coordinates. */
  readonly coords: readonly number[];
  /** Tasks served (`chunk`, `source`; empty for `shard`). */
  readonly uses: TaskUse[];
  /** Needed inner chunks by index, in order of first need (`shard` only). */
  readonly inner: Map<number, InnerChunkBuilder> | undefined;
  /** Inner chunks of the shard inside the array bounds (`shard`; 0 otherwise). */
  readonly innerInBounds: number;
  /** Reads served, increasing, without repeats. */
  readonly reads: number[];
  /** Tasks served, over all reads (and inner chunks). */
  taskCount: number;
}

/**
 * Number of inner chunks of the shard at `shard` (shard grid coordinates) inside the bounds of a
 * `shards` array: fewer than `chunksPerShard` allows at the high edges of the array.
 */
export function innerChunksInBounds(a: ArrayEntry, shard: readonly number[]): number {
  const cps = a.sharding!.chunksPerShard;
  let n = 1;
  for (let d = 0; d < cps.length; d++) {
    n *= Math.min(cps[d]!, a.gridShape[d]! - shard[d]! * cps[d]!);
  }
  return n;
}

/**
 * The objects found so far: per array by linear (C-order) index in its chunk or shard grid, so
 * that each task costs a numeric lookup (no key string); across arrays (the same array opened
 * twice, or two arrays in one store) by kind + store + key, built only when a new object of a store
 * read through several arrays is met. Objects of sources without storage belong to their array.
 */
class ObjectTable {
  readonly builders: ObjectBuilder[] = [];
  private readonly byKey = new Map<string, ObjectBuilder>();
  private readonly byCell = new Map<number, Map<number, ObjectBuilder>>();
  /** Stores read through more than one array: only their objects can be shared across arrays. */
  private readonly shared: ReadonlySet<number>;

  constructor(arrays: readonly ArrayEntry[]) {
    const seen = new Set<number>();
    const shared = new Set<number>();
    for (const a of arrays) {
      if (a.store < 0) continue;
      if (seen.has(a.store)) shared.add(a.store);
      seen.add(a.store);
    }
    this.shared = shared;
  }

  /** The objects of array `a` by linear grid index. */
  cellsOf(a: ArrayEntry): Map<number, ObjectBuilder> {
    let m = this.byCell.get(a.id);
    if (!m) {
      m = new Map();
      this.byCell.set(a.id, m);
    }
    return m;
  }

  /** The object at `coords` (linear index `linear`) of `a`, found by key or created; cached in `cells`. */
  add(
    cells: Map<number, ObjectBuilder>,
    a: ArrayEntry,
    kind: ObjectKind,
    linear: number,
    coords: readonly number[],
  ): ObjectBuilder {
    const c = Object.freeze(coords);
    const st = a.source.storage;
    const key = st ? st.chunkKey(c) : `chunk [${c.join(", ")}]`;
    // Within one array the cells suffice; across arrays objects are found by kind + store + key.
    const mapKey = this.shared.has(a.store) ? `${kind}${a.store}\u0000${key}` : undefined;
    let b = mapKey === undefined ? undefined : this.byKey.get(mapKey);
    if (!b) {
      b = {
        id: this.builders.length,
        kind,
        array: a.id,
        store: a.store,
        key,
        coords: c,
        uses: [],
        inner: kind === "shard" ? new Map() : undefined,
        innerInBounds: kind === "shard" ? innerChunksInBounds(a, c) : 0,
        reads: [],
        taskCount: 0,
      };
      this.builders.push(b);
      if (mapKey !== undefined) this.byKey.set(mapKey, b);
    }
    cells.set(linear, b);
    return b;
  }
}

/** Counts a task of read `read` (reads arrive in increasing order). */
function served(b: ObjectBuilder, read: number): void {
  if (b.reads.length === 0 || b.reads[b.reads.length - 1] !== read) b.reads.push(read);
  b.taskCount++;
}

/** Tasks of a `chunks` or `source` array: one object per chunk. */
function groupChunkTasks(
  table: ObjectTable,
  a: ArrayEntry,
  read: number,
  tasks: readonly ChunkTask[],
): void {
  const kind: ObjectKind = a.layout === "source" ? "source" : "chunk";
  const grid = a.gridShape;
  const nd = grid.length;
  const cells = table.cellsOf(a);
  for (const task of tasks) {
    const c = task.coords;
    let linear = 0;
    for (let d = 0; d < nd; d++) linear = linear * grid[d]! + c[d]!;
    const b = cells.get(linear) ?? table.add(cells, a, kind, linear, [...c]);
    b.uses.push({ read, task });
    served(b, read);
  }
}

/**
 * Tasks of a `shards` array (over the inner chunk grid): one object per shard, the shard of inner
 * chunk `c` being `floor(c / chunksPerShard)`, with one {@link InnerChunkBuilder} per needed inner
 * chunk.
 */
function groupShardTasks(
  table: ObjectTable,
  a: ArrayEntry,
  read: number,
  tasks: readonly ChunkTask[],
): void {
  const cps = a.sharding!.chunksPerShard;
  const grid = a.gridShape;
  const nd = grid.length;
  const shardGrid = grid.map((g, d) => Math.ceil(g / cps[d]!));
  const cells = table.cellsOf(a);
  for (const task of tasks) {
    const c = task.coords;
    let linear = 0;
    let index = 0;
    for (let d = 0; d < nd; d++) {
      const q = Math.floor(c[d]! / cps[d]!);
      linear = linear * shardGrid[d]! + q;
      index = index * cps[d]! + (c[d]! - q * cps[d]!);
    }
    const b =
      cells.get(linear) ??
      table.add(
        cells,
        a,
        "shard",
        linear,
        c.map((x, d) => Math.floor(x / cps[d]!)),
      );
    const inner = b.inner!;
    let need = inner.get(index);
    if (!need) {
      need = { index, coords: c, uses: [] };
      inner.set(index, need);
    }
    need.uses.push({ read, task });
    served(b, read);
  }
}

/**
 * Step 3. In: the tasks of each read (in plan order) and the arrays. Out: the stored objects they
 * need, in order of first use (reads in plan order, tasks in storage order), `id` = position.
 * Chunk tasks are grouped by chunk; shard tasks by shard, with the inner chunks they need. An
 * object is shared by every read and every array that needs the same key in the same store; its
 * `array` is the first that needed it.
 */
export function groupTasksByObject(
  readTasks: readonly ReadTasks[],
  arrays: readonly ArrayEntry[],
): ObjectBuilder[] {
  const table = new ObjectTable(arrays);
  readTasks.forEach(({ array, tasks }, read) => {
    const a = arrays[array]!;
    if (a.layout === "shards") groupShardTasks(table, a, read, tasks);
    else groupChunkTasks(table, a, read, tasks);
  });
  return table.builders;
}

// ---------------------------------------------------------------------------------------------
// 4. Whole or partial shards

/**
 * The whole-vs-partial rule for one shard. In: the number of needed inner chunks, the number
 * inside the array bounds, the shard's array and the store's policy (called only when needed).
 * Out: true when every inner chunk in bounds is needed, or when reading the shard whole is cheap
 * by the policy: what it may read in excess (the inner chunks not needed, at most `cellBytes`
 * each) is at most `maxWholeExcess` (else `maxGap`) and the whole shard (index included) at most
 * `maxSize`. That saves the
 * index round trip at the price of bytes the policy already deems cheaper than a request.
 */
export function readShardWhole(
  needed: number,
  inBounds: number,
  a: ArrayEntry,
  policy: () => CoalescePolicy,
): boolean {
  if (needed === inBounds) return true;
  const sh = a.sharding!;
  const p = policy();
  const excess = (sh.innerChunkCount - needed) * a.cellBytes;
  const size = sh.indexByteLength + sh.innerChunkCount * a.cellBytes;
  return excess <= (p.maxWholeExcess ?? p.maxGap) && size <= p.maxSize;
}

/**
 * Step 4. In: the object builders, the arrays and the coalescing policy of each store (by index;
 * asked at most once per store, and only for stores with a shard not fully needed). Out: per
 * builder, whether it is a shard read whole ({@link readShardWhole}); false for chunks and sources.
 */
export function decideWholeShards(
  builders: readonly ObjectBuilder[],
  arrays: readonly ArrayEntry[],
  policyOf: (store: number) => CoalescePolicy,
): boolean[] {
  const policies = new Map<number, CoalescePolicy>();
  return builders.map((b) => {
    if (b.kind !== "shard") return false;
    return readShardWhole(b.inner!.size, b.innerInBounds, arrays[b.array]!, () => {
      let p = policies.get(b.store);
      if (!p) {
        p = policyOf(b.store);
        policies.set(b.store, p);
      }
      return p;
    });
  });
}

// ---------------------------------------------------------------------------------------------
// 5. Objects, frozen

/** A shard's needed inner chunks as {@link InnerChunkNeed}s, by increasing index. */
function innerNeeds(b: ObjectBuilder): readonly InnerChunkNeed[] {
  if (!b.inner) return EMPTY;
  return Object.freeze(
    [...b.inner.values()]
      .sort((x, y) => x.index - y.index)
      .map((n) => Object.freeze({ index: n.index, coords: n.coords, uses: Object.freeze(n.uses) })),
  );
}

/**
 * Step 5. In: the builders and the decision of step 4. Out: the frozen {@link ObjectNeed}s, same
 * order and ids; inner chunks sorted by index. The builders' arrays are frozen in place.
 */
export function finishObjects(
  builders: readonly ObjectBuilder[],
  whole: readonly boolean[],
): ObjectNeed[] {
  return builders.map((b, i) =>
    Object.freeze({
      id: b.id,
      kind: b.kind,
      array: b.array,
      store: b.store,
      key: b.key,
      coords: b.coords,
      uses: b.kind === "shard" ? EMPTY : Object.freeze(b.uses),
      inner: innerNeeds(b),
      innerInBounds: b.innerInBounds,
      whole: whole[i]!,
      reads: Object.freeze(b.reads),
      taskCount: b.taskCount,
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// 6. Requests known before IO

/** A request for a whole object or a shard index (no parts; `wanted` = `bytes`). */
export function fetchOf(
  kind: FetchKind,
  obj: ObjectNeed,
  range: FetchRange | undefined,
  bytes: number | undefined,
): Fetch {
  return Object.freeze({
    kind,
    object: obj.id,
    store: obj.store,
    key: obj.key,
    range,
    parts: EMPTY,
    bytes,
    wanted: bytes ?? 0,
  });
}

/** The result of {@link initialFetches}. */
export interface InitialFetches {
  /** One request per object, in object order. */
  readonly fetches: readonly Fetch[];
  /** Ids of the shards read by index + ranges (their data requests come from `shardReads`). */
  readonly partialShards: readonly number[];
}

/**
 * Step 6. In: the objects and their arrays. Out: one request per object, in object order: `chunk`
 * (bytes known for fixed-size codecs), `source`, `shard` (whole; size unknown), or `index` (the
 * byte range of a partial shard's index, whose id goes to `partialShards`).
 */
export function initialFetches(
  objects: readonly ObjectNeed[],
  arrays: readonly ArrayEntry[],
): InitialFetches {
  const fetches: Fetch[] = [];
  const partialShards: number[] = [];
  const chunkBytes = new Map<number, number | undefined>();
  for (const obj of objects) {
    const a = arrays[obj.array]!;
    if (obj.kind === "shard") {
      const sh = a.sharding!;
      if (obj.whole) {
        fetches.push(fetchOf("shard", obj, undefined, undefined));
      } else {
        fetches.push(fetchOf("index", obj, sh.indexByteRange(), sh.indexByteLength));
        partialShards.push(obj.id);
      }
    } else if (obj.kind === "chunk") {
      // A rectilinear grid: each chunk's size follows its own shape.
      const at = a.source.chunkGrid ? a.source.storage?.pipelineAt?.(obj.coords) : undefined;
      if (at) fetches.push(fetchOf("chunk", obj, undefined, at.encodedSize()));
      else {
        if (!chunkBytes.has(a.id)) chunkBytes.set(a.id, a.pipeline?.encodedSize());
        fetches.push(fetchOf("chunk", obj, undefined, chunkBytes.get(a.id)));
      }
    } else {
      fetches.push(fetchOf("source", obj, undefined, undefined));
    }
  }
  return { fetches, partialShards };
}
