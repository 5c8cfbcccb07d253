/**
 * Reading a lazy view with a progress bar on stderr (when stderr is a terminal), driven by the
 * plan's chunk events (`plan.stream()`): tasks done / total and bytes received. Without a bar the
 * view is read as is.
 * @module
 */
import { lastValueFrom } from "rxjs/internal/lastValueFrom";
import { tap } from "rxjs/internal/operators/tap";
import { assemble, type LazyArray, type NDArray, plan, type ReadOptions } from "../index.js";

/** Options of {@link readView}. */
interface ReadViewOptions extends ReadOptions {
  /** Show a progress bar on this stream (a terminal), or none when undefined. */
  progressStream?: NodeJS.WriteStream;
  /** Text before the bar, and the read's name in the plan (the request log shows it). */
  label?: string;
}

/** Reads `view` (C-order NDArray), with a chunk progress bar when `options.progressStream` is set. */
export async function readView(view: LazyArray, options: ReadViewOptions = {}): Promise<NDArray> {
  const { progressStream, label, ...readOptions } = options;
  const name = label ?? "view";
  if (!progressStream) {
    const results = await plan({ [name]: view }).read(readOptions);
    return results[name]!;
  }
  // Loaded only when a bar is drawn (a terminal): start-up of other runs does not pay for it.
  const { default: cliProgress } = await import("cli-progress");
  const bar = new cliProgress.SingleBar(
    {
      stream: progressStream,
      format: `${name} [{bar}] {value}/{total} chunks | {mb} MB | {duration_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  // Started on the first chunk event, when the number of chunk tasks is known (not at "0/1").
  let started = false;
  try {
    const results = await lastValueFrom(
      plan({ [name]: view })
        .stream(readOptions)
        .pipe(
          tap((e) => {
            const p = e.progress;
            const mb = (p.bytesDone / 1e6).toFixed(1);
            if (!started) {
              started = true;
              bar.start(Math.max(1, p.tasksTotal), p.tasksDone, { mb });
              return;
            }
            bar.setTotal(Math.max(1, p.tasksTotal));
            bar.update(p.tasksDone, { mb });
          }),
          assemble(),
        ),
      { defaultValue: undefined },
    );
    return results?.[name] ?? (await view.read(readOptions));
  } finally {
    if (started) bar.stop();
  }
}
