/**
 * `zarr-plan explain STORE [PATH] [selection options]`: what a read would do, without reading.
 *
 * Prints what the lazy view knows (shape, data type, the chunks and shards its index transform
 * touches), then the plan's own explanation (`plan.explainText()`: objects, requests, byte ranges,
 * coalescing). With `--resolve` the shard indexes are read first (nothing else), so partial-shard
 * reads show their exact byte ranges.
 * @module
 */
import type { Command } from "commander";
import { labelledPlan } from "../../index.js";
import { explainRead } from "../../present/explain.js";
import type { Io } from "../context.js";
import { hasLabelOptions, type LabelOptions, labelledViewArg } from "../labels.js";
import {
  addSelectionOptions,
  type SelectionOptions,
  selectedView,
  selectionText,
} from "../selection.js";
import { addSessionOptions, type SessionOptions, withSession } from "../session.js";

export function explainCommand(cmd: Command, io: Io): void {
  addSessionOptions(
    addSelectionOptions(
      cmd
        .description(
          "explain how a selection would be read (only metadata is read; shard indexes too with --resolve)",
        )
        .argument("<store>", "store: a directory or an http(s):// URL")
        .argument("[path]", "array inside the store (default: the root)"),
    ),
    true,
  )
    .option("--json", "print the explanation as JSON")
    .option("--isel <sel>", "by dimension name: 'lat=10:20,time=5' (see get --isel)")
    .option("--sel <sel>", "by label: 'lat=35:71,lon=-10:40' (see get --sel); shows both stages")
    .option("--method <method>", "--sel: nearest or exact (default)")
    .option(
      "--resolve",
      "read the shard indexes first (nothing else) to show exact byte ranges of partial shards",
    )
    .action(
      (
        storeArg: string,
        pathArg: string | undefined,
        opts: SelectionOptions &
          SessionOptions &
          LabelOptions & { json?: boolean; resolve?: boolean },
      ) =>
        withSession(opts, io, async (session) => {
          if (hasLabelOptions(opts)) {
            const view = await labelledViewArg(storeArg, pathArg, opts, session);
            const p = labelledPlan(
              { [view.base.source.path || "view"]: view },
              { context: session.context },
            );
            io.stdout(
              opts.json ? `${JSON.stringify(p.explain(), null, 2)}\n` : `${p.explainText()}\n`,
            );
            return;
          }
          const { array, view } = await selectedView(storeArg, pathArg, opts, session);
          const { json, text } = await explainRead(array, view, selectionText(opts), {
            resolve: opts.resolve === true,
            signal: io.signal,
          });
          io.stdout(opts.json ? `${JSON.stringify(json, null, 2)}\n` : text);
        }),
    );
}
