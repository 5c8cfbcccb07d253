/**
 * Selection texts (`select`, `oindex`, `vindex`, NumPy syntax) and the lazy view they make, applied
 * in that order, then a boolean mask: the CLI's `--select/--oindex/--vindex/--mask` and the
 * service's `?select=&oindex=&vindex=` share them.
 * @module
 */
import {
  IndexError,
  type LazyArray,
  type NDArray,
  parseSelection,
  type Selection,
  type ZarrArray,
} from "../index.js";
import { UsageError } from "./errors.js";

/** The selection texts (and mask file name) as given. */
export interface SelectionOptions {
  select?: string;
  oindex?: string;
  vindex?: string;
  mask?: string;
}

/** Parsed selections, ready to apply. */
export interface ParsedSelection {
  select?: Selection;
  oindex?: Selection;
  vindex?: Selection;
  mask?: NDArray;
}

/**
 * Parses the text of a selection option with `parseSelection` (NumPy syntax).
 * @throws UsageError naming the option when the text cannot be parsed.
 */
export function parseSelectionOption(option: string, text: string): Selection {
  try {
    return parseSelection(text);
  } catch (e) {
    if (e instanceof IndexError) throw new UsageError(`${option}: ${e.message}`);
    throw e;
  }
}

/**
 * Parses `select`, `oindex` and `vindex` (the mask is read by the caller); `prefix` names the
 * options in messages (`--` on the command line, nothing for query parameters).
 * @throws UsageError naming the option when a text cannot be parsed.
 */
export function parseSelectionTexts(opts: SelectionOptions, prefix = "--"): ParsedSelection {
  const out: ParsedSelection = {};
  if (opts.select !== undefined) out.select = parseSelectionOption(`${prefix}select`, opts.select);
  if (opts.oindex !== undefined) out.oindex = parseSelectionOption(`${prefix}oindex`, opts.oindex);
  if (opts.vindex !== undefined) out.vindex = parseSelectionOption(`${prefix}vindex`, opts.vindex);
  return out;
}

/**
 * The lazy view of `array` made by the selections: `get(select)`, then `oindex`, then `vindex`,
 * then `mask`. Nothing is read.
 * @throws IndexError (from the library) for selections that do not fit the array.
 */
export function applySelection(array: ZarrArray, sel: ParsedSelection): LazyArray {
  let view = array.lazy();
  if (sel.select) view = view.get(...sel.select);
  if (sel.oindex) view = view.oindex(...sel.oindex);
  if (sel.vindex) view = view.vindex(...sel.vindex);
  if (sel.mask) view = view.mask(sel.mask);
  return view;
}

/**
 * The selections as NumPy-like text: `[0:10, ::-1].oindex[[1, 2]].mask(m.npy)`; `""` for the whole
 * array (no selection).
 */
export function selectionText(opts: SelectionOptions): string {
  const parts: string[] = [];
  if (opts.select !== undefined) parts.push(`[${opts.select}]`);
  if (opts.oindex !== undefined) parts.push(`.oindex[${opts.oindex}]`);
  if (opts.vindex !== undefined) parts.push(`.vindex[${opts.vindex}]`);
  if (opts.mask !== undefined) parts.push(`[mask ${opts.mask}]`);
  return parts.join("");
}
