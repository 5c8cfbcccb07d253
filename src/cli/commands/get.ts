/**
 * `zarr-plan get STORE [PATH] [--select SEL] [--oindex SEL] [--vindex SEL] [--mask FILE.npy]
 * [--out FILE]`: reads a selection and writes it as `.npy`, `.json`, `.csv` or `.png`, or prints
 * it (small results) / a summary (large ones).
 * @module
 */
import { writeFile } from "node:fs/promises";
import { type Command, InvalidArgumentError, Option } from "commander";
import { type NDArray, shapeSize } from "../../index.js";
import { bytesText, countText, dtypeLabel, shapeText } from "../../present/describe.js";
import { coordsText, labelledCsv, labelledJson } from "../../present/output/labelled.js";
import {
  type JsonValue,
  jsonLeaf,
  type Nested,
  nested,
  stats,
} from "../../present/output/values.js";
import type { Io } from "../context.js";
import { UsageError } from "../errors.js";
import { hasLabelOptions, type LabelOptions, labelledViewArg } from "../labels.js";
import {
  checkOutputDir,
  type OutputOptions,
  WRITERS,
  writeOutput,
  writerFor,
} from "../output/index.js";
import { readView } from "../progress.js";
import {
  addSelectionOptions,
  type SelectionOptions,
  selectedView,
  selectionText,
} from "../selection.js";
import { addSessionOptions, type Session, type SessionOptions, withSession } from "../session.js";

/** Results with at most this many elements are printed in full when there is no `--out`. */
const PRINT_LIMIT = 1000;

/** Options of `get`. */
interface GetOptions extends SelectionOptions, SessionOptions, LabelOptions {
  out?: string;
  vmin?: number;
  vmax?: number;
  flipY?: boolean;
}

/** Commander parser of a finite number. */
function finiteNumber(text: string): number {
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v)) {
    throw new InvalidArgumentError(`expected a finite number, got ${JSON.stringify(text)}`);
  }
  return v;
}

/**
 * Values as JSON text with one innermost list per line (NumPy-like, still valid JSON); `ndim` is the
 * number of list levels.
 */
export function jsonRows(value: Nested<JsonValue>, ndim: number, indent = 0): string {
  if (!Array.isArray(value) || ndim === 0) return JSON.stringify(value);
  if (ndim === 1) return `[${value.map((v) => JSON.stringify(v)).join(", ")}]`;
  const pad = " ".repeat(indent + 1);
  return `[${value.map((v) => jsonRows(v, ndim - 1, indent + 1)).join(`,\n${pad}`)}]`;
}

function summaryLine(
  name: string,
  sel: string,
  view: { shape: readonly number[]; dtype: NDArray["dtype"] },
): string {
  const n = shapeSize(view.shape);
  return `${name}${sel}: ${dtypeLabel(view.dtype)} ${shapeText(view.shape)} (${countText(n)} element${n === 1 ? "" : "s"})`;
}

function printResult(io: Io, array: NDArray): void {
  const n = shapeSize(array.shape);
  if (n <= PRINT_LIMIT) {
    const values = nested(array.shape, jsonLeaf(array));
    io.stdout(`${jsonRows(values, array.shape.length)}\n`);
    return;
  }
  const s = stats(array);
  if (s) {
    const f = (v: number) => String(Number(v.toPrecision(7)));
    io.stdout(
      `min ${f(s.min)}  max ${f(s.max)}  mean ${f(s.mean)}${s.nan > 0 ? `  NaN ${countText(s.nan)}` : ""}\n`,
    );
  }
  io.stdout(
    `(more than ${countText(PRINT_LIMIT)} elements: values not printed; write them with --out FILE${WRITERS.map((w) => w.extension).join("|")})\n`,
  );
}

/** `get --sel/--isel`: a labelled read; JSON and CSV carry dims and coords. */
async function labelledGet(
  io: Io,
  storeArg: string,
  pathArg: string | undefined,
  opts: GetOptions,
  writer: ReturnType<typeof writerFor> | undefined,
  session: Session,
): Promise<void> {
  if (
    opts.select !== undefined ||
    opts.oindex !== undefined ||
    opts.vindex !== undefined ||
    opts.mask !== undefined
  ) {
    throw new UsageError(
      "--sel/--isel cannot be combined with --select, --oindex, --vindex or --mask",
    );
  }
  if (opts.vmin !== undefined || opts.vmax !== undefined) {
    if (writer?.extension !== ".png")
      throw new UsageError("--vmin/--vmax apply to .png output only");
  }
  const view = await labelledViewArg(storeArg, pathArg, opts, session);
  const r = await view.read({ signal: io.signal });
  const name = view.base.source.path || "/";
  const text = [opts.isel && `.isel(${opts.isel})`, opts.sel && `.sel(${opts.sel})`]
    .filter(Boolean)
    .join("");
  const summary = summaryLine(name, text, { shape: r.shape, dtype: r.array.dtype });
  if (opts.out === undefined || writer === undefined) {
    io.stdout(`${summary}\n${coordsText(r)}`);
    printResult(io, r.array);
    return;
  }
  // Long CSV and labelled JSON take any number of dimensions.
  if (writer.extension !== ".csv" && writer.extension !== ".json") writer.check(r.array);
  let body: string | Uint8Array;
  if (writer.extension === ".json") body = labelledJson(r);
  else if (writer.extension === ".csv") body = labelledCsv(r);
  else
    body = await writer.encode(r.array, {
      vmin: opts.vmin,
      vmax: opts.vmax,
      flipY: opts.flipY === true,
    });
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  await writeFile(opts.out, bytes);
  io.stdout(`${summary} → ${opts.out} (${bytesText(bytes.length)})\n`);
}

export function getCommand(cmd: Command, io: Io): void {
  addSelectionOptions(
    cmd
      .description("read a selection of an array; write it to a file or print it")
      .argument("<store>", "store: a directory or an http(s):// URL")
      .argument("[path]", "array inside the store (default: the root)"),
  )
    .option(
      "-o, --out <file>",
      `output file, format by extension: ${WRITERS.map((w) => w.extension).join(", ")}`,
    )
    .addOption(
      new Option(
        "--vmin <value>",
        ".png: value of the first color (default: the minimum)",
      ).argParser(finiteNumber),
    )
    .addOption(
      new Option(
        "--vmax <value>",
        ".png: value of the last color (default: the maximum)",
      ).argParser(finiteNumber),
    )
    .option(
      "--isel <sel>",
      "by dimension name (xarray isel): 'lat=10:20,time=5,lon=[0,4]'; output carries dims and coords",
    )
    .option(
      "--sel <sel>",
      "by label on coordinate arrays (xarray sel): 'lat=35:71,lon=-10:40,time=2020-01' (ranges include both ends; a..b when labels hold ':')",
    )
    .option("--method <method>", "--sel: nearest or exact (default)")
    .addOption(
      new Option("--tolerance <value>", "--sel with --method nearest: largest distance").argParser(
        finiteNumber,
      ),
    )
    .option(
      "--flip-y",
      ".png: last row at the top (north up for latitudes stored south to north, like EGM96's)",
    );
  addSessionOptions(cmd, true).action(
    (storeArg: string, pathArg: string | undefined, opts: GetOptions) =>
      withSession(opts, io, async (session) => {
        const writer = opts.out === undefined ? undefined : writerFor(opts.out);
        if (hasLabelOptions(opts) || opts.method !== undefined || opts.tolerance !== undefined) {
          if (opts.out !== undefined) await checkOutputDir(opts.out);
          await labelledGet(io, storeArg, pathArg, opts, writer, session);
          return;
        }
        if ((opts.vmin !== undefined || opts.vmax !== undefined) && writer?.extension !== ".png") {
          throw new UsageError("--vmin/--vmax apply to .png output only");
        }
        if (opts.flipY && writer?.extension !== ".png") {
          throw new UsageError("--flip-y applies to .png output only (else select '::-1' on rows)");
        }
        if (opts.vmin !== undefined && opts.vmax !== undefined && !(opts.vmax > opts.vmin)) {
          throw new UsageError(`--vmax (${opts.vmax}) must be greater than --vmin (${opts.vmin})`);
        }
        const { array: source, view } = await selectedView(storeArg, pathArg, opts, session);
        writer?.check(view);
        if (opts.out !== undefined) await checkOutputDir(opts.out);
        const array = await readView(view, {
          signal: io.signal,
          progressStream: io.progress,
          label: `${source.path || "/"}${selectionText(opts)}`,
        });
        const name = source.path === "" ? "/" : source.path;
        const summary = summaryLine(name, selectionText(opts), view);
        if (opts.out === undefined || writer === undefined) {
          io.stdout(`${summary}\n`);
          printResult(io, array);
          return;
        }
        const outputOptions: OutputOptions = {
          vmin: opts.vmin,
          vmax: opts.vmax,
          flipY: opts.flipY === true,
        };
        const bytes = await writeOutput(opts.out, writer, array, outputOptions);
        io.stdout(`${summary} → ${opts.out} (${bytesText(bytes)})\n`);
      }),
  );
}
