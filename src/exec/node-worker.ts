/**
 * Starting a Node worker thread on one of the package's own modules, from the TypeScript sources
 * (vitest, tsx) or from the build. Node-only; loaded on demand (`node:*` names are imported
 * dynamically so browser bundles never see them).
 * @module
 */
import type { Worker } from "node:worker_threads";

export { isNode } from "../core/runtime.js";

function pathToHref(path: string): string {
  return new URL(`file://${path.startsWith("/") ? "" : "/"}${path.replace(/\\/g, "/")}`).href;
}

/**
 * A function that starts a worker thread (with `workerData` when given) running the module `entry`
 * (a path relative to `base`, without extension, e.g. `"./decode-worker"`; `base` is the calling
 * module's `import.meta.url`).
 * Run from the TypeScript sources, the worker registers tsx's loader before importing
 * `entry.ts` (Node 20 does not pass `--import tsx` on to workers); from the build it runs
 * `entry.js` with no inherited loaders.
 * @throws when tsx cannot be found while running from the sources (callers fall back).
 */
export async function nodeWorkerStarter(
  entry: string,
  base: string,
): Promise<(options?: { workerData?: unknown }) => Worker> {
  const wtName = "node:worker_threads";
  const wt = (await import(/* @vite-ignore */ wtName)) as typeof import("node:worker_threads");
  if (base.endsWith(".ts")) {
    const modName = "node:module";
    const { createRequire } = (await import(
      /* @vite-ignore */ modName
    )) as typeof import("node:module");
    // The ESM build of tsx's API (require.resolve gives the CommonJS one, which fails on import).
    const tsx = pathToHref(createRequire(base).resolve("tsx/esm/api")).replace(/\.cjs$/, ".mjs");
    const href = new URL(/* @vite-ignore */ `${entry}.ts`, base).href;
    const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(href)}); });`;
    return (options = {}) => new wt.Worker(code, { ...options, eval: true, execArgv: [] });
  }
  const url = new URL(/* @vite-ignore */ `${entry}.js`, base);
  return (options = {}) => new wt.Worker(url, { ...options, execArgv: [] });
}
