/**
 * Labelled views: a lazy array with its dimension names and coordinate arrays, selected by name
 * (`isel`) and by label (`sel`), xarray's `DataArray` model. Pure: the coordinate values a `sel`
 * needs are read by a plan's first stage (`src/plan/labelled-plan.ts`) and handed to
 * {@link LabelledView.resolve}.
 * @module
 */

import type { DataTypeName } from "../../core/dtype.js";
import { DimensionError, ZarrPlanError } from "../../core/errors.js";
import type { NDArray } from "../../core/ndarray.js";
import type { IselItem, LazyArray } from "../lazy.js";
import { resolveSlice, type Slice } from "../selection.js";
import type { ReadOptions } from "../source.js";
import {
  type Coordinate,
  type LabelSelector,
  type PositionSelector,
  resolveLabels,
  type SelOptions,
} from "./resolve.js";
import type { CoordinateValues } from "./search.js";
import { decodeValue, formatInstant, type TimeEncoding } from "./time.js";

/** A coordinate array of a labelled view: a 1-D lazy view of the array named like the dimension. */
export interface CoordinateSource {
  /** The whole 1-D coordinate array (read in a plan's first stage). */
  readonly view: LazyArray;
  /** Set for a time axis (CF `units: "<unit> since <date>"`, or `datetime64`). */
  readonly time?: TimeEncoding;
}

/** One recorded selection of a labelled view. */
export type LabelledStep =
  | { readonly kind: "isel"; readonly selection: Readonly<Record<string, IselItem>> }
  | {
      readonly kind: "sel";
      readonly selection: Readonly<Record<string, LabelSelector>>;
      readonly options: SelOptions;
    };

/** Coordinate values of a result: the selected labels (ISO strings on a time axis); a scalar when the dimension was dropped. */
export type CoordinateLabels = readonly (number | bigint | string)[] | number | bigint | string;

/** A resolved labelled view: the data view to read and the coordinate labels of its result. */
export interface ResolvedLabelled<D extends DataTypeName = DataTypeName> {
  readonly view: LazyArray<D>;
  readonly dims: readonly (string | null)[];
  readonly coords: Readonly<Record<string, CoordinateLabels>>;
}

/**
 * The result of one labelled read: the values with their labels (xarray's `DataArray` in plain
 * data). `coords` holds, for each dimension with a coordinate array, the selected coordinate
 * values (ISO 8601 strings on a time axis), a scalar for a dimension a label dropped.
 */
export interface LabelledResult<D extends DataTypeName = DataTypeName> {
  /** The values, C order. */
  readonly data: NDArray<D>["data"];
  /** Shape of `data`. */
  readonly shape: readonly number[];
  /** One name per dimension of `data` (`null`: unnamed). */
  readonly dims: readonly (string | null)[];
  /** Selected coordinate labels by dimension name. */
  readonly coords: Readonly<Record<string, CoordinateLabels>>;
  /** The values as an NDArray (the same `data`). */
  readonly array: NDArray<D>;
}

/** Reads a labelled view as a one-read labelled plan (supplied by the hierarchy: the Context). */
export type LabelledReader = (view: LabelledView, options?: ReadOptions) => Promise<LabelledResult>;

/** Current values of one coordinate while steps are applied: 1-D, or a scalar once dropped. */
type Current = { values: (number | bigint)[] } | { scalar: number | bigint };

function take(values: readonly (number | bigint)[], item: PositionSelector | IselItem): Current {
  if (typeof item === "number" || typeof item === "bigint") {
    const n = values.length;
    const i = Number(item) < 0 ? Number(item) + n : Number(item);
    return { scalar: values[i]! };
  }
  if (typeof item === "object" && item !== null && (item as Slice).kind === "slice") {
    const r = resolveSlice(item as Slice, values.length);
    const out: (number | bigint)[] = [];
    for (let k = 0; k < r.length; k++) out.push(values[r.start + k * r.step]!);
    return { values: out };
  }
  const arr = item as ArrayLike<number | bigint>;
  const out: (number | bigint)[] = [];
  for (let k = 0; k < arr.length; k++) {
    const v = Number(arr[k]);
    out.push(values[v < 0 ? v + values.length : v]!);
  }
  return { values: out };
}

/**
 * A lazy array with dimension names and coordinates (xarray's `DataArray`): {@link isel} and
 * {@link sel} record selections; nothing is read until a plan runs it (`labelledPlan`, or
 * `read()` on the hierarchy's views). Immutable.
 */
export class LabelledView<D extends DataTypeName = DataTypeName> {
  /** The whole data array (before {@link steps}). */
  readonly base: LazyArray<D>;
  /** Coordinates by dimension name (dimensions without one are positional only). */
  readonly coords: Readonly<Record<string, CoordinateSource>>;
  /** Selections in order. */
  readonly steps: readonly LabelledStep[];
  /** Runs {@link read} (a one-read labelled plan on the base's Context); absent: use `labelledPlan`. */
  readonly reader: LabelledReader | undefined;

  constructor(
    base: LazyArray<D>,
    coords: Readonly<Record<string, CoordinateSource>>,
    steps: readonly LabelledStep[] = [],
    reader?: LabelledReader,
  ) {
    this.base = base;
    this.reader = reader;
    this.coords = Object.freeze({ ...coords });
    this.steps = Object.freeze([...steps]);
    Object.freeze(this);
  }

  /** Dimension names of the base array. */
  get dims(): readonly (string | null)[] {
    return this.base.dims;
  }

  /** True when a {@link sel} step needs coordinate values before the data can be planned. */
  get needsCoordinates(): boolean {
    return this.steps.some((s) => s.kind === "sel");
  }

  /**
   * xarray `isel`: by dimension name, a slice, an integer (drops the dimension) or integer
   * positions (orthogonal); unnamed dimensions whole. Checked now against the base's names.
   * @throws DimensionError naming an unknown dimension.
   */
  isel(selection: Readonly<Record<string, IselItem>>): LabelledView<D> {
    this.checkNames(Object.keys(selection));
    return new LabelledView(
      this.base,
      this.coords,
      [...this.steps, { kind: "isel", selection: { ...selection } }],
      this.reader,
    );
  }

  /**
   * xarray `sel`: by label on each named dimension's coordinate (see `resolveLabels`): a label
   * (drops the dimension), `labelSlice(a, b)` / `slice(a, b)` (both ends included), an array of
   * labels, a partial date (`"2020-01"`: the whole month) on a time axis. `options.method`
   * `"nearest"` (with `tolerance`, in coordinate units) or `"exact"` (default). Resolved when the
   * plan's first stage has read the coordinates.
   * @throws DimensionError naming a dimension the array does not have; LabelError (`ERR_LABEL`)
   * naming a dimension without a coordinate array. Label errors proper are raised by the read.
   */
  sel(
    selection: Readonly<Record<string, LabelSelector>>,
    options: SelOptions = {},
  ): LabelledView<D> {
    this.checkNames(Object.keys(selection));
    return new LabelledView(
      this.base,
      this.coords,
      [...this.steps, { kind: "sel", selection: { ...selection }, options: { ...options } }],
      this.reader,
    );
  }

  /**
   * Reads the view with its labels: a labelled plan of one read (stage 1 the coordinates, stage 2
   * the data), `{ data, shape, dims, coords, array }`.
   * @throws ZarrPlanError `ERR_PLAN` when the view has no reader (build it with `openDataset`, or use
   * `labelledPlan({ name: view }).read()`); LabelError for labels not found; errors of `Plan.read`.
   */
  read(options?: ReadOptions): Promise<LabelledResult<D>> {
    if (!this.reader) {
      return Promise.reject(
        new ZarrPlanError(
          "ERR_PLAN",
          `labelled view of "${this.base.source.path}" has no reader: use labelledPlan({ name: view }).read()`,
        ),
      );
    }
    return this.reader(this, options) as Promise<LabelledResult<D>>;
  }

  private checkNames(names: readonly string[]): void {
    const dims = this.dims;
    for (const name of names) {
      if (!dims.includes(name)) {
        throw new DimensionError(
          `no dimension "${name}" (dimensions: ${dims.map((d) => d ?? "(unnamed)").join(", ") || "none"})`,
          { path: this.base.source.path, dimension: name, dims },
        );
      }
    }
  }

  /**
   * The data view before any label is known: the base with the `isel` steps that precede the
   * first `sel` applied. An upper bound of what {@link resolve} returns (for estimates).
   */
  estimate(): LazyArray<D> {
    let view = this.base;
    for (const s of this.steps) {
      if (s.kind === "sel") break;
      view = view.isel(s.selection);
    }
    return view;
  }

  /**
   * Applies the steps with the coordinates' values (`values[dim]`, the whole 1-D coordinate as
   * stored): labels become positions, positions select the data view and the coordinate labels.
   * @throws LabelError as `resolveLabels`; DimensionError / IndexError for positions.
   */
  resolve(values: Readonly<Record<string, CoordinateValues>>): ResolvedLabelled<D> {
    let view = this.base;
    const current: Record<string, Current> = {};
    for (const dim of Object.keys(this.coords)) {
      const v = values[dim];
      if (v) current[dim] = { values: Array.from(v as ArrayLike<number | bigint>) };
    }
    for (const step of this.steps) {
      let positions: Record<string, IselItem>;
      if (step.kind === "isel") positions = step.selection;
      else {
        positions = {};
        for (const [dim, selector] of Object.entries(step.selection)) {
          const c = this.coordinate(dim, current[dim]);
          positions[dim] = resolveLabels(c, selector, step.options) as IselItem;
        }
      }
      view = view.isel(positions);
      for (const [dim, item] of Object.entries(positions)) {
        const cur = current[dim];
        if (cur && "values" in cur) current[dim] = take(cur.values, item);
      }
    }
    const coords: Record<string, CoordinateLabels> = {};
    for (const [dim, cur] of Object.entries(current)) {
      const time = this.coords[dim]?.time;
      const label = (v: number | bigint) =>
        time ? formatInstant(decodeValue(v, time), time.calendar) : v;
      coords[dim] = "values" in cur ? Object.freeze(cur.values.map(label)) : label(cur.scalar);
    }
    return { view, dims: view.dims, coords: Object.freeze(coords) };
  }

  private coordinate(dim: string, cur: Current | undefined): Coordinate {
    const src = this.coords[dim];
    if (!src || !cur) {
      throw new DimensionError(
        `dimension "${dim}" has no coordinate array (a 1-D array named "${dim}" in the group), so it cannot be selected by label; use isel`,
        { path: this.base.source.path, dimension: dim, dims: this.dims },
      );
    }
    if (!("values" in cur)) {
      throw new DimensionError(`dimension "${dim}" was dropped by an earlier selection`, {
        path: this.base.source.path,
        dimension: dim,
        dims: this.dims,
      });
    }
    return {
      dimension: dim,
      path: src.view.source.path,
      values: cur.values as CoordinateValues,
      ...(src.time ? { time: src.time } : {}),
    };
  }
}
