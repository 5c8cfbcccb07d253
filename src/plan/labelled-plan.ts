/**
 * Labelled plans: reads by name and label (`LabelledView`s, and plain lazy arrays), run in two
 * stages through ordinary {@link Plan}s on one engine:
 *
 * 1. **coordinates**: every coordinate array the reads need, once per plan however many reads use it
 *    (and, through the engine's caches when they are on, once per Context);
 * 2. **data**: the labels resolved to positions (pure), the data reads planned and run.
 *
 * Before stage 1 runs, stage 2 is an estimate: each read with its `sel` dimensions whole (an upper
 * bound of chunks and bytes). {@link LabelledPlan.resolve} runs stage 1 and makes stage 2 exact.
 * @module
 */
import { ZarrPlanError } from "../core/errors.js";
import {
  type CoordinateLabels,
  type CoordinateSource,
  type LabelledResult,
  LabelledView,
} from "../index-space/labels/labelled.js";
import type { CoordinateValues } from "../index-space/labels/search.js";
import { LazyArray } from "../index-space/lazy.js";
import { storeLocation } from "../store/location.js";
import { formatExplanation, type PlanExplanation } from "./explain.js";
import { Plan, type PlanEngine, type PlanReadOptions } from "./plan.js";
import {
  iselItemToJSON,
  type JsonOp,
  labelToJSON,
  type PlanFile,
  type PlanFileRead,
  type PlanOptions,
} from "./plan-json.js";

/** A read of a labelled plan: a labelled view, or a plain lazy array (positional). */
export type LabelledRead = LabelledView | LazyArray;

/** One stage of a labelled plan's explanation. */
export interface ExplainedStage {
  /** 1 (coordinates) or 2 (data). */
  readonly stage: 1 | 2;
  readonly title: "coordinates" | "data";
  /** True for stage 2 before the coordinates are read: an upper bound. */
  readonly estimate: boolean;
  readonly explanation: PlanExplanation;
}

/** `explain()` of a labelled plan: its two stages. */
export interface LabelledExplanation {
  readonly stages: readonly ExplainedStage[];
}

/** A stable name of a coordinate read: the array path, made unique. */
function coordinateReads(views: readonly LabelledView[]): {
  reads: Map<string, LazyArray>;
  keyOf: Map<LazyArray, string>;
} {
  const reads = new Map<string, LazyArray>();
  const keyOf = new Map<LazyArray, string>();
  const bySource = new Map<unknown, Map<string, string>>();
  for (const v of views) {
    for (const src of Object.values(v.coords)) {
      const source = src.view.source;
      const opsKey = JSON.stringify(src.view.ops ?? null, (_, x) =>
        typeof x === "bigint" ? `${x}n` : x,
      );
      // One read per coordinate array and selection, whichever view names it.
      const id = `${bySource.size}`;
      const existing = bySource.get(source);
      const perSource = existing ?? new Map<string, string>();
      if (!existing) bySource.set(source, perSource);
      let name = perSource.get(opsKey);
      if (name === undefined) {
        const base = `coord:${source.path || "/"}`;
        name = reads.has(base) ? `${base}#${id}.${perSource.size}` : base;
        perSource.set(opsKey, name);
        reads.set(name, src.view);
      }
      keyOf.set(src.view, name);
    }
  }
  return { reads, keyOf };
}

/**
 * A plan over labelled reads: two stages of {@link Plan}s on one engine (see the module). Immutable;
 * built by `labelledPlan()` (the package entry point) or `LabelledView.read()` in the hierarchy.
 */
export class LabelledPlan {
  readonly names: readonly string[];
  readonly reads: readonly LabelledRead[];
  readonly options: PlanOptions;
  readonly engine: PlanEngine;
  /** Stage 1: one read per coordinate array (name `coord:<path>`). Empty when no read uses `sel`. */
  readonly coordinates: Plan;
  /** Coordinate values by stage-1 read name, once stage 1 has run. */
  readonly values: ReadonlyMap<string, CoordinateValues> | undefined;
  readonly #keyOf: Map<LazyArray, string>;
  #data: Plan | undefined;

  /**
   * @throws ZarrPlanError `ERR_PLAN` for empty reads or values that are not labelled views or lazy arrays.
   */
  constructor(
    reads: Readonly<Record<string, LabelledRead>>,
    options: PlanOptions,
    engine: PlanEngine,
    values?: ReadonlyMap<string, CoordinateValues>,
  ) {
    const entries = Object.entries(reads);
    for (const [name, r] of entries) {
      if (!(r instanceof LabelledView || r instanceof LazyArray)) {
        throw new ZarrPlanError(
          "ERR_PLAN",
          `labelled plan read "${name}" is not a LabelledView or LazyArray`,
        );
      }
    }
    this.names = Object.freeze(entries.map((e) => e[0]));
    this.reads = Object.freeze(entries.map((e) => e[1]));
    this.options = Object.freeze({ ...options });
    this.engine = engine;
    const labelled = this.reads.filter((r): r is LabelledView => r instanceof LabelledView);
    const { reads: coordReads, keyOf } = coordinateReads(labelled);
    this.#keyOf = keyOf;
    this.coordinates = new Plan(coordReads, options, engine);
    this.values = values;
  }

  /** True once the coordinates are known: stage 2 is exact. */
  get resolved(): boolean {
    return this.values !== undefined || this.coordinates.names.length === 0;
  }

  /** Coordinate values of `view` by dimension (from stage 1). */
  private valuesOf(view: LabelledView): Record<string, CoordinateValues> {
    const out: Record<string, CoordinateValues> = {};
    for (const [dim, src] of Object.entries(view.coords) as [string, CoordinateSource][]) {
      const v = this.values?.get(this.#keyOf.get(src.view) ?? "");
      if (v) out[dim] = v;
    }
    return out;
  }

  /** The data views of stage 2 and the labels of each read (exact once {@link resolved}). */
  private stage2(): {
    plan: Plan;
    dims: (readonly (string | null)[])[];
    coords: Readonly<Record<string, CoordinateLabels>>[];
  } {
    const dims: (readonly (string | null)[])[] = [];
    const coords: Readonly<Record<string, CoordinateLabels>>[] = [];
    const views: [string, LazyArray][] = this.reads.map((r, i) => {
      const name = this.names[i]!;
      if (r instanceof LazyArray) {
        dims.push(r.dims);
        coords.push({});
        return [name, r];
      }
      if (!this.resolved) {
        const est = r.estimate();
        dims.push(est.dims);
        coords.push({});
        return [name, est];
      }
      const res = r.resolve(this.valuesOf(r));
      dims.push(res.dims);
      coords.push(res.coords);
      return [name, res.view as LazyArray];
    });
    return { plan: new Plan(views, this.options, this.engine), dims, coords };
  }

  /** Stage 2 as a {@link Plan}: exact when {@link resolved}, else the estimate. Pure. */
  get data(): Plan {
    this.#data ??= this.stage2().plan;
    return this.#data;
  }

  /** Both stages: stage 1's reads, stage 2 (marked `estimate` until the coordinates are read). No IO. */
  explain(): LabelledExplanation {
    const stages: ExplainedStage[] = [];
    if (this.coordinates.names.length > 0) {
      stages.push({
        stage: 1,
        title: "coordinates",
        estimate: false,
        explanation: this.coordinates.explain(),
      });
    }
    stages.push({
      stage: 2,
      title: "data",
      estimate: !this.resolved,
      explanation: this.data.explain(),
    });
    return { stages };
  }

  /** {@link explain} as text: a header per stage, then its table. */
  explainText(options: { maxRows?: number } = {}): string {
    const e = this.explain();
    return e.stages
      .map((s) => {
        const head =
          s.stage === 1
            ? `Stage 1: coordinates (${s.explanation.reads.length} coordinate array${s.explanation.reads.length === 1 ? "" : "s"}, read once for the whole plan)`
            : `Stage ${e.stages.length === 1 ? 1 : 2}: data${s.estimate ? " (estimate before the coordinates are read: labelled dimensions whole, an upper bound)" : ""}`;
        return `${head}\n${formatExplanation(s.explanation, options)}`;
      })
      .join("\n\n");
  }

  /**
   * The plan file: lazy reads as in `Plan.toJSON`, labelled reads as their array with `isel` / `sel`
   * ops (`labelledPlanFromJSON` reads it back).
   * @throws ZarrPlanError `ERR_PLAN_NOT_SERIALIZABLE` as `Plan.toJSON` (stores without a location,
   * selections JSON cannot express).
   */
  toJSON(): PlanFile {
    const lazyNames = this.names.filter((_, i) => this.reads[i] instanceof LazyArray);
    const lazyFile =
      lazyNames.length > 0
        ? new Plan(
            lazyNames.map((n) => [n, this.reads[this.names.indexOf(n)] as LazyArray] as const),
            this.options,
            this.engine,
          ).toJSON()
        : undefined;
    let top = lazyFile?.store;
    const reads: Record<string, PlanFileRead> = {};
    this.names.forEach((name, i) => {
      const r = this.reads[i]!;
      if (r instanceof LazyArray) {
        const f = lazyFile!.reads[name]!;
        reads[name] =
          f.store === undefined && top !== lazyFile!.store ? { ...f, store: lazyFile!.store } : f;
        return;
      }
      const where = `read "${name}" (array "${r.base.source.path}")`;
      const st = r.base.source.storage;
      const loc = st ? storeLocation(st.store) : undefined;
      if (loc === undefined) {
        throw new ZarrPlanError(
          "ERR_PLAN_NOT_SERIALIZABLE",
          `${where}: its store has no location (only FileSystemStore paths and FetchStore URLs can be saved in a plan file)`,
        );
      }
      top ??= loc;
      const ops: JsonOp[] = r.steps.map((s, k) => {
        const at = `reads.${name}.ops[${k}]`;
        if (s.kind === "isel") {
          return {
            isel: Object.fromEntries(
              Object.entries(s.selection).map(([d, v]) => [
                d,
                iselItemToJSON(v, `${at}.isel.${d}`),
              ]),
            ),
          };
        }
        return {
          sel: Object.fromEntries(
            Object.entries(s.selection).map(([d, v]) => [d, labelToJSON(v, `${at}.sel.${d}`)]),
          ),
          ...(s.options.method ? { method: s.options.method } : {}),
          ...(s.options.tolerance !== undefined ? { tolerance: s.options.tolerance } : {}),
        };
      });
      reads[name] =
        loc === top
          ? { array: r.base.source.path, ops }
          : { array: r.base.source.path, store: loc, ops };
    });
    if (top === undefined) {
      throw new ZarrPlanError("ERR_PLAN_NOT_SERIALIZABLE", "an empty plan has no store to save");
    }
    const file: { store: string; reads: Record<string, PlanFileRead>; options?: PlanOptions } = {
      store: top,
      reads,
    };
    if (Object.keys(this.options).length > 0) file.options = { ...this.options };
    return file;
  }

  /** `explainText()`. */
  toString(): string {
    return this.explainText();
  }

  /**
   * Runs stage 1 (reads the coordinate arrays) and returns the plan with their values: stage 2
   * exact. A resolved plan returns itself.
   * @throws as `Plan.read`.
   */
  async resolve(options: PlanReadOptions = {}): Promise<LabelledPlan> {
    if (this.resolved) return this;
    const out = await this.coordinates.read(options);
    const values = new Map<string, CoordinateValues>();
    for (const [name, a] of Object.entries(out)) {
      values.set(name, a.data as unknown as CoordinateValues);
    }
    const reads: Record<string, LabelledRead> = {};
    this.names.forEach((n, i) => {
      reads[n] = this.reads[i]!;
    });
    return new LabelledPlan(reads, this.options, this.engine, values);
  }

  /**
   * Reads every view: stage 1 when not yet run, then stage 2 (one `Plan`). Each result carries its
   * dimension names and coordinate labels ({@link LabelledResult}).
   * @throws LabelError (`ERR_LABEL`) for a label not found (see `resolveLabels`), before stage 2
   * reads anything; errors of `Plan.read`.
   */
  async read(options: PlanReadOptions = {}): Promise<Record<string, LabelledResult>> {
    const resolved = await this.resolve(options);
    const { plan, dims, coords } = resolved.stage2();
    const arrays = await plan.read(options);
    const out: Record<string, LabelledResult> = {};
    resolved.names.forEach((name, i) => {
      const a = arrays[name]!;
      out[name] = Object.freeze({
        data: a.data,
        shape: a.shape,
        dims: dims[i]!,
        coords: coords[i]!,
        array: a,
      });
    });
    return out;
  }
}
