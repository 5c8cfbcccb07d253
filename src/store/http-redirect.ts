/**
 * Redirects for `FetchStore`, followed by the store itself (RFC 9110 §15.4) so that the
 * credentials in its headers never reach another origin by accident.
 * @module
 */

import { StoreError } from "../core/errors.js";
import type { HeaderRecord } from "./http-headers.js";
import type { HttpAnswer, HttpTransport } from "./http-transport.js";

/** Redirect statuses followed (RFC 9110 §15.4.2-15.4.9): 301, 302, 303, 307, 308. */
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Most redirects followed for one request (the limit of the Fetch standard). */
export const MAX_REDIRECTS = 20;

/**
 * What `FetchStore` does when a redirect leads to another origin (scheme, host or port):
 * - `"drop-headers"` (default): follow it without the user's headers (the `headers` option and
 *   `requestInit.headers`), keeping only `Range`; they stay dropped for the rest of the chain;
 * - `"refuse"`: fail with a non-transient `StoreError` naming both origins;
 * - `"keep-headers"`: follow it with every header (only for origins trusted with the credentials).
 */
export type CrossOriginRedirectPolicy = "drop-headers" | "refuse" | "keep-headers";

/** One request to send through {@link sendFollowingRedirects}. */
export interface RedirectingRequest {
  /** The store key (for messages). */
  key: string;
  /** The first URL. */
  url: URL;
  /** The abort signal of every hop. */
  signal: AbortSignal | undefined;
  /** Whether a content-coded body may be decoded (see `HttpRequest.decode`). */
  decode: boolean;
  /** Every header of the first hop (user headers and `Range`), lower-case names. */
  headers: HeaderRecord;
  /** The `Range` header value, kept on cross-origin hops. */
  range: string | undefined;
  policy: CrossOriginRedirectPolicy;
  /** `requestInit.redirect === "error"`: any redirect is an error. */
  refuseAll: boolean;
  /**
   * True once the platform hid a redirect (`opaqueredirect`, browsers): further requests then let
   * the platform follow redirects itself. Updated by the call.
   */
  platform: { follows: boolean };
}

/**
 * Sends `GET` requests through `transport` with `redirect: "manual"` and follows redirects itself: at most
 * {@link MAX_REDIRECTS} hops of 301/302/303/307/308 with a `Location` (resolved against the URL
 * that answered), to `http:` or `https:` URLs only. Same-origin hops keep every header;
 * cross-origin hops follow `policy`.
 *
 * In browsers a manual redirect is an opaque answer (`type === "opaqueredirect"`, status 0) whose
 * target is hidden: the request is then sent again with `redirect: "follow"` and the browser
 * follows (applying CORS to the redirect itself: a header reaches another origin only when that
 * origin's preflight allows it), or, with `"refuse"`/`requestInit.redirect === "error"`, refused.
 *
 * Network failures are thrown as they are (the caller maps them).
 * @returns the final answer (not a redirect) and the URL that gave it.
 * @throws StoreError (not transient) for a redirect loop, more than {@link MAX_REDIRECTS} hops,
 * an invalid or non-HTTP `Location`, a refused cross-origin redirect or a refused redirect.
 */
export async function sendFollowingRedirects(
  transport: HttpTransport,
  request: RedirectingRequest,
): Promise<{ response: HttpAnswer; url: URL }> {
  const { key, range, policy, platform, signal, decode } = request;
  let url = request.url;
  let headers = request.headers;
  const seen = new Set([url.href]);
  for (let hops = 0; ; hops++) {
    const mode: RequestRedirect = platform.follows
      ? request.refuseAll || policy === "refuse"
        ? "error"
        : "follow"
      : "manual";
    const response = await transport.send({ url, headers, signal, redirect: mode, decode });
    if (response.opaqueRedirect) {
      response.discard();
      platform.follows = true;
      if (request.refuseAll || policy === "refuse") {
        throw new StoreError(
          `Refused a redirect for "${key}" (${shown(url)}): the browser hides its target, so it cannot be checked (${refusal(request)})`,
          { key },
        );
      }
      return {
        response: await transport.send({ url, headers, signal, redirect: "follow", decode }),
        url,
      };
    }
    const location = REDIRECT_STATUSES.has(response.status)
      ? response.headers.get("location")
      : null;
    if (location === null) return { response, url };
    response.discard();
    const status = response.status;
    const fail = (detail: string) =>
      new StoreError(`HTTP ${status} redirect for "${key}" (${shown(url)}) ${detail}`, {
        key,
        status,
      });
    if (request.refuseAll) throw fail(`refused (${refusal(request)})`);
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw fail(`has an invalid Location ${JSON.stringify(location)}`);
    }
    if (next.protocol !== "http:" && next.protocol !== "https:") {
      throw fail(`leads to a ${next.protocol} URL; only http: and https: are followed`);
    }
    next.hash = "";
    if (seen.has(next.href)) throw fail(`loops back to ${shown(next)}`);
    if (hops + 1 > MAX_REDIRECTS) throw fail(`is one too many (at most ${MAX_REDIRECTS} hops)`);
    if (next.origin !== url.origin) {
      if (policy === "refuse") {
        throw fail(
          `leads from origin ${url.origin} to origin ${next.origin}: refused (FetchStore option crossOriginRedirects: "refuse")`,
        );
      }
      if (policy === "drop-headers") {
        headers = range === undefined ? {} : { range };
      }
    }
    seen.add(next.href);
    url = next;
  }
}

function refusal(request: RedirectingRequest): string {
  return request.refuseAll
    ? 'requestInit.redirect is "error"'
    : 'FetchStore option crossOriginRedirects: "refuse"';
}

/** A URL for messages, without query string (it may hold credentials). */
function shown(url: URL): string {
  return `${url.origin}${url.pathname}`;
}
