/**
 * Queue URLs: `redis://HOST:PORT[/NAME]` names a Redis server and a BullMQ queue on it.
 * @module
 */
import { QueueError } from "./errors.js";

/** Queue name when a URL gives none. */
export const DEFAULT_QUEUE_NAME = "zarr-plan";

/** Where the jobs go: a Redis server (`connection`, for BullMQ) and the queue's name. */
export interface QueueAddress {
  /** ioredis connection options for BullMQ (`host`, `port`). */
  readonly connection: { readonly host: string; readonly port: number };
  /** BullMQ queue name. */
  readonly queue: string;
}

/**
 * Parses `redis://HOST:PORT[/NAME]` (NAME: the queue name, default `"zarr-plan"`; letters, digits,
 * `-`, `_`, `.`, at most 100 characters; no `:`, which BullMQ reserves).
 * @throws QueueError (`ERR_QUEUE`) naming the URL: another scheme, no host or port, a port out of
 * 1–65535, credentials or a query (not supported), a bad queue name.
 */
export function parseQueueUrl(text: string): QueueAddress {
  const fail = (why: string): never => {
    throw new QueueError(
      `queue URL ${JSON.stringify(text)}: ${why} (expected redis://HOST:PORT[/NAME])`,
      { url: text },
    );
  };
  if (typeof text !== "string" || text.length > 2048)
    fail("not a string of at most 2048 characters");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail("not a URL");
  }
  if (url.protocol !== "redis:") fail(`scheme "${url.protocol.replace(/:$/, "")}" is not redis`);
  if (url.username !== "" || url.password !== "") fail("credentials are not supported");
  if (url.search !== "" || url.hash !== "") fail("a query or fragment is not supported");
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (host === "") fail("no host");
  if (url.port === "") fail("no port");
  const port = Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`port ${url.port} out of 1–65535`);
  const path = decodeURIComponent(url.pathname.replace(/^\/+/, "").replace(/\/+$/, ""));
  const queue = path === "" ? DEFAULT_QUEUE_NAME : path;
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(queue)) {
    fail(`queue name ${JSON.stringify(queue)} is not 1–100 letters, digits, "-", "_" or "."`);
  }
  return { connection: { host, port }, queue };
}
