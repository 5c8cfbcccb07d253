/**
 * The routes of the slice service. Each answers one request: parses its path and query (or
 * body), opens the node through the shared Context, builds the plan, checks it against the
 * limits, reads it through the admission gate, and encodes the result with the same writers as
 * `zarr-plan get` / `run`.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { lastValueFrom } from "rxjs/internal/lastValueFrom";
import { tap } from "rxjs/internal/operators/tap";
import {
  type AnyStore,
  type Context,
  completedReads,
  type NDArray,
  open,
  type PlanExplanation,
  plan,
  planFromJSON,
  writeNpy,
  ZarrArray,
  ZarrPlanError,
} from "../index.js";
import { dtypeLabel } from "../present/describe.js";
import { explainRead } from "../present/explain.js";
import { nodeInfo } from "../present/metadata.js";
import { toJsonDocument } from "../present/output/json.js";
import { finiteRange, pngWriter } from "../present/output/png.js";
import { applySelection, parseSelectionTexts, selectionText } from "../present/selection.js";
import { badRequest } from "./errors.js";
import type { Gate } from "./gate.js";
import { CORS_HEADERS, readJson, send, sendJson } from "./http.js";
import type { SliceLimits } from "./limits.js";
import { PAGE_HTML } from "./page.js";
import { joinPath, nodePathOfUrl, relativePath } from "./paths.js";
import { checkPlanLimits, runPlan } from "./reads.js";
import type { StatsRecorder } from "./stats.js";
import { rootTree } from "./tree.js";

/** What every route uses: the store, the shared Context, the limits, the gate, the counters. */
export interface Service {
  readonly store: AnyStore;
  readonly context: Context;
  readonly limits: SliceLimits;
  readonly gate: Gate;
  readonly stats: StatsRecorder;
  /** Serve the browser page at `/`. */
  readonly page: boolean;
}

/** One request being answered. */
export interface Call {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** The raw path after the route's prefix (still percent-encoded). */
  readonly rest: string;
  readonly query: URLSearchParams;
  /** Aborted when the client leaves or the request times out. */
  readonly signal: AbortSignal;
}

/** The store location posted plans name the served root by. */
const ROOT_LOCATION = ".";

/**
 * Largest result encoded as JSON or PNG, bytes (4 MiB: a million float32 values, a 1024² image):
 * those encoders run on the event loop, `.npy` is a copy.
 */
export const MAX_ENCODED_OUTPUT_BYTES = 4 * 1024 ** 2;

/** Result formats of `GET /v1/data`. */
const FORMATS = ["npy", "json", "png"] as const;
type Format = (typeof FORMATS)[number];

/** @throws ServiceError 400 naming a query parameter `allowed` does not list. */
function checkParams(query: URLSearchParams, allowed: readonly string[], route: string): void {
  for (const k of query.keys()) {
    if (!allowed.includes(k)) {
      throw badRequest(`${route}: unknown query parameter "${k}" (known: ${allowed.join(", ")})`);
    }
  }
}

/** A finite number parameter, or undefined. @throws ServiceError 400. */
function numberParam(query: URLSearchParams, name: string): number | undefined {
  const text = query.get(name);
  if (text === null) return undefined;
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v)) {
    throw badRequest(`${name}: expected a finite number, got ${JSON.stringify(text)}`);
  }
  return v;
}

/** A boolean parameter (`1`, `true`, `0`, `false`; present without value: true). */
function flagParam(query: URLSearchParams, name: string): boolean {
  const text = query.get(name);
  if (text === null) return false;
  if (text === "" || text === "1" || text === "true") return true;
  if (text === "0" || text === "false") return false;
  throw badRequest(`${name}: expected 1, true, 0 or false, got ${JSON.stringify(text)}`);
}

/** The selection texts of the query (`select`, `oindex`, `vindex`). */
function selectionParams(query: URLSearchParams): {
  select?: string;
  oindex?: string;
  vindex?: string;
} {
  const out: { select?: string; oindex?: string; vindex?: string } = {};
  for (const k of ["select", "oindex", "vindex"] as const) {
    const v = query.get(k);
    if (v !== null) out[k] = v;
  }
  return out;
}

/** Opens the array at `path`. @throws ServiceError 400 when it is a group; NodeNotFoundError (404). */
async function openArrayAt(svc: Service, path: string, signal: AbortSignal): Promise<ZarrArray> {
  const node = await open(svc.store, path, { context: svc.context, signal });
  if (!(node instanceof ZarrArray)) {
    throw badRequest(`"${path || "/"}" is a group, not an array (see GET /v1/tree)`);
  }
  return node;
}

/** The lazy view of a data or explain request (nothing read). */
async function viewOf(svc: Service, call: Call) {
  const path = nodePathOfUrl(call.rest);
  const texts = selectionParams(call.query);
  const sel = parseSelectionTexts(texts, "");
  const array = await openArrayAt(svc, path, call.signal);
  return { array, texts, view: applySelection(array, sel) };
}

/** Headers describing a result. */
function resultHeaders(a: NDArray): Record<string, string> {
  return { "x-zarr-shape": a.shape.join(","), "x-zarr-dtype": dtypeLabel(a.dtype) };
}

/** `GET /v1/stats`. */
export function statsRoute(svc: Service, call: Call): void {
  sendJson(call.res, 200, svc.stats.snapshot());
}

/** `GET /v1/tree`: the hierarchy (or the nodes below a plain directory). */
export async function treeRoute(svc: Service, call: Call): Promise<void> {
  checkParams(call.query, [], "GET /v1/tree");
  const release = await svc.gate.enter(call.signal);
  try {
    sendJson(call.res, 200, await rootTree(svc.store, svc.context, call.signal));
  } finally {
    release();
  }
}

/** `GET /v1/info/<path>`: shape, dtype, chunks, shards, fill value, dimension names, attributes. */
export async function infoRoute(svc: Service, call: Call): Promise<void> {
  checkParams(call.query, [], "GET /v1/info");
  const path = nodePathOfUrl(call.rest);
  const node = await open(svc.store, path, { context: svc.context, signal: call.signal });
  sendJson(call.res, 200, nodeInfo(node));
}

/** `GET /v1/explain/<path>?select=…`: the text of `zarr-plan explain` (`format=json`: its JSON). */
export async function explainRoute(svc: Service, call: Call): Promise<void> {
  checkParams(call.query, ["select", "oindex", "vindex", "format", "resolve"], "GET /v1/explain");
  const format = call.query.get("format") ?? "text";
  if (format !== "text" && format !== "json") {
    throw badRequest(`format: expected text or json, got ${JSON.stringify(format)}`);
  }
  const resolve = flagParam(call.query, "resolve");
  const { array, texts, view } = await viewOf(svc, call);
  const release = resolve ? await svc.gate.enter(call.signal) : () => {};
  try {
    const { json, text } = await explainRead(array, view, selectionText(texts), {
      resolve,
      signal: call.signal,
      context: svc.context,
    });
    // The served root's location (a server path or URL) is not the client's business: ".".
    const plan = json.plan as PlanExplanation;
    const labels = plan.stores.map((st) => st.label).filter((l) => l.length > 1);
    const hide = (t: string) => labels.reduce((acc, l) => acc.replaceAll(l, "."), t);
    if (format === "json") {
      sendJson(call.res, 200, {
        ...json,
        plan: { ...plan, stores: plan.stores.map((st) => ({ ...st, label: hide(st.label) })) },
      });
    } else send(call.res, 200, "text/plain; charset=utf-8", hide(text));
  } finally {
    release();
  }
}

/** `GET /v1/data/<path>?select=…&format=npy|json|png[&vmin=&vmax=&flip_y=1]`. */
export async function dataRoute(svc: Service, call: Call): Promise<void> {
  const q = call.query;
  checkParams(
    q,
    ["select", "oindex", "vindex", "format", "vmin", "vmax", "flip_y"],
    "GET /v1/data",
  );
  const format = (q.get("format") ?? "npy") as Format;
  if (!FORMATS.includes(format)) {
    throw badRequest(
      `format: expected one of ${FORMATS.join(", ")}, got ${JSON.stringify(format)}`,
    );
  }
  const vmin = numberParam(q, "vmin");
  const vmax = numberParam(q, "vmax");
  const flipY = flagParam(q, "flip_y");
  if (format !== "png" && (vmin !== undefined || vmax !== undefined || flipY)) {
    throw badRequest("vmin, vmax and flip_y apply to format=png only");
  }
  if (vmin !== undefined && vmax !== undefined && !(vmax > vmin)) {
    throw badRequest(`vmax (${vmax}) must be greater than vmin (${vmin})`);
  }
  const { view } = await viewOf(svc, call);
  if (format === "png") pngWriter.check(view);
  const bytes = view.size * view.dtype.itemSize;
  if (format !== "npy" && bytes > MAX_ENCODED_OUTPUT_BYTES) {
    throw new ZarrPlanError(
      "ERR_TOO_LARGE",
      `format=${format} is limited to results of ${MAX_ENCODED_OUTPUT_BYTES} bytes (it is encoded on the event loop), this one is ${bytes}: select less, or ask format=npy`,
    );
  }
  const p = plan({ value: view }, { context: svc.context });
  const out = (await runPlan(p, svc.limits, svc.gate, call.signal)).value!;
  const headers = resultHeaders(out);
  if (format === "npy") {
    send(call.res, 200, "application/octet-stream", writeNpy(out), headers);
  } else if (format === "json") {
    sendJson(call.res, 200, toJsonDocument(out), headers);
  } else {
    const [dmin, dmax] = vmin === undefined || vmax === undefined ? finiteRange(out) : [0, 0];
    const range = { vmin: vmin ?? dmin, vmax: vmax ?? dmax };
    const png = await pngWriter.encode(out, { ...range, flipY });
    send(call.res, 200, "image/png", png, {
      ...headers,
      "x-zarr-vmin": String(range.vmin),
      "x-zarr-vmax": String(range.vmax),
    });
  }
}

/**
 * A posted plan file with every store location made a path below the served root: each read's
 * `array` is prefixed with its `store` (`"."` or absent: the root), and `store` becomes the root.
 */
function confinedPlanFile(body: unknown): unknown {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw badRequest("the body must be a plan file: a JSON object with reads");
  }
  const file = body as { store?: unknown; reads?: unknown };
  const fileStore = file.store === undefined ? "" : locationOf(file.store, "store");
  const reads = file.reads;
  if (typeof reads !== "object" || reads === null || Array.isArray(reads)) return body;
  const confined: Record<string, unknown> = {};
  for (const [name, r] of Object.entries(reads)) {
    if (typeof r !== "object" || r === null || Array.isArray(r)) {
      confined[name] = r;
      continue;
    }
    const read = r as { store?: unknown; array?: unknown };
    const base =
      read.store === undefined ? fileStore : locationOf(read.store, `reads.${name}.store`);
    confined[name] = {
      ...read,
      store: ROOT_LOCATION,
      ...(typeof read.array === "string"
        ? { array: joinPath(base, read.array.replace(/^\/+/, "")) }
        : {}),
    };
  }
  return { ...file, store: ROOT_LOCATION, reads: confined };
}

function locationOf(v: unknown, what: string): string {
  if (typeof v !== "string")
    throw badRequest(`${what}: expected a path relative to the served root`);
  return relativePath(v, what);
}

/** Builds the plan of a (confined) plan file in the service's Context. */
function planOf(svc: Service, json: unknown, signal: AbortSignal) {
  return planFromJSON(confinedPlanFile(json), {
    context: svc.context,
    signal,
    openStore: (loc) => {
      if (loc !== ROOT_LOCATION) throw badRequest(`store ${JSON.stringify(loc)} is not served`);
      return svc.store;
    },
  });
}

/** `POST /v1/read` with `{"array": PATH, "ops": [...]}` (one read of a plan file) → `.npy`. */
export async function readRoute(svc: Service, call: Call): Promise<void> {
  checkParams(call.query, [], "POST /v1/read");
  const body = await readJson(call.req, svc.limits.maxBodyBytes, call.signal);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw badRequest('the body must be one read of a plan file: {"array": PATH, "ops": [...]}');
  }
  const { store, ...read } = body as { store?: unknown };
  const p = await planOf(
    svc,
    { store: store ?? ROOT_LOCATION, reads: { value: read } },
    call.signal,
  );
  const out = (await runPlan(p, svc.limits, svc.gate, call.signal)).value!;
  send(call.res, 200, "application/octet-stream", writeNpy(out), resultHeaders(out));
}

/** One read of `POST /v1/plan`'s answer. */
function planEntry(a: NDArray): { shape: number[]; dtype: string; data: string } {
  return {
    shape: [...a.shape],
    dtype: dtypeLabel(a.dtype),
    data: Buffer.from(writeNpy(a)).toString("base64"),
  };
}

/**
 * `POST /v1/plan` with a whole plan file → `{name: {shape, dtype, data: base64 .npy}}`; with
 * `Accept: application/x-ndjson` (or `?stream=1`) one JSON line per read as it completes.
 */
export async function planRoute(svc: Service, call: Call): Promise<void> {
  checkParams(call.query, ["stream"], "POST /v1/plan");
  const ndjson =
    flagParam(call.query, "stream") ||
    (call.req.headers.accept ?? "").includes("application/x-ndjson");
  const json = await readJson(call.req, svc.limits.maxBodyBytes, call.signal);
  const p = await planOf(svc, json, call.signal);
  if (!ndjson) {
    const out = await runPlan(p, svc.limits, svc.gate, call.signal);
    const doc: Record<string, unknown> = {};
    for (const [name, a] of Object.entries(out)) doc[name] = planEntry(a);
    sendJson(call.res, 200, doc);
    return;
  }
  checkPlanLimits(p, svc.limits);
  const release = await svc.gate.enter(call.signal);
  try {
    const res = call.res;
    let started = false;
    await lastValueFrom(
      p.stream({ signal: call.signal }).pipe(
        completedReads(),
        tap(({ read, output }) => {
          if (!started) {
            res.writeHead(200, {
              ...CORS_HEADERS,
              "content-type": "application/x-ndjson",
              "cache-control": "no-store",
            });
            started = true;
          }
          res.write(`${JSON.stringify({ name: read, ...planEntry(output) })}\n`);
        }),
      ),
      { defaultValue: undefined },
    );
    if (!started) send(res, 200, "application/x-ndjson", "");
    else res.end();
  } finally {
    release();
  }
}

/** `GET /`: the browser page. */
export function pageRoute(svc: Service, call: Call): void {
  if (!svc.page) throw badRequest("no page here: the API is under /v1/", 404);
  send(call.res, 200, "text/html; charset=utf-8", PAGE_HTML);
}
