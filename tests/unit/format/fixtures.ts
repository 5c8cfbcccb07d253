/** Access to the shared fixtures (data/fixtures) and datasets (data/datasets) for unit tests. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const FIXTURES = fileURLToPath(new URL("../../../data/fixtures/", import.meta.url));
export const DATASETS = fileURLToPath(new URL("../../../data/datasets/", import.meta.url));

export interface ManifestArray {
  id: string;
  store: string;
  path: string;
  zarr_format: 2 | 3;
  writer: string;
  dtype: string;
  data_type: string;
  shape: number[];
  chunks: number[];
  sharding: null | { chunk_shape: number[]; index_location: string };
  codecs: string[];
  order: "C" | "F" | null;
  fill_value: unknown;
  chunk_key_encoding: { name: "default" | "v2"; separator: "/" | "." };
  first_chunk_key: string | null;
  chunk_count: number;
  missing_chunk_keys: string[];
  dimension_names: (string | null)[] | null;
  attributes: Record<string, unknown>;
}

export interface ManifestGroup {
  store: string;
  path: string;
  zarr_format: 2 | 3;
  writer: string;
  attributes: Record<string, unknown>;
  groups: string[];
  arrays: string[];
  consolidated: string | null;
}

export interface Manifest {
  arrays: ManifestArray[];
  groups: ManifestGroup[];
}

export const manifest: Manifest = JSON.parse(readFileSync(join(FIXTURES, "manifest.json"), "utf8"));

/** Key of a node's document inside its store (`a/b/zarr.json`, `.zarray` for the root). */
export function nodeKey(path: string, name: string): string {
  return path === "" ? name : `${path}/${name}`;
}

/** Bytes of a document in a fixture store, or `undefined` when it does not exist. */
export function readDoc(store: string, key: string, root = FIXTURES): Uint8Array | undefined {
  const file = join(root, store, key);
  return existsSync(file) ? new Uint8Array(readFileSync(file)) : undefined;
}

/** Bytes of a document that must exist. */
export function mustRead(store: string, key: string, root = FIXTURES): Uint8Array {
  const bytes = readDoc(store, key, root);
  if (!bytes) throw new Error(`missing ${store}/${key}`);
  return bytes;
}

/** The parsed JSON of a document that must exist. */
export function readJson(store: string, key: string, root = FIXTURES): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(mustRead(store, key, root)));
}
