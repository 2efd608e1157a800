/**
 * A non-2xx answer from the API. Subclasses follow the status (400 BadRequestError, 401 AuthenticationError,
 * 403 PermissionDeniedError, 404 NotFoundError, 409 ConflictError, 422 UnprocessableEntityError,
 * 429 RateLimitError, ≥500 InternalServerError), as the official client's do.
 *
 * @example
 * import { runs, NotFoundError } from "@gantry/sdk";
 * try { await runs.retrieve("run_missing"); } catch (e) { if (e instanceof NotFoundError) console.log(e.code); }
 */
export class ApiError extends Error {
  readonly status: number | undefined;
  readonly headers: Record<string, string> | undefined;
  readonly body: unknown;
  readonly code: string | undefined;
  readonly param: string | undefined;
  readonly type: string | undefined;

  constructor(status: number | undefined, body: unknown, message: string | undefined, headers: Record<string, string> | undefined) {
    const detail = errorFields(body);
    super(messageFor(status, detail.message ?? message));
    this.name = new.target.name;
    this.status = status;
    this.headers = headers;
    this.body = body;
    this.code = detail.code;
    this.param = detail.param;
    this.type = detail.type;
  }

  /** Builds the subclass that matches `status`. */
  static generate(status: number, body: unknown, message: string | undefined, headers: Record<string, string>): ApiError {
    const Class =
      status === 400 ? BadRequestError
      : status === 401 ? AuthenticationError
      : status === 403 ? PermissionDeniedError
      : status === 404 ? NotFoundError
      : status === 409 ? ConflictError
      : status === 422 ? UnprocessableEntityError
      : status === 429 ? RateLimitError
      : status >= 500 ? InternalServerError
      : ApiError;
    return new Class(status, body, message, headers);
  }
}

export class BadRequestError extends ApiError {}
export class AuthenticationError extends ApiError {}
export class PermissionDeniedError extends ApiError {}
export class NotFoundError extends ApiError {}
export class ConflictError extends ApiError {}
export class UnprocessableEntityError extends ApiError {}
export class InternalServerError extends ApiError {}

/** 429. `millisecondsUntilReset` comes from `x-ratelimit-reset` (unix ms). */
export class RateLimitError extends ApiError {
  get millisecondsUntilReset(): number | undefined {
    const reset = Number(this.headers?.["x-ratelimit-reset"]);
    return Number.isFinite(reset) && reset > 0 ? Math.max(0, reset - Date.now()) : undefined;
  }
}

/** The API could not be reached ("Connection error."). */
export class ApiConnectionError extends ApiError {
  constructor(cause?: unknown) {
    super(undefined, undefined, "Connection error.", undefined);
    if (cause !== undefined) (this as { cause?: unknown }).cause = cause;
  }
}

/** A 2xx answer whose body did not match the expected schema (not retried). */
export class ApiSchemaValidationError extends ApiError {}

function errorFields(body: unknown): { message?: string; code?: string; param?: string; type?: string } {
  if (!body || typeof body !== "object") return {};
  const b = body as Record<string, unknown>;
  const err = b.error;
  const inner = err && typeof err === "object" ? (err as Record<string, unknown>) : {};
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  return {
    message: typeof err === "string" ? err : str(inner.message),
    code: str(inner.code) ?? str(b.code),
    param: str(inner.param) ?? str(b.param),
    type: str(inner.type) ?? str(b.type),
  };
}

function messageFor(status: number | undefined, message: string | undefined): string {
  if (status && message) return `${status} ${message}`;
  if (status) return `${status} status code (no body)`;
  return message ?? "(no status code or body)";
}
