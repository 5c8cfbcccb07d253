/**
 * `POST /v1/read` and `POST /v1/plan`: plan files (the `zarr-plan run` format) sent as JSON, with
 * every store location confined below the served root, run through the shared Context.
 * @module
 */
import { lastValueFrom } from "rxjs/internal/lastValueFrom";
import { tap } from "rxjs/internal/operators/tap";
import { completedReads, type NDArray, planFromJSON, writeNpy } from "../index.js";
import { dtypeLabel } from "../present/describe.js";
import { badRequest } from "./errors.js";
import { CORS_HEADERS, readJson, resultHeaders, send, sendJson } from "./http.js";
import { joinPath, relativePath } from "./paths.js";
import { checkParams, flagParam } from "./query.js";
import { checkPlanLimits, runPlan } from "./reads.js";
import type { Call, Service } from "./service.js";

/** The store location posted plans name the served root by. */
const ROOT_LOCATION = ".";

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
  svc.gate.refuseIfFull();
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
  svc.gate.refuseIfFull();
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
