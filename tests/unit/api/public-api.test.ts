/**
 * The public API: every name `src/index.ts` exports (values and types), as the TypeScript compiler
 * sees them, against a reviewed list. Adding or removing a public name changes the snapshot file,
 * so it shows up in review (`npx vitest run tests/unit/api -u` after a deliberate change).
 */
import { resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ENTRY = resolve(__dirname, "../../../src/index.ts");

/** `kind name` for every export of the package entry point, sorted. */
function publicNames(): string[] {
  const program = ts.createProgram([ENTRY], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(ENTRY)!;
  const module = checker.getSymbolAtLocation(file)!;
  return checker
    .getExportsOfModule(module)
    .map((s) => {
      const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
      const f = target.flags;
      const kind =
        f & ts.SymbolFlags.Class
          ? "class"
          : f & ts.SymbolFlags.Function
            ? "function"
            : f & (ts.SymbolFlags.Variable | ts.SymbolFlags.Property)
              ? "const"
              : f & ts.SymbolFlags.Interface
                ? "interface"
                : f & ts.SymbolFlags.TypeAlias
                  ? "type"
                  : "other";
      return `${kind} ${s.name}`;
    })
    .sort((a, b) => (a.split(" ")[1]! < b.split(" ")[1]! ? -1 : 1));
}

describe("public API of zarr-plan", () => {
  const names = publicNames();

  it("exports exactly the reviewed names", async () => {
    expect(names.length).toBeGreaterThan(100);
    await expect(`${names.join("\n")}\n`).toMatchFileSnapshot("__snapshots__/public-api.txt");
  });

  it("every exported value exists at run time", async () => {
    const mod = (await import("../../../src/index.js")) as Record<string, unknown>;
    const values = names
      .filter((n) => /^(class|function|const) /.test(n))
      .map((n) => n.split(" ")[1]!);
    expect(values.filter((v) => mod[v] === undefined)).toEqual([]);
  });
});
