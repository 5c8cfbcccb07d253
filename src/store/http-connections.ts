/**
 * Keep-alive HTTP connections shared by the stores given the same {@link HttpConnections}: a
 * `Context` owns one and passes it with every request it makes (`StoreRequestOptions.connections`),
 * so a new `FetchStore` for a server the Context has read from sends its first request on an open
 * connection, as `fetch`'s global pool and TensorStore's shared HTTP transport do.
 * @module
 */
import type { HttpTransport } from "./http-transport.js";

/** The key of {@link HttpConnections}' method that {@link sharedTransport} calls. */
const TRANSPORT: unique symbol = Symbol("HttpConnections.transport");

/**
 * The transport kept in `connections`, made by `make` on first use; `undefined` once they are
 * closed (the store then uses a transport of its own). For stores (`FetchStore`), not exported
 * from the package.
 * @throws TypeError when `connections` is not an {@link HttpConnections}.
 */
export function sharedTransport(
  connections: HttpConnections,
  make: () => Promise<HttpTransport>,
): Promise<HttpTransport> | undefined {
  if (!(connections instanceof HttpConnections)) {
    throw new TypeError(
      `StoreRequestOptions.connections must be an HttpConnections, got ${describe(connections)}`,
    );
  }
  return connections[TRANSPORT](make);
}

/**
 * Connections to share between stores. `FetchStore`'s `"node"` transport keeps its connections
 * here when a request carries this object, instead of in the store: one pool per origin
 * (`protocol://host:port`); requests are still limited per store by the Context. A connection
 * carries no state from one request to the next (headers, such as credentials, go with each
 * request), and TLS uses Node's default CAs for every store. The `"fetch"` transport (browsers,
 * or a `fetch` given to the store) pools connections itself and ignores it. Made empty; the
 * connections are opened on first use.
 *
 * A `Context` has its own (closed with it); pass one as `{ connections }` to share connections
 * between stores called directly. Persistent connections as in RFC 9112 §9.3: one request at a
 * time per connection, kept open between requests until idle for 30 s (or the server's
 * `Keep-Alive: timeout`, less 1 s). A store given anything else as `connections` throws a
 * `TypeError` naming what it got.
 */
export class HttpConnections {
  #transport: Promise<HttpTransport> | undefined;
  #closed = false;

  /** See {@link sharedTransport} (a symbol key: not part of the public API). */
  [TRANSPORT](make: () => Promise<HttpTransport>): Promise<HttpTransport> | undefined {
    if (this.#closed) return undefined;
    this.#transport ??= make();
    return this.#transport;
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Closes the shared connections: idle ones at once, busy ones when their answer ends (requests
   * in flight finish). Stores given this object afterwards use connections of their own.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const made = this.#transport;
    this.#transport = undefined;
    // A transport that failed to load has nothing to close.
    made?.then(
      (t) => t.close?.(),
      () => undefined,
    );
  }
}

/** What a value is, for the error of a wrong `connections` option. */
function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v !== "object") return typeof v;
  const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "" ? `an instance of ${name}` : "an object";
}
