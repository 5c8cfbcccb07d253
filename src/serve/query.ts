/**
 * Query parameters of the slice service's routes: unknown names refused, numbers, flags and the
 * selection texts (`select`, `oindex`, `vindex`).
 * @module
 */
import { badRequest } from "./errors.js";

/** @throws ServiceError 400 naming a query parameter `allowed` does not list. */
export function checkParams(
  query: URLSearchParams,
  allowed: readonly string[],
  route: string,
): void {
  for (const k of query.keys()) {
    if (!allowed.includes(k)) {
      throw badRequest(`${route}: unknown query parameter "${k}" (known: ${allowed.join(", ")})`);
    }
  }
}

/** A finite number parameter, or undefined. @throws ServiceError 400. */
export function numberParam(query: URLSearchParams, name: string): number | undefined {
  const text = query.get(name);
  if (text === null) return undefined;
  const v = Number(text);
  if (text.trim() === "" || !Number.isFinite(v)) {
    throw badRequest(`${name}: expected a finite number, got ${JSON.stringify(text)}`);
  }
  return v;
}

/** A boolean parameter (`1`, `true`, `0`, `false`; present without value: true). */
export function flagParam(query: URLSearchParams, name: string): boolean {
  const text = query.get(name);
  if (text === null) return false;
  if (text === "" || text === "1" || text === "true") return true;
  if (text === "0" || text === "false") return false;
  throw badRequest(`${name}: expected 1, true, 0 or false, got ${JSON.stringify(text)}`);
}

/** The selection texts of the query (`select`, `oindex`, `vindex`). */
export function selectionParams(query: URLSearchParams): {
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
