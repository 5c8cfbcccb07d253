/**
 * What every command shares for one run: the `Context` its stores are read through (store
 * settings from `--max-gap` / `--max-size` / `--concurrency`), the HTTP headers of `--header`,
 * and the request log of `--log requests` (or `ZARR_PLAN_LOG=requests`) printed to stderr.
 * @module
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import {
  Context,
  type ContextOptions,
  type RequestLogEntry,
  type StoreSettings,
} from "../index.js";
import { bytesText } from "../present/describe.js";
import type { Io } from "./context.js";
import { UsageError } from "./errors.js";

/** The options {@link addSessionOptions} adds, as commander hands them over. */
export interface SessionOptions {
  log?: string;
  header?: string[];
  maxGap?: number;
  maxSize?: number;
  concurrency?: number;
}

/** What `--log` can print. */
const LOG_KINDS = ["requests"] as const;

/** Binary size suffixes of `--max-gap` / `--max-size`. */
const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** Commander parser of a byte size: `65536`, `64k`, `8MiB` (binary units). */
export function byteSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
  const v = m && unit !== undefined ? Number(m[1]) * unit : Number.NaN;
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new InvalidArgumentError(
      `expected a size in bytes (e.g. 65536, 64k, 8MiB), got ${JSON.stringify(text)}`,
    );
  }
  return v;
}

/** Commander parser of a positive integer. */
export function positiveInteger(text: string): number {
  const v = Number(text);
  if (text.trim() === "" || !Number.isSafeInteger(v) || v < 1) {
    throw new InvalidArgumentError(`expected a positive integer, got ${JSON.stringify(text)}`);
  }
  return v;
}

/** Commander collector of a repeatable `--header 'Name: value'`. */
function collectHeader(text: string, previous: string[] | undefined): string[] {
  parseHeader(text);
  return [...(previous ?? []), text];
}

/**
 * `Name: value` as a header pair.
 * @throws InvalidArgumentError when there is no colon or the name is not an HTTP token.
 */
export function parseHeader(text: string): [string, string] {
  const i = text.indexOf(":");
  const name = i < 0 ? "" : text.slice(0, i).trim();
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
    throw new InvalidArgumentError(
      `expected a header as 'Name: value', got ${JSON.stringify(text)}`,
    );
  }
  return [name, text.slice(i + 1).trim()];
}

/**
 * Adds `--log` and `--header` to `cmd`, and with `planning` also `--max-gap`, `--max-size` and
 * `--concurrency` (the store settings plans are built and run with).
 */
export function addSessionOptions(cmd: Command, planning: boolean): Command {
  cmd
    .addOption(
      new Option(
        "--log <what>",
        "print each store request to stderr as it completes (also: ZARR_PLAN_LOG=requests)",
      ).choices(LOG_KINDS),
    )
    .addOption(
      new Option(
        "-H, --header <header>",
        "HTTP stores: a request header 'Name: value' (repeatable)",
      ).argParser(collectHeader),
    );
  if (!planning) return cmd;
  return cmd
    .addOption(
      new Option(
        "--max-gap <bytes>",
        "coalesce byte ranges of one object at most this far apart (e.g. 64k; default: the store cost model, 31,250 bytes)",
      ).argParser(byteSize),
    )
    .addOption(
      new Option(
        "--max-size <bytes>",
        "largest coalesced request (e.g. 16MiB; default 8MiB)",
      ).argParser(byteSize),
    )
    .addOption(
      new Option("--concurrency <n>", "requests in flight per store (default 128)").argParser(
        positiveInteger,
      ),
    );
}

/** One command run: its Context and the headers of its HTTP stores. */
export interface Session {
  readonly context: Context;
  readonly headers: Readonly<Record<string, string>>;
  /** The store settings of `--max-gap` / `--max-size` / `--concurrency` (those given). */
  readonly storeSettings: Partial<StoreSettings>;
  /** Whether store requests are logged to stderr (`--log requests`, `ZARR_PLAN_LOG=requests`). */
  readonly logRequests: boolean;
  /** Names `store` in the request log (its STORE argument). */
  label(store: object, text: string): void;
  /** Closes the Context (requests, workers). */
  close(): void;
}

/** A byte range as the request log shows it: `[offset, end)` or `last N`. */
function rangeText(range: RequestLogEntry["range"]): string {
  if (range === undefined) return "";
  if ("suffixLength" in range) return ` bytes=-${range.suffixLength}`;
  return ` bytes=${range.offset}-${range.offset + range.length - 1}`;
}

/** The HTTP status or error code of a failed attempt, when the error says. */
function failureText(error: unknown): string {
  if (error === null || typeof error !== "object") return "";
  const e = error as { status?: unknown; code?: unknown; message?: unknown };
  if (typeof e.status === "number") return ` HTTP ${e.status}`;
  return typeof e.message === "string" ? ` (${e.message})` : "";
}

/** One line of the request log. */
export function requestLine(entry: RequestLogEntry, storeName: string | undefined): string {
  const where = storeName === undefined ? "" : `${storeName} `;
  const outcome = entry.outcome === "error" ? `error${failureText(entry.error)}` : entry.outcome;
  const reads = entry.reads?.length ? ` (for ${entry.reads.join(", ")})` : "";
  return `request ${entry.op} ${where}${entry.key}${rangeText(entry.range)} → ${outcome}, ${bytesText(entry.bytes)}, attempt ${entry.attempt}, ${entry.durationMs.toFixed(1)} ms${reads}\n`;
}

/**
 * The session of a command: a Context with the store settings of the options (and `extra`
 * Context options: caches, limits) and, under `--log requests` or `ZARR_PLAN_LOG=requests`, a
 * request log on stderr.
 * @throws UsageError for an unknown `ZARR_PLAN_LOG` value or Context options out of range.
 */
export function openSession(
  opts: SessionOptions,
  io: Io,
  extra: Pick<ContextOptions, "cache" | "limits"> = {},
): Session {
  const fromEnv = io.env?.ZARR_PLAN_LOG?.trim();
  if (fromEnv && !(LOG_KINDS as readonly string[]).includes(fromEnv)) {
    throw new UsageError(
      `ZARR_PLAN_LOG=${JSON.stringify(fromEnv)}: expected one of ${LOG_KINDS.join(", ")}`,
    );
  }
  const logRequests = (opts.log ?? fromEnv) === "requests";
  const store: Partial<StoreSettings> = {
    ...(opts.maxGap === undefined ? {} : { maxGap: opts.maxGap }),
    ...(opts.maxSize === undefined ? {} : { maxSize: opts.maxSize }),
    ...(opts.concurrency === undefined ? {} : { concurrency: opts.concurrency }),
  };
  const names = new WeakMap<object, string>();
  let context: Context;
  try {
    context = new Context({
      ...extra,
      store,
      ...(logRequests
        ? { onRequest: (e: RequestLogEntry) => io.stderr(requestLine(e, names.get(e.store))) }
        : {}),
    });
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(e.message);
    throw e;
  }
  const headers = Object.fromEntries((opts.header ?? []).map(parseHeader));
  return {
    context,
    headers,
    storeSettings: store,
    logRequests,
    label: (s, text) => names.set(s, text),
    close: () => context.close(),
  };
}

/** Runs `body` with the session of `opts` and closes it afterwards. */
export async function withSession<T>(
  opts: SessionOptions,
  io: Io,
  body: (session: Session) => Promise<T>,
): Promise<T> {
  const session = openSession(opts, io);
  try {
    return await body(session);
  } finally {
    session.close();
  }
}
