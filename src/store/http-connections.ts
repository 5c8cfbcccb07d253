/**
 * Keep-alive HTTP connections shared by the stores that are given them, so that a new store for
 * the same server does not open new connections (a `Context` owns one {@link HttpConnections} and
 * passes it with every request it makes: see `StoreRequestOptions.connections`).
 * @module
 */

/** The connection pools of one transport (Node: an `http.Agent` and an `https.Agent`). */
export interface ConnectionPools {
  /** Closes every connection, idle or not (requests on them fail). */
  close(): void;
}

/**
 * Connections to share between stores: `FetchStore`'s Node transport keeps its keep-alive agents
 * here when a request carries this object, instead of in the store, so every store given the
 * same object reuses the same connections (up to the stores' own request limits). Browsers and
 * `fetch` manage connections themselves and ignore it. Made empty; the pools are made on first
 * use.
 */
export class HttpConnections {
  #pools: ConnectionPools | undefined;
  #closed = false;

  /**
   * The pools, made by `make` on first use; `undefined` after {@link close} (the store then uses
   * connections of its own).
   */
  pools<T extends ConnectionPools>(make: () => T): T | undefined {
    if (this.#closed) return undefined;
    this.#pools ??= make();
    return this.#pools as T;
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Closes the shared connections (a closing `Context`). */
  close(): void {
    this.#closed = true;
    this.#pools?.close();
    this.#pools = undefined;
  }
}
