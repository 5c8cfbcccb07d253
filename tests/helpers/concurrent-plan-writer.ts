/**
 * One writer process of `tests/unit/hierarchy/concurrent-plan-writes.test.ts`, run as
 * `node --import tsx tests/helpers/concurrent-plan-writer.ts <root> <writer> <writers> <delayMs>`.
 *
 * Reads commands from stdin, one a line: `round <n>` opens the arrays `s` (sharded, v3) and `c`
 * (chunked, v2) of a FileSystemStore at `<root>` and writes this writer's interleaved part of both
 * ({@link writerParts}) as ONE write plan (`planWrite`): rows `writer, writer + writers, …` of the
 * left third with a stepped `get`, the same rows of the middle third with `oindex`, and the points
 * `(r, c)` of the right third with `(r + c) % writers == writer` with `vindex` (each point twice:
 * a decoy value first, the real one last, so "last write wins" is exercised too). Values are
 * {@link planWriterValue}. Then it answers `done <n> <conflicts> <read> <stored>` (this round's
 * WriteResult) on stdout; `exit` ends the process. Any failure answers `error <message>` and exits
 * with 1.
 *
 * `getVersioned` waits `<delayMs>` after reading, so the writers' read-modify-write cycles of the
 * same shard overlap: every shard is partially covered by every writer, so each is read first and
 * stored with `setIf`; the losers of a race find the shard changed and merge again.
 */
import { createInterface } from "node:readline";
import { dataType } from "../../src/core/dtype.js";
import type { NDArray } from "../../src/core/ndarray.js";
import { planWrite } from "../../src/exec/api.js";
import { Context } from "../../src/exec/context.js";
import { openArray } from "../../src/hierarchy/index.js";
import { slice } from "../../src/index-space/selection.js";
import type { WriteEntry } from "../../src/plan/write-plan.js";
import { SlowReadStore } from "./slow-read-store.js";

/** Shape of both arrays of the test. */
export const PLAN_WRITER_SHAPE = [12, 18] as const;

/** The value writer `writer` stores at `(r, c)` in round `round` (distinct across writers and rounds). */
export function planWriterValue(writer: number, round: number, r: number, c: number): number {
  return round * 100_000 + (writer + 1) * 10_000 + r * 100 + c;
}

/** The writer of element `(r, c)` (every element has exactly one). */
export function ownerOf(r: number, c: number, writers: number): number {
  const third = PLAN_WRITER_SHAPE[1] / 3;
  return c < 2 * third ? r % writers : (r + c) % writers;
}

/** The three parts a writer writes: rows of a stepped get, rows × columns of oindex, vindex points. */
export function writerParts(writer: number, writers: number) {
  const [rows, cols] = PLAN_WRITER_SHAPE;
  const third = cols / 3;
  const myRows: number[] = [];
  for (let r = writer; r < rows; r += writers) myRows.push(r);
  const midCols = Array.from({ length: third }, (_, i) => third + i);
  const points: [number, number][] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 2 * third; c < cols; c++) if ((r + c) % writers === writer) points.push([r, c]);
  }
  return { myRows, third, midCols, points };
}

const f64 = dataType("float64");
function values(shape: number[], f: (i: number) => number): NDArray<"float64"> {
  const n = shape.reduce((a, b) => a * b, 1);
  const strides = shape.map((_, k) => shape.slice(k + 1).reduce((a, b) => a * b, 1));
  return { data: Float64Array.from({ length: n }, (_, i) => f(i)), shape, strides, dtype: f64 };
}

async function main(): Promise<void> {
  const [root, writerArg, writersArg, delayArg] = process.argv.slice(2);
  if (root === undefined || writerArg === undefined || writersArg === undefined) {
    throw new Error("usage: concurrent-plan-writer.ts <root> <writer> <writers> [delayMs]");
  }
  const writer = Number(writerArg);
  const writers = Number(writersArg);
  const store = new SlowReadStore(root, Number(delayArg ?? 0));
  const context = new Context({ decodeWorkers: { workers: 0 } });
  const { myRows, third, midCols, points } = writerParts(writer, writers);
  try {
    for await (const line of createInterface({ input: process.stdin })) {
      const [command, arg] = line.trim().split(" ");
      if (command === "exit") break;
      if (command !== "round") continue;
      const round = Number(arg);
      const v = (r: number, c: number) => planWriterValue(writer, round, r, c);
      const entries: WriteEntry[] = [];
      for (const path of ["s", "c"]) {
        const a = await openArray(store, path, { context, dtype: "float64" });
        entries.push(
          {
            target: a.lazy().get(slice(writer, null, writers), slice(0, third)),
            value: values([myRows.length, third], (i) => v(myRows[(i / third) | 0]!, i % third)),
          },
          {
            target: a.lazy().oindex(myRows, midCols),
            value: values([myRows.length, third], (i) =>
              v(myRows[(i / third) | 0]!, midCols[i % third]!),
            ),
          },
          {
            // Every point twice: a decoy first, the real value last (the last write wins).
            target: a
              .lazy()
              .vindex(
                [...points.map((p) => p[0]), ...points.map((p) => p[0])],
                [...points.map((p) => p[1]), ...points.map((p) => p[1])],
              ),
            value: values([2 * points.length], (i) =>
              i < points.length ? -1 : v(...points[i - points.length]!),
            ),
          },
        );
      }
      const r = await planWrite(entries, { context }).write();
      process.stdout.write(`done ${round} ${r.conflicts} ${r.read} ${r.stored}\n`);
    }
  } finally {
    context.close();
  }
}

// Run only as a script (the test imports the value and part functions).
if (process.argv[1]?.endsWith("concurrent-plan-writer.ts")) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stdout.write(`error ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
