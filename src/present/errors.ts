/**
 * The two errors of the applications on top of the library (the command line and the slice
 * service): a request that cannot be run as written, and a failure they detect themselves. The
 * command line maps them to exit codes 2 and 1, the service to HTTP 400 and 404/500.
 * @module
 */

/** The request is wrong (bad selection text, unsupported output, option clash): exit code 2, HTTP 400. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A runtime failure the application detects itself (missing store, node of the wrong kind): exit code 1. */
export class CliError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CliError";
  }
}
