/**
 * The `zarr-plan` command line: commander set-up, error reporting and exit codes.
 * @module
 */
import { Command, CommanderError } from "commander";
import { copyCommand } from "./commands/copy.js";
import { createCommand } from "./commands/create.js";
import { explainCommand } from "./commands/explain.js";
import { getCommand } from "./commands/get.js";
import { infoCommand } from "./commands/info.js";
import { runCommand } from "./commands/run.js";
import { serveCommand } from "./commands/serve.js";
import { treeCommand } from "./commands/tree.js";
import { workerCommand } from "./commands/worker.js";
import type { Io } from "./context.js";
import { exitCodeOf, oneLine, reportError } from "./errors.js";
import { version } from "./version.js";

/** Exit code after Ctrl-C. */
export const EXIT_INTERRUPTED = 130;

const EXAMPLES = `
Examples:
  zarr-plan tree data/datasets/egm96.zarr
  zarr-plan info data/datasets/egm96.zarr geoid
  zarr-plan get data/datasets/egm96.zarr geoid --select '::4, ::4' --out geoid.png
  zarr-plan get http://127.0.0.1:8000/egm96.zarr geoid --select '0:3, 0:4'
  zarr-plan get data/datasets/egm96.zarr lat --oindex '[0, 360, 720]'
  zarr-plan create spec.json out.zarr --consolidate
  zarr-plan serve data/datasets --port 8080
  zarr-plan worker --queue redis://127.0.0.1:6379
  zarr-plan run plan.json --out results --queue redis://127.0.0.1:6379 --partitions 8

STORE is a directory or an http(s):// URL (create: a directory); PATH is a node inside it (default: the root).
Selections use NumPy syntax (integers, start:stop:step, ..., None, [index, lists], [True, False]).`;

/** The commander program of `zarr-plan`, writing through `io`. */
function buildProgram(io: Io): Command {
  const program = new Command("zarr-plan")
    .description(
      "Inspect and read Zarr v2/v3 arrays with lazy selections, from directories or HTTP; create hierarchies",
    )
    .version(version(), "-V, --version", "print the version")
    .option("-v, --verbose", "print stack traces of errors")
    .helpOption("-h, --help", "print help")
    .helpCommand("help [command]", "print help of a command")
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      outputError: (s, write) => write(`${oneLine(s)}\n`),
    })
    .exitOverride()
    .showSuggestionAfterError(true)
    .addHelpText("after", EXAMPLES);
  treeCommand(program.command("tree"), io);
  infoCommand(program.command("info"), io);
  getCommand(program.command("get"), io);
  explainCommand(program.command("explain"), io);
  runCommand(program.command("run"), io);
  createCommand(program.command("create"), io);
  copyCommand(program.command("copy"), io);
  serveCommand(program.command("serve"), io);
  workerCommand(program.command("worker"), io);
  return program;
}

/**
 * Runs the command line on `argv` (the arguments after the script) and returns the exit code:
 * 0 on success, 1 for runtime errors, 2 for usage errors, 130 when interrupted. Errors are one
 * line on stderr (`error: ...`), with stack traces only under `--verbose`.
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (e) {
    // Commander has already printed its own errors (and help/version output).
    if (e instanceof CommanderError) return exitCodeOf(e);
    const verbose =
      program.opts<{ verbose?: boolean }>().verbose === true || argv.includes("--verbose");
    if (io.signal.aborted) {
      io.stderr("error: interrupted\n");
      return EXIT_INTERRUPTED;
    }
    reportError(e, verbose, (s) => io.stderr(s));
    return exitCodeOf(e);
  }
}
