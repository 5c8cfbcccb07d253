/**
 * Reading a lazy view with a progress bar on stderr (when stderr is a terminal).
 *
 * The public API has no progress events yet, so the bar counts chunks as the executor reads them:
 * the view is re-rooted on a source that forwards `readChunk` to the array and ticks the bar, with
 * the number of touched chunks (from the view's index transform) as the total. Without a bar the
 * view is read as is.
 * @module
 */
import cliProgress from "cli-progress";
import { type ArraySource, LazyArray, type NDArray, type ReadOptions } from "../index.js";
import { countTouchedChunks } from "./chunks.js";

/** Options of {@link readView}. */
export interface ReadViewOptions extends ReadOptions {
  /** Show a progress bar on this stream (a terminal), or none when undefined. */
  progressStream?: NodeJS.WriteStream;
  /** Text before the bar. */
  label?: string;
}

/** A source that forwards to `source` and calls `onChunk` after each chunk read. */
function tickingSource(source: ArraySource, onChunk: () => void): ArraySource {
  return {
    path: source.path,
    shape: source.shape,
    chunkShape: source.chunkShape,
    dtype: source.dtype,
    fillValue: source.fillValue,
    async readChunk(coords, options) {
      try {
        return await source.readChunk(coords, options);
      } finally {
        onChunk();
      }
    },
  };
}

/** Reads `view` (C-order NDArray), with a chunk progress bar when `options.progressStream` is set. */
export async function readView(view: LazyArray, options: ReadViewOptions = {}): Promise<NDArray> {
  const { progressStream, label, ...readOptions } = options;
  if (!progressStream) return view.read(readOptions);
  const { touched } = countTouchedChunks(view.transform, view.source.chunkShape);
  const bar = new cliProgress.SingleBar(
    {
      stream: progressStream,
      format: `${label ?? "reading"} [{bar}] {value}/{total} chunks | {duration_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  let done = 0;
  bar.start(Math.max(1, touched), 0);
  const counted = new LazyArray(
    tickingSource(view.source, () => {
      done++;
      if (done > bar.getTotal()) bar.setTotal(done);
      bar.update(done);
    }),
    view.transform,
    view.executor,
  );
  try {
    return await counted.read(readOptions);
  } finally {
    bar.stop();
  }
}
