/**
 * `zarr-plan copy SRC DST [--path P] [--to Q] [--chunks 256,256] [--shards 2048,2048|none]
 * [--compressor JSON|none] [--zarr-format 2|3] [--overwrite] [--max-memory MB] [--json]`: copies an
 * array (re-chunked or re-sharded on the way) or a whole group into a local directory, through read
 * and write plans with bounded memory (`copyArray`).
 * @module
 */
import { type Command, InvalidArgumentError } from "commander";
import {
  type CodecSpec,
  type CopyArrayOptions,
  copyArray,
  createGroup,
  ZarrArray,
  ZarrGroup,
  type ZarrNode,
} from "../../index.js";
import { bytesText } from "../../present/describe.js";
import type { Io } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { addSessionOptions, type SessionOptions, withSession } from "../session.js";
import { nodePath, openNode } from "../store-from-arg.js";
import { writableDir } from "./create.js";

interface CopyOptions extends SessionOptions {
  path?: string;
  to?: string;
  chunks?: number[];
  shards?: number[] | null;
  compressor?: CodecSpec | null;
  zarrFormat?: 2 | 3;
  overwrite?: boolean;
  maxMemory?: number;
  json?: boolean;
}

/** `256,256` → [256, 256] (positive integers). */
function shapeList(text: string): number[] {
  const parts = text.split(",").map((p) => p.trim());
  const out = parts.map(Number);
  if (
    parts.length === 0 ||
    out.some((x, i) => parts[i] === "" || !Number.isSafeInteger(x) || x < 1)
  ) {
    throw new InvalidArgumentError(`expected positive integers separated by commas, got "${text}"`);
  }
  return out;
}

/** `--shards none` or a shape. */
function shardsArg(text: string): number[] | null {
  return text === "none" ? null : shapeList(text);
}

/** `--compressor none` or a codec as JSON (`{"name":"gzip","configuration":{"level":5}}`). */
function compressorArg(text: string): CodecSpec | null {
  if (text === "none") return null;
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v === "object" && v !== null && typeof (v as { name?: unknown }).name === "string") {
      return v as CodecSpec;
    }
  } catch {
    // reported below
  }
  throw new InvalidArgumentError(
    `expected "none" or a codec as JSON, e.g. '{"name":"gzip","configuration":{"level":5}}'`,
  );
}

function zarrFormatArg(text: string): 2 | 3 {
  if (text === "2" || text === "3") return Number(text) as 2 | 3;
  throw new InvalidArgumentError(`expected 2 or 3, got ${JSON.stringify(text)}`);
}

function megabytes(text: string): number {
  const n = Number(text);
  if (!(Number.isFinite(n) && n > 0))
    throw new InvalidArgumentError(`expected a positive number of MB, got "${text}"`);
  return Math.round(n * 1024 * 1024);
}

/** The child path `name` of `path` (`""` is the root). */
function join(path: string, name: string): string {
  return path === "" ? name : `${path}/${name}`;
}

export function copyCommand(cmd: Command, io: Io): void {
  addSessionOptions(cmd, false)
    .description(
      "copy an array (re-chunked or re-sharded) or a whole group into a local directory, through read and write plans with bounded memory",
    )
    .argument("<src>", "source store: a directory or an http(s):// URL")
    .argument("<dst>", "destination directory (created when missing)")
    .option("--path <path>", "node to copy inside the source (default: the root)")
    .option("--to <path>", "node path inside the destination (default: the same as --path)")
    .option(
      "--chunks <shape>",
      "chunk shape of the copy (inner chunks when sharded), e.g. 256,256",
      shapeList,
    )
    .option("--shards <shape>", "shard shape of the copy, or none", shardsArg)
    .option(
      "--compressor <codec>",
      "compressor as JSON, or none (default zstd level 0)",
      compressorArg,
    )
    .option("--zarr-format <n>", "Zarr format of the copy (default: the source's)", zarrFormatArg)
    .option("--overwrite", "replace existing nodes at the destination")
    .option("--max-memory <MB>", "decoded bytes a batch holds, in MB (default 256)", megabytes)
    .option("--json", "print what was copied as JSON")
    .action((src: string, dst: string, opts: CopyOptions) =>
      withSession(opts, io, async (session) => {
        const from = nodePath(opts.path);
        const to = opts.to === undefined ? from : nodePath(opts.to);
        const { node } = await openNode(src, opts.path, session);
        const store = await writableDir(dst);
        const layout = opts.chunks || opts.shards !== undefined;
        if (node instanceof ZarrGroup && layout) {
          throw new UsageError("--chunks and --shards apply to one array; --path names a group");
        }
        const base: CopyArrayOptions = {
          ...(opts.chunks ? { chunks: opts.chunks } : {}),
          ...(opts.shards !== undefined ? { shards: opts.shards } : {}),
          ...(opts.compressor !== undefined ? { compressor: opts.compressor } : {}),
          ...(opts.zarrFormat ? { zarrFormat: opts.zarrFormat } : {}),
          ...(opts.overwrite ? { overwrite: true } : {}),
          ...(opts.maxMemory ? { maxBytesInMemory: opts.maxMemory } : {}),
          context: session.context,
          signal: io.signal,
        };
        const copied: {
          path: string;
          kind: "array" | "group";
          objects?: number;
          bytes?: number;
        }[] = [];
        const t0 = performance.now();
        const visit = async (n: ZarrNode, target: string): Promise<void> => {
          if (n instanceof ZarrArray) {
            const r = await copyArray(n, store, target, {
              ...base,
              onProgress: (done, total) => {
                if (io.progress) io.progress.write(`\r${target || "/"}: ${done}/${total} objects`);
              },
            });
            if (io.progress) io.progress.write("\n");
            copied.push({ path: target, kind: "array", objects: r.objects, bytes: r.bytesStored });
            if (!opts.json) {
              io.stdout(
                `${target || "/"}: array ${n.shape.join("×")} → ${r.objects} objects, ${bytesText(r.bytesStored)} stored\n`,
              );
            }
            return;
          }
          if (!(n instanceof ZarrGroup)) throw new CliError("unexpected node kind");
          await createGroup(store, target, {
            attributes: { ...n.attributes },
            zarrFormat: opts.zarrFormat ?? n.zarrFormat,
            ...(opts.overwrite ? { overwrite: true } : {}),
            context: session.context,
          });
          copied.push({ path: target, kind: "group" });
          if (!opts.json) io.stdout(`${target || "/"}: group\n`);
          for (const [name, child] of await n.members({ signal: io.signal })) {
            await visit(child, join(target, name));
          }
        };
        await visit(node, to);
        const wallMs = performance.now() - t0;
        if (opts.json) {
          io.stdout(`${JSON.stringify({ wallMs: Math.round(wallMs), copied }, null, 2)}\n`);
        } else io.stdout(`copied in ${(wallMs / 1000).toFixed(1)} s\n`);
      }),
    );
}
