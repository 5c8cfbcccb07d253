/**
 * No import cycle inside src/format/, type-only imports included: every relative `import` /
 * `export … from` of every module is parsed with the TypeScript compiler API, and the strongly
 * connected components of the resulting graph must all be single modules without self-imports.
 * Also pins the layering of the sharding unit (it does not reach back to the pipeline or the
 * registry; nested pipelines come through the factory context).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../../../src/format");

interface Edge {
  readonly to: string;
  readonly typeOnly: boolean;
}

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? modules(join(dir, e.name))
      : e.name.endsWith(".ts")
        ? [join(dir, e.name)]
        : [],
  );
}

/** Relative imports of `file` that stay inside ROOT, resolved to `.ts` paths. */
function importsOf(file: string): Edge[] {
  const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const edges: Edge[] = [];
  const add = (spec: ts.Expression | undefined, typeOnly: boolean): void => {
    if (!spec || !ts.isStringLiteral(spec) || !spec.text.startsWith(".")) return;
    const to = resolve(dirname(file), spec.text.replace(/\.js$/, ".ts"));
    if (to.startsWith(ROOT)) edges.push({ to, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const c = node.importClause;
      const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings : null;
      const typeOnly =
        !!c?.isTypeOnly ||
        (!!named &&
          !c?.name &&
          named.elements.length > 0 &&
          named.elements.every((e) => e.isTypeOnly));
      add(node.moduleSpecifier, typeOnly);
    } else if (ts.isExportDeclaration(node)) {
      const named =
        node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause : null;
      const typeOnly =
        node.isTypeOnly ||
        (!!named && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly));
      add(node.moduleSpecifier, typeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], false); // dynamic import()
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return edges;
}

/** Strongly connected components with more than one module, or a module importing itself (Tarjan). */
function cycles(graph: ReadonlyMap<string, readonly Edge[]>, withTypes: boolean): string[][] {
  let next = 0;
  const num = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const strong = (v: string): void => {
    num.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    let self = false;
    for (const e of graph.get(v) ?? []) {
      if (!withTypes && e.typeOnly) continue;
      if (e.to === v) self = true;
      if (!num.has(e.to)) {
        strong(e.to);
        low.set(v, Math.min(low.get(v)!, low.get(e.to)!));
      } else if (onStack.has(e.to)) {
        low.set(v, Math.min(low.get(v)!, num.get(e.to)!));
      }
    }
    if (low.get(v) === num.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(relative(ROOT, w));
      } while (w !== v);
      if (scc.length > 1 || self) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!num.has(v)) strong(v);
  return out;
}

describe("src/format import graph", () => {
  const files = modules(ROOT);
  const graph = new Map(files.map((f) => [f, importsOf(f)] as const));

  it("has modules and edges to check", () => {
    expect(files.length).toBeGreaterThan(20);
    const pipeline = graph.get(join(ROOT, "codecs/pipeline.ts"))!;
    expect(pipeline.some((e) => e.to.endsWith("codecs/registry.ts"))).toBe(true);
  });

  it("has no import cycle, type-only imports included", () => {
    expect(cycles(graph, true)).toEqual([]);
    expect(cycles(graph, false)).toEqual([]);
  });

  it("the sharding unit does not import the pipeline or the registry", () => {
    for (const f of files.filter((x) => x.includes("/codecs/sharding/"))) {
      const targets = graph.get(f)!.map((e) => relative(ROOT, e.to));
      expect(targets, relative(ROOT, f)).not.toContain("codecs/pipeline.ts");
      expect(targets, relative(ROOT, f)).not.toContain("codecs/registry.ts");
      expect(targets, relative(ROOT, f)).not.toContain("codecs/builtins.ts");
    }
  });

  it("detects a cycle when there is one", () => {
    const a = join(ROOT, "a.ts");
    const b = join(ROOT, "b.ts");
    const g = new Map<string, Edge[]>([
      [a, [{ to: b, typeOnly: true }]],
      [b, [{ to: a, typeOnly: false }]],
    ]);
    expect(cycles(g, true)).toEqual([["a.ts", "b.ts"]]);
    expect(cycles(g, false)).toEqual([]);
  });
});
