/**
 * Plans from plan files: validates the JSON (`src/plan/plan-json.ts`), opens each store once and
 * each array once (concurrently), replays the recorded selections, and builds the plan in a Context.
 * @module
 */
import { ZarrPlanError } from "../core/errors.js";
import type { NDArray } from "../core/ndarray.js";
import { type Context, defaultContext } from "../exec/context.js";
import type { LabelledView } from "../index-space/labels/labelled.js";
import type { LabelSelector } from "../index-space/labels/resolve.js";
import { labelSlice } from "../index-space/labels/resolve.js";
import type { IselItem, LazyArray } from "../index-space/lazy.js";
import { LabelledPlan, type LabelledRead } from "../plan/labelled-plan.js";
import { Plan } from "../plan/plan.js";
import {
  iselItemFromJSON,
  type JsonLabel,
  type JsonOp,
  type LazyOp,
  opFromJSON,
  PlanFileError,
  parsePlanFile,
} from "../plan/plan-json.js";
import { WritePlan } from "../plan/write-plan.js";
import { openStoreAt } from "../store/location.js";
import type { AnyStore } from "../store/types.js";
import type { ZarrArray } from "./array.js";
import { openDataset } from "./dataset.js";
import { openArray } from "./group.js";

/** Options of {@link planFromJSON}. */
export interface FromJSONOptions {
  /**
   * Loads the `.npy` file a write's `{"npy": PATH}` value names (the CLI reads it relative to the
   * plan file). Needed only by {@link writePlanFromJSON} for such values.
   */
  loadNpy?: (path: string) => Promise<NDArray>;
  /** Opens a store named in the file (default: http(s) URL → `FetchStore`, else `FileSystemStore`). */
  openStore?: (location: string) => AnyStore | Promise<AnyStore>;
  /** Aborts opening. */
  signal?: AbortSignal;
  /** Opens the arrays and runs the plan (default: the default Context). */
  context?: Context;
}

function applyOp(view: LazyArray, op: LazyOp): LazyArray {
  const items = op.selection as Parameters<LazyArray["get"]>;
  switch (op.kind) {
    case "get":
      return view.get(...items);
    case "oindex":
      return view.oindex(...items);
    case "vindex":
      return view.vindex(...items);
    case "mask":
      return view.mask(items[0] as Parameters<LazyArray["mask"]>[0]);
    case "ndsel":
      return view.ndsel({ kind: "transform", ...op.ndsel });
  }
}

function iselOf(op: {
  readonly isel: Readonly<Record<string, unknown>>;
}): Record<string, IselItem> {
  const out: Record<string, IselItem> = {};
  for (const [k, v] of Object.entries(op.isel)) out[k] = iselItemFromJSON(v as never) as IselItem;
  return out;
}

function labelOf(v: JsonLabel): LabelSelector {
  if (typeof v === "object" && v !== null && !Array.isArray(v)) {
    const s = (v as { slice: readonly [number | string | null, number | string | null] }).slice;
    return labelSlice(s[0], s[1]);
  }
  return v as LabelSelector;
}

/** Applies `isel` / positional ops to a lazy array. */
function applyJsonOp(view: LazyArray, op: JsonOp, where: string): LazyArray {
  if ("isel" in op) return view.isel(iselOf(op));
  if ("sel" in op) {
    throw new PlanFileError([
      {
        path: where,
        message: "a sel op needs coordinates: open the file with labelledPlanFromJSON",
      },
    ]);
  }
  return applyOp(view, opFromJSON(op));
}

/** Applies `isel` / `sel` ops to a labelled view. */
function applyLabelledOp(view: LabelledView, op: JsonOp, where: string): LabelledView {
  if ("isel" in op) return view.isel(iselOf(op));
  if ("sel" in op) {
    const sel: Record<string, LabelSelector> = {};
    for (const [k, v] of Object.entries(op.sel)) sel[k] = labelOf(v);
    return view.sel(sel, {
      ...(op.method ? { method: op.method } : {}),
      ...(op.tolerance !== undefined ? { tolerance: op.tolerance } : {}),
    });
  }
  throw new PlanFileError([
    {
      path: where,
      message:
        "a read with a sel op takes isel and sel ops only (positional ops have no coordinates)",
    },
  ]);
}

function storeOpener(options: FromJSONOptions): (loc: string) => Promise<AnyStore> {
  const openStore = options.openStore ?? openStoreAt;
  const stores = new Map<string, Promise<AnyStore>>();
  return (loc: string) => {
    let s = stores.get(loc);
    if (!s) {
      s = Promise.resolve().then(() => openStore(loc));
      stores.set(loc, s);
    }
    return s;
  };
}

/**
 * Opens arrays of a plan file: each store once, and one open per (store, array) however many
 * reads or writes name it. The key is JSON of the pair, so no store location or array path can be
 * mistaken for another.
 */
function arrayOpener(
  options: FromJSONOptions,
  context: Context,
): (location: string, path: string) => Promise<ZarrArray> {
  const storeOf = storeOpener(options);
  const opened = new Map<string, Promise<ZarrArray>>();
  return (loc, path) => {
    const id = JSON.stringify([loc, path]);
    let a = opened.get(id);
    if (!a) {
      a = storeOf(loc).then((store) =>
        openArray(store, path, {
          context,
          ...(options.signal ? { signal: options.signal } : {}),
        }),
      );
      opened.set(id, a);
    }
    return a;
  };
}

/**
 * Rebuilds a labelled plan from a plan file whose reads may use `sel` and `isel` ops (see
 * `plan-json.ts`): a read with a `sel` op becomes a labelled view of its array in its parent group
 * (opened as a dataset: coordinates are the group's 1-D arrays named like dimensions), the others
 * lazy arrays as in {@link planFromJSON}.
 * @throws PlanFileError for invalid members or positional ops mixed with `sel`; errors of opening.
 */
export async function labelledPlanFromJSON(
  json: unknown,
  options: FromJSONOptions = {},
): Promise<LabelledPlan> {
  const file = parsePlanFile(json);
  const context = options.context ?? defaultContext();
  const storeOf = storeOpener(options);
  const open = { context, ...(options.signal ? { signal: options.signal } : {}) };
  const names = Object.keys(file.reads);
  const reads = await Promise.all(
    names.map(async (name): Promise<LabelledRead> => {
      const r = file.reads[name]!;
      const store = await storeOf(r.store ?? file.store);
      const where = `reads.${name}.ops`;
      if (!r.ops.some((op) => "sel" in op)) {
        let view = (await openArray(store, r.array, open)).lazy();
        r.ops.forEach((op, k) => {
          view = applyJsonOp(view, op, `${where}[${k}]`);
        });
        return view;
      }
      const at = r.array.lastIndexOf("/");
      const [group, leaf] = at < 0 ? ["", r.array] : [r.array.slice(0, at), r.array.slice(at + 1)];
      const ds = await openDataset(store, group, open);
      let view = ds.view(leaf);
      r.ops.forEach((op, k) => {
        view = applyLabelledOp(view, op, `${where}[${k}]`);
      });
      return view;
    }),
  );
  return new LabelledPlan(
    Object.fromEntries(names.map((n, i) => [n, reads[i]!])),
    file.options ?? {},
    context,
  );
}

/**
 * Rebuilds a plan from its JSON form (object or text; see `Plan.toJSON`): validates it, opens
 * each store once (`options.openStore`, default http(s) URL → `FetchStore`, otherwise
 * `FileSystemStore`) and every array concurrently through the Context (one metadata round trip),
 * then replays the selections.
 * `isel` ops apply by dimension name; a `sel` op needs {@link labelledPlanFromJSON}.
 * @throws PlanFileError listing every invalid member (and naming a `sel` op); NodeNotFoundError / MetadataError /
 * StoreError from opening; IndexError when a selection does not fit its array.
 */
export async function planFromJSON(json: unknown, options: FromJSONOptions = {}): Promise<Plan> {
  const file = parsePlanFile(json);
  const context = options.context ?? defaultContext();
  const arrayOf = arrayOpener(options, context);
  const names = Object.keys(file.reads);
  const arrays = await Promise.all(
    names.map((name) => {
      const r = file.reads[name]!;
      return arrayOf(r.store ?? file.store, r.array);
    }),
  );
  const reads: [string, LazyArray][] = names.map((name, i) => {
    let view = arrays[i]!.lazy();
    file.reads[name]!.ops.forEach((op, k) => {
      view = applyJsonOp(view, op, `reads.${name}.ops[${k}]`);
    });
    return [name, view];
  });
  return new Plan(reads, file.options ?? {}, context);
}

/**
 * The write plan of a plan file's `writes` (see `plan-json.ts`): opens each store once and each
 * array once, replays each write's selections and loads its value (`{"npy": PATH}` through
 * `options.loadNpy`, `{"scalar": x}` as is; `"NaN"`, `"Infinity"`, `"-Infinity"` as numbers), then
 * builds one `WritePlan` in the Context (writes in file order: the last wins where they overlap).
 * `undefined` when the file has no writes.
 * @throws PlanFileError for invalid members, a `sel` op in a write, or an `npy` value without
 *   `loadNpy`; errors of opening and of `WritePlan` (value type and shape, read-only store).
 */
export async function writePlanFromJSON(
  json: unknown,
  options: FromJSONOptions = {},
): Promise<WritePlan | undefined> {
  const file = parsePlanFile(json);
  const writes = file.writes;
  if (!writes || writes.length === 0) return undefined;
  const context = options.context ?? defaultContext();
  const arrayOf = arrayOpener(options, context);
  const entries = await Promise.all(
    writes.map(async (w, i) => {
      const where = `writes[${i}]`;
      const array = await arrayOf(w.store ?? file.store, w.array);
      let view = array.lazy();
      w.ops.forEach((op, k) => {
        view = applyJsonOp(view, op, `${where}.ops[${k}]`);
      });
      const v = w.value;
      let value: NDArray | number | boolean;
      if ("npy" in v) {
        if (!options.loadNpy) {
          throw new PlanFileError([
            { path: `${where}.value`, message: "an npy value needs a loader (loadNpy)" },
          ]);
        }
        try {
          value = await options.loadNpy(v.npy);
        } catch (e) {
          if (e instanceof ZarrPlanError) throw e;
          throw new PlanFileError(
            [{ path: `${where}.value.npy`, message: `cannot load "${v.npy}": ${String(e)}` }],
            { cause: e },
          );
        }
      } else {
        const x = v.scalar;
        const special: Record<string, number> = {
          NaN: Number.NaN,
          Infinity: Number.POSITIVE_INFINITY,
          "-Infinity": Number.NEGATIVE_INFINITY,
        };
        value = typeof x === "string" ? special[x]! : x;
      }
      return { target: view, value };
    }),
  );
  return new WritePlan(entries, context);
}
