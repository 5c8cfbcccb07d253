/**
 * Two processes read-modify-write different halves of one chunk of an array in a FileSystemStore
 * at the same moment, round after round (`tests/helpers/concurrent-writer.ts`, run with
 * `node --import tsx`). `ZarrArray.write` stores partially covered chunks with `setIf` at the
 * version it read, and FileSystemStore's per-key lock file makes compare + rename atomic across
 * processes, so after every round both halves hold their writer's values: no lost update.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Context } from "../../../src/exec/context.js";
import { createArray } from "../../../src/hierarchy/index.js";
import { FileSystemStore } from "../../../src/store/fs.js";
import { writerValue } from "../../helpers/concurrent-writer.js";
import { LineChild } from "../../helpers/line-child.js";

const REPO = resolve(import.meta.dirname, "../../..");
const SCRIPT = join(REPO, "tests/helpers/concurrent-writer.ts");
const ROUNDS = 30;
const SIZE = 1000;
/** Each writer's versioned read takes this much longer, so the two cycles overlap. */
const READ_DELAY_MS = 15;
/** Longest wait for one answer of a writer (start-up included). */
const ANSWER_TIMEOUT_MS = 30_000;

const roots: string[] = [];
afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

/** A writer process of half `half` of the chunk. */
const writer = (root: string, half: number) =>
  new LineChild(REPO, SCRIPT, [root, "a", String(half), String(READ_DELAY_MS)]);

describe("two processes writing halves of one chunk (FileSystemStore)", () => {
  it(`${ROUNDS} rounds of simultaneous writes lose no update`, async () => {
    const root = await mkdtemp(join(tmpdir(), "zarr-plan-concurrent-"));
    roots.push(root);
    const context = new Context({ decodeWorkers: { workers: 0 } });
    const array = await createArray(new FileSystemStore(root), "a", {
      shape: [SIZE],
      chunks: [SIZE],
      dtype: "int32",
      context,
    });
    const writers = [writer(root, 0), writer(root, 1)];
    const lostRounds: number[] = [];
    let conflicts = 0;
    try {
      for (let round = 1; round <= ROUNDS; round++) {
        for (const w of writers) w.send(`round ${round}`);
        const answers = await Promise.all(writers.map((w) => w.next(ANSWER_TIMEOUT_MS)));
        conflicts = 0;
        for (const answer of answers) {
          const match = /^done (\d+) (\d+)$/.exec(answer);
          expect(match, answer).not.toBeNull();
          expect(Number(match![1])).toBe(round);
          conflicts += Number(match![2]);
        }
        const got = (await array.read()).data as Int32Array;
        const half = SIZE / 2;
        const expected = Int32Array.from({ length: SIZE }, (_, i) =>
          writerValue(i < half ? 0 : 1, round, i % half),
        );
        if (!got.every((v, i) => v === expected[i])) lostRounds.push(round);
      }
    } finally {
      await Promise.all(writers.map((w) => w.stop()));
      context.close();
    }
    expect(lostRounds).toEqual([]);
    // The writers did race: some of their conditional writes found the chunk changed.
    expect(conflicts).toBeGreaterThan(0);
    // No lock or temp file left behind.
    expect(await readdir(join(root, "a", "c"))).toEqual(["0"]);
    console.info(
      `two-process writes: ${ROUNDS} rounds, ${lostRounds.length} lost updates, ${conflicts} conflicts retried`,
    );
  }, 120_000);
});
