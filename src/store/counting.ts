/**
 * A store wrapper that counts and logs every request, for tests, `explain()` checks and benchmarks.
 * @module
 */
import { STORE_BRAND } from "./brand.js";
import type {
  AnyStore,
  DirListing,
  RangeQuery,
  ReadableStore,
  StoreRequestOptions,
  StoreVersion,
  VersionedValue,
} from "./types.js";
import { isConditional, isListable, isWritable } from "./types.js";

/** One logged read request. */
export interface RequestRecord {
  key: string;
  /** `undefined` for a whole-value `get`. */
  range: RangeQuery | undefined;
  /** Bytes returned (0 for a missing key). */
  bytes: number;
}

/**
 * Wraps a store and counts its reads: `requests` (get + getRange calls), `rangeRequests`, `bytes`
 * (bytes returned), `maxInFlight`, and a `log` of every read. Writes, deletes and listings pass through
 * (listings are counted in `listRequests`), and so do the conditional writes of an inner store that
 * has them (`getVersioned` counts as a read).
 */
export class CountingStore implements ReadableStore {
  readonly [STORE_BRAND] = true as const;
  readonly inner: AnyStore;
  requests = 0;
  rangeRequests = 0;
  listRequests = 0;
  /** Bytes returned by reads. */
  bytes = 0;
  inFlight = 0;
  maxInFlight = 0;
  readonly log: RequestRecord[] = [];
  set?: (key: string, value: Uint8Array, options?: StoreRequestOptions) => Promise<void>;
  delete?: (key: string, options?: StoreRequestOptions) => Promise<void>;
  list?: (prefix: string, options?: StoreRequestOptions) => Promise<string[]>;
  listDir?: (prefix: string, options?: StoreRequestOptions) => Promise<DirListing>;
  getVersioned?: (key: string, options?: StoreRequestOptions) => Promise<VersionedValue>;
  setIf?: (
    key: string,
    value: Uint8Array,
    expected: StoreVersion,
    options?: StoreRequestOptions,
  ) => Promise<boolean>;
  deleteIf?: (
    key: string,
    expected: StoreVersion,
    options?: StoreRequestOptions,
  ) => Promise<boolean>;

  constructor(inner: AnyStore) {
    this.inner = inner;
    if (isWritable(inner)) {
      this.set = (k, v, o) => inner.set(k, v, o);
      this.delete = (k, o) => inner.delete(k, o);
    }
    if (isConditional(inner)) {
      this.getVersioned = async (k, o) => {
        let version: StoreVersion = "";
        const value = await this.track(k, undefined, async () => {
          const got = await inner.getVersioned(k, o);
          version = got.version;
          return got.value;
        });
        return { value, version };
      };
      this.setIf = (k, v, e, o) => inner.setIf(k, v, e, o);
      this.deleteIf = (k, e, o) => inner.deleteIf(k, e, o);
    }
    if (isListable(inner)) {
      this.list = (p, o) => {
        this.listRequests++;
        return inner.list(p, o);
      };
      this.listDir = (p, o) => {
        this.listRequests++;
        return inner.listDir(p, o);
      };
    }
  }

  /** Resets every counter and the log. */
  reset(): void {
    this.requests = 0;
    this.rangeRequests = 0;
    this.listRequests = 0;
    this.bytes = 0;
    this.maxInFlight = 0;
    this.log.length = 0;
  }

  async get(key: string, options?: StoreRequestOptions): Promise<Uint8Array | undefined> {
    return this.track(key, undefined, () => this.inner.get(key, options));
  }

  async getRange(
    key: string,
    range: RangeQuery,
    options?: StoreRequestOptions,
  ): Promise<Uint8Array | undefined> {
    this.rangeRequests++;
    return this.track(key, range, () => this.inner.getRange(key, range, options));
  }

  private async track(
    key: string,
    range: RangeQuery | undefined,
    run: () => Promise<Uint8Array | undefined>,
  ): Promise<Uint8Array | undefined> {
    this.requests++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const value = await run();
      const n = value?.length ?? 0;
      this.bytes += n;
      this.log.push({ key, range, bytes: n });
      return value;
    } finally {
      this.inFlight--;
    }
  }
}
