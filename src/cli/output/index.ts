/**
 * Output formats of `get --out FILE`, chosen by the file's extension.
 * @module
 */
import { stat, writeFile } from "node:fs/promises";
import { dirname, extname } from "node:path";
import type { NDArray } from "../../index.js";
import { csvWriter } from "../../present/output/csv.js";
import { jsonWriter } from "../../present/output/json.js";
import { npyWriter } from "../../present/output/npy.js";
import { pngWriter } from "../../present/output/png.js";
import type { OutputOptions, OutputWriter } from "../../present/output/types.js";
import { CliError, UsageError } from "../errors.js";

export type { OutputOptions } from "../../present/output/types.js";

/** Every output format. */
export const WRITERS: readonly OutputWriter[] = [npyWriter, jsonWriter, csvWriter, pngWriter];

/**
 * The writer for `file`, by its extension (case-insensitive).
 * @throws UsageError for an extension no writer handles.
 */
export function writerFor(file: string): OutputWriter {
  const ext = extname(file).toLowerCase();
  const w = WRITERS.find((x) => x.extension === ext);
  if (!w) {
    const known = WRITERS.map((x) => x.extension).join(", ");
    throw new UsageError(
      `cannot write "${file}": ${ext === "" ? "no file extension" : `unsupported extension "${ext}"`} (supported: ${known})`,
    );
  }
  return w;
}

/** The `code` of a Node system error (`ENOENT`, `EACCES`, …), else the message. */
function systemReason(e: unknown): string {
  if (e !== null && typeof e === "object" && typeof (e as { code?: unknown }).code === "string") {
    return (e as { code: string }).code;
  }
  return e instanceof Error ? e.message : String(e);
}

/**
 * Checks, before anything is read, that `file`'s directory exists.
 * @throws CliError naming the file and its directory when it does not or is not a directory.
 */
export async function checkOutputDir(file: string): Promise<void> {
  const dir = dirname(file);
  let isDir: boolean;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch (e) {
    throw new CliError(
      `cannot write "${file}": directory "${dir}" does not exist (${systemReason(e)}); create it first`,
      { cause: e },
    );
  }
  if (!isDir) throw new CliError(`cannot write "${file}": "${dir}" is not a directory`);
}

/** Encodes `array` with `writer` and writes it to `file`; returns the number of bytes written. */
export async function writeOutput(
  file: string,
  writer: OutputWriter,
  array: NDArray,
  options: OutputOptions,
): Promise<number> {
  const body = await writer.encode(array, options);
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  try {
    await writeFile(file, bytes);
  } catch (e) {
    throw new CliError(`cannot write "${file}" (${systemReason(e)})`, { cause: e });
  }
  return bytes.length;
}
