/**
 * The selection options of `get` and `explain` (`--select`, `--oindex`, `--vindex`, `--mask`) and
 * the lazy view they make, applied in that order.
 * @module
 */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { type LazyArray, type NDArray, readNpy, type ZarrArray } from "../index.js";
import {
  applySelection,
  type ParsedSelection,
  parseSelectionTexts,
  type SelectionOptions,
} from "../present/selection.js";
import { CliError, UsageError } from "./errors.js";
import type { Session } from "./session.js";
import { openArrayArg } from "./store-from-arg.js";

export { type SelectionOptions, selectionText } from "../present/selection.js";

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

/** Parses every selection option (all parsing errors surface before any store is opened). */
async function parseSelectionOptions(opts: SelectionOptions): Promise<ParsedSelection> {
  const out = parseSelectionTexts(opts);
  if (opts.mask !== undefined) out.mask = await readMask(opts.mask);
  return out;
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
