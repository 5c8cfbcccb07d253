import { describe, expect, it } from "vitest";
import { StoreError } from "../../../src/core/errors.js";
import {
  checkNotSatisfiable,
  checkPartialContent,
  rangeHeader,
} from "../../../src/store/http-range.js";

describe("rangeHeader (RFC 9110 §14.1.2)", () => {
  it("formats both forms", () => {
    expect(rangeHeader({ offset: 0, length: 1 })).toBe("bytes=0-0");
    expect(rangeHeader({ offset: 10, length: 5 })).toBe("bytes=10-14");
    expect(rangeHeader({ suffixLength: 8 })).toBe("bytes=-8");
  });
});

describe("checkPartialContent", () => {
  const ok = (range: Parameters<typeof checkPartialContent>[1], header: string, body?: number) =>
    checkPartialContent("k", range, header, body);

  it("accepts exact and clamped answers", () => {
    expect(() => ok({ offset: 10, length: 5 }, "bytes 10-14/100", 5)).not.toThrow();
    expect(() => ok({ offset: 98, length: 5 }, "bytes 98-99/100", 2)).not.toThrow();
    expect(() => ok({ suffixLength: 5 }, "bytes 95-99/100", 5)).not.toThrow();
    expect(() => ok({ suffixLength: 500 }, "bytes 0-99/100", 100)).not.toThrow();
    expect(() => ok({ offset: 10, length: 5 }, "BYTES 10-14/*", 5)).not.toThrow();
  });

  it.each([
    [{ offset: 10, length: 5 }, "bytes 10-13/100"],
    [{ offset: 10, length: 5 }, "bytes 11-15/100"],
    [{ offset: 98, length: 5 }, "bytes 98-99/200"],
    [{ offset: 10, length: 5 }, "bytes 10-13/*"],
    [{ suffixLength: 5 }, "bytes 94-98/100"],
    [{ suffixLength: 5 }, "bytes 95-99/*"],
    [{ suffixLength: 5 }, "bytes 95-99/99"],
    [{ offset: 0, length: 2 }, "bytes 1-0/10"],
    [{ offset: 0, length: 2 }, "items 0-1/10"],
    [{ offset: 0, length: 2 }, "bytes */10"],
  ])("rejects %j with Content-Range %s", (range, header) => {
    expect(() => ok(range, header)).toThrow(StoreError);
  });

  it("rejects a missing header and a body of the wrong length", () => {
    expect(() => checkPartialContent("k", { suffixLength: 1 }, null)).toThrow(/no Content-Range/);
    expect(() => ok({ offset: 0, length: 4 }, "bytes 0-3/10", 3)).toThrow(/body has 3 bytes/);
  });
});

describe("checkNotSatisfiable", () => {
  it("accepts 416 for a range past the end or without Content-Range", () => {
    expect(() => checkNotSatisfiable("k", { offset: 10, length: 2 }, "bytes */10")).not.toThrow();
    expect(() => checkNotSatisfiable("k", { suffixLength: 2 }, "bytes */0")).not.toThrow();
    expect(() => checkNotSatisfiable("k", { offset: 3, length: 2 }, null)).not.toThrow();
  });

  it("rejects 416 when the announced length makes the range satisfiable", () => {
    expect(() => checkNotSatisfiable("k", { offset: 3, length: 2 }, "bytes */10")).toThrow(
      StoreError,
    );
    expect(() => checkNotSatisfiable("k", { suffixLength: 2 }, "bytes */10")).toThrow(StoreError);
  });
});
