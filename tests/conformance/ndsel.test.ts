/**
 * Conformance: the ndsel corpus (ndsel 1.0-draft.2, bundled byte for byte in
 * `tests/fixtures/ndsel/`, copied from zarr-python's `packages/zarr-indexing/tests/conformance/`):
 * every success case normalises to its `normalized` body (structural JSON equality with exact
 * integers), every error case fails with its reason code. Each case runs twice: from JSON text
 * (exact integers) and from a `JSON.parse`d value (numbers).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { NdselError } from "../../src/core/errors.js";
import { parseExactJson, stringifyExactJson } from "../../src/index-space/ndsel/json.js";
import { normalizeNdsel } from "../../src/index-space/ndsel/normalize.js";

const DIR = join(import.meta.dirname, "../fixtures/ndsel/conformance");
const FILES = ["point", "box", "slice", "points", "transform", "errors"];

interface Case {
  readonly name: string;
  readonly input: unknown;
  readonly normalized?: unknown;
  readonly error?: string;
}

const cases: Case[] = FILES.flatMap(
  (f) => parseExactJson(readFileSync(join(DIR, `${f}.json`), "utf8")) as unknown as Case[],
);

function reasonOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof NdselError) return e.reason;
    throw e;
  }
  return "(no error)";
}

describe("ndsel conformance corpus", () => {
  it("has the README's 54 cases (31 success, 23 error) with unique names", () => {
    expect(cases).toHaveLength(54);
    expect(cases.filter((c) => c.error !== undefined)).toHaveLength(23);
    expect(new Set(cases.map((c) => c.name)).size).toBe(54);
  });

  for (const c of cases) {
    const text = stringifyExactJson(c.input);
    if (c.error === undefined) {
      it(`${c.name}: normalises exactly (JSON text)`, () => {
        const got = normalizeNdsel(text);
        expect(stringifyExactJson(got, true)).toBe(stringifyExactJson(c.normalized, true));
      });
      it(`${c.name}: normalises exactly (parsed value)`, () => {
        const got = normalizeNdsel(JSON.parse(text));
        expect(stringifyExactJson(got, true)).toBe(stringifyExactJson(c.normalized, true));
      });
      it(`${c.name}: normalising the result again changes nothing`, () => {
        const once = normalizeNdsel(text);
        const twice = normalizeNdsel({ kind: "transform", ...once });
        expect(stringifyExactJson(twice, true)).toBe(stringifyExactJson(once, true));
      });
    } else {
      it(`${c.name}: fails with ${c.error} (JSON text)`, () => {
        expect(reasonOf(() => normalizeNdsel(text))).toBe(c.error);
      });
      it(`${c.name}: fails with ${c.error} (parsed value)`, () => {
        expect(reasonOf(() => normalizeNdsel(JSON.parse(text)))).toBe(c.error);
      });
    }
  }
});
