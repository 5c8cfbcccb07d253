/**
 * Structured concurrency: no promise the engine creates is left unobserved, whatever fails and
 * whenever a user aborts. A process-level `unhandledRejection` listener records anything that
 * escapes (Node would otherwise crash the CLI with a stack dump).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataType } from "../../../src/core/dtype.js";
import { AbortError, CodecError, ZarrPlanError } from "../../../src/core/errors.js";
import { plan } from "../../../src/exec/api.js";
import { Context } from "../../../src/exec/context.js";
import { createArray, openArray } from "../../../src/hierarchy/index.js";
import { slice } from "../../../src/index-space/selection.js";
import { MemoryStore } from "../../../src/store/memory.js";
import { iota } from "../../helpers/memory-source.js";
import { iotaArray } from "../../helpers/plan-arrays.js";
import { DelayStore } from "../../helpers/test-stores.js";

const escaped: unknown[] = [];
const onUnhandled = (reason: unknown) => {
  escaped.push(reason);
};

beforeAll(() => {
  process.on("unhandledRejection", onUnhandled);
});
afterAll(() => {
  process.off("unhandledRejection", onUnhandled);
});

/** Lets pending rejections surface (Node reports them after the microtask queue drains). */
const settle = () => new Promise((r) => setTimeout(r, 20));

async function shardedStore() {
  const mem = new MemoryStore();
  await iotaArray(mem, "s", {
    shape: [64, 64],
    chunks: [8, 8],
    shards: [32, 32],
    compressor: { name: "gzip", configuration: { level: 1 } },
  });
  return mem;
}

/**
 * A 64×64 int32 array "w" in 32×32 shards of 8×8 gzip inner chunks where only the 8-row bands
 * starting at `rows` are written: the shards holding them mix stored and empty inner chunks.
 */
async function bandedShards(rows: readonly number[]): Promise<MemoryStore> {
  const mem = new MemoryStore();
  const a = await createArray(mem, "w", {
    shape: [64, 64],
    chunks: [8, 8],
    shards: [32, 32],
    dtype: "int32",
    compressor: { name: "gzip", configuration: { level: 1 } },
  });
  for (const r of rows) await a.write(iota([8, 64], dataType("int32")), { start: [r, 0] });
  return mem;
}

describe("no unobserved promise", () => {
  it("a truncated shard read whole fails with CodecError, nothing escapes", async () => {
    const mem = await shardedStore();
    const bytes = (await mem.get("s/c/0/0"))!;
    await mem.set("s/c/0/0", bytes.subarray(0, 10));
    const context = new Context({ store: { maxGap: 0 } });
    const s = await openArray(mem, "s", { context });
    for (const sel of [s.lazy(), s.lazy().get(slice(0, 32), slice(0, 32))]) {
      const err = await sel.read().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CodecError);
      expect((err as CodecError).key).toBe("s/c/0/0");
    }
    await settle();
    expect(escaped).toEqual([]);
  });

  it("a shard truncated after its index was read fails the read, nothing escapes", async () => {
    const mem = await shardedStore();
    const context = new Context({ store: { maxGap: 0 } });
    const s = await openArray(mem, "s", { context });
    const p = await plan({ x: s.lazy().vindex([0, 9, 17], [0, 9, 17]) }).resolve();
    const bytes = (await mem.get("s/c/0/0"))!;
    await mem.set("s/c/0/0", bytes.subarray(0, 200));
    const err = await p.read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZarrPlanError);
    await settle();
    expect(escaped).toEqual([]);
  });

  it("unsubscribing from a stream inside a chunk event (while a shard's empty inner chunks are filled) leaves nothing behind", async () => {
    const { firstValueFrom, take, toArray } = await import("rxjs");
    // Rows 0–7 and 32–39: every shard has 4 stored inner chunks and 12 empty ones.
    const mem = await bandedShards([0, 32]);
    const context = new Context({ decodeWorkers: { workers: 0 } });
    const w = await openArray(mem, "w", { context });
    for (let round = 0; round < 20; round++) {
      const events = await firstValueFrom(
        plan({ w: w.lazy() })
          .stream()
          .pipe(take(1 + round), toArray()),
      );
      expect(events).toHaveLength(1 + round);
    }
    await settle();
    expect(escaped).toEqual([]);
  });

  it("400 user aborts while whole shards with empty inner chunks are read: nothing escapes", async () => {
    // Rows 0–7 only: each top shard has 4 stored inner chunks and 12 empty ones.
    const mem = await bandedShards([0]);
    const context = new Context({ decodeWorkers: { workers: 0 } });
    const w = await openArray(new DelayStore(mem, 1), "w", { context });
    let aborted = 0;
    const runs: Promise<void>[] = [];
    for (let i = 0; i < 400; i++) {
      const ac = new AbortController();
      runs.push(
        w
          .lazy()
          .read({ signal: ac.signal })
          .then(
            () => undefined,
            (e: unknown) => {
              aborted++;
              expect(e).toBeInstanceOf(AbortError);
            },
          ),
      );
      setTimeout(() => ac.abort(new Error("user abort")), i % 5);
      if (i % 50 === 49) await Promise.all(runs.splice(0));
    }
    await Promise.all(runs);
    await settle();
    expect(aborted).toBeGreaterThan(0);
    expect(escaped).toEqual([]);
  });

  it("400 user aborts at random moments (during index reads, decodes, scatters): each read rejects with AbortError or resolves exactly; nothing escapes", async () => {
    const mem = await shardedStore();
    const slow = new DelayStore(mem, 1);
    const context = new Context({ store: { maxGap: 0 }, decodeWorkers: { workers: 0 } });
    const s = await openArray(slow, "s", { context });
    const want = await openArray(mem, "s").then((a) =>
      a.lazy().vindex([0, 9, 33, 63], [0, 40, 9, 63]).read(),
    );
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let aborted = 0;
    let done = 0;
    const runs: Promise<void>[] = [];
    for (let i = 0; i < 400; i++) {
      const ac = new AbortController();
      const view = s.lazy().vindex([0, 9, 33, 63], [0, 40, 9, 63]);
      runs.push(
        plan({ v: view })
          .read({ signal: ac.signal })
          .then(
            (r) => {
              done++;
              expect(Array.from(r.v!.data as Int32Array)).toEqual(
                Array.from(want.data as Int32Array),
              );
            },
            (e: unknown) => {
              aborted++;
              expect(e).toBeInstanceOf(AbortError);
            },
          ),
      );
      setTimeout(() => ac.abort(new Error("user abort")), Math.floor(random() * 6));
      if (i % 50 === 49) await Promise.all(runs.splice(0));
    }
    await Promise.all(runs);
    await settle();
    expect(aborted + done).toBe(400);
    expect(aborted).toBeGreaterThan(0);
    expect(escaped).toEqual([]);
  });
});
