/**
 * `IssueList.field` names the offending member with its full path (the path is built only when
 * there is an issue): a schema failure inside a member is reported under `member[index]`.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { guarded, IssueList } from "../../../src/format/metadata/issues.js";

describe("IssueList.field", () => {
  const ints = guarded(
    z.array(z.number().int()),
    (v) => Array.isArray(v) && v.every(Number.isInteger),
  );

  it("returns a valid member as it is and records nothing", () => {
    const issues = new IssueList();
    const shape = [3, 4];
    expect(issues.field({ shape }, "shape", ints, true, ["outer"])).toBe(shape);
    expect(issues.ok).toBe(true);
  });

  it("names a failing element under its member and the caller's path", () => {
    const issues = new IssueList();
    const got = issues.field({ shape: [3, 4.5] }, "shape", ints, true, ["chunk_grid", 2]);
    expect(got).toBeUndefined();
    expect(issues.issues.map((i) => i.field)).toEqual(["chunk_grid[2].shape[1]"]);
  });

  it("names a missing required member, and ignores a missing optional one", () => {
    const issues = new IssueList();
    expect(issues.field({}, "shape", ints, true, ["configuration"])).toBeUndefined();
    expect(issues.field({}, "dimension_names", ints, false)).toBeUndefined();
    expect(issues.issues).toEqual([
      { field: "configuration.shape", message: "required field is missing" },
    ]);
  });

  it("check keeps the path it is given", () => {
    const issues = new IssueList();
    expect(issues.check(["a"], ints, ["codecs", 0, "configuration"])).toBeUndefined();
    expect(issues.issues.map((i) => i.field)).toEqual(["codecs[0].configuration[0]"]);
  });
});
