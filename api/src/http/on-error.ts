import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ZodError } from "zod";
import type { ApiErrorBody } from "@gantry/sdk/contracts";
import { ApiError } from "../errors.js";

/**
 * The one place errors become HTTP responses: `{ error, code, param }` with the right status.
 * ApiError → its status; zod errors → 400 naming the field; malformed JSON → 400; the rest → 500 (logged).
 */
export function onError(err: Error, c: Context): Response {
  const { status, body, headers } = toErrorResponse(err);
  if (status >= 500) {
    const requestId = c.get("requestId" as never) as string | undefined;
    console.error(`[api] ${c.req.method} ${c.req.path} failed (request ${requestId ?? "-"}):`, err);
  }
  return c.json(body, status, headers);
}

export function toErrorResponse(err: unknown): {
  status: ContentfulStatusCode;
  body: ApiErrorBody;
  headers?: Record<string, string>;
} {
  if (err instanceof ApiError) {
    const body: ApiErrorBody = { error: err.message, code: err.code };
    if (err.param !== undefined) body.param = err.param;
    return { status: err.status, body, headers: err.headers };
  }
  if (err instanceof ZodError) {
    const issue = err.issues[0];
    const param = issue && issue.path.length > 0 ? issue.path.map(String).join(".") : undefined;
    const message = issue ? `${param ?? "body"}: ${issue.message}` : "Invalid request body";
    return { status: 400, body: param ? { error: message, code: "invalid_body", param } : { error: message, code: "invalid_body" } };
  }
  if (err instanceof SyntaxError) {
    return { status: 400, body: { error: `Malformed JSON body: ${err.message}`, code: "invalid_body" } };
  }
  if (err instanceof HTTPException) {
    if (err.status === 413) {
      return { status: 413, body: { error: "Request body too large", code: "payload_too_large" } };
    }
    const code = err.status === 401 ? "unauthorized" : err.status === 404 ? "not_found" : "bad_request";
    return { status: err.status as ContentfulStatusCode, body: { error: err.message || "Request failed", code } };
  }
  return { status: 500, body: { error: "Internal server error", code: "internal_error" } };
}
