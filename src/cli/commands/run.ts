/**
 * `zarr-plan run PLAN.json --out DIR [--json]`: executes a saved plan (`Plan.toJSON()`, see docs/plans.md),
 * writing each named result to `DIR/<name>.npy`, then applies the file's `writes` (values from
 * `.npy` files beside the plan, or scalars) as one write plan; `--json` prints the figures
 * (requests, bytes, wall time, objects written). With `--queue redis://…` the reads run as partitions
 * on BullMQ workers (`zarr-plan worker`, see `run-queue.ts`); the requests counted are then only the
 * metadata read here. The writes are planned (values loaded and checked) before anything is read and
 * run after the reads' files are written; reads and writes share one store per location.
 * `--explain` prints what the reads and writes would do and stops.
 * @module
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import type { QueueRunResult } from "../../distribute/index.js";
import {
  type AxisStatsSummary,
  CountingStore,
  type LabelledResult,
  labelledPlanFromJSON,
  type NDArray,
  planFromJSON,
  readNpy,
  type StatsSummary,
  summarizeStats,
  type WriteResult,
  writePlanFromJSON,
} from "../../index.js";
import { bytesText, dtypeLabel, shapeText } from "../../present/describe.js";
import { labelledJson } from "../../present/output/labelled.js";
import { npyWriter } from "../../present/output/npy.js";
import type { Io } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { writeOutput } from "../output/index.js";
import {
  addSessionOptions,
  byteSize,
  positiveInteger,
  type SessionOptions,
  withSession,
} from "../session.js";
import { storeFromArg } from "../store-from-arg.js";
import { type QueueRunOptions, runPlanOnQueue } from "./run-queue.js";

/** A result name as a file name (path separators replaced). */
function fileName(name: string): string {
  const safe = name.replace(/[\\/]/g, "_").replace(/^\.+/, "_");
  return `${safe === "" ? "_" : safe}.npy`;
}

/**
 * Refuses read names that would be written to the same file (`a/b` and `a_b` both give
 * `a_b.npy`; `T` and `t` are one file on case-insensitive filesystems), before anything is read.
 * @throws CliError listing every group of clashing names and their file.
 */
export function checkFileNames(names: readonly string[]): void {
  const byFile = new Map<string, string[]>();
  for (const name of names) {
    const file = fileName(name).toLowerCase();
    const list = byFile.get(file);
    if (list) list.push(name);
    else byFile.set(file, [name]);
  }
  const clashes = [...byFile.values()].filter((list) => list.length > 1);
  if (clashes.length === 0) return;
  const text = clashes
    .map((list) => `${list.map((n) => JSON.stringify(n)).join(", ")} → ${fileName(list[0]!)}`)
    .join("; ");
  throw new CliError(
    `reads would be written to the same file: ${text} (rename them in the plan file so that each gives its own file name)`,
  );
}

/** Commander parser of an axis index (an integer ≥ 0). */
function axisIndex(text: string): number {
  const v = Number(text);
  if (text.trim() === "" || !Number.isSafeInteger(v) || v < 0) {
    throw new InvalidArgumentError(`expected an axis index >= 0, got ${JSON.stringify(text)}`);
  }
  return v;
}

/** The read names of a plan file's JSON, when it has a `reads` object (validated later). */
function readNamesOf(json: unknown): string[] {
  const reads = (json as { reads?: unknown } | null)?.reads;
  return typeof reads === "object" && reads !== null && !Array.isArray(reads)
    ? Object.keys(reads)
    : [];
}

/** True when some read of a plan file has a `sel` op (it then needs `labelledPlanFromJSON`). */
function hasSelOps(json: unknown): boolean {
  const reads = (json as { reads?: unknown })?.reads;
  if (typeof reads !== "object" || reads === null) return false;
  return Object.values(reads).some(
    (r) =>
      Array.isArray((r as { ops?: unknown })?.ops) &&
      (r as { ops: unknown[] }).ops.some(
        (op) => typeof op === "object" && op !== null && "sel" in op,
      ),
  );
}

export function runCommand(cmd: Command, io: Io): void {
  addSessionOptions(cmd, true)
    .description(
      "execute a saved plan (PLAN.json from Plan.toJSON()); one .npy per read in DIR, then the file's writes",
    )
    .argument("<plan>", "plan file (JSON)")
    .option(
      "-o, --out <dir>",
      "output directory (created when missing); needed when the plan reads",
    )
    .option("--json", "print the figures (requests, bytes, wall time, outputs) as JSON")
    .option(
      "--explain",
      "print what the reads and writes would do (objects, requests, read-modify-writes) and stop: no chunk is read or written",
    )
    .option(
      "--queue <url>",
      "run the reads as partitions on BullMQ workers (zarr-plan worker): redis://HOST:PORT[/NAME]",
    )
    .addOption(
      new Option(
        "--partitions <n>",
        "with --queue: cut the reads into about N partitions",
      ).argParser(positiveInteger),
    )
    .addOption(
      new Option(
        "--max-bytes <bytes>",
        "with --queue: at most this many fetched bytes per partition (e.g. 64MiB, the default)",
      ).argParser(byteSize),
    )
    .option(
      "--out-store <dir>",
      "with --queue: the workers write each read as the array <name> of this Zarr store (a directory every worker sees) instead of sending it back",
    )
    .option(
      "--stats",
      "with --queue: statistics of each read (merged over partitions) in DIR/<name>.stats.json instead of its values",
    )
    .addOption(
      new Option(
        "--axis <k>",
        "with --stats: statistics per position along the other axes, reduced over axis K",
      ).argParser(axisIndex),
    )
    .action(
      (
        planFile: string,
        opts: SessionOptions &
          Partial<QueueRunOptions> & { out?: string; json?: boolean; explain?: boolean },
      ) =>
        withSession(opts, io, async (session) => {
          let json: unknown;
          try {
            json = JSON.parse(await readFile(planFile, "utf8"));
          } catch (e) {
            throw new CliError(
              `cannot read plan "${planFile}": ${e instanceof Error ? e.message : e}`,
              { cause: e },
            );
          }
          const readNames = readNamesOf(json);
          checkFileNames(readNames);
          if (
            readNames.length > 0 &&
            opts.out === undefined &&
            opts.outStore === undefined &&
            !opts.explain
          ) {
            throw new CliError("the plan reads: give an output directory with --out DIR");
          }
          // One store per location for the reads and the writes (their requests counted together).
          const counters = new Map<string, Promise<CountingStore>>();
          const t0 = performance.now();
          const fromOptions = {
            signal: io.signal,
            context: session.context,
            openStore: (location: string) => {
              let store = counters.get(location);
              if (!store) {
                // A relative store path is relative to the plan file, not the current directory.
                store = storeFromArg(location, session, dirname(planFile)).then((raw) => {
                  const counting = new CountingStore(raw);
                  session.label(counting, location);
                  return counting;
                });
                counters.set(location, store);
              }
              return store;
            },
          };
          // The writes are planned first (arrays opened, .npy values beside the plan file loaded and
          // checked), so a write that cannot be done fails before anything is read or written.
          const writePlan = await writePlanFromJSON(json, {
            ...fromOptions,
            loadNpy: async (path) => readNpy(await readFile(resolve(dirname(planFile), path))),
          });
          if (opts.explain) {
            // Metadata only: the plans are built (arrays opened) and explained, nothing else is read.
            if (readNames.length > 0 && !hasSelOps(json)) {
              io.stdout(`${(await planFromJSON(json, fromOptions)).explainText()}\n`);
            } else if (readNames.length > 0) {
              io.stdout(`${(await labelledPlanFromJSON(json, fromOptions)).explainText()}\n`);
            }
            if (writePlan) io.stdout(`${writePlan.explainText()}\n`);
            return;
          }
          // A plan with sel ops runs in two stages; its results carry dims and coords (written beside).
          const results: Record<string, NDArray> = {};
          const labels: Record<string, LabelledResult> = {};
          const statsFiles: { name: string; file: string }[] = [];
          const storedArrays: { name: string; store: string; path: string }[] = [];
          let queued: Pick<QueueRunResult, "partitions" | "stalls" | "retries"> | undefined;
          if (opts.queue === undefined) {
            for (const flag of ["partitions", "maxBytes", "stats", "axis", "outStore"] as const) {
              if (opts[flag] !== undefined)
                throw new UsageError(
                  `--${flag === "maxBytes" ? "max-bytes" : flag === "outStore" ? "out-store" : flag} needs --queue`,
                );
            }
          }
          if (opts.queue !== undefined && readNames.length > 0) {
            if (hasSelOps(json)) {
              throw new UsageError(
                "--queue runs positional reads only: this plan has sel ops (run it without --queue)",
              );
            }
            const run = await runPlanOnQueue(
              json,
              planFile,
              { ...opts, queue: opts.queue },
              io,
              fromOptions,
            );
            if (run.outputs) Object.assign(results, run.outputs);
            for (const [name, path] of Object.entries(run.written ?? {})) {
              storedArrays.push({ name, store: opts.outStore!, path });
              if (!opts.json) io.stdout(`${name} → array "${path}" of ${opts.outStore}\n`);
            }
            if (run.stats) {
              await mkdir(opts.out!, { recursive: true });
              for (const [name, state] of Object.entries(run.stats)) {
                const base = join(opts.out!, fileName(name).replace(/\.npy$/, ""));
                const summary = summarizeStats(state);
                if ("axis" in state) {
                  // Per position: the state, and the mean as an array of the other axes' shape.
                  await writeFile(`${base}.stats.json`, `${JSON.stringify(state)}\n`);
                  await writeOutput(
                    `${base}.mean.npy`,
                    npyWriter,
                    (summary as AxisStatsSummary).mean,
                    {},
                  );
                  statsFiles.push(
                    { name, file: `${base}.stats.json` },
                    { name, file: `${base}.mean.npy` },
                  );
                  if (!opts.json) {
                    io.stdout(
                      `${name}: statistics along axis ${state.axis} → ${base}.stats.json, mean ${shapeText(state.shape)} → ${base}.mean.npy\n`,
                    );
                  }
                } else {
                  const s = summary as StatsSummary;
                  const doc = { ...state, mean: Number.isFinite(s.mean) ? s.mean : String(s.mean) };
                  await writeFile(`${base}.stats.json`, `${JSON.stringify(doc)}\n`);
                  statsFiles.push({ name, file: `${base}.stats.json` });
                  if (!opts.json) {
                    io.stdout(
                      `${name}: count ${state.count}, mean ${s.mean}, min ${s.min}, max ${s.max} → ${base}.stats.json\n`,
                    );
                  }
                }
              }
            }
            queued = { partitions: run.partitions, stalls: run.stalls, retries: run.retries };
            const workers = new Set(run.partitions.map((p) => p.worker)).size;
            io.stderr(
              `${run.partitions.length} partitions on ${workers} worker(s), ${run.stalls} stalled, ${run.retries} retried\n`,
            );
          } else if (hasSelOps(json)) {
            const plan = await labelledPlanFromJSON(json, fromOptions);
            for (const [name, r] of Object.entries(await plan.read({ signal: io.signal }))) {
              results[name] = r.array;
              labels[name] = r;
            }
          } else if (readNames.length > 0) {
            const plan = await planFromJSON(json, fromOptions);
            Object.assign(results, await plan.read({ signal: io.signal }));
          }
          let wallMs = performance.now() - t0;
          if (opts.out !== undefined) await mkdir(opts.out, { recursive: true });
          const outputs: {
            name: string;
            file: string;
            shape: readonly number[];
            dtype: string;
            bytes: number;
          }[] = [];
          for (const [name, array] of Object.entries(results)) {
            const file = join(opts.out!, fileName(name));
            const bytes = await writeOutput(file, npyWriter, array, {});
            outputs.push({ name, file, shape: array.shape, dtype: dtypeLabel(array.dtype), bytes });
            const l = labels[name];
            if (l) {
              const doc = JSON.parse(labelledJson(l)) as Record<string, unknown>;
              delete doc.data;
              await writeFile(
                `${file.replace(/\.npy$/, "")}.labels.json`,
                `${JSON.stringify(doc)}\n`,
              );
            }
            if (!opts.json) {
              io.stdout(
                `${name}: ${dtypeLabel(array.dtype)} ${shapeText(array.shape)} → ${file} (${bytesText(bytes)})\n`,
              );
            }
          }
          // Then the writes (after every read and its output file).
          let written: WriteResult | undefined;
          if (writePlan) {
            const w0 = performance.now();
            written = await writePlan.write({ signal: io.signal });
            wallMs += performance.now() - w0;
          }
          const opened = await Promise.all(
            [...counters].map(async ([location, s]) => [location, await s] as const),
          );
          const stores = opened.map(([location, s]) => ({
            store: location,
            requests: s.requests,
            rangeRequests: s.rangeRequests,
            bytes: s.bytes,
            maxInFlight: s.maxInFlight,
          }));
          const requests = stores.reduce((a, s) => a + s.requests, 0);
          const bytes = stores.reduce((a, s) => a + s.bytes, 0);
          if (opts.json) {
            io.stdout(
              `${JSON.stringify({ wallMs: Math.round(wallMs * 10) / 10, requests, bytes, stores, outputs, ...(statsFiles.length ? { stats: statsFiles } : {}), ...(storedArrays.length ? { arrays: storedArrays } : {}), ...(queued ? { queue: queued } : {}), ...(written ? { written } : {}) }, null, 2)}\n`,
            );
          } else {
            if (written) {
              io.stdout(
                `writes: ${written.stored} objects stored, ${written.deleted} deleted, ${written.read} read first (${bytesText(written.bytesStored)} stored)\n`,
              );
            }
            io.stdout(
              `${requests} requests, ${bytesText(bytes)} read, ${wallMs.toFixed(0)} ms (metadata included)\n`,
            );
          }
        }),
    );
}
