/**
 * The metadata fields checked without zod in their common valid case (`guarded` in
 * src/format/metadata/issues.ts): whatever a guard accepts, zod accepts too and parses to an equal
 * value, so skipping zod changes nothing. Random JSON values, and values near each field's shape.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ATTRIBUTES_FIELD,
  CHUNK_SHAPE_FIELD,
  SHAPE_FIELD,
} from "../../src/format/metadata/common.js";
import type { GuardedSchema } from "../../src/format/metadata/issues.js";
import { GUARDED_V3_FIELDS } from "../../src/format/metadata/v3.js";

const FIELDS: Record<string, GuardedSchema<unknown>> = {
  SHAPE_FIELD,
  CHUNK_SHAPE_FIELD,
  ATTRIBUTES_FIELD,
  ...GUARDED_V3_FIELDS,
};

const int = fc.oneof(
  fc.integer({ min: -3, max: 1000 }),
  fc.constantFrom(0, -0, 1.5, Number.MAX_SAFE_INTEGER, 2 ** 53, Number.NaN, 2 ** 40),
);
/** Objects that are not plain (zod's record refuses them; a guard must too). */
const notPlain = fc.constantFrom<unknown>(new Date(0), new Map(), Object.create([]) as object);
const nearby = fc.oneof(
  fc.jsonValue(),
  notPlain,
  fc.array(int, { maxLength: 5 }),
  fc.array(fc.oneof(fc.string(), fc.constant(null), int), { maxLength: 4 }),
  fc.constantFrom("array", "group", "/", ".", "", "x"),
  fc.record(
    {
      name: fc.oneof(fc.string(), int, fc.constant(null)),
      configuration: fc.oneof(
        notPlain,
        fc.dictionary(fc.string(), fc.jsonValue()),
        fc.array(int),
        fc.constant(null),
      ),
      must_understand: fc.oneof(fc.boolean(), fc.string()),
      separator: fc.constantFrom("/", ".", "-", 1),
      chunk_shape: fc.array(int, { maxLength: 4 }),
    },
    { requiredKeys: [] },
  ),
);

/** Whether `v` is an object with an own member named `__proto__` (as JSON.parse makes one). */
function hasOwnProtoMember(v: unknown): boolean {
  return typeof v === "object" && v !== null && Object.hasOwn(v, "__proto__");
}

describe("guarded metadata fields", () => {
  it.each(Object.keys(FIELDS))("%s: what the guard accepts, zod accepts unchanged", (name) => {
    const field = FIELDS[name] as GuardedSchema<unknown>;
    let accepted = 0;
    fc.assert(
      fc.property(nearby, (v) => {
        if (!field.accepts(v)) return;
        accepted++;
        const parsed = field.schema.safeParse(v);
        expect(parsed.success).toBe(true);
        // zod copies a record member by member, and assigning an own `__proto__` member sets the
        // copy's prototype instead (so `{"__proto__": []}` comes out as `{}`); the guarded path
        // keeps the document's member as JSON.parse made it. Equal in every other case.
        if (!hasOwnProtoMember(v)) expect(parsed.data).toEqual(v);
      }),
      {
        numRuns: 2000,
        examples: [[JSON.parse('{"__proto__": []}')], [JSON.parse('{"a": {"__proto__": 1}}')]],
      },
    );
    // The property says nothing if the guard never accepts: it must see valid values.
    expect(accepted).toBeGreaterThan(0);
  });
});
