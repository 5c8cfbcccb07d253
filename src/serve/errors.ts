/**
 * Errors of the slice service and how every error becomes an HTTP answer: a status and a JSON body
 * `{ "error": message, "code": "ERR_…" }`, never a stack trace.
 * @module
 */
import { ZarrPlanError, type ZarrPlanErrorCode } from "../index.js";
import { UsageError } from "../present/errors.js";

/** Codes the service raises itself. */
type ServiceCode = "ERR_REQUEST" | "ERR_BUSY" | "ERR_TIMEOUT" | "ERR_WORKER";

/**
 * An error of the slice service with its HTTP status: `ERR_REQUEST` (400, 404, 405, 413), `ERR_BUSY`
 * (503, with `retryAfterSeconds`), `ERR_TIMEOUT` (504) or `ERR_WORKER` (500: the engine thread of a
 * threaded service is not running).
 */
export class ServiceError extends ZarrPlanError {
  readonly status: number;
  /** Seconds a client should wait before retrying (`Retry-After`), for `ERR_BUSY`. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ServiceCode,
    status: number,
    message: string,
    options: { retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.name = "ServiceError";
    this.status = status;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** A request the service cannot answer as written (HTTP 400 unless `status` says otherwise). */
export function badRequest(message: string, status = 400): ServiceError {
  return new ServiceError("ERR_REQUEST", status, message);
}

/** Library codes that mean the request is wrong (HTTP 400). */
const INPUT_CODES: ReadonlySet<ZarrPlanErrorCode> = new Set<ZarrPlanErrorCode>([
  "ERR_INDEX",
  "ERR_PATH",
  "ERR_PLAN",
  "ERR_PLAN_FILE",
  "ERR_OPTIONS",
  "ERR_DIMENSION",
  "ERR_LABEL",
  "ERR_NDSEL",
  "ERR_DTYPE",
  "ERR_PLAN_NOT_SERIALIZABLE",
]);

/** The HTTP answer of an error. */
export interface HttpError {
  readonly status: number;
  /** The error's code; `null` for an error that is not a `ZarrPlanError` (a bug). */
  readonly code: ZarrPlanErrorCode | null;
  readonly message: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The HTTP answer of `error`: 400 for bad selections, plan files and other input errors, 404 for a
 * missing node, 413 over a limit, 502 when the store fails, 503 saturated, 504 timed out, 500 for
 * data the library cannot decode and anything unexpected.
 */
export function httpErrorOf(error: unknown): HttpError {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ServiceError) {
    return {
      status: error.status,
      code: error.code,
      message,
      headers:
        error.retryAfterSeconds === undefined
          ? {}
          : { "retry-after": String(error.retryAfterSeconds) },
    };
  }
  if (error instanceof UsageError)
    return { status: 400, code: "ERR_REQUEST", message, headers: {} };
  if (error instanceof ZarrPlanError) {
    const status =
      error.code === "ERR_NODE_NOT_FOUND"
        ? 404
        : error.code === "ERR_TOO_LARGE"
          ? 413
          : INPUT_CODES.has(error.code)
            ? 400
            : error.code === "ERR_STORE" || error.code === "ERR_UNAUTHORIZED"
              ? 502
              : 500;
    return { status, code: error.code, message, headers: {} };
  }
  return { status: 500, code: null, message, headers: {} };
}
