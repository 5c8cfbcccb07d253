/**
 * Conversions between datetime64 counts (NumPy's `datetime64`: a signed 64-bit count of
 * `scaleFactor × unit` since 1970-01-01T00:00:00 UTC; -2^63 is NaT, "Not a Time") and JavaScript
 * `Date`s. Follows NumPy "Datetimes and Timedeltas" (years and months are calendar units; the
 * others fixed durations; no leap seconds, as NumPy and `Date`).
 * @module
 */
import { type DataType, NAT, type TimeParams, type TimeUnit } from "./dtype.js";

/** Milliseconds per unit as a fraction `[numerator, denominator]` (fixed-duration units). */
const MS_PER_UNIT: Readonly<Partial<Record<TimeUnit, readonly [bigint, bigint]>>> = {
  W: [604_800_000n, 1n],
  D: [86_400_000n, 1n],
  h: [3_600_000n, 1n],
  m: [60_000n, 1n],
  s: [1000n, 1n],
  ms: [1n, 1n],
  us: [1n, 1000n],
  μs: [1n, 1000n],
  ns: [1n, 1_000_000n],
  ps: [1n, 1_000_000_000n],
  fs: [1n, 1_000_000_000_000n],
  as: [1n, 1_000_000_000_000_000n],
};

/** Largest |milliseconds| a `Date` holds (ECMAScript: ±8.64e15, 275760 years around 1970). */
const MAX_DATE_MS = 8_640_000_000_000_000n;

/** `a / b` rounded toward negative infinity (b > 0). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

function paramsOf(t: DataType | TimeParams): { unit: TimeUnit; scale: bigint } {
  const unit = t.unit ?? "generic";
  return { unit, scale: BigInt(t.scaleFactor ?? 1) };
}

/**
 * The `Date` of one datetime64 count. Sub-millisecond units are rounded toward the past (as
 * NumPy's `astype("datetime64[ms]")`).
 * @param unit the data type (`array.dtype`) or its `{ unit, scaleFactor }`.
 * @returns `null` for NaT (-2^63); an invalid `Date` (`getTime()` is NaN) when the moment is
 *   beyond what a `Date` holds (±8.64e15 ms).
 * @throws RangeError for the `generic` unit (a count with no time scale).
 */
export function datetimeToDate(value: bigint, unit: DataType | TimeParams): Date | null {
  if (value === NAT) return null;
  const p = paramsOf(unit);
  const count = value * p.scale;
  if (p.unit === "Y" || p.unit === "M") {
    const months = p.unit === "Y" ? count * 12n : count;
    // Years beyond ±300000 are past any Date; checking first keeps Number() exact.
    if (months > 3_600_000n || months < -3_600_000n) return new Date(Number.NaN);
    const year = 1970n + floorDiv(months, 12n);
    const month = months - floorDiv(months, 12n) * 12n;
    const d = new Date(0);
    d.setUTCFullYear(Number(year), Number(month), 1);
    return d;
  }
  const f = MS_PER_UNIT[p.unit];
  if (f === undefined) {
    throw new RangeError(`datetime64 with the generic unit has no time scale; cannot make a Date`);
  }
  const ms = floorDiv(count * f[0], f[1]);
  if (ms > MAX_DATE_MS || ms < -MAX_DATE_MS) return new Date(Number.NaN);
  return new Date(Number(ms));
}

/**
 * The `Date`s of datetime64 data (`BigInt64Array`, as a `datetime64` array's reads return it):
 * `null` for NaT; see {@link datetimeToDate}.
 * @param unit the array's data type (`array.dtype`) or its `{ unit, scaleFactor }`.
 */
export function datetimesToDates(
  data: ArrayLike<bigint>,
  unit: DataType | TimeParams,
): (Date | null)[] {
  const out: (Date | null)[] = new Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = datetimeToDate(data[i]!, unit);
  return out;
}

/**
 * The datetime64 count of a `Date` in `unit` (rounded toward the past when the unit is coarser
 * than the date's precision); `null` or an invalid `Date` gives NaT (-2^63).
 * @throws RangeError for the `generic` unit, or when the count does not fit in int64.
 */
export function dateToDatetime(date: Date | null, unit: DataType | TimeParams): bigint {
  if (date === null || Number.isNaN(date.getTime())) return NAT;
  const p = paramsOf(unit);
  let count: bigint;
  if (p.unit === "Y" || p.unit === "M") {
    const months = BigInt(date.getUTCFullYear() - 1970) * 12n + BigInt(date.getUTCMonth());
    count = p.unit === "Y" ? floorDiv(months, 12n) : months;
  } else {
    const f = MS_PER_UNIT[p.unit];
    if (f === undefined) {
      throw new RangeError(`datetime64 with the generic unit has no time scale`);
    }
    count = floorDiv(BigInt(date.getTime()) * f[1], f[0]);
  }
  const scaled = floorDiv(count, p.scale);
  if (scaled <= NAT || scaled > 2n ** 63n - 1n) {
    throw new RangeError(`${date.toISOString()} does not fit a datetime64 count of ${p.unit}`);
  }
  return scaled;
}
