/**
 * A temporary directory of int32 arrays whose element (r, c) is `r × width + c` (`iota`), written
 * by zarr-plan, for tests that serve it (`startStaticServer`) or read its files. Test helper only.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dataType } from "../../src/core/dtype.js";
import type { CodecSpec } from "../../src/format/model.js";
import { createArray } from "../../src/hierarchy/index.js";
import { FileSystemStore } from "../../src/store/fs.js";
import { iota } from "./memory-source.js";

/** One array of the directory: its 2-d shape, chunks, optional shards and compressor. */
export interface IotaArray {
  readonly shape: readonly [number, number];
  readonly chunks: readonly [number, number];
  readonly shards?: readonly [number, number];
  readonly compressor: CodecSpec;
}

/** A directory made by {@link iotaDirectory}. */
export interface IotaDirectory {
  readonly dir: string;
  /** Deletes the directory and everything in it. */
  remove(): void;
}

/** Writes `arrays` (by path) into a new temporary directory named after `prefix`. */
export async function iotaDirectory(
  prefix: string,
  arrays: Readonly<Record<string, IotaArray>>,
): Promise<IotaDirectory> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const [path, a] of Object.entries(arrays)) {
    const arr = await createArray(new FileSystemStore(dir), path, {
      shape: [...a.shape],
      chunks: [...a.chunks],
      ...(a.shards ? { shards: [...a.shards] } : {}),
      dtype: "int32",
      compressor: a.compressor,
    });
    await arr.write(iota([...a.shape], dataType("int32")));
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
