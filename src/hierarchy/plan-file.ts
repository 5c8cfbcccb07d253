/**
 * Plans from plan files: validates the JSON (`src/plan/plan-json.ts`), opens each store once and
 * each array once (concurrently), replays the recorded selections, and builds the plan in a Context.
 * @module
 */
import { type Context, defaultContext } from "../exec/context.js";
import type { LazyArray } from "../index-space/lazy.js";
import { Plan } from "../plan/plan.js";
import { type LazyOp, opFromJSON, parsePlanFile } from "../plan/plan-json.js";
import { openStoreAt } from "../store/location.js";
import type { AnyStore } from "../store/types.js";
import type { ZarrArray } from "./array.js";
import { openArray } from "./group.js";

/** Options of {@link planFromJSON}. */
export interface FromJSONOptions {
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
  }
}

/**
 * Rebuilds a plan from its JSON form (object or text; see `Plan.toJSON`): validates it, opens
 * each store once (`options.openStore`, default http(s) URL → `FetchStore`, otherwise
 * `FileSystemStore`) and each array once, concurrently, through the Context (one metadata round
 * trip; two reads of one array share its open), then replays the selections.
 * @throws PlanFileError listing every invalid member; NodeNotFoundError / MetadataError /
 * StoreError from opening; IndexError when a selection does not fit its array.
 */
export async function planFromJSON(json: unknown, options: FromJSONOptions = {}): Promise<Plan> {
  const file = parsePlanFile(json);
  const context = options.context ?? defaultContext();
  const openStore = options.openStore ?? openStoreAt;
  const stores = new Map<string, Promise<AnyStore>>();
  const storeOf = (loc: string) => {
    let s = stores.get(loc);
    if (!s) {
      s = Promise.resolve().then(() => openStore(loc));
      stores.set(loc, s);
    }
    return s;
  };
  // One open per (store, array) however many reads name it. The key is JSON of the pair, so no
  // store location or array path can be mistaken for another.
  const opened = new Map<string, Promise<ZarrArray>>();
  const arrayOf = (loc: string, path: string) => {
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
  const names = Object.keys(file.reads);
  const arrays = await Promise.all(
    names.map((name) => {
      const r = file.reads[name]!;
      return arrayOf(r.store ?? file.store, r.array);
    }),
  );
  const reads: [string, LazyArray][] = names.map((name, i) => {
    let view = arrays[i]!.lazy();
    for (const op of file.reads[name]!.ops) view = applyOp(view, opFromJSON(op));
    return [name, view];
  });
  return new Plan(reads, file.options ?? {}, context);
}
