/**
 * Two processes read-modify-write different halves of one chunk of an array in a FileSystemStore
 * at the same moment, round after round (`tests/helpers/concurrent-writer.ts`, run with
 * `node --import tsx`). `ZarrArray.write` stores partially covered chunks with `setIf` at the
 * version it read, and FileSystemStore's per-key lock file makes compare + rename atomic across
 * processes, so after every round both halves hold their writer's values: no lost update.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { Context } from "../../../src/exec/context.js";
import { createArray } from "../../../src/hierarchy/index.js";
import { FileSystemStore } from "../../../src/store/fs.js";
import { writerValue } from "../../helpers/concurrent-writer.js";

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

/** A writer process, driven a line at a time over stdin / stdout. */
class Writer {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: string[] = [];
  #waiting: ((line: string | undefined) => void) | undefined;
  #exited = false;
  #stderr = "";

  constructor(root: string, half: number) {
    this.#child = spawn(
      process.execPath,
      ["--import", "tsx", SCRIPT, root, "a", String(half), String(READ_DELAY_MS)],
      { cwd: REPO, stdio: ["pipe", "pipe", "pipe"] },
    );
    this.#child.stderr.on("data", (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-4000);
    });
    createInterface({ input: this.#child.stdout }).on("line", (line) => this.#push(line));
    this.#child.on("exit", () => {
      this.#exited = true;
      this.#push(undefined);
    });
  }

  #push(line: string | undefined): void {
    const waiting = this.#waiting;
    if (waiting) {
      this.#waiting = undefined;
      waiting(line);
    } else if (line !== undefined) this.#lines.push(line);
  }

  send(line: string): void {
    this.#child.stdin.write(`${line}\n`);
  }

  /** The next line the writer prints. @throws when it exits or stays silent for `timeoutMs`. */
  next(timeoutMs: number): Promise<string> {
    const queued = this.#lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#exited) return Promise.reject(new Error(`writer exited: ${this.#stderr}`));
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting = undefined;
        reject(new Error(`writer silent for ${timeoutMs} ms: ${this.#stderr}`));
      }, timeoutMs);
      this.#waiting = (line) => {
        clearTimeout(timer);
        if (line === undefined) reject(new Error(`writer exited: ${this.#stderr}`));
        else resolve(line);
      };
    });
  }

  /** Asks the writer to exit; kills it when it has not within 5 s. */
  async stop(): Promise<void> {
    if (this.#exited) return;
    const exited = new Promise<void>((resolve) => this.#child.once("exit", () => resolve()));
    this.send("exit");
    this.#child.stdin.end();
    const timer = setTimeout(() => this.#child.kill(), 5000);
    await exited;
    clearTimeout(timer);
  }
}

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
    const writers = [new Writer(root, 0), new Writer(root, 1)];
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
