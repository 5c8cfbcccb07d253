/**
 * Writing answers and reading bodies over `node:http`: CORS headers on every answer, JSON and byte
 * bodies, errors as `{ "error": message, "code": "ERR_…" }`, request bodies up to a byte limit.
 * @module
 */

import type { NDArray } from "../index.js";
import { dtypeLabel } from "../present/describe.js";
import { badRequest, type HttpError } from "./errors.js";
import type { ServeRequest, ServeResponse } from "./service.js";

/** Headers a page on another origin may read. */
const EXPOSED = "x-zarr-shape, x-zarr-dtype, x-zarr-vmin, x-zarr-vmax, retry-after";

/** The CORS headers of every answer (any origin; no credentials). */
export const CORS_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, OPTIONS",
  "access-control-allow-headers": "content-type, accept",
  "access-control-expose-headers": EXPOSED,
  "access-control-max-age": "600",
});

/** Sends `body` with `status`, CORS and `headers`; nothing when the client has left. */
export function send(
  res: ServeResponse,
  status: number,
  contentType: string,
  body: Uint8Array | string,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  res.writeHead(status, {
    ...CORS_HEADERS,
    "content-type": contentType,
    "content-length": String(bytes.byteLength),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(bytes);
}

/** Sends `value` as JSON. */
export function sendJson(
  res: ServeResponse,
  status: number,
  value: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  send(res, status, "application/json; charset=utf-8", `${JSON.stringify(value)}\n`, headers);
}

/** Sends an error answer. */
export function sendError(res: ServeResponse, e: HttpError): void {
  sendJson(res, e.status, { error: e.message, code: e.code }, e.headers);
}

/**
 * The request body, at most `maxBytes` bytes.
 * @throws ServiceError `ERR_REQUEST` (413) when it is longer; the request's own errors.
 */
export async function readBody(
  req: ServeRequest,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Uint8Array> {
  const declared = Number(req.headers["content-length"] ?? Number.NaN);
  if (declared > maxBytes) {
    throw badRequest(`request body of ${declared} bytes is over the limit of ${maxBytes}`, 413);
  }
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of req) {
    signal.throwIfAborted();
    const b = chunk as Buffer;
    n += b.length;
    if (n > maxBytes) throw badRequest(`request body is over the limit of ${maxBytes} bytes`, 413);
    parts.push(b);
  }
  return Buffer.concat(parts);
}

/**
 * The request body as JSON (at most `maxBytes` bytes).
 * @throws ServiceError `ERR_REQUEST`: 413 over the limit, 400 when it is not JSON.
 */
export async function readJson(
  req: ServeRequest,
  maxBytes: number,
  signal: AbortSignal,
): Promise<unknown> {
  const text = new TextDecoder().decode(await readBody(req, maxBytes, signal));
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw badRequest(`request body is not JSON (${e instanceof Error ? e.message : e})`);
  }
}

/** Headers describing a result. */
export function resultHeaders(a: NDArray): Record<string, string> {
  return { "x-zarr-shape": a.shape.join(","), "x-zarr-dtype": dtypeLabel(a.dtype) };
}
