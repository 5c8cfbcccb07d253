/**
 * What a write plan's run uses of the Context that runs it (the Context implements this), so the
 * write modules do not depend on the Context module that starts them.
 * @module
 */
import type { NDArray } from "../../core/ndarray.js";
import type { CodecPipeline } from "../../format/codecs/pipeline.js";
import type { FetchRange } from "../../plan/optimize-types.js";
import type {
  AnyStore,
  ReadableStore,
  StoreRequestOptions,
  StoreVersion,
  VersionedValue,
} from "../../store/types.js";
import type { DecodePool } from "../decode-pool.js";

/** The store requests and codecs a write plan draws on (all under the Context's request policy). */
export interface WriteResources {
  fetch(
    store: ReadableStore,
    key: string,
    range?: FetchRange,
    options?: { signal?: AbortSignal; maxBytes?: number },
  ): Promise<Uint8Array | undefined>;
  getVersioned(
    store: AnyStore,
    key: string,
    options?: StoreRequestOptions,
  ): Promise<VersionedValue>;
  set(
    store: AnyStore,
    key: string,
    value: Uint8Array,
    options?: StoreRequestOptions,
  ): Promise<void>;
  delete(store: AnyStore, key: string, options?: StoreRequestOptions): Promise<void>;
  setIf(
    store: AnyStore,
    key: string,
    value: Uint8Array,
    expected: StoreVersion,
    options?: StoreRequestOptions,
  ): Promise<boolean>;
  deleteIf(
    store: AnyStore,
    key: string,
    expected: StoreVersion,
    options?: StoreRequestOptions,
  ): Promise<boolean>;
  /** The decode worker pool. */
  readonly decodePool: DecodePool;
  /** Encodes one chunk (on a worker when worthwhile). */
  encode(
    pipeline: CodecPipeline,
    chunk: NDArray,
    key: string,
    options?: { readonly signal?: AbortSignal },
  ): Promise<Uint8Array>;
}
