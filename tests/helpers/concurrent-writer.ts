/**
 * One writer process of `tests/unit/hierarchy/concurrent-writes.test.ts`, run as
 * `node --import tsx tests/helpers/concurrent-writer.ts <root> <array path> <half: 0|1> <delayMs>`.
 *
 * Reads commands from stdin, one a line: `round <n>` opens the int32 array at `<array path>` of a
 * FileSystemStore at `<root>` and writes `writerValue(half, n, i)` into its half of the first chunk
 * (elements `[half * size / 2, (half + 1) * size / 2)`), then answers `done <n> <conflicts so far>`
 * on stdout; `exit` ends the process. Any failure answers `error <message>` and exits with 1.
 *
 * `getVersioned` waits `<delayMs>` after reading, so the two writers' read-modify-write cycles
 * overlap (both read before either stores): without conditional writes every round loses one half.
 */
import { createInterface } from "node:readline";
import { Context } from "../../src/exec/context.js";
import { openArray } from "../../src/hierarchy/index.js";
import { SlowReadStore } from "./slow-read-store.js";

/** The value a writer stores at element `i` of its half in round `round` (distinct everywhere). */
export function writerValue(half: number, round: number, i: number): number {
  return round * 100_000 + (half + 1) * 10_000 + i;
}

async function main(): Promise<void> {
  const [root, path, halfArg, delayArg] = process.argv.slice(2);
  if (root === undefined || path === undefined || halfArg === undefined) {
    throw new Error("usage: concurrent-writer.ts <root> <array path> <half> [delayMs]");
  }
  const half = Number(halfArg);
  const store = new SlowReadStore(root, Number(delayArg ?? 0));
  let conflicts = 0;
  const context = new Context({
    decodeWorkers: { workers: 0 },
    onRequest: (e) => {
      if (e.outcome === "conflict") conflicts++;
    },
  });
  try {
    for await (const line of createInterface({ input: process.stdin })) {
      const [command, arg] = line.trim().split(" ");
      if (command === "exit") break;
      if (command !== "round") continue;
      const round = Number(arg);
      const array = await openArray(store, path, { context, dtype: "int32" });
      const size = array.chunkShape[0]!;
      const n = size / 2;
      const data = Int32Array.from({ length: n }, (_, i) => writerValue(half, round, i));
      await array.write(
        { data, shape: [n], strides: [1], dtype: array.dtype },
        { start: [half * n] },
      );
      process.stdout.write(`done ${round} ${conflicts}\n`);
    }
  } finally {
    context.close();
  }
}

// Run only as a script (the test imports writerValue).
if (process.argv[1]?.endsWith("concurrent-writer.ts")) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stdout.write(`error ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
