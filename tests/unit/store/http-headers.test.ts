/**
 * FetchStore's request headers as a plain record: the three shapes of `HeadersInit`, later sources
 * replacing earlier names, repeated names in one list joined, and invalid names or values refused
 * — compared with what the WHATWG `Headers` class makes of the same input.
 */
import { describe, expect, it } from "vitest";
import { headerRecord } from "../../../src/store/http-headers.js";

/** What `Headers` makes of `inits` applied in turn with `set` (names lower-case). */
function viaHeaders(...inits: HeadersInit[]): Record<string, string> {
  const h = new Headers();
  for (const init of inits) {
    new Headers(init).forEach((value, name) => {
      h.set(name, value);
    });
  }
  const out: Record<string, string> = {};
  h.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

describe("headerRecord", () => {
  const cases: [string, HeadersInit[]][] = [
    ["a record", [{ "X-Api-Key": "k", Authorization: "Bearer t" }]],
    [
      "pairs with a repeated name",
      [
        [
          ["Accept", "a/b"],
          ["accept", "c/d"],
          ["X-One", "1"],
        ],
      ],
    ],
    ["a Headers object", [new Headers({ "X-Base": "base", "Cache-Control": "no-cache" })]],
    ["values with edge whitespace", [{ "X-Pad": "  padded\t" }]],
    [
      "a later source replacing names of an earlier one",
      [{ "X-Base": "base", Authorization: "old" }, [["authorization", "new"]]],
    ],
  ];
  it.each(cases)("matches Headers for %s", (_name, inits) => {
    expect({ ...headerRecord(...inits) }).toEqual(viaHeaders(...inits));
  });

  it("refuses what Headers refuses", () => {
    for (const init of [
      { "bad name": "x" },
      { "X-Ok": "line\nbreak" },
      [["X-Pair"]],
    ] as unknown[]) {
      expect(() => new Headers(init as HeadersInit)).toThrow(TypeError);
      expect(() => headerRecord(init as HeadersInit)).toThrow(TypeError);
    }
  });

  it("keeps a header named like an Object.prototype member as an ordinary field", () => {
    const r = headerRecord([
      ["__proto__", "x"],
      ["constructor", "y"],
    ]);
    expect(Object.entries(r)).toEqual([
      ["__proto__", "x"],
      ["constructor", "y"],
    ]);
  });
});
