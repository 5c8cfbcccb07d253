/**
 * Time labels: ISO 8601 dates (full or partial, `"2020"`, `"2020-01"`, `"2020-01-15T06:30"`), CF
 * time encodings (`units: "days since 2000-01-01"` with a `calendar`, CF Conventions §4.4) and
 * `numpy.datetime64` units, so a date can be compared with a coordinate's stored numbers. Pure.
 *
 * An instant is a day number in a calendar (days after 1970-01-01) and the nanoseconds into that day.
 * @module
 */
import { type Calendar, civilDate, dayNumber, daysInMonth, normalizeCalendar } from "./calendar.js";

/** A point in time: whole days after 1970-01-01 in a calendar and nanoseconds into the day. */
export interface Instant {
  readonly days: number;
  /** Nanoseconds since midnight, an integer in `[0, 86_400e9)`. */
  readonly nanos: number;
}

/** How precisely a date is written, coarse to fine (pandas' resolutions). */
export const RESOLUTIONS = Object.freeze([
  "year",
  "month",
  "day",
  "hour",
  "minute",
  "second",
  "millisecond",
  "microsecond",
  "nanosecond",
] as const);

/** One of {@link RESOLUTIONS}. */
export type Resolution = (typeof RESOLUTIONS)[number];

/** A parsed ISO date: the instant it starts at and its resolution. */
export interface ParsedDate {
  readonly start: Instant;
  readonly resolution: Resolution;
  /** The fields as written (month and day default to 1). */
  readonly fields: { year: number; month: number; day: number };
}

const DAY_NANOS = 86_400e9;
const NANOS: Readonly<Record<Resolution, number>> = Object.freeze({
  year: Number.NaN,
  month: Number.NaN,
  day: DAY_NANOS,
  hour: 3600e9,
  minute: 60e9,
  second: 1e9,
  millisecond: 1e6,
  microsecond: 1e3,
  nanosecond: 1,
});

const ISO =
  /^([+-]?\d{4,6})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?)?)?)?Z?$/;

/** A normalized instant (`nanos` carried into `days`). */
export function instant(days: number, nanos: number): Instant {
  const carry = Math.floor(nanos / DAY_NANOS);
  return { days: days + carry, nanos: nanos - carry * DAY_NANOS };
}

/**
 * Parses an ISO 8601 date of any resolution from year to nanosecond (`YYYY`, `YYYY-MM`,
 * `YYYY-MM-DD`, then `T` or a space and `HH`, `HH:MM`, `HH:MM:SS`, `HH:MM:SS.f…`; a trailing `Z` is
 * allowed), checking the fields against `calendar` (`2021-02-29` is invalid in the Gregorian
 * calendar, `2021-02-30` valid in `360_day`). `undefined` when it is not such a date.
 */
export function parseIsoDate(text: string, calendar: Calendar): ParsedDate | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = m[2] === undefined ? 1 : Number(m[2]);
  const day = m[3] === undefined ? 1 : Number(m[3]);
  const hour = Number(m[4] ?? 0);
  const minute = Number(m[5] ?? 0);
  const second = Number(m[6] ?? 0);
  const frac = m[7] ?? "";
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month, calendar)) {
    return undefined;
  }
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const resolution: Resolution =
    m[7] !== undefined
      ? frac.length <= 3
        ? "millisecond"
        : frac.length <= 6
          ? "microsecond"
          : "nanosecond"
      : m[6] !== undefined
        ? "second"
        : m[5] !== undefined
          ? "minute"
          : m[4] !== undefined
            ? "hour"
            : m[3] !== undefined
              ? "day"
              : m[2] !== undefined
                ? "month"
                : "year";
  const nanos =
    ((hour * 60 + minute) * 60 + second) * 1e9 + (frac === "" ? 0 : Number(frac.padEnd(9, "0")));
  return {
    start: { days: dayNumber(year, month, day, calendar), nanos },
    resolution,
    fields: { year, month, day },
  };
}

/**
 * The end of the period a parsed date names (exclusive): `"2020-01"` → 2020-02-01T00:00,
 * `"2020"` → 2021-01-01, `"2020-01-15T06"` → 07:00 that day.
 */
export function periodEnd(date: ParsedDate, calendar: Calendar): Instant {
  const { year, month } = date.fields;
  if (date.resolution === "year") return { days: dayNumber(year + 1, 1, 1, calendar), nanos: 0 };
  if (date.resolution === "month") {
    const next = month === 12 ? [year + 1, 1] : [year, month + 1];
    return { days: dayNumber(next[0]!, next[1]!, 1, calendar), nanos: 0 };
  }
  return instant(date.start.days, date.start.nanos + NANOS[date.resolution]);
}

/**
 * How a coordinate's numbers encode time: `value = (instant - reference) / unit`. From CF
 * `units`/`calendar` ({@link parseTimeUnits}) or a `datetime64` unit ({@link datetime64Encoding}).
 */
export interface TimeEncoding {
  readonly calendar: Calendar;
  /** Seconds per unit of the stored numbers (86400 for days). */
  readonly unitSeconds: number;
  /** The reference instant (`since …`). */
  readonly reference: Instant;
  /**
   * For coordinates of `bigint` values (int64, datetime64 in s, ms, us or ns): ticks per second,
   * with the reference at 1970-01-01 (values are exact integers, compared as `bigint`).
   */
  readonly ticksPerSecond?: bigint;
}

const UNIT_SECONDS: Readonly<Record<string, number>> = Object.freeze({
  days: 86400,
  day: 86400,
  d: 86400,
  hours: 3600,
  hour: 3600,
  hrs: 3600,
  hr: 3600,
  h: 3600,
  minutes: 60,
  minute: 60,
  mins: 60,
  min: 60,
  seconds: 1,
  second: 1,
  secs: 1,
  sec: 1,
  s: 1,
  milliseconds: 1e-3,
  millisecond: 1e-3,
  msecs: 1e-3,
  msec: 1e-3,
  ms: 1e-3,
  microseconds: 1e-6,
  microsecond: 1e-6,
  us: 1e-6,
  nanoseconds: 1e-9,
  nanosecond: 1e-9,
  ns: 1e-9,
});

const REFERENCE =
  /^([+-]?\d{1,6})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d+))?)?)?\s*(Z|UTC|[+-]\d{1,2}(?::?\d{2})?)?$/i;

/**
 * Parses CF time `units` (`"<unit> since <date>"`: days, hours, minutes, seconds, milliseconds,
 * microseconds, nanoseconds and their UDUNITS abbreviations; the reference date with or without a
 * time and a UTC offset, fields not zero-padded allowed as in `"1-1-1 0:0:0"`) with a CF `calendar`.
 * Months and years are refused (CF §4.4 advises against them: their length varies).
 * @returns the encoding, or a message saying what is not supported.
 */
export function parseTimeUnits(units: string, calendarName?: string): TimeEncoding | string {
  const calendar = normalizeCalendar(calendarName);
  if (calendar === undefined) {
    return `calendar "${calendarName}" is not supported (standard, gregorian, proleptic_gregorian, noleap, 365_day, all_leap, 366_day, 360_day are)`;
  }
  const m = /^\s*([A-Za-z]+)\s+since\s+(.+?)\s*$/.exec(units);
  if (!m) return `units "${units}" are not "<unit> since <date>"`;
  const unitSeconds = UNIT_SECONDS[m[1]!.toLowerCase()];
  if (unitSeconds === undefined) return `time unit "${m[1]}" is not supported in units "${units}"`;
  const r = REFERENCE.exec(m[2]!);
  if (!r) return `reference date "${m[2]}" of units "${units}" is not a date`;
  const [y, mo, d] = [Number(r[1]), Number(r[2]), Number(r[3])];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo, calendar)) {
    return `reference date "${m[2]}" of units "${units}" is not a date of the ${calendar} calendar`;
  }
  let nanos =
    ((Number(r[4] ?? 0) * 60 + Number(r[5] ?? 0)) * 60 + Number(r[6] ?? 0)) * 1e9 +
    (r[7] ? Number(r[7].slice(0, 9).padEnd(9, "0")) : 0);
  const tz = r[8];
  if (tz && !/^(z|utc)$/i.test(tz)) {
    const t = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(tz)!;
    const offset = (Number(t[2]) * 60 + Number(t[3] ?? 0)) * 60e9;
    nanos -= t[1] === "+" ? offset : -offset;
  }
  return { calendar, unitSeconds, reference: instant(dayNumber(y, mo, d, calendar), nanos) };
}

const DATETIME64_UNITS: Readonly<Record<string, number>> = Object.freeze({
  W: 7 * 86400,
  D: 86400,
  h: 3600,
  m: 60,
  s: 1,
  ms: 1e-3,
  us: 1e-6,
  ns: 1e-9,
});

/**
 * The encoding of `numpy.datetime64[unit]` values (int64 counts of `unit` since 1970-01-01, proleptic
 * Gregorian): `W`, `D`, `h`, `m` as numbers; `s`, `ms`, `us`, `ns` as exact `bigint` ticks.
 * `undefined` for other units (`Y`, `M`: months vary in length; `ps`…: not needed).
 */
export function datetime64Encoding(unit: string): TimeEncoding | undefined {
  const unitSeconds = DATETIME64_UNITS[unit];
  if (unitSeconds === undefined) return undefined;
  const base = {
    calendar: "proleptic_gregorian" as const,
    unitSeconds,
    reference: { days: 0, nanos: 0 },
  };
  if (unitSeconds > 1) return base;
  return { ...base, ticksPerSecond: BigInt(Math.round(1 / unitSeconds)) };
}

/** `t` as a coordinate value of `enc` (a `bigint` when `enc.ticksPerSecond` is set). */
export function encodeInstant(t: Instant, enc: TimeEncoding): number | bigint {
  if (enc.ticksPerSecond !== undefined) {
    const tps = enc.ticksPerSecond;
    return BigInt(t.days) * 86400n * tps + (BigInt(t.nanos) * tps) / 1_000_000_000n;
  }
  const seconds = (t.days - enc.reference.days) * 86400 + (t.nanos - enc.reference.nanos) / 1e9;
  return seconds / enc.unitSeconds;
}

/** A coordinate value of `enc` as an instant (rounded to the nanosecond). */
export function decodeValue(v: number | bigint, enc: TimeEncoding): Instant {
  if (typeof v === "bigint") {
    const tps = enc.ticksPerSecond ?? 1n;
    const perDay = 86400n * tps;
    let days = v / perDay;
    let rem = v - days * perDay;
    if (rem < 0n) {
      rem += perDay;
      days -= 1n;
    }
    return { days: Number(days), nanos: Number((rem * 1_000_000_000n) / tps) };
  }
  const whole = Math.floor(v);
  // Whole units and the fraction apart, so day-sized units stay exact.
  const unitNanos = enc.unitSeconds * 1e9;
  const wholeDays = Math.floor((whole * enc.unitSeconds) / 86400);
  const restNanos = Math.round(
    (whole * enc.unitSeconds - wholeDays * 86400) * 1e9 + (v - whole) * unitNanos,
  );
  return instant(enc.reference.days + wholeDays, enc.reference.nanos + restNanos);
}

/** The finest resolution `t` needs, at least `"day"` (pandas' `resolution` of a timestamp). */
export function instantResolution(t: Instant): Resolution {
  const n = t.nanos;
  if (n === 0) return "day";
  if (n % 3600e9 === 0) return "hour";
  if (n % 60e9 === 0) return "minute";
  if (n % 1e9 === 0) return "second";
  if (n % 1e6 === 0) return "millisecond";
  if (n % 1e3 === 0) return "microsecond";
  return "nanosecond";
}

/** `a` is coarser than `b` (`"month"` is coarser than `"day"`). */
export function coarser(a: Resolution, b: Resolution): boolean {
  return RESOLUTIONS.indexOf(a) < RESOLUTIONS.indexOf(b);
}

function pad(n: number, w: number): string {
  const s = String(Math.abs(n)).padStart(w, "0");
  return n < 0 ? `-${s}` : s;
}

/**
 * `t` as ISO 8601 in `calendar`: `YYYY-MM-DDTHH:MM:SS`, with a fraction only when there is one
 * (as pandas' `Timestamp.isoformat()`).
 */
export function formatInstant(t: Instant, calendar: Calendar): string {
  const { year, month, day } = civilDate(t.days, calendar);
  const secs = Math.floor(t.nanos / 1e9);
  const frac = t.nanos - secs * 1e9;
  const hms = `${pad(Math.floor(secs / 3600), 2)}:${pad(Math.floor(secs / 60) % 60, 2)}:${pad(secs % 60, 2)}`;
  let f = "";
  if (frac !== 0) {
    const s = pad(frac, 9);
    f = `.${frac % 1000 !== 0 ? s : frac % 1e6 !== 0 ? s.slice(0, 6) : s.slice(0, 3)}`;
  }
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${hms}${f}`;
}
