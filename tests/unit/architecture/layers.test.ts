/**
 * The house rules of `src/`: layers import only downwards, and no file imports itself back through
 * others (no import cycle, type-only imports included). Reads the import statements of every
 * source file; nothing is executed. Run alone with `npx vitest run tests/unit/architecture`.
 *
 * Layers, lowest first (docs/architecture.md):
 * core ← store ← format ← index-space ← plan ← exec ← hierarchy ← index.ts ← present ← serve ← distribute ← cli
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const SRC = resolve(__dirname, "../../../src");

/** Layer names in order: a file may import files of its own layer or of layers before it. */
const LAYERS = [
  "core",
  "store",
  "format",
  "index-space",
  "plan",
  "exec",
  "hierarchy",
  "index.ts",
  "present",
  "serve",
  "distribute",
  "cli",
] as const;

function layerOf(file: string): number {
  const top = relative(SRC, file).split("/")[0]!;
  const i = (LAYERS as readonly string[]).indexOf(top);
  if (i < 0) throw new Error(`${relative(SRC, file)} is in no layer (add its folder to LAYERS)`);
  return i;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (p.endsWith(".ts") && !p.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/**
 * Relative module specifiers of `code`, as the TypeScript compiler reads them: static imports and
 * re-exports (type-only too), `import "x"`, `import("x")`.
 */
function importsOf(code: string): string[] {
  return ts
    .preProcessFile(code, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((s) => s.startsWith("."));
}

function resolveImport(from: string, spec: string): string {
  const p = resolve(dirname(from), spec);
  if (p.endsWith(".js")) return `${p.slice(0, -3)}.ts`;
  return p.endsWith(".ts") ? p : `${p}.ts`;
}

/** Import graph of `src/`: file → files it imports. */
function graph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of sourceFiles(SRC)) {
    g.set(
      f,
      importsOf(readFileSync(f, "utf8")).map((s) => resolveImport(f, s)),
    );
  }
  return g;
}

/** Strongly connected components with more than one file (or a self-import): the import cycles. */
function cycles(g: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!g.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (g.get(v) ?? []).includes(v)) out.push(comp);
    }
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  return out;
}

const rel = (f: string) => relative(SRC, f);

describe("layers of src/", () => {
  const g = graph();

  it("reads the imports it should (sanity check of the reader)", () => {
    expect(g.size).toBeGreaterThan(100);
    expect(
      importsOf(
        'import { a } from "./a.js";\nimport type { B } from "../b.js";\nexport * from "./c.js";\nimport "./d.js";\nconst e = await import("./e.js");\nexport {\n  f,\n  type G,\n} from "./f.js";',
      ),
    ).toEqual(["./a.js", "../b.js", "./c.js", "./d.js", "./e.js", "./f.js"]);
    // Every relative import names a file that exists.
    const missing = [...g].flatMap(([f, deps]) =>
      deps.filter((d) => !g.has(d)).map((d) => `${rel(f)} → ${rel(d)}`),
    );
    expect(missing).toEqual([]);
  });

  it("every file is in a layer, and imports only its own layer or layers below", () => {
    const upward: string[] = [];
    for (const [f, deps] of g) {
      for (const d of deps) {
        if (layerOf(d) > layerOf(f)) {
          upward.push(`${rel(f)} (${LAYERS[layerOf(f)]}) → ${rel(d)} (${LAYERS[layerOf(d)]})`);
        }
      }
    }
    expect(upward).toEqual([]);
  });

  it("has no import cycle (type-only imports included)", () => {
    expect(cycles(g).map((c) => c.map(rel).sort().join(" ↔ "))).toEqual([]);
  });

  it("the sharding unit does not reach back to the codec pipeline or registry", () => {
    const unit = [...g].filter(([f]) => rel(f).startsWith("format/codecs/sharding/"));
    expect(unit.length).toBeGreaterThanOrEqual(4);
    const back = unit.flatMap(([f, deps]) =>
      deps
        .filter((d) => /format\/codecs\/(pipeline|registry|builtins)\.ts$/.test(d))
        .map((d) => `${rel(f)} → ${rel(d)}`),
    );
    expect(back).toEqual([]);
  });

  it("the cycle finder finds cycles", () => {
    const fake = new Map([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a"]],
      ["d", ["d"]],
      ["e", ["a"]],
    ]);
    expect(cycles(fake).map((c) => c.sort().join(","))).toEqual(["a,b,c", "d"]);
  });
});
