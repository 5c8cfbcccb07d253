/**
 * Calendars of CF time coordinates (CF Conventions §4.4.1 "Calendar") by plain day arithmetic:
 * day numbers relative to 1970-01-01 *in the same calendar*, and back. Pure.
 *
 * - `proleptic_gregorian` (also `standard` and `gregorian`, which equal it from 1582-10-15 on: the
 *   mixed Julian/Gregorian rules before that date are not modelled);
 * - `noleap` / `365_day`: every year has 365 days; `all_leap` / `366_day`: every year 366;
 * - `360_day`: twelve months of 30 days.
 * @module
 */

/** A calendar zarr-plan computes with (aliases normalized by {@link normalizeCalendar}). */
export type Calendar = "proleptic_gregorian" | "noleap" | "all_leap" | "360_day";

const ALIASES: Readonly<Record<string, Calendar>> = Object.freeze({
  standard: "proleptic_gregorian",
  gregorian: "proleptic_gregorian",
  proleptic_gregorian: "proleptic_gregorian",
  noleap: "noleap",
  "365_day": "noleap",
  all_leap: "all_leap",
  "366_day": "all_leap",
  "360_day": "360_day",
});

/** The calendar named `name` (CF attribute `calendar`, case-insensitive; default `standard`). */
export function normalizeCalendar(name: string | undefined): Calendar | undefined {
  return ALIASES[(name ?? "standard").toLowerCase()];
}

const CUMULATIVE = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
const CUMULATIVE_LEAP = [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335];

function isGregorianLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Days in month `m` (1-12) of year `y`. */
export function daysInMonth(y: number, m: number, cal: Calendar): number {
  if (cal === "360_day") return 30;
  const leap = cal === "all_leap" || (cal === "proleptic_gregorian" && isGregorianLeap(y));
  const cum = leap ? CUMULATIVE_LEAP : CUMULATIVE;
  return (m === 12 ? (leap ? 366 : 365) : cum[m]!) - cum[m - 1]!;
}

/** Days since 0000-03-01 of the proleptic Gregorian calendar (era arithmetic, exact for any year). */
function gregorianDays(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe;
}

const GREGORIAN_1970 = gregorianDays(1970, 1, 1);

/** Days from 1970-01-01 to `y-m-d` in `cal` (negative before). `m` 1-12, `d` 1-31. */
export function dayNumber(y: number, m: number, d: number, cal: Calendar): number {
  switch (cal) {
    case "proleptic_gregorian":
      return gregorianDays(y, m, d) - GREGORIAN_1970;
    case "noleap":
      return (y - 1970) * 365 + CUMULATIVE[m - 1]! + d - 1;
    case "all_leap":
      return (y - 1970) * 366 + CUMULATIVE_LEAP[m - 1]! + d - 1;
    case "360_day":
      return (y - 1970) * 360 + (m - 1) * 30 + d - 1;
  }
}

/** The date `days` after 1970-01-01 in `cal` (inverse of {@link dayNumber}). */
export function civilDate(
  days: number,
  cal: Calendar,
): { year: number; month: number; day: number } {
  if (cal === "proleptic_gregorian") {
    const z = days + GREGORIAN_1970;
    const era = Math.floor(z / 146097);
    const doe = z - era * 146097;
    const yoe = Math.floor(
      (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
    );
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    const mp = Math.floor((5 * doy + 2) / 153);
    const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
    const month = mp < 10 ? mp + 3 : mp - 9;
    const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    return { year, month, day };
  }
  const len = cal === "noleap" ? 365 : cal === "all_leap" ? 366 : 360;
  const year = 1970 + Math.floor(days / len);
  const doy = days - (year - 1970) * len;
  if (cal === "360_day") return { year, month: Math.floor(doy / 30) + 1, day: (doy % 30) + 1 };
  const cum = cal === "noleap" ? CUMULATIVE : CUMULATIVE_LEAP;
  let month = 12;
  while (cum[month - 1]! > doy) month--;
  return { year, month, day: doy - cum[month - 1]! + 1 };
}
