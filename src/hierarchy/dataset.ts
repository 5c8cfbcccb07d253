/**
 * Datasets: a group's arrays with their dimension names and coordinates (the xarray / NetCDF
 * convention: a 1-D array whose name equals its dimension's name is that dimension's coordinate),
 * selected by name (`isel`) and label (`sel`) as {@link LabelledView}s.
 *
 * ```ts
 * const ds = await openDataset(store);
 * const europe = ds.view("geoid").sel({ lat: slice(35, 71), lon: slice(-10, 40) });
 * const { data, shape, dims, coords } = await europe.read();
 * ```
 * @module
 */
import { OptionsError } from "../core/errors.js";
import type { Context } from "../exec/context.js";
import {
  type CoordinateSource,
  type LabelledReader,
  LabelledView,
} from "../index-space/labels/labelled.js";
import {
  datetime64Encoding,
  parseTimeUnits,
  type TimeEncoding,
} from "../index-space/labels/time.js";
import { LabelledPlan } from "../plan/labelled-plan.js";
import { ZarrArray } from "./array.js";
import { openGroup, ZarrGroup } from "./group.js";
import type { OpenOptions } from "./read-metadata.js";

/**
 * The time encoding of a coordinate array: a `numpy.datetime64` array (v3 extension type or v2
 * `<M8[unit]`, units `W`/`D`/`h`/`m`/`s`/`ms`/`us`/`ns`, scale factor 1), or CF
 * `units: "<unit> since <date>"` with `calendar` attributes. `undefined` when it is not a time
 * axis (or its units / calendar are not supported).
 */
export function timeEncodingOf(array: ZarrArray): TimeEncoding | undefined {
  const dt = array.dtype as {
    readonly name: string;
    readonly unit?: string;
    readonly scaleFactor?: number;
  };
  if (dt.name === "datetime64") {
    // numpy.datetime64 coordinates: counts of the unit since 1970 (a scale factor other than 1,
    // e.g. `<M8[10s]`, is not a labelled axis here).
    return dt.unit !== undefined && (dt.scaleFactor ?? 1) === 1
      ? datetime64Encoding(dt.unit)
      : undefined;
  }
  const units = array.attributes.units;
  if (typeof units !== "string" || !/\ssince\s/i.test(units)) return undefined;
  const cal = array.attributes.calendar;
  const enc = parseTimeUnits(units, typeof cal === "string" ? cal : undefined);
  return typeof enc === "string" ? undefined : enc;
}

/** A group's arrays with dimension names and coordinates. */
export class Dataset {
  /** The group. */
  readonly group: ZarrGroup;
  /** Its arrays by name (direct members). */
  readonly arrays: ReadonlyMap<string, ZarrArray>;
  /** Coordinates by dimension name: 1-D arrays named like their dimension. */
  readonly coords: Readonly<Record<string, CoordinateSource>>;
  readonly #reader: LabelledReader;

  constructor(group: ZarrGroup, arrays: ReadonlyMap<string, ZarrArray>, context: Context) {
    this.group = group;
    this.arrays = arrays;
    const coords: Record<string, CoordinateSource> = {};
    for (const [name, a] of arrays) {
      const dims = a.dimensionNames;
      if (a.shape.length === 1 && (dims === null || dims[0] === name)) {
        const time = timeEncodingOf(a);
        coords[name] = Object.freeze({ view: a.lazy(), ...(time ? { time } : {}) });
      }
    }
    this.coords = Object.freeze(coords);
    this.#reader = async (view, options) => {
      const p = new LabelledPlan({ value: view }, {}, context);
      return (await p.read(options)).value!;
    };
    Object.freeze(this);
  }

  /** Names of the data variables (arrays that are not coordinates). */
  get dataVariables(): string[] {
    return [...this.arrays.keys()].filter((n) => !(n in this.coords));
  }

  /**
   * The whole array `name` as a labelled view (its dimension names, and the coordinates of those
   * of its dimensions that have one); `isel` / `sel` select from it, `read()` reads it with labels.
   * @throws OptionsError (`ERR_OPTIONS`) naming `name` when the group has no such array.
   */
  view(name: string): LabelledView {
    const a = this.arrays.get(name);
    if (!a) {
      throw new OptionsError("Dataset.view", [
        {
          option: "name",
          message: `the group has no array "${name}" (arrays: ${[...this.arrays.keys()].join(", ")})`,
          value: name,
        },
      ]);
    }
    const dims = a.dimensionNames ?? [];
    const coords: Record<string, CoordinateSource> = {};
    for (const d of dims) {
      if (
        d !== null &&
        this.coords[d] &&
        this.coords[d]!.view.shape[0] === a.shape[dims.indexOf(d)]
      ) {
        coords[d] = this.coords[d]!;
      }
    }
    return new LabelledView(a.lazy(), coords, [], this.#reader);
  }
}

/**
 * Opens the group at `path` of `store` (or takes an opened group) as a {@link Dataset}: its direct
 * member arrays, their dimension names (v3 `dimension_names`, v2 `_ARRAY_DIMENSIONS`) and its
 * coordinate arrays (1-D, named like their dimension; CF time `units` / `calendar` make them time
 * axes). Requests: as `openGroup` plus `members()` (none beyond the group document with
 * consolidated metadata).
 * @throws as `openGroup` and `group.members()`.
 */
export async function openDataset(
  store: unknown,
  path = "",
  options: OpenOptions = {},
): Promise<Dataset> {
  const group = store instanceof ZarrGroup ? store : await openGroup(store, path, options);
  const members = await group.members(options);
  const arrays = new Map<string, ZarrArray>();
  for (const [name, node] of members) if (node instanceof ZarrArray) arrays.set(name, node);
  return new Dataset(group, arrays, group.context);
}
