/**
 * A read-only store over HTTP(S): `node:http` / `node:https` in Node, `fetch` in browsers or
 * when given one.
 * @module
 */

import {
  AbortError,
  AuthorizationError,
  StoreError,
  throwIfAborted,
  ZarrPlanError,
} from "../core/errors.js";
import { isAbortLike } from "./abort.js";
import { STORE_BRAND } from "./brand.js";
import { readExactly, readSpan } from "./http-body.js";
import { type HttpConnections, sharedTransport } from "./http-connections.js";
import { type HeaderRecord, headerRecord } from "./http-headers.js";
import { isNodeRuntime, nodeTransport } from "./http-node.js";
import { checkNotSatisfiable, checkPartialContent, rangeHeader } from "./http-range.js";
import {
  type CrossOriginRedirectPolicy,
  MAX_REDIRECTS,
  sendFollowingRedirects,
} from "./http-redirect.js";
import {
  fetchTransport,
  type HttpAnswer,
  type HttpTransport,
  WHOLE_BODY_MIN_BYTES,
} from "./http-transport.js";
import { assertKey } from "./keys.js";
import { assertByteLimit, tooLargeError } from "./limits.js";
import { assertRange, isEmptyRange } from "./range.js";
import type { RangeQuery, ReadableStore, StoreRequestOptions } from "./types.js";

/**
 * How {@link FetchStore} sends its requests:
 * - `"auto"` (default): `"node"` in Node unless the `fetch` option is given (or `requestInit`
 *   holds fields only `fetch` understands, such as undici's `dispatcher`), else `"fetch"`;
 * - `"fetch"`: the WHATWG `fetch` (the `fetch` option, else the global one);
 * - `"node"`: keep-alive connections (`node:net` / `node:tls`; Node only) of the store's own, or
 *   of the `Context` reading through it (every store read through one Context shares them, see
 *   `StoreRequestOptions.connections`), all reading into one buffer they share, response heads
 *   parsed by Node's HTTP parser (llhttp), bodies copied once into the value's buffer;
 *   `node:http` / `node:https` where Node's `HTTPParser` is not available. Less than half the
 *   CPU time per request of Node's `fetch` (undici), which goes
 *   through web streams and `Request`/`Response` objects, and a third of `node:http`'s per byte
 *   received (docs/stores.md). TLS uses Node's default CAs, like `fetch`; HTTP proxies are not
 *   used, as by Node's `fetch` (environment variables such as `HTTPS_PROXY` are ignored: pass a
 *   `fetch` that goes through a proxy instead). It sends no `Accept-Encoding`; a server that
 *   still answers a whole-object `get` with `Content-Encoding` gzip, deflate or br is decoded
 *   (within the same byte limits), any other coding, or a coded answer to a range request, is a
 *   non-transient `StoreError`. Of `requestInit` only `headers`, `signal` and `redirect`
 *   apply (`credentials`, `mode`, `cache` mean nothing outside browsers). Idle keep-alive
 *   connections do not keep the process alive.
 */
export type FetchStoreTransport = "auto" | "fetch" | "node";

/** Options of {@link FetchStore}. */
export interface FetchStoreOptions {
  /**
   * The `fetch` to use for every request (default: the global `fetch`, looked up per request).
   * Giving one selects the `"fetch"` transport (see `transport`).
   */
  fetch?: typeof fetch;
  /** How requests are sent (default `"auto"`), see {@link FetchStoreTransport}. */
  transport?: FetchStoreTransport;
  /** Extra request headers for every request; a function is called once per request (e.g. fresh tokens). */
  headers?: HeadersInit | (() => HeadersInit);
  /**
   * Base `RequestInit` of every request (credentials, mode, cache, ...). `method` is always `GET`;
   * `redirect` is ignored except `"error"`, which makes every redirect a `StoreError` (the store
   * follows redirects itself, see `crossOriginRedirects`).
   */
  requestInit?: RequestInit;
  /**
   * What a redirect (RFC 9110 §15.4) to another origin does with the request headers. Default
   * `"drop-headers"`: the hop goes without the `headers` option and `requestInit.headers` (only
   * `Range` is kept), so a token or API key never reaches a host it was not meant for;
   * `"refuse"`: a non-transient `StoreError` naming both origins; `"keep-headers"`: every header
   * follows (only when every target is trusted with the credentials). Same-origin redirects always
   * keep every header. At most 20 redirects are followed; a loop is a `StoreError`.
   *
   * In browsers the target of a redirect is hidden from scripts, so the browser follows it and
   * applies CORS itself (it removes `Authorization` across origins, and any other custom header
   * needs the target's CORS preflight approval); `"refuse"` then refuses every redirect.
   */
  crossOriginRedirects?: CrossOriginRedirectPolicy;
  /**
   * HTTP statuses that mean "the key does not exist" (`get`/`getRange` answer `undefined`).
   * Default `[404, 410]` (RFC 9110 §15.5.5 Not Found, §15.5.11 Gone). Public S3/GCS buckets that do
   * not grant list permission answer `403` for missing keys: pass `[403, 404]` for them. A `401`
   * or `403` not listed here raises an `AuthorizationError`.
   * Each entry must be an integer from 400 to 599.
   */
  missingStatuses?: readonly number[];
  /**
   * Largest value `get` reads when the caller gives no `maxBytes` (see `StoreRequestOptions`),
   * in bytes; also the most a suffix `getRange` reads from a `200` answer without
   * `Content-Length`. Default 2 GiB (2^31 bytes); `Infinity` for no limit. A larger value is a
   * non-transient `StoreError` naming key, size and limit.
   */
  maxObjectBytes?: number;
}

/** Default of {@link FetchStoreOptions.maxObjectBytes}: 2 GiB. */
const MAX_OBJECT_BYTES = 2 ** 31;

/** Default of {@link FetchStoreOptions.missingStatuses}. */
const MISSING_STATUSES: readonly number[] = [404, 410];

/** The `requestInit` fields the `"node"` transport honours or that mean nothing outside browsers. */
const NODE_INIT_FIELDS: ReadonlySet<string> = new Set([
  "headers",
  "signal",
  "redirect",
  "method",
  "credentials",
  "mode",
  "cache",
]);

/**
 * A read-only {@link ReadableStore} over HTTP(S): key `"a/c/0"` is fetched from
 * `new URL("a/c/0", base)`, each key segment percent-encoded, `base` always ending in `/`; the
 * base URL's query string (e.g. a signed token) is kept on every request. Follows the abstract
 * store interface of the Zarr v3 core specification ("Storage") and RFC 9110 §14 for range
 * requests (`Range` / `Content-Range`).
 *
 * Redirects (RFC 9110 §15.4) are followed by the store itself, at most 20 hops; a redirect to
 * another origin does not carry the user's headers unless `crossOriginRedirects` says so.
 *
 * In Node requests go through keep-alive connections (those of the Context that reads through
 * the store, else the store's own), in browsers (or with the `fetch` option) through `fetch`: see
 * `transport`.
 *
 * HTTP has no standard listing and no standard writes, so this store has neither `set`/`delete`
 * nor `list`/`listDir`: open groups through consolidated metadata or by known paths.
 *
 * Answers: `200` → the bytes; `404`/`410` (or the statuses of `missingStatuses`) → `undefined`;
 * `401`/`403` → `AuthorizationError` (code `ERR_UNAUTHORIZED`, not transient) naming the key and
 * the URL without its query string; any other status → `StoreError` with `status` (`transient`
 * for 5xx and 429); a network failure → transient `StoreError` with the fetch error as `cause`;
 * an aborted signal → `AbortError` naming the key. Range requests are checked, see
 * {@link FetchStore.getRange}; bodies are read only as far as needed and at most `maxBytes` /
 * `maxObjectBytes` bytes. Cross-origin use needs CORS allowing the `Range` request header and
 * exposing `Content-Range`.
 */
export class FetchStore implements ReadableStore {
  /** Marks zarr-plan stores (see `STORE_BRAND`). */
  readonly [STORE_BRAND] = true as const;
  /** The base URL; its path always ends in `/`. */
  readonly url: URL;
  readonly #fetch: typeof fetch | undefined;
  readonly #transportKind: "fetch" | "node";
  /** The transport once created (the Node one is loaded on the first request). */
  #transport: HttpTransport | undefined;
  #loading: Promise<HttpTransport> | undefined;
  readonly #headers: HeadersInit | (() => HeadersInit) | undefined;
  /** `requestInit.headers` as a record, made at the first request. */
  #baseHeaders: HeaderRecord | undefined;
  readonly #init: RequestInit;
  readonly #missing: ReadonlySet<number>;
  readonly #redirects: CrossOriginRedirectPolicy;
  readonly #maxObjectBytes: number;
  /** Set once a browser hid a redirect: later requests let the browser follow redirects. */
  readonly #platform = { follows: false };

  /**
   * @param url base URL of the store (relative URLs resolve against `location` in browsers).
   * @throws TypeError for an invalid URL; RangeError for an invalid option value (also
   * `transport: "node"` outside Node or together with `fetch`).
   */
  constructor(url: string | URL, options: FetchStoreOptions = {}) {
    const base = new URL(url, typeof location === "undefined" ? undefined : location.href);
    if (!base.pathname.endsWith("/")) base.pathname += "/";
    base.hash = "";
    this.url = base;
    this.#fetch = options.fetch;
    this.#headers = options.headers;
    this.#init = options.requestInit ?? {};
    this.#transportKind = chooseTransport(options, this.#init);
    const missing = options.missingStatuses ?? MISSING_STATUSES;
    for (const status of missing) {
      if (!Number.isInteger(status) || status < 400 || status > 599) {
        throw new RangeError(
          `FetchStore missingStatuses: ${String(status)} is not an HTTP error status (an integer from 400 to 599)`,
        );
      }
    }
    this.#missing = new Set(missing);
    assertByteLimit(options.maxObjectBytes, "FetchStore maxObjectBytes");
    this.#maxObjectBytes = options.maxObjectBytes ?? MAX_OBJECT_BYTES;
    this.#redirects = options.crossOriginRedirects ?? "drop-headers";
    if (!["drop-headers", "refuse", "keep-headers"].includes(this.#redirects)) {
      throw new RangeError(
        `FetchStore crossOriginRedirects: ${JSON.stringify(this.#redirects)} is not "drop-headers", "refuse" or "keep-headers"`,
      );
    }
  }

  /** The URL of `key`. @throws StoreError for an invalid key. */
  resolve(key: string): URL {
    assertKey(key);
    const url = new URL(key.split("/").map(encodeURIComponent).join("/"), this.url);
    url.search = this.url.search;
    return url;
  }

  /**
   * The whole value at `key` (bytes) by `GET`, or `undefined` on 404/410 (see `missingStatuses`).
   * At most `options.maxBytes` (else the store's `maxObjectBytes`) bytes are read: a larger
   * `Content-Length` fails before reading, a body without one is cancelled at the limit.
   * @throws AuthorizationError on 401/403; StoreError on any other non-2xx status, a network
   * failure, a body longer or shorter than its `Content-Length` (transient), or a value larger
   * than the limit (not transient, naming key, size and limit), or, with the `"node"` transport,
   * a `Content-Encoding` other than gzip, deflate and br (not transient); RangeError for an
   * invalid `maxBytes`; AbortError when `options.signal` aborts; TypeError when
   * `options.connections` is not an `HttpConnections`.
   */
  async get(key: string, options?: StoreRequestOptions): Promise<Uint8Array | undefined> {
    const signal = options?.signal;
    assertByteLimit(options?.maxBytes, "maxBytes");
    const { response, url } = await this.#request(key, undefined, signal, options?.connections);
    if (this.#missing.has(response.status)) return discard(response);
    if (!isOk(response) || response.status === 206) throw statusError(response, key, url);
    if (response.undecoded !== undefined) {
      discard(response);
      throw encodingError(
        key,
        url,
        response.undecoded,
        "FetchStore decodes only gzip, deflate and br",
      );
    }
    const limit = this.#limit(options);
    return guard(key, url, signal, async () => {
      const length = contentLength(response);
      if (length === undefined) {
        const over = () => tooLargeError(key, shownUrl(url), undefined, limit.bytes, limit.option);
        return (await readSpan(response.body, { cap: limit.bytes, over })).bytes;
      }
      if (length > limit.bytes) {
        discard(response);
        throw tooLargeError(key, shownUrl(url), length, limit.bytes, limit.option);
      }
      const body = await readExactly(
        response.body,
        length,
        () => bodyError(key, url, `is longer than its Content-Length ${length}`),
        options?.allocate,
      );
      if (body.length < length) {
        throw bodyError(
          key,
          url,
          `ended after ${body.length} of its Content-Length ${length} bytes`,
        );
      }
      return body;
    });
  }

  /**
   * The bytes of `key` selected by `range`, by a `GET` with a `Range: bytes=o-(o+len-1)` or
   * `bytes=-n` header (RFC 9110 §14.2), or `undefined` on 404/410 (see `missingStatuses`). A
   * zero-length range returns an empty array without any request (so without checking that the
   * key exists). Reads no more of a body than the answer needs:
   *
   * - `206` (RFC 9110 §15.3.7): `Content-Range` must match the (clamped) request and the body its
   *   length, else a (non-transient) `StoreError` explaining the mismatch; a body running past its
   *   `Content-Range` is cancelled one byte after it, with a transient `StoreError` ("longer than").
   * - `200` (server ignoring `Range`): the body is sliced to the range. For `{offset, length}` it is
   *   read only up to byte `offset + length`, then cancelled; for a suffix, up to its
   *   `Content-Length`, or, without one, whole but at most `options.maxBytes` (else
   *   `maxObjectBytes`) bytes, keeping only the last `suffixLength` (a larger body is a
   *   non-transient `StoreError`).
   * - `416` (RFC 9110 §15.5.17): the range lies past the end: an empty array.
   * @throws RangeError for an invalid range or `maxBytes`; `AuthorizationError`, `StoreError`,
   * `AbortError`, `TypeError` as {@link FetchStore.get}; with the `"node"` transport, a
   * non-transient `StoreError` for a 2xx answer with a `Content-Encoding` (a coded body cannot be
   * sliced).
   */
  async getRange(
    key: string,
    range: RangeQuery,
    options?: StoreRequestOptions,
  ): Promise<Uint8Array | undefined> {
    const signal = options?.signal;
    assertRange(range, key);
    assertByteLimit(options?.maxBytes, "maxBytes");
    if (isEmptyRange(range)) {
      assertKey(key);
      throwIfAborted(signal, key);
      return new Uint8Array(0);
    }
    const { response, url } = await this.#request(
      key,
      rangeHeader(range),
      signal,
      options?.connections,
    );
    const contentRange = response.headers.get("Content-Range");
    if (this.#missing.has(response.status)) return discard(response);
    if (response.undecoded !== undefined && isOk(response)) {
      discard(response);
      throw encodingError(
        key,
        url,
        response.undecoded,
        "a compressed body cannot be sliced into a byte range (the server should not encode answers to requests without Accept-Encoding)",
      );
    }
    switch (response.status) {
      case 206: {
        let expected: number;
        try {
          expected = checkPartialContent(key, range, contentRange);
          const length = contentLength(response);
          if (length !== undefined && length !== expected) {
            checkPartialContent(key, range, contentRange, length);
          }
        } catch (error) {
          discard(response);
          throw error;
        }
        const body = await guard(key, url, signal, () =>
          readExactly(
            response.body,
            expected,
            () =>
              bodyError(
                key,
                url,
                `is longer than its Content-Range "${contentRange}" announces (${expected} bytes); reading stopped`,
              ),
            options?.allocate,
          ),
        );
        checkPartialContent(key, range, contentRange, body.length);
        return body;
      }
      case 416:
        discard(response);
        checkNotSatisfiable(key, range, contentRange);
        return new Uint8Array(0);
      default:
        if (!isOk(response)) throw statusError(response, key, url);
        return guard(key, url, signal, () =>
          sliceWholeBody(response, range, key, url, this.#limit(options)),
        );
    }
  }

  /** The size limit of a read: `options.maxBytes`, else the store's `maxObjectBytes`. */
  #limit(options: StoreRequestOptions | undefined): ByteLimit {
    return options?.maxBytes === undefined
      ? { bytes: this.#maxObjectBytes, option: "FetchStore option maxObjectBytes" }
      : { bytes: options.maxBytes, option: "maxBytes" };
  }

  /**
   * Sends the `GET` of `key`, following up to {@link MAX_REDIRECTS} redirects (see
   * `crossOriginRedirects`); network failures and aborts become zarr-plan errors.
   * @returns the final answer and the URL that gave it.
   */
  async #request(
    key: string,
    range: string | undefined,
    signal: AbortSignal | undefined,
    connections: HttpConnections | undefined,
  ): Promise<{ response: HttpAnswer; url: URL }> {
    const url = this.resolve(key);
    throwIfAborted(signal, key);
    const effectiveSignal = signal ?? this.#init.signal ?? undefined;
    const redirect = this.#init.redirect;
    // The "node" transport keeps its connections in the caller's `connections` when given (a
    // wrong object is a TypeError of the caller's, not a network error).
    const shared =
      this.#transportKind === "node" && connections !== undefined
        ? sharedTransport(connections, nodeTransport)
        : undefined;
    try {
      const transport = (await shared) ?? this.#transport ?? (await this.#createTransport());
      return await sendFollowingRedirects(transport, {
        key,
        url,
        signal: effectiveSignal,
        decode: range === undefined,
        headers: this.#requestHeaders(range),
        range,
        policy: this.#redirects,
        refuseAll: redirect === "error",
        platform: this.#platform,
      });
    } catch (error) {
      throw fetchError(error, key, url, effectiveSignal);
    }
  }

  /** The transport of this store, created once (the Node one loaded on demand). */
  #createTransport(): Promise<HttpTransport> {
    if (this.#transportKind === "fetch") {
      const { headers: _headers, redirect: _redirect, signal: _signal, ...base } = this.#init;
      const chosen = this.#fetch;
      this.#transport = fetchTransport(
        () => chosen ?? globalThis.fetch,
        base,
        isNodeRuntime() ? undefined : WHOLE_BODY_MIN_BYTES,
      );
      return Promise.resolve(this.#transport);
    }
    this.#loading ??= nodeTransport().then((transport) => {
      this.#transport = transport;
      return transport;
    });
    return this.#loading;
  }

  /** `requestInit.headers`, then `options.headers`, then `Range` (lower-case names). */
  #requestHeaders(range: string | undefined): HeaderRecord {
    this.#baseHeaders ??= headerRecord(this.#init.headers ?? undefined);
    const extra = typeof this.#headers === "function" ? this.#headers() : this.#headers;
    const headers = headerRecord(this.#baseHeaders, extra);
    if (range !== undefined) headers.range = range;
    return headers;
  }
}

/** A size limit (bytes) and the option it comes from, for messages. */
interface ByteLimit {
  bytes: number;
  option: string;
}

/**
 * The transport of `options` (see {@link FetchStoreTransport}).
 * @throws RangeError for an unknown value, or `"node"` outside Node or with a `fetch`.
 */
function chooseTransport(options: FetchStoreOptions, init: RequestInit): "fetch" | "node" {
  const wanted = options.transport ?? "auto";
  switch (wanted) {
    case "fetch":
      return "fetch";
    case "node":
      if (!isNodeRuntime()) {
        throw new RangeError('FetchStore transport: "node" is only available in Node');
      }
      if (options.fetch !== undefined) {
        throw new RangeError(
          'FetchStore transport: "node" cannot use the fetch option (pass transport: "fetch" or leave it out)',
        );
      }
      return "node";
    case "auto":
      return isNodeRuntime() &&
        options.fetch === undefined &&
        Object.keys(init).every((field) => NODE_INIT_FIELDS.has(field))
        ? "node"
        : "fetch";
    default:
      throw new RangeError(
        `FetchStore transport: ${JSON.stringify(wanted)} is not "auto", "fetch" or "node"`,
      );
  }
}

/** A 2xx status. */
function isOk(response: HttpAnswer): boolean {
  return response.status >= 200 && response.status <= 299;
}

/** A non-transient `StoreError` for a body in a content coding the store cannot use. */
function encodingError(key: string, url: URL, coding: string, why: string): StoreError {
  return new StoreError(
    `Body of "${key}" (${shownUrl(url)}) has Content-Encoding "${coding}": ${why}`,
    { key, transient: false },
  );
}

/**
 * The part of a `200` answer's (whole) body that `range` selects, reading no further than needed
 * (see {@link FetchStore.getRange}).
 * @throws StoreError (transient) when the body disagrees with its `Content-Length`; StoreError
 * (not transient) when a suffix must be read from a body without `Content-Length` larger than `limit`.
 */
async function sliceWholeBody(
  response: HttpAnswer,
  range: RangeQuery,
  key: string,
  url: URL,
  limit: ByteLimit,
): Promise<Uint8Array> {
  const length = contentLength(response);
  if ("suffixLength" in range && length === undefined) {
    const over = () => tooLargeError(key, shownUrl(url), undefined, limit.bytes, limit.option);
    const read = await readSpan(response.body, {
      tail: range.suffixLength,
      cap: limit.bytes,
      over,
    });
    return read.bytes;
  }
  const from =
    "suffixLength" in range ? Math.max(0, (length ?? 0) - range.suffixLength) : range.offset;
  const end = "suffixLength" in range ? Number.POSITIVE_INFINITY : range.offset + range.length;
  // With a Content-Length, read one byte past it at most, to notice a body longer than announced.
  const to = length === undefined ? end : Math.min(end, length + 1);
  const read = await readSpan(response.body, { from, to });
  if (length !== undefined && read.total > length) {
    throw bodyError(key, url, `is longer than its Content-Length ${length}`);
  }
  if (length !== undefined && read.ended && read.total < length) {
    throw bodyError(key, url, `ended after ${read.total} of its Content-Length ${length} bytes`);
  }
  return read.bytes;
}

/**
 * The `Content-Length` of `response` (bytes) when it gives the body's length: a non-negative
 * integer and no `Content-Encoding` other than `identity` (the transports decode encoded bodies).
 */
function contentLength(response: HttpAnswer): number | undefined {
  const header = response.headers.get("content-length");
  const encoding = response.headers.get("content-encoding");
  if (header === null || (encoding !== null && encoding.toLowerCase() !== "identity")) {
    return undefined;
  }
  const length = Number(header);
  return header.trim() !== "" && Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

/** Runs a body read; a failure midway becomes a transient `StoreError` or an `AbortError`. */
async function guard<T>(
  key: string,
  url: URL,
  signal: AbortSignal | undefined,
  read: () => Promise<T>,
): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw fetchError(error, key, url, signal);
  }
}

/** A transient `StoreError` about the body of `key`: `Body of "key" (url) <detail>`. */
function bodyError(key: string, url: URL, detail: string): StoreError {
  return new StoreError(`Body of "${key}" (${shownUrl(url)}) ${detail}`, { key, transient: true });
}

/** Releases the connection of an answer whose body is not needed. */
function discard(response: HttpAnswer): undefined {
  response.discard();
  return undefined;
}

/**
 * The wait a `Retry-After` header asks for, in ms (RFC 9110 §10.2.3: delay-seconds or an
 * HTTP-date); `undefined` when absent or unreadable. Capped at one day.
 */
export function retryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(0, ms), 86_400_000);
}

/** The error for a non-2xx answer: `AuthorizationError` for 401/403, else `StoreError`. */
function statusError(response: HttpAnswer, key: string, url: URL): StoreError {
  discard(response);
  const { status } = response;
  const text = response.statusText ? ` ${response.statusText}` : "";
  const message = `HTTP ${status}${text} for "${key}" (${shownUrl(url)})`;
  if (status === 401 || status === 403) {
    return new AuthorizationError(
      `${message}: not authorized; check the credentials (headers, token in the URL). A public bucket that answers 403 for missing keys needs the FetchStore option missingStatuses: [403, 404]`,
      { key, status },
    );
  }
  const transient = status >= 500 || status === 429;
  const retryAfterMs = transient ? retryAfter(response.headers.get("Retry-After")) : undefined;
  return new StoreError(message, {
    key,
    status,
    transient,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

function fetchError(
  error: unknown,
  key: string,
  url: URL,
  signal: AbortSignal | undefined,
): ZarrPlanError {
  if (error instanceof ZarrPlanError) return error;
  if (signal?.aborted || isAbortLike(error)) {
    return new AbortError(`Aborted while reading "${key}"`, key, { cause: error });
  }
  const detail = networkDetail(error);
  return new StoreError(`Network error for "${key}" (${shownUrl(url)}): ${detail}`, {
    key,
    transient: true,
    cause: error,
  });
}

/**
 * The message of a network error with its causes: undici's `fetch failed` hides the reason in
 * `cause` (`ECONNREFUSED`, `ENOTFOUND`, a TLS error, …), so each cause's code and message follow.
 */
function networkDetail(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = error;
  for (let depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    const o = e as { message?: unknown; code?: unknown; cause?: unknown };
    const message = typeof o.message === "string" ? o.message : String(e);
    const code = typeof o.code === "string" && !message.includes(o.code) ? `${o.code}: ` : "";
    parts.push(`${code}${message}`);
    e = typeof e === "object" ? o.cause : undefined;
  }
  return parts.join(" (caused by ") + ")".repeat(Math.max(0, parts.length - 1));
}

/** A URL for messages, without query string (it may hold credentials). */
function shownUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
