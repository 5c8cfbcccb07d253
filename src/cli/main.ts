#!/usr/bin/env node
/**
 * Entry point of the `zarr-plan` command (package.json `bin`: `dist/cli/main.js`).
 * @module
 */
import { setMaxListeners } from "node:events";
import type { Io } from "./context.js";
import { EXIT_INTERRUPTED, main } from "./program.js";

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

process.exitCode = await main(process.argv.slice(2), io);
process.off("SIGINT", onSigint);
