/**
 * The GET routes of the slice service. Each answers one request: parses its path and query,
 * opens the node through the shared Context, builds the plan, checks it against the limits, reads
 * it through the admission gate, and encodes the result with the same writers as `zarr-plan get`
 * and `explain` (the POST routes: plan-routes.ts).
 * @module
 */
import { open, type PlanExplanation, plan, writeNpy, ZarrArray, ZarrPlanError } from "../index.js";
import { explainRead } from "../present/explain.js";
import { nodeInfo } from "../present/metadata.js";
import { toJsonDocument } from "../present/output/json.js";
import { finiteRange, pngWriter } from "../present/output/png.js";
import { applySelection, parseSelectionTexts, selectionText } from "../present/selection.js";
import { badRequest } from "./errors.js";
import { resultHeaders, send, sendJson } from "./http.js";
import { PAGE_HTML } from "./page.js";
import { nodePathOfUrl } from "./paths.js";
import { checkParams, flagParam, numberParam, selectionParams } from "./query.js";
import { runPlan } from "./reads.js";
import type { Call, Service } from "./service.js";
import { rootTree } from "./tree.js";

/**
 * Largest result encoded as JSON or PNG, bytes (4 MiB: a million float32 values, a 1024² image):
 * those encoders run on the event loop, `.npy` is a copy.
 */
export const MAX_ENCODED_OUTPUT_BYTES = 4 * 1024 ** 2;

/** Result formats of `GET /v1/data`. */
const FORMATS = ["npy", "json", "png"] as const;
type Format = (typeof FORMATS)[number];

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
  svc.gate.refuseIfFull();
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

/** `GET /`: the browser page. */
export function pageRoute(svc: Service, call: Call): void {
  if (!svc.page) throw badRequest("no page here: the API is under /v1/", 404);
  send(call.res, 200, "text/html; charset=utf-8", PAGE_HTML);
}
