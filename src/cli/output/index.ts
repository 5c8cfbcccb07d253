/**
 * Output formats of `get --out FILE`, chosen by the file's extension.
 * @module
 */
import { writeFile } from "node:fs/promises";
import { extname } from "node:path";
import type { NDArray } from "../../index.js";
import { UsageError } from "../errors.js";
import { csvWriter } from "./csv.js";
import { jsonWriter } from "./json.js";
import { npyWriter } from "./npy.js";
import { pngWriter } from "./png.js";
import type { OutputOptions, OutputWriter } from "./types.js";

export type { OutputOptions } from "./types.js";

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

/** Encodes `array` with `writer` and writes it to `file`; returns the number of bytes written. */
export async function writeOutput(
  file: string,
  writer: OutputWriter,
  array: NDArray,
  options: OutputOptions,
): Promise<number> {
  const body = writer.encode(array, options);
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  await writeFile(file, bytes);
  return bytes.length;
}
