#!/usr/bin/env node
/**
 * Entry point of the `zarr-plan` command (package.json `bin`: `dist/cli/main.js`). `--version`
 * answers before anything else is loaded; every other command loads the program (commander, the
 * library) on demand.
 * @module
 */
import { setMaxListeners } from "node:events";
import type { Io } from "./context.js";
import { version } from "./version.js";

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  process.stdout.write(`${version()}\n`);
} else {
  const { EXIT_INTERRUPTED, main } = await import("./program.js");
  const controller = new AbortController();
  // Every chunk read in flight listens to the signal.
  setMaxListeners(0, controller.signal);
  // Ctrl-C aborts the reads in flight (exit code 130); a second Ctrl-C exits at once.
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
    controller.abort(new Error("interrupted"));
  };
  process.on("SIGINT", onSigint);

  const io: Io = {
    stdout: (s) => {
      process.stdout.write(s);
    },
    stderr: (s) => {
      process.stderr.write(s);
    },
    progress: process.stderr.isTTY ? process.stderr : undefined,
    signal: controller.signal,
    env: process.env,
  };

  process.exitCode = await main(argv, io);
  process.off("SIGINT", onSigint);
}
