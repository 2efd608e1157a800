import type { ErrorCode } from "@gantry/sdk/contracts";

/** The one error class the HTTP layer maps to `{ error, code, param }` (see http/on-error.ts). */
export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 410 | 413 | 422 | 429 | 500 | 503,
    readonly code: ErrorCode,
    message: string,
    readonly param?: string,
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(message, options);
    this.name = "ApiError";
    this.headers = options?.headers;
  }
  readonly headers: Record<string, string> | undefined;
}

export const badRequest = (message: string, param?: string) => new ApiError(400, "invalid_body", message, param);
export const unauthorized = (message = "Invalid API key: pass `Authorization: Bearer <secret key>`") =>
  new ApiError(401, "unauthorized", message);
export const forbidden = (message: string) => new ApiError(403, "forbidden", message);
export const notFound = (message: string, param?: string) => new ApiError(404, "not_found", message, param);
export const conflict = (message: string, param?: string) => new ApiError(409, "conflict", message, param);
export const tooLarge = (message: string, param?: string) => new ApiError(413, "payload_too_large", message, param);

/** Configuration problems at start-up: the message names the variable and the fix. */
export class ConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ConfigError";
  }
}
