/**
 * `--sel` and `--isel` of `get` and `explain`: selections by dimension name and by label, as text.
 *
 * - `--isel 'lat=10:20,time=5,lon=[0,4,8]'`: per dimension a slice `start:stop:step`, an integer or
 *   a list of integers (xarray `isel`);
 * - `--sel 'lat=35:71,lon=-10:40,time=2020-01'`: per dimension a label (number or ISO date), a
 *   label range `a:b` (both ends included; `a..b` when a label holds `:`, as times do; an empty end
 *   is open) or a list `[a,b,c]` (xarray `sel`). `--method nearest` and `--tolerance` apply to it.
 * @module
 */
import {
  type IselItem,
  type Label,
  type LabelledView,
  type LabelSelector,
  labelSlice,
  openDataset,
  slice,
} from "../index.js";
import { UsageError } from "./errors.js";
import type { Session } from "./session.js";
import { nodePath, storeFromArg } from "./store-from-arg.js";

/** The labelled options as commander hands them over. */
export interface LabelOptions {
  sel?: string;
  isel?: string;
  method?: string;
  tolerance?: number;
}

/** `name=value` parts split at commas outside brackets. */
function parts(option: string, text: string): [string, string][] {
  const out: [string, string][] = [];
  let depth = 0;
  let start = 0;
  const push = (end: number) => {
    const p = text.slice(start, end).trim();
    if (p === "") return;
    const eq = p.indexOf("=");
    if (eq <= 0) throw new UsageError(`${option}: expected name=value, got ${JSON.stringify(p)}`);
    out.push([p.slice(0, eq).trim(), p.slice(eq + 1).trim()]);
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "[") depth++;
    else if (c === "]") depth--;
    else if (c === "," && depth === 0) {
      push(i);
      start = i + 1;
    }
  }
  push(text.length);
  if (out.length === 0) throw new UsageError(`${option}: no dimension given`);
  const seen = new Set<string>();
  for (const [n] of out) {
    if (seen.has(n)) throw new UsageError(`${option}: dimension "${n}" given twice`);
    seen.add(n);
  }
  return out;
}

function label(text: string): Label {
  const t = text.trim();
  const n = Number(t);
  return t !== "" && Number.isFinite(n) ? n : t;
}

function list(text: string): string[] | undefined {
  const m = /^\[(.*)\]$/s.exec(text);
  if (!m) return undefined;
  return m[1]!.trim() === "" ? [] : m[1]!.split(",").map((s) => s.trim());
}

/** Parses `--sel` text. @throws UsageError for text that is not `name=value[,…]`. */
export function parseLabelSelection(text: string): Record<string, LabelSelector> {
  const out: Record<string, LabelSelector> = {};
  for (const [name, value] of parts("--sel", text)) {
    const l = list(value);
    if (l) {
      out[name] = l.map(label);
      continue;
    }
    const range = value.includes("..")
      ? value.split("..")
      : value.split(":").length === 2
        ? value.split(":")
        : undefined;
    if (range) {
      if (range.length !== 2)
        throw new UsageError(`--sel: ${name}: expected a:b or a..b, got "${value}"`);
      const [a, b] = range.map((s) => (s.trim() === "" ? null : label(s)));
      out[name] = labelSlice(a, b);
    } else {
      if (value === "") throw new UsageError(`--sel: ${name}: empty label`);
      out[name] = label(value);
    }
  }
  return out;
}

function integer(option: string, name: string, text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isSafeInteger(n)) {
    throw new UsageError(`${option}: ${name}: expected an integer, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** Parses `--isel` text. @throws UsageError for positions that are not integers, slices or lists. */
export function parseIndexSelection(text: string): Record<string, IselItem> {
  const out: Record<string, IselItem> = {};
  for (const [name, value] of parts("--isel", text)) {
    const l = list(value);
    if (l) out[name] = l.map((x) => integer("--isel", name, x));
    else if (value.includes(":")) {
      const s = value.split(":");
      if (s.length > 3)
        throw new UsageError(`--isel: ${name}: expected start:stop:step, got "${value}"`);
      const [a, b, c] = s.map((x) => (x.trim() === "" ? null : integer("--isel", name, x)));
      out[name] = slice(a, b, c);
    } else out[name] = integer("--isel", name, value);
  }
  return out;
}

/** True when labelled options were given. */
export function hasLabelOptions(opts: LabelOptions): boolean {
  return opts.sel !== undefined || opts.isel !== undefined;
}

/**
 * The labelled view of the array at `pathArg` (its group opened as a dataset): `isel` then `sel`.
 * Parsing errors surface before the store is opened.
 * @throws UsageError for bad text or `--method` / `--tolerance` without `--sel`.
 */
export async function labelledViewArg(
  storeArg: string,
  pathArg: string | undefined,
  opts: LabelOptions,
  session?: Session,
): Promise<LabelledView> {
  if (opts.method !== undefined && opts.method !== "nearest" && opts.method !== "exact") {
    throw new UsageError(`--method: expected nearest or exact, got "${opts.method}"`);
  }
  if ((opts.method !== undefined || opts.tolerance !== undefined) && opts.sel === undefined) {
    throw new UsageError("--method and --tolerance apply to --sel only");
  }
  const isel = opts.isel === undefined ? undefined : parseIndexSelection(opts.isel);
  const sel = opts.sel === undefined ? undefined : parseLabelSelection(opts.sel);
  const path = nodePath(pathArg);
  const at = path.lastIndexOf("/");
  const [group, name] = at < 0 ? ["", path] : [path.slice(0, at), path.slice(at + 1)];
  if (name === "") throw new UsageError("--sel/--isel need the path of an array inside a group");
  const ds = await openDataset(
    await storeFromArg(storeArg, session),
    group,
    session ? { context: session.context } : {},
  );
  let view = ds.view(name);
  if (isel) view = view.isel(isel);
  if (sel) {
    view = view.sel(sel, {
      ...(opts.method ? { method: opts.method as "nearest" | "exact" } : {}),
      ...(opts.tolerance !== undefined ? { tolerance: opts.tolerance } : {}),
    });
  }
  return view;
}
