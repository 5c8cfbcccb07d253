/**
 * Request headers of `FetchStore` as a plain record of lower-case names, built from any
 * `HeadersInit` without the WHATWG `Headers` class: in Node that class lives in the bundled
 * undici, whose first use loads and compiles it (about 10 MB of resident memory and a few ms),
 * although the Node transport never needs it.
 * @module
 */

/** Request headers: lower-case names (RFC 9110 §5.1: case-insensitive) to values. */
export type HeaderRecord = Readonly<Record<string, string>>;

/** A field name: an RFC 9110 §5.6.2 token. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Leading or trailing HTTP whitespace (RFC 9110 §5.5: removed from field values). */
const EDGE_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;

/** Characters never allowed in a field value (RFC 9110 §5.5). */
const FORBIDDEN = /[\0\r\n]/;

/**
 * Adds the headers of `init` to `into` (later names replace earlier ones, as `Headers.set`;
 * repeated names within one list are joined by `", "`, as `Headers.append`).
 * Accepts the three shapes of `HeadersInit`: a `Headers`-like object (`forEach`), a list of
 * `[name, value]` pairs, or a record.
 * @throws TypeError for an invalid field name or value (as the `Headers` constructor does).
 */
export function addHeaders(into: Record<string, string>, init: HeadersInit | undefined): void {
  if (init === undefined || init === null) return;
  const fresh = new Set<string>();
  const add = (name: string, value: string) => {
    const lower = String(name).toLowerCase();
    if (!TOKEN.test(lower)) throw new TypeError(`Invalid header name ${JSON.stringify(name)}`);
    const clean = String(value).replace(EDGE_WHITESPACE, "");
    if (FORBIDDEN.test(clean)) {
      throw new TypeError(`Invalid value for header ${JSON.stringify(name)}`);
    }
    into[lower] = fresh.has(lower) ? `${into[lower]}, ${clean}` : clean;
    fresh.add(lower);
  };
  if (Array.isArray(init)) {
    for (const pair of init as readonly (readonly string[])[]) {
      if (pair.length !== 2) {
        throw new TypeError(`A header pair must have 2 items, not ${pair.length}`);
      }
      add(pair[0] as string, pair[1] as string);
    }
    return;
  }
  const headersLike = init as { forEach?: unknown };
  if (typeof headersLike.forEach === "function") {
    (init as Headers).forEach((value, name) => {
      add(name, value);
    });
    return;
  }
  for (const [name, value] of Object.entries(init as Record<string, string>)) add(name, value);
}

/** The headers of each `HeadersInit` in turn, later ones replacing earlier names (see {@link addHeaders}). */
export function headerRecord(...inits: (HeadersInit | undefined)[]): Record<string, string> {
  const into: Record<string, string> = Object.create(null);
  for (const init of inits) addHeaders(into, init);
  return into;
}
