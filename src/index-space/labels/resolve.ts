/**
 * Label selections resolved against coordinates: xarray's `sel` for one dimension, turned into a
 * positional selection item (`isel`). Pure.
 *
 * | selector | xarray | result |
 * |---|---|---|
 * | a label (number, bigint, ISO date) | `sel(x=v)` | an integer position: the dimension is dropped |
 * | a partial date coarser than the coordinate (`"2020-01"` on daily data) | pandas partial string indexing | a slice: the whole period, dimension kept |
 * | `labelSlice(a, b)` / `slice(a, b)` | `sel(x=slice(a, b))` | a slice including both ends (`a`, `b` in the coordinate's order) |
 * | an array of labels | `sel(x=[…])` | integer positions, dimension kept |
 * @module
 */
import { LabelError } from "../../core/errors.js";
import type { Slice } from "../selection.js";
import { slice } from "../selection.js";
import {
  type CoordinateValues,
  type Direction,
  direction,
  exactPosition,
  type LabelValue,
  labelRange,
  nearestPosition,
  searchSorted,
} from "./search.js";
import {
  coarser,
  decodeValue,
  encodeInstant,
  instantResolution,
  parseIsoDate,
  periodEnd,
  type Resolution,
  type TimeEncoding,
} from "./time.js";

/** One label: a number, a `bigint` (int64 / datetime64 coordinates) or a date string. */
export type Label = number | bigint | string;

/** A label range including both ends (xarray `sel(x=slice(start, stop))`); `null` is open. */
export interface LabelSlice {
  readonly kind: "labelSlice";
  readonly start: Label | null;
  readonly stop: Label | null;
}

/** `labelSlice("2020-01", "2020-03")`: labels from `start` to `stop`, both included. */
export function labelSlice(start?: Label | null, stop?: Label | null): LabelSlice {
  return Object.freeze({ kind: "labelSlice" as const, start: start ?? null, stop: stop ?? null });
}

/** What `sel` accepts for one dimension. A numeric {@link Slice} (step 1 or none) is a label slice. */
export type LabelSelector = Label | LabelSlice | Slice | readonly Label[];

/** Options of `sel` (xarray's `method` and `tolerance`). */
export interface SelOptions {
  /** `"exact"` (default): labels must be in the coordinate; `"nearest"`: the closest value. Slices ignore it. */
  readonly method?: "exact" | "nearest";
  /** With `"nearest"`: the largest distance accepted, in coordinate units (days for a `days since` axis). */
  readonly tolerance?: number;
}

/** A coordinate: the values of a 1-D array named like its dimension, monotonic. */
export interface Coordinate {
  /** The dimension it labels. */
  readonly dimension: string;
  /** Node path of the coordinate array (for messages). */
  readonly path: string;
  /** The values as stored (CF-encoded numbers for a time axis). */
  readonly values: CoordinateValues;
  /** Set for a time axis: how values encode instants. */
  readonly time?: TimeEncoding;
}

/** A positional selection of one dimension: an integer, a step-1 slice, or integer positions. */
export type PositionSelector = number | Slice | readonly number[];

interface Prepared {
  readonly coord: Coordinate;
  readonly dir: Direction;
  /** A time axis' resolution (pandas `DatetimeIndex.resolution`), computed when first needed. */
  resolution?: Resolution;
}

function fail(c: Coordinate, message: string, label?: unknown): never {
  throw new LabelError(message, { path: c.path, dimension: c.dimension, label });
}

function prepare(coord: Coordinate): Prepared {
  const dir = direction(coord.values);
  if (dir === undefined) {
    fail(coord, "the coordinate is not monotonic (or holds NaN), so labels cannot be searched");
  }
  return { coord, dir };
}

function timeResolution(p: Prepared, enc: TimeEncoding): Resolution {
  if (p.resolution) return p.resolution;
  let res: Resolution = "day";
  const v = p.coord.values;
  for (let i = 0; i < v.length; i++) {
    const r = instantResolution(decodeValue(v[i]!, enc));
    if (coarser(res, r)) res = r;
    if (res === "nanosecond") break;
  }
  p.resolution = res;
  return res;
}

/** A label as a coordinate value; a date on a time axis becomes its period `[start, end)`. */
function labelValue(
  p: Prepared,
  label: Label,
): { value: LabelValue; end?: LabelValue; partial: boolean } {
  const c = p.coord;
  const enc = c.time;
  if (typeof label === "string") {
    if (!enc) {
      fail(
        c,
        `label "${label}" is a string, but the coordinate is not a time axis (no CF units)`,
        label,
      );
    }
    const date = parseIsoDate(label, enc.calendar);
    if (!date)
      fail(c, `label "${label}" is not an ISO 8601 date of the ${enc.calendar} calendar`, label);
    const partial = coarser(date.resolution, timeResolution(p, enc));
    return {
      value: encodeInstant(date.start, enc),
      end: encodeInstant(periodEnd(date, enc.calendar), enc),
      partial,
    };
  }
  if (typeof label === "number" && Number.isNaN(label))
    fail(c, "label NaN cannot be searched", label);
  const sample = c.values.length > 0 ? c.values[0] : undefined;
  if (typeof sample === "bigint" && typeof label === "number") {
    if (!Number.isInteger(label))
      fail(c, `label ${label} is not an integer of an int64 coordinate`, label);
    return { value: BigInt(label), partial: false };
  }
  if (typeof sample === "number" && typeof label === "bigint") {
    return { value: Number(label), partial: false };
  }
  if (typeof label !== "number" && typeof label !== "bigint") {
    fail(c, `label ${String(label)} is not a number, bigint or ISO date`, label);
  }
  return { value: label, partial: false };
}

function describe(label: Label): string {
  return typeof label === "string" ? `"${label}"` : String(label);
}

/** Positions `[start, stop)` of a period `[value, end)` (end exclusive). */
function periodRange(p: Prepared, value: LabelValue, end: LabelValue): Slice {
  const v = p.coord.values;
  if (p.dir === 1) {
    const i0 = searchSorted(v, value, "left", 1);
    const i1 = searchSorted(v, end, "left", 1);
    return slice(i0, Math.max(i0, i1));
  }
  // Descending: values < end first, then values >= value.
  const i0 = searchSorted(v, end, "right", -1);
  const i1 = searchSorted(v, value, "right", -1);
  return slice(i0, Math.max(i0, i1));
}

function point(p: Prepared, label: Label, options: SelOptions): number {
  const c = p.coord;
  const { value } = labelValue(p, label);
  if (options.method === "nearest") {
    const i = nearestPosition(
      c.values,
      value,
      p.dir,
      options.tolerance ?? Number.POSITIVE_INFINITY,
    );
    if (i < 0) {
      fail(
        c,
        c.values.length === 0
          ? `label ${describe(label)}: the coordinate is empty`
          : `no value within tolerance ${options.tolerance} of label ${describe(label)}`,
        label,
      );
    }
    return i;
  }
  const i = exactPosition(c.values, value, p.dir);
  if (i < 0) {
    fail(
      c,
      `label ${describe(label)} is not in the coordinate (use method "nearest" for the closest value)`,
      label,
    );
  }
  return i;
}

function sliceBound(p: Prepared, label: Label | number | bigint | null, which: "start" | "stop") {
  if (label === null) return null;
  const lv = labelValue(p, label);
  // A date names a period: a slice starts at its start and ends at its end (pandas).
  return which === "stop" && lv.end !== undefined
    ? { value: lv.end, exclusive: true }
    : { value: lv.value, exclusive: false };
}

function resolveSlice(p: Prepared, start: Label | null, stop: Label | null): Slice {
  const s = sliceBound(p, start, "start");
  const e = sliceBound(p, stop, "stop");
  const v = p.coord.values;
  if (e?.exclusive) {
    const i0 = s === null ? 0 : searchSorted(v, s.value, "left", p.dir);
    const i1 = searchSorted(v, e.value, p.dir === 1 ? "left" : "right", p.dir);
    return slice(i0, Math.max(i0, i1));
  }
  const r = labelRange(v, s?.value ?? null, e?.value ?? null, p.dir);
  return slice(r.start, r.stop);
}

/**
 * Resolves `selector` against `coord` (xarray `sel` on one dimension) to a positional selector:
 * an integer, a step-1 slice or integer positions. Binary search: O(k log n) for k labels, plus one
 * O(n) pass to check the coordinate is monotonic (and, for a date label on a time axis, one to
 * find its resolution).
 * @throws LabelError (`ERR_LABEL`) naming the coordinate, dimension and label: a label not in the
 * coordinate (`method: "exact"`), none within `tolerance` (`"nearest"`), a coordinate that is not
 * monotonic, a string label on a coordinate that is not a time axis or not an ISO date, a slice
 * with a step.
 */
export function resolveLabels(
  coord: Coordinate,
  selector: LabelSelector,
  options: SelOptions = {},
): PositionSelector {
  const p = prepare(coord);
  if (Array.isArray(selector)) {
    return (selector as readonly Label[]).map((l) => point(p, l, options));
  }
  if (typeof selector === "object" && selector !== null && "kind" in selector) {
    const s = selector as LabelSlice | Slice;
    if (s.kind === "slice") {
      const step = (s as Slice).step;
      if (step !== null && Number(step) !== 1) {
        fail(
          coord,
          `a label slice has no step (got ${String(step)}); select positions with isel`,
          s,
        );
      }
    } else if (s.kind !== "labelSlice") {
      fail(
        coord,
        `selector of kind "${String((s as { kind: unknown }).kind)}" is not a label selector`,
        s,
      );
    }
    return resolveSlice(p, s.start, s.stop);
  }
  const label = selector as Label;
  const lv = labelValue(p, label);
  if (lv.partial && lv.end !== undefined) return periodRange(p, lv.value, lv.end);
  return point(p, label, options);
}

/** The coordinate values at `positions` (time axes decoded later by the caller). */
export function takeValues(
  values: CoordinateValues,
  positions: Iterable<number>,
): (number | bigint)[] {
  const out: (number | bigint)[] = [];
  for (const i of positions) out.push(values[i]!);
  return out;
}
