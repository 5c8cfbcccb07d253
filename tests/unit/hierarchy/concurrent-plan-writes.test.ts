/**
 * Three processes write interleaved selections into the same shards (and chunks) at the same
 * moment, round after round (`tests/helpers/concurrent-plan-writer.ts`, run with
 * `node --import tsx`): each writes its rows of a sharded v3 array and a chunked v2 array with a
 * stepped `get`, `oindex` and `vindex` as one write plan, so every shard and chunk is partially
 * covered by every writer and read-modify-written (read with its version, stored with `setIf`). The
 * writers' versioned reads are slowed down so their cycles overlap; the losers of a race see the
 * object changed, merge again and store again. After every round both arrays equal the reference
 * computed here (each element holds its owner's value of that round: no lost update), and some
 * conditional stores did conflict (the conflict path ran).
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Context } from "../../../src/exec/context.js";
import { createArray } from "../../../src/hierarchy/index.js";
import { FileSystemStore } from "../../../src/store/fs.js";
import {
  ownerOf,
  PLAN_WRITER_SHAPE,
  planWriterValue,
  writerParts,
} from "../../helpers/concurrent-plan-writer.js";
import { LineChild } from "../../helpers/line-child.js";

const REPO = resolve(import.meta.dirname, "../../..");
const SCRIPT = join(REPO, "tests/helpers/concurrent-plan-writer.ts");
const WRITERS = 3;
const ROUNDS = 8;
/** Each writer's versioned read takes this much longer, so the cycles overlap. */
const READ_DELAY_MS = 20;
/** Longest wait for one answer of a writer (start-up included). */
const ANSWER_TIMEOUT_MS = 60_000;

const roots: string[] = [];
afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

/** Every file below `dir`, relative. */
async function filesBelow(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesBelow(p)).map((f) => join(e.name, f)));
    else out.push(e.name);
  }
  return out.sort();
}

describe("three processes writing interleaved selections of the same shards (FileSystemStore)", () => {
  it("the parts are interleaved: each writer partially covers every shard and chunk", () => {
    const [rows, cols] = PLAN_WRITER_SHAPE;
    const count = new Array<number>(rows * cols).fill(0);
    for (let w = 0; w < WRITERS; w++) {
      const { myRows, third, midCols, points } = writerParts(w, WRITERS);
      for (const r of myRows) for (let c = 0; c < third; c++) count[r * cols + c]!++;
      for (const r of myRows) for (const c of midCols) count[r * cols + c]!++;
      for (const [r, c] of points) count[r * cols + c]!++;
      // Every shard (6 × 9) and every v2 chunk (4 × 6) holds elements of this writer and of others.
      for (const [sr, sc] of [
        [6, 9],
        [4, 6],
      ] as const) {
        for (let r0 = 0; r0 < rows; r0 += sr) {
          for (let c0 = 0; c0 < cols; c0 += sc) {
            const owners = new Set<number>();
            for (let r = r0; r < r0 + sr; r++) {
              for (let c = c0; c < c0 + sc; c++) owners.add(ownerOf(r, c, WRITERS));
            }
            expect(owners.size).toBeGreaterThan(1);
          }
        }
      }
    }
    // Every element is written by exactly one writer, the one ownerOf names.
    expect(count.every((n) => n === 1)).toBe(true);
  });

  it(`${ROUNDS} rounds of simultaneous read-modify-writes lose no update`, async () => {
    const root = await mkdtemp(join(tmpdir(), "zarr-plan-concurrent-plan-"));
    roots.push(root);
    const context = new Context({ decodeWorkers: { workers: 0 } });
    const store = new FileSystemStore(root);
    const arrays = [
      await createArray(store, "s", {
        shape: PLAN_WRITER_SHAPE,
        chunks: [3, 3],
        shards: [6, 9],
        dtype: "float64",
        context,
      }),
      await createArray(store, "c", {
        shape: PLAN_WRITER_SHAPE,
        chunks: [4, 6],
        dtype: "float64",
        zarrFormat: 2,
        context,
      }),
    ];
    const writers = Array.from(
      { length: WRITERS },
      (_, w) =>
        new LineChild(REPO, SCRIPT, [root, String(w), String(WRITERS), String(READ_DELAY_MS)]),
    );
    const [rows, cols] = PLAN_WRITER_SHAPE;
    const lost: string[] = [];
    let conflicts = 0;
    let reads = 0;
    try {
      for (let round = 1; round <= ROUNDS; round++) {
        for (const w of writers) w.send(`round ${round}`);
        const answers = await Promise.all(writers.map((w) => w.next(ANSWER_TIMEOUT_MS)));
        for (const answer of answers) {
          const match = /^done (\d+) (\d+) (\d+) (\d+)$/.exec(answer);
          expect(match, answer).not.toBeNull();
          const [, got, c, read, stored] = match!.map(Number);
          expect(got).toBe(round);
          // Every object a writer touches is partial: all 4 shards and 9 chunks are read first
          // (again after each conflict) and stored once.
          expect(stored).toBe(4 + 9);
          expect(read).toBe(4 + 9 + c!);
          conflicts += c!;
          reads += read!;
        }
        const expected = Float64Array.from({ length: rows * cols }, (_, i) => {
          const r = Math.floor(i / cols);
          const c = i % cols;
          return planWriterValue(ownerOf(r, c, WRITERS), round, r, c);
        });
        for (const a of arrays) {
          const got = (await a.read()).data as Float64Array;
          const wrong = got.findIndex((v, i) => v !== expected[i]);
          if (wrong >= 0) {
            lost.push(
              `round ${round}, ${a.path}[${Math.floor(wrong / cols)}, ${wrong % cols}]: ${got[wrong]} instead of ${expected[wrong]}`,
            );
          }
        }
      }
    } finally {
      await Promise.all(writers.map((w) => w.stop()));
      context.close();
    }
    expect(lost).toEqual([]);
    // The writers did race: some conditional stores found the object changed and were redone.
    expect(conflicts).toBeGreaterThan(0);
    // No lock or temp file left behind: the shards and chunks, and the metadata.
    expect(await filesBelow(join(root, "s"))).toEqual([
      "c/0/0",
      "c/0/1",
      "c/1/0",
      "c/1/1",
      "zarr.json",
    ]);
    expect((await filesBelow(join(root, "c"))).filter((f) => !/^\d+\.\d+$/.test(f))).toEqual([
      ".zarray",
    ]);
    expect((await filesBelow(join(root, "c"))).length).toBe(1 + 9);
    console.info(
      `three-process write plans: ${ROUNDS} rounds, ${lost.length} lost updates, ${conflicts} conflicts retried, ${reads} object reads`,
    );
  }, 180_000);
});
