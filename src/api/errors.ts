// Every API error leaves the server as `{ error: { code, message } }` with the matching status. Route code
// throws ApiError; app.onError (handleError below) is the one place that turns anything thrown into a response.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ZodError } from "zod";
import { isStoreUnavailable } from "../store/errors.js";

export type ApiErrorCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "method_not_allowed"
  | "unsupported_media_type"
  | "range_too_large"
  | "unavailable"
  | "rate_limited"
  | "internal";

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ApiErrorCode,
    message: string,
    /** Extra response headers, e.g. WWW-Authenticate on 401. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface ErrorBody {
  error: { code: string; message: string };
}

/** Something that records unexpected errors; never given request addresses. */
export type ErrorReporter = (err: unknown) => void;

function zodMessage(err: ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`)
    .join("; ");
}

const CODE_BY_STATUS: Partial<Record<number, ApiErrorCode>> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  429: "rate_limited",
  503: "unavailable",
};

/** A client that branches on `code` must not read a server fault or an unlisted status as its own mistake. */
function codeForStatus(status: number): ApiErrorCode {
  return CODE_BY_STATUS[status] ?? (status >= 500 ? "internal" : "bad_request");
}

export function errorResponse(c: Context, status: ContentfulStatusCode, code: string, message: string): Response {
  const body: ErrorBody = { error: { code, message } };
  return c.json(body, status);
}

/** app.onError handler. */
export function handleError(report: ErrorReporter) {
  return function onError(err: Error, c: Context): Response {
    if (err instanceof ApiError) {
      for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
      return errorResponse(c, err.status, err.code, err.message);
    }
    if (err instanceof ZodError) return errorResponse(c, 400, "bad_request", zodMessage(err));
    if (isStoreUnavailable(err)) {
      // Locked by another writer or failing: the request may succeed in a moment.
      c.header("Retry-After", "5");
      return errorResponse(c, 503, "unavailable", "store temporarily unavailable; retry later");
    }
    if (err instanceof HTTPException) {
      const status = err.status as ContentfulStatusCode;
      return errorResponse(c, status, codeForStatus(status), err.message || "request failed");
    }
    report(err);
    return errorResponse(c, 500, "internal", "internal server error");
  };
}

/** Validation hook for every OpenAPIHono sub-app: a failed zod check becomes a typed 400. */
export function validationHook(result: { success: boolean; error?: unknown }): void {
  if (!result.success) {
    const err = result.error;
    throw new ApiError(400, "bad_request", err instanceof ZodError ? zodMessage(err) : "invalid request");
  }
}
