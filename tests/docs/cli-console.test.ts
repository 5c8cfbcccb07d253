/**
 * Every ```console block of README.md and docs/*.md runs: each `$ zarr-plan …` line is run in
 * process (`main` of src/cli/program.ts) against the bundled data, and must succeed unless the
 * output shown is an `error: …` line; the lines under it are what it prints (stdout and stderr as written),
 * with `…` matching anything within a line and a line `…` matching any number of lines. `$ cat FILE`
 * shows a file: one the commands wrote is compared, one they did not is written from the block
 * (a plan file or a `create` spec the docs show). Paths: `data/…` is the repository's data, other
 * relative paths (`--out` files, plan files, `create`'s spec and store, `copy`'s destination, and any argument naming
 * a file an earlier step made) are in a temporary directory (printed back relative). A `$` line of another program is refused.
 */
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Io } from "../../src/cli/context.js";
import { main } from "../../src/cli/program.js";
import { type StaticServer, startStaticServer } from "../helpers/static-server.js";

const ROOT = join(import.meta.dirname, "../..");

const files = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

interface Step {
  command: string;
  expected: string[];
}

interface Block {
  file: string;
  index: number;
  steps: Step[];
}

const blocks: Block[] = [];
for (const file of files) {
  const text = readFileSync(join(ROOT, file), "utf8");
  let i = 0;
  for (const m of text.matchAll(/```console\n([\s\S]*?)```/g)) {
    const steps: Step[] = [];
    for (const line of m[1]!.replace(/\n$/, "").split("\n")) {
      if (line.startsWith("$ ")) steps.push({ command: line.slice(2), expected: [] });
      else if (steps.length > 0) steps[steps.length - 1]!.expected.push(line);
      else throw new Error(`${file}: console block ${i + 1} does not start with a $ line`);
    }
    blocks.push({ file, index: i++, steps });
  }
}

/** Shell words: whitespace-separated, with '…' and "…" quoting. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let word: string | undefined;
  let last = -1;
  for (const m of line.matchAll(re)) {
    const part = m[1] ?? m[2]?.replace(/\\(.)/g, "$1") ?? m[3]!;
    // Adjacent parts (no space between) form one word.
    if (word !== undefined && m.index === last) word += part;
    else {
      if (word !== undefined) words.push(word);
      word = part;
    }
    last = m.index + m[0].length;
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** `expected` (doc lines, `…` wildcards) matches `actual` (printed lines). */
function linesMatch(actual: string[], expected: string[]): boolean {
  const pattern = expected
    .map((l) =>
      l.trim() === "…"
        ? "(?:[^\\n]*\\n)*?"
        : `${l
            .split("…")
            .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
            .join("[^\\n]*")}\\n`,
    )
    .join("");
  return new RegExp(`^${pattern}$`).test(actual.map((l) => `${l}\n`).join(""));
}

let server: StaticServer;
let tmp: string;
beforeAll(async () => {
  server = await startStaticServer(join(ROOT, "data/datasets"));
  tmp = mkdtempSync(join(tmpdir(), "zarr-plan-console-"));
  // Plan files written from the docs name stores relative to themselves: data/… next to them.
  symlinkSync(join(ROOT, "data"), join(tmp, "data"));
});
afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** A store argument as the test runs it: data/… in the repository, the docs' URL on the test's server. */
function pathArg(arg: string): string {
  if (arg.startsWith("data/")) return join(ROOT, arg);
  return arg.replace("http://127.0.0.1:8000/", server.url);
}

async function runStep(step: Step, dir: string): Promise<string[]> {
  const [program, ...args] = shellWords(step.command);
  if (program === "cat") {
    const file = join(dir, args[0]!);
    if (!existsSync(file)) writeFileSync(file, `${step.expected.join("\n")}\n`);
    return readFileSync(file, "utf8").replace(/\n$/, "").split("\n");
  }
  if (program !== "zarr-plan") throw new Error(`not a zarr-plan command: ${step.command}`);
  const argv = args.map((a, k) => {
    const previous = args[k - 1];
    const isFile =
      previous === "--out" ||
      previous === "-o" ||
      (args[0] === "run" && k === 1) ||
      (args[0] === "create" && (k === 1 || k === 2)) ||
      (args[0] === "copy" && k === 2) ||
      // A store an earlier step of the block created (e.g. by `zarr-plan create`).
      (k > 0 && !a.startsWith("-") && !a.startsWith("data/") && existsSync(join(dir, a)));
    return isFile && !isAbsolute(a) ? join(dir, a) : pathArg(a);
  });
  // stdout and stderr in the order written, as a terminal shows them.
  let out = "";
  const io: Io = {
    stdout: (s) => {
      out += s;
    },
    stderr: (s) => {
      out += s;
    },
    progress: undefined,
    signal: new AbortController().signal,
    env: {},
  };
  const code = await main(argv, io);
  const printed = out
    .replaceAll(`${dir}/`, "")
    .replaceAll(`${ROOT}/`, "")
    .replaceAll(server.url, "http://127.0.0.1:8000/");
  const failureShown = step.expected.some((l) => l.startsWith("error: "));
  expect(code, `${step.command}\n${printed}`).toBe(failureShown ? code || -1 : 0);
  if (failureShown) expect(code).not.toBe(0);
  return printed
    .replace(/\n$/, "")
    .split("\n")
    .filter((l, i, all) => l !== "" || i < all.length - 1);
}

describe("CLI console blocks of the docs run and print what they show", () => {
  it("there are console blocks to run", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
  });
  for (const b of blocks) {
    it(`${b.file} console block ${b.index + 1}`, async () => {
      const dir = mkdtempSync(join(tmp, "block-"));
      symlinkSync(join(ROOT, "data"), join(dir, "data"));
      for (const step of b.steps) {
        const printed = await runStep(step, dir);
        if (step.expected.length === 0) continue;
        expect(
          linesMatch(printed, step.expected),
          `$ ${step.command}\n--- printed:\n${printed.join("\n")}\n--- the docs show:\n${step.expected.join("\n")}`,
        ).toBe(true);
      }
    });
  }
});
