/**
 * The selection options of `get` and `explain` (`--select`, `--oindex`, `--vindex`, `--mask`) and
 * the lazy view they make, applied in that order.
 * @module
 */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import {
  IndexError,
  type LazyArray,
  type NDArray,
  parseSelection,
  readNpy,
  type Selection,
  type ZarrArray,
} from "../index.js";
import { CliError, UsageError } from "./errors.js";
import type { Session } from "./session.js";
import { openArrayArg } from "./store-from-arg.js";

/** The selection options as commander hands them over. */
export interface SelectionOptions {
  select?: string;
  oindex?: string;
  vindex?: string;
  mask?: string;
}

/**
 * Parses the text of a selection option with `parseSelection` (NumPy syntax).
 * @throws UsageError naming the option when the text cannot be parsed.
 */
function parseSelectionOption(option: string, text: string): Selection {
  try {
    return parseSelection(text);
  } catch (e) {
    if (e instanceof IndexError) throw new UsageError(`${option}: ${e.message}`);
    throw e;
  }
}

/**
 * Reads a boolean mask from a `.npy` file.
 * @throws CliError when the file cannot be read; UsageError when it holds no booleans.
 */
async function readMask(file: string): Promise<NDArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const why = e instanceof Error && "code" in e ? String(e.code) : String(e);
    throw new CliError(`--mask: cannot read "${file}" (${why})`, { cause: e });
  }
  let mask: NDArray;
  try {
    mask = readNpy(bytes);
  } catch (e) {
    throw new UsageError(
      `--mask: "${file}" is not a .npy file (${e instanceof Error ? e.message : e})`,
    );
  }
  if (mask.dtype.name !== "bool") {
    throw new UsageError(`--mask: "${file}" holds ${mask.dtype.name} values, a mask needs bool`);
  }
  return mask;
}

/** Parsed selection options, ready to apply. */
interface ParsedSelection {
  select?: Selection;
  oindex?: Selection;
  vindex?: Selection;
  mask?: NDArray;
}

/** Parses every selection option (all parsing errors surface before any store is opened). */
async function parseSelectionOptions(opts: SelectionOptions): Promise<ParsedSelection> {
  const out: ParsedSelection = {};
  if (opts.select !== undefined) out.select = parseSelectionOption("--select", opts.select);
  if (opts.oindex !== undefined) out.oindex = parseSelectionOption("--oindex", opts.oindex);
  if (opts.vindex !== undefined) out.vindex = parseSelectionOption("--vindex", opts.vindex);
  if (opts.mask !== undefined) out.mask = await readMask(opts.mask);
  return out;
}

/**
 * The lazy view of `array` made by the options: `get(select)`, then `oindex`, then `vindex`, then
 * `mask`. Nothing is read.
 * @throws IndexError (from the library) for selections that do not fit the array.
 */
function applySelection(array: ZarrArray, sel: ParsedSelection): LazyArray {
  let view = array.lazy();
  if (sel.select) view = view.get(...sel.select);
  if (sel.oindex) view = view.oindex(...sel.oindex);
  if (sel.vindex) view = view.vindex(...sel.vindex);
  if (sel.mask) view = view.mask(sel.mask);
  return view;
}

/**
 * The selection options as NumPy-like text: `[0:10, ::-1].oindex[[1, 2]].mask(m.npy)`; `""` for
 * the whole array (no selection option).
 */
export function selectionText(opts: SelectionOptions): string {
  const parts: string[] = [];
  if (opts.select !== undefined) parts.push(`[${opts.select}]`);
  if (opts.oindex !== undefined) parts.push(`.oindex[${opts.oindex}]`);
  if (opts.vindex !== undefined) parts.push(`.vindex[${opts.vindex}]`);
  if (opts.mask !== undefined) parts.push(`[mask ${opts.mask}]`);
  return parts.join("");
}

/** Adds the selection options shared by `get` and `explain`. */
export function addSelectionOptions(cmd: Command): Command {
  return cmd
    .option(
      "-s, --select <sel>",
      "basic selection, NumPy syntax: '0:100, ::-2, ...', '5, None, [1, 3]'",
    )
    .option(
      "--oindex <sel>",
      "then orthogonal indexing: '[0, 5, 7], ::2' (each list on its own dimension)",
    )
    .option(
      "--vindex <sel>",
      "then vectorized indexing: '[0, 1, 2], [3, 4, 5]' (lists broadcast together)",
    )
    .option(
      "--mask <file.npy>",
      "then a boolean mask (a .npy of bools with the selection's shape)",
    );
}

/**
 * Parses the selection options, opens the array and applies them: the array and the lazy view
 * (nothing read). Parsing errors surface before the store is opened.
 */
export async function selectedView(
  storeArg: string,
  pathArg: string | undefined,
  opts: SelectionOptions,
  session?: Session,
): Promise<{ array: ZarrArray; view: LazyArray }> {
  const sel = await parseSelectionOptions(opts);
  const array = await openArrayArg(storeArg, pathArg, session);
  return { array, view: applySelection(array, sel) };
}
