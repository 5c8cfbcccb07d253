/** CF calendars, time units, ISO dates and datetime64 encodings (facts from CF §4.4.1 and NumPy). */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Calendar,
  civilDate,
  dayNumber,
  normalizeCalendar,
} from "../../../src/index-space/labels/calendar.js";
import {
  datetime64Encoding,
  decodeValue,
  encodeInstant,
  formatInstant,
  parseIsoDate,
  parseTimeUnits,
  periodEnd,
  type TimeEncoding,
} from "../../../src/index-space/labels/time.js";

const CALENDARS: Calendar[] = ["proleptic_gregorian", "noleap", "all_leap", "360_day"];

function units(u: string, cal?: string): TimeEncoding {
  const e = parseTimeUnits(u, cal);
  if (typeof e === "string") throw new Error(e);
  return e;
}

function iso(v: number | bigint, e: TimeEncoding): string {
  return formatInstant(decodeValue(v, e), e.calendar);
}

describe("calendars", () => {
  it("day numbers of known dates", () => {
    expect(dayNumber(1970, 1, 1, "proleptic_gregorian")).toBe(0);
    expect(dayNumber(2000, 1, 1, "proleptic_gregorian")).toBe(10957);
    expect(dayNumber(1969, 12, 31, "proleptic_gregorian")).toBe(-1);
    expect(
      dayNumber(1600, 3, 1, "proleptic_gregorian") - dayNumber(1600, 2, 28, "proleptic_gregorian"),
    ).toBe(2);
    expect(
      dayNumber(1900, 3, 1, "proleptic_gregorian") - dayNumber(1900, 2, 28, "proleptic_gregorian"),
    ).toBe(1);
  });

  it("civilDate inverts dayNumber in every calendar", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -800_000, max: 800_000 }),
        fc.constantFrom(...CALENDARS),
        (d, cal) => {
          const { year, month, day } = civilDate(d, cal);
          expect(dayNumber(year, month, day, cal)).toBe(d);
        },
      ),
    );
  });

  it("aliases", () => {
    expect(normalizeCalendar(undefined)).toBe("proleptic_gregorian");
    expect(normalizeCalendar("Gregorian")).toBe("proleptic_gregorian");
    expect(normalizeCalendar("365_day")).toBe("noleap");
    expect(normalizeCalendar("366_day")).toBe("all_leap");
    expect(normalizeCalendar("julian")).toBeUndefined();
  });
});

describe("CF time units", () => {
  it("days since 2000-01-01 in each calendar", () => {
    expect(iso(59, units("days since 2000-01-01", "standard"))).toBe("2000-02-29T00:00:00");
    expect(iso(59, units("days since 2000-01-01", "noleap"))).toBe("2000-03-01T00:00:00");
    expect(iso(365, units("days since 2000-01-01", "noleap"))).toBe("2001-01-01T00:00:00");
    expect(iso(59, units("days since 2000-01-01", "360_day"))).toBe("2000-02-30T00:00:00");
    expect(iso(360, units("days since 2000-01-01", "360_day"))).toBe("2001-01-01T00:00:00");
    expect(iso(366, units("days since 2000-01-01", "all_leap"))).toBe("2001-01-01T00:00:00");
    expect(iso(1.5, units("days since 2000-01-01"))).toBe("2000-01-02T12:00:00");
  });

  it("units forms and reference dates", () => {
    expect(units("hours since 1970-01-01 00:00:00").unitSeconds).toBe(3600);
    expect(iso(25, units("hours since 1-1-1 0:0:0"))).toBe("0001-01-02T01:00:00");
    expect(iso(0, units("seconds since 2000-01-01T06:00:00Z"))).toBe("2000-01-01T06:00:00");
    expect(iso(0, units("minutes since 2000-01-01 06:00 +02:00"))).toBe("2000-01-01T04:00:00");
    expect(typeof parseTimeUnits("months since 2000-01-01")).toBe("string");
    expect(typeof parseTimeUnits("days since 2000-01-01", "julian")).toBe("string");
    expect(typeof parseTimeUnits("days after 2000-01-01")).toBe("string");
    expect(typeof parseTimeUnits("days since 2001-02-29")).toBe("string");
  });

  it("encodes ISO dates as coordinate values", () => {
    const e = units("days since 2019-12-01");
    expect(encodeInstant(parseIsoDate("2020-01-01", e.calendar)!.start, e)).toBe(31);
    const h = units("hours since 2020-01-01", "360_day");
    expect(encodeInstant(parseIsoDate("2020-02-30T06", h.calendar)!.start, h)).toBe(59 * 24 + 6);
  });
});

describe("ISO dates", () => {
  it("resolutions and periods", () => {
    const cal = "proleptic_gregorian";
    const m = parseIsoDate("2020-12", cal)!;
    expect(m.resolution).toBe("month");
    expect(formatInstant(periodEnd(m, cal), cal)).toBe("2021-01-01T00:00:00");
    expect(formatInstant(periodEnd(parseIsoDate("2020", cal)!, cal), cal)).toBe(
      "2021-01-01T00:00:00",
    );
    expect(formatInstant(periodEnd(parseIsoDate("2020-02-28", cal)!, cal), cal)).toBe(
      "2020-02-29T00:00:00",
    );
    expect(formatInstant(periodEnd(parseIsoDate("2020-02-28T23", cal)!, cal), cal)).toBe(
      "2020-02-29T00:00:00",
    );
    expect(parseIsoDate("2020-01-02T03:04:05.5", cal)!.resolution).toBe("millisecond");
    expect(parseIsoDate("2021-02-29", cal)).toBeUndefined();
    expect(parseIsoDate("2021-02-30", "360_day")).toBeDefined();
    expect(parseIsoDate("2020-13", cal)).toBeUndefined();
    expect(parseIsoDate("yesterday", cal)).toBeUndefined();
  });
});

describe("datetime64", () => {
  it("ns values are exact bigints", () => {
    const e = datetime64Encoding("ns")!;
    const t = parseIsoDate("2020-01-01T00:00:00.000000001", e.calendar)!.start;
    expect(encodeInstant(t, e)).toBe(1577836800000000001n);
    expect(iso(1577836800000000001n, e)).toBe("2020-01-01T00:00:00.000000001");
    expect(iso(-1n, e)).toBe("1969-12-31T23:59:59.999999999");
    expect(datetime64Encoding("D")!.ticksPerSecond).toBeUndefined();
    expect(iso(18262, datetime64Encoding("D")!)).toBe("2020-01-01T00:00:00");
    expect(datetime64Encoding("M")).toBeUndefined();
  });
});
