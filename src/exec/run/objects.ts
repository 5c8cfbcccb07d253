/**
 * How a run reads each kind of stored object the optimizer planned: a chunk (one request, decode,
 * scatter), a source chunk (`readChunk`), a whole shard (one request, then its inner chunks), a
 * partial shard (its index, then coalesced byte ranges of the inner chunks it needs).
 * @module
 */

import { allocate } from "../../core/dtype.js";
import { CodecError, ZarrPlanError } from "../../core/errors.js";
import { copyStrided, cStrides, type NDArray, shapeSize, toCOrder } from "../../core/ndarray.js";
import { openShard } from "../../format/codecs/sharding/reader.js";
import {
  type Fetch,
  type ObjectNeed,
  type ShardIndexLike,
  shardReads,
} from "../../plan/optimize.js";
import { innerKey } from "../caches.js";
import { raceAbort } from "../limiter.js";
import { decodedPrefixOf } from "./prefix.js";
import type { Run } from "./run.js";
import { settleAll } from "./settle.js";

/**
 * Runs `use` on leased body bytes, then gives them back to the Context's body memory: reusable
 * only when `use` succeeded (after a failure, decodes started from views of the bytes may still
 * be running). `undefined` bytes (a missing key) pass through.
 */
async function withLeased<T>(
  run: Run,
  bytes: Uint8Array | undefined,
  use: (bytes: Uint8Array | undefined) => Promise<T>,
): Promise<T> {
  let ok = false;
  try {
    const v = await use(bytes);
    ok = true;
    return v;
  } finally {
    if (bytes) run.context.bodyBuffers.give(bytes, ok);
  }
}

/**
 * `chunk` (C order) placed at the origin of a C-order chunk of `shape` (a rectilinear grid's
 * largest chunk, the layout partition offsets count in); the rest is never read. `chunk` itself
 * when it already has that shape.
 */
function padChunk(chunk: NDArray, shape: readonly number[]): NDArray {
  if (chunk.shape.every((s, i) => s === shape[i])) return chunk;
  const data = allocate(chunk.dtype, shapeSize(shape));
  const strides = cStrides(shape);
  copyStrided(chunk, { data, shape: chunk.shape, strides, dtype: chunk.dtype });
  return { data, shape: [...shape], strides, dtype: chunk.dtype };
}

/** An unsharded chunk: one request, decoded (on a worker when large), scattered to every use. */
async function readChunk(run: Run, obj: ObjectNeed): Promise<void> {
  const a0 = run.array(obj);
  // A rectilinear grid: each chunk decodes at its own shape, then sits in the largest one.
  const at = a0.source.chunkGrid ? a0.source.storage?.pipelineAt?.(obj.coords) : undefined;
  const a = at ? { ...a0, pipeline: at } : a0;
  const big = a0.source.chunkShape;
  const ctx = run.context;
  const store = run.store(obj);
  const cached = ctx.caches.cachesChunks ? ctx.caches.chunk(store, obj.key) : undefined;
  if (cached) {
    for (const u of obj.uses) run.scatter(u, obj, obj.coords, cached.data);
    return;
  }
  if (!ctx.caches.cachesChunks) {
    return withLeased(run, await run.request(obj, undefined, 2, true), async (bytes) => {
      if (bytes === undefined) {
        for (const u of obj.uses) run.fill(u, obj, obj.coords);
        return;
      }
      // A rectilinear grid's tasks count offsets in the largest chunk shape: no prefix there.
      const prefix = at ? undefined : decodedPrefixOf(a.pipeline!, obj.uses);
      await run.decode(() =>
        ctx.decodePool.decodeWith(
          a.pipeline!,
          bytes,
          obj.key,
          (chunk) => {
            const c = at ? padChunk(chunk, big) : chunk;
            for (const u of obj.uses) run.scatter(u, obj, obj.coords, c.data);
          },
          prefix,
        ),
      );
    });
  }
  // Another read decoding this chunk right now: wait for it (read it here if that read fails).
  const pending = ctx.caches.pending(store, obj.key);
  if (pending) {
    const chunk = await pending.catch(() => null);
    if (chunk !== null) {
      run.c.requestsTotal--; // counted before IO, not made
      if (chunk === undefined) for (const u of obj.uses) run.fill(u, obj, obj.coords);
      else for (const u of obj.uses) run.scatter(u, obj, obj.coords, chunk.data);
      return;
    }
  }
  // The cache keeps the chunk, so its body and decoded bytes are memory of their own (no reuse).
  const done = (async () => {
    const bytes = await run.request(obj, undefined, 2);
    if (bytes === undefined) return undefined;
    const decoded = await run.decode(() => ctx.decodePool.decode(a.pipeline!, bytes, obj.key));
    const chunk = at ? padChunk(decoded, big) : decoded;
    ctx.caches.keepChunk(store, obj.key, chunk);
    return chunk;
  })();
  ctx.caches.track(store, obj.key, done);
  const chunk = await done;
  if (chunk === undefined) for (const u of obj.uses) run.fill(u, obj, obj.coords);
  else for (const u of obj.uses) run.scatter(u, obj, obj.coords, chunk.data);
}

/**
 * The chunk a source returned, checked against the source's chunk shape, in C order.
 * @throws ZarrPlanError `ERR_CHUNK_SHAPE` naming the array and chunk.
 */
function checkedSourceChunk(
  path: string,
  coords: readonly number[],
  chunkShape: readonly number[],
  lanes: number,
  chunk: NDArray,
): NDArray {
  const cs = chunkShape;
  if (chunk.shape.length !== cs.length || chunk.shape.some((s, i) => s !== cs[i])) {
    throw new ZarrPlanError(
      "ERR_CHUNK_SHAPE",
      `array "${path}": chunk [${coords}] has shape [${chunk.shape}], expected [${cs}]`,
    );
  }
  const c = toCOrder(chunk);
  const need = shapeSize(cs) * lanes;
  if (c.data.length < need) {
    throw new ZarrPlanError(
      "ERR_CHUNK_SHAPE",
      `array "${path}": chunk [${coords}] holds ${c.data.length} entries, expected ${need}`,
    );
  }
  return c;
}

/** A chunk of an array source without a store: `readChunk` under the source's limit. */
async function readSourceChunk(run: Run, obj: ObjectNeed): Promise<void> {
  const src = run.array(obj).source;
  const localRelease = run.local ? await run.local.acquire(1, run.signal) : undefined;
  let chunk: NDArray | undefined;
  try {
    const release = await run.context.sourceLimiter(src).acquire(1, run.signal);
    // A signal of its own per call: sources add a listener each, and the run's signal would
    // collect one per concurrent call.
    const call = new AbortController();
    const unlink = run.signal.onAbort(() => call.abort(run.signal.reason));
    try {
      chunk = await raceAbort(
        src.readChunk(obj.coords, { signal: call.signal }),
        run.signal,
        obj.key,
      );
    } finally {
      unlink();
      release();
    }
    run.c.requestsDone++;
  } finally {
    localRelease?.();
  }
  if (chunk === undefined) {
    for (const u of obj.uses) run.fill(u, obj, obj.coords);
    return;
  }
  const grid = src.chunkGrid;
  const own = grid ? grid.chunkShapeAt(obj.coords) : src.chunkShape;
  const checked = checkedSourceChunk(src.path, obj.coords, own, src.dtype.lanes, chunk);
  const c = grid ? padChunk(checked, src.chunkShape) : checked;
  // The source may reuse its chunk's memory once called again: scatter it now, not later.
  await run.outputsReady();
  for (const u of obj.uses) run.scatter(u, obj, obj.coords, c.data);
}

/** Fills the needed inner chunks at `positions` (in `obj.inner`) with the fill value. */
function fillInner(run: Run, obj: ObjectNeed, positions: readonly number[]): void {
  for (const i of positions) {
    const need = obj.inner[i]!;
    for (const u of need.uses) run.fill(u, obj, need.coords);
  }
}

/** Called with each inner chunk a shard read decodes (by its index in the shard), for readers waiting on it. */
type OnDecoded = (index: number, chunk: NDArray) => void;

/**
 * Decodes inner chunk `obj.inner[i]` from its stored bytes and scatters it to every use. With the
 * Context's chunk cache on, the decoded chunk is kept (and handed to `onDecoded`) instead of its
 * memory being reused.
 */
function decodeInner(
  run: Run,
  obj: ObjectNeed,
  i: number,
  bytes: Uint8Array,
  onDecoded?: OnDecoded,
): Promise<void> {
  const sh = run.array(obj).sharding!;
  const need = obj.inner[i]!;
  const ctx = run.context;
  if (ctx.caches.cachesChunks) {
    return run.decode(async () => {
      const chunk = await ctx.decodePool.decode(sh.innerPipeline, bytes, obj.key);
      ctx.caches.keepInnerChunk(run.store(obj), obj.key, need.index, chunk);
      onDecoded?.(need.index, chunk);
      for (const u of need.uses) run.scatter(u, obj, need.coords, chunk.data);
    });
  }
  return run.decode(() =>
    ctx.decodePool.decodeWith(
      sh.innerPipeline,
      bytes,
      obj.key,
      (chunk) => {
        for (const u of need.uses) run.scatter(u, obj, need.coords, chunk.data);
      },
      decodedPrefixOf(sh.innerPipeline, need.uses),
    ),
  );
}

/**
 * With the chunk cache on: scatters the needed inner chunks of `obj` that are cached, and collects
 * those another read is decoding right now. Returns `obj` with only the inner chunks left to read,
 * and the awaited ones (their positions in `obj.inner` and the decodes to wait for).
 */
function takeCachedInner(
  run: Run,
  obj: ObjectNeed,
): { rest: ObjectNeed; joined: { i: number; done: Promise<NDArray | undefined> }[] } {
  const caches = run.context.caches;
  const store = run.store(obj);
  const rest: ObjectNeed["inner"][number][] = [];
  const joined: { i: number; done: Promise<NDArray | undefined> }[] = [];
  obj.inner.forEach((need, i) => {
    const hit = caches.innerChunk(store, obj.key, need.index);
    if (hit) {
      for (const u of need.uses) run.scatter(u, obj, need.coords, hit.data);
      return;
    }
    const done = caches.pending(store, innerKey(obj.key, need.index));
    if (done) joined.push({ i, done });
    else rest.push(need);
  });
  return { rest: rest.length === obj.inner.length ? obj : { ...obj, inner: rest }, joined };
}

/**
 * Announces the inner chunks of `obj` this read is about to fetch, so concurrent reads await them.
 * @returns `onDecoded` (resolves each one as it is decoded) and `settle` (settles those left: not
 *   stored, or the read failed), to call when the read of `obj` ends.
 */
function announceInner(
  run: Run,
  obj: ObjectNeed,
): { onDecoded: OnDecoded; settle: (error?: unknown) => void } {
  const caches = run.context.caches;
  const store = run.store(obj);
  const waiting = new Map<
    number,
    { resolve: (c: NDArray | undefined) => void; reject: (e: unknown) => void }
  >();
  for (const need of obj.inner) {
    const done = new Promise<NDArray | undefined>((resolve, reject) => {
      waiting.set(need.index, { resolve, reject });
    });
    done.catch(() => undefined); // observed here; joiners attach their own handlers
    caches.track(store, innerKey(obj.key, need.index), done);
  }
  return {
    onDecoded: (index, chunk) => {
      waiting.get(index)?.resolve(chunk);
      waiting.delete(index);
    },
    settle: (error) => {
      for (const w of waiting.values()) {
        if (error === undefined) w.resolve(undefined);
        else w.reject(error);
      }
      waiting.clear();
    },
  };
}

/**
 * Scatters an inner chunk another read decoded (fill value when it is not stored); when that read
 * failed, reads the inner chunk here instead.
 */
async function joinInner(
  run: Run,
  obj: ObjectNeed,
  i: number,
  done: Promise<NDArray | undefined>,
): Promise<void> {
  const need = obj.inner[i]!;
  let chunk: NDArray | undefined;
  try {
    chunk = await done;
  } catch {
    await readPartialShard(run, { ...obj, inner: [need] }, false);
    return;
  }
  if (chunk === undefined) for (const u of need.uses) run.fill(u, obj, need.coords);
  else for (const u of need.uses) run.scatter(u, obj, need.coords, chunk.data);
}

/** A shard read in one request: its index is sliced from the bytes, then each needed inner chunk decoded. */
async function readWholeShard(run: Run, obj: ObjectNeed): Promise<void> {
  if (run.context.caches.cachesChunks) {
    // Every needed inner chunk cached or being decoded by another read: no request.
    const { rest, joined } = takeCachedInner(run, obj);
    if (rest.inner.length === 0) {
      run.c.requestsTotal--; // counted before IO, not made
      await Promise.all(joined.map((j) => joinInner(run, obj, j.i, j.done)));
      return;
    }
    // Kept chunks own their memory: the body is not leased.
    const bytes = await run.request(obj, undefined, 2);
    await Promise.all([
      decodeWholeShard(run, rest, bytes),
      ...joined.map((j) => joinInner(run, obj, j.i, j.done)),
    ]);
    return;
  }
  const bytes = await run.request(obj, undefined, 2, true);
  return withLeased(run, bytes, (b) => decodeWholeShard(run, obj, b));
}

async function decodeWholeShard(
  run: Run,
  obj: ObjectNeed,
  bytes: Uint8Array | undefined,
): Promise<void> {
  const sh = run.array(obj).sharding!;
  if (bytes === undefined) {
    fillInner(
      run,
      obj,
      obj.inner.map((_, i) => i),
    );
    return;
  }
  // The sharding unit slices and checks the index (truncation, entries inside the shard).
  const shard = await openShard(sh.layout, bytes, obj.key);
  const empty: number[] = [];
  const stored: { readonly i: number; readonly bytes: Uint8Array }[] = [];
  obj.inner.forEach((need, i) => {
    const b = shard.innerBytes(need.index);
    if (b === undefined) empty.push(i);
    else stored.push({ i, bytes: b });
  });
  // Fill first: nothing is started that a failure here would leave unobserved.
  fillInner(run, obj, empty);
  await Promise.all(stored.map((s) => decodeInner(run, obj, s.i, s.bytes)));
}

/** The index of a partial shard (known to the plan, cached, or fetched now); `null` when the shard is missing. */
async function shardIndex(run: Run, obj: ObjectNeed): Promise<ShardIndexLike | null> {
  const plan = run.plan;
  if (plan.indexes.has(obj.id)) return plan.indexes.get(obj.id)!;
  if (run.indexes.has(obj.id)) return run.indexes.get(obj.id)!;
  const ctx = run.context;
  const store = run.store(obj);
  let index = ctx.caches.shardIndex(store, obj.key);
  if (index === undefined) {
    const sh = run.array(obj).sharding!;
    const bytes = await run.request(obj, sh.indexByteRange(), 0);
    index = bytes === undefined ? null : await sh.decodeIndex(bytes, { key: obj.key });
    ctx.caches.keepShardIndex(store, obj.key, index);
  }
  run.indexes.set(obj.id, index);
  return index;
}

/** A coalesced byte range of a shard: one request, then each inner chunk in it decoded. */
async function readRange(
  run: Run,
  obj: ObjectNeed,
  f: Fetch,
  onDecoded?: OnDecoded,
): Promise<void> {
  const range = f.range as { offset: number; length: number };
  // Kept chunks (the chunk cache) own their memory: the body is not leased then.
  const leased = !run.context.caches.cachesChunks;
  const bytes = await run.request(obj, range, 1, leased);
  if (!leased) return decodeRange(run, obj, f, bytes, onDecoded);
  return withLeased(run, bytes, (b) => decodeRange(run, obj, f, b));
}

async function decodeRange(
  run: Run,
  obj: ObjectNeed,
  f: Fetch,
  bytes: Uint8Array | undefined,
  onDecoded?: OnDecoded,
): Promise<void> {
  const range = f.range as { offset: number; length: number };
  if (bytes === undefined || bytes.length < range.length) {
    const what =
      bytes === undefined
        ? "the shard disappeared after its index was read"
        : `got ${bytes.length} of ${range.length} bytes (shard truncated or rewritten after its index was read)`;
    throw run.fetchError(
      obj,
      range,
      1,
      new CodecError(what, { key: obj.key, codec: "sharding_indexed" }),
      what,
    );
  }
  await Promise.all(
    f.parts.map((p) =>
      decodeInner(
        run,
        obj,
        p.inner,
        bytes.subarray(p.offset - range.offset, p.offset - range.offset + p.length),
        onDecoded,
      ),
    ),
  );
}

/**
 * A shard read partially: its index, then the coalesced ranges of the inner chunks needed. With the
 * Context's chunk cache on, cached inner chunks are not read, and those another read is decoding
 * are awaited (`first`: the object as planned, whose requests are counted in the progress).
 */
async function readPartialShard(run: Run, obj: ObjectNeed, first = true): Promise<void> {
  const known = run.plan.indexes.has(obj.id);
  const index = await shardIndex(run, obj);
  const policy = run.plan.policies[obj.store]!;
  const caching = run.context.caches.cachesChunks;
  const { rest, joined } = caching ? takeCachedInner(run, obj) : { rest: obj, joined: [] };
  const sr = shardReads(rest, index, policy);
  if (first && !known) {
    run.c.requestsTotal += sr.fetches.length;
    run.c.bytesTotal += sr.fetched;
    run.c.pendingIndexes--;
  } else if (first && rest !== obj) {
    // Counted before IO for the whole object; fewer requests are made.
    const planned = shardReads(obj, index, policy);
    run.c.requestsTotal -= planned.fetches.length - sr.fetches.length;
    run.c.bytesTotal -= planned.fetched - sr.fetched;
  }
  fillInner(run, rest, sr.empty);
  const announced = caching && rest.inner.length > 0 ? announceInner(run, rest) : undefined;
  try {
    await Promise.all([
      ...sr.fetches.map((f) => readRange(run, rest, f, announced?.onDecoded)),
      ...joined.map((j) => joinInner(run, obj, j.i, j.done)),
    ]);
    announced?.settle();
  } catch (e) {
    announced?.settle(e);
    throw e;
  }
}

/** Counts the requests and bytes known before IO into the run's progress totals. */
function countKnownRequests(run: Run): void {
  const plan = run.plan;
  const opt = plan.optimized;
  const c = run.c;
  for (const f of opt.fetches) {
    if (f.kind === "index" && plan.indexes.has(f.object)) {
      const obj = opt.objects[f.object]!;
      const sr = shardReads(obj, plan.indexes.get(f.object)!, plan.policies[obj.store]!);
      c.requestsTotal += sr.fetches.length;
      c.bytesTotal += sr.fetched;
      continue;
    }
    c.requestsTotal++;
    if (f.range && f.bytes !== undefined) c.bytesTotal += f.bytes;
    if (f.kind === "index") c.pendingIndexes++;
  }
}

/** Reads every object of the run's plan; resolves when all are done, rejects with the first failure. */
export function readObjects(run: Run): Promise<void> {
  countKnownRequests(run);
  const opt = run.plan.optimized;
  // Critical path first: partial shards (index, then data) before single-request objects.
  const ordered = [
    ...opt.partialShards.map((id) => opt.objects[id]!),
    ...opt.objects.filter((o) => o.kind !== "shard" || o.whole),
  ];
  const jobs = ordered.map((obj) => () => {
    switch (obj.kind) {
      case "chunk":
        return readChunk(run, obj);
      case "source":
        return readSourceChunk(run, obj);
      case "shard":
        return obj.whole ? readWholeShard(run, obj) : readPartialShard(run, obj);
    }
  });
  return settleAll(jobs, run.signal);
}

/** Fetches the indexes of the partial shards the plan does not know yet (all at once). */
export function readShardIndexes(run: Run): Promise<void> {
  const plan = run.plan;
  const opt = plan.optimized;
  const todo = opt.partialShards.filter((id) => !plan.indexes.has(id));
  return settleAll(
    todo.map((id) => () => shardIndex(run, opt.objects[id]!).then(() => undefined)),
    run.signal,
  );
}
