/**
 * Doctest: every ```ts block of README.md and docs/*.md runs against the library (`zarr-plan` and
 * `zarr-plan/serve` from src/), and every
 * `console.log(...); // expected` line prints what its comment says (whitespace and quote style
 * ignored; "…" in a comment matches anything). Docs cannot rot.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { format } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const TMP = join(ROOT, "tests/.docs-tmp");
const INDEX = join(ROOT, "src/index.ts");
const CRUD = join(ROOT, "src/hierarchy/crud/index.ts");
const SERVE = join(ROOT, "src/serve/index.ts");

const files = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

interface Block {
  file: string;
  index: number;
  code: string;
  expected: string[];
}

const blocks: Block[] = [];
for (const file of files) {
  const text = readFileSync(join(ROOT, file), "utf8");
  let i = 0;
  for (const m of text.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const code = m[1]!;
    const expected: string[] = [];
    for (const line of code.split("\n")) {
      const c = /console\.log\(.*\);\s*\/\/\s*(.+)$/.exec(line);
      if (c) expected.push(c[1]!);
    }
    blocks.push({ file, index: i++, code, expected });
  }
}

const norm = (s: string) => s.replace(/\s+/g, "").replace(/'/g, '"');

function matches(actual: string, expected: string): boolean {
  const parts = norm(expected.replace(/\(.*\)$/, "")).split("…");
  let pos = 0;
  const a = norm(actual);
  for (const [k, part] of parts.entries()) {
    const at = k === 0 ? (a.startsWith(part) ? 0 : -1) : a.indexOf(part, pos);
    if (at < 0) return false;
    pos = at + part.length;
  }
  return parts.length > 1 || pos === a.length;
}

afterAll(() => rmSync(TMP, { recursive: true, force: true }));

describe("documentation examples run and print what they say", () => {
  it("there are examples to run", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
  });
  for (const b of blocks) {
    it(`${b.file} example ${b.index + 1}`, async () => {
      mkdirSync(TMP, { recursive: true });
      const path = join(TMP, `${b.file.replace(/[/.]/g, "_")}_${b.index}.ts`);
      const code = b.code
        .replaceAll('from "zarr-plan"', `from ${JSON.stringify(INDEX)}`)
        .replaceAll('from "zarr-plan/crud"', `from ${JSON.stringify(CRUD)}`)
        .replaceAll('from "zarr-plan/serve"', `from ${JSON.stringify(SERVE)}`)
        .replaceAll('"data/', `"${ROOT}/data/`)
        .replaceAll(
          "console.log(",
          "(globalThis as unknown as { __docLog: (...a: unknown[]) => void }).__docLog(",
        );
      writeFileSync(path, `${code}\nexport {};\n`);
      const printed: string[] = [];
      (globalThis as unknown as { __docLog: (...a: unknown[]) => void }).__docLog = (
        ...a: unknown[]
      ) => {
        printed.push(format(...a));
      };
      await import(pathToFileURL(path).href);
      expect(printed.length).toBeGreaterThanOrEqual(b.expected.length);
      for (const [k, exp] of b.expected.entries()) {
        expect(
          matches(printed[k]!, exp),
          `line ${k + 1}: printed ${printed[k]}, doc says ${exp}`,
        ).toBe(true);
      }
    });
  }
});
